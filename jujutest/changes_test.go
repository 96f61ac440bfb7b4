package jujutest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/jujutesttest"
)

// agentUnit is one unit of app "app" in a tracking test's status.
type agentUnit struct {
	workload string // "active", "blocked:msg"...
	agent    string // "idle", "executing:running config-changed hook"...
	since    string // the agent's since, as Juju prints it
}

// trackStatus returns a status document for app "app" at controller time
// ts ("12:00:05Z"), with units app/0, app/1... The app status is the first
// unit's workload status (active when there are none).
func trackStatus(ts string, units ...agentUnit) jujutest.Result {
	var us []string
	appCur, appMsg := "active", ""
	for i, u := range units {
		wc, wm, _ := strings.Cut(u.workload, ":")
		ac, am, _ := strings.Cut(u.agent, ":")
		if i == 0 {
			appCur, appMsg = wc, wm
		}
		us = append(us, fmt.Sprintf(`"app/%d":{"workload-status":{"current":%q,"message":%q},"juju-status":{"current":%q,"message":%q,"since":%q}}`,
			i, wc, wm, ac, am, u.since))
	}
	doc := fmt.Sprintf(`{"model":{"name":"m","type":"iaas"},"applications":{"app":{"charm":"app",`+
		`"application-status":{"current":%q,"message":%q},"units":{%s}}},"controller":{"timestamp":%q}}`,
		appCur, appMsg, strings.Join(us, ","), ts)
	return jujutest.Result{Stdout: []byte(doc)}
}

var (
	appStatusArgs = []string{"status", "--model", "m", "app", "--format", "json"}
	appConfigArgs = []string{"config", "--model", "m", "--format", "json", "app"}
)

func configDoc(slug string) string {
	return fmt.Sprintf(`{"application":"app","settings":{"slug":{"source":"user","type":"string","value":%q}},`+
		`"application-config":{"trust":{"source":"default","type":"bool","value":false}}}`, slug)
}

// trackJuju returns a Juju on model "m" with change tracking on, a fake
// runner and clock, and a config command that changes the app's slug.
func trackJuju(t *testing.T) (*jujutest.Juju, *jujutesttest.Runner, *jujutesttest.Clock, *logLines) {
	j, r, clock, logs := waitJuju(t)
	slug := "old"
	r.HandleFunc(appConfigArgs, func(context.Context, jujutest.Command) (jujutest.Result, error) {
		return jujutest.Result{Stdout: []byte(configDoc(slug))}, nil
	})
	r.HandleFunc([]string{"config", "--model", "m", "app", "slug=new"}, func(context.Context, jujutest.Command) (jujutest.Result, error) {
		slug = "new"
		return jujutest.Result{}, nil
	})
	r.HandleOutput([]string{"config", "--model", "m", "app", "slug=old"}, "")
	return j, r, clock, logs
}

var (
	idleBefore = agentUnit{"active", "idle", "07 Dec 2026 12:00:01Z"}
	runningCC  = agentUnit{"active", "executing:running config-changed hook", "07 Dec 2026 12:00:06Z"}
	idleAfter  = agentUnit{"active", "idle", "07 Dec 2026 12:00:06Z"}
)

func TestWaitAfterConfigSkipsStaleActive(t *testing.T) {
	t.Parallel()
	j, r, _, _ := trackJuju(t)
	r.Handle(appStatusArgs, trackStatus("12:00:05Z", idleBefore))
	if err := j.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatal(err)
	}
	if n := j.PendingChanges(); n != 1 {
		t.Fatalf("%d pending changes after SetConfig, want 1", n)
	}
	// Stale active for three polls, then the hook runs, then active again.
	stale := trackStatus("12:00:05Z", idleBefore)
	r.HandleSequence(statusArgs, stale, stale, stale, trackStatus("12:00:06Z", runningCC), trackStatus("12:00:06Z", idleAfter))
	st, err := j.Wait(t.Context(), jujutest.AllActive("app"))
	if err != nil {
		t.Fatal(err)
	}
	// AllActive held on every poll; the fourth saw the hook running, the
	// fifth is the first after it: the first Wait may return on.
	if n := r.Count(statusArgs); n != 5 {
		t.Errorf("%d polls, want 5 (three stale, one executing, then idle)", n)
	}
	if got := st.Units("app")["app/0"].JujuStatus; got.Current != jujutest.StatusIdle || got.Since != idleAfter.since {
		t.Errorf("returned agent %+v, want idle after the hook", got)
	}
	if n := j.PendingChanges(); n != 0 {
		t.Errorf("%d pending changes after Wait, want 0", n)
	}
	// The next Wait has nothing to wait for.
	r.Handle(statusArgs, trackStatus("12:00:07Z", idleAfter))
	before := r.Count(statusArgs)
	if _, err := j.Wait(t.Context(), jujutest.AllActive("app")); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(statusArgs) - before; n != 1 {
		t.Errorf("second Wait: %d polls, want 1", n)
	}
}

