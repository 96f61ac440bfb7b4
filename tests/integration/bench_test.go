//go:build integration

package integration

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
)

// BenchmarkDeployToActive times `juju deploy` of the tinyproxy charm until
// the application is first seen active, with tinyproxy already installed on
// the machine, so that what is timed is the backend and the charm rather
// than apt. Target on the local backend: <= 5 s.
func BenchmarkDeployToActive(b *testing.B) {
	if !isLocal() {
		b.Skip("skipped: this target is for the local backend, where tinyproxy can be installed beforehand")
	}
	if os.Getenv("JUJU_LOCAL_PROVIDER") != "host" {
		b.Skip("skipped: this target is for host machines (JUJU_LOCAL_PROVIDER=host); BenchmarkDeployToActiveLXD is the LXD one")
	}
	if os.Geteuid() != 0 {
		b.Skip("skipped: installing tinyproxy beforehand needs root")
	}
	charm := charmPath(b)
	ctx := b.Context()
	for b.Loop() {
		b.StopTimer()
		preinstall(b, ctx)
		juju := jujutest.TempModel(b)
		b.StartTimer()

		if err := juju.Deploy(ctx, charm, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := juju.Wait(ctx, jujutest.AllActive(app),
			jujutest.WithError(jujutest.AnyError(app)),
			jujutest.WithSuccesses(1), jujutest.WithDelay(100*time.Millisecond),
			jujutest.WithTimeout(2*time.Minute)); err != nil {
			b.Fatal(err)
		}

		b.StopTimer()
		// Remove the application now (its remove hook uninstalls tinyproxy)
		// so that the next round starts from the same place.
		if err := juju.RemoveApplication(ctx, []string{app}, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := juju.Wait(ctx, jujutest.AppGone(app), jujutest.WithSuccesses(1),
			jujutest.WithDelay(100*time.Millisecond), jujutest.WithTimeout(time.Minute)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// preinstall installs tinyproxy from the distribution's archive.
func preinstall(b *testing.B, ctx context.Context) {
	b.Helper()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "apt-get", "install", "-y", "-q", "tinyproxy-bin")
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("apt-get install tinyproxy-bin: %v\n%s", err, out)
	}
}

// BenchmarkDeployToActiveLXD times `juju deploy` of the tinyproxy charm
// until it is active, on a new LXD machine of the local backend (image
// cached): the container's launch, the charm's install hook (apt installs
// tinyproxy inside it) and the other hooks. Target: <= 10 s.
func BenchmarkDeployToActiveLXD(b *testing.B) {
	if !isLocal() {
		b.Skip("skipped: this target is for the local backend's LXD machines")
	}
	oneHostMachine(b)
	charm := charmPath(b)
	ctx := b.Context()
	juju := jujutest.TempModel(b)
	for b.Loop() {
		if err := juju.Deploy(ctx, charm, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := juju.Wait(ctx, jujutest.AllActive(app), jujutest.WithError(jujutest.AnyError(app)),
			jujutest.WithTimeout(2*time.Minute)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		// The machine goes with the application's last unit.
		if err := juju.RemoveApplication(ctx, []string{app}, nil); err != nil {
			b.Fatal(err)
		}
		gone := func(st *jujutest.Status) bool { return jujutest.AppGone(app)(st) && len(st.Machines) == 0 }
		if _, err := juju.Wait(ctx, gone, jujutest.WithTimeout(2*time.Minute)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
