package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/canonical/jujutest/internal/local/agent"
	"github.com/canonical/jujutest/internal/local/lxdmachine"
	"github.com/canonical/jujutest/internal/local/model"
	"github.com/canonical/jujutest/internal/local/proc"
	"github.com/canonical/jujutest/internal/local/state"
)

// agentStopGrace is how long destroy-model waits for the agent to exit
// after SIGTERM before it kills the agent's process group.
const agentStopGrace = 10 * time.Second

// defaultForceTimeout bounds a forced model destruction when --timeout is
// not given.
const defaultForceTimeout = 60 * time.Second

// ensureAgent makes sure the model's agent runs, when the model has opted
// in to running hooks: it starts "juju-local agent <uuid>" detached (own
// session) and records its pid. It does nothing otherwise.
func (r *run) ensureAgent(uuid string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the juju-local binary: %w", err)
	}
	return r.store.Update(r.ctx, func(st *state.State) error {
		m := st.Models[uuid]
		if m == nil || !m.RunsHooks() {
			return nil
		}
		if m.Agent.Alive(proc.Running) || m.Agent.Supervised(proc.Running) {
			return nil // running, or about to be restarted by its supervisor
		}
		pid, ticks, err := r.startAgent(exe, uuid)
		if err != nil {
			return err
		}
		m.Agent = &state.AgentProcess{PID: pid, StartTicks: ticks, Socket: r.store.SocketPath(uuid), Supervisor: pid, SupervisorTicks: ticks}
		// A copy beside the model's files, for destroy-model --force when
		// the state document cannot be read.
		return r.store.SaveModelRecord(state.ModelRecord{UUID: uuid, Name: m.Name, Supervisor: pid, SupervisorTicks: ticks})
	})
}

