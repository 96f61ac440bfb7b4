// Command jujutest gives shell scripts and CI steps what package jujutest
// gives Go tests. Its one subcommand, wait, polls "juju status" until a
// ready condition holds:
//
//	jujutest wait [-m model] [--ready COND]... [--error COND]... [--timeout 10m]
//	              [--delay d] [--successes n] [--format json] [-q]
//
// Conditions are jujutest's predicates, written in lower case with their
// applications after a colon (comma separated; none means every app):
//
//	all-active[:apps]       all-blocked, all-error, all-maintenance, all-waiting
//	any-active[:apps]       any-blocked, any-error, any-maintenance, any-waiting
//	agents-idle[:apps]      every unit agent idle
//	units:app=N             exactly N units; units-at-least:app=N
//	app-gone:app            the application is gone
//	not:COND                the negation of a condition
//
// Several --ready conditions must all hold; any --error condition ends the
// wait. Example:
//
//	jujutest wait -m test --ready all-active:tinyproxy --ready agents-idle --error any-error
//
// The juju binary is $JUJUTEST_CLI, or juju on PATH. Wait's progress goes to
// standard error (-q keeps it quiet); with --format json the final status
// goes to standard output as JSON. Exit status: 0 ready, 1 error condition
// (or "juju status" failing), 124 timeout, 2 usage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/canonical/jujutest/jujutest"
)

