package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/juju/charm/v12"

	"github.com/canonical/jujutest/internal/hookrun"
	"github.com/canonical/jujutest/internal/local/model"
	"github.com/canonical/jujutest/internal/local/state"
	"github.com/canonical/jujutest/internal/logline"
)

// opKind is what a unit does next.
type opKind int

const (
	opNone opKind = iota
	opHook
	opTask
	opDelete // remove the unit from the state without more hooks
)

// op is the next operation of a unit.
type op struct {
	kind opKind
	hook string
	// rel is the relation hook, when hook is one.
	rel  *model.RelationHook
	task *state.Task
	// wait is how long to sleep when kind is opNone (0 = until woken).
	wait time.Duration
}

// charmInfo is what the agent reads from a stored charm archive once.
type charmInfo struct {
	archive *charm.CharmArchive
	config  *charm.Config
}

// charmFor returns the (cached) charm of an application.
func (a *Agent) charmFor(app *state.Application) (*charmInfo, error) {
	a.mu.Lock()
	ci := a.charms[app.Archive]
	a.mu.Unlock()
	if ci != nil {
		return ci, nil
	}
	ch, err := charm.ReadCharmArchive(app.Archive)
	if err != nil {
		return nil, err
	}
	ci = &charmInfo{archive: ch, config: ch.Config()}
	a.mu.Lock()
	a.charms[app.Archive] = ci
	a.mu.Unlock()
	return ci, nil
}

// configSettings returns the application's effective charm settings:
// every option, defaults applied, values typed by option type.
func configSettings(app *state.Application, cfg *charm.Config) map[string]any {
	out := make(map[string]any, len(cfg.Options))
	for name, opt := range cfg.Options {
		out[name] = opt.Default
		if v := state.ConfigValue(opt.Type, app.Config[name]); v != nil {
			out[name] = v
		}
	}
	return out
}

// configHash hashes what makes Juju fire config-changed: the settings, the
// trust setting and the unit's addresses.
func configHash(app *state.Application, cfg *charm.Config, address string) string {
	data, _ := json.Marshal(struct {
		S map[string]any
		T bool
		A string
	}{configSettings(app, cfg), app.Trust, address})
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// unitWorker is the uniter of one unit.
type unitWorker struct {
	a      *Agent
	name   string
	wakeCh chan struct{}
	// nextUpdateStatus is when update-status is due next (jittered).
	nextUpdateStatus time.Time
	initialised      bool
	// initFailures counts failed initialisations in a row, for backoff.
	initFailures int
}

func newUnitWorker(a *Agent, name string) *unitWorker {
	return &unitWorker{a: a, name: name, wakeCh: make(chan struct{}, 1)}
}

// wake makes the worker look at the state again.
func (w *unitWorker) wake() {
	select {
	case w.wakeCh <- struct{}{}:
	default:
	}
}

// run is the worker's loop: decide, act, wait.
func (w *unitWorker) run() {
	ctx := w.a.workerContext()
	for {
		if ctx.Err() != nil {
			return
		}
		m := w.a.model()
		if m == nil {
			return
		}
		app, u := m.Unit(w.name)
		if u == nil {
			return
		}
		if w.a.machine(u.Machine) == nil {
			// The unit's machine is not provisioned (yet): only removal
			// proceeds.
			if u.Life == state.Dying || m.Life == state.Dying {
				w.deleteUnit(ctx)
				return
			}
			w.sleep(ctx, 0)
			continue
		}
		if !m.AllowHost && !m.IsLXD() {
			// Hooks do not run without the opt-in: only removal proceeds.
			if u.Life == state.Dying || m.Life == state.Dying {
				w.deleteUnit(ctx)
				return
			}
			w.sleep(ctx, 0)
			continue
		}
		if !w.initialised {
			if err := w.initialise(ctx, app, u); err != nil {
				w.initFailed(ctx, err)
				continue
			}
			w.initialised, w.initFailures = true, 0
			continue
		}
		next := w.nextOp(m, app, u, time.Now())
		switch next.kind {
		case opNone:
			w.sleep(ctx, next.wait)
		case opDelete:
			w.deleteUnit(ctx)
			return
		case opHook:
			w.runHook(ctx, next.hook, next.rel)
		case opTask:
			w.runTask(ctx, next.task)
		}
	}
}

// workerContext is the context workers run in: cancelled when the agent
// stops.
func (a *Agent) workerContext() context.Context {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ctx
}

// sleep waits until woken, ctx is done, or d passes (d = 0: no timeout).
func (w *unitWorker) sleep(ctx context.Context, d time.Duration) {
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
	case <-w.wakeCh:
	case <-timer:
	}
}

