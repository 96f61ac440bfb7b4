// Package hooktool implements the Juju hook tools (config-get, status-set,
// juju-log, open-port, ...) for the local backend, with the real tools'
// syntax, output formats, error messages and exit codes, and the transport
// that carries a hook-tool invocation from the charm's process to the agent
// that owns the hook's Context.
//
// Flag parsing, error reporting and output formatting use Juju's own
// libraries (github.com/juju/cmd/v3, github.com/juju/gnuflag), so a bad flag
// gives exactly Juju's message and exit code 2, a failed run "ERROR <msg>"
// and exit code 1, and --format smart|yaml|json prints what Juju prints.
package hooktool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/juju/cmd/v3"

	"github.com/canonical/jujutest/internal/hookrpc"
	"github.com/canonical/jujutest/internal/hooktool/toolname"
)

// ErrNoStdin is the error a tool gets when it reads standard input that the
// caller did not supply. Its text is Juju's: the hook-tool client reacts to
// it by sending the request again with its standard input.
var ErrNoStdin = errors.New(hookrpc.NoStdinMessage)

// Names returns the names of the hook tools this package implements, sorted.
// The returned slice is a copy.
func Names() []string { return toolname.Names() }

// IsTool reports whether name is the name of a hook tool this package
// implements.
func IsTool(name string) bool { return toolname.Is(name) }

// newCommand returns a fresh command for the tool bound to c, or nil if the
// tool is unknown.
func newCommand(c Context, tool string) cmd.Command {
	switch tool {
	case "action-fail":
		return &actionFailCommand{ctx: c}
	case "action-get":
		return &actionGetCommand{ctx: c}
	case "action-log":
		return &actionLogCommand{ctx: c}
	case "action-set":
		return &actionSetCommand{ctx: c}
	case "application-version-set":
		return &applicationVersionSetCommand{ctx: c}
	case "close-port":
		return newPortCommand(c, false)
	case "config-get":
		return &configGetCommand{ctx: c}
	case "is-leader":
		return &isLeaderCommand{ctx: c}
	case "juju-log":
		return &jujuLogCommand{ctx: c}
	case "leader-get":
		return &leaderGetCommand{ctx: c}
	case "leader-set":
		return &leaderSetCommand{ctx: c}
	case "network-get":
		return &networkGetCommand{ctx: c}
	case "open-port":
		return newPortCommand(c, true)
	case "opened-ports":
		return &openedPortsCommand{ctx: c}
	case "relation-get":
		return &relationGetCommand{ctx: c}
	case "relation-ids":
		return &relationIDsCommand{ctx: c}
	case "relation-list":
		return &relationListCommand{ctx: c}
	case "relation-set":
		return &relationSetCommand{ctx: c}
	case "state-delete":
		return &stateDeleteCommand{ctx: c}
	case "state-get":
		return &stateGetCommand{ctx: c}
	case "state-set":
		return &stateSetCommand{ctx: c}
	case "status-get":
		return &statusGetCommand{ctx: c}
	case "status-set":
		return &statusSetCommand{ctx: c}
	case "unit-get":
		return &unitGetCommand{ctx: c}
	}
	return nil
}

// Run runs one hook tool against c, as the tool named tool invoked with args
// (not including the tool's name), and returns its exit code: 0 on success,
// 2 for a bad flag or argument, 1 when the tool failed. Errors are written
// to stderr as "ERROR <msg>". Relative paths in args (-o, --file) are
// resolved against the current directory of the process; use RunIn to give
// the hook process's directory.
//
// stdin may be nil, in which case a tool that reads standard input fails
// with ErrNoStdin.
func Run(ctx context.Context, c Context, tool string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return RunIn(ctx, c, "", tool, args, stdin, stdout, stderr)
}

// RunIn is Run with the working directory of the invoking process, against
// which relative paths given to the tool are resolved ("" means the current
// directory of this process).
func RunIn(ctx context.Context, c Context, dir, tool string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	code, _ := run(ctx, c, dir, tool, args, stdin, stdout, stderr)
	return code
}

// run runs the tool and also returns the error its Run step failed with, so
// that the server can recognise ErrNoStdin.
func run(ctx context.Context, c Context, dir, tool string, args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	tool = filepath.Base(tool)
	command := newCommand(c, tool)
	if command == nil {
		err := unknownToolError(tool)
		cmd.WriteError(stderr, err)
		return 2, err
	}
	if stdin == nil {
		stdin = noStdinReader{}
	}
	if dir == "" {
		if abs, err := filepath.Abs("."); err == nil {
			dir = abs
		}
	}
	cmdCtx := &cmd.Context{
		Context: ctx,
		Dir:     dir,
		Stdin:   stdin,
		Stdout:  stdout,
		Stderr:  stderr,
	}
	wrapper := &recordingCommand{Command: command}
	code := cmd.Main(wrapper, cmdCtx, args)
	return code, wrapper.err
}

// unknownToolError is the error for a tool name this package does not know.
func unknownToolError(tool string) error {
	return &UnknownToolError{Name: tool}
}

// UnknownToolError is returned (and printed) when a tool name is not one of
// Names.
type UnknownToolError struct {
	// Name is the unknown tool's name.
	Name string
}

// Error implements error.
func (e *UnknownToolError) Error() string {
	return fmt.Sprintf("unknown hook tool %q; known tools: %s", e.Name, strings.Join(toolname.Names(), ", "))
}

// recordingCommand remembers the error the wrapped command's Run returned.
type recordingCommand struct {
	cmd.Command
	err error
}

// Run implements cmd.Command.
func (c *recordingCommand) Run(ctx *cmd.Context) error {
	c.err = c.Command.Run(ctx)
	return c.err
}

// noStdinReader is the standard input of a tool whose caller did not send
// one.
type noStdinReader struct{}

// Read implements io.Reader.
func (noStdinReader) Read([]byte) (int, error) {
	return 0, ErrNoStdin
}
