package agent

import (
	"context"
	"errors"
	"strings"

	"github.com/canonical/jujutest/internal/hookrun"
	"github.com/canonical/jujutest/internal/local/state"
	"github.com/canonical/jujutest/internal/logline"
)

// hookSpec says what to run: a hook (hook set) or a task.
type hookSpec struct {
	hook string
	task *state.Task
}

// procResult is the outcome of one hook, action or exec process.
type procResult struct {
	code           int
	stdout, stderr string
	// via names the handler, as Juju's log lines do ("" when none ran).
	via string
	// missing is set when the charm has no handler for the hook/action.
	missing bool
}

// runProcess runs a hook, action or exec command of the unit in its hook
// context: the context is registered on the hook-tool server for the
// duration, and internal/hookrun runs the handler with Juju's hook
// environment in its own process group, logging hook output to debug-log
// (hooks) or keeping it (tasks).
func (a *Agent) runProcess(ctx context.Context, w *unitWorker, hc *hookContext, spec hookSpec) (procResult, error) {
	m := a.model()
	if m == nil {
		return procResult{}, errModelGone
	}
	_, u := m.Unit(w.name)
	if u == nil {
		return procResult{}, errUnitGone
	}
	contextID, err := hookrun.NewContextID(w.name, contextLabel(spec))
	if err != nil {
		return procResult{}, err
	}
	unregister := a.srv.Register(contextID, hc)
	defer unregister()

	unit := hookrun.Unit{
		CharmDir:   w.charmDir(),
		UnitName:   u.Name,
		ModelName:  m.Name,
		ModelUUID:  m.UUID,
		MachineID:  u.Machine,
		SocketPath: a.srv.Path(),
		ToolsDir:   a.tools,
		SystemPath: a.systemPath(),
		Proxy:      hookrun.Proxy{NoProxy: "127.0.0.1,localhost,::1"},
	}
	var res procResult
	if t := spec.task; t != nil && t.Kind == state.TaskExec {
		runCtx := ctx
		if t.Timeout > 0 {
			var cancel context.CancelFunc
			runCtx, cancel = context.WithTimeout(ctx, t.Timeout)
			defer cancel()
		}
		r, err := hookrun.RunCommand(runCtx, hookrun.Command{Unit: unit, ContextID: contextID, Commands: t.Command})
		res.code, res.stdout, res.stderr = r.Code, string(r.Stdout), string(r.Stderr)
		if err != nil && ctx.Err() == nil && runCtx.Err() != nil {
			return res, errors.New("command timed out")
		}
		return res, err
	}
	h := hookrun.Hook{Unit: unit, ContextID: contextID, Kind: hookrun.KindHook, Name: spec.hook, Log: a.hookLogger(m)}
	if t := spec.task; t != nil {
		h.Kind, h.Name, h.ActionID, h.Log = hookrun.KindAction, t.Action, t.ID, nil
	}
	r, err := hookrun.Run(ctx, h)
	res.code, res.stdout, res.stderr = r.Code, string(r.Stdout), string(r.Stderr)
	if r.Handler != hookrun.HandlerNone {
		res.via = r.Handler.String()
	}
	var exitErr *hookrun.ExitError
	var notImpl *hookrun.ActionNotImplementedError
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &exitErr):
		res.code = exitErr.Code
		return res, nil
	case errors.As(err, &notImpl):
		res.missing = true
		return res, nil
	}
	return res, err
}

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