// startAgent starts the agent process for a model in a new session, with
// its output going to the model's agent log.
func (r *run) startAgent(exe, uuid string) (int, uint64, error) {
	dir := r.store.ModelDir(uuid)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	out, err := os.OpenFile(r.store.AgentLogPath(uuid), os.O_WRONLY|os.O_APPEND|os.O_CREATE, state.LogFileMode)
	if err != nil {
		return 0, 0, err
	}
	// A file left by an older version may be more open.
	if err := out.Chmod(state.LogFileMode); err != nil {
		out.Close()
		return 0, 0, err
	}
	defer out.Close()
	cmd := exec.Command(exe, "agent", uuid)
	env := make([]string, 0, len(r.envKV)+1)
	for _, kv := range r.envKV {
		if !strings.HasPrefix(kv, state.EnvDataDir+"=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, state.EnvDataDir+"="+r.store.Dir())
	cmd.Dir = dir
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, 0, fmt.Errorf("starting the model agent: %w", err)
	}
	pid := cmd.Process.Pid
	// Reap the agent if it exits while this process still runs (in-process
	// callers such as tests); a CLI process exits first and init reaps it.
	go func() { _ = cmd.Wait() }()
	var ticks uint64
	if st, err := proc.ReadStat(pid); err == nil {
		ticks = st.StartTicks
	}
	return pid, ticks, nil
}

// ensureAgentOrReap makes sure dying units go away: through the agent when
// the model runs hooks, else at once (their hooks never ran).
func (r *run) ensureAgentOrReap(uuid string) error {
	var reap bool
	err := r.store.Update(r.ctx, func(st *state.State) error {
		m := st.Models[uuid]
		if m == nil {
			return nil
		}
		if m.RunsHooks() {
			return nil
		}
		reap = true
		removeDyingUnits(m)
		return nil
	})
	if err != nil || reap {
		return err
	}
	return r.ensureAgent(uuid)
}

// removeDyingUnits deletes dying units (and dying applications left
// without units) from the model without running hooks.
func removeDyingUnits(m *state.Model) {
	now := time.Now()
	for _, a := range m.Applications {
		for _, un := range a.UnitNames() {
			if u := a.Units[un]; u.Life == state.Dying || m.Life == state.Dying {
				model.DeleteUnit(m, un, now)
			}
		}
		if len(a.Units) == 0 && (a.Life == state.Dying || m.Life == state.Dying) {
			model.DeleteApplication(m, a.Name)
		}
	}
}

// destroyModel destroys a model as Juju does: its units are removed
// (running their stop and remove hooks; bounded with --force), the agent
// is stopped (SIGTERM, bounded wait, SIGKILL of its group), and the
// model's state and files are removed. It waits for all of it.
func (r *run) destroyModel(uuid string, force bool, timeout time.Duration, noWait bool) error {
	now := time.Now()
	var deadline time.Time
	if force {
		switch {
		case noWait:
			deadline = now
		case timeout >= 0:
			deadline = now.Add(timeout)
		default:
			deadline = now.Add(defaultForceTimeout)
		}
	}
	var name string
	err := r.store.Update(r.ctx, func(st *state.State) error {
		m := st.Models[uuid]
		if m == nil {
			return &state.ModelNotFoundError{Name: uuid}
		}
		name = m.Name
		m.Life = state.Dying
		m.Status = state.NewStatus("destroying", "", now)
		m.DestroyForce = m.DestroyForce || force
		if force {
			m.DestroyDeadline = deadline
		}
		for _, a := range m.Applications {
			a.Life = state.Dying
			for _, u := range a.Units {
				u.Life = state.Dying
			}
		}
		if !m.RunsHooks() {
			removeDyingUnits(m)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := r.ensureAgent(uuid); err != nil {
		return err
	}

	// Wait for the units to go, reporting progress as Juju does.
	reported := ""
	interval := 10 * time.Millisecond
	lineLen := 0
	for {
		st, err := r.store.Read(r.ctx)
		if err != nil {
			return err
		}
		m := st.Models[uuid]
		if m == nil || len(m.Applications) == 0 && (!m.IsLXD() || len(m.Machines) == 0) {
			break
		}
		if force && time.Now().After(deadline) {
			// Forced and out of time: stop the agent (killing any hook
			// still running) and remove what is left.
			break
		}
		if m.RunsHooks() && !m.Agent.Alive(proc.Running) && !m.Agent.Supervised(proc.Running) {
			if err := r.ensureAgent(uuid); err != nil {
				return err
			}
		}
		msg := fmt.Sprintf("Waiting for model to be removed, %d machine(s), %d application(s)", len(m.Machines), len(m.Applications))
		if msg == reported {
			if lineLen == 80 {
				fmt.Fprintln(r.stderr)
				lineLen = 0
			}
			fmt.Fprint(r.stderr, ".")
			lineLen++
		} else {
			fmt.Fprintf(r.stderr, "\n%s...", msg)
			reported = msg
			lineLen = len(msg) + 3
		}
		select {
		case <-r.ctx.Done():
			fmt.Fprint(r.stderr, "\n\ndestroy model is still running in the background...\n")
			return errSilent
		case <-time.After(interval):
		}
		interval *= 2
		if interval > 2*time.Second {
			interval = 2 * time.Second
		}
	}
	if err := r.stopAgent(uuid); err != nil {
		return err
	}
	if err := r.deleteContainers(uuid, false); err != nil {
		return err
	}
	err = r.store.Update(r.ctx, func(st *state.State) error {
		delete(st.Models, uuid)
		if st.CurrentModel == name {
			st.CurrentModel = ""
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := r.store.ReleaseHost(r.ctx, uuid); err != nil {
		return err
	}
	_ = os.Remove(r.store.SocketPath(uuid))
	if err := os.RemoveAll(r.store.ModelDir(uuid)); err != nil {
		return fmt.Errorf("removing model files: %w", err)
	}
	fmt.Fprint(r.stderr, "\nModel destroyed.\n")
	return nil
}

// destroyUnreadable is destroy-model --force when the state document and
// its previous copy are both damaged (damaged is that error): it finds the
// model from the record in its directory, stops its agent and the process
// groups it recorded, and removes the model's files. The model's entry
// stays in the damaged document.
func (r *run) destroyUnreadable(ref string, damaged error) error {
	rec, err := r.store.FindModelRecord(ref)
	if err != nil {
		return fmt.Errorf("%w; and no model %q has a record in %s to destroy it by", damaged, state.ModelRefName(ref), r.store.Dir())
	}
	fmt.Fprintf(r.stderr, "WARNING %v: destroying model %q from the record in its directory; its entry stays in the state document until that is repaired or removed\n", damaged, rec.Name)
	if rec.Supervisor != 0 {
		if err := proc.StopGroup(rec.Supervisor, rec.SupervisorTicks, agentStopGrace); err != nil {
			return fmt.Errorf("stopping the model agent: %w", err)
		}
	}
	if err := agent.StopRecordedGroups(r.store.RunningDir(rec.UUID)); err != nil {
		return err
	}
	if err := r.deleteContainers(rec.UUID, true); err != nil {
		return err
	}
	if err := r.store.ReleaseHost(r.ctx, rec.UUID); err != nil {
		return err
	}
	_ = os.Remove(r.store.SocketPath(rec.UUID))
	if err := os.RemoveAll(r.store.ModelDir(rec.UUID)); err != nil {
		return fmt.Errorf("removing model files: %w", err)
	}
	fmt.Fprint(r.stderr, "Model destroyed.\n")
	return nil
}

// deleteContainers deletes the LXD containers left of a model (by Juju's
// name prefix for it), once its agent has stopped. It does nothing for a
// host model; when unsure (the state is unreadable), it deletes what it
// finds if an LXD daemon answers.
func (r *run) deleteContainers(uuid string, unsure bool) error {
	if !unsure {
		st, err := r.store.Read(r.ctx)
		if err != nil {
			return err
		}
		if m := st.Models[uuid]; m == nil || !m.IsLXD() {
			return nil
		}
	}
	prefix, err := lxdmachine.ContainerPrefix(uuid)
	if err != nil {
		return err
	}
	p, err := lxdmachine.Connect(r.ctx, lxdmachine.Socket(r.env.get))
	if err != nil {
		if unsure {
			return nil
		}
		fmt.Fprintf(r.stderr, "\nWARNING cannot delete the model's containers (%s*): %v\n", prefix, err)
		return nil
	}
	defer p.Close()
	if err := p.DeleteAll(r.ctx, prefix); err != nil {
		return fmt.Errorf("deleting the model's containers: %w", err)
	}
	return nil
}

// stopAgent stops the model's agent and any hook process group it left.
func (r *run) stopAgent(uuid string) error {
	st, err := r.store.Read(r.ctx)
	if err != nil {
		return err
	}
	m := st.Models[uuid]
	if m != nil && m.Agent != nil {
		// The supervisor leads the group the agent runs in: stopping the
		// group stops both, and the supervisor restarts nothing.
		pid, ticks := m.Agent.PID, m.Agent.StartTicks
		if m.Agent.Supervisor != 0 {
			pid, ticks = m.Agent.Supervisor, m.Agent.SupervisorTicks
		}
		if err := proc.StopGroup(pid, ticks, agentStopGrace); err != nil {
			return fmt.Errorf("stopping the model agent: %w", err)
		}
		if m.Agent.Supervisor != 0 && m.Agent.PID != pid {
			_ = proc.StopGroup(m.Agent.PID, m.Agent.StartTicks, agentStopGrace)
		}
	}
	// The process groups of hooks and commands the agent recorded as
	// running: it kills them itself when it stops normally, but not if it
	// was killed.
	return agent.StopRecordedGroups(r.store.RunningDir(uuid))
}

// cmdAgent is the hidden "agent <model-uuid>" command: the model agent.
func (r *run) cmdAgent(args []string) error {
	worker := len(args) == 2 && args[1] == agentWorkerFlag
	if len(args) != 1 && !worker {
		return usagef("usage: juju-local agent <model-uuid>")
	}
	store, err := state.OpenDefault(r.env.get)
	if err != nil {
		return err
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(r.stderr, "%s "+format+"\n", append([]any{time.Now().Format(time.RFC3339)}, args...)...)
	}
	store.Warnf = logf
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(r.ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if !worker {
		return supervise(ctx, store, exe, args[0], r.envKV, r.stdout, r.stderr, logf)
	}
	err = agent.Run(ctx, agent.Config{
		Store:      store,
		ModelUUID:  args[0],
		Executable: exe,
		ToolClient: toolClient(exe),
		Environ:    r.envKV,
		Logf:       logf,
	})
	if errors.Is(err, agent.ErrAlreadyRunning) {
		return nil
	}
	return err
}

// ToolClientName is the file name of the hook-tool client binary, which
// the agent looks for beside its own.
const ToolClientName = "juju-local-hooktool"

// toolClient returns the hook-tool client beside exe, or "" when there is
// none (exe then serves as the client, as in tests).
func toolClient(exe string) string {
	p := filepath.Join(filepath.Dir(exe), ToolClientName)
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
		return p
	}
	return ""
}
