// Package agent is the local backend's model agent: one process per model
// ("juju-local agent <model-uuid>", started detached by the CLI) that plays
// the part of Juju's unit agents (uniters) for every unit of the model.
//
// For each unit it runs the charm's hooks in Juju's order (install,
// leader-elected, config-changed, start; config-changed when the config
// really changes; update-status on the model's interval; stop and remove on
// removal), moves the agent and workload statuses as Juju does, runs exec
// commands and actions in a hook context, and serves the hook tools on a
// unix socket (internal/hooktool). Hooks are serialized per machine, as
// Juju's machine lock does. The agent exits when its model disappears from
// the state, or on SIGTERM/SIGINT (cancelling its context), killing any
// running hook's process group.
package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/canonical/jujutest/internal/hooktool"
	"github.com/canonical/jujutest/internal/local/machine"
	"github.com/canonical/jujutest/internal/local/proc"
	"github.com/canonical/jujutest/internal/local/state"
	"github.com/canonical/jujutest/internal/logline"
)

// Config configures an agent.
type Config struct {
	// Store is the state store.
	Store *state.Store
	// ModelUUID is the model the agent runs.
	ModelUUID string
	// Executable is the juju-local binary. Hook-tool links point at
	// ToolClient when set, else at it (it serves as the client too).
	Executable string
	// ToolClient is the small hook-tool client binary
	// (cmd/juju-local-hooktool), pushed into LXD machines and linked as
	// each tool ("" = Executable).
	ToolClient string
	// Environ is the agent's environment; hooks get only Juju's hook
	// variables, with PATH built from this environment's PATH.
	Environ []string
	// PollInterval is how often the agent looks for state changes
	// (0 = 50ms).
	PollInterval time.Duration
	// Logf receives the agent's own diagnostic lines (nil = discarded).
	Logf func(format string, args ...any)
}

// Agent runs the units of one model.
type Agent struct {
	cfg   Config
	store *state.Store
	uuid  string
	srv   *hooktool.Server
	tools string
	// host is the machine the model's units run on.
	host machine.Machine

	// logMu serializes appends to the debug-log file.
	logMu   sync.Mutex
	logPath string

	// ms are the model's machines (LXD containers in an LXD model).
	ms *machines

	mu      sync.Mutex
	ctx     context.Context // cancelled when the agent stops
	snap    *state.State    // last state read
	workers map[string]*unitWorker
	charms  map[string]*charmInfo // by archive path
	// machineTasks are the machine exec tasks being run, by task id.
	machineTasks map[string]bool
	// lingering are the recorded process groups (pgid to record file) of
	// finished hooks and commands that left members running.
	lingering map[int]string
	wg        sync.WaitGroup

	// dataDir identifies the data directory the agent started with, to
	// notice that it was removed (or replaced).
	dataDir os.FileInfo
}

// ErrAlreadyRunning is returned by Run when another agent runs the model.
var ErrAlreadyRunning = errors.New("an agent is already running for this model")

