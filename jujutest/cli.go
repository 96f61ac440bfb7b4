package jujutest

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Default timeouts. A zero field in Juju means the matching default.
const (
	// DefaultWaitTimeout bounds Wait when neither WithTimeout nor
	// Juju.WaitTimeout says otherwise. It matches Jubilant's default.
	DefaultWaitTimeout = 3 * time.Minute

	// DefaultCommandTimeout bounds one CLI call whose context has no
	// earlier deadline, so that a hung juju process cannot hang a test.
	DefaultCommandTimeout = 10 * time.Minute
)

// Juju runs juju CLI commands, optionally against one model.
//
// The zero value is ready to use: it runs "juju" from PATH against the
// current model. A Juju is safe for concurrent use as long as its fields are
// not changed while calls are in flight; separate values in separate models
// can be used from parallel tests.
type Juju struct {
	// Model is the model every model command targets, as
	// [controller:][user/]model. When set, "--model <Model>" is inserted
	// after the subcommand. Empty means Juju's current model.
	Model string

	// CLIBinary is the juju executable to run. Empty means "juju" on PATH.
	CLIBinary string

	// WaitTimeout is Wait's default timeout. Zero means DefaultWaitTimeout.
	WaitTimeout time.Duration

	// CommandTimeout bounds each CLI call that has no deadline of its own.
	// Zero means DefaultCommandTimeout.
	CommandTimeout time.Duration

	// Runner runs the CLI processes. Nil means ExecRunner, which runs real
	// processes. Tests inject a fake here.
	Runner Runner

	// Logf, when set, receives a line for each command run and for each
	// status transition Wait observes. testing.T.Logf fits.
	Logf func(format string, args ...any)

	// Clock is the time source of Wait. Nil means the wall clock. Tests
	// inject a fake (jujutesttest.Clock) to count polls without sleeping.
	Clock Clock

	// DisableChangeTracking stops mutating calls from reading status
	// before they change the model, and so stops Wait from waiting for
	// their effect (see Wait). Tests that check the exact commands run
	// set it; a test that waits on something else than its own changes
	// can use WithoutChangeTracking on that Wait instead.
	DisableChangeTracking bool

	// tracked holds the *changeLog of the changes made through this
	// value and its copies, created on first use. atomic.Value has no
	// lock to copy, so a Juju stays copyable.
	tracked atomic.Value
}

// Command is one invocation of the CLI.
type Command struct {
	// Path is the executable to run.
	Path string
	// Args are the arguments after the executable name.
	Args []string
	// Stdin is the process's standard input; nil means none.
	Stdin []byte
}

// Result is what a finished CLI process produced.
type Result struct {
	// Stdout and Stderr are the process's output.
	Stdout []byte
	Stderr []byte
	// ExitCode is the exit status; -1 when the process did not exit by
	// itself (it was killed, or could not start).
	ExitCode int
}

// Runner runs one CLI command to completion.
//
// Run returns an error only when the process could not be started or did not
// finish (for example because ctx ended); a process that ran and exited
// non-zero is reported through Result.ExitCode with a nil error.
type Runner interface {
	Run(ctx context.Context, cmd Command) (Result, error)
}

// RunnerFunc adapts a function to the Runner interface, as
// http.HandlerFunc does for handlers: to serve canned output in examples,
// or to wrap another Runner.
type RunnerFunc func(ctx context.Context, cmd Command) (Result, error)

// Run calls f(ctx, cmd).
func (f RunnerFunc) Run(ctx context.Context, cmd Command) (Result, error) { return f(ctx, cmd) }

// ExecRunner runs commands as real child processes. Each process runs in its
// own process group; when the context ends, the whole group is killed and the
// process is reaped before Run returns.
type ExecRunner struct {
	// Env, when non-nil, is the environment of the child processes.
	// Nil means the current process's environment.
	Env []string

	// WaitDelay bounds how long Run waits for the output pipes to close after
	// the process has exited or been killed. Zero means 5 seconds.
	WaitDelay time.Duration
}

