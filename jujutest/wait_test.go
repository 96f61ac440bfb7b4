package jujutest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/jujutesttest"
)

var statusArgs = []string{"status", "--model", "m", "--format", "json"}

// statusDoc returns a status JSON with app "app" in state app, and units
// "app/N" in the given workload states (agent idle).
func statusDoc(app string, units ...string) jujutest.Result {
	var us []string
	for i, u := range units {
		cur, msg, _ := strings.Cut(u, ":")
		us = append(us, fmt.Sprintf(`"app/%d":{"workload-status":{"current":%q,"message":%q},"juju-status":{"current":"idle"}}`, i, cur, msg))
	}
	cur, msg, _ := strings.Cut(app, ":")
	doc := fmt.Sprintf(`{"model":{"name":"m","type":"iaas"},"machines":{},"applications":{"app":{"charm":"app",`+
		`"application-status":{"current":%q,"message":%q},"units":{%s}}},"controller":{"timestamp":"12:00:00Z"}}`,
		cur, msg, strings.Join(us, ","))
	return jujutest.Result{Stdout: []byte(doc)}
}

var (
	active  = statusDoc("active", "active")
	waiting = statusDoc("waiting:installing", "waiting:installing")
	failing = statusDoc(`error:hook failed: "install"`, `error:hook failed: "install"`, "active")
	cliFail = jujutest.Result{Stderr: []byte("ERROR connection is shut down\n"), ExitCode: 1}
)

// logLines collects Logf lines.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logLines) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// waitJuju returns a Juju on model "m" with a fake runner and clock.
func waitJuju(t *testing.T) (*jujutest.Juju, *jujutesttest.Runner, *jujutesttest.Clock, *logLines) {
	r := jujutesttest.NewRunner(t)
	clock := jujutesttest.NewClock()
	logs := &logLines{}
	return &jujutest.Juju{Model: "m", Runner: r, Clock: clock, Logf: logs.logf}, r, clock, logs
}

func TestWaitReturnsOnFirstReadyPoll(t *testing.T) {
	t.Parallel()
	j, r, clock, _ := waitJuju(t)
	r.HandleSequence(statusArgs, waiting, waiting, active)
	st, err := j.Wait(t.Context(), jujutest.AllActive())
	if err != nil {
		t.Fatal(err)
	}
	if !jujutest.AllActive()(st) {
		t.Errorf("returned status is not active:\n%s", st)
	}
	// No change was made through j: the first active poll is enough.
	if n := r.Count(statusArgs); n != 3 {
		t.Errorf("%d polls, want 3", n)
	}
	if got := clock.Sleeps(); !slices.Equal(got, []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}) {
		t.Errorf("sleeps = %v, want the quick first pauses 10ms, 20ms", got)
	}
	for _, c := range r.Calls() {
		if c.Deadline.IsZero() {
			t.Error("status poll without a deadline")
		}
	}
}

