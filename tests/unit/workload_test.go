package unit

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canonical/jujutest/charm/charmtest"
	"github.com/canonical/jujutest/charm/hooks"
	"github.com/canonical/jujutest/charm/hooktools"
)

// proxyConfig is what the fake workload was configured with.
type proxyConfig struct{ Slug, Upstream string }

// fakeTinyproxy is the fake hooks.Workload: plain recorded fields, like the
// tutorial's MockTinyproxy.
type fakeTinyproxy struct {
	installed bool
	running   bool
	config    *proxyConfig // nil: no config file yet
	reloaded  bool

	neverStarts bool  // Start succeeds, but tinyproxy never becomes ready
	installErr  error // returned by Install
	startErr    error // returned by Start

	calls []string // methods that change something, in order
}

var _ hooks.Workload = (*fakeTinyproxy)(nil)

func (f *fakeTinyproxy) IsInstalled() bool { return f.installed }

func (f *fakeTinyproxy) Install(context.Context) error {
	f.calls = append(f.calls, "Install")
	if f.installErr != nil {
		return f.installErr
	}
	f.installed = true
	return nil
}

func (f *fakeTinyproxy) Version(context.Context) (string, error) { return "1.0.0", nil }

func (f *fakeTinyproxy) EnsureConfig(slug, upstream string) (bool, error) {
	f.calls = append(f.calls, "EnsureConfig")
	old := f.config
	f.config = &proxyConfig{Slug: slug, Upstream: upstream}
	return old == nil || *old != *f.config, nil
}

func (f *fakeTinyproxy) IsRunning() bool { return f.running }

func (f *fakeTinyproxy) Ready(context.Context) error {
	if !f.running {
		return errors.New("no pid: open /var/run/tinyproxy.pid: no such file or directory")
	}
	return nil
}

func (f *fakeTinyproxy) Start(context.Context) error {
	f.calls = append(f.calls, "Start")
	if f.startErr != nil {
		return f.startErr
	}
	f.running = !f.neverStarts
	return nil
}

func (f *fakeTinyproxy) Reload() error {
	f.calls = append(f.calls, "Reload")
	f.reloaded = true
	return nil
}

func (f *fakeTinyproxy) Stop(context.Context) error {
	f.calls = append(f.calls, "Stop")
	f.running = false
	return nil
}

func (f *fakeTinyproxy) Uninstall(context.Context) error {
	f.calls = append(f.calls, "Uninstall")
	f.installed = false
	return nil
}

// installed returns a fake with tinyproxy installed but not configured.
func installed() *fakeTinyproxy { return &fakeTinyproxy{installed: true} }

// configured returns a fake with tinyproxy installed, configured with the
// defaults and running.
func configured() *fakeTinyproxy {
	cfg := defaultConfig
	return &fakeTinyproxy{installed: true, running: true, config: &cfg}
}

// defaultConfig is the config that charmcraft.yaml's defaults give. It is
// read-only: fakes get a copy, never its address.
var defaultConfig = proxyConfig{Slug: "example", Upstream: "http://www.example.com/"}

// fakeClock is the charm's injected sleep: it only adds up.
type fakeClock struct {
	slept time.Duration
	naps  int
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.slept += d
	c.naps++
	return nil
}

// harness runs events against the real charm logic with w as workload.
type harness struct {
	ctx   *charmtest.Context
	clock *fakeClock
}

func newHarness(t *testing.T, w *fakeTinyproxy) *harness {
	t.Helper()
	opts, err := charmtest.ReadOptions("../../charm/charmcraft.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{clock: &fakeClock{}}
	h.ctx = &charmtest.Context{Options: opts, Charm: func(ctx context.Context, event string, tools *hooktools.Tools) error {
		c := &hooks.Charm{Tools: tools, Workload: w, Sleep: h.clock.Sleep}
		return c.Run(ctx, event)
	}}
	return h
}

// run runs event and checks the charm's contract for a successful hook:
// exactly one status-set, as its last tool call.
func (h *harness) run(t *testing.T, event string, in charmtest.State) charmtest.State {
	t.Helper()
	out, err := h.ctx.Run(context.Background(), event, in)
	if err != nil {
		t.Fatalf("%s: %v", event, err)
	}
	var sets int
	for _, c := range out.Calls {
		if c[0] == "status-set" {
			sets++
		}
	}
	if sets != 1 || out.Calls[len(out.Calls)-1][0] != "status-set" {
		t.Fatalf("%s: calls %q, want exactly one status-set, last", event, out.Calls)
	}
	return out
}

// runEvent is newHarness + run for one-event tests.
func runEvent(t *testing.T, w *fakeTinyproxy, event string, in charmtest.State) charmtest.State {
	t.Helper()
	return newHarness(t, w).run(t, event, in)
}

func status(name hooktools.StatusName, msg string) charmtest.Status {
	return charmtest.Status{Name: name, Message: msg}
}

var (
	active            = status(hooktools.StatusActive, "")
	waitingForInstall = status(hooktools.StatusMaintenance, "Waiting for tinyproxy to be installed")
	waitingForStart   = status(hooktools.StatusMaintenance, "Waiting for tinyproxy to start")
)

func invalidSlug(v string) charmtest.Status {
	return status(hooktools.StatusBlocked, "Invalid slug: '"+v+"'. Slug must match the regex [a-z0-9-]+")
}

func invalidUpstream(shown string) charmtest.Status {
	return status(hooktools.StatusBlocked,
		"Invalid upstream: '"+shown+"'. Upstream must be an absolute http or https URL, without quotes or spaces")
}

func assertStatus(t *testing.T, out charmtest.State, want charmtest.Status) {
	t.Helper()
	if out.UnitStatus != want {
		t.Fatalf("unit status = %q, want %q", out.UnitStatus, want)
	}
}

func assertPorts(t *testing.T, out charmtest.State, want ...string) {
	t.Helper()
	if !slices.Equal(out.OpenedPorts, want) {
		t.Fatalf("opened ports = %q, want %q", out.OpenedPorts, want)
	}
}

func hasCall(out charmtest.State, name string) bool {
	return slices.ContainsFunc(out.Calls, func(c []string) bool { return c[0] == name })
}

func logged(out charmtest.State, level, substr string) bool {
	return slices.ContainsFunc(out.JujuLog, func(l charmtest.LogLine) bool {
		return l.Level == level && strings.Contains(l.Message, substr)
	})
}
