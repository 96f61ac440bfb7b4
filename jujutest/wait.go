package jujutest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Wait defaults.
const (
	// DefaultWaitDelay is the longest pause between two polls of Wait, and
	// the pause between the polls that confirm a ready status when
	// WithSuccesses asks for more than one.
	DefaultWaitDelay = time.Second
	// DefaultWaitSuccesses is how many consecutive polls the ready
	// condition must hold for. One is enough: change tracking, not
	// repetition, is what keeps Wait from passing on a state from before
	// a change.
	DefaultWaitSuccesses = 1
	// DefaultWaitStatusFailures is how many consecutive "juju status"
	// failures Wait tolerates before it gives up.
	DefaultWaitStatusFailures = 3
)

// Adaptive polling: the first pause is firstPollPause, each next one twice
// the last, up to the time a poll itself takes (so a slow controller is
// polled about once per round trip), but at least minPollCap and at most
// DefaultWaitDelay.
const (
	firstPollPause = 10 * time.Millisecond
	minPollCap     = 50 * time.Millisecond
)

// WaitOption adjusts one Wait call.
type WaitOption func(*waitConfig)

type waitConfig struct {
	timeout     time.Duration
	delay       time.Duration // fixed pause; 0 with delaySet false: adaptive
	delaySet    bool
	successes   int
	failures    int
	errCond     Condition
	statusOpts  StatusOptions
	untracked   bool
	invalidOpts []string
}

// WithTimeout bounds the whole wait. Zero or less means Juju.WaitTimeout,
// or DefaultWaitTimeout if that is zero too.
func WithTimeout(d time.Duration) WaitOption {
	return func(c *waitConfig) { c.timeout = d }
}

// WithDelay sets a fixed pause between polls, as Jubilant's delay does.
// Without it the pace adapts: quick polls at first (10 ms, 20 ms, ...),
// backing off to the time one "juju status" takes, between 50 ms and
// DefaultWaitDelay.
func WithDelay(d time.Duration) WaitOption {
	return func(c *waitConfig) {
		if d < 0 {
			c.invalidOpts = append(c.invalidOpts, fmt.Sprintf("WithDelay(%v): the delay must be >= 0", d))
		}
		c.delay, c.delaySet = d, true
	}
}

// WithSuccesses sets how many consecutive polls the ready condition must
// hold for before Wait returns (default DefaultWaitSuccesses, 1), with
// Jubilant's meaning: the confirming polls are WithDelay apart
// (DefaultWaitDelay when no delay is given), so that the status must stay
// ready for that long.
func WithSuccesses(n int) WaitOption {
	return func(c *waitConfig) {
		if n < 1 {
			c.invalidOpts = append(c.invalidOpts, fmt.Sprintf("WithSuccesses(%d): the count must be >= 1", n))
		}
		c.successes = n
	}
}

// WithError makes Wait fail with a *WaitError as soon as cond holds. It is
// checked on every poll before the ready condition. AnyError() is the
// usual choice.
func WithError(cond Condition) WaitOption {
	return func(c *waitConfig) { c.errCond = cond }
}

// WithoutChangeTracking makes this Wait return on the ready condition
// alone, even when changes made through the Juju have not yet been seen to
// reach their units, for a test that waits on something else than its own
// changes. The changes stay pending for later waits.
func WithoutChangeTracking() WaitOption {
	return func(c *waitConfig) { c.untracked = true }
}

// WithStatusFailures sets how many consecutive "juju status" failures Wait
// tolerates before it returns the error (default
// DefaultWaitStatusFailures; 1 gives up on the first failure).
func WithStatusFailures(n int) WaitOption {
	return func(c *waitConfig) {
		if n < 1 {
			c.invalidOpts = append(c.invalidOpts, fmt.Sprintf("WithStatusFailures(%d): the count must be >= 1", n))
		}
		c.failures = n
	}
}

// WithStatusApps polls "juju status <apps...>" instead of the whole
// model, so that a Wait on some applications survives another part of the
// model making "juju status" fail, and polls less data on large models.
func WithStatusApps(apps ...string) WaitOption {
	return func(c *waitConfig) { c.statusOpts.Apps = slices.Clone(apps) }
}

// WaitError is returned by Wait when its error condition held.
type WaitError struct {
	// Status is the status on which the error condition held.
	Status *Status
	// Elapsed is the time from the start of the wait.
	Elapsed time.Duration
	// Polls is the number of status polls made.
	Polls int
}

