package lxdartifacts_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canonical/jujutest/internal/local/lxdmachine"
	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/lxdartifacts"
)

// TestCollectSkipsWhatIsNotAContainer needs no LXD: a nil status, and
// machines that are pending or manual, give nothing and no error.
func TestCollectSkipsWhatIsNotAContainer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st := &jujutest.Status{Machines: map[string]jujutest.MachineStatus{
		"0": {InstanceID: "manual:127.0.0.1"}, "1": {InstanceID: ""},
	}}
	for _, s := range []*jujutest.Status{nil, st} {
		if err := lxdartifacts.Collect(t.Context(), dir, s); err != nil {
			t.Errorf("Collect: %v", err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("Collect wrote %v for machines that are not containers", entries)
	}
}

// TestCollectFromAContainer launches a container and collects its
// journal and Juju logs; Exists and Containers see it, then not.
func TestCollectFromAContainer(t *testing.T) {
	t.Parallel()
	p, err := lxdmachine.Connect(t.Context(), "")
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	alias := lxdmachine.ImageAlias("debian@12", runtime.GOARCH)
	if _, err := p.ImageBase(alias); err != nil {
		t.Skipf("skipped: %v", err)
	}
	uuid := "5c3a1b9e-1d7e-4f0a-9b7e-00000000a5a5"
	name, err := lxdmachine.ContainerName(uuid, "0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := p.Delete(ctx, name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if _, err := p.Launch(t.Context(), name, alias, "", uuid); err != nil {
		t.Fatal(err)
	}
	m := p.Machine(name, lxdmachine.Config{})
	if err := m.WriteFile(t.Context(), "/var/log/juju/unit-tiny-0.log", []byte("a unit log line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st := &jujutest.Status{Machines: map[string]jujutest.MachineStatus{"0": {InstanceID: name}}}
	if err := lxdartifacts.Collect(t.Context(), dir, st); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "machine-0", "unit-tiny-0.log")); err != nil || string(data) != "a unit log line\n" {
		t.Errorf("unit log collected: %q, %v", data, err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "machine-0", "journal.txt")); err != nil || !strings.Contains(string(data), "systemd") {
		t.Errorf("journal collected: %.200q, %v", data, err)
	}
	if ok, err := lxdartifacts.Exists(t.Context(), name); !ok || err != nil {
		t.Errorf("Exists(%s) = %v, %v", name, ok, err)
	}
	if names, err := lxdartifacts.Containers(t.Context()); err != nil || !slices.Contains(names, name) {
		t.Errorf("Containers = %v, %v; want %s among them", names, err, name)
	}
}
