package charmpack_test

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/juju/charm/v12"
	"github.com/juju/charm/v12/assumes"

	"github.com/canonical/jujutest/jujutest/charmpack"
)

// realCharmDir is the tinyproxy charm project, relative to this package.
const realCharmDir = "../../charm"

// tinyCharmcraft is the charmcraft.yaml of the small projects the tests make.
const tinyCharmcraft = `type: charm
name: tiny
title: Tiny
summary: A tiny charm for charmpack's tests.
description: |
  A charm whose dispatch prints a line.
links:
  documentation: https://example.com/docs
  contact: Someone <someone@example.com>
  source: https://example.com/src
base: ubuntu@24.04
build-base: ubuntu@24.04
platforms:
  amd64:
  arm64:
assumes:
  - juju >= 3.6
parts:
  charm:
    plugin: go
    source: .
    organize:
      bin/c: dispatch
config:
  options:
    greeting:
      type: string
      default: "yes"
      description: A greeting that YAML 1.1 would read as a boolean.
    count:
      type: int
      default: 3
      description: A number.
`

const tinyMain = `package main

import "fmt"

func main() { fmt.Println("tiny dispatch") }
`

// newProject writes a charm project into a new temporary directory: go.mod,
// main.go and charmcraft.yaml (tinyCharmcraft unless files says otherwise);
// a file mapped to "" is left out.
func newProject(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{
		"go.mod":          "module example.com/c\n\ngo 1.24.0\n",
		"main.go":         tinyMain,
		"charmcraft.yaml": tinyCharmcraft,
	}
	for name, content := range files {
		all[name] = content
	}
	for name, content := range all {
		if content == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// hostArch returns this machine's Juju architecture, skipping the test when the
// test projects have no platform for it.
func hostArch(t *testing.T) string {
	t.Helper()
	switch runtime.GOARCH {
	case "amd64", "arm64":
		return runtime.GOARCH
	}
	t.Skipf("the test projects have platforms amd64 and arm64 only, this machine is %s", runtime.GOARCH)
	return ""
}

// assertEmptyDir fails unless dir is missing or empty.
func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in the output directory: %s", e.Name())
	}
}

