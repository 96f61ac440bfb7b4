// Package charmpack packs a Go machine charm into a .charm archive that Juju can
// deploy, without charmcraft, in seconds.
//
// It reads the project's charmcraft.yaml, builds the charm's main package as a
// static Linux binary named dispatch with the go command (CGO_ENABLED=0,
// -trimpath, -ldflags "-s -w"), generates metadata.yaml, config.yaml,
// actions.yaml and manifest.yaml from charmcraft.yaml as charmcraft does, and
// writes <name>_<arch>.charm. The archive is checked with Juju's own charm reader
// (github.com/juju/charm/v12) before it is renamed into place, so a failed pack
// leaves no file behind. With the same sources, toolchain and Options.Time the
// archive is byte-for-byte the same.
//
// The result is what charmcraft's go plugin produces for a project whose part
// organizes the charm's binary to dispatch; charmcraft remains the tool for
// publishing.
package charmpack

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"
)

// defaultTime is the time recorded in archives when Options.Time is zero: the
// earliest time a zip entry can carry, so that packing is reproducible.
func defaultTime() time.Time {
	return time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)
}

// Options says what to pack and where. The zero value packs the project in the
// current directory for this machine's architecture into the current directory.
type Options struct {
	// ProjectDir is the charm project: the directory holding charmcraft.yaml and
	// the charm's go.mod. "" means the current directory.
	ProjectDir string
	// OutputDir is where <name>_<arch>.charm is written; it is created if
	// missing. "" means the current directory.
	OutputDir string
	// Arch is the Juju architecture to pack for (amd64, arm64, ...). It must be
	// one of the project's platforms. "" means this machine's architecture
	// (runtime.GOARCH). PackAll ignores it.
	Arch string
	// Package is the main package built as dispatch, in go build syntax,
	// relative to ProjectDir. "" means "." (the module root).
	Package string
	// Go is the go command to run. "" means "go", looked up on PATH.
	Go string
	// Env is added to the process environment of the go command, for example
	// GOCACHE=/path or GOFLAGS=-mod=mod. Pack sets GOWORK=off before Env (the
	// charm module is built on its own, as charmcraft does) and CGO_ENABLED,
	// GOOS, GOARCH and GOARM after it.
	Env []string
	// Stdout and Stderr receive the go command's output as it runs; nil
	// discards it. A BuildError carries the tail of standard error either way.
	Stdout, Stderr io.Writer
	// Time is recorded as charmcraft-started-at in manifest.yaml and as the
	// modification time of every archive entry. Zero means
	// 1980-01-01T00:00:00Z, so that packing is reproducible.
	Time time.Time
}

// Pack builds and writes the charm in opts.ProjectDir for opts.Arch and returns
// the absolute path of the written <name>_<arch>.charm. It replaces an existing file of
// that name. Errors are *ProjectError (charmcraft.yaml missing or invalid),
// *ArchError (an architecture the project has no platform for), *BuildError
// (go build failed or was cancelled) or another error saying what failed.
func Pack(ctx context.Context, opts Options) (string, error) {
	arch := opts.Arch
	if arch == "" {
		host, ok := jujuArchOf(runtime.GOARCH)
		if !ok {
			return "", fmt.Errorf("charmpack: this machine's architecture %s has no Juju name; set Options.Arch (accepted: %s)", runtime.GOARCH, knownArches())
		}
		arch = host
	}
	paths, err := PackAll(ctx, opts, arch)
	if err != nil {
		return "", err
	}
	return paths[0], nil
}

// PackAll is Pack for several architectures at once: it builds them
// concurrently and writes one archive for each, in the order given, returning
// their paths. No arches means every platform of the project, sorted. If any
// architecture fails, no archive is written. The paths are absolute.
func PackAll(ctx context.Context, opts Options, arches ...string) ([]string, error) {
	if opts.ProjectDir == "" {
		opts.ProjectDir = "."
	}
	if opts.OutputDir == "" {
		opts.OutputDir = "."
	}
	if opts.Time.IsZero() {
		opts.Time = defaultTime()
	}
	p, err := loadProject(opts.ProjectDir)
	if err != nil {
		return nil, err
	}
	if len(arches) == 0 {
		arches = p.arches
	}
	targets := make([]archInfo, 0, len(arches))
	for _, a := range arches {
		info, known := lookupArch(a)
		if !known || !slices.Contains(p.arches, a) {
			return nil, &ArchError{Arch: a, Accepted: slices.Clone(p.arches), Path: p.path}
		}
		if !slices.ContainsFunc(targets, func(t archInfo) bool { return t.juju == a }) {
			targets = append(targets, info)
		}
	}

	binDir, cleanup, err := tempBuildDir()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	if err := buildAll(ctx, p, &opts, targets, binDir); err != nil {
		return nil, err
	}

	outDir, err := filepath.Abs(opts.OutputDir)
	if err != nil {
		return nil, fmt.Errorf("charmpack: output directory: %w", err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("charmpack: output directory: %w", err)
	}
	var temps []string
	defer func() {
		for _, t := range temps {
			_ = os.Remove(t)
		}
	}()
	for _, t := range targets {
		dispatch, err := fileBytes(binPath(binDir, t.juju))
		if err != nil {
			return nil, err
		}
		tmp, err := p.writeArchive(outDir, t.juju, dispatch, opts.Time)
		if err != nil {
			return nil, err
		}
		temps = append(temps, tmp)
	}
	paths := make([]string, len(targets))
	for i, t := range targets {
		paths[i] = outputPath(outDir, p.name, t.juju)
		if err := os.Rename(temps[i], paths[i]); err != nil {
			return nil, fmt.Errorf("charmpack: %w", err)
		}
	}
	temps = nil
	return paths, nil
}

// buildAll builds dispatch for every target concurrently into binDir. On the
// first failure it cancels the other builds and returns that failure.
func buildAll(ctx context.Context, p *project, opts *Options, targets []archInfo, binDir string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	shared := *opts
	var mu sync.Mutex
	if opts.Stdout != nil {
		shared.Stdout = lockedWriter{mu: &mu, w: opts.Stdout}
	}
	if opts.Stderr != nil {
		shared.Stderr = lockedWriter{mu: &mu, w: opts.Stderr}
	}

	errs := make([]error, len(targets))
	var failed sync.Once
	var firstFailure int
	var wg sync.WaitGroup
	for i, t := range targets {
		out := binPath(binDir, t.juju)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return fmt.Errorf("charmpack: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := buildDispatch(ctx, p, &shared, t, out); err != nil {
				errs[i] = err
				failed.Do(func() { firstFailure = i; cancel() })
			}
		}()
	}
	wg.Wait()
	return errs[firstFailure] // nil when no build failed
}
