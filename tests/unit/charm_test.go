package unit

import (
	"context"
	"testing"

	"github.com/canonical/jujutest/charm/charmtest"
	"github.com/canonical/jujutest/charm/tinyproxy"
)

// The tutorial's tests, ported: version parsing, install, start,
// config-changed, invalid slugs on start and config-changed, stop, remove.

// versionRunner answers `tinyproxy -v` like the tutorial's mock process.
type versionRunner struct{ version string }

func (r versionRunner) Run(context.Context, tinyproxy.Cmd) ([]byte, error) {
	return []byte("tinyproxy " + r.version + "\n"), nil
}

func TestVersion(t *testing.T) {
	t.Parallel()
	tp := &tinyproxy.Tinyproxy{Runner: versionRunner{version: "1.0.0"}}
	got, err := tp.Version(context.Background())
	if err != nil || got != "1.0.0" {
		t.Fatalf("Version = %q, %v; want 1.0.0", got, err)
	}
}

func TestInstall(t *testing.T) {
	t.Parallel()
	w := &fakeTinyproxy{}
	out := runEvent(t, w, "install", charmtest.State{})
	if out.WorkloadVersion != "1.0.0" {
		t.Errorf("workload version = %q, want 1.0.0", out.WorkloadVersion)
	}
	assertStatus(t, out, waitingForStart)
	if !w.installed {
		t.Error("tinyproxy not installed")
	}
}

func TestStart(t *testing.T) {
	t.Parallel()
	w := installed()
	out := runEvent(t, w, "start", charmtest.State{})
	assertStatus(t, out, active)
	if !w.running {
		t.Error("tinyproxy not running")
	}
	if w.config == nil || *w.config != defaultConfig {
		t.Errorf("config = %+v, want %+v", w.config, defaultConfig)
	}
}

func TestConfigChanged(t *testing.T) {
	t.Parallel()
	w := configured()
	out := runEvent(t, w, "config-changed", charmtest.State{Config: map[string]any{"slug": "foo"}})
	assertStatus(t, out, active)
	if !w.running {
		t.Error("tinyproxy not running")
	}
	if want := (proxyConfig{Slug: "foo", Upstream: defaultConfig.Upstream}); w.config == nil || *w.config != want {
		t.Errorf("config = %+v, want %+v", w.config, want)
	}
	if !w.reloaded {
		t.Error("tinyproxy config not reloaded")
	}
}

var invalidSlugs = []string{"", "foo_bar", "foo/bar"}

func TestStartInvalidConfig(t *testing.T) {
	t.Parallel()
	for _, slug := range invalidSlugs {
		t.Run("slug="+slug, func(t *testing.T) {
			t.Parallel()
			w := installed()
			out := runEvent(t, w, "start", charmtest.State{Config: map[string]any{"slug": slug}})
			assertStatus(t, out, invalidSlug(slug))
			if w.running {
				t.Error("tinyproxy started with an invalid config")
			}
			if w.config != nil {
				t.Errorf("config written: %+v", w.config)
			}
		})
	}
}

func TestConfigChangedInvalidConfig(t *testing.T) {
	t.Parallel()
	for _, slug := range invalidSlugs {
		t.Run("slug="+slug, func(t *testing.T) {
			t.Parallel()
			w := configured()
			out := runEvent(t, w, "config-changed", charmtest.State{Config: map[string]any{"slug": slug}})
			assertStatus(t, out, invalidSlug(slug))
			if !w.running {
				t.Error("tinyproxy should still be running...")
			}
			if *w.config != defaultConfig {
				t.Errorf("...with the original config, got %+v", w.config)
			}
			if w.reloaded {
				t.Error("tinyproxy reloaded for an invalid config")
			}
		})
	}
}

func TestStop(t *testing.T) {
	t.Parallel()
	w := configured()
	out := runEvent(t, w, "stop", charmtest.State{OpenedPorts: []string{"8000/tcp"}})
	assertStatus(t, out, waitingForStart)
	if w.running {
		t.Error("tinyproxy still running")
	}
	assertPorts(t, out)
}

func TestRemove(t *testing.T) {
	t.Parallel()
	w := installed()
	out := runEvent(t, w, "remove", charmtest.State{})
	assertStatus(t, out, waitingForInstall)
	if w.installed {
		t.Error("tinyproxy still installed")
	}
}
