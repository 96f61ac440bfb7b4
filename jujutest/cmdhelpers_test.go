package jujutest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/jujutesttest"
)

// Helpers shared by the tests of the command methods (deploy.go, exec.go,
// secrets.go...).

// cmdJuju returns a Juju on model "m" whose commands go to a fake runner.
func cmdJuju(t *testing.T) (*jujutest.Juju, *jujutesttest.Runner) {
	t.Helper()
	r := jujutesttest.NewRunner(t)
	// These tests check the exact commands run: the status reads of
	// change tracking are tested in changes_test.go.
	return &jujutest.Juju{Model: "m", Runner: r, DisableChangeTracking: true}, r
}

// cmdCtx returns a context that ends with the test.
func cmdCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// cmdArgs splits a command line on spaces, for readable expectations.
func cmdArgs(line string) []string { return strings.Fields(line) }

// okCall registers a successful call with the given space-separated argv.
func okCall(r *jujutesttest.Runner, line, stdout string) {
	r.HandleOutput(cmdArgs(line), stdout)
}

// failCall registers a call that exits with code and prints stdout and stderr.
func failCall(r *jujutesttest.Runner, line string, code int, stdout, stderr string) {
	r.Handle(cmdArgs(line), jujutest.Result{Stdout: []byte(stdout), Stderr: []byte(stderr), ExitCode: code})
}

// capturedFile is a temporary file a command received by path.
type capturedFile struct {
	Path    string
	Content string
}

// fileCapture is a Runner in front of a jujutesttest.Runner. Each argument
// that is a file in a jujutest temporary directory is read (while it still
// exists) and replaced by "FILE" before the call is matched, since its
// name is random.
type fileCapture struct {
	next jujutest.Runner

	mu    sync.Mutex
	files []capturedFile
}

// Run implements jujutest.Runner.
func (c *fileCapture) Run(ctx context.Context, cmd jujutest.Command) (jujutest.Result, error) {
	args := slices.Clone(cmd.Args)
	for i, a := range args {
		if !strings.HasPrefix(filepath.Base(filepath.Dir(a)), "jujutest-") {
			continue
		}
		data, err := os.ReadFile(a)
		if err != nil {
			return jujutest.Result{ExitCode: -1}, err
		}
		c.mu.Lock()
		c.files = append(c.files, capturedFile{Path: a, Content: string(data)})
		c.mu.Unlock()
		args[i] = "FILE"
	}
	cmd.Args = args
	return c.next.Run(ctx, cmd)
}

// only returns the one file captured, failing the test if there was not
// exactly one, and checks that it has been removed since.
func (c *fileCapture) only(t *testing.T) capturedFile {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.files) != 1 {
		t.Fatalf("captured %d temporary files, want 1: %+v", len(c.files), c.files)
	}
	f := c.files[0]
	if _, err := os.Stat(filepath.Dir(f.Path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary directory %s still exists after the call (stat: %v)", filepath.Dir(f.Path), err)
	}
	return f
}

// fileJuju is cmdJuju with a fileCapture in front of the fake runner.
func fileJuju(t *testing.T) (*jujutest.Juju, *jujutesttest.Runner, *fileCapture) {
	t.Helper()
	r := jujutesttest.NewRunner(t)
	c := &fileCapture{next: r}
	return &jujutest.Juju{Model: "m", Runner: c}, r, c
}

// wantErrContains fails the test unless err is non-nil and mentions want.
func wantErrContains(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
}

// noCalls fails the test if the runner ran anything.
func noCalls(t *testing.T, r *jujutesttest.Runner) {
	t.Helper()
	if calls := r.Args(); len(calls) != 0 {
		t.Errorf("ran %q, want no command", calls)
	}
}