// Error names every application and unit in error (or failed) with its
// status and message; when there is none, it summarizes the whole status.
func (e *WaitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wait: error condition met after %s (%d polls)", round(e.Elapsed), e.Polls)
	bad := errorEntities(e.Status)
	if len(bad) == 0 {
		b.WriteString("; status:\n")
		b.WriteString(Summary(e.Status))
		return b.String()
	}
	b.WriteString(": ")
	b.WriteString(strings.Join(bad, "; "))
	return b.String()
}

// errorEntities lists the apps and units whose status is error or failed.
func errorEntities(s *Status) []string {
	if s == nil {
		return nil
	}
	isBad := func(si StatusInfo) bool { return si.Current == StatusError || si.Current == StatusFailed }
	var out []string
	for _, name := range slices.Sorted(maps.Keys(s.Apps)) {
		a := s.Apps[name]
		if isBad(a.AppStatus) {
			out = append(out, fmt.Sprintf("app %s is %s", name, a.AppStatus))
		}
		units := s.Units(name)
		for _, un := range sortedUnitNames(units) {
			if u := units[un]; isBad(u.WorkloadStatus) {
				out = append(out, fmt.Sprintf("unit %s is %s", un, u.WorkloadStatus))
			}
		}
	}
	return out
}

// TimeoutError is returned by Wait when its timeout, or the deadline of its
// context, passed before the ready condition held. It matches
// context.DeadlineExceeded with errors.Is.
type TimeoutError struct {
	// Limit is the wait's timeout, or the time that was left to the
	// context's deadline when the wait started, if that was shorter.
	Limit time.Duration
	// Elapsed is the time from the start of the wait.
	Elapsed time.Duration
	// Polls is the number of status polls made.
	Polls int
	// Status is the last status read, nil if none could be read.
	Status *Status
	// LastErr is the error of the last poll, if it failed.
	LastErr error
	// Awaiting says which tracked changes had not yet been seen to reach
	// their units, if any.
	Awaiting string
}

// Error says how long Wait waited and summarizes the last status.
func (e *TimeoutError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wait: timed out after %s (timeout %s, %d polls)", round(e.Elapsed), e.Limit, e.Polls)
	if e.LastErr != nil {
		fmt.Fprintf(&b, "; last poll failed: %v", e.LastErr)
	}
	if e.Awaiting != "" {
		fmt.Fprintf(&b, "; tracked changes not yet seen on their units: %s", e.Awaiting)
	}
	if e.Status != nil {
		b.WriteString("; last status:\n")
		b.WriteString(Summary(e.Status))
	}
	return b.String()
}

// Unwrap returns context.DeadlineExceeded.
func (e *TimeoutError) Unwrap() error { return context.DeadlineExceeded }

// Timeout reports true, like net.Error.
func (e *TimeoutError) Timeout() bool { return true }