func TestWaitSuccessesReset(t *testing.T) {
	t.Parallel()
	j, r, _, _ := waitJuju(t)
	r.HandleSequence(statusArgs, active, waiting, active, waiting, active, active, waiting)
	if _, err := j.Wait(t.Context(), jujutest.AllActive(), jujutest.WithSuccesses(2), jujutest.WithDelay(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	// A W A W A A: two in a row at poll 6.
	if n := r.Count(statusArgs); n != 6 {
		t.Errorf("%d polls, want 6", n)
	}
}

func TestWaitPollPace(t *testing.T) {
	t.Parallel()
	// Without WithDelay the pauses double from 10ms up to the time a poll
	// takes, at least 50ms and at most DefaultWaitDelay.
	for _, tc := range []struct {
		pollTime time.Duration
		want     []time.Duration
	}{
		{0, []time.Duration{10, 20, 40, 50, 50, 50}},
		{300 * time.Millisecond, []time.Duration{10, 20, 40, 80, 160, 300, 300}},
		{5 * time.Second, []time.Duration{10, 20, 40, 80, 160, 320, 640, 1000, 1000}},
	} {
		j, r, clock, _ := waitJuju(t)
		n := 0
		r.HandleFunc(statusArgs, func(context.Context, jujutest.Command) (jujutest.Result, error) {
			clock.Advance(tc.pollTime)
			n++
			if n > len(tc.want) {
				return active, nil
			}
			return waiting, nil
		})
		if _, err := j.Wait(t.Context(), jujutest.AllActive(), jujutest.WithTimeout(time.Hour)); err != nil {
			t.Fatal(err)
		}
		var want []time.Duration
		for _, ms := range tc.want {
			want = append(want, ms*time.Millisecond)
		}
		if got := clock.Sleeps(); !slices.Equal(got, want) {
			t.Errorf("polls taking %v: sleeps = %v, want %v", tc.pollTime, got, want)
		}
	}
	// WithSuccesses(3) alone: confirming polls DefaultWaitDelay apart.
	j, r, clock, _ := waitJuju(t)
	r.HandleSequence(statusArgs, waiting, active)
	if _, err := j.Wait(t.Context(), jujutest.AllActive(), jujutest.WithSuccesses(3)); err != nil {
		t.Fatal(err)
	}
	if got, want := clock.Sleeps(), []time.Duration{10 * time.Millisecond, time.Second, time.Second}; !slices.Equal(got, want) {
		t.Errorf("WithSuccesses(3): sleeps = %v, want %v", got, want)
	}
}

func TestWaitDefaultTimeout(t *testing.T) {
	t.Parallel()
	j, r, clock, _ := waitJuju(t)
	r.HandleSequence(statusArgs, waiting)
	start := clock.Now()
	st, err := j.Wait(t.Context(), jujutest.AllActive())
	var te *jujutest.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v, want a *TimeoutError", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("TimeoutError should match context.DeadlineExceeded")
	}
	// 3 minutes: pauses of 10, 20, 40ms, then 50ms (polls take no time
	// on the fake clock): polls at 0, 10, 30ms, then every 50ms from 70ms.
	if n := r.Count(statusArgs); n != 3602 || te.Polls != 3602 {
		t.Errorf("%d polls (error says %d), want 3602", n, te.Polls)
	}
	if got := clock.Now().Sub(start); got < 3*time.Minute || got > 3*time.Minute+50*time.Millisecond {
		t.Errorf("fake time passed = %v, want 3m", got)
	}
	if st == nil || te.Status == nil || !st.Equal(te.Status) {
		t.Error("Wait should return the last status with the timeout")
	}
	msg := err.Error()
	for _, want := range []string{"timed out after 3m0s", "3602 polls", "app app: waiting (installing)", "app/0: workload waiting (installing), agent idle"} {
		if !strings.Contains(msg, want) {
			t.Errorf("timeout message lacks %q:\n%s", want, msg)
		}
	}
}

func TestWaitTimeoutOptions(t *testing.T) {
	t.Parallel()
	j, r, _, _ := waitJuju(t)
	j.WaitTimeout = 10 * time.Second
	r.HandleSequence(statusArgs, waiting)
	if _, err := j.Wait(t.Context(), jujutest.AllActive()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v", err)
	}
	if n := r.Count(statusArgs); n != 202 {
		t.Errorf("Juju.WaitTimeout 10s: %d polls, want 202", n)
	}
	j2, r2, _, _ := waitJuju(t)
	r2.HandleSequence(statusArgs, waiting)
	_, err := j2.Wait(t.Context(), jujutest.AllActive(), jujutest.WithTimeout(time.Minute), jujutest.WithDelay(10*time.Second))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v", err)
	}
	if n := r2.Count(statusArgs); n != 6 {
		t.Errorf("WithTimeout 1m, WithDelay 10s: %d polls, want 6", n)
	}
}

