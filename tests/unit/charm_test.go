package unit

import (
	"context"
	"strconv"
	"testing"

	"github.com/canonical/jujutest/charm/charmtest"
	"github.com/canonical/jujutest/charm/tinyproxy"
)

// The tutorial's 12 unit tests, ported one for one and named after them
// (tests/unit/test_tinyproxy.py and test_charm.py in the Ops tutorial):
//
//	test_version                           TestVersion
//	test_install                           TestInstall
//	test_start                             TestStart
//	test_config_changed                    TestConfigChanged
//	test_start_invalid_config[3]           TestStartInvalidConfig/slug="", "foo_bar", "foo/bar"
//	test_config_changed_invalid_config[3]  TestConfigChangedInvalidConfig/slug=... (same three)
//	test_stop                              TestStop
//	test_remove                            TestRemove
//
// Run only them with: go test -run 'Test(Version|Install|Start|ConfigChanged|StartInvalidConfig|ConfigChangedInvalidConfig|Stop|Remove)$' ./tests/unit

// versionRunner answers `tinyproxy -v` like the tutorial's MockVersionProcess.
type versionRunner struct{ version string }

func (r versionRunner) Run(context.Context, tinyproxy.Cmd) ([]byte, error) {
	return []byte("tinyproxy " + r.version + "\n"), nil
}

// TestVersion is the tutorial's test_version: the helper parses the
// version from `tinyproxy -v`.
func TestVersion(t *testing.T) {
	t.Parallel()
	tp := &tinyproxy.Tinyproxy{Runner: versionRunner{version: "1.0.0"}}
	got, err := tp.Version(context.Background())
	if err != nil || got != "1.0.0" {
		t.Fatalf("Version = %q, %v; want 1.0.0", got, err)
	}
}

// TestInstall is the tutorial's test_install.
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

// TestStart is the tutorial's test_start: no config given, so the
// charmcraft.yaml defaults apply.
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

// TestConfigChanged is the tutorial's test_config_changed.
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

// invalidSlugs are the tutorial's parameters for the invalid-config tests.
func invalidSlugs() []string { return []string{"", "foo_bar", "foo/bar"} }

// TestStartInvalidConfig is the tutorial's test_start_invalid_config.
func TestStartInvalidConfig(t *testing.T) {
	t.Parallel()
	for _, slug := range invalidSlugs() {
		t.Run("slug="+strconv.Quote(slug), func(t *testing.T) {
			t.Parallel()
			w := installed()
			out := runEvent(t, w, "start", charmtest.State{Config: map[string]any{"slug": slug}})
			assertStatus(t, out, invalidSlug(slug))
			if w.running {
				t.Error("tinyproxy started with an invalid config")
			}
			if w.config != nil || len(w.calls) != 0 {
				t.Errorf("config %+v, workload calls %v; want nothing written or started", w.config, w.calls)
			}
		})
	}
}

// TestConfigChangedInvalidConfig is the tutorial's
// test_config_changed_invalid_config: the running proxy keeps running with
// its previous config, and nothing is written.
func TestConfigChangedInvalidConfig(t *testing.T) {
	t.Parallel()
	for _, slug := range invalidSlugs() {
		t.Run("slug="+strconv.Quote(slug), func(t *testing.T) {
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
			if w.reloaded || len(w.calls) != 0 {
				t.Errorf("workload calls %v (reloaded %v) for an invalid config, want none", w.calls, w.reloaded)
			}
		})
	}
}

// TestStop is the tutorial's test_stop; the port is closed too.
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

// TestRemove is the tutorial's test_remove.
func TestRemove(t *testing.T) {
	t.Parallel()
	w := installed()
	out := runEvent(t, w, "remove", charmtest.State{})
	assertStatus(t, out, waitingForInstall)
	if w.installed {
		t.Error("tinyproxy still installed")
	}
}