func TestWaitAfterConfigIdleToIdle(t *testing.T) {
	t.Parallel()
	// A hook too quick for any poll to see it executing: the agent's since
	// is what moved.
	j, r, _, _ := trackJuju(t)
	r.Handle(appStatusArgs, trackStatus("12:00:05Z", idleBefore))
	if err := j.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatal(err)
	}
	stale := trackStatus("12:00:05Z", idleBefore)
	r.HandleSequence(statusArgs, stale, stale, trackStatus("12:00:06Z", idleAfter))
	if _, err := j.Wait(t.Context(), jujutest.AllActive("app")); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(statusArgs); n != 3 {
		t.Errorf("%d polls, want 3", n)
	}
}

func TestConfigToCurrentValueTracksNothing(t *testing.T) {
	t.Parallel()
	j, r, _, logs := trackJuju(t)
	r.Handle(appStatusArgs, trackStatus("12:00:05Z", idleBefore))
	if err := j.SetConfig(t.Context(), "app", map[string]any{"slug": "old"}); err != nil {
		t.Fatal(err)
	}
	if n := j.PendingChanges(); n != 0 {
		t.Errorf("%d pending changes after setting the current value, want 0", n)
	}
	// Juju runs no hook: Wait returns on the first poll.
	r.Handle(statusArgs, trackStatus("12:00:05Z", idleBefore))
	if _, err := j.Wait(t.Context(), jujutest.AllActive("app")); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(statusArgs); n != 1 {
		t.Errorf("%d polls, want 1", n)
	}
	if !containsLine(logs.get(), "fires no config-changed") {
		t.Errorf("no log saying why nothing is awaited: %q", logs.get())
	}
}

func TestWaitAfterConfigFlapping(t *testing.T) {
	t.Parallel()
	j, r, _, _ := trackJuju(t)
	r.Handle(appStatusArgs, trackStatus("12:00:05Z", idleBefore))
	if err := j.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatal(err)
	}
	// The workload flaps between active and maintenance while the hook
	// runs: Wait returns on the first active poll after the hook, not on
	// the stale one before it nor on the active one during it.
	maint := agentUnit{"maintenance:restarting", "executing:running config-changed hook", "07 Dec 2026 12:00:06Z"}
	r.HandleSequence(statusArgs,
		trackStatus("12:00:05Z", idleBefore),
		trackStatus("12:00:06Z", maint),
		trackStatus("12:00:06Z", runningCC),
		trackStatus("12:00:07Z", maint),
		trackStatus("12:00:07Z", idleAfter))
	st, err := j.Wait(t.Context(), jujutest.AllActive("app"))
	if err != nil {
		t.Fatal(err)
	}
	if n := r.Count(statusArgs); n != 5 {
		t.Errorf("%d polls, want 5", n)
	}
	if !jujutest.AllActive("app")(st) {
		t.Errorf("returned a status that is not ready")
	}
	// With WithSuccesses(2), the flap back to maintenance resets the run.
	j2, r2, _, _ := trackJuju(t)
	r2.Handle(appStatusArgs, trackStatus("12:00:05Z", idleBefore))
	if err := j2.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatal(err)
	}
	r2.HandleSequence(statusArgs,
		trackStatus("12:00:05Z", idleBefore),
		trackStatus("12:00:06Z", runningCC),
		trackStatus("12:00:07Z", maint),
		trackStatus("12:00:08Z", idleAfter),
		trackStatus("12:00:09Z", idleAfter))
	if _, err := j2.Wait(t.Context(), jujutest.AllActive("app"), jujutest.WithSuccesses(2)); err != nil {
		t.Fatal(err)
	}
	if n := r2.Count(statusArgs); n != 5 {
		t.Errorf("WithSuccesses(2): %d polls, want 5", n)
	}
}

