package unit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canonical/jujutest/charm/charmtest"
	"github.com/canonical/jujutest/charm/hooks"
	"github.com/canonical/jujutest/charm/hooktools"
	"github.com/canonical/jujutest/charm/tinyproxy"
)

// Beyond the tutorial: upstream validation, reload only on change, a
// tinyproxy that never starts, update-status, status ties, config defaults
// and ports.

func TestUpstreamValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ value, shown string }{
		{"", ""},
		{"www.example.com", "www.example.com"},
		{"/relative/path", "/relative/path"},
		{"ftp://example.com/", "ftp://example.com/"},
		{"http:/example.com/", "http:/example.com/"},
		{"http://", "http://"},
		{"mailto:proxy@example.com", "mailto:proxy@example.com"},
		{`http://example.com/"x`, `http://example.com/"x`}, // a quote stays a quote
		{`http://example.com/" "http://evil/`, `http://example.com/" "http://evil/`},
		{"http://example.com/\nUpstream http evil:80", `http://example.com/\nUpstream http evil:80`},
		{"http://example.com/a b", "http://example.com/a b"},
		{"http://example.com/\t", `http://example.com/\t`},
		{"http://example.com/\x00", `http://example.com/\x00`},
		{`http://example.com/\`, `http://example.com/\`},
	} {
		t.Run(tc.value, func(t *testing.T) {
			t.Parallel()
			w := configured()
			out := runEvent(t, w, "config-changed", charmtest.State{Config: map[string]any{"upstream": tc.value}})
			assertStatus(t, out, invalidUpstream(tc.shown))
			if strings.ContainsAny(out.UnitStatus.Message, "\n\r\t\x00") {
				t.Errorf("status message %q is not one printable line", out.UnitStatus.Message)
			}
			if *w.config != defaultConfig || len(w.calls) != 0 || !w.running {
				t.Errorf("invalid upstream changed the workload: config %+v, calls %v, running %v", w.config, w.calls, w.running)
			}
			assertPorts(t, out, "8000/tcp")

			err := hooks.Config{Slug: "example", Upstream: tc.value}.Validate()
			var ice *hooks.InvalidConfigError
			if !errors.As(err, &ice) || ice.Option != "upstream" || ice.Value != tc.value {
				t.Errorf("Validate = %v, want *InvalidConfigError for upstream %q", err, tc.value)
			}
		})
	}
}

func TestValidUpstreams(t *testing.T) {
	t.Parallel()
	for _, v := range []string{
		"http://www.example.com/",
		"https://example.com",
		"http://127.0.0.1:8080/api/",
		"http://[::1]:9000/",
		"HTTP://EXAMPLE.COM/",
		"http://example.com/path?q=1&r=2",
	} {
		if err := (hooks.Config{Slug: "ok", Upstream: v}).Validate(); err != nil {
			t.Errorf("Validate(upstream %q) = %v, want nil", v, err)
		}
	}
}

func TestLongInvalidValueIsShortenedInStatus(t *testing.T) {
	t.Parallel()
	slug := strings.Repeat("x_", 500)
	out := runEvent(t, configured(), "config-changed", charmtest.State{Config: map[string]any{"slug": slug}})
	if n := len(out.UnitStatus.Message); n > 200 || !strings.Contains(out.UnitStatus.Message, "...") {
		t.Fatalf("status message has %d bytes: %q; want the value cut", n, out.UnitStatus.Message)
	}
}

func TestReloadOnlyOnChange(t *testing.T) {
	t.Parallel()
	w := configured()
	h := newHarness(t, w)
	out := h.run(t, "config-changed", charmtest.State{})
	assertStatus(t, out, active)
	if w.reloaded {
		t.Fatal("reloaded although the config did not change")
	}
	if slices.Contains(w.calls, "Start") {
		t.Fatal("started a running tinyproxy")
	}

	out = h.run(t, "config-changed", charmtest.State{Config: map[string]any{"upstream": "http://10.0.0.1:8080/"}})
	assertStatus(t, out, active)
	if !w.reloaded || w.config.Upstream != "http://10.0.0.1:8080/" {
		t.Fatalf("after an upstream change: reloaded %v, config %+v", w.reloaded, w.config)
	}
	if !logged(out, "INFO", "reloaded") {
		t.Errorf("juju-log lines %v, want an INFO line about the reload", out.JujuLog)
	}
}

