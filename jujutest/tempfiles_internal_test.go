package jujutest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// stagingRunner answers every command with f; internal tests cannot use
// jujutesttest, which imports this package.
type stagingRunner func(ctx context.Context, cmd Command) (Result, error)

func (f stagingRunner) Run(ctx context.Context, cmd Command) (Result, error) { return f(ctx, cmd) }

// snapFiles returns tempFiles for a snap juju with a fake home directory.
func snapFiles(t *testing.T) (*tempFiles, string) {
	t.Helper()
	home := t.TempDir()
	f := newTempFiles("/snap/bin/juju", home, nil)
	if !f.snap {
		t.Fatal("/snap/bin/juju not detected as a snap")
	}
	return f, home
}

func TestIsSnapPath(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]bool{
		"/snap/bin/juju":           true,
		"/snap/juju/29241/bin/juj": true,
		"/usr/bin/juju":            false,
		"/home/u/go/bin/juju":      false,
		"juju":                     false,
	} {
		if got := isSnapPath(path); got != want {
			t.Errorf("isSnapPath(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestTempFilesNotSnap(t *testing.T) {
	t.Parallel()
	f := newTempFiles("/usr/bin/juju-does-not-exist", "/home/nobody", nil)
	t.Cleanup(f.cleanup) // in case the test stops before its own cleanup
	if f.snap {
		t.Fatal("detected a snap")
	}
	p, err := f.writeYAML("x.yaml", map[string]int{"a": 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p, os.TempDir()) {
		t.Errorf("file %s is not under %s", p, os.TempDir())
	}
	local := filepath.Join(t.TempDir(), "c.charm")
	if got, err := f.stage(local); err != nil || got != local {
		t.Errorf("stage(%s) = %s, %v; want the path unchanged", local, got, err)
	}
	f.cleanup()
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s survived cleanup", p)
	}
}

func TestTempFilesSnap(t *testing.T) {
	t.Parallel()
	f, home := snapFiles(t)
	common := filepath.Join(home, "snap", "juju", "common")

	p, err := f.writeYAML("params.yaml", map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p, common+"/jujutest-") {
		t.Errorf("YAML file %s is not in a fresh directory under %s", p, common)
	}
	if data, _ := os.ReadFile(p); string(data) != "k: v\n" {
		t.Errorf("YAML file holds %q", data)
	}

	// A file outside home is copied; one under home (not hidden) is not.
	outside := filepath.Join(t.TempDir(), "app.charm")
	if err := os.WriteFile(outside, []byte("zip"), 0o600); err != nil {
		t.Fatal(err)
	}
	staged, err := f.stage(outside)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(staged, common) || filepath.Base(staged) != "app.charm" {
		t.Errorf("stage(%s) = %s, want a copy named app.charm under %s", outside, staged, common)
	}
	if data, _ := os.ReadFile(staged); string(data) != "zip" {
		t.Errorf("staged copy holds %q", data)
	}
	inHome := filepath.Join(home, "charms", "app.charm")
	if got, err := f.stage(inHome); err != nil || got != inHome {
		t.Errorf("stage(%s) = %s, %v; want it unchanged", inHome, got, err)
	}
	// A hidden directory under home is out of the snap's reach.
	hidden := filepath.Join(home, ".cache", "app.charm")
	if err := os.MkdirAll(filepath.Dir(hidden), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hidden, []byte("zip"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := f.stage(hidden); err != nil || got == hidden {
		t.Errorf("stage(%s) = %s, %v; want a copy", hidden, got, err)
	}
	// Two files with the same name do not collide.
	other := filepath.Join(t.TempDir(), "app.charm")
	if err := os.WriteFile(other, []byte("other"), 0o600); err != nil {
		t.Fatal(err)
	}
	staged2, err := f.stage(other)
	if err != nil || staged2 == staged {
		t.Errorf("second stage = %s, %v; want a distinct copy", staged2, err)
	}
	if _, err := f.stage(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("staging a missing file succeeded")
	}

	dir := f.dir
	f.cleanup()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s survived cleanup", dir)
	}
}

func TestTempFilesSnapUnknownHome(t *testing.T) {
	t.Parallel()
	f := newTempFiles("/snap/bin/juju", "", errors.New("$HOME is not defined"))
	_, err := f.writeYAML("x.yaml", 1)
	if err == nil || !strings.Contains(err.Error(), "$HOME is not defined") {
		t.Errorf("got %v, want the home directory error", err)
	}
}

func TestDeployStagesForSnap(t *testing.T) {
	t.Parallel()
	f, home := snapFiles(t)
	src := t.TempDir()
	charm := filepath.Join(src, "app_amd64.charm")
	overlay := filepath.Join(src, "overlay.yaml")
	resource := filepath.Join(src, "res.tar")
	for _, p := range []string{charm, overlay, resource} {
		if err := os.WriteFile(p, []byte(filepath.Base(p)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	j := &Juju{Model: "m", Runner: stagingRunner(func(_ context.Context, cmd Command) (Result, error) {
		got = slices.Clone(cmd.Args)
		// Every file argument must be readable by the snap, and hold the
		// original content.
		for _, a := range cmd.Args {
			_, v, _ := strings.Cut(a, "=")
			for _, p := range []string{a, v} {
				if strings.HasPrefix(p, home) {
					data, err := os.ReadFile(p)
					if err != nil || string(data) != filepath.Base(p) {
						t.Errorf("staged file %s holds %q, %v", p, data, err)
					}
				}
			}
		}
		return Result{}, nil
	})}
	err := j.deploy(t.Context(), f, charm, &DeployOptions{
		Overlays:  []string{overlay},
		Resources: map[string]string{"r": resource, "img": "nginx:latest"},
	})
	if err != nil {
		t.Fatal(err)
	}
	common := filepath.Join(home, "snap", "juju", "common")
	if len(got) != 10 || !strings.HasPrefix(got[3], common) || !strings.HasPrefix(got[5], common) ||
		got[7] != "img=nginx:latest" || !strings.HasPrefix(got[9], "r="+common) {
		t.Errorf("deploy args = %q, want the charm, overlay and resource file under %s", got, common)
	}
}

func TestSCPFetchForSnap(t *testing.T) {
	t.Parallel()
	f, home := snapFiles(t)
	outDir := t.TempDir() // outside home: the snap cannot write here
	var dstArgs []string
	j := &Juju{Runner: stagingRunner(func(_ context.Context, cmd Command) (Result, error) {
		dst := cmd.Args[len(cmd.Args)-1]
		dstArgs = append(dstArgs, dst)
		if !strings.HasPrefix(dst, home) {
			t.Errorf("scp destination %s is outside the snap's reach", dst)
			return Result{ExitCode: 1}, nil
		}
		// Behave like scp: into a directory, keep the source's name.
		if info, err := os.Stat(dst); err == nil && info.IsDir() {
			dst = filepath.Join(dst, "tinyproxy.conf")
		}
		return Result{}, os.WriteFile(dst, []byte("Port 8888\n"), 0o600)
	})}

	// To a file path.
	target := filepath.Join(outDir, "copy.conf")
	if err := j.scp(t.Context(), f, "app/0:/etc/tinyproxy/tinyproxy.conf", target, nil); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(target); err != nil || string(data) != "Port 8888\n" {
		t.Errorf("%s holds %q, %v", target, data, err)
	}
	// To an existing directory.
	if err := j.scp(t.Context(), f, "app/0:/etc/tinyproxy/tinyproxy.conf", outDir, nil); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(outDir, "tinyproxy.conf")); err != nil || string(data) != "Port 8888\n" {
		t.Errorf("copy into directory holds %q, %v", data, err)
	}
	f.cleanup()
	if len(dstArgs) != 2 {
		t.Fatalf("ran scp %d times, want 2", len(dstArgs))
	}
}

func TestSCPUploadForSnap(t *testing.T) {
	t.Parallel()
	f, home := snapFiles(t)
	src := filepath.Join(t.TempDir(), "payload.txt")
	if err := os.WriteFile(src, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	j := &Juju{Runner: stagingRunner(func(_ context.Context, cmd Command) (Result, error) {
		s := cmd.Args[len(cmd.Args)-2]
		if data, err := os.ReadFile(s); !strings.HasPrefix(s, home) || err != nil || string(data) != "hello" {
			t.Errorf("scp source %s: %q, %v; want a copy under home", s, data, err)
		}
		if d := cmd.Args[len(cmd.Args)-1]; d != "app/0:/tmp/payload.txt" {
			t.Errorf("scp destination = %s", d)
		}
		return Result{}, nil
	})}
	if err := j.scp(t.Context(), f, src, "app/0:/tmp/payload.txt", nil); err != nil {
		t.Fatal(err)
	}
	f.cleanup()
}

func TestIsRemotePath(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]bool{
		"app/0:/etc/x":        true,
		"0:/tmp/x":            true,
		"ubuntu@app/0:x":      true,
		"./x":                 false,
		"/abs/x:y":            false,
		"relative/file.txt":   false,
		"../up/file.txt":      false,
		"./dir/with:colon.go": false,
	} {
		if got := isRemotePath(p); got != want {
			t.Errorf("isRemotePath(%q) = %v, want %v", p, got, want)
		}
	}
}