// Wait polls "juju status" until ready holds, and returns the last status.
//
// Change tracking: Wait also waits until every change made through j (or a
// copy of it) on its model, by Deploy, AddUnit, RemoveUnit,
// RemoveApplication, SetConfig, ResetConfig, TempConfig, Trust, Refresh,
// Integrate and RemoveRelation, has been seen to reach the units it
// concerns, so that it cannot return on the status from before the change
// (the stale "active" a Wait right after "juju config" would otherwise
// see). Each such call reads the status just before it changes the model;
// a unit has reached the change once its agent status has moved on from
// that state (see changes.go for the exact rule and why it is safe against
// clock skew). A config change that leaves the values as they were fires
// no hook in Juju and holds nothing back. WithoutChangeTracking turns this
// off for one Wait, Juju.DisableChangeTracking for every call.
//
// Pace: the first poll is immediate; then the pauses grow from 10 ms to
// the time a "juju status" takes (at least 50 ms, at most
// DefaultWaitDelay), so Wait returns within a poll or two of the model
// settling. WithDelay fixes the pause instead, and WithSuccesses(n) with
// n > 1 needs the ready condition on n consecutive polls, the confirming
// ones WithDelay (default DefaultWaitDelay) apart: Jubilant's meaning.
//
// On each poll the error condition (WithError), if any, is checked first:
// when it holds, Wait returns a *WaitError. When the timeout (WithTimeout,
// Juju.WaitTimeout or DefaultWaitTimeout) passes first, or ctx's deadline
// does, Wait returns a *TimeoutError with the last status. When ctx is
// canceled, it returns promptly with an error wrapping ctx.Err(). A failed
// "juju status" is retried on the next poll (and breaks a run of
// successes); only WithStatusFailures consecutive failures end the wait,
// with the last error. Each poll is bounded by the wait's timeout, so a
// hung CLI cannot outlast it.
//
// Wait logs through Logf the changes it sees (an application or unit that
// appears, disappears or changes its status or message) and each tracked
// change it sees reach its units, not every poll; and how long it waited
// and how many polls it made, however it ends.
func (j *Juju) Wait(ctx context.Context, ready Condition, opts ...WaitOption) (*Status, error) {
	cfg := waitConfig{
		timeout:   j.WaitTimeout,
		successes: DefaultWaitSuccesses,
		failures:  DefaultWaitStatusFailures,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.timeout <= 0 {
		cfg.timeout = j.WaitTimeout
	}
	if cfg.timeout <= 0 {
		cfg.timeout = DefaultWaitTimeout
	}
	if ready == nil {
		cfg.invalidOpts = append(cfg.invalidOpts, "the ready condition is nil")
	}
	if len(cfg.invalidOpts) > 0 {
		return nil, fmt.Errorf("wait: %s", strings.Join(cfg.invalidOpts, "; "))
	}
	tracked := !cfg.untracked && j.tracking()
	changes := j.changes()

	clock := j.clock()
	start := clock.Now()
	// Bound the status calls too, so that a hung "juju status" cannot
	// outlive the wait. The fake clocks of tests do not reach this deadline.
	pollCtx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	var (
		last     *Status
		lastErr  error
		polls    int
		ok       int
		failures int
		awaiting string // what tracked changes await, as last logged
		pause    = firstPollPause
	)
	elapsed := func() time.Duration { return round(clock.Now().Sub(start)) }
	// The limit reported on timeout: the wait's timeout, or the time left
	// to ctx's deadline if that is shorter.
	limit := cfg.timeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < limit {
		limit = time.Until(d).Round(time.Millisecond)
	}
	timeout := func() error {
		j.logf("wait: timed out after %s (%d polls)", elapsed(), polls)
		if awaiting != "" {
			j.logf("wait: tracked changes not yet seen on their units: %s", awaiting)
		}
		return &TimeoutError{Limit: limit, Elapsed: clock.Now().Sub(start), Polls: polls, Status: last, LastErr: lastErr, Awaiting: awaiting}
	}
	canceled := func() error {
		j.logf("wait: canceled after %s (%d polls)", elapsed(), polls)
		return fmt.Errorf("wait: %w (after %s, %d polls)", ctx.Err(), elapsed(), polls)
	}
	for {
		if clock.Now().Sub(start) >= cfg.timeout {
			return last, timeout()
		}
		pollStart := clock.Now()
		st, err := j.status(pollCtx, cfg.statusOpts, true)
		pollTime := clock.Now().Sub(pollStart)
		polls++
		if err != nil {
			switch {
			case errors.Is(ctx.Err(), context.Canceled):
				return last, canceled()
			case pollCtx.Err() != nil:
				lastErr = err
				return last, timeout()
			}
			failures++
			lastErr = err
			if failures >= cfg.failures {
				j.logf("wait: gave up after %s (%d polls): juju status failed %d times in a row", elapsed(), polls, failures)
				return last, fmt.Errorf("wait: juju status failed %d times in a row: %w", failures, err)
			}
			j.logf("wait: +%s juju status failed (%d of %d tolerated): %v", elapsed(), failures, cfg.failures-1, err)
			ok = 0
		} else {
			failures, lastErr = 0, nil
			if j.Logf != nil {
				logTransitions(j.Logf, elapsed(), last, st)
			}
			last = st
			pendingLeft := false
			if tracked {
				waiting := changes.observe(j.Model, st, func(c *change) {
					j.logf("wait: +%s %s: reached its units", elapsed(), c.what)
				})
				pendingLeft = len(waiting) > 0
				if now := strings.Join(waiting, "; "); now != awaiting {
					if now != "" {
						j.logf("wait: +%s waiting for tracked changes: %s", elapsed(), now)
					}
					awaiting = now
				}
			}
			if cfg.errCond != nil && cfg.errCond(st) {
				j.logf("wait: error condition met after %s (%d polls)", elapsed(), polls)
				return st, &WaitError{Status: st, Elapsed: clock.Now().Sub(start), Polls: polls}
			}
			if ready(st) && !pendingLeft {
				ok++
				if ok >= cfg.successes {
					j.logf("wait: ready after %s (%d polls)", elapsed(), polls)
					return st, nil
				}
			} else {
				ok = 0
			}
		}
		var d time.Duration
		switch {
		case cfg.delaySet:
			d = cfg.delay
		case ok > 0:
			d = DefaultWaitDelay // confirming polls keep Jubilant's pace
		default:
			d = pause
			pause = min(2*pause, max(minPollCap, min(pollTime, DefaultWaitDelay)))
		}
		if err := clock.Sleep(pollCtx, d); err != nil {
			if errors.Is(ctx.Err(), context.Canceled) {
				return last, canceled()
			}
			return last, timeout()
		}
	}
}

// round shortens a duration for messages.
func round(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// entityState is what transition logs compare: a status and its message.
type entityState struct{ current, message string }

func (e entityState) String() string {
	if e.message == "" {
		return e.current
	}
	return e.current + " (" + e.message + ")"
}

// entityStates returns the workload state of every app and unit, in the
// order they are logged: apps sorted, each followed by its units sorted.
func entityStates(s *Status) (names []string, states map[string]entityState) {
	states = map[string]entityState{}
	if s == nil {
		return nil, states
	}
	for _, app := range slices.Sorted(maps.Keys(s.Apps)) {
		a := s.Apps[app]
		names = append(names, app)
		states[app] = entityState{a.AppStatus.Current, a.AppStatus.Message}
		units := s.Units(app)
		for _, un := range sortedUnitNames(units) {
			u := units[un]
			names = append(names, un)
			states[un] = entityState{u.WorkloadStatus.Current, u.WorkloadStatus.Message}
		}
	}
	return names, states
}

// logTransitions logs each app or unit that appeared, changed its workload
// status or message, or disappeared between prev and cur.
func logTransitions(logf func(string, ...any), elapsed time.Duration, prev, cur *Status) {
	_, before := entityStates(prev)
	names, after := entityStates(cur)
	for _, name := range names {
		now := after[name]
		was, seen := before[name]
		switch {
		case !seen:
			logf("wait: +%s %s: %s", elapsed, name, now)
		case was != now:
			logf("wait: +%s %s: %s -> %s", elapsed, name, was, now)
		}
	}
	var gone []string
	for name := range before {
		if _, ok := after[name]; !ok {
			gone = append(gone, name)
		}
	}
	slices.SortFunc(gone, compareUnitNames)
	for _, name := range gone {
		logf("wait: +%s %s: gone", elapsed, name)
	}
}

// sortedUnitNames returns unit names in numeric order: app/2 before app/10.
func sortedUnitNames(units map[string]UnitStatus) []string {
	names := slices.Collect(maps.Keys(units))
	slices.SortFunc(names, compareUnitNames)
	return names
}

func compareUnitNames(a, b string) int {
	aApp, aNum, aOK := splitUnit(a)
	bApp, bNum, bOK := splitUnit(b)
	if aOK && bOK && aApp == bApp {
		return cmp.Compare(aNum, bNum)
	}
	return strings.Compare(a, b)
}

func splitUnit(name string) (app string, num int, ok bool) {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return "", 0, false
	}
	n := 0
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return "", 0, false
		}
		n = n*10 + int(c-'0')
	}
	return name[:i], n, i+1 < len(name)
}