// Run implements Runner.
//
// Once the CLI process (the group's leader) has exited, Run kills the rest
// of its process group and returns what the CLI printed: a wrapper that
// leaves a background child holding stdout open cannot make Run wait for
// it, nor leave it running. The killed children are reparented to PID 1,
// which reaps them.
func (r ExecRunner) Run(ctx context.Context, c Command) (Result, error) {
	waitDelay := r.WaitDelay
	if waitDelay == 0 {
		waitDelay = 5 * time.Second
	}
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.Env = r.Env
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	// Pipes of our own rather than exec's: exec.Cmd.Wait waits for its
	// copying goroutines, that is for every process holding the pipes,
	// before it returns; here Wait returns when the leader exits.
	stdout, err := newCapture()
	if err != nil {
		return Result{ExitCode: -1}, fmt.Errorf("running %s: %w", c.Path, err)
	}
	stderr, err := newCapture()
	if err != nil {
		stdout.abort()
		return Result{ExitCode: -1}, fmt.Errorf("running %s: %w", c.Path, err)
	}
	cmd.Stdout, cmd.Stderr = stdout.w, stderr.w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// Kill the whole group: the CLI may have children of its own.
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return err
		}
		return nil
	}
	if err := cmd.Start(); err != nil {
		stdout.abort()
		stderr.abort()
		return Result{ExitCode: -1}, fmt.Errorf("running %s: %w", c.Path, err)
	}
	stdout.started()
	stderr.started()
	err = cmd.Wait()
	// The leader has exited and been reaped. Its group id stays reserved
	// while any member lives, so this reaches only the leader's children.
	if killErr := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); killErr != nil && !errors.Is(killErr, syscall.ESRCH) {
		err = errors.Join(err, fmt.Errorf("killing the rest of the process group: %w", killErr))
	}
	deadline := time.Now().Add(waitDelay)
	res := Result{Stdout: stdout.finish(deadline), Stderr: stderr.finish(deadline)}
	if ctxErr := ctx.Err(); ctxErr != nil {
		// Whatever the process reported, it was cut short.
		res.ExitCode = -1
		return res, fmt.Errorf("%s %s: %w", c.Path, strings.Join(c.Args, " "), ctxErr)
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() >= 0:
		res.ExitCode = exitErr.ExitCode()
		return res, nil
	default:
		res.ExitCode = -1
		return res, fmt.Errorf("running %s: %w", c.Path, err)
	}
}

// capture collects what a child writes to one pipe.
type capture struct {
	r, w *os.File
	buf  bytes.Buffer
	done chan struct{}
}

func newCapture() (*capture, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	c := &capture{r: r, w: w, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		_, _ = c.buf.ReadFrom(r) // ends at EOF, or when finish closes r
	}()
	return c, nil
}

// started closes the parent's copy of the write end once the child has
// its own, so that EOF comes when the child's side closes.
func (c *capture) started() { c.w.Close() }

// abort releases the pipe when the child could not be started.
func (c *capture) abort() {
	c.w.Close()
	c.r.Close()
	<-c.done
}

// finish waits until the pipe is closed by every writer, or until deadline
// (a process outside the group, such as a daemon, may hold it), and
// returns what was read.
func (c *capture) finish(deadline time.Time) []byte {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-c.done:
		c.r.Close()
	case <-t.C:
		c.r.Close() // unblocks ReadFrom
		<-c.done
	}
	return c.buf.Bytes()
}

// CLIError reports a CLI command that exited with a non-zero status.
type CLIError struct {
	// Args is the full argument list, starting with the binary.
	Args []string
	// ExitCode is the command's exit status, not 0.
	ExitCode int
	// Stdout and Stderr are the command's output; Juju writes its
	// "ERROR ..." line last on Stderr.
	Stdout string
	Stderr string
}

