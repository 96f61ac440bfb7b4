package jujutesttest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
)

// HandlerFunc produces the result of one call. It receives the call's
// context and command, so it can look at stdin or block until ctx ends to
// simulate a hung CLI. A non-nil error is returned by Run as is, as a real
// runner does when a process cannot be started or is killed.
type HandlerFunc func(ctx context.Context, cmd jujutest.Command) (jujutest.Result, error)

// Call records one command run through a Runner.
type Call struct {
	// Path is the binary the command named.
	Path string
	// Args are the arguments after the binary.
	Args []string
	// Stdin is the command's standard input ("" when none).
	Stdin string
	// Deadline is the context deadline the call ran with; zero when the
	// context had none.
	Deadline time.Time
}

// Runner is a fake jujutest.Runner. It answers each command whose argument
// list (after the binary) exactly matches a registered one, and fails the
// test for any other. It records every call. A Runner is safe for concurrent
// use.
type Runner struct {
	t testing.TB

	mu       sync.Mutex
	handlers map[string]HandlerFunc
	calls    []Call
}

var _ jujutest.Runner = (*Runner)(nil)

// NewRunner returns a Runner with no registered commands that reports
// unexpected commands to t.
func NewRunner(t testing.TB) *Runner {
	return &Runner{t: t, handlers: make(map[string]HandlerFunc)}
}

// key turns an argument list into a map key; NUL cannot appear in argv.
func key(args []string) string { return strings.Join(args, "\x00") }

// Handle registers res as the result of every call with exactly args.
// A later registration for the same args replaces an earlier one.
func (r *Runner) Handle(args []string, res jujutest.Result) {
	r.HandleFunc(args, func(context.Context, jujutest.Command) (jujutest.Result, error) {
		return cloneResult(res), nil
	})
}

// HandleOutput registers a successful call with exactly args that prints
// stdout.
func (r *Runner) HandleOutput(args []string, stdout string) {
	r.Handle(args, jujutest.Result{Stdout: []byte(stdout)})
}

// HandleSequence registers results returned one per call, in order, for
// calls with exactly args; once they are used up, the last one repeats.
// It suits Wait tests, where each poll of "juju status" sees a newer state.
func (r *Runner) HandleSequence(args []string, results ...jujutest.Result) {
	if len(results) == 0 {
		r.t.Helper()
		r.t.Fatalf("jujutesttest: HandleSequence(%q) needs at least one result", args)
	}
	var (
		mu sync.Mutex
		n  int
	)
	r.HandleFunc(args, func(context.Context, jujutest.Command) (jujutest.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		res := results[min(n, len(results)-1)]
		n++
		return cloneResult(res), nil
	})
}

// HandleFunc registers f to answer every call with exactly args.
// A later registration for the same args replaces an earlier one.
func (r *Runner) HandleFunc(args []string, f HandlerFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handlers[key(args)] = f
}

// Run implements jujutest.Runner. It records the call and answers it with
// the registered handler; an unregistered argument list fails the test
// (with t.Errorf, so Run may be called from any goroutine) and returns an
// error.
func (r *Runner) Run(ctx context.Context, cmd jujutest.Command) (jujutest.Result, error) {
	c := Call{Path: cmd.Path, Args: slices.Clone(cmd.Args), Stdin: string(cmd.Stdin)}
	c.Deadline, _ = ctx.Deadline()
	r.mu.Lock()
	r.calls = append(r.calls, c)
	h, ok := r.handlers[key(cmd.Args)]
	r.mu.Unlock()
	if !ok {
		r.t.Errorf("jujutesttest: unexpected command: %s %s", cmd.Path, quoteArgs(cmd.Args))
		return jujutest.Result{ExitCode: -1}, fmt.Errorf("jujutesttest: no handler for %s", quoteArgs(cmd.Args))
	}
	return h(ctx, cmd)
}

// Calls returns a copy of the calls made so far, in order.
func (r *Runner) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Call, len(r.calls))
	for i, c := range r.calls {
		c.Args = slices.Clone(c.Args)
		out[i] = c
	}
	return out
}

// Args returns the argument lists of the calls made so far, in order.
func (r *Runner) Args() [][]string {
	calls := r.Calls()
	out := make([][]string, len(calls))
	for i, c := range calls {
		out[i] = c.Args
	}
	return out
}

// Count returns how many calls were made with exactly args.
func (r *Runner) Count(args []string) int {
	k := key(args)
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		if key(c.Args) == k {
			n++
		}
	}
	return n
}

func cloneResult(res jujutest.Result) jujutest.Result {
	res.Stdout = slices.Clone(res.Stdout)
	res.Stderr = slices.Clone(res.Stderr)
	return res
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = fmt.Sprintf("%q", a)
	}
	return "[" + strings.Join(q, " ") + "]"
}