// initialise prepares the unit's directory and charm, and sets the
// "agent initialising" status, as the uniter does when it starts.
func (w *unitWorker) initialise(ctx context.Context, app *state.Application, u *state.Unit) error {
	if u.Life != state.Alive || u.Installed {
		return nil
	}
	ci, err := w.a.charmFor(app)
	if err != nil {
		return err
	}
	mc := w.a.machine(u.Machine)
	if _, err := mc.Stat(ctx, path.Join(mc.CharmDir(w.name), "metadata.yaml")); err != nil {
		if _, err := mc.InstallCharm(ctx, w.name, ci.archive); err != nil {
			return fmt.Errorf("expanding charm: %w", err)
		}
	}
	now := time.Now()
	return w.a.update(ctx, func(m *state.Model) error {
		_, u := m.Unit(w.name)
		if u == nil {
			return nil
		}
		if !u.CharmSetStatus {
			u.Workload = state.NewStatus("waiting", "agent initialising", now)
		}
		return nil
	})
}

// maxInitBackoff bounds the pause between retries of a failed
// initialisation.
const maxInitBackoff = 30 * time.Second

// initFailed reports a failed initialisation as Juju's uniter does (agent
// status failed, the reason in debug-log) and waits before the retry:
// 1 s, 2 s, 4 s... up to maxInitBackoff, or until the state changes.
func (w *unitWorker) initFailed(ctx context.Context, err error) {
	w.initFailures++
	msg := fmt.Sprintf("failed to initialize uniter for %q: %v", "unit-"+strings.ReplaceAll(w.name, "/", "-"), err)
	w.a.cfg.Logf("unit %s: %s", w.name, msg)
	w.a.log(logline.UnitEntity(w.name), "ERROR", "juju.worker.uniter", msg+"; retrying")
	now := time.Now()
	_ = w.a.update(ctx, func(m *state.Model) error {
		if _, u := m.Unit(w.name); u != nil {
			u.Agent = state.NewStatus("failed", msg, now)
		}
		return nil
	})
	backoff := time.Second << min(w.initFailures-1, 5)
	w.sleep(ctx, min(backoff, maxInitBackoff))
}