func TestWaitErrorConditionWinsOverPendingChange(t *testing.T) {
	t.Parallel()
	j, r, _, _ := trackJuju(t)
	r.Handle(appStatusArgs, trackStatus("12:00:05Z", idleBefore))
	if err := j.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatal(err)
	}
	// The unit is in error before the change is seen: the error condition
	// still ends the wait at once.
	failed := agentUnit{`error:hook failed: "install"`, "idle", "07 Dec 2026 12:00:01Z"}
	r.Handle(statusArgs, trackStatus("12:00:05Z", failed))
	_, err := j.Wait(t.Context(), jujutest.Or(jujutest.AllActive("app"), jujutest.AnyError()), jujutest.WithError(jujutest.AnyError()))
	var we *jujutest.WaitError
	if !errors.As(err, &we) || we.Polls != 1 {
		t.Fatalf("error = %v, want a *WaitError on the first poll", err)
	}
	// The change is still pending: the error condition proved nothing.
	if n := j.PendingChanges(); n != 1 {
		t.Errorf("%d pending changes, want 1", n)
	}
}

func TestWaitWithoutChangeTracking(t *testing.T) {
	t.Parallel()
	j, r, _, _ := trackJuju(t)
	r.Handle(appStatusArgs, trackStatus("12:00:05Z", idleBefore))
	if err := j.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatal(err)
	}
	r.Handle(statusArgs, trackStatus("12:00:05Z", idleBefore))
	if _, err := j.Wait(t.Context(), jujutest.AllActive("app"), jujutest.WithoutChangeTracking()); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(statusArgs); n != 1 {
		t.Errorf("%d polls, want 1: the stale status is accepted", n)
	}
	if n := j.PendingChanges(); n != 1 {
		t.Errorf("%d pending changes, want the change kept for later waits", n)
	}
	// A timeout names what was awaited.
	_, err := j.Wait(t.Context(), jujutest.AllActive("app"), jujutest.WithTimeout(time.Second))
	var te *jujutest.TimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "config app: app/0 (agent still idle since 07 Dec 2026 12:00:01Z)") {
		t.Errorf("error = %v, want a timeout naming the unit awaited", err)
	}
}

func TestChangeOnExecutingUnitWaitsForIdle(t *testing.T) {
	t.Parallel()
	j, r, _, _ := trackJuju(t)
	install := agentUnit{"maintenance:installing", "executing:running install hook", "07 Dec 2026 12:00:01Z"}
	r.Handle(appStatusArgs, trackStatus("12:00:05Z", install))
	if err := j.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatal(err)
	}
	// The next hook starting is not enough: the change's hook is queued
	// behind it. Only the agent going idle shows it has run.
	leader := agentUnit{"active", "executing:running leader-elected hook", "07 Dec 2026 12:00:06Z"}
	r.HandleSequence(statusArgs,
		trackStatus("12:00:06Z", leader),
		trackStatus("12:00:07Z", runningCC),
		trackStatus("12:00:08Z", idleAfter))
	if _, err := j.Wait(t.Context(), jujutest.AllActive("app")); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(statusArgs); n != 3 {
		t.Errorf("%d polls, want 3", n)
	}
}

func TestSnapshotWaitsForTheControllerSecond(t *testing.T) {
	t.Parallel()
	// The unit went idle in the second of the snapshot: a hook running
	// within that second would leave the same since. SetConfig polls
	// status until the controller's clock has moved on.
	j, r, clock, _ := trackJuju(t)
	sameSecond := agentUnit{"active", "idle", "07 Dec 2026 12:00:05Z"}
	r.HandleSequence(appStatusArgs,
		trackStatus("12:00:05Z", sameSecond),
		trackStatus("12:00:05Z", sameSecond),
		trackStatus("12:00:06Z", sameSecond))
	start := clock.Now()
	if err := j.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(appStatusArgs); n != 3 {
		t.Errorf("%d status reads before the change, want 3", n)
	}
	if d := clock.Now().Sub(start); d > 2*time.Second {
		t.Errorf("snapshot took %v of fake time", d)
	}
	// Another format: ISO times in UTC, same second only by the zone.
	j2, r2, _, _ := trackJuju(t)
	local := agentUnit{"active", "idle", "07 Dec 2026 14:00:05+02:00"}
	r2.Handle(appStatusArgs, trackStatus("12:00:06", local))
	if err := j2.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatal(err)
	}
	if n := r2.Count(appStatusArgs); n != 1 {
		t.Errorf("since a second before the timestamp: %d status reads, want 1", n)
	}
	// A model that never leaves the second is read for a bounded time.
	j3, r3, clock3, _ := trackJuju(t)
	r3.Handle(appStatusArgs, trackStatus("12:00:05Z", sameSecond))
	start = clock3.Now()
	if err := j3.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatal(err)
	}
	if d := clock3.Now().Sub(start); d < 1500*time.Millisecond || d > 2*time.Second {
		t.Errorf("stuck clock: snapshot took %v, want about 1.5s", d)
	}
}

