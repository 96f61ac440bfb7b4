package hookrun

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"path"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/canonical/jujutest/internal/local/machine"
	"github.com/canonical/jujutest/internal/logline"
)

// Hook is one hook or action run.
type Hook struct {
	// Unit describes the unit and its agent.
	Unit
	// Kind says whether Name is a hook or an action.
	Kind Kind
	// Name is the hook's name ("install", "website-relation-joined") or the
	// action's name.
	Name string
	// ContextID is the hook context's id (JUJU_CONTEXT_ID), under which the
	// hook's hooktool.Context is registered with the agent's server; see
	// NewContextID.
	ContextID string
	// ActionID is the action's id (JUJU_ACTION_UUID; JUJU_ACTION_TAG is
	// "action-<id>"); used only for actions.
	ActionID string
	// Vars are extra "NAME=value" context variables (JUJU_RELATION,
	// JUJU_REMOTE_UNIT, ...), placed where Juju places them.
	Vars []string
	// Log receives the handler's output: each stdout line as a DEBUG record
	// and each stderr line as a WARNING record, under module
	// "unit.<unit>.<name>" and entity "unit-<app>-<n>". Calls are
	// serialised. nil discards the output.
	Log func(logline.Record)
}

// Handler is the kind of script that handled a hook, as Juju names it.
type Handler string

const (
	// HandlerNone means no script exists for the hook ("missing").
	HandlerNone Handler = ""
	// HandlerDispatch is the charm's dispatch script.
	HandlerDispatch Handler = "dispatch"
	// HandlerExplicit is a per-hook script, hooks/<name> or actions/<name>.
	HandlerExplicit Handler = "explicit"
)

// String returns Juju's description, used in "ran %q hook (via %s)".
func (h Handler) String() string {
	switch h {
	case HandlerDispatch:
		return "hook dispatching script: dispatch"
	case HandlerExplicit:
		return "explicit, bespoke hook script"
	}
	return "unknown/invalid hook handler"
}

// Result is the outcome of a run.
type Result struct {
	// Handler is the kind of script that ran (HandlerNone when skipped).
	Handler Handler
	// Path is the script that ran.
	Path string
	// Skipped reports that the hook has no handler and was skipped, as
	// Juju does for a missing hook.
	Skipped bool
	// Code is the exit code, -1 when the process was killed by a signal.
	Code int
	// Stdout and Stderr are the output, kept for actions and commands
	// (Juju reports them as the action's results).
	Stdout, Stderr []byte
}

// ErrCharmMissing is Juju's error when the charm directory has no
// metadata.yaml.
var ErrCharmMissing = errors.New("charm missing from disk")

// ErrTerminated is returned, wrapping the context's error, when a run was
// killed because its context ended (Juju reports a hook killed by SIGTERM or
// SIGKILL as "terminated").
var ErrTerminated = errors.New("terminated")

// ErrCancelled is returned, wrapping the context's error, when RunCommand's
// command was killed because its context ended (Juju's exec error).
var ErrCancelled = errors.New("command cancelled")

// ExitError reports a handler that exited with a non-zero code. Its text is
// Juju's: "exit status N".
type ExitError struct {
	// Code is the exit code.
	Code int
}

// Error implements error.
func (e *ExitError) Error() string { return "exit status " + strconv.Itoa(e.Code) }

// ActionNotImplementedError is returned for an action the charm has no
// handler for. Its text is Juju's.
type ActionNotImplementedError struct {
	// Unit is the unit's name.
	Unit string
	// Action is the action's name.
	Action string
}

// Error implements error.
func (e *ActionNotImplementedError) Error() string {
	return fmt.Sprintf("action not implemented on unit %q", e.Unit)
}

// NewContextID returns a fresh hook context id in Juju's form,
// "<unit>-<name>-<32 hex digits>"; name is the hook or action name, or
// "run-commands" for a command.
func NewContextID(unit, name string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("cannot generate id for hook context: %w", err)
	}
	return unit + "-" + name + "-" + hex.EncodeToString(b[:]), nil
}

