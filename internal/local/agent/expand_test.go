package agent

import (
	"archive/zip"
	"crypto/rand"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/juju/charm/v12"
)

// TestExpandCharmIsAllOrNothing fills a small filesystem while a charm is
// unpacked: the charm directory must not appear half-written, no temporary
// directory may be left, and once there is room the same call succeeds.
func TestExpandCharmIsAllOrNothing(t *testing.T) {
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
	charmDir := filepath.Join(small, "unit-big-0", "charm")
	if err := expandCharm(archive, charmDir); err == nil {
		t.Fatal("expandCharm on a full filesystem succeeded")
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
	if err := expandCharm(archive, charmDir); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(charmDir, "dispatch")); err != nil || fi.Size() != 256<<10 {
		t.Errorf("dispatch after the retry: %v, %v", err, fi)
	}
}
