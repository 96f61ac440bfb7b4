package jujutest_test

import (
	"context"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
)

const execOK = `{"tinyproxy/0":{"id":"2","results":{"return-code":0,"stdout":"hi\n"},"status":"completed",` +
	`"timing":{"completed":"2025-10-15 13:40:01 +0000 UTC","enqueued":"2025-10-15 13:40:00 +0000 UTC","started":"2025-10-15 13:40:00 +0000 UTC"},` +
	`"unit":"tinyproxy/0"}}` + "\n"

func TestExecCompleted(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "exec --model m --format json --unit tinyproxy/0 -- echo hi", execOK)
	task, err := j.Exec(cmdCtx(t), "tinyproxy/0", "echo", "hi")
	if err != nil {
		t.Fatal(err)
	}
	want := &jujutest.Task{ID: "2", Status: "completed", Results: map[string]any{}, Stdout: "hi\n"}
	if !reflect.DeepEqual(task, want) {
		t.Errorf("Exec = %+v, want %+v", task, want)
	}
	if !task.Success() {
		t.Error("Success() = false for a completed task with return code 0")
	}
}

func TestExecNonZeroReturnCode(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	stdout := `{"tinyproxy/0":{"id":"3","results":{"return-code":2,"stdout":"partial\n","stderr":"boom\n"},"status":"completed","unit":"tinyproxy/0"}}`
	stderr := "ERROR the following task failed:\n - id \"3\" with return code 2\n\nuse 'juju show-task' to inspect the failure\n"
	failCall(r, "exec --model m --format json --unit tinyproxy/0 -- false", 1, stdout, stderr)
	task, err := j.Exec(cmdCtx(t), "tinyproxy/0", "false")
	var taskErr *jujutest.TaskError
	if !errors.As(err, &taskErr) {
		t.Fatalf("got error %v, want a *TaskError", err)
	}
	if task == nil || task.ReturnCode != 2 || task.Stdout != "partial\n" || task.Stderr != "boom\n" || task.Status != "completed" {
		t.Errorf("task = %+v, want return code 2 with its output", task)
	}
	if taskErr.Task != task || taskErr.Target != "tinyproxy/0" {
		t.Errorf("TaskError = %+v, want the returned task on tinyproxy/0", taskErr)
	}
	for _, s := range []string{`task 3 on tinyproxy/0 failed: status "completed", return code 2`, "stdout: partial", "stderr: boom"} {
		wantErrContains(t, err, s)
	}
	if task.Success() {
		t.Error("Success() = true for return code 2")
	}
}

func TestExecMachineAndWait(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	r.HandleOutput(cmdArgs("exec --model m --format json --machine 0 --wait 1200s -- hostname"),
		`{"0":{"id":"5","results":{"return-code":0,"stdout":"juju-0\n"},"status":"completed","machine":"0"}}`)
	before := time.Now()
	task, err := j.ExecWith(t.Context(), jujutest.ExecOptions{Machine: "0", Wait: 20 * time.Minute}, "hostname")
	if err != nil {
		t.Fatal(err)
	}
	if task.Stdout != "juju-0\n" {
		t.Errorf("Stdout = %q", task.Stdout)
	}
	// The call outlives Juju's own wait, so that Juju reports the timeout.
	if d := r.Calls()[0].Deadline; d.Before(before.Add(20 * time.Minute)) {
		t.Errorf("deadline %v is before the 20m wait ends", d)
	}
}

func TestExecTimedOut(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	failCall(r, "exec --model m --format json --unit app/0 --wait 1s -- sleep 10", 1, "", "ERROR timed out waiting for results from: unit app/0\n")
	_, err := j.ExecWith(cmdCtx(t), jujutest.ExecOptions{Unit: "app/0", Wait: time.Second}, "sleep", "10")
	var te *jujutest.TaskTimeoutError
	if !errors.As(err, &te) || te.Target != "app/0" || !te.Timeout() {
		t.Fatalf("got %v, want a *TaskTimeoutError for app/0", err)
	}
	var cliErr *jujutest.CLIError
	if !errors.As(err, &cliErr) || cliErr.ExitCode != 1 {
		t.Errorf("TaskTimeoutError does not unwrap to the *CLIError")
	}
	wantErrContains(t, err, "timed out waiting for results from: unit app/0")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("a TaskTimeoutError does not match context.DeadlineExceeded")
	}
}

func TestExecReturnCodeAsString(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "exec --model m --format json --unit app/0 -- true", `{"app/0":{"id":7,"results":{"return-code":"0"},"status":"completed"}}`)
	task, err := j.Exec(cmdCtx(t), "app/0", "true")
	if err != nil || task.ID != "7" || task.ReturnCode != 0 {
		t.Fatalf("Exec = %+v, %v; want id 7 and return code 0", task, err)
	}
}

func TestExecNoTask(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "exec --model m --format json --unit ghost/0 -- true", "")
	_, err := j.Exec(cmdCtx(t), "ghost/0", "true")
	if !errors.Is(err, jujutest.ErrNoTask) {
		t.Fatalf("got %v, want ErrNoTask", err)
	}
	wantErrContains(t, err, "ghost/0")
}