// checkDispatch expands the archive as the unit agent does (ReadCharmArchive +
// ExpandTo) and checks that dispatch is an executable, static ELF for arch.
func checkDispatch(t *testing.T, path, arch string) {
	t.Helper()
	archive, err := charm.ReadCharmArchive(path)
	if err != nil {
		t.Fatalf("ReadCharmArchive: %v", err)
	}
	dir := t.TempDir()
	if err := archive.ExpandTo(dir); err != nil {
		t.Fatalf("ExpandTo: %v", err)
	}
	dispatch := filepath.Join(dir, "dispatch")
	info, err := os.Stat(dispatch)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm()&0o111 != 0o111 {
		t.Errorf("expanded dispatch has mode %v, want it executable by all", info.Mode())
	}
	f, err := elf.Open(dispatch)
	if err != nil {
		t.Fatalf("dispatch is not ELF: %v", err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if f.Machine != want {
		t.Errorf("dispatch machine = %v, want %v", f.Machine, want)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("dispatch has an ELF interpreter: it is not statically linked")
		}
	}
}

// checkBase checks the charm's manifest: one base, ubuntu 24.04, for arch.
func checkBase(t *testing.T, ch charm.Charm, arch string) {
	t.Helper()
	m := ch.Manifest()
	if m == nil || len(m.Bases) != 1 {
		t.Fatalf("manifest = %+v, want one base", m)
	}
	b := m.Bases[0]
	if b.Name != "ubuntu" || b.Channel.Track != "24.04" || !slices.Equal(b.Architectures, []string{arch}) {
		t.Errorf("manifest base = %+v, want ubuntu 24.04 [%s]", b, arch)
	}
	if f := charm.MetaFormat(ch); f != charm.FormatV2 {
		t.Errorf("metadata format = %v, want v2", f)
	}
}

// checkAssumesJuju36 checks that assumes is "juju >= 3.6".
func checkAssumesJuju36(t *testing.T, m *charm.Meta) {
	t.Helper()
	if m.Assumes == nil {
		t.Fatal("metadata has no assumes")
	}
	all, ok := m.Assumes.Expression.(assumes.CompositeExpression)
	if !ok || len(all.SubExpressions) != 1 {
		t.Fatalf("assumes = %#v, want one expression", m.Assumes.Expression)
	}
	f, ok := all.SubExpressions[0].(assumes.FeatureExpression)
	if !ok || f.Name != "juju" || f.Constraint != assumes.VersionGTE || f.Version == nil ||
		f.Version.Major != 3 || f.Version.Minor != 6 {
		t.Errorf("assumes = %#v, want juju >= 3.6", all.SubExpressions[0])
	}
}

// checkOption checks one config option's type and default.
func checkOption(t *testing.T, cfg *charm.Config, name, typ string, def any) {
	t.Helper()
	opt, ok := cfg.Options[name]
	if !ok {
		t.Errorf("config has no option %q", name)
		return
	}
	if opt.Type != typ || opt.Default != def {
		t.Errorf("option %q = %s default %#v, want %s default %#v", name, opt.Type, opt.Default, typ, def)
	}
}

func TestPackRealCharm(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	paths, err := charmpack.PackAll(context.Background(), charmpack.Options{ProjectDir: realCharmDir, OutputDir: out})
	if err != nil {
		t.Fatalf("PackAll(%s): %v", realCharmDir, err)
	}
	arches := []string{"amd64", "arm64"}
	if len(paths) != len(arches) {
		t.Fatalf("PackAll wrote %q, want one charm per platform %v", paths, arches)
	}
	for i, arch := range arches {
		t.Run(arch, func(t *testing.T) {
			want := filepath.Join(out, "tinyproxy_"+arch+".charm")
			if paths[i] != want {
				t.Errorf("path = %s, want %s", paths[i], want)
			}
			ch, err := charm.ReadCharm(paths[i])
			if err != nil {
				t.Fatalf("Juju's ReadCharm rejects %s: %v", paths[i], err)
			}
			m := ch.Meta()
			if m.Name != "tinyproxy" {
				t.Errorf("name = %q, want tinyproxy", m.Name)
			}
			if !strings.Contains(m.Summary, "tinyproxy") || !strings.Contains(m.Description, "tinyproxy") {
				t.Errorf("summary %q / description %q do not mention tinyproxy", m.Summary, m.Description)
			}
			checkAssumesJuju36(t, m)
			checkOption(t, ch.Config(), "slug", "string", "example")
			checkOption(t, ch.Config(), "upstream", "string", "http://www.example.com/")
			checkBase(t, ch, arch)
			checkDispatch(t, paths[i], arch)
		})
	}
}

func TestPack(t *testing.T) {
	t.Parallel()
	arch := hostArch(t)
	project := newProject(t, nil)
	out := filepath.Join(t.TempDir(), "new", "out") // created by Pack
	stamp := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

	path, err := charmpack.Pack(context.Background(), charmpack.Options{ProjectDir: project, OutputDir: out, Time: stamp})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(out, "tiny_"+arch+".charm"); path != want {
		t.Errorf("Pack returned %s, want %s", path, want)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("output directory holds %d entries, want only the charm", len(entries))
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("charm file: %v, %v; want mode 0644", info, err)
	}

	ch, err := charm.ReadCharm(path)
	if err != nil {
		t.Fatalf("Juju's ReadCharm rejects %s: %v", path, err)
	}
	if m := ch.Meta(); m.Name != "tiny" || m.Summary != "A tiny charm for charmpack's tests." ||
		m.Description != "A charm whose dispatch prints a line.\n" {
		t.Errorf("meta = %q / %q / %q", m.Name, m.Summary, m.Description)
	}
	checkAssumesJuju36(t, ch.Meta())
	checkOption(t, ch.Config(), "greeting", "string", "yes")
	checkOption(t, ch.Config(), "count", "int", int64(3))
	checkBase(t, ch, arch)
	checkDispatch(t, path, arch)

	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(stamp) {
			t.Errorf("%s modified %v, want %v", f.Name, f.Modified, stamp)
		}
		want := fs.FileMode(0o644)
		if f.Name == "dispatch" {
			want = 0o755
		}
		if f.Mode() != want {
			t.Errorf("%s has mode %v in the zip, want %v", f.Name, f.Mode(), want)
		}
	}
	if want := []string{"config.yaml", "dispatch", "manifest.yaml", "metadata.yaml"}; !slices.Equal(names, want) {
		t.Errorf("archive entries = %q, want %q", names, want)
	}
	meta := readEntry(t, zr, "metadata.yaml")
	for _, want := range []string{
		"display-name: Tiny\n", "docs: https://example.com/docs\n",
		"maintainers:\n  - Someone <someone@example.com>\n", "source: https://example.com/src\n",
	} {
		if !strings.Contains(meta, want) {
			t.Errorf("metadata.yaml lacks %q:\n%s", want, meta)
		}
	}
	for _, unwanted := range []string{"title:", "links:", "parts:", "platforms:", "config:", "base:"} {
		if strings.Contains(meta, unwanted) {
			t.Errorf("metadata.yaml has charmcraft-only key %q:\n%s", unwanted, meta)
		}
	}
	manifest := readEntry(t, zr, "manifest.yaml")
	if !strings.Contains(manifest, `charmcraft-started-at: "2025-03-04T05:06:07Z"`) {
		t.Errorf("manifest.yaml does not record the pack time:\n%s", manifest)
	}
}

