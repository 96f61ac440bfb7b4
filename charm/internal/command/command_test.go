package command

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestRunReturnsStdout(t *testing.T) {
	t.Parallel()
	out, err := Run(context.Background(), []string{"GREETING=hello"}, "sh", "-c", `printf '%s' "$GREETING"`)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if string(out) != "hello" {
		t.Fatalf("stdout = %q, want %q", out, "hello")
	}
}

func TestRunFoldsStderrIntoError(t *testing.T) {
	t.Parallel()
	_, err := Run(context.Background(), nil, "sh", "-c", "echo 'ERROR no such key' >&2; exit 3")
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("err = %v, want *Error", err)
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 3 {
		t.Fatalf("err = %v, want exit status 3", err)
	}
	want := "sh -c echo 'ERROR no such key' >&2; exit 3: exit status 3: ERROR no such key"
	if err.Error() != want {
		t.Fatalf("err = %q, want %q", err, want)
	}
}

func TestRunKillsProcessGroupOnCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	// The grandchild sleep keeps stdout open: only a group kill ends it.
	_, err := Run(ctx, nil, "sh", "-c", "sleep 30 & sleep 30; wait")
	if err == nil {
		t.Fatal("Run succeeded, want a context error")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want it to wrap context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Run took %v after cancel, want the group killed promptly", d)
	}
}

func TestRunMissingProgram(t *testing.T) {
	t.Parallel()
	_, err := Run(context.Background(), nil, "no-such-program-for-jujutest")
	if err == nil || !strings.Contains(err.Error(), "no-such-program-for-jujutest") {
		t.Fatalf("err = %v, want it to name the program", err)
	}
}
