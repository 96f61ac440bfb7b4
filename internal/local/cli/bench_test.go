package cli_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/canonical/jujutest/internal/local/cli"
)

// buildJujuLocal builds the juju-local binary into a temporary directory.
func buildJujuLocal(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "juju-local")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/canonical/jujutest/cmd/juju-local")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building juju-local: %v\n%s", err, out)
	}
	return bin
}

// tenUnitModel deploys the tiny charm with 10 units and waits until they
// are idle.
func tenUnitModel(b *testing.B) *testEnv {
	b.Helper()
	e := newTestEnv(b, true)
	e.must("add-model", "m")
	e.must("deploy", tinyCharm(b), "-n", "10")
	e.waitStatus("m", 2*time.Minute, "10 idle units", func(s jsonStatus) bool {
		return len(s.Applications["tiny"].Units) == 10 && allIdle("tiny", "active")(s)
	})
	return e
}

// BenchmarkStatusJSONExec measures `juju-local status --format json` as a
// process, as jujutest.Wait runs it, for a model with 10 units. Target:
// <= 20 ms.
func BenchmarkStatusJSONExec(b *testing.B) {
	bin := buildJujuLocal(b)
	e := tenUnitModel(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "status", "--format", "json", "-m", "m")
		cmd.Env = e.environ
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil || out.Len() == 0 {
			b.Fatalf("status: %v", err)
		}
	}
}

// BenchmarkStatusJSONInProcess measures the status command without the
// process start.
func BenchmarkStatusJSONInProcess(b *testing.B) {
	e := tenUnitModel(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var out, errOut bytes.Buffer
		if code := cli.Main(context.Background(), []string{"status", "--format", "json"}, nil, &out, &errOut, e.environ); code != 0 {
			b.Fatalf("status: %d %s", code, errOut.String())
		}
	}
}

// BenchmarkDeployToIdle measures deploying the tiny charm until its unit is
// active and idle (install, leader-elected, config-changed, start).
func BenchmarkDeployToIdle(b *testing.B) {
	e := newTestEnv(b, true)
	charm := tinyCharm(b)
	e.must("add-model", "m")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.must("deploy", charm, "tiny")
		e.waitStatus("m", time.Minute, "idle", allIdle("tiny", "active"))
		b.StopTimer()
		e.must("remove-application", "tiny", "--no-prompt", "--force")
		e.waitStatus("m", time.Minute, "removed", func(s jsonStatus) bool {
			_, ok := s.Applications["tiny"]
			return !ok
		})
		b.StartTimer()
	}
}

// TestBinaryBuilds builds juju-local and checks its two other faces: the
// version command and the hook-tool client under a tool's name.
func TestBinaryBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the build of juju-local in -short mode")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "juju-local")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if out, err := exec.Command(goTool, "build", "-o", bin, "github.com/canonical/jujutest/cmd/juju-local").CombinedOutput(); err != nil {
		t.Fatalf("building juju-local: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || string(out) != "3.6.11-ubuntu-"+runtime.GOARCH+"\n" {
		t.Fatalf("juju-local version = %q, %v", out, err)
	}
	// Invoked under a hook tool's name outside a hook, the binary is the
	// hook-tool client and says what is missing.
	link := filepath.Join(t.TempDir(), "config-get")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(link)
	cmd.Env = []string{}
	out, err = cmd.CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("JUJU_")) {
		t.Errorf("config-get outside a hook: %v %q", err, out)
	}
}