func TestTinyproxyNeverStarts(t *testing.T) {
	t.Parallel()
	w := installed()
	w.neverStarts = true
	h := newHarness(t, w)
	out, err := h.ctx.Run(context.Background(), "start", charmtest.State{UnitStatus: waitingForStart})
	if err == nil {
		t.Fatal("start hook succeeded although tinyproxy never became ready")
	}
	for _, want := range []string{"start hook", "tinyproxy was not ready within 3s after start", "no pid"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if h.clock.slept != hooks.DefaultStartTimeout || h.clock.naps != 30 {
		t.Errorf("waited %v in %d naps, want %v in 30 (bounded, fake clock)", h.clock.slept, h.clock.naps, hooks.DefaultStartTimeout)
	}
	if hasCall(out, "status-set") {
		t.Errorf("status set by a failing hook: calls %q", out.Calls)
	}
	assertStatus(t, out, waitingForStart) // unchanged
	if !logged(out, "ERROR", err.Error()) {
		t.Errorf("juju-log lines %v, want the error at ERROR", out.JujuLog)
	}
	assertPorts(t, out)
}

func TestStartCommandFails(t *testing.T) {
	t.Parallel()
	w := installed()
	w.startErr = errors.New("starting tinyproxy: tinyproxy -c /etc/tinyproxy/tinyproxy.conf: exit status 70")
	h := newHarness(t, w)
	_, err := h.ctx.Run(context.Background(), "config-changed", charmtest.State{})
	if !errors.Is(err, w.startErr) || !strings.HasPrefix(err.Error(), "config-changed hook: starting tinyproxy") {
		t.Fatalf("err = %v, want it to wrap the start error", err)
	}
	if h.clock.naps != 0 {
		t.Errorf("waited %d times after a failed start", h.clock.naps)
	}
}

func TestInstallFails(t *testing.T) {
	t.Parallel()
	w := &fakeTinyproxy{installErr: errors.New("installing tinyproxy-bin=1.11.1-3: apt-get install: exit status 100: E: Unable to locate package")}
	out, err := newHarness(t, w).ctx.Run(context.Background(), "install", charmtest.State{})
	if !errors.Is(err, w.installErr) || !strings.Contains(err.Error(), "install hook: installing tinyproxy-bin") {
		t.Fatalf("err = %v, want it to say what failed", err)
	}
	if hasCall(out, "status-set") || hasCall(out, "application-version-set") {
		t.Fatalf("calls after a failed install: %q", out.Calls)
	}
}

// refuseRunner fails the test if the helper runs any command.
type refuseRunner struct{ t *testing.T }

func (r refuseRunner) Run(_ context.Context, cmd tinyproxy.Cmd) ([]byte, error) {
	r.t.Errorf("ran %s %q; want nothing run on an unsupported release", cmd.Name, cmd.Args)
	return nil, errors.New("refused")
}

func TestInstallUnsupportedRelease(t *testing.T) {
	t.Parallel()
	osRelease := filepath.Join(t.TempDir(), "os-release")
	if err := os.WriteFile(osRelease, []byte("ID=ubuntu\nVERSION_ID=\"20.04\"\nVERSION_CODENAME=focal\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The real helper's Install decides; the fake only carries its error.
	tp := &tinyproxy.Tinyproxy{OSRelease: osRelease, Runner: refuseRunner{t}}
	w := &fakeTinyproxy{installErr: tp.Install(context.Background())}
	out, err := newHarness(t, w).ctx.Run(context.Background(), "install", charmtest.State{})
	var uerr *tinyproxy.UnsupportedReleaseError
	if !errors.As(err, &uerr) {
		t.Fatalf("err = %v, want a *tinyproxy.UnsupportedReleaseError", err)
	}
	for _, want := range []string{"install hook: installing tinyproxy-bin: unsupported OS release ubuntu 20.04 (focal)",
		"ubuntu 22.04 (jammy)", "ubuntu 24.04 (noble)", "debian 12 (bookworm)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %q, want it to say %q", err, want)
		}
	}
	if hasCall(out, "status-set") || !logged(out, "ERROR", "unsupported OS release") {
		t.Errorf("calls %q, log %v; want no status and the error logged", out.Calls, out.JujuLog)
	}
}

func TestStopWaitsBounded(t *testing.T) {
	t.Parallel()
	w := configured()
	stubborn := &stubbornStop{fakeTinyproxy: w}
	clock := &fakeClock{}
	opts, err := charmtest.ReadOptions("../../charm/charmcraft.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := &charmtest.Context{Options: opts, Charm: func(ctx context.Context, event string, tools *hooktools.Tools) error {
		return (&hooks.Charm{Tools: tools, Workload: stubborn, Sleep: clock.Sleep}).Run(ctx, event)
	}}
	_, err = c.Run(context.Background(), "stop", charmtest.State{})
	if err == nil || !strings.Contains(err.Error(), "still running 3s after stop") {
		t.Fatalf("err = %v, want a bounded-wait error", err)
	}
	if clock.slept != hooks.DefaultStopTimeout {
		t.Fatalf("waited %v, want %v", clock.slept, hooks.DefaultStopTimeout)
	}
}

