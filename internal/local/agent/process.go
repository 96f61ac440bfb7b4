package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/canonical/jujutest/internal/hookrun"
	"github.com/canonical/jujutest/internal/local/state"
	"github.com/canonical/jujutest/internal/logline"
)

// hookSpec says what to run: a hook (hook set) or a task.
type hookSpec struct {
	hook string
	task *state.Task
	// vars are the hook's extra environment variables (a relation's).
	vars []string
}

// runProcess runs a hook, action or exec command of the unit in its hook
// context: the context is registered on the hook-tool server for the
// duration, and internal/hookrun runs the handler with Juju's hook
// environment on the unit's machine, logging hook output to debug-log (hooks) or keeping it
// (tasks). The result and error are hookrun's; an exec command that outlives
// its task's timeout fails with errCommandTimedOut.
func (a *Agent) runProcess(ctx context.Context, w *unitWorker, hc *hookContext, spec hookSpec) (hookrun.Result, error) {
	m := a.model()
	if m == nil {
		return hookrun.Result{}, errModelGone
	}
	_, u := m.Unit(w.name)
	if u == nil {
		return hookrun.Result{}, errUnitGone
	}
	contextID, err := hookrun.NewContextID(w.name, contextLabel(spec))
	if err != nil {
		return hookrun.Result{}, err
	}
	unregister := a.srv.Register(contextID, hc)
	defer unregister()

	mc := a.machine(u.Machine)
	if mc == nil {
		return hookrun.Result{}, fmt.Errorf("machine %s is not provisioned", u.Machine)
	}
	tools, socket := mc.HookTools()
	unit := hookrun.Unit{
		CharmDir:   mc.CharmDir(u.Name),
		UnitName:   u.Name,
		ModelName:  m.Name,
		ModelUUID:  m.UUID,
		MachineID:  u.Machine,
		SocketPath: socket,
		ToolsDir:   tools,
		SystemPath: a.systemPath(),
		Proxy:      hookrun.Proxy{NoProxy: "127.0.0.1,localhost,::1"},
		Machine:    mc,
	}
	if t := spec.task; t != nil && t.Kind == state.TaskExec {
		runCtx := ctx
		if t.Timeout > 0 {
			var cancel context.CancelFunc
			runCtx, cancel = context.WithTimeout(ctx, t.Timeout)
			defer cancel()
		}
		res, err := hookrun.RunCommand(runCtx, hookrun.Command{Unit: unit, ContextID: contextID, Commands: t.Command})
		if err != nil && ctx.Err() == nil && runCtx.Err() != nil {
			return res, errCommandTimedOut
		}
		return res, err
	}
	h := hookrun.Hook{Unit: unit, ContextID: contextID, Kind: hookrun.KindHook, Name: spec.hook, Vars: spec.vars, Log: a.hookLogger(m)}
	if t := spec.task; t != nil {
		h.Kind, h.Name, h.ActionID, h.Log = hookrun.KindAction, t.Action, t.ID, nil
	}
	return hookrun.Run(ctx, h)
}

// errCommandTimedOut fails an exec task whose command ran past its timeout.
var errCommandTimedOut = errors.New("command timed out")

// systemPath is the PATH hooks get after the tools directory: the agent's
// own PATH (or hookrun's default).
func (a *Agent) systemPath() string {
	for _, kv := range a.cfg.Environ {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok && v != "" {
			return v
		}
	}
	return ""
}

// hookLogger returns the sink of hook output: records the model's
// logging-config lets through go to debug-log.
func (a *Agent) hookLogger(m *state.Model) func(logline.Record) {
	cfg := a.loggingConfig(m)
	return func(rec logline.Record) {
		if cfg.Enabled(rec.Module, rec.Level) {
			a.writeLog(rec)
		}
	}
}

// contextLabel is the middle part of a context id.
func contextLabel(spec hookSpec) string {
	switch {
	case spec.task == nil:
		return spec.hook
	case spec.task.Kind == state.TaskExec:
		return "run-commands"
	default:
		return spec.task.Action
	}
}
