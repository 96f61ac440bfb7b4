package machine_test

import (
	"archive/zip"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/juju/charm/v12"

	"github.com/canonical/jujutest/internal/local/machine"
)

// TestInstallCharmIsAllOrNothing fills a small filesystem while a charm is
// unpacked: the charm directory must not appear half-written, no temporary
// directory may be left, and once there is room the same call succeeds.
func TestInstallCharmIsAllOrNothing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: needs root to mount a small tmpfs (CI runs it as root)")
	}
	dir := t.TempDir()
	// An archive with a dispatch larger than the filesystem.
	archivePath := filepath.Join(dir, "big.charm")
	f, err := os.Create(archivePath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, size := range map[string]int{"metadata.yaml": 0, "dispatch": 256 << 10} {
		h := &zip.FileHeader{Name: name, Method: zip.Store}
		h.SetMode(0o755)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		data := []byte("name: big\nsummary: s\ndescription: d\n")
		if size > 0 {
			data = make([]byte, size)
			_, _ = rand.Read(data)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	archive, err := charm.ReadCharmArchive(archivePath)
	if err != nil {
		t.Fatal(err)
	}

	small := filepath.Join(dir, "small")
	if err := os.Mkdir(small, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", small, "tmpfs", 0, "size=128k"); err != nil {
		t.Skipf("skipped: cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(small, syscall.MNT_DETACH) })
	host := machine.NewHost(machine.HostConfig{UnitDir: func(unit string) string { return filepath.Join(small, "unit-big-0") }})
	charmDir := host.CharmDir("big/0")
	if _, err := host.InstallCharm(t.Context(), "big/0", archive); err == nil {
		t.Fatal("InstallCharm on a full filesystem succeeded")
	}
	if _, err := os.Stat(charmDir); !os.IsNotExist(err) {
		t.Errorf("a half-written charm directory was left: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(small, "unit-big-0", ".charm-*")); len(left) != 0 {
		t.Errorf("temporary directories left: %v", left)
	}
	// Room again: the retry succeeds and the charm is whole.
	if err := syscall.Mount("tmpfs", small, "tmpfs", syscall.MS_REMOUNT, "size=2m"); err != nil {
		t.Fatal(err)
	}
	if got, err := host.InstallCharm(t.Context(), "big/0", archive); err != nil || got != charmDir {
		t.Fatalf("retry: %q, %v", got, err)
	}
	if fi, err := os.Stat(filepath.Join(charmDir, "dispatch")); err != nil || fi.Size() != 256<<10 {
		t.Errorf("dispatch after the retry: %v, %v", err, fi)
	}
}

// TestHostRun checks the host's Run: stdio, exit codes, a signal it did
// not send, and a cancelled context that kills the whole process group.
func TestHostRun(t *testing.T) {
	t.Parallel()
	host := machine.NewHost(machine.HostConfig{})
	var out, errOut strings.Builder
	code, err := host.Run(t.Context(), machine.Process{
		Path: "/bin/sh", Args: []string{"sh", "-c", `read x; echo "$x $PWD $V"; echo e >&2; exit 3`},
		Env: []string{"V=v"}, Dir: "/tmp", Stdin: strings.NewReader("in\n"), Stdout: &out, Stderr: &errOut,
	})
	if code != 3 || err != nil || out.String() != "in /tmp v\n" || errOut.String() != "e\n" {
		t.Errorf("got %d, %v, %q, %q", code, err, out.String(), errOut.String())
	}
	code, err = host.Run(t.Context(), machine.Process{Path: "/bin/sh", Args: []string{"sh", "-c", "kill -SEGV $$"}})
	var sig *machine.SignalError
	if code != -1 || !errors.As(err, &sig) || sig.Signal != syscall.SIGSEGV {
		t.Errorf("segfault: got %d, %v", code, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	code, err = host.Run(ctx, machine.Process{Path: "/bin/sh", Args: []string{"sh", "-c", "sleep 300 & sleep 300"}})
	if code != -1 || !errors.Is(err, machine.ErrKilled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled: got %d, %v", code, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancelled run took %v", d)
	}
}
