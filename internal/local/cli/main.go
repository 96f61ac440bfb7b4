// Package cli implements the juju-compatible command line of the local
// backend: the subset of Juju 3.6's commands that charm integration tests
// use, with Juju's flags, output formats, error messages and exit codes.
//
// Main is the whole CLI as a function (argv in; stdout, stderr and an exit
// code out), so tests run it in-process against a temporary data directory.
// Commands read and change the state through internal/local/state; the
// model's agent (internal/local/agent, started on demand as a detached
// "juju-local agent <model-uuid>" process) runs the hooks.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/juju/gnuflag"

	"github.com/canonical/jujutest/internal/local/state"
)

// Version is the Juju version the local backend reports and emulates.
const Version = "3.6.11"

// ControllerName is the name of the local backend's controller.
const ControllerName = state.ControllerName

// EnvAllowHost is the environment variable that opts in to running hooks on
// this host.
const EnvAllowHost = "JUJU_LOCAL_ALLOW_HOST"

// Exit codes, as Juju's cmd package uses them.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError is an error in the command's flags or arguments: Juju prints
// it and exits 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// errSilent makes the command exit 1 without printing anything more (it has
// already printed its own error).
var errSilent = errors.New("silent error")

// exitCodeError makes the command exit with Code after printing nothing.
type exitCodeError struct{ Code int }

func (e *exitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// env is the environment of one CLI invocation.
type env map[string]string

func newEnv(kv []string) env {
	e := env{}
	for _, s := range kv {
		if k, v, ok := strings.Cut(s, "="); ok {
			e[k] = v
		}
	}
	return e
}

func (e env) get(k string) string { return e[k] }

// run is one invocation of the CLI.
type run struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	env    env
	envKV  []string
	store  *state.Store
	// verbose is set by the common --verbose flag.
	verbose bool
	// cmdName is the running command's name.
	cmdName string
}

// commandFunc runs one command with its arguments (after the command name).
type commandFunc func(r *run, args []string) error

// commands is the table of supported commands.
func commands() map[string]commandFunc {
	return map[string]commandFunc{
		"version":            (*run).cmdVersion,
		"add-model":          (*run).cmdAddModel,
		"destroy-model":      (*run).cmdDestroyModel,
		"models":             (*run).cmdModels,
		"list-models":        (*run).cmdModels,
		"status":             (*run).cmdStatus,
		"deploy":             (*run).cmdDeploy,
		"config":             (*run).cmdConfig,
		"add-unit":           (*run).cmdAddUnit,
		"remove-unit":        (*run).cmdRemoveUnit,
		"remove-application": (*run).cmdRemoveApplication,
		"expose":             (*run).cmdExpose,
		"integrate":          (*run).cmdIntegrate,
		"relate":             (*run).cmdIntegrate,
		"remove-relation":    (*run).cmdRemoveRelation,
		"unexpose":           (*run).cmdUnexpose,
		"exec":               (*run).cmdExec,
		"run":                (*run).cmdRun,
		"show-unit":          (*run).cmdShowUnit,
		"debug-log":          (*run).cmdDebugLog,
		"model-config":       (*run).cmdModelConfig,
		"switch":             (*run).cmdSwitch,
		"agent":              (*run).cmdAgent,
		"ssh":                (*run).cmdSSH,
		"add-machine":        (*run).cmdAddMachine,
		"remove-machine":     (*run).cmdRemoveMachine,
		"scp":                (*run).cmdSCP,
	}
}

// Main runs the CLI with args (not including the program name) and returns
// the process exit code. env is the environment as os.Environ returns it;
// it chooses the data directory (JUJU_LOCAL_DATA) and carries the host
// opt-in (JUJU_LOCAL_ALLOW_HOST).
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) int {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	r := &run{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, env: newEnv(environ), envKV: environ}
	args = rewriteVersionFlag(args)
	if len(args) == 0 || args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(stdout, helpText())
		return exitOK
	}
	name := args[0]
	cmd, ok := commands()[name]
	if !ok {
		if strings.HasPrefix(name, "-") {
			fmt.Fprintf(stderr, "ERROR option provided but not defined: %s\n", name)
			return exitUsage
		}
		return r.report(unknownCommand(name))
	}
	if name != "version" && name != "agent" {
		var err error
		if r.store, err = state.OpenDefault(r.env.get); err != nil {
			return r.report(err)
		}
		r.store.Warnf = func(format string, args ...any) { fmt.Fprintf(r.stderr, "WARNING "+format+"\n", args...) }
	}
	r.cmdName = name
	return r.report(cmd(r, args[1:]))
}

// rewriteVersionFlag turns "juju --version" into "juju version", as Juju
// does.
func rewriteVersionFlag(args []string) []string {
	if len(args) == 1 && args[0] == "--version" {
		return []string{"version"}
	}
	return args
}

