package cli_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	lxd "github.com/canonical/lxd/client"
	"github.com/canonical/lxd/shared/api"

	"github.com/canonical/jujutest/internal/local/cli"
	"github.com/canonical/jujutest/internal/local/lxdmachine"
)

// newLXDEnv returns a test environment whose models are LXD models, or
// skips the test when no LXD daemon with the Debian 12 image is here (CI
// prepares both with `make lxd`).
func newLXDEnv(t testing.TB) (*testEnv, *lxdmachine.Provider) {
	t.Helper()
	p, err := lxdmachine.Connect(t.Context(), "")
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	if _, err := p.ImageBase(lxdmachine.ImageAlias("debian@12", runtime.GOARCH)); err != nil {
		t.Skipf("skipped: %v", err)
	}
	e := newTestEnv(t, false)
	e.environ = append(e.environ, cli.EnvProvider+"=lxd", cli.EnvImageBase+"=debian@12")
	return e, p
}

// lxdMachine is the part of a machine's status the LXD tests read.
type lxdMachine struct {
	JujuStatus struct {
		Current string `json:"current"`
		Message string `json:"message"`
	} `json:"juju-status"`
	MachineStatus struct {
		Current string `json:"current"`
		Message string `json:"message"`
	} `json:"machine-status"`
	Hostname    string   `json:"hostname"`
	DNSName     string   `json:"dns-name"`
	IPAddresses []string `json:"ip-addresses"`
	InstanceID  string   `json:"instance-id"`
	Base        struct {
		Name    string `json:"name"`
		Channel string `json:"channel"`
	} `json:"base"`
	Hardware string `json:"hardware"`
}

func machinesOf(t *testing.T, s jsonStatus) map[string]lxdMachine {
	t.Helper()
	out := map[string]lxdMachine{}
	for id, raw := range s.Machines {
		var m lxdMachine
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		out[id] = m
	}
	return out
}