func TestDeployTracksNewUnits(t *testing.T) {
	t.Parallel()
	j, r, _, _ := waitJuju(t)
	r.HandleOutput([]string{"deploy", "--model", "m", "app", "--num-units", "2"}, "")
	if err := j.Deploy(t.Context(), "app", &jujutest.DeployOptions{NumUnits: 2}); err != nil {
		t.Fatal(err)
	}
	allocating := agentUnit{"waiting:waiting for machine", "allocating", "07 Dec 2026 12:00:01Z"}
	started := agentUnit{"active", "idle", "07 Dec 2026 12:00:09Z"}
	r.HandleSequence(statusArgs,
		jujutest.Result{Stdout: []byte(`{"model":{"name":"m"},"applications":{},"controller":{"timestamp":"12:00:00Z"}}`)},
		trackStatus("12:00:05Z", started),
		trackStatus("12:00:05Z", started, allocating),
		trackStatus("12:00:09Z", started, started))
	// Not(AnyError) holds on every poll: only tracking makes Wait wait.
	if _, err := j.Wait(t.Context(), jujutest.Not(jujutest.AnyError())); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(statusArgs); n != 4 {
		t.Errorf("%d polls, want 4 (until both new units have started)", n)
	}
}

func TestDeployLocalCharmReadsItsName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "metadata.yaml"), []byte("name: app\nsubordinate: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	j, r, _, _ := waitJuju(t)
	r.HandleOutput([]string{"deploy", "--model", "m", dir}, "")
	if err := j.Deploy(t.Context(), dir, nil); err != nil {
		t.Fatal(err)
	}
	// A subordinate has no units of its own: its appearing is enough.
	r.HandleSequence(statusArgs,
		jujutest.Result{Stdout: []byte(`{"model":{"name":"m"},"applications":{},"controller":{"timestamp":"12:00:00Z"}}`)},
		trackStatus("12:00:05Z"))
	if _, err := j.Wait(t.Context(), jujutest.Not(jujutest.AnyError())); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(statusArgs); n != 2 {
		t.Errorf("%d polls, want 2", n)
	}
}

func TestAddAndRemoveUnitTracked(t *testing.T) {
	t.Parallel()
	j, r, _, _ := waitJuju(t)
	unit0 := agentUnit{"active", "idle", "07 Dec 2026 12:00:01Z"}
	r.Handle(appStatusArgs, trackStatus("12:00:05Z", unit0))
	r.HandleOutput([]string{"add-unit", "--model", "m", "app"}, "")
	if err := j.AddUnit(t.Context(), "app", nil); err != nil {
		t.Fatal(err)
	}
	allocating := agentUnit{"waiting:waiting for machine", "allocating", "07 Dec 2026 12:00:06Z"}
	r.HandleSequence(statusArgs,
		trackStatus("12:00:05Z", unit0),
		trackStatus("12:00:06Z", unit0, allocating),
		trackStatus("12:00:07Z", unit0, agentUnit{"active", "idle", "07 Dec 2026 12:00:07Z"}))
	if _, err := j.Wait(t.Context(), jujutest.Not(jujutest.AnyError())); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(statusArgs); n != 3 {
		t.Errorf("add-unit: %d polls, want 3", n)
	}

	// remove-unit: reached once the unit is gone (or has moved on).
	two := trackStatus("12:00:08Z", unit0, agentUnit{"active", "idle", "07 Dec 2026 12:00:07Z"})
	r.Handle(appStatusArgs, two)
	r.HandleOutput([]string{"remove-unit", "--model", "m", "--no-prompt", "app/1"}, "")
	if err := j.RemoveUnit(t.Context(), []string{"app/1"}, nil); err != nil {
		t.Fatal(err)
	}
	before := r.Count(statusArgs)
	r.HandleSequence(statusArgs, two, two, trackStatus("12:00:09Z", unit0))
	if _, err := j.Wait(t.Context(), jujutest.Not(jujutest.AnyError())); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(statusArgs) - before; n != 3 {
		t.Errorf("remove-unit: %d polls, want 3", n)
	}
}