func TestExecOtherFailureIsCLIError(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	failCall(r, "exec --model m --format json --unit app/0 -- true", 1, "", "ERROR permission denied\n")
	_, err := j.Exec(cmdCtx(t), "app/0", "true")
	var cliErr *jujutest.CLIError
	if !errors.As(err, &cliErr) {
		t.Fatalf("got %v, want a *CLIError", err)
	}
	if errors.Is(err, jujutest.ErrNoTask) {
		t.Error("a CLI failure matched ErrNoTask")
	}
}

func TestExecBase64Output(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	raw := "\xff\xfe binary"
	enc := base64.StdEncoding.EncodeToString([]byte(raw))
	okCall(r, "exec --model m --format json --unit app/0 -- cat /bin/x",
		`{"app/0":{"id":"6","results":{"return-code":0,"stdout":"`+enc+`","stdout-encoding":"base64"},"status":"completed"}}`)
	task, err := j.Exec(cmdCtx(t), "app/0", "cat", "/bin/x")
	if err != nil {
		t.Fatal(err)
	}
	if task.Stdout != raw || len(task.Results) != 0 {
		t.Errorf("task = %+v, want the decoded output and no leftover results", task)
	}
}

func TestExecBadInput(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	ctx := cmdCtx(t)
	_, err := j.ExecWith(ctx, jujutest.ExecOptions{Unit: "a/0", Machine: "0"}, "true")
	wantErrContains(t, err, "exactly one of Unit and Machine")
	_, err = j.ExecWith(ctx, jujutest.ExecOptions{}, "true")
	wantErrContains(t, err, "exactly one of Unit and Machine")
	_, err = j.Exec(ctx, "a/0")
	wantErrContains(t, err, "no command")
	_, err = j.ExecWith(ctx, jujutest.ExecOptions{Unit: "a/0", Wait: -time.Second}, "true")
	wantErrContains(t, err, "must be zero")
	noCalls(t, r)
}

// execAllStatus has a principal app with two units, each with a
// subordinate unit of nrpe.
const execAllStatus = `{"model":{"name":"m","type":"iaas","controller":"c","cloud":"lxd","version":"3.6.11","model-status":{}},` +
	`"machines":{},"applications":{` +
	`"tinyproxy":{"charm":"tinyproxy","charm-origin":"charmhub","charm-name":"tinyproxy","charm-rev":1,"exposed":false,` +
	`"application-status":{"current":"active"},"units":{` +
	`"tinyproxy/0":{"workload-status":{"current":"active"},"juju-status":{"current":"idle"},"subordinates":{"nrpe/1":{"workload-status":{"current":"active"},"juju-status":{"current":"idle"}}}},` +
	`"tinyproxy/1":{"workload-status":{"current":"active"},"juju-status":{"current":"idle"},"subordinates":{"nrpe/0":{"workload-status":{"current":"active"},"juju-status":{"current":"idle"}}}}}},` +
	`"nrpe":{"charm":"nrpe","charm-origin":"charmhub","charm-name":"nrpe","charm-rev":1,"exposed":false,` +
	`"application-status":{"current":"active"},"subordinate-to":["tinyproxy"]},` +
	`"empty":{"charm":"empty","charm-origin":"charmhub","charm-name":"empty","charm-rev":1,"exposed":false,"application-status":{}}}}`

func TestExecAll(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "status --model m tinyproxy --format json", execAllStatus)
	okCall(r, "exec --model m --format json --unit tinyproxy/0,tinyproxy/1 -- uptime",
		`{"tinyproxy/0":{"id":"10","results":{"return-code":0,"stdout":"up 1\n"},"status":"completed"},`+
			`"tinyproxy/1":{"id":"11","results":{"return-code":0,"stdout":"up 2\n"},"status":"completed"}}`)
	tasks, err := j.ExecAll(cmdCtx(t), "tinyproxy", "uptime")
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2 || tasks["tinyproxy/0"].Stdout != "up 1\n" || tasks["tinyproxy/1"].Stdout != "up 2\n" {
		t.Errorf("ExecAll = %+v, want both units' output", tasks)
	}
}

func TestExecAllSubordinateWithFailure(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "status --model m nrpe --format json", execAllStatus)
	failCall(r, "exec --model m --format json --unit nrpe/0,nrpe/1 -- check", 1,
		`{"nrpe/0":{"id":"12","results":{"return-code":0},"status":"completed"},`+
			`"nrpe/1":{"id":"13","results":{"return-code":3,"stderr":"critical\n"},"status":"completed"}}`,
		"ERROR the following task failed:\n - id \"13\" with return code 3\n")
	tasks, err := j.ExecAll(cmdCtx(t), "nrpe", "check")
	if len(tasks) != 2 {
		t.Fatalf("got %d tasks, want 2 even with a failure", len(tasks))
	}
	var taskErr *jujutest.TaskError
	if !errors.As(err, &taskErr) || taskErr.Target != "nrpe/1" || taskErr.Task.ReturnCode != 3 {
		t.Fatalf("got %v, want a *TaskError for nrpe/1", err)
	}
	if strings.Contains(err.Error(), "nrpe/0") {
		t.Errorf("error %q mentions the unit that succeeded", err)
	}
}