// Run runs the agent until ctx is cancelled or the model disappears.
func Run(ctx context.Context, cfg Config) error {
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 50 * time.Millisecond
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	a := &Agent{
		cfg:          cfg,
		store:        cfg.Store,
		uuid:         cfg.ModelUUID,
		logPath:      cfg.Store.LogPath(cfg.ModelUUID),
		tools:        cfg.Store.ToolsDir(cfg.ModelUUID),
		workers:      map[string]*unitWorker{},
		charms:       map[string]*charmInfo{},
		machineTasks: map[string]bool{},
		lingering:    map[int]string{},
	}
	modelDir := cfg.Store.ModelDir(a.uuid)
	var err error
	if err = os.MkdirAll(modelDir, 0o755); err != nil {
		return err
	}
	if a.dataDir, err = os.Stat(cfg.Store.Dir()); err != nil {
		return err
	}
	unlock, err := lockFile(filepath.Join(modelDir, "agent.lock"))
	if err != nil {
		return err
	}
	defer unlock()

	// Hooks and commands a killed agent left running have nobody to
	// report to: stop them (their tasks are aborted below).
	if err := StopRecordedGroups(cfg.Store.RunningDir(a.uuid)); err != nil {
		cfg.Logf("stopping process groups left running: %v", err)
	}
	if err := a.linkTools(); err != nil {
		return err
	}
	socket := cfg.Store.SocketPath(a.uuid)
	if err := cfg.Store.PrepareSocket(a.uuid); err != nil {
		return err
	}
	srv, err := hooktool.NewServer(socket)
	if err != nil {
		return fmt.Errorf("starting the hook-tool server: %w", err)
	}
	a.srv = srv
	defer srv.Close()
	a.host = machine.NewHost(machine.HostConfig{
		UnitDir:   func(unit string) string { return cfg.Store.UnitDir(a.uuid, unit) },
		ScriptDir: modelDir,
		ToolsDir:  a.tools,
		Socket:    srv.Path(),
		Track:     a.trackGroup,
	})
	a.ms = newMachines(a)

	st, err := proc.ReadStat(os.Getpid())
	if err != nil {
		return err
	}
	found := false
	err = a.store.Update(ctx, func(s *state.State) error {
		m := s.Models[a.uuid]
		if m == nil {
			return nil
		}
		found = true
		next := &state.AgentProcess{PID: os.Getpid(), StartTicks: st.StartTicks, Socket: socket, Ready: true}
		if m.Agent != nil {
			next.Supervisor, next.SupervisorTicks = m.Agent.Supervisor, m.Agent.SupervisorTicks
		}
		m.Agent = next
		now := time.Now()
		for _, t := range m.Tasks {
			if t.Status == state.TaskRunning {
				t.Status = state.TaskAborted
				t.Message = "the model agent stopped while the task ran"
				t.Completed = now
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !found {
		return nil
	}
	cfg.Logf("agent for model %s running (pid %d)", a.uuid, os.Getpid())

	workCtx, cancel := context.WithCancel(ctx)
	a.mu.Lock()
	a.ctx = workCtx
	a.mu.Unlock()
	defer func() {
		cancel()
		a.wg.Wait()
	}()
	return a.loop(workCtx)
}

// lingerCheck is how often the agent looks whether the process groups
// left by finished hooks and commands have emptied.
const lingerCheck = 5 * time.Second

// trackGroup records a running hook's or command's process group in the
// model's running directory (see state.Store.RunningDir) and returns the
// function that forgets it. It is hookrun.Unit.Started.
func (a *Agent) trackGroup(pgid int) func() {
	dir := a.store.RunningDir(a.uuid)
	path := filepath.Join(dir, strconv.Itoa(pgid))
	var ticks uint64
	if st, err := proc.ReadStat(pgid); err == nil {
		ticks = st.StartTicks
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		a.cfg.Logf("recording process group %d: %v", pgid, err)
		return nil
	}
	if err := os.WriteFile(path, []byte(strconv.FormatUint(ticks, 10)), 0o644); err != nil {
		a.cfg.Logf("recording process group %d: %v", pgid, err)
		return nil
	}
	return func() {
		// A member left in the background (`sleep 600 &`) may outlive
		// the hook or command, as on Juju, but not the model: the record
		// stays, for destroy-model, until the group is empty.
		if len(proc.GroupMembers(pgid)) > 0 {
			a.mu.Lock()
			a.lingering[pgid] = path
			a.mu.Unlock()
			return
		}
		_ = os.Remove(path)
	}
}

// machine returns the machine with the given id, where units and machine
// tasks run: the host in a host model; in an LXD model, the machine's
// container once it is provisioned and prepared, nil before.
func (a *Agent) machine(id string) machine.Machine { return a.ms.get(a.model(), id) }

// getenv looks a variable up in the agent's environment.
func (a *Agent) getenv(key string) string {
	for i := len(a.cfg.Environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(a.cfg.Environ[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// removeEmptyDyingApps removes the dying applications that have no unit
// left (their last unit went before they were removed): no unit's removal
// will remove them.
func (a *Agent) removeEmptyDyingApps(ctx context.Context, m *state.Model) {
	empty := false
	for _, app := range m.Applications {
		if app.Life == state.Dying && len(app.Units) == 0 {
			empty = true
		}
	}
	if !empty {
		return
	}
	err := a.update(ctx, func(m *state.Model) error {
		for name, app := range m.Applications {
			if app.Life == state.Dying && len(app.Units) == 0 {
				delete(m.Applications, name)
			}
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		a.cfg.Logf("removing applications with no units: %v", err)
	}
}

// wakeAll wakes every unit worker.
func (a *Agent) wakeAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, w := range a.workers {
		w.wake()
	}
}

// pruneLingering forgets the recorded process groups of finished hooks
// and commands whose last member has gone.
func (a *Agent) pruneLingering() {
	a.mu.Lock()
	groups := make(map[int]string, len(a.lingering))
	for pgid, path := range a.lingering {
		groups[pgid] = path
	}
	a.mu.Unlock()
	for pgid, path := range groups {
		if len(proc.GroupMembers(pgid)) > 0 {
			continue
		}
		_ = os.Remove(path)
		a.mu.Lock()
		delete(a.lingering, pgid)
		a.mu.Unlock()
	}
}

// StopRecordedGroups stops the process groups recorded in dir (see
// state.Store.RunningDir and trackGroup) with proc.StopGroup, which waits
// (bounded) for them to go and leaves alone an id that another process
// reused. destroy-model calls it after stopping the agent, and an agent
// calls it when it starts, for the groups a killed agent left behind.
func StopRecordedGroups(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("reading running process groups: %w", err)
	}
	var errs []error
	for _, e := range entries {
		pgid, err := strconv.Atoi(e.Name())
		if err != nil || pgid <= 1 {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, _ := os.ReadFile(path)
		ticks, _ := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
		if err := proc.StopGroup(pgid, ticks, time.Second); err != nil {
			errs = append(errs, err)
			continue
		}
		_ = os.Remove(path)
	}
	return errors.Join(errs...)
}

// lockFile takes an exclusive non-blocking flock on path.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrAlreadyRunning
		}
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// toolClient is the binary hook tools run as.
func (a *Agent) toolClient() string {
	if a.cfg.ToolClient != "" {
		return a.cfg.ToolClient
	}
	return a.cfg.Executable
}

// linkTools makes the hook-tool directory: one symlink per tool, named
// after it, pointing at the juju-local binary.
func (a *Agent) linkTools() error {
	if err := os.MkdirAll(a.tools, 0o755); err != nil {
		return err
	}
	for _, name := range hooktool.Names() {
		p := filepath.Join(a.tools, name)
		if target, err := os.Readlink(p); err == nil && target == a.toolClient() {
			continue
		}
		_ = os.Remove(p)
		if err := os.Symlink(a.toolClient(), p); err != nil {
			return fmt.Errorf("linking hook tool %s: %w", name, err)
		}
	}
	return nil
}

// loop watches the state and keeps one worker per unit.
func (a *Agent) loop(ctx context.Context) error {
	var lastStamp, readErr string
	ticker := time.NewTicker(a.cfg.PollInterval)
	defer ticker.Stop()
	lastFull, lastPrune, lastPoll := time.Time{}, time.Now(), time.Now()
	var polling atomic.Bool
	for {
		if why := a.filesGone(); why != "" {
			a.cfg.Logf("%s; agent exiting", why)
			return nil
		}
		stamp := a.stamp()
		if time.Since(lastPrune) > lingerCheck {
			lastPrune = time.Now()
			a.pruneLingering()
		}
		if time.Since(lastPoll) > pollInterval && !polling.Load() {
			lastPoll = time.Now()
			polling.Store(true)
			a.wg.Add(1)
			go func() {
				defer a.wg.Done()
				defer polling.Store(false)
				a.ms.poll(ctx)
			}()
		}
		if stamp != lastStamp || time.Since(lastFull) > time.Second {
			lastStamp = stamp
			lastFull = time.Now()
			st, err := a.store.Read(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				// Once per distinct error, not once a second: a damaged
				// state stays damaged until someone repairs it.
				if msg := err.Error(); msg != readErr {
					readErr = msg
					a.cfg.Logf("reading state: %v (retrying every second; logged again when it changes)", err)
				}
			} else {
				if readErr != "" {
					readErr = ""
					a.cfg.Logf("reading state: the state reads again")
				}
				m := st.Models[a.uuid]
				if m == nil {
					a.cfg.Logf("model %s is gone; agent exiting", a.uuid)
					return nil
				}
				if m.Agent != nil && m.Agent.PID != os.Getpid() && proc.Running(m.Agent.PID, m.Agent.StartTicks) {
					a.cfg.Logf("another agent (pid %d) owns the model; exiting", m.Agent.PID)
					return nil
				}
				a.setSnapshot(st, m)
				a.removeEmptyDyingApps(ctx, m)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// filesGone says why the agent cannot go on when its data directory was
// removed or replaced (e.g. a test's temporary directory was deleted), or
// its model's directory was removed; "" when both are in place. Without
// them the model's state, charms and hook tools are gone, so the agent
// exits rather than run hooks against nothing.
func (a *Agent) filesGone() string {
	fi, err := os.Stat(a.store.Dir())
	if err != nil || !os.SameFile(fi, a.dataDir) {
		return "data directory " + a.store.Dir() + " is gone"
	}
	if _, err := os.Stat(a.store.ModelDir(a.uuid)); err != nil {
		return "model directory " + a.store.ModelDir(a.uuid) + " is gone"
	}
	return ""
}

// stamp identifies the state file's current version cheaply.
func (a *Agent) stamp() string {
	fi, err := os.Stat(a.store.StatePath())
	if err != nil {
		return ""
	}
	var ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
	}
	return fmt.Sprintf("%d/%d/%d", fi.ModTime().UnixNano(), fi.Size(), ino)
}

// setSnapshot records the latest state and wakes the unit workers,
// starting workers for new units.
func (a *Agent) setSnapshot(st *state.State, m *state.Model) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.snap = st
	for _, app := range m.Applications {
		for name := range app.Units {
			if a.workers[name] == nil {
				w := newUnitWorker(a, name)
				a.workers[name] = w
				a.wg.Add(1)
				go func() {
					defer a.wg.Done()
					w.run()
					a.mu.Lock()
					if a.workers[name] == w {
						delete(a.workers, name)
					}
					a.mu.Unlock()
				}()
			}
		}
	}
	for _, w := range a.workers {
		w.wake()
	}
	a.ms.reconcile(m)
	for id, t := range m.Tasks {
		if t.Unit == "" && t.Status == state.TaskPending && !a.machineTasks[id] {
			a.machineTasks[id] = true
			a.wg.Add(1)
			go func() {
				defer a.wg.Done()
				a.runMachineTask(id)
				a.mu.Lock()
				delete(a.machineTasks, id)
				a.mu.Unlock()
			}()
		}
	}
}

// model returns the latest snapshot of the agent's model (nil if gone).
func (a *Agent) model() *state.Model {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.snap == nil {
		return nil
	}
	return a.snap.Models[a.uuid]
}

// update changes the model in the state and refreshes the snapshot.
func (a *Agent) update(ctx context.Context, fn func(m *state.Model) error) error {
	var snap *state.State
	err := a.store.Update(ctx, func(st *state.State) error {
		m := st.Models[a.uuid]
		if m == nil {
			return errModelGone
		}
		if err := fn(m); err != nil {
			return err
		}
		snap = st
		return nil
	})
	if err == nil && snap != nil {
		a.mu.Lock()
		a.snap = snap
		a.mu.Unlock()
	}
	return err
}

// errModelGone is returned by update when the model no longer exists.
var errModelGone = errors.New("model is gone")

// log writes a debug-log record of the agent itself (e.g. "ran "install"
// hook"), subject to the model's logging-config.
func (a *Agent) log(entity, level, module, msg string) {
	a.logRecord(logline.Record{Time: time.Now(), Entity: entity, Level: level, Module: module, Message: msg})
}

// logRecord writes a debug-log record of the agent itself, subject to the
// model's logging-config.
func (a *Agent) logRecord(rec logline.Record) {
	if m := a.model(); m != nil && !a.loggingConfig(m).Enabled(rec.Module, rec.Level) {
		return
	}
	a.writeLog(rec)
}

// writeLog appends a record to the model's debug-log file.
func (a *Agent) writeLog(rec logline.Record) {
	a.logMu.Lock()
	defer a.logMu.Unlock()
	f, err := os.OpenFile(a.logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, state.LogFileMode)
	if err != nil {
		a.cfg.Logf("writing debug-log: %v", err)
		return
	}
	defer f.Close()
	if err := logline.Append(f, rec); err != nil {
		a.cfg.Logf("writing debug-log: %v", err)
	}
}

// loggingConfig returns the model's logging-config (Juju's default when
// unset or invalid).
func (a *Agent) loggingConfig(m *state.Model) logline.LoggingConfig {
	s, _ := m.Config["logging-config"].(string)
	if s == "" {
		s = logline.DefaultLoggingConfig
	}
	cfg, err := logline.ParseLoggingConfig(s)
	if err != nil {
		cfg, _ = logline.ParseLoggingConfig(logline.DefaultLoggingConfig)
	}
	return cfg
}