func TestIntegrateTracksBothApps(t *testing.T) {
	t.Parallel()
	j, r, _, _ := waitJuju(t)
	args := []string{"status", "--model", "m", "app", "db", "--format", "json"}
	r.Handle(args, trackStatus("12:00:05Z", idleBefore))
	r.HandleOutput([]string{"integrate", "--model", "m", "app:database", "db"}, "")
	if err := j.Integrate(t.Context(), "app:database", "db", nil); err != nil {
		t.Fatal(err)
	}
	r.HandleSequence(statusArgs, trackStatus("12:00:05Z", idleBefore), trackStatus("12:00:06Z", idleAfter))
	if _, err := j.Wait(t.Context(), jujutest.AllActive("app")); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(statusArgs); n != 2 {
		t.Errorf("%d polls, want 2", n)
	}
}

func TestUntrackedWhenStatusFails(t *testing.T) {
	t.Parallel()
	j, r, _, logs := trackJuju(t)
	r.Handle(appStatusArgs, cliFail)
	if err := j.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatalf("a failed status read must not fail the change: %v", err)
	}
	if n := j.PendingChanges(); n != 0 {
		t.Errorf("%d pending changes, want 0: there is no state from before to compare with", n)
	}
	if !containsLine(logs.get(), "cannot read status before the change") {
		t.Errorf("no log of the untracked change: %q", logs.get())
	}
}

func TestCopiesShareChangesByModel(t *testing.T) {
	t.Parallel()
	j, r, _, _ := trackJuju(t)
	r.Handle(appStatusArgs, trackStatus("12:00:05Z", idleBefore))
	if err := j.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatal(err)
	}
	cp := *j // a copy on purpose: it shares the change log
	cp.Logf = nil
	if n := cp.PendingChanges(); n != 1 {
		t.Errorf("copy sees %d pending changes, want 1", n)
	}
	cp.Model = "other"
	if n := cp.PendingChanges(); n != 0 {
		t.Errorf("copy on another model sees %d pending changes, want 0", n)
	}
}

func containsLine(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// TestChangeWaitsForRunningHookToEnd is the race issue 11's relation
// scenario hit: the unit is active but still in its start hook when the
// change is made, and the hook ends before the change lands. Its idle
// from before the change must not count as reaching it, so the call
// waits for the hook to end and takes that idle as the baseline.
func TestChangeWaitsForRunningHookToEnd(t *testing.T) {
	t.Parallel()
	j, r, _, _ := trackJuju(t)
	inStart := agentUnit{"active", "executing:running start hook", "07 Dec 2026 12:00:01Z"}
	startDone := agentUnit{"active", "idle", "07 Dec 2026 12:00:02Z"}
	r.HandleSequence(appStatusArgs,
		trackStatus("12:00:05Z", inStart),
		trackStatus("12:00:05Z", startDone))
	if err := j.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(appStatusArgs); n != 2 {
		t.Errorf("%d status reads before the change, want 2 (until the start hook ended)", n)
	}
	r.HandleSequence(statusArgs,
		trackStatus("12:00:05Z", startDone), // the idle from before the change
		trackStatus("12:00:06Z", runningCC),
		trackStatus("12:00:07Z", idleAfter))
	if _, err := j.Wait(t.Context(), jujutest.AllActive("app")); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(statusArgs); n != 3 {
		t.Errorf("%d polls, want 3: the idle from before the change is not the change", n)
	}
}

// TestChangeOnStuckHookIsBounded checks that a hook that never ends
// delays the change by settleWindow only, and says so.
func TestChangeOnStuckHookIsBounded(t *testing.T) {
	t.Parallel()
	j, r, clock, logs := trackJuju(t)
	stuck := agentUnit{"maintenance:installing", "executing:running install hook", "07 Dec 2026 12:00:01Z"}
	r.Handle(appStatusArgs, trackStatus("12:00:05Z", stuck))
	start := clock.Now()
	if err := j.SetConfig(t.Context(), "app", map[string]any{"slug": "new"}); err != nil {
		t.Fatal(err)
	}
	if d := clock.Now().Sub(start); d < 5*time.Second || d > 6*time.Second {
		t.Errorf("a stuck hook delayed the change by %v, want about 5s", d)
	}
	if !slices.ContainsFunc(logs.get(), func(l string) bool {
		return strings.Contains(l, "change tracking: config app: app/0 still runs a hook after 5s")
	}) {
		t.Errorf("no log line about the stuck hook: %q", logs.get())
	}
}
