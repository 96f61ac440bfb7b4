// Package command runs an external program with a context, the way the
// charm needs it: stdout returned, stderr folded into the error, the whole
// process group killed when the context ends, and every wait bounded.
package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// waitDelay bounds how long Run waits for the program's output pipes to
// close after the program has exited or been killed (a daemon that keeps
// them open must not hang the hook).
const waitDelay = 5 * time.Second

// maxStderr is how much of the program's stderr an error keeps (the tail).
const maxStderr = 2000

// Error is returned when a program cannot be started or exits unsuccessfully.
type Error struct {
	Argv   []string // program name and arguments
	Stderr string   // the program's stderr, trimmed (its tail if long)
	Err    error    // the underlying error, e.g. *exec.ExitError
}

// Error returns "<argv>: <err>: <stderr>".
func (e *Error) Error() string {
	msg := strings.Join(e.Argv, " ") + ": " + e.Err.Error()
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Run runs name with args and returns its stdout. extraEnv entries
// ("KEY=value") are added to the current environment. The program runs in
// its own process group, which is killed when ctx is done.
func Run(ctx context.Context, extraEnv []string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if len(extraEnv) > 0 {
		cmd.Env = append(os.Environ(), extraEnv...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// Kill the whole group: children of the program die with it.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = waitDelay
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%w)", err, ctxErr)
		}
		return stdout.Bytes(), &Error{Argv: append([]string{name}, args...), Stderr: tail(stderr.String()), Err: err}
	}
	return stdout.Bytes(), nil
}

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxStderr {
		s = "..." + s[len(s)-maxStderr:]
	}
	return s
}