// TestLXDMachines deploys two units to an LXD model: each gets a container
// named as Juju's LXD provider names it, whose facts status shows, and its
// hooks run inside it; removing a unit removes its machine and container,
// and destroying the model deletes the rest.
func TestLXDMachines(t *testing.T) {
	t.Parallel()
	e, p := newLXDEnv(t)
	e.must("add-model", "m")
	uuid := e.modelUUID("m")
	e.must("deploy", tinyCharm(t), "-n", "2")
	s := e.status("m")
	if ms := machinesOf(t, s); len(ms) != 2 || ms["0"].JujuStatus.Current != "pending" || ms["0"].InstanceID != "pending" {
		t.Errorf("machines right after deploy: %+v", ms)
	}
	s = e.waitStatus("m", 2*time.Minute, "both units active", allIdle("tiny", "active"))
	ms := machinesOf(t, s)
	names := map[string]bool{}
	for id, m := range ms {
		want, _ := lxdmachine.ContainerName(uuid, id)
		if m.JujuStatus.Current != "started" || m.MachineStatus.Current != "running" || m.MachineStatus.Message != "Running" ||
			m.InstanceID != want || m.Hostname != want || m.Base.Name != "debian" || m.Base.Channel != "12" ||
			net.ParseIP(m.DNSName) == nil || len(m.IPAddresses) != 1 || m.IPAddresses[0] != m.DNSName || !strings.Contains(m.Hardware, "arch=") {
			t.Errorf("machine %s: %+v (want instance %s)", id, m, want)
		}
		names[m.InstanceID] = true
	}
	app := s.Applications["tiny"]
	for name, u := range app.Units {
		if u.Address != ms[u.Machine].DNSName || u.Address == "127.0.0.1" {
			t.Errorf("unit %s: address %q on machine %s (%s)", name, u.Address, u.Machine, ms[u.Machine].DNSName)
		}
	}
	// Hooks and exec run inside the unit's container.
	out := e.must("exec", "--unit", "tiny/1", "--", "hostname; pwd; config-get msg").stdout
	want1, _ := lxdmachine.ContainerName(uuid, app.Units["tiny/1"].Machine)
	if out != want1+"\n/var/lib/juju/agents/unit-tiny-1/charm\nhello\n" {
		t.Errorf("exec in the container printed %q", out)
	}

	// ssh and scp reach the container too.
	r := e.run("ssh", "tiny/1", "-o", "ConnectTimeout=5", "hostname;", "exit", "3")
	if r.code != 3 || r.stdout != want1+"\n" {
		t.Errorf("ssh: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	local := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(local, []byte("payload\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.must("scp", "--", local, "tiny/1:/tmp/f")
	if out := e.must("ssh", "tiny/1", "cat /tmp/f").stdout; out != "payload\n" {
		t.Errorf("file copied in: %q", out)
	}
	back := filepath.Join(t.TempDir(), "back")
	e.must("scp", "tiny/1:/tmp/f", back)
	if data, err := os.ReadFile(back); err != nil || string(data) != "payload\n" {
		t.Errorf("file copied out: %q, %v", data, err)
	}

	e.must("remove-unit", "tiny/1", "--no-prompt")
	e.waitStatus("m", time.Minute, "tiny/1 and its machine gone", func(s jsonStatus) bool {
		_, unit := s.Applications["tiny"].Units["tiny/1"]
		return !unit && len(s.Machines) == 1
	})
	if status, err := p.Status(want1); err != nil || status != "" {
		t.Errorf("container %s after its machine went: %q, %v", want1, status, err)
	}
	e.must("destroy-model", "m", "--no-prompt")
	for name := range names {
		if status, err := p.Status(name); err != nil || status != "" {
			t.Errorf("container %s after destroy-model: %q, %v", name, status, err)
		}
	}
}

// TestLXDContainerDeletedBehindTheBackend deletes a unit's container
// behind the backend: status shows the machine down and its unit's agent
// lost, as Juju does, and destroy-model still cleans up.
func TestLXDContainerDeletedBehindTheBackend(t *testing.T) {
	t.Parallel()
	e, p := newLXDEnv(t)
	e.must("add-model", "m")
	e.must("deploy", tinyCharm(t))
	s := e.waitStatus("m", 2*time.Minute, "active", allIdle("tiny", "active"))
	name := machinesOf(t, s)["0"].InstanceID
	if err := p.Delete(t.Context(), name); err != nil {
		t.Fatal(err)
	}
	s = e.waitStatus("m", 30*time.Second, "machine down", func(s jsonStatus) bool {
		return machinesOf(t, s)["0"].JujuStatus.Current == "down"
	})
	m := machinesOf(t, s)["0"]
	// Deleting stops the container first: the poller may see either.
	if m.JujuStatus.Message != "agent is not communicating with the server" ||
		m.MachineStatus.Message != "instance "+name+" not found" && m.MachineStatus.Message != "instance "+name+" is stopped" {
		t.Errorf("machine after its container was deleted: %+v", m)
	}
	if u := s.Applications["tiny"].Units["tiny/0"]; u.Juju.Current != "lost" {
		t.Errorf("unit agent on a deleted machine: %+v", u.Juju)
	}
	e.must("destroy-model", "m", "--no-prompt", "--force", "--timeout", "5s")
}

// TestLXDErrors checks the errors of the LXD provider: a forced provider
// with no daemon, a bad provider name, and a base with no image.
func TestLXDErrors(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, false)
	e.environ = append(e.environ, cli.EnvProvider+"=lxd", "LXD_DIR="+t.TempDir())
	r := e.run("add-model", "m")
	if r.code != 1 || !strings.Contains(r.stderr, "JUJU_LOCAL_PROVIDER=lxd: no LXD daemon answers") || !strings.Contains(r.stderr, "make lxd") {
		t.Errorf("add-model with no daemon: exit %d, %q", r.code, r.stderr)
	}
	e.environ = append(e.environ, cli.EnvProvider+"=vm")
	r = e.run("add-model", "m")
	if r.code != 1 || !strings.Contains(r.stderr, `JUJU_LOCAL_PROVIDER must be "lxd" or "host", not "vm"`) {
		t.Errorf("add-model with a bad provider: exit %d, %q", r.code, r.stderr)
	}

	le, _ := newLXDEnv(t)
	le.must("add-model", "m", "--config", "juju-local-image-base=ubuntu@20.04")
	r = le.run("deploy", tinyCharm(t))
	alias := lxdmachine.ImageAlias("ubuntu@20.04", runtime.GOARCH)
	if r.code != 1 || !strings.Contains(r.stderr, `no LXD image with alias "`+alias+`"`) || !strings.Contains(r.stderr, "make lxd") {
		t.Errorf("deploy with no image: exit %d, %q", r.code, r.stderr)
	}
	if apps := le.status("m").Applications; len(apps) != 0 {
		t.Errorf("a refused deploy stored %v", apps)
	}
}

// socketProxy forwards connections from a socket in a new LXD_DIR to the
// real LXD socket, until it is closed: closing it is the LXD daemon going
// away, for the model's agent and CLI only.
type socketProxy struct {
	dir string
	ln  net.Listener
}

func newSocketProxy(t *testing.T) *socketProxy {
	t.Helper()
	target := ""
	for _, p := range []string{"/var/lib/lxd/unix.socket", "/var/snap/lxd/common/lxd/unix.socket"} {
		if _, err := os.Stat(p); err == nil {
			target = p
			break
		}
	}
	if target == "" {
		t.Skip("skipped: no LXD socket in the usual places")
	}
	dir := t.TempDir()
	ln, err := net.Listen("unix", filepath.Join(dir, "unix.socket"))
	if err != nil {
		t.Fatal(err)
	}
	sp := &socketProxy{dir: dir, ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("unix", target)
				if err != nil {
					return
				}
				defer u.Close()
				done := make(chan struct{}, 2)
				go func() { _, _ = io.Copy(u, c); done <- struct{}{} }()
				go func() { _, _ = io.Copy(c, u); done <- struct{}{} }()
				<-done
			}()
		}
	}()
	t.Cleanup(sp.close)
	return sp
}