func TestWaitErrorBeforeReady(t *testing.T) {
	t.Parallel()
	j, r, _, _ := waitJuju(t)
	r.HandleSequence(statusArgs, waiting, failing)
	// The ready condition also holds on the failing status: error wins.
	st, err := j.Wait(t.Context(), jujutest.Or(jujutest.AnyActive(), jujutest.AnyError()), jujutest.WithError(jujutest.AnyError()))
	var we *jujutest.WaitError
	if !errors.As(err, &we) {
		t.Fatalf("error = %v, want a *WaitError", err)
	}
	if r.Count(statusArgs) != 2 || we.Polls != 2 || st == nil || we.Status != st {
		t.Errorf("polls = %d (error says %d); status returned: %v", r.Count(statusArgs), we.Polls, st != nil)
	}
	msg := err.Error()
	for _, want := range []string{`app app is error (hook failed: "install")`, `unit app/0 is error (hook failed: "install")`} {
		if !strings.Contains(msg, want) {
			t.Errorf("WaitError message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "app/1") {
		t.Errorf("WaitError names a unit not in error:\n%s", msg)
	}
}

func TestWaitErrorWithoutErrorEntities(t *testing.T) {
	t.Parallel()
	j, r, _, _ := waitJuju(t)
	r.HandleSequence(statusArgs, waiting)
	_, err := j.Wait(t.Context(), jujutest.AllActive(), jujutest.WithError(jujutest.AnyWaiting()))
	if err == nil || !strings.Contains(err.Error(), "app/0: workload waiting (installing)") {
		t.Errorf("error = %v, want a summary of the status", err)
	}
}

func TestWaitRetriesTransientStatusFailure(t *testing.T) {
	t.Parallel()
	j, r, _, logs := waitJuju(t)
	r.HandleSequence(statusArgs, cliFail, cliFail, active)
	if _, err := j.Wait(t.Context(), jujutest.AllActive()); err != nil {
		t.Fatalf("two failures then success: %v", err)
	}
	if n := r.Count(statusArgs); n != 3 {
		t.Errorf("%d polls, want 3", n)
	}
	if !slices.ContainsFunc(logs.get(), func(l string) bool { return strings.Contains(l, "juju status failed (1 of 2 tolerated)") }) {
		t.Errorf("no log of the failure: %q", logs.get())
	}
}

func TestWaitGivesUpAfterConsecutiveFailures(t *testing.T) {
	t.Parallel()
	j, r, _, _ := waitJuju(t)
	// Failures separated by a success do not add up.
	r.HandleSequence(statusArgs, cliFail, cliFail, waiting, cliFail, cliFail, cliFail, active)
	_, err := j.Wait(t.Context(), jujutest.AllActive())
	var cliErr *jujutest.CLIError
	if !errors.As(err, &cliErr) || !strings.Contains(err.Error(), "failed 3 times in a row") {
		t.Fatalf("error = %v, want the CLIError after 3 failures", err)
	}
	if n := r.Count(statusArgs); n != 6 {
		t.Errorf("%d polls, want 6", n)
	}
	j2, r2, _, _ := waitJuju(t)
	r2.HandleSequence(statusArgs, cliFail, active)
	if _, err := j2.Wait(t.Context(), jujutest.AllActive(), jujutest.WithStatusFailures(1)); !errors.As(err, &cliErr) {
		t.Errorf("WithStatusFailures(1): error = %v, want the first failure", err)
	}
}

func TestWaitCanceled(t *testing.T) {
	t.Parallel()
	j, r, _, _ := waitJuju(t)
	ctx, cancel := context.WithCancel(t.Context())
	r.HandleFunc(statusArgs, func(ctx context.Context, cmd jujutest.Command) (jujutest.Result, error) {
		cancel() // the test gives up while a poll runs
		return waiting, nil
	})
	_, err := j.Wait(ctx, jujutest.AllActive())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if n := r.Count(statusArgs); n != 1 {
		t.Errorf("%d polls after cancel, want 1", n)
	}
}

func TestWaitCanceledDuringHungStatus(t *testing.T) {
	t.Parallel()
	j, r, _, _ := waitJuju(t)
	ctx, cancel := context.WithCancel(t.Context())
	r.HandleFunc(statusArgs, func(ctx context.Context, cmd jujutest.Command) (jujutest.Result, error) {
		cancel()
		<-ctx.Done() // a hung CLI, killed on cancel
		return jujutest.Result{ExitCode: -1}, ctx.Err()
	})
	if _, err := j.Wait(ctx, jujutest.AllActive()); !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func TestWaitRealClockHungStatusTimesOut(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.HandleFunc(statusArgs, func(ctx context.Context, cmd jujutest.Command) (jujutest.Result, error) {
		<-ctx.Done()
		return jujutest.Result{ExitCode: -1}, ctx.Err()
	})
	j := &jujutest.Juju{Model: "m", Runner: r}
	start := time.Now()
	_, err := j.Wait(t.Context(), jujutest.AllActive(), jujutest.WithTimeout(200*time.Millisecond))
	var te *jujutest.TimeoutError
	if !errors.As(err, &te) || te.LastErr == nil {
		t.Fatalf("error = %v, want a *TimeoutError with the poll's error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Wait took %v with a 200ms timeout", d)
	}
}

func TestWaitLogsTransitions(t *testing.T) {
	t.Parallel()
	j, r, _, logs := waitJuju(t)
	r.HandleSequence(statusArgs,
		statusDoc("waiting:installing", "waiting:installing"),
		statusDoc("waiting:installing", "waiting:installing"),
		statusDoc("active", "active", "maintenance"),
		statusDoc("active", "active"),
	)
	if _, err := j.Wait(t.Context(), jujutest.AllActive()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"wait: +0s app: waiting (installing)",
		"wait: +0s app/0: waiting (installing)",
		"wait: +30ms app: waiting (installing) -> active",
		"wait: +30ms app/0: waiting (installing) -> active",
		"wait: +30ms app/1: maintenance",
		"wait: +70ms app/1: gone",
		"wait: ready after 70ms (4 polls)",
	}
	if got := logs.get(); !slices.Equal(got, want) {
		t.Errorf("logs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestWaitStatusApps(t *testing.T) {
	t.Parallel()
	j, r, _, _ := waitJuju(t)
	r.HandleSequence([]string{"status", "--model", "m", "app", "--format", "json"}, active)
	if _, err := j.Wait(t.Context(), jujutest.AllActive("app"), jujutest.WithStatusApps("app"), jujutest.WithSuccesses(1)); err != nil {
		t.Fatal(err)
	}
}

func TestWaitBadOptions(t *testing.T) {
	t.Parallel()
	j, _, _, _ := waitJuju(t)
	_, err := j.Wait(t.Context(), nil, jujutest.WithSuccesses(0), jujutest.WithDelay(-time.Second), jujutest.WithStatusFailures(0))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"WithSuccesses(0)", "WithDelay(-1s)", "WithStatusFailures(0)", "ready condition is nil"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestWaitContextDeadlineIsTimeout(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.HandleSequence(statusArgs, waiting)
	j := &jujutest.Juju{Model: "m", Runner: r}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := j.Wait(ctx, jujutest.AllActive(), jujutest.WithDelay(20*time.Millisecond))
	var te *jujutest.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v, want a *TimeoutError", err)
	}
	if te.Limit > 200*time.Millisecond || te.Status == nil || te.Polls < 2 {
		t.Errorf("TimeoutError = %+v, want the context's limit, the last status and several polls", te)
	}
}