func TestExecAllNoUnits(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "status --model m empty --format json", execAllStatus)
	okCall(r, "status --model m gone --format json", execAllStatus)
	_, err := j.ExecAll(cmdCtx(t), "empty", "true")
	wantErrContains(t, err, `application "empty" has no units`)
	_, err = j.ExecAll(cmdCtx(t), "gone", "true")
	wantErrContains(t, err, `application "gone" not found`)
}

func TestRunCompletedWithParams(t *testing.T) {
	t.Parallel()
	j, r, files := fileJuju(t)
	okCall(r, "run --model m --format json app/0 do-thing --params FILE",
		`{"app/0":{"id":"8","log":["2025-10-15 13:40:01 +0000 UTC starting"],"results":{"answer":"42","nested":{"k":"v"},"return-code":0,"stdout":"out\n"},"status":"completed","unit":"app/0"}}`)
	task, err := j.Run(cmdCtx(t), "app/0", "do-thing", &jujutest.RunOptions{
		Params: map[string]any{"name": "x", "count": 3, "delay": 1.5, "flag": true},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &jujutest.Task{
		ID:      "8",
		Status:  "completed",
		Results: map[string]any{"answer": "42", "nested": map[string]any{"k": "v"}},
		Stdout:  "out\n",
		Log:     []string{"2025-10-15 13:40:01 +0000 UTC starting"},
	}
	if !reflect.DeepEqual(task, want) {
		t.Errorf("Run = %+v, want %+v", task, want)
	}
	f := files.only(t)
	if wantYAML := "count: 3\ndelay: 1.5\nflag: true\nname: x\n"; f.Content != wantYAML {
		t.Errorf("params file = %q, want %q", f.Content, wantYAML)
	}
}

func TestRunFailedActionExitZero(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "run --model m --format json app/0 do-thing",
		`{"app/0":{"id":"9","message":"it broke","results":{"return-code":0},"status":"failed","unit":"app/0"}}`)
	task, err := j.Run(cmdCtx(t), "app/0", "do-thing", nil)
	var taskErr *jujutest.TaskError
	if !errors.As(err, &taskErr) {
		t.Fatalf("got %v, want a *TaskError although juju exited 0", err)
	}
	if task.Status != "failed" || task.Message != "it broke" || task.ReturnCode != 0 {
		t.Errorf("task = %+v", task)
	}
	wantErrContains(t, err, "message: it broke")
}

func TestRunException(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	failCall(r, "run --model m --format json app/0 do-thing", 1,
		`{"app/0":{"id":"10","message":"exit status 1","results":{"return-code":1,"stderr":"Traceback...\n"},"status":"failed","unit":"app/0"}}`,
		"ERROR the following task failed:\n - id \"10\" with return code 1\n")
	task, err := j.Run(cmdCtx(t), "app/0", "do-thing", nil)
	var taskErr *jujutest.TaskError
	if !errors.As(err, &taskErr) || task == nil || task.ReturnCode != 1 || task.Stderr != "Traceback...\n" {
		t.Fatalf("got %+v, %v; want the task with return code 1 and a *TaskError", task, err)
	}
}

func TestRunLeaderAndWait(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "run --model m --format json app/leader get-password --wait 90s",
		`{"app/2":{"id":"14","results":{"password":"s3cret","return-code":0},"status":"completed","unit":"app/2"}}`)
	task, err := j.Run(cmdCtx(t), "app/leader", "get-password", &jujutest.RunOptions{Wait: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if task.Results["password"] != "s3cret" {
		t.Errorf("Results = %v", task.Results)
	}
}

func TestRunNoTask(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		code   int
		stdout string
		stderr string
	}{
		{"juju 3 unknown action", 0, "", "Operation 3 failed to schedule any tasks:\n  - unit app/0: action \"nope\" not defined\n"},
		{"empty object", 0, "{}\n", ""},
		{"null", 0, "null\n", ""},
		{"juju 4 not found", 1, "", "ERROR action \"nope\" (not found)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			j, r := cmdJuju(t)
			failCall(r, "run --model m --format json app/0 nope", tt.code, tt.stdout, tt.stderr)
			_, err := j.Run(cmdCtx(t), "app/0", "nope", nil)
			if !errors.Is(err, jujutest.ErrNoTask) {
				t.Fatalf("got %v, want ErrNoTask", err)
			}
		})
	}
}

func TestRunTimedOut(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	failCall(r, "run --model m --format json app/0 slow", 1, "", "ERROR timed out waiting for results from: unit app/0\n")
	_, err := j.Run(cmdCtx(t), "app/0", "slow", nil)
	var te *jujutest.TaskTimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want a *TaskTimeoutError", err)
	}
}

func TestRunBadInput(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	_, err := j.Run(cmdCtx(t), "app/0", "", nil)
	wantErrContains(t, err, "want a unit and an action")
	_, err = j.Run(cmdCtx(t), "app/0", "x", &jujutest.RunOptions{Wait: -1})
	wantErrContains(t, err, "must be zero")
	noCalls(t, r)
}
