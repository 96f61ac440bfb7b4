package lxdmachine_test

import (
	"archive/zip"
	"bufio"
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/juju/charm/v12"

	"github.com/canonical/jujutest/internal/local/lxdmachine"
	"github.com/canonical/jujutest/internal/local/machine"
)

// connect returns the LXD provider and checks the Debian 12 image, or
// skips the test with the reason (CI prepares both with `make lxd`).
func connect(t testing.TB) (*lxdmachine.Provider, string) {
	t.Helper()
	p, err := lxdmachine.Connect(t.Context(), "")
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	alias := lxdmachine.ImageAlias("debian@12", runtime.GOARCH)
	if _, err := p.ImageBase(alias); err != nil {
		t.Skipf("skipped: %v", err)
	}
	return p, alias
}

// launch starts a container for the test and deletes it at the end.
func launch(t testing.TB, p *lxdmachine.Provider, alias, id string) (string, string) {
	t.Helper()
	uuid := "0b9c6a4e-58b1-4a41-8c39-" + strings.Repeat("0", 8) + id + strings.Repeat("0", 3)
	name, err := lxdmachine.ContainerName(uuid, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Delete(context.Background(), name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	addr, err := p.Launch(t.Context(), name, alias, "", uuid)
	if err != nil {
		t.Fatal(err)
	}
	return name, addr
}

func TestContainerNameIsJujus(t *testing.T) {
	name, err := lxdmachine.ContainerName("0b9c6a4e-58b1-4a41-8c39-5e0c3ed4a6d1", "3")
	if err != nil || name != "juju-d4a6d1-3" {
		t.Errorf("ContainerName = %q, %v; want juju-d4a6d1-3", name, err)
	}
	if got := lxdmachine.ImageAlias("ubuntu@22.04", "amd64"); got != "juju/ubuntu@22.04/amd64" {
		t.Errorf("ImageAlias = %q", got)
	}
}

// TestMachineInContainer launches a container and uses it through the
// machine seam: processes with stdio and environment, files, a charm, the
// hook tools' socket, and a cancelled run that kills its whole group.
func TestMachineInContainer(t *testing.T) {
	t.Parallel()
	p, alias := connect(t)
	name, addr := launch(t, p, alias, "1")
	if !strings.HasPrefix(name, "juju-") || net.ParseIP(addr) == nil {
		t.Fatalf("launched %q at %q", name, addr)
	}
	gw, err := p.Gateway()
	if err != nil {
		t.Fatal(err)
	}
	// A stand-in agent socket: answers one line per connection.
	sock := filepath.Join(t.TempDir(), "agent.socket")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			line, _ := bufio.NewReader(c).ReadString('\n')
			_, _ = c.Write([]byte("agent got " + line))
			c.Close()
		}
	}()
	tool, err := exec.LookPath("true")
	if err != nil {
		t.Fatal(err)
	}
	m := p.Machine(name, lxdmachine.Config{
		Facts: machine.Facts{ID: "1", Addresses: []string{addr}}, ToolBinary: tool, ToolNames: []string{"status-set"},
		AgentSocket: sock, Nameserver: gw,
	})
	ctx := t.Context()
	if err := m.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Prepare(ctx); err != nil {
		t.Fatalf("Prepare again: %v", err)
	}

	run := func(script string, env ...string) (int, string, string, error) {
		var out, errOut strings.Builder
		code, err := m.Run(ctx, machine.Process{Path: "/bin/sh", Args: []string{"/bin/sh", "-c", script}, Env: env,
			Dir: "/tmp", Stdin: strings.NewReader("in\n"), Stdout: &out, Stderr: &errOut})
		return code, out.String(), errOut.String(), err
	}
	code, out, errOut, err := run(`read x; echo "$x $PWD $V $(hostname)"; echo e >&2; exit 3`, "V=v", "PATH=/usr/bin:/bin")
	if code != 3 || err != nil || out != "in /tmp v "+name+"\n" || errOut != "e\n" {
		t.Errorf("run: %d, %v, %q, %q", code, err, out, errOut)
	}
	tools, socket := m.HookTools()
	code, out, _, err = run(`readlink "$T/status-set"; test -S "$S" && echo socket`, "T="+tools, "S="+socket)
	if code != 0 || err != nil || out != "/var/lib/juju/tools/juju-local-hooktool\nsocket\n" {
		t.Errorf("tools and socket in the container: %d, %v, %q", code, err, out)
	}

	// Files.
	if err := m.WriteFile(ctx, "/var/lib/x/y/f", []byte("data"), 0o640); err != nil {
		t.Fatal(err)
	}
	if mode, err := m.Stat(ctx, "/var/lib/x/y/f"); err != nil || mode != 0o640 {
		t.Errorf("Stat = %v, %v", mode, err)
	}
	if mode, err := m.Stat(ctx, "/var/lib/x/y"); err != nil || !mode.IsDir() {
		t.Errorf("Stat dir = %v, %v", mode, err)
	}
	if err := m.RemoveAll(ctx, "/var/lib/x"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Stat(ctx, "/var/lib/x/y/f"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat after RemoveAll: %v", err)
	}

	// A charm lands where Juju puts it, executable bits intact.
	archive := testCharm(t)
	dir, err := m.InstallCharm(ctx, "tiny/0", archive)
	if err != nil || dir != "/var/lib/juju/agents/unit-tiny-0/charm" {
		t.Fatalf("InstallCharm = %q, %v", dir, err)
	}
	if mode, err := m.Stat(ctx, dir+"/dispatch"); err != nil || mode&0o111 == 0 {
		t.Errorf("dispatch mode %v, %v", mode, err)
	}
	code, out, _, _ = run(`"$D/dispatch"`, "D="+dir)
	if code != 0 || out != "dispatched\n" {
		t.Errorf("dispatch ran: %d %q", code, out)
	}

	// Cancelling kills the process and what it started.
	cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	code, err = m.Run(cctx, machine.Process{Path: "/bin/sh", Args: []string{"/bin/sh", "-c", "sleep 300 & echo $! > /tmp/bg; sleep 300"}})
	if code != -1 || !errors.Is(err, machine.ErrKilled) {
		t.Errorf("cancelled run: %d, %v", code, err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancelled run took %v", d)
	}
	code, out, _, _ = run(`kill -0 "$(cat /tmp/bg)" 2>/dev/null && echo alive || echo gone`)
	if strings.TrimSpace(out) != "gone" {
		t.Errorf("background child after the kill: %q (%d)", out, code)
	}
}

// testCharm writes a minimal charm archive.
func testCharm(t *testing.T) *charm.CharmArchive {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tiny.charm")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, c := range map[string]struct {
		mode fs.FileMode
		data string
	}{
		"metadata.yaml": {0o644, "name: tiny\nsummary: s\ndescription: d\n"},
		"dispatch":      {0o755, "#!/bin/sh\necho dispatched\n"},
		"src/x/y.txt":   {0o644, "nested\n"},
	} {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(c.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(c.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	a, err := charm.ReadCharmArchive(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