// stubbornStop is a workload whose Stop does not stop it.
type stubbornStop struct{ *fakeTinyproxy }

func (s *stubbornStop) Stop(context.Context) error { return nil }

func TestUpdateStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		w     *fakeTinyproxy
		ports []string
		want  charmtest.Status
	}{
		{"not installed", &fakeTinyproxy{}, nil, waitingForInstall},
		{"installed, not running", installed(), nil, waitingForStart},
		{"running", configured(), []string{"8000/tcp"}, active},
		{"invalid config", configured(), []string{"8000/tcp"}, invalidSlug("foo_bar")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := charmtest.State{OpenedPorts: tc.ports}
			if tc.want.Name == "blocked" {
				in.Config = map[string]any{"slug": "foo_bar"}
			}
			before := *tc.w
			out := runEvent(t, tc.w, "update-status", in)
			assertStatus(t, out, tc.want)
			assertPorts(t, out, tc.ports...)
			if len(tc.w.calls) != 0 || tc.w.running != before.running || tc.w.installed != before.installed {
				t.Errorf("update-status changed the workload: calls %v", tc.w.calls)
			}
		})
	}
}

// TestNoopHookToolCalls pins the cost of a hook the charm does not handle:
// three hook-tool calls (config, the upstream relation's ids, status), no
// port query.
func TestNoopHookToolCalls(t *testing.T) {
	t.Parallel()
	for _, event := range []string{"update-status", "leader-elected", "no-such-event"} {
		out := runEvent(t, configured(), event, charmtest.State{OpenedPorts: []string{"8000/tcp"}})
		want := [][]string{
			{"config-get", "--all", "--format=json"},
			{"relation-ids", "--format=json", "--", "upstream"},
			{"status-set", "active"},
		}
		if !slices.EqualFunc(out.Calls, want, slices.Equal) {
			t.Errorf("%s: calls %q, want %q", event, out.Calls, want)
		}
	}
}

func TestStatusTies(t *testing.T) {
	t.Parallel()
	t.Run("slug and upstream invalid: slug first", func(t *testing.T) {
		t.Parallel()
		out := runEvent(t, configured(), "config-changed",
			charmtest.State{Config: map[string]any{"slug": "foo/bar", "upstream": "ftp://x/"}})
		assertStatus(t, out, invalidSlug("foo/bar"))
	})
	t.Run("blocked beats maintenance", func(t *testing.T) {
		t.Parallel()
		out := runEvent(t, &fakeTinyproxy{}, "update-status", charmtest.State{Config: map[string]any{"upstream": "ftp://x/"}})
		assertStatus(t, out, invalidUpstream("ftp://x/"))
	})
	t.Run("not installed and not running: installed first", func(t *testing.T) {
		t.Parallel()
		out := runEvent(t, &fakeTinyproxy{}, "update-status", charmtest.State{})
		assertStatus(t, out, waitingForInstall)
	})
}