// Run runs the hook or action h and returns its result. A hook with no
// handler is skipped (Result.Skipped, nil error); an action with none fails
// with ActionNotImplementedError. A non-zero exit gives *ExitError ("exit
// status N") along with the result. When ctx ends first, the handler's whole
// process group is killed and reaped and the error wraps ErrTerminated and
// ctx's error. Processes the handler leaves running in the background after
// a normal exit are left alone (a hook may start a daemon).
func Run(ctx context.Context, h Hook) (Result, error) {
	if err := h.check(); err != nil {
		return Result{}, err
	}
	dir, err := absCharmDir(h.CharmDir)
	if err != nil {
		return Result{}, err
	}
	h.CharmDir = dir
	env, err := Environ(h)
	if err != nil {
		return Result{}, err
	}
	mc := h.onMachine()
	handler, path, err := discover(ctx, mc, dir, h.Kind, h.Name)
	if err != nil {
		return Result{}, err
	}
	if handler == HandlerNone {
		if h.Kind == KindAction {
			return Result{}, &ActionNotImplementedError{Unit: h.UnitName, Action: h.Name}
		}
		return Result{Skipped: true}, nil
	}
	var sink func(level, line string)
	if h.Log != nil {
		var mu sync.Mutex
		entity := logline.UnitEntity(h.UnitName)
		module := "unit." + h.UnitName + "." + h.Name
		sink = func(level, line string) {
			mu.Lock()
			defer mu.Unlock()
			h.Log(logline.Record{Time: time.Now(), Entity: entity, Level: level, Module: module, Message: line})
		}
	}
	p := machine.Process{Path: path, Args: []string{path}, Env: env, Dir: dir}
	res, err := run(ctx, mc, p, sink, h.Kind == KindAction)
	res.Handler, res.Path = handler, path
	if errors.Is(err, machine.ErrKilled) {
		return res, fmt.Errorf("%w: %w", ErrTerminated, context.Cause(ctx))
	}
	return res, err
}

// discover finds the handler of a hook or action as Juju does.
func discover(ctx context.Context, mc machine.Machine, charmDir string, kind Kind, name string) (Handler, string, error) {
	if _, err := mc.Stat(ctx, path.Join(charmDir, "metadata.yaml")); errors.Is(err, fs.ErrNotExist) {
		return HandlerNone, "", ErrCharmMissing
	} else if err != nil {
		return HandlerNone, "", fmt.Errorf("failed to check for metadata.yaml: %w", err)
	}
	location := "hooks"
	if kind == KindAction {
		location = "actions"
	}
	for _, c := range []struct {
		handler Handler
		path    string
	}{
		{HandlerDispatch, path.Join(charmDir, "dispatch")},
		{HandlerExplicit, path.Join(charmDir, location, name)},
	} {
		mode, err := mc.Stat(ctx, c.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // missing: try the next one
		case err != nil:
			return HandlerNone, "", &exec.Error{Name: c.path, Err: err}
		case mode.IsDir() || mode&0o111 == 0:
			// Present but not runnable: Juju fails the hook rather
			// than skipping it (exec.LookPath's error).
			return HandlerNone, "", &exec.Error{Name: c.path, Err: fs.ErrPermission}
		}
		return c.handler, c.path, nil
	}
	return HandlerNone, "", nil
}

// Command is one command run for juju exec.
type Command struct {
	// Unit describes the unit and its agent.
	Unit
	// ContextID is the command's hook context id (JUJU_CONTEXT_ID); see
	// NewContextID with name "run-commands".
	ContextID string
	// Commands is the bash script to run, e.g. "hostname; ls -l".
	Commands string
	// Vars are extra "NAME=value" context variables (JUJU_RELATION, ... for
	// exec with a relation context).
	Vars []string
}

// RunCommand runs c.Commands with bash in the charm directory, with the
// hook-context environment (as Juju's exec does: the script is written to a
// temporary file run as "/bin/bash <file>"), in its own process group, and
// returns its exit code and output. A non-zero exit is not an error. When
// ctx ends first, the group is killed and reaped and the error wraps
// ErrCancelled and ctx's error.
func RunCommand(ctx context.Context, c Command) (Result, error) {
	if err := c.check(); err != nil {
		return Result{}, err
	}
	dir, err := absCharmDir(c.CharmDir)
	if err != nil {
		return Result{}, err
	}
	c.CharmDir = dir
	env, err := CommandEnviron(c)
	if err != nil {
		return Result{}, err
	}
	mc := c.onMachine()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Result{}, fmt.Errorf("hookrun: naming the script: %w", err)
	}
	tmp := path.Join(mc.TempDir(c.UnitName), "juju-exec"+hex.EncodeToString(b[:]))
	script := path.Join(tmp, "script.sh")
	if err := mc.WriteFile(ctx, script, []byte(c.Commands), 0o600); err != nil {
		return Result{}, fmt.Errorf("hookrun: writing script: %w", err)
	}
	defer func() { _ = mc.RemoveAll(context.WithoutCancel(ctx), tmp) }()
	const bash = "/bin/bash"
	p := machine.Process{Path: bash, Args: []string{bash, script}, Env: env, Dir: dir}
	res, err := run(ctx, mc, p, nil, true)
	var exitErr *ExitError
	switch {
	case errors.As(err, &exitErr):
		return res, nil // the code is the result
	case errors.Is(err, machine.ErrKilled):
		return res, fmt.Errorf("%w: %w", ErrCancelled, context.Cause(ctx))
	}
	return res, err
}