// report prints err as Juju does and returns the exit code.
func (r *run) report(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var ec *exitCodeError
	switch {
	case errors.Is(err, errSilent):
		return exitError
	case errors.As(err, &ec):
		return ec.Code
	case errors.Is(err, gnuflag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(r.stderr, "ERROR %s\n", err)
		return exitUsage
	}
	fmt.Fprintf(r.stderr, "ERROR %s\n", err)
	return exitError
}

// infof writes an informational line to stderr, as Juju's ctx.Infof does.
func (r *run) infof(format string, args ...any) {
	fmt.Fprintf(r.stderr, format+"\n", args...)
}

// flags returns a flag set for a command with Juju's common flags
// registered (accepted and ignored where they only affect logging).
func (r *run) flags(name string) *gnuflag.FlagSet {
	fs := gnuflag.NewFlagSetWithFlagKnownAs(name, gnuflag.ContinueOnError, "option")
	fs.SetOutput(io.Discard)
	var ignored bool
	var ignoredS string
	fs.BoolVar(&ignored, "debug", false, "")
	fs.BoolVar(&r.verbose, "verbose", false, "")
	fs.BoolVar(&ignored, "quiet", false, "")
	fs.BoolVar(&ignored, "show-log", false, "")
	fs.StringVar(&ignoredS, "logging-config", "", "")
	fs.BoolVar(&ignored, "no-browser-login", false, "")
	fs.BoolVar(&ignored, "B", false, "")
	return fs
}

// parse parses args with fs, allowing flags between positional arguments
// as Juju does. A flag error is a usage error; -h/--help prints the
// command's help.
func (r *run) parse(fs *gnuflag.FlagSet, args []string) error {
	return r.parseArgs(fs, args, true)
}

// parseArgs is parse; with intersperse false, flags end at the first
// argument that is not one (as Juju's ssh and scp parse theirs: what
// follows the target is ssh's).
func (r *run) parseArgs(fs *gnuflag.FlagSet, args []string, intersperse bool) error {
	name := r.cmdName
	var help bool
	if fs.Lookup("help") == nil {
		fs.BoolVar(&help, "help", false, "")
		fs.BoolVar(&help, "h", false, "")
	}
	if err := fs.Parse(intersperse, args); err != nil {
		return &usageError{err}
	}
	if help {
		fmt.Fprintf(r.stdout, "Usage: juju %s [options]\n\nThe local backend (juju-local) implements this command as Juju 3.6 does.\n", name)
		return gnuflag.ErrHelp
	}
	return nil
}

// modelFlag registers -m/--model and returns where the value lands.
func modelFlag(fs *gnuflag.FlagSet) *string {
	var m string
	fs.StringVar(&m, "m", "", "Model to operate in. Accepts [<controller name>:]<model name>|<model UUID>")
	fs.StringVar(&m, "model", "", "")
	return &m
}

// output holds the --format and -o flags of a command.
type output struct {
	format string
	path   string
}

// outputFlags registers --format and -o/--output with the default format.
func outputFlags(fs *gnuflag.FlagSet, def string) *output {
	o := &output{}
	fs.StringVar(&o.format, "format", def, "Specify output format")
	fs.StringVar(&o.path, "o", "", "Specify an output file")
	fs.StringVar(&o.path, "output", "", "")
	return o
}

// check validates the format against the accepted ones.
func (o *output) check(accepted ...string) error {
	for _, a := range accepted {
		if o.format == a {
			return nil
		}
	}
	return usagef("invalid value %q for option --format: unknown format %q", o.format, o.format)
}

// writer returns where output goes (-o file or stdout) and a close func.
func (r *run) writer(o *output) (io.Writer, func() error, error) {
	if o == nil || o.path == "" {
		return r.stdout, func() error { return nil }, nil
	}
	f, err := os.Create(o.path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// noArgs checks that no positional arguments are left.
func noArgs(args []string) error {
	if len(args) > 0 {
		return usagef("unrecognized args: %s", quoteArgs(args))
	}
	return nil
}

// quoteArgs renders args as Juju's CheckEmpty does: ["a" "b"].
func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = fmt.Sprintf("%q", a)
	}
	return "[" + strings.Join(q, " ") + "]"
}

// unknownCommand is Juju's answer to a command it does not have: when a
// Juju command name is close enough, "juju: "x" is not a juju command. See
// "juju --help"." with a suggestion; otherwise "unrecognized command".
// Either way the exit code is 1, as Juju's (the error comes from Run).
// Juju commands that the local backend does not implement get a clear
// error instead.
func unknownCommand(name string) error {
	if isJujuCommand(name) {
		return usagef("juju-local does not implement %q (a juju command); supported commands: %s",
			name, strings.Join(supportedNames(), ", "))
	}
	if closest, ok := closestJujuCommand(name); ok {
		return fmt.Errorf("juju: %q is not a juju command. See \"juju --help\".\n\nDid you mean:\n\t%s", name, closest)
	}
	return fmt.Errorf("unrecognized command: juju %s", name)
}

// supportedNames returns the visible supported command names, sorted.
func supportedNames() []string {
	var names []string
	for n := range commands() {
		if n != "agent" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// helpText is the top-level help.
func helpText() string {
	return "juju-local: a juju-compatible CLI that runs charms on this host, without a controller.\n\n" +
		"Commands:\n    " + strings.Join(supportedNames(), "\n    ") + "\n\n" +
		"Data directory: $JUJU_LOCAL_DATA (default $XDG_DATA_HOME/juju-local or ~/.local/share/juju-local).\n" +
		"Hooks change this host (apt, /etc, daemons): set JUJU_LOCAL_ALLOW_HOST=1 (or deploy --allow-host) to let them run.\n"
}