func TestStatusCollector(t *testing.T) {
	t.Parallel()
	s := func(n hooktools.StatusName, m string) hooktools.Status { return hooktools.Status{Name: n, Message: m} }
	for _, tc := range []struct {
		name  string
		added []hooktools.Status
		want  hooktools.Status
	}{
		{"nothing added", nil, s("active", "")},
		{"first of equals wins", []hooktools.Status{s("maintenance", "a"), s("maintenance", "b")}, s("maintenance", "a")},
		{"waiting beats active", []hooktools.Status{s("active", ""), s("waiting", "w")}, s("waiting", "w")},
		{"maintenance beats waiting", []hooktools.Status{s("waiting", "w"), s("maintenance", "m")}, s("maintenance", "m")},
		{"blocked beats all", []hooktools.Status{s("maintenance", "m"), s("blocked", "b"), s("waiting", "w"), s("blocked", "c")}, s("blocked", "b")},
	} {
		var sc hooks.StatusCollector
		for _, st := range tc.added {
			sc.Add(st)
		}
		if got := sc.Status(); got != tc.want {
			t.Errorf("%s: Status = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestConfigDefaultsFromCharmcraft(t *testing.T) {
	t.Parallel()
	w := installed()
	runEvent(t, w, "config-changed", charmtest.State{}) // no config given at all
	if w.config == nil || *w.config != defaultConfig {
		t.Fatalf("config = %+v, want charmcraft.yaml defaults %+v", w.config, defaultConfig)
	}
	w = installed()
	runEvent(t, w, "config-changed", charmtest.State{Config: map[string]any{"slug": "foo"}})
	if want := (proxyConfig{Slug: "foo", Upstream: defaultConfig.Upstream}); *w.config != want {
		t.Fatalf("config = %+v, want %+v (upstream from its default)", w.config, want)
	}
}

func TestPortsFollowTinyproxy(t *testing.T) {
	t.Parallel()
	w := installed()
	h := newHarness(t, w)
	openPort, closePort := []string{"open-port", "8000/tcp"}, []string{"close-port", "8000/tcp"}
	state := charmtest.State{}
	for _, step := range []struct {
		event     string
		portCall  []string // nil: no port tool call
		wantPorts []string
	}{
		{"start", openPort, []string{"8000/tcp"}},
		{"config-changed", openPort, []string{"8000/tcp"}}, // idempotent
		{"update-status", nil, []string{"8000/tcp"}},
		{"stop", closePort, nil},
		{"config-changed", openPort, []string{"8000/tcp"}}, // started again
	} {
		out := h.run(t, step.event, state)
		state = out
		var calls [][]string
		for _, c := range out.Calls {
			if c[0] == "open-port" || c[0] == "close-port" || c[0] == "opened-ports" {
				calls = append(calls, c)
			}
		}
		var want [][]string
		if step.portCall != nil {
			want = [][]string{step.portCall}
		}
		if !slices.EqualFunc(calls, want, slices.Equal) {
			t.Errorf("%s: port calls %q, want %q", step.event, calls, want)
		}
		assertPorts(t, out, step.wantPorts...)
	}
}

func TestConfigChangedClosesPortWhenNotRunning(t *testing.T) {
	t.Parallel()
	// Not installed: nothing can run, so the port must not stay open.
	out := runEvent(t, &fakeTinyproxy{}, "config-changed", charmtest.State{OpenedPorts: []string{"8000/tcp"}})
	assertStatus(t, out, waitingForInstall)
	assertPorts(t, out)
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	w := &fakeTinyproxy{}
	h := newHarness(t, w)
	s := charmtest.State{}
	for _, step := range []struct {
		event string
		want  charmtest.Status
	}{
		{"install", waitingForStart},
		{"config-changed", active},
		{"start", active},
		{"update-status", active},
		{"stop", waitingForStart},
		{"remove", waitingForInstall},
	} {
		s = h.run(t, step.event, s)
		assertStatus(t, s, step.want)
	}
	if want := []string{"Install", "EnsureConfig", "Start", "EnsureConfig", "Stop", "Uninstall"}; !slices.Equal(w.calls, want) {
		t.Fatalf("workload calls %v, want %v", w.calls, want)
	}
	if s.WorkloadVersion != "1.0.0" || len(s.OpenedPorts) != 0 {
		t.Fatalf("final state %+v", s)
	}
	if h.clock.naps != 0 {
		t.Fatalf("slept %d times although the fake was ready at once", h.clock.naps)
	}
}

func TestCanceledContextCutsWaitShort(t *testing.T) {
	t.Parallel()
	w := installed()
	w.neverStarts = true
	opts, err := charmtest.ReadOptions("../../charm/charmcraft.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &charmtest.Context{Options: opts, Charm: func(ctx context.Context, event string, tools *hooktools.Tools) error {
		ch := &hooks.Charm{Tools: tools, Workload: w, Sleep: func(ctx context.Context, _ time.Duration) error {
			cancel()
			return ctx.Err()
		}}
		return ch.Run(ctx, event)
	}}
	_, err = c.Run(ctx, "start", charmtest.State{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want it to wrap context.Canceled", err)
	}
}