// nextOp decides what the unit does next, following Juju's uniter.
func (w *unitWorker) nextOp(m *state.Model, app *state.Application, u *state.Unit, now time.Time) op {
	dying := u.Life == state.Dying || m.Life == state.Dying
	forceGone := (u.Force || m.DestroyForce) && !m.DestroyDeadline.IsZero() && now.After(m.DestroyDeadline)
	if dying {
		switch {
		case forceGone:
			return op{kind: opDelete}
		case u.HookError != "":
			if u.Force || m.DestroyForce || app.Force {
				return op{kind: opDelete}
			}
			return op{kind: opNone}
		}
		// A dying unit leaves its relations first.
		if h := model.NextRelationHook(m, app, u); h != nil {
			return relationOp(h)
		}
		switch {
		case u.Started && !u.Stopped:
			return op{kind: opHook, hook: "stop"}
		case u.Installed:
			return op{kind: opHook, hook: "remove"}
		default:
			return op{kind: opDelete}
		}
	}
	if t := w.pendingTask(m); t != nil && u.Installed {
		return op{kind: opTask, task: t}
	}
	if u.HookError != "" {
		return op{kind: opNone}
	}
	if !u.Installed {
		return op{kind: opHook, hook: "install"}
	}
	if h := model.NextCreatedHook(m, app, u); h != nil {
		return relationOp(h)
	}
	if !u.LeaderElected {
		if app.Leader == u.Name {
			return op{kind: opHook, hook: "leader-elected"}
		}
		return op{kind: opHook, hook: "leader-settings-changed"}
	}
	if app.Leader != u.Name && u.LeaderSettingsSeen != app.LeaderSettings.Version {
		return op{kind: opHook, hook: "leader-settings-changed"}
	}
	if ci, err := w.a.charmFor(app); err == nil {
		if configHash(app, ci.config, w.address(m)) != u.ConfigHash {
			return op{kind: opHook, hook: "config-changed"}
		}
	}
	if !u.Started {
		return op{kind: opHook, hook: "start"}
	}
	if h := model.NextRelationHook(m, app, u); h != nil {
		return relationOp(h)
	}
	interval := m.UpdateStatusInterval()
	if w.nextUpdateStatus.IsZero() {
		w.nextUpdateStatus = jitter(u.LastUpdateStatus, interval, now)
	}
	if !now.Before(w.nextUpdateStatus) {
		return op{kind: opHook, hook: "update-status"}
	}
	return op{kind: opNone, wait: w.nextUpdateStatus.Sub(now)}
}

// relationOp is the operation that runs a relation hook.
func relationOp(h *model.RelationHook) op {
	return op{kind: opHook, hook: h.Name(), rel: h}
}

// pending reports whether the unit has work queued that keeps its agent
// executing: anything but nothing or a due update-status (which Juju runs
// without showing the agent as executing).
func (w *unitWorker) pending(m *state.Model, app *state.Application, u *state.Unit, now time.Time) bool {
	next := w.nextOp(m, app, u, now)
	return next.kind != opNone && (next.kind != opHook || next.hook != "update-status")
}

// jitter returns when update-status is next due: interval × a random
// factor in [0.8, 1.2) after the last run (or after now if it never ran),
// as Juju's uniter timer does.
func jitter(last time.Time, interval time.Duration, now time.Time) time.Time {
	if last.IsZero() {
		last = now
	}
	f := 0.8 + 0.4*rand.Float64()
	return last.Add(time.Duration(float64(interval) * f))
}