// Exit statuses.
const (
	exitReady   = 0
	exitFailed  = 1
	exitUsage   = 2
	exitTimeout = 124 // as timeout(1)
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

const usage = `usage: jujutest wait [-m model] [--ready COND]... [--error COND]... [--timeout 10m]
                     [--delay d] [--successes n] [--format json] [-q]
conditions: all-active[:apps] all-blocked all-error all-maintenance all-waiting,
            any-active[:apps] any-blocked any-error any-maintenance any-waiting,
            agents-idle[:apps], units:app=N, units-at-least:app=N, app-gone:app, not:COND`

// conds collects repeated condition flags.
type conds []string

func (c *conds) String() string     { return strings.Join(*c, " ") }
func (c *conds) Set(v string) error { *c = append(*c, v); return nil }

// run is the command with its environment; runner, when non-nil, replaces
// the real CLI (tests). It returns the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, runner jujutest.Runner) int {
	if len(args) == 0 || args[0] != "wait" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(stdout, usage)
			return exitReady
		}
		fmt.Fprintf(stderr, "jujutest: want the subcommand \"wait\", got %q\n%s\n", strings.Join(args, " "), usage)
		return exitUsage
	}
	fs := flag.NewFlagSet("jujutest wait", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var ready, failure conds
	model := fs.String("m", "", "the `model` to wait on (default: the current model)")
	fs.StringVar(model, "model", "", "the `model` to wait on (same as -m)")
	fs.Var(&ready, "ready", "a `condition` that must hold (repeatable: all must hold; default all-active)")
	fs.Var(&failure, "error", "a `condition` that ends the wait as failed (repeatable: any)")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this `duration`")
	delay := fs.Duration("delay", 0, "a fixed pause between polls (default: adaptive, 10ms up to 1s)")
	successes := fs.Int("successes", 1, "consecutive ready polls needed")
	format := fs.String("format", "", "print the final status to stdout: json")
	quiet := fs.Bool("q", false, "do not print progress to stderr")
	fs.Usage = func() { fmt.Fprintln(stderr, usage); fs.PrintDefaults() }
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitReady
		}
		return exitUsage
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "jujutest wait: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case fs.NArg() != 0:
		return bad("unexpected arguments %q", fs.Args())
	case *timeout <= 0:
		return bad("--timeout must be positive, got %v", *timeout)
	case *delay < 0:
		return bad("--delay must not be negative, got %v", *delay)
	case *successes < 1:
		return bad("--successes must be at least 1, got %d", *successes)
	case *format != "" && *format != "json":
		return bad("--format accepts only json, got %q", *format)
	}
	if len(ready) == 0 {
		ready = conds{"all-active"}
	}
	readyCond, err := parseAll(ready, jujutest.And)
	if err != nil {
		return bad("--ready: %v", err)
	}
	opts := []jujutest.WaitOption{jujutest.WithTimeout(*timeout), jujutest.WithSuccesses(*successes)}
	if len(failure) > 0 {
		errCond, err := parseAll(failure, jujutest.Or)
		if err != nil {
			return bad("--error: %v", err)
		}
		opts = append(opts, jujutest.WithError(errCond))
	}
	if isSet(fs, "delay") {
		opts = append(opts, jujutest.WithDelay(*delay))
	}

	j := &jujutest.Juju{Model: *model, CLIBinary: getenv(jujutest.EnvCLI), Runner: runner}
	if !*quiet {
		j.Logf = func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	}
	st, err := j.Wait(ctx, readyCond, opts...)
	if *format == "json" && st != nil {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if encErr := enc.Encode(st); encErr != nil {
			fmt.Fprintf(stderr, "jujutest wait: writing the status: %v\n", encErr)
		}
	}
	var te *jujutest.TimeoutError
	switch {
	case err == nil:
		return exitReady
	case errors.As(err, &te):
		fmt.Fprintf(stderr, "jujutest wait: %v\n", err)
		return exitTimeout
	default:
		fmt.Fprintf(stderr, "jujutest wait: %v\n", err)
		return exitFailed
	}
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// parseAll parses each condition and joins them with join (And or Or).
func parseAll(exprs []string, join func(...jujutest.Condition) jujutest.Condition) (jujutest.Condition, error) {
	var cs []jujutest.Condition
	for _, e := range exprs {
		c, err := parseCondition(e)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	if len(cs) == 1 {
		return cs[0], nil
	}
	return join(cs...), nil
}

// statusConds are the conditions over workload status that take an
// optional list of applications.
var statusConds = map[string]func(...string) jujutest.Condition{
	"all-active":      jujutest.AllActive,
	"all-blocked":     jujutest.AllBlocked,
	"all-error":       jujutest.AllError,
	"all-maintenance": jujutest.AllMaintenance,
	"all-waiting":     jujutest.AllWaiting,
	"any-active":      jujutest.AnyActive,
	"any-blocked":     jujutest.AnyBlocked,
	"any-error":       jujutest.AnyError,
	"any-maintenance": jujutest.AnyMaintenance,
	"any-waiting":     jujutest.AnyWaiting,
	"agents-idle":     jujutest.AllAgentsIdle,
}

// parseCondition parses one condition of the vocabulary in the package
// comment.
func parseCondition(expr string) (jujutest.Condition, error) {
	if inner, ok := strings.CutPrefix(expr, "not:"); ok {
		c, err := parseCondition(inner)
		if err != nil {
			return nil, err
		}
		return jujutest.Not(c), nil
	}
	name, arg, hasArg := strings.Cut(expr, ":")
	if f, ok := statusConds[name]; ok {
		if !hasArg {
			return f(), nil
		}
		apps := strings.Split(arg, ",")
		for _, a := range apps {
			if a == "" {
				return nil, fmt.Errorf("%q: empty application name in %q", expr, arg)
			}
		}
		return f(apps...), nil
	}
	switch name {
	case "units", "units-at-least":
		app, n, ok := strings.Cut(arg, "=")
		count, err := strconv.Atoi(n)
		if !hasArg || !ok || app == "" || err != nil || count < 0 {
			return nil, fmt.Errorf("%q: want %s:APP=N with N a count >= 0", expr, name)
		}
		if name == "units" {
			return jujutest.UnitsExactly(app, count), nil
		}
		return jujutest.UnitsAtLeast(app, count), nil
	case "app-gone":
		if !hasArg || arg == "" || strings.Contains(arg, ",") {
			return nil, fmt.Errorf("%q: want app-gone:APP with one application", expr)
		}
		return jujutest.AppGone(arg), nil
	}
	return nil, fmt.Errorf("unknown condition %q; accepted: all-active, all-blocked, all-error, all-maintenance, all-waiting, "+
		"any-active, any-blocked, any-error, any-maintenance, any-waiting, agents-idle (each with optional :app,app), "+
		"units:APP=N, units-at-least:APP=N, app-gone:APP, not:COND", expr)
}
