package jujutest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
)

// Process-level tests: a stand-in "juju" shell script instead of a fake
// runner, to check what ExecRunner does with real processes.

// standIn writes an executable shell script named juju into a new
// temporary directory and returns its path.
func standIn(t *testing.T, script string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "juju")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// procState returns the state letter of pid from /proc/<pid>/stat ("R",
// "S", "Z"...), or "" when the process no longer exists.
func procState(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	// pid (comm) state ...; comm may hold spaces, so look after the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return ""
	}
	return s[i+2 : i+3]
}

// readPID waits for a pid file written by the stand-in.
func readPID(t *testing.T, path string) int {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		data, err := os.ReadFile(path)
		if err == nil && strings.HasSuffix(string(data), "\n") {
			pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
	}
	t.Fatalf("no pid in %s", path)
	return 0
}

// checkGone waits until pid is gone or a zombie (orphans are reaped late by
// PID 1 here), and fails if it still runs; it then kills it, so that a
// failing test leaves no process behind.
func checkGone(t *testing.T, what string, pid int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st := procState(pid); st == "" || st == "Z" {
			return
		}
	}
	t.Errorf("%s (pid %d) still running: state %q", what, pid, procState(pid))
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

func TestCommandTimeoutKillsProcessGroup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The CLI starts a grandchild that holds stdout open, then hangs.
	cli := standIn(t, `sleep 300 &
echo $! > `+dir+`/grandchild
echo $$ > `+dir+`/child
wait
`)
	// The timeout leaves the shell time to write its pid files even on a
	// loaded machine.
	j := &jujutest.Juju{CLIBinary: cli, CommandTimeout: time.Second}
	start := time.Now()
	_, err := j.CLI(t.Context(), "status")
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want context.DeadlineExceeded", err)
	}
	// Returning promptly shows the grandchild's end of the pipe was closed
	// too (otherwise Run waits for WaitDelay, 5s).
	if elapsed > 4*time.Second {
		t.Errorf("CLI returned after %v; the timeout was 1s", elapsed)
	}
	child := readPID(t, dir+"/child")
	grandchild := readPID(t, dir+"/grandchild")
	// The child was reaped by Run: it is gone, not a zombie.
	if st := procState(child); st != "" {
		t.Errorf("child %d state %q after Run returned, want gone (reaped)", child, st)
	}
	checkGone(t, "grandchild", grandchild)
}

func TestCommandCancelKillsProcessGroup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cli := standIn(t, `sleep 300 &
echo $! > `+dir+`/grandchild
wait
`)
	j := &jujutest.Juju{CLIBinary: cli}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := j.CLI(ctx, "status")
		done <- err
	}()
	grandchild := readPID(t, dir+"/grandchild")
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("CLI did not return after cancel")
	}
	checkGone(t, "grandchild", grandchild)
}

func TestCommandStdinAndModel(t *testing.T) {
	t.Parallel()
	cli := standIn(t, `echo "args: $*"; echo "stdin: $(cat)"`)
	j := &jujutest.Juju{CLIBinary: cli, Model: "ctl:admin/m"}
	out, err := j.CLIWith(t.Context(), jujutest.CLIOptions{Stdin: "hello\nworld"}, "add-secret", "s", "--file", "-")
	if err != nil {
		t.Fatal(err)
	}
	want := "args: add-secret --model ctl:admin/m s --file -\nstdin: hello\nworld\n"
	if out != want {
		t.Errorf("output = %q, want %q", out, want)
	}
	out, err = j.CLIWith(t.Context(), jujutest.CLIOptions{NoModel: true}, "version")
	if err != nil || out != "args: version\nstdin: \n" {
		t.Errorf("NoModel: output %q, error %v", out, err)
	}
}

func TestCommandExitCode(t *testing.T) {
	t.Parallel()
	cli := standIn(t, `echo partial
echo "some progress" >&2
echo "ERROR application \"x\" not found" >&2
exit 3
`)
	j := &jujutest.Juju{CLIBinary: cli, Model: "m"}
	_, err := j.CLI(t.Context(), "config", "x")
	var cliErr *jujutest.CLIError
	if !errors.As(err, &cliErr) {
		t.Fatalf("error = %v, want a *CLIError", err)
	}
	if cliErr.ExitCode != 3 || cliErr.Stdout != "partial\n" || !strings.HasPrefix(cliErr.Stderr, "some progress\n") ||
		!slices.Equal(cliErr.Args, []string{cli, "config", "--model", "m", "x"}) {
		t.Errorf("CLIError = %+v", cliErr)
	}
	if want := `exit status 3: ERROR application "x" not found`; !strings.HasSuffix(err.Error(), want) {
		t.Errorf("Error() = %q, want it to end with %q", err.Error(), want)
	}
}

func TestCommandMissingBinary(t *testing.T) {
	t.Parallel()
	j := &jujutest.Juju{CLIBinary: filepath.Join(t.TempDir(), "no-such-juju")}
	_, err := j.CLI(t.Context(), "status")
	var cliErr *jujutest.CLIError
	if err == nil || errors.As(err, &cliErr) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error = %v, want a start failure wrapping os.ErrNotExist", err)
	}
}

func TestLeaderExitEndsBackgroundChildren(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A wrapper that prints a valid status and exits 0, leaving a child
	// that holds stdout and stderr open.
	status := `{"model":{"name":"m"},"applications":{},"controller":{"timestamp":"12:00:00Z"}}`
	cli := standIn(t, `sleep 300 &
echo $! > `+dir+`/background
echo '`+status+`'
exit 0
`)
	j := &jujutest.Juju{CLIBinary: cli, Runner: jujutest.ExecRunner{WaitDelay: 20 * time.Second}}
	start := time.Now()
	st, err := j.Status(t.Context())
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if st.Model.Name != "m" {
		t.Errorf("model = %q, want the printed status", st.Model.Name)
	}
	// Without the group kill, Run would wait the whole WaitDelay (20s) for
	// the pipe to close, and then fail.
	if elapsed > 10*time.Second {
		t.Errorf("Status took %v: it waited for the background child", elapsed)
	}
	checkGone(t, "background child", readPID(t, dir+"/background"))
}
