// Package lxdartifacts saves, for a failed test, what the machines of a
// model hold when they are LXD containers on this host (the local
// backend's LXD machines, or a Juju LXD controller's on this machine): each
// machine's unit logs and its systemd journal. It is the one part of
// jujutest that talks to LXD (through its Go client); jujutest itself only
// runs the juju CLI. Pass Collect to jujutest.WithArtifactCollector.
package lxdartifacts

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/canonical/jujutest/internal/local/lxdmachine"
	"github.com/canonical/jujutest/jujutest"
)

// journalLines is how much of each machine's journal is saved.
const journalLines = 5000

// logDir is where Juju's agents log in a machine.
const logDir = "/var/log/juju"

// Collect writes, for each machine of st whose instance id names a
// container of this host's LXD, a folder machine-<id> in dir holding
// journal.txt (the last 5,000 lines of its journal) and the files of
// /var/log/juju. Machines that are not containers here are skipped; no
// LXD daemon at all is not an error (there is nothing to collect).
// It is a jujutest.ArtifactCollector.
func Collect(ctx context.Context, dir string, st *jujutest.Status) error {
	if st == nil || len(st.Machines) == 0 {
		return nil
	}
	p, err := lxdmachine.Connect(ctx, lxdmachine.Socket(os.Getenv))
	if err != nil {
		var nr *lxdmachine.NotRunningError
		if errors.As(err, &nr) {
			return nil
		}
		return err
	}
	var errs []error
	for _, id := range slices.Sorted(maps.Keys(st.Machines)) {
		name := st.Machines[id].InstanceID
		if name == "" || strings.Contains(name, ":") {
			continue // pending, or not a container (manual:...)
		}
		status, err := p.Status(name)
		if err != nil || status != "Running" {
			continue
		}
		errs = append(errs, collectMachine(ctx, p, filepath.Join(dir, "machine-"+id), name))
	}
	return errors.Join(errs...)
}

// collectMachine saves one container's journal and Juju logs.
func collectMachine(ctx context.Context, p *lxdmachine.Provider, dir, name string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	m := p.Machine(name, lxdmachine.Config{})
	var errs []error
	journal, err := m.Journal(ctx, journalLines)
	if err != nil {
		errs = append(errs, fmt.Errorf("journal of %s: %w", name, err))
		journal = []byte(fmt.Sprintf("lxdartifacts: could not read the journal: %v\n", err))
	}
	errs = append(errs, os.WriteFile(filepath.Join(dir, "journal.txt"), journal, 0o644))
	names, err := m.ReadDir(ctx, logDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, err)
	}
	for _, n := range names {
		data, err := m.ReadFile(ctx, path.Join(logDir, n))
		if err != nil {
			continue // a directory, or gone
		}
		errs = append(errs, os.WriteFile(filepath.Join(dir, filepath.Base(n)), data, 0o644))
	}
	return errors.Join(errs...)
}

// Exists reports whether this host's LXD has an instance with this name.
func Exists(ctx context.Context, name string) (bool, error) {
	p, err := lxdmachine.Connect(ctx, lxdmachine.Socket(os.Getenv))
	if err != nil {
		return false, err
	}
	status, err := p.Status(name)
	return status != "", err
}

// Containers returns the names of this host's LXD containers (nil, and no
// error, when no LXD daemon answers; empty when it answers with none), for
// a suite to check that it leaves none behind.
func Containers(ctx context.Context) ([]string, error) {
	p, err := lxdmachine.Connect(ctx, lxdmachine.Socket(os.Getenv))
	if err != nil {
		var nr *lxdmachine.NotRunningError
		if errors.As(err, &nr) {
			return nil, nil
		}
		return nil, err
	}
	names, err := p.List("")
	if names == nil && err == nil {
		names = []string{} // a daemon answered: none, rather than unknown
	}
	return names, err
}