// readEntry returns the content of one file in a zip.
func readEntry(t *testing.T, zr *zip.ReadCloser, name string) string {
	t.Helper()
	r, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestPackIsReproducible(t *testing.T) {
	t.Parallel()
	arch := hostArch(t)
	var charms [2][]byte
	for i := range charms {
		// A fresh copy of the project each time: paths must not leak into the archive.
		project := newProject(t, nil)
		path, err := charmpack.Pack(context.Background(), charmpack.Options{ProjectDir: project, OutputDir: t.TempDir(), Arch: arch})
		if err != nil {
			t.Fatal(err)
		}
		if charms[i], err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(charms[0], charms[1]) {
		t.Error("two packs of the same sources differ")
	}
}

func TestPackReplacesExistingCharm(t *testing.T) {
	t.Parallel()
	arch := hostArch(t)
	out := t.TempDir()
	old := filepath.Join(out, "tiny_"+arch+".charm")
	if err := os.WriteFile(old, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	path, err := charmpack.Pack(context.Background(), charmpack.Options{ProjectDir: newProject(t, nil), OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if path != old {
		t.Fatalf("Pack wrote %s, want %s", path, old)
	}
	if _, err := charm.ReadCharm(path); err != nil {
		t.Errorf("the replaced charm does not read: %v", err)
	}
}

func TestPackActionsAndLegacyFiles(t *testing.T) {
	t.Parallel()
	arch := hostArch(t)
	tests := map[string]map[string]string{
		"actions in charmcraft.yaml": {
			"charmcraft.yaml": tinyCharmcraft + "actions:\n  refresh:\n    description: Refresh the thing.\n",
		},
		"legacy actions.yaml": {
			"actions.yaml": "refresh:\n  description: Refresh the thing.\n",
		},
	}
	for name, files := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path, err := charmpack.Pack(context.Background(), charmpack.Options{
				ProjectDir: newProject(t, files), OutputDir: t.TempDir(), Arch: arch})
			if err != nil {
				t.Fatal(err)
			}
			ch, err := charm.ReadCharm(path)
			if err != nil {
				t.Fatal(err)
			}
			spec, ok := ch.Actions().ActionSpecs["refresh"]
			if !ok || spec.Description != "Refresh the thing." {
				t.Errorf("actions = %+v, want refresh", ch.Actions().ActionSpecs)
			}
		})
	}

	t.Run("legacy metadata.yaml and config.yaml", func(t *testing.T) {
		t.Parallel()
		files := map[string]string{
			"charmcraft.yaml": "type: charm\nbase: ubuntu@24.04\nplatforms:\n  amd64:\n  arm64:\n",
			"metadata.yaml":   "name: legacy\nsummary: Old style.\ndescription: Metadata in its own file.\n",
			"config.yaml":     "options:\n  port:\n    type: int\n    default: 8080\n    description: Port.\n",
		}
		path, err := charmpack.Pack(context.Background(), charmpack.Options{
			ProjectDir: newProject(t, files), OutputDir: t.TempDir(), Arch: arch})
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(path) != "legacy_"+arch+".charm" {
			t.Errorf("path = %s, want the name from metadata.yaml", path)
		}
		ch, err := charm.ReadCharm(path)
		if err != nil {
			t.Fatal(err)
		}
		checkOption(t, ch.Config(), "port", "int", int64(8080))
		checkBase(t, ch, arch)
	})
}

func TestPackDefaultsToHostArch(t *testing.T) {
	t.Parallel()
	arch := hostArch(t)
	path, err := charmpack.Pack(context.Background(), charmpack.Options{ProjectDir: newProject(t, nil), OutputDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "tiny_"+arch+".charm" {
		t.Errorf("Pack with no Arch wrote %s, want the host's %s", path, arch)
	}
}

// TestPackErrors checks that bad input gives an error that says what is wrong
// and what is accepted, and leaves nothing in the output directory.
func TestPackErrors(t *testing.T) {
	t.Parallel()
	replace := func(old, new string) string {
		if !strings.Contains(tinyCharmcraft, old) {
			t.Fatalf("tinyCharmcraft has no %q", old)
		}
		return strings.Replace(tinyCharmcraft, old, new, 1)
	}
	tests := []struct {
		name    string
		files   map[string]string
		arch    string
		want    []string // substrings of the error message
		errType any      // pointer to the expected error type
	}{{
		name:    "missing charmcraft.yaml",
		files:   map[string]string{"charmcraft.yaml": ""},
		want:    []string{"charmcraft.yaml", "does not exist", "charm project"},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "bad YAML",
		files:   map[string]string{"charmcraft.yaml": "name: [tiny\n"},
		want:    []string{"charmcraft.yaml", "not valid YAML"},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "empty charmcraft.yaml",
		files:   map[string]string{"charmcraft.yaml": "# nothing\n"},
		want:    []string{"empty", "name, summary"},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "bundle",
		files:   map[string]string{"charmcraft.yaml": replace("type: charm", "type: bundle")},
		want:    []string{"type bundle", "only \"type: charm\""},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "no base",
		files:   map[string]string{"charmcraft.yaml": replace("\nbase: ubuntu@24.04\n", "\n")},
		want:    []string{"base is required", "ubuntu@24.04"},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "bad base",
		files:   map[string]string{"charmcraft.yaml": replace("\nbase: ubuntu@24.04\n", "\nbase: beos@5\n")},
		want:    []string{`base "beos@5" is not valid`, "<os>@<channel>"},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "unknown platform architecture",
		files:   map[string]string{"charmcraft.yaml": replace("  arm64:\n", "  sparc:\n")},
		want:    []string{`unknown architecture "sparc"`, "accepted: amd64, arm64, armhf"},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "requested architecture not a platform",
		arch:    "s390x",
		want:    []string{`architecture "s390x"`, "accepted: amd64, arm64"},
		errType: new(*charmpack.ArchError),
	}, {
		name:    "unknown requested architecture",
		arch:    "x86_64",
		want:    []string{`architecture "x86_64"`, "accepted: amd64, arm64"},
		errType: new(*charmpack.ArchError),
	}, {
		name:    "no summary",
		files:   map[string]string{"charmcraft.yaml": replace("summary: A tiny charm for charmpack's tests.\n", "")},
		want:    []string{"not valid for Juju", "summary"},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "no name",
		files:   map[string]string{"charmcraft.yaml": replace("name: tiny\n", "")},
		want:    []string{"name is required"},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "invalid name",
		files:   map[string]string{"charmcraft.yaml": replace("name: tiny", "name: Tiny_Charm")},
		want:    []string{`"Tiny_Charm"`, "not a valid charm name"},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "bad config type",
		files:   map[string]string{"charmcraft.yaml": replace("type: int", "type: integer")},
		want:    []string{"config is not valid for Juju", `unknown type "integer"`, "string, int, float, boolean, secret"},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "bad config default",
		files:   map[string]string{"charmcraft.yaml": replace("default: 3", "default: three")},
		want:    []string{"config is not valid for Juju", "count"},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "metadata in both files",
		files:   map[string]string{"metadata.yaml": "name: tiny\nsummary: s\ndescription: d\n"},
		want:    []string{"cannot be in charmcraft.yaml when the project has a metadata.yaml"},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "no go.mod",
		files:   map[string]string{"go.mod": ""},
		want:    []string{"go.mod", "must be a Go module"},
		errType: new(*charmpack.ProjectError),
	}, {
		name:    "build fails",
		files:   map[string]string{"main.go": "package main\n\nfunc main() { notDefined() }\n"},
		want:    []string{"building dispatch for", "go build", "undefined: notDefined"},
		errType: new(*charmpack.BuildError),
	}, {
		name:  "not a main package",
		files: map[string]string{"main.go": "package c\n"},
		want:  []string{"not a main package"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			arch := tt.arch
			if arch == "" {
				arch = "amd64"
			}
			path, err := charmpack.Pack(context.Background(), charmpack.Options{
				ProjectDir: newProject(t, tt.files), OutputDir: out, Arch: arch})
			if err == nil {
				t.Fatalf("Pack succeeded (%s), want an error", path)
			}
			t.Logf("error: %v", err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.errType != nil && !errors.As(err, tt.errType) {
				t.Errorf("error %v (%T) is not a %T", err, err, tt.errType)
			}
			assertEmptyDir(t, out)
		})
	}
}

func TestPackMissingProjectIsNotExist(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	_, err := charmpack.Pack(context.Background(), charmpack.Options{ProjectDir: filepath.Join(t.TempDir(), "nope"), OutputDir: out})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not match fs.ErrNotExist", err)
	}
	assertEmptyDir(t, out)
}

// TestPackAllIsAllOrNothing packs two architectures where only one builds: no
// archive may be written, not even the one that built.
func TestPackAllIsAllOrNothing(t *testing.T) {
	t.Parallel()
	project := newProject(t, map[string]string{
		"broken_arm64.go": "package main\n\nvar _ = brokenOnARM64()\n",
	})
	out := t.TempDir()
	var stderr bytes.Buffer
	paths, err := charmpack.PackAll(context.Background(), charmpack.Options{ProjectDir: project, OutputDir: out, Stderr: &stderr}, "amd64", "arm64")
	var be *charmpack.BuildError
	if !errors.As(err, &be) || be.Arch != "arm64" {
		t.Fatalf("PackAll = %q, %v; want a BuildError for arm64", paths, err)
	}
	if !strings.Contains(be.Output, "brokenOnARM64") || !strings.Contains(stderr.String(), "brokenOnARM64") {
		t.Errorf("the compiler's message is missing: BuildError.Output %q, Stderr %q", be.Output, stderr.String())
	}
	assertEmptyDir(t, out)
}

func TestPackAllEveryPlatform(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	paths, err := charmpack.PackAll(context.Background(), charmpack.Options{ProjectDir: newProject(t, nil), OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(out, "tiny_amd64.charm"), filepath.Join(out, "tiny_arm64.charm")}
	if !slices.Equal(paths, want) {
		t.Fatalf("PackAll = %q, want %q", paths, want)
	}
	for i, arch := range []string{"amd64", "arm64"} {
		ch, err := charm.ReadCharm(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		checkBase(t, ch, arch)
		checkDispatch(t, paths[i], arch)
	}
}

// TestPackCancel cancels a build that hangs and checks that Pack returns, that the
// error says so, and that the build's whole process group was killed.
func TestPackCancel(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("checks processes through /proc, which needs Linux")
	}
	t.Parallel()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	fakeGo := filepath.Join(dir, "go")
	// The fake go command starts a child that would outlive it, then waits.
	script := "#!/bin/sh\nsleep 60 &\necho $! > \"$CHILD_PID_FILE.tmp\"\nmv \"$CHILD_PID_FILE.tmp\" \"$CHILD_PID_FILE\"\nwait\n"
	if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	project := newProject(t, nil) // not in the goroutine: it may call t.Fatal
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := charmpack.Pack(ctx, charmpack.Options{
			ProjectDir: project, OutputDir: out, Arch: "amd64",
			Go: fakeGo, Env: []string{"CHILD_PID_FILE=" + pidFile}})
		done <- err
	}()

	var pid int
	deadline := time.Now().Add(10 * time.Second)
	for pid == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the fake go command did not start its child within 10s")
		}
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
				t.Fatal(err)
			}
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	cancel()
	select {
	case err := <-done:
		var be *charmpack.BuildError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &be) {
			t.Errorf("Pack after cancel = %v, want a BuildError wrapping context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Pack did not return within 10s of cancellation")
	}
	// PID 1 may reap the orphaned child late: a zombie counts as dead.
	deadline = time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the build's child process %d still runs after cancellation", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	assertEmptyDir(t, out)
}

// alive reports whether pid is a process that is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// BenchmarkPack measures `make pack` on the real charm: both architectures,
// warm build cache (one pack runs before the timer starts). Target: <= 15 s.
func BenchmarkPack(b *testing.B) {
	opts := charmpack.Options{ProjectDir: realCharmDir, OutputDir: b.TempDir()}
	ctx := context.Background()
	if _, err := charmpack.PackAll(ctx, opts, "amd64", "arm64"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := charmpack.PackAll(ctx, opts, "amd64", "arm64"); err != nil {
			b.Fatal(err)
		}
	}
}