// Error returns the command, its exit status and the last line of its
// standard error (Juju prints its "ERROR ..." line last).
func (e *CLIError) Error() string {
	msg := fmt.Sprintf("%s: exit status %d", strings.Join(e.Args, " "), e.ExitCode)
	if last := lastLine(e.Stderr); last != "" {
		msg += ": " + last
	}
	return msg
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// CLIOptions adjusts one passthrough call made with CLIWith.
type CLIOptions struct {
	// NoModel leaves out the --model flag, for commands that do not
	// target a model (controllers, clouds, version...).
	NoModel bool
	// Stdin is written to the command's standard input.
	Stdin string
	// Timeout bounds the call. Zero means Juju.CommandTimeout.
	Timeout time.Duration
}

// CLI runs the juju CLI with args and returns its standard output. When
// Model is set, "--model <Model>" is inserted after args[0]. A non-zero exit
// returns a *CLIError.
func (j *Juju) CLI(ctx context.Context, args ...string) (string, error) {
	return j.CLIWith(ctx, CLIOptions{}, args...)
}

// CLIWith is CLI with options: no --model, standard input, a timeout.
func (j *Juju) CLIWith(ctx context.Context, opts CLIOptions, args ...string) (string, error) {
	return j.run(ctx, call{args: args, noModel: opts.NoModel, stdin: opts.Stdin, timeout: opts.Timeout})
}

// call describes one CLI invocation made by a Juju method.
type call struct {
	args    []string
	noModel bool          // leave out --model
	stdin   string        // standard input, if any
	timeout time.Duration // zero: j.CommandTimeout
	quiet   bool          // do not log the command (status polls)
}

func (j *Juju) binary() string {
	if j.CLIBinary != "" {
		return j.CLIBinary
	}
	return "juju"
}

func (j *Juju) runner() Runner {
	if j.Runner != nil {
		return j.Runner
	}
	return ExecRunner{}
}

func (j *Juju) logf(format string, args ...any) {
	if j.Logf != nil {
		j.Logf(format, args...)
	}
}

// argv returns the arguments for c, with --model inserted after the
// subcommand when it applies.
func (j *Juju) argv(c call) []string {
	if j.Model == "" || c.noModel || len(c.args) == 0 {
		return c.args
	}
	out := make([]string, 0, len(c.args)+2)
	out = append(out, c.args[0], "--model", j.Model)
	return append(out, c.args[1:]...)
}

// run runs one CLI command and returns its standard output.
func (j *Juju) run(ctx context.Context, c call) (string, error) {
	res, err := j.runResult(ctx, c)
	if err != nil {
		return "", err
	}
	return string(res.Stdout), nil
}

// runResult runs one CLI command. A non-zero exit gives a *CLIError together
// with the Result, so that callers that must read stdout of a failed command
// (juju exec) still can.
func (j *Juju) runResult(ctx context.Context, c call) (Result, error) {
	timeout := c.timeout
	if timeout == 0 {
		timeout = j.CommandTimeout
	}
	if timeout == 0 {
		timeout = DefaultCommandTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	args := j.argv(c)
	cmd := Command{Path: j.binary(), Args: args}
	if c.stdin != "" {
		cmd.Stdin = []byte(c.stdin)
	}
	if !c.quiet {
		j.logf("cli: %s %s", cmd.Path, shellJoin(args))
	}
	res, err := j.runner().Run(ctx, cmd)
	if err != nil {
		return res, fmt.Errorf("juju %s: %w", firstArg(args), err)
	}
	if res.ExitCode != 0 {
		return res, &CLIError{
			Args:     append([]string{cmd.Path}, args...),
			ExitCode: res.ExitCode,
			Stdout:   string(res.Stdout),
			Stderr:   string(res.Stderr),
		}
	}
	return res, nil
}

func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// shellJoin quotes args for a log line that can be pasted into a shell.
func shellJoin(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a != "" && strings.IndexFunc(a, needsQuote) < 0 {
			b.WriteString(a)
			continue
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(a, "'", `'"'"'`))
		b.WriteByte('\'')
	}
	return b.String()
}

func needsQuote(r rune) bool {
	safe := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		strings.ContainsRune("-_./:=,@%+", r)
	return !safe
}