// run runs p on mc, feeds its output lines to sink (if not nil) and keeps
// the output (if keep). A non-zero exit is an *ExitError; a process ended
// by SIGTERM or SIGKILL is ErrTerminated; a process killed because ctx
// ended is machine.ErrKilled.
func run(ctx context.Context, mc machine.Machine, p machine.Process, sink func(level, line string), keep bool) (Result, error) {
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	p.Stdout, p.Stderr = outW, errW
	var stdout, stderr bytes.Buffer
	var readers sync.WaitGroup
	readers.Add(2)
	go readLines(&readers, outR, "DEBUG", sink, keepBuffer(keep, &stdout))
	go readLines(&readers, errR, "WARNING", sink, keepBuffer(keep, &stderr))
	code, err := mc.Run(ctx, p)
	outW.Close()
	errW.Close()
	readers.Wait()

	res := Result{Code: code}
	if keep {
		res.Stdout, res.Stderr = stdout.Bytes(), stderr.Bytes()
	}
	var sigErr *machine.SignalError
	switch {
	case err == nil && code != 0:
		return res, &ExitError{Code: code}
	case errors.As(err, &sigErr) && (sigErr.Signal == syscall.SIGTERM || sigErr.Signal == syscall.SIGKILL):
		return res, ErrTerminated
	case err != nil && !errors.Is(err, machine.ErrKilled) && !errors.As(err, &sigErr):
		return res, fmt.Errorf("hookrun: %w", err)
	}
	return res, err // nil, killed, or another signal ("signal: segmentation fault")
}

// keepBuffer returns buf when output is kept, else nil.
func keepBuffer(keep bool, buf *bytes.Buffer) *bytes.Buffer {
	if keep {
		return buf
	}
	return nil
}

// maxLine is the longest line logged as one record; longer lines are split,
// as Juju's hook logger does.
const maxLine = 64 * 1024

// readLines reads r until EOF or close, sending each line to sink and
// copying the bytes to keep.
func readLines(wg *sync.WaitGroup, r io.Reader, level string, sink func(level, line string), keep *bytes.Buffer) {
	defer wg.Done()
	if keep != nil {
		r = io.TeeReader(r, keep)
	}
	br := bufio.NewReaderSize(r, maxLine)
	for {
		line, _, err := br.ReadLine() // a line, or an error, never both
		if err != nil {
			return
		}
		if sink != nil {
			sink(level, string(line))
		}
	}
}

// OperationModule is the logger module of the unit agent's messages about
// hook runs.
const OperationModule = "juju.worker.uniter.operation"

// Outcome returns the debug-log record Juju's unit agent writes after a hook
// run: INFO `ran "install" hook (via hook dispatching script: dispatch)`,
// INFO `skipped "install" hook (missing)`, WARNING `hook "install" was
// terminated`, or ERROR `hook "install" (via ...) failed: exit status 1`.
func Outcome(unit, hook string, res Result, err error) logline.Record {
	rec := logline.Record{Time: time.Now(), Entity: logline.UnitEntity(unit), Module: OperationModule, Level: "INFO"}
	switch {
	case errors.Is(err, ErrTerminated):
		rec.Level, rec.Message = "WARNING", fmt.Sprintf("hook %q was terminated", hook)
	case err != nil:
		rec.Level, rec.Message = "ERROR", fmt.Sprintf("hook %q (via %s) failed: %v", hook, res.Handler, err)
	case res.Skipped:
		rec.Message = fmt.Sprintf("skipped %q hook (missing)", hook)
	default:
		rec.Message = fmt.Sprintf("ran %q hook (via %s)", hook, res.Handler)
	}
	return rec
}