// pendingTask returns the unit's oldest pending task.
func (w *unitWorker) pendingTask(m *state.Model) *state.Task {
	var pending []*state.Task
	for _, t := range m.Tasks {
		if t.Unit == w.name && t.Status == state.TaskPending {
			pending = append(pending, t)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	sort.Slice(pending, func(i, j int) bool { return taskLess(pending[i], pending[j]) })
	return pending[0]
}

func taskLess(a, b *state.Task) bool {
	if !a.Enqueued.Equal(b.Enqueued) {
		return a.Enqueued.Before(b.Enqueued)
	}
	return len(a.ID) < len(b.ID) || (len(a.ID) == len(b.ID) && a.ID < b.ID)
}

// address returns the unit's machine address.
func (w *unitWorker) address(m *state.Model) string {
	_, u := m.Unit(w.name)
	if u == nil {
		return ""
	}
	if mc := m.Machines[u.Machine]; mc != nil {
		return mc.Address
	}
	if mc := w.a.machine(u.Machine); mc != nil {
		return mc.Facts().Addresses[0]
	}
	return ""
}

// machineID returns the id of the unit's machine ("" when it is gone).
func (w *unitWorker) machineID() string {
	if m := w.a.model(); m != nil {
		if _, u := m.Unit(w.name); u != nil {
			return u.Machine
		}
	}
	return ""
}

// deleteUnit removes the unit from the state (and its application when it
// was the last unit of a dying application), electing a new leader when
// the leader goes.
func (w *unitWorker) deleteUnit(ctx context.Context) {
	// The unit's directory goes first, so that a unit gone from the state
	// has nothing left on disk.
	_ = os.RemoveAll(w.a.store.UnitDir(w.a.uuid, w.name))
	err := w.a.update(ctx, func(m *state.Model) error {
		model.DeleteUnit(m, w.name, time.Now())
		return nil
	})
	if err != nil && !errors.Is(err, errModelGone) {
		w.a.cfg.Logf("removing unit %s: %v", w.name, err)
	}
}

// hookStatusBefore returns the workload status Juju sets before a hook (if
// any), and whether it applies only when the charm has not set a status.
func hookStatusBefore(hook string) (status, message string, onlyIfUnset bool) {
	switch hook {
	case "install":
		return "maintenance", "installing charm software", true
	case "stop":
		return "maintenance", "stopping charm software", false
	case "remove":
		return "maintenance", "cleaning up prior to charm deletion", false
	}
	return "", "", false
}

// runHook runs one hook of the unit with the machine lock held, and
// commits its effects.
func (w *unitWorker) runHook(ctx context.Context, hook string, rel *model.RelationHook) {
	lock := w.a.ms.lock(w.machineID())
	lock.Lock()
	defer lock.Unlock()
	m := w.a.model()
	if m == nil {
		return
	}
	app, u := m.Unit(w.name)
	if u == nil {
		return
	}
	ci, err := w.a.charmFor(app)
	if err != nil {
		w.a.cfg.Logf("unit %s: %v", w.name, err)
		return
	}
	hash := configHash(app, ci.config, w.address(m))
	now := time.Now()
	err = w.a.update(ctx, func(m *state.Model) error {
		_, u := m.Unit(w.name)
		if u == nil {
			return errUnitGone
		}
		if st, msg, onlyIfUnset := hookStatusBefore(hook); st != "" && (!onlyIfUnset || !u.CharmSetStatus) {
			u.Workload = state.NewStatus(st, msg, now)
		}
		if rel != nil && rel.Kind == model.RelationCreated {
			model.EnterScope(m, u.Name, rel.ID, w.address(m))
		}
		switch {
		case rel != nil:
			u.Agent = state.NewStatus("executing", rel.AgentMessage(), now)
		case hook != "update-status":
			u.Agent = state.NewStatus("executing", fmt.Sprintf("running %s hook", hook), now)
		}
		return nil
	})
	if err != nil {
		return
	}
	hc := newHookContext(w.a, w.name, hook, nil)
	hc.rel = rel
	spec := hookSpec{hook: hook}
	if rel != nil {
		spec.vars = rel.Vars()
	}
	res, runErr := w.a.runProcess(ctx, w, hc, spec)
	if ctx.Err() != nil {
		return
	}
	failed := runErr != nil
	w.a.logRecord(hookrun.Outcome(w.name, hook, res, runErr))
	now = time.Now()
	err = w.a.update(ctx, func(m *state.Model) error {
		app, u := m.Unit(w.name)
		if u == nil {
			return errUnitGone
		}
		if failed {
			u.HookError = hook
			u.HookErrorSince = now
			u.Agent = state.NewStatus("idle", "", now)
			return nil
		}
		hc.commit(m, u)
		if rel != nil {
			model.CommitRelationHook(m, u.Name, rel)
		}
		switch hook {
		case "install":
			u.Installed = true
		case "leader-elected", "leader-settings-changed":
			u.LeaderElected = true
			u.LeaderSettingsSeen = app.LeaderSettings.Version
		case "config-changed":
			u.ConfigHash = hash
		case "start":
			u.Started = true
			if !u.CharmSetStatus {
				u.Workload = state.NewStatus("unknown", "", now)
			}
		case "update-status":
			u.LastUpdateStatus = now
		case "stop":
			u.Stopped = true
			u.Workload = state.NewStatus("maintenance", "", now)
		case "remove":
			u.Workload = state.NewStatus("terminated", "", now)
			u.Installed = false
		}
		// The agent is idle only when nothing else is pending.
		if !w.pending(m, app, u, now) && u.Agent.Current != "idle" {
			u.Agent = state.NewStatus("idle", "", now)
		}
		return nil
	})
	if hook == "update-status" {
		w.nextUpdateStatus = time.Time{}
	}
	if err != nil && !errors.Is(err, errUnitGone) && !errors.Is(err, errModelGone) {
		w.a.cfg.Logf("unit %s: committing %s: %v", w.name, hook, err)
	}
}

// finishTask records the outcome of a task's run as Juju reports it: an
// exec command completes whatever its exit code; an action fails when it
// has no handler, called action-fail, or exited non-zero ("exit status N").
func finishTask(task *state.Task, kind string, res hookrun.Result, runErr error, hc *hookContext, now time.Time) {
	task.Completed = now
	task.ReturnCode = res.Code
	task.Stdout = string(res.Stdout)
	task.Stderr = string(res.Stderr)
	hc.finishTask(task)
	var exitErr *hookrun.ExitError
	switch {
	case errors.As(runErr, &exitErr):
		task.ReturnCode = exitErr.Code
		task.Status = state.TaskFailed
		if !hc.actionFailed {
			task.Message = exitErr.Error()
		}
	case runErr != nil:
		task.Status = state.TaskFailed
		task.Message = runErr.Error()
	case kind == state.TaskExec || !hc.actionFailed:
		task.Status = state.TaskCompleted
	default:
		task.Status = state.TaskFailed
	}
}

// errUnitGone is returned when the unit disappeared while it ran.
var errUnitGone = errors.New("unit is gone")

// runTask runs an exec command or an action of the unit.
func (w *unitWorker) runTask(ctx context.Context, t *state.Task) {
	if t.Kind == state.TaskAction {
		lock := w.a.ms.lock(w.machineID())
		lock.Lock()
		defer lock.Unlock()
	}
	now := time.Now()
	label := "juju-exec"
	if t.Kind == state.TaskAction {
		label = t.Action
	}
	err := w.a.update(ctx, func(m *state.Model) error {
		_, u := m.Unit(w.name)
		task := m.Tasks[t.ID]
		if u == nil || task == nil {
			return errUnitGone
		}
		if task.Status != state.TaskPending {
			return errUnitGone
		}
		task.Status = state.TaskRunning
		task.Started = now
		u.Agent = state.NewStatus("executing", "running action "+label, now)
		return nil
	})
	if err != nil {
		return
	}
	hc := newHookContext(w.a, w.name, "", t)
	res, runErr := w.a.runProcess(ctx, w, hc, hookSpec{task: t})
	if ctx.Err() != nil {
		return
	}
	if err := w.a.store.SaveTaskOutput(w.a.uuid, t.ID, res.Stdout, res.Stderr); err != nil {
		w.a.cfg.Logf("unit %s: task %s: %v", w.name, t.ID, err)
	}
	now = time.Now()
	err = w.a.update(ctx, func(m *state.Model) error {
		app, u := m.Unit(w.name)
		task := m.Tasks[t.ID]
		if task == nil {
			return errUnitGone
		}
		finishTask(task, t.Kind, res, runErr, hc, now)
		if u != nil {
			if t.Kind == state.TaskAction && task.Status != state.TaskFailed {
				hc.commit(m, u)
			}
			if (!w.pending(m, app, u, now) || u.HookError != "") && u.Agent.Current != "idle" {
				u.Agent = state.NewStatus("idle", "", now)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errUnitGone) && !errors.Is(err, errModelGone) {
		w.a.cfg.Logf("unit %s: finishing task %s: %v", w.name, t.ID, err)
	}
}