// close stops accepting and removes the socket: the "daemon" is gone.
func (sp *socketProxy) close() {
	sp.ln.Close()
	_ = os.Remove(filepath.Join(sp.dir, "unix.socket"))
}

// TestLXDDaemonGone makes the LXD daemon vanish (for this model's agent)
// while a unit is active: status shows the machine down with the reason,
// commands that need LXD fail clearly, and destroy-model --force finishes
// (the containers are deleted through the real daemon afterwards).
func TestLXDDaemonGone(t *testing.T) {
	t.Parallel()
	e, p := newLXDEnv(t)
	sp := newSocketProxy(t)
	e.environ = append(e.environ, "LXD_DIR="+sp.dir)
	e.must("add-model", "m")
	uuid := e.modelUUID("m")
	e.must("deploy", tinyCharm(t))
	s := e.waitStatus("m", 2*time.Minute, "active", allIdle("tiny", "active"))
	name := machinesOf(t, s)["0"].InstanceID
	t.Cleanup(func() {
		// Not t.Context(): it has ended when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := p.Delete(ctx, name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})

	sp.close()
	s = e.waitStatus("m", 30*time.Second, "machine down", func(s jsonStatus) bool {
		return machinesOf(t, s)["0"].JujuStatus.Current == "down"
	})
	if m := machinesOf(t, s)["0"]; !strings.Contains(m.MachineStatus.Message, "the LXD daemon does not answer") {
		t.Errorf("machine with the daemon gone: %+v", m)
	}
	if r := e.run("ssh", "tiny/0", "true"); r.code != 1 || !strings.Contains(r.stderr, "is down, not started") {
		t.Errorf("ssh with the daemon gone: exit %d, %q", r.code, r.stderr)
	}
	if r := e.run("add-unit", "tiny"); r.code != 1 || !strings.Contains(r.stderr, "no LXD daemon answers") || !strings.Contains(r.stderr, "make lxd") {
		t.Errorf("add-unit with the daemon gone: exit %d, %q", r.code, r.stderr)
	}
	r := e.run("destroy-model", "m", "--no-prompt", "--force", "--timeout", "5s")
	if r.code != 0 || !strings.Contains(r.stderr, "WARNING cannot delete the model's containers") {
		t.Errorf("destroy-model with the daemon gone: exit %d, %q", r.code, r.stderr)
	}
	prefix, _ := lxdmachine.ContainerPrefix(uuid)
	if !strings.HasPrefix(name, prefix) {
		t.Errorf("container %s does not carry the model's prefix %s", name, prefix)
	}
}

// TestLXDAddRemoveMachine adds machines, places a unit on one, and removes
// them as Juju does: a machine with a unit only with --force.
func TestLXDAddRemoveMachine(t *testing.T) {
	t.Parallel()
	e, p := newLXDEnv(t)
	e.must("add-model", "m")
	uuid := e.modelUUID("m")
	if r := e.must("add-machine", "-n", "2"); r.stderr != "created machine 0\ncreated machine 1\n" {
		t.Errorf("add-machine stderr = %q", r.stderr)
	}
	e.must("deploy", tinyCharm(t), "--to", "0")
	e.waitStatus("m", 2*time.Minute, "unit active on machine 0, machine 1 started", func(s jsonStatus) bool {
		ms := machinesOf(t, s)
		return allIdle("tiny", "active")(s) && s.Applications["tiny"].Units["tiny/0"].Machine == "0" &&
			ms["1"].JujuStatus.Current == "started"
	})
	r := e.run("remove-machine", "0", "--no-prompt")
	if r.code != 1 || r.stderr != "ERROR removing machine failed: machine 0 has unit \"tiny/0\" assigned\n" {
		t.Errorf("remove-machine of a machine with a unit: exit %d, %q", r.code, r.stderr)
	}
	if r := e.must("remove-machine", "1", "--no-prompt"); r.stdout != "will remove machine 1\n" {
		t.Errorf("remove-machine stdout = %q", r.stdout)
	}
	if r := e.must("remove-machine", "0", "--force", "--no-prompt"); r.stdout != "will remove machine 0\n- will remove unit tiny/0\n" {
		t.Errorf("remove-machine --force stdout = %q", r.stdout)
	}
	e.waitStatus("m", time.Minute, "machines and unit gone", func(s jsonStatus) bool {
		return len(s.Machines) == 0 && len(s.Applications["tiny"].Units) == 0
	})
	for _, id := range []string{"0", "1"} {
		name, _ := lxdmachine.ContainerName(uuid, id)
		if status, err := p.Status(name); err != nil || status != "" {
			t.Errorf("container %s after remove-machine: %q, %v", name, status, err)
		}
	}
	if r := e.run("remove-machine", "7", "--no-prompt"); r.code != 1 || !strings.Contains(r.stderr, "machine 7 not found") {
		t.Errorf("remove-machine of an unknown machine: exit %d, %q", r.code, r.stderr)
	}
	// A machine with no unit goes with the model, without --force too.
	e.must("add-machine")
	e.waitStatus("m", 2*time.Minute, "machine 2 started", func(s jsonStatus) bool {
		return machinesOf(t, s)["2"].JujuStatus.Current == "started"
	})
	done := make(chan result, 1)
	go func() { done <- e.run("destroy-model", "m", "--no-prompt") }()
	select {
	case r := <-done:
		if r.code != 0 {
			t.Errorf("destroy-model with an empty machine: exit %d, %q", r.code, r.stderr)
		}
	case <-time.After(time.Minute):
		t.Fatal("destroy-model with an empty machine did not finish within a minute")
	}
	name, _ := lxdmachine.ContainerName(uuid, "2")
	if status, err := p.Status(name); err != nil || status != "" {
		t.Errorf("container %s after destroy-model: %q, %v", name, status, err)
	}
}

// importBrokenImage imports an image aliased alias whose container cannot
// boot (its rootfs has no init), and removes it when the test ends.
func importBrokenImage(t *testing.T, alias, os_, version string) {
	t.Helper()
	srv, err := lxd.ConnectLXDUnix("", nil)
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	tarball := func(files map[string]string) *bytes.Reader {
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		for name, data := range files {
			if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
				t.Fatal(err)
			}
			if _, err := tw.Write([]byte(data)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := gz.Close(); err != nil {
			t.Fatal(err)
		}
		return bytes.NewReader(buf.Bytes())
	}
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	meta := tarball(map[string]string{"metadata.yaml": fmt.Sprintf(
		"architecture: %s\ncreation_date: %d\nproperties:\n  os: %s\n  version: %q\n", arch, time.Now().Unix(), os_, version)})
	rootfs := tarball(map[string]string{"etc/os-release": "ID=" + os_ + "\n"})
	op, err := srv.CreateImage(api.ImagesPost{},
		&lxd.ImageCreateArgs{MetaFile: meta, MetaName: "meta.tar.gz", RootfsFile: rootfs, RootfsName: "rootfs.tar.gz"})
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Wait(); err != nil {
		t.Fatal(err)
	}
	fingerprint, _ := op.Get().Metadata["fingerprint"].(string)
	if _, _, err := srv.GetImageAlias(alias); err != nil {
		if err := srv.CreateImageAlias(api.ImageAliasesPost{ImageAliasesEntry: api.ImageAliasesEntry{Name: alias, Target: fingerprint}}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if op, err := srv.DeleteImage(fingerprint); err == nil {
			_ = op.Wait()
		}
	})
}

// TestLXDContainerFailsToStart deploys to an image whose container cannot
// boot: after Juju's retries the machine shows "provisioning error" with
// LXD's message, its unit waits for it, and destroy-model cleans up.
func TestLXDContainerFailsToStart(t *testing.T) {
	t.Parallel()
	e, p := newLXDEnv(t)
	importBrokenImage(t, lxdmachine.ImageAlias("ubuntu@18.04", runtime.GOARCH), "ubuntu", "18.04")
	e.must("add-model", "m", "--config", "juju-local-image-base=ubuntu@18.04")
	uuid := e.modelUUID("m")
	e.must("deploy", tinyCharm(t))
	s := e.waitStatus("m", time.Minute, "provisioning error", func(s jsonStatus) bool {
		return machinesOf(t, s)["0"].MachineStatus.Current == "provisioning error"
	})
	m := machinesOf(t, s)["0"]
	if m.JujuStatus.Current != "pending" || !strings.HasPrefix(m.MachineStatus.Message, "Creating container: ") {
		t.Errorf("machine that cannot start: %+v", m)
	}
	if u := s.Applications["tiny"].Units["tiny/0"]; u.Workload.Message != "waiting for machine" {
		t.Errorf("unit on a machine that cannot start: %+v", u.Workload)
	}
	e.must("destroy-model", "m", "--no-prompt", "--force", "--timeout", "5s")
	name, _ := lxdmachine.ContainerName(uuid, "0")
	if status, err := p.Status(name); err != nil || status != "" {
		t.Errorf("container %s after destroy-model: %q, %v", name, status, err)
	}
}

// TestLXDStoragePoolFull deploys into a storage pool too small for the
// image (a dir pool on a 32 MiB tmpfs): the machine shows "provisioning
// error" with LXD's message, and destroy-model cleans up.
func TestLXDStoragePoolFull(t *testing.T) {
	t.Parallel()
	e, p := newLXDEnv(t)
	if os.Geteuid() != 0 {
		t.Skip("skipped: needs root to mount a small tmpfs (CI runs it as root)")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=32m"); err != nil {
		t.Skipf("skipped: cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	srv, err := lxd.ConnectLXDUnix("", nil)
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	pool := "jl-full-" + strconv.Itoa(os.Getpid())
	if err := srv.CreateStoragePool(api.StoragePoolsPost{Name: pool, Driver: "dir",
		StoragePoolPut: api.StoragePoolPut{Config: map[string]string{"source": dir}}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.DeleteStoragePool(pool); err != nil {
			t.Errorf("cleanup: deleting pool %s: %v", pool, err)
		}
	})
	e.must("add-model", "m", "--config", "juju-local-storage-pool="+pool)
	uuid := e.modelUUID("m")
	e.must("deploy", tinyCharm(t))
	s := e.waitStatus("m", 2*time.Minute, "provisioning error", func(s jsonStatus) bool {
		return machinesOf(t, s)["0"].MachineStatus.Current == "provisioning error"
	})
	if m := machinesOf(t, s)["0"]; !strings.HasPrefix(m.MachineStatus.Message, "Creating container: ") || !strings.Contains(strings.ToLower(m.MachineStatus.Message), "space") {
		t.Errorf("machine in a full pool: %+v", m.MachineStatus)
	}
	e.must("destroy-model", "m", "--no-prompt", "--force", "--timeout", "5s")
	name, _ := lxdmachine.ContainerName(uuid, "0")
	if status, err := p.Status(name); err != nil || status != "" {
		t.Errorf("container %s after destroy-model: %q, %v", name, status, err)
	}
}
