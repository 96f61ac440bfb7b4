package agent

import (
	"errors"
	"testing"
	"time"

	"github.com/canonical/jujutest/internal/hookrun"
	"github.com/canonical/jujutest/internal/local/state"
)

// TestFinishTask checks how a task's run is reported, as Juju does: exec
// completes whatever its exit code; an action fails on a non-zero exit,
// action-fail or a missing handler.
func TestFinishTask(t *testing.T) {
	t.Parallel()
	now := time.Now()
	notImpl := &hookrun.ActionNotImplementedError{Unit: "tiny/0", Action: "x"}
	for _, tc := range []struct {
		name       string
		kind       string
		res        hookrun.Result
		err        error
		failed     string // action-fail message, "" when not called
		status     string
		message    string
		returnCode int
	}{
		{"exec ok", state.TaskExec, hookrun.Result{Stdout: []byte("hi\n")}, nil, "", state.TaskCompleted, "", 0},
		{"exec exit 3", state.TaskExec, hookrun.Result{Code: 3}, nil, "", state.TaskCompleted, "", 3},
		{"exec timeout", state.TaskExec, hookrun.Result{Code: -1}, errCommandTimedOut, "", state.TaskFailed, "command timed out", -1},
		{"action ok", state.TaskAction, hookrun.Result{}, nil, "", state.TaskCompleted, "", 0},
		{"action exit 4", state.TaskAction, hookrun.Result{Code: 4}, &hookrun.ExitError{Code: 4}, "", state.TaskFailed, "exit status 4", 4},
		{"action-fail", state.TaskAction, hookrun.Result{}, nil, "nope", state.TaskFailed, "nope", 0},
		{"action-fail then exit 2", state.TaskAction, hookrun.Result{Code: 2}, &hookrun.ExitError{Code: 2}, "nope", state.TaskFailed, "nope", 2},
		{"no handler", state.TaskAction, hookrun.Result{}, notImpl, "", state.TaskFailed, `action not implemented on unit "tiny/0"`, 0},
		{"killed", state.TaskAction, hookrun.Result{Code: -1}, errors.New("terminated"), "", state.TaskFailed, "terminated", -1},
	} {
		hc := &hookContext{actionFailed: tc.failed != "", failMessage: tc.failed}
		task := &state.Task{ID: "1", Kind: tc.kind, Status: state.TaskRunning}
		finishTask(task, tc.kind, tc.res, tc.err, hc, now)
		if task.Status != tc.status || task.Message != tc.message || task.ReturnCode != tc.returnCode || !task.Completed.Equal(now) {
			t.Errorf("%s: status %q message %q code %d, want %q %q %d", tc.name, task.Status, task.Message, task.ReturnCode, tc.status, tc.message, tc.returnCode)
		}
		if string(tc.res.Stdout) != task.Stdout {
			t.Errorf("%s: stdout %q", tc.name, task.Stdout)
		}
	}
}