// maxSummaryUnits caps the units listed per application in a Summary.
const maxSummaryUnits = 50

// Summary returns a compact, multi-line description of s: the model, then
// each application with its status and each of its units (subordinates
// included) with workload and agent status, up to 50 units per
// application. Error messages of Wait use it.
func Summary(s *Status) string {
	if s == nil {
		return "<no status>"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "model %s", cmp.Or(s.Model.Name, "?"))
	if s.Model.Type != "" {
		fmt.Fprintf(&b, " (%s)", s.Model.Type)
	}
	if s.Model.ModelStatus.Current != "" {
		fmt.Fprintf(&b, ": %s", s.Model.ModelStatus)
	}
	if len(s.Apps) == 0 {
		b.WriteString("\n  no applications")
	}
	for _, name := range slices.Sorted(maps.Keys(s.Apps)) {
		a := s.Apps[name]
		units := s.Units(name)
		fmt.Fprintf(&b, "\n  app %s: %s", name, cmp.Or(a.AppStatus.String(), "no status"))
		names := sortedUnitNames(units)
		for i, un := range names {
			if i == maxSummaryUnits {
				fmt.Fprintf(&b, "\n    ... %d more units", len(names)-i)
				break
			}
			u := units[un]
			fmt.Fprintf(&b, "\n    %s: workload %s, agent %s", un,
				cmp.Or(u.WorkloadStatus.String(), "unknown"), cmp.Or(u.JujuStatus.String(), "unknown"))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(s.Machines)) {
		if m := s.Machines[id]; m.JujuStatus.Current != "started" {
			fmt.Fprintf(&b, "\n  machine %s: %s, %s", id, cmp.Or(m.JujuStatus.String(), "unknown"), cmp.Or(m.MachineStatus.String(), "unknown"))
		}
	}
	return b.String()
}
