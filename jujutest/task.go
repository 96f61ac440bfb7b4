package jujutest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Task is the result of a command run with Exec or an action run with Run,
// parsed from "juju exec/run --format json".
type Task struct {
	// ID is the task's id, for "juju show-task".
	ID string
	// Status is the task's status: "completed", "failed", "error",
	// "aborted" or "cancelled" once it has finished. A command that exits
	// non-zero is still "completed"; an action that calls action-fail is
	// "failed" with return code 0.
	Status string
	// Results are the values the action set with action-set (nested maps
	// for dotted keys), without return-code, stdout and stderr, which have
	// their own fields. Integers are int.
	Results map[string]any
	// ReturnCode is the exit code of the command or action script.
	ReturnCode int
	// Stdout and Stderr are the command's or action's output.
	Stdout string
	Stderr string
	// Message is the action-fail message, or why the task failed.
	Message string
	// Log holds the action-log lines, each prefixed with its time.
	Log []string
}

// Success reports whether the task completed with return code 0.
func (t *Task) Success() bool {
	return t != nil && t.Status == "completed" && t.ReturnCode == 0
}

// TaskError reports a task that did not succeed: its status is not
// "completed" or its return code is not 0. The task's output is in Task.
type TaskError struct {
	// Target is the unit or machine the task ran on.
	Target string
	// Task is the failed task.
	Task *Task
}

// Error describes the task: its id, target, status and return code on the
// first line, then its message, output and log.
func (e *TaskError) Error() string {
	t := e.Task
	var b strings.Builder
	fmt.Fprintf(&b, "task %s on %s failed: status %q, return code %d", t.ID, e.Target, t.Status, t.ReturnCode)
	detail := func(name, v string) {
		v = strings.TrimRight(v, "\n")
		if v == "" {
			return
		}
		fmt.Fprintf(&b, "\n%s:", name)
		if strings.Contains(v, "\n") {
			b.WriteString("\n  " + strings.ReplaceAll(v, "\n", "\n  "))
		} else {
			b.WriteString(" " + v)
		}
	}
	detail("message", t.Message)
	if len(t.Results) > 0 {
		data, _ := json.Marshal(t.Results)
		detail("results", string(data))
	}
	detail("stdout", t.Stdout)
	detail("stderr", t.Stderr)
	detail("log", strings.Join(t.Log, "\n"))
	return b.String()
}

// TaskTimeoutError reports that Juju stopped waiting for a task's result:
// the --wait of "juju exec" or "juju run" elapsed ("timed out waiting for
// results"). The task may still be queued or running.
type TaskTimeoutError struct {
	// Target is the unit, machine or units the task was for.
	Target string
	// Err is the CLI failure, with Juju's message on its standard error.
	Err *CLIError
}

// Error returns Juju's message.
func (e *TaskTimeoutError) Error() string {
	sub := ""
	if len(e.Err.Args) > 1 {
		sub = e.Err.Args[1]
	}
	return fmt.Sprintf("juju %s on %s: timed out: %s", sub, e.Target, lastLine(e.Err.Stderr))
}

// Unwrap returns the CLI error.
func (e *TaskTimeoutError) Unwrap() error { return e.Err }

// Timeout reports true, like net.Error.
func (e *TaskTimeoutError) Timeout() bool { return true }

// Is makes the error match context.DeadlineExceeded, as Wait's
// *TimeoutError does, so that one errors.Is test catches every timeout.
func (e *TaskTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// ErrNoTask reports a "juju exec" or "juju run" that ran no task: the unit,
// machine or action does not exist. Juju 3 says so only on standard error
// (with empty output and, for an unknown action, exit status 0); Juju 4
// fails with "(not found)". Test for it with errors.Is.
var ErrNoTask = errors.New("no task ran")

// taskKind distinguishes the two commands whose failures map differently.
type taskKind int

const (
	kindExec taskKind = iota
	kindRun
)

// parseTaskOutput maps the outcome of "juju exec/run --format json" to
// tasks keyed by unit or machine, following the CLI's ways of failing:
//   - "timed out" on stderr: *TaskTimeoutError;
//   - "juju run" on Juju 4, "(not found)" on stderr: ErrNoTask;
//   - "task failed" on stderr: the output is still parsed (a command that
//     exits non-zero, an action that raised); any other failure is returned
//     as is (a *CLIError);
//   - empty output or an empty object: ErrNoTask.
//
// err is what runResult returned for the call.
func parseTaskOutput(kind taskKind, target string, res Result, err error) (map[string]*Task, error) {
	command := "exec"
	if kind == kindRun {
		command = "run"
	}
	if err != nil {
		var cliErr *CLIError
		if !errors.As(err, &cliErr) {
			return nil, err
		}
		switch {
		case strings.Contains(cliErr.Stderr, "timed out"):
			return nil, &TaskTimeoutError{Target: target, Err: cliErr}
		case kind == kindRun && strings.Contains(cliErr.Stderr, "(not found)"):
			return nil, fmt.Errorf("juju run on %s: %w: %s", target, ErrNoTask, lastLine(cliErr.Stderr))
		case strings.Contains(cliErr.Stderr, "task failed"):
			// The tasks ran; their output says how.
		default:
			return nil, err
		}
	}
	out := bytes.TrimSpace(res.Stdout)
	if len(out) == 0 || string(out) == "{}" {
		why := lastLine(string(res.Stderr))
		if why == "" {
			why = "no output; check the unit, machine or action name"
		}
		return nil, fmt.Errorf("juju %s on %s: %w: %s", command, target, ErrNoTask, why)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, fmt.Errorf("juju %s on %s: parsing output: %w", command, target, err)
	}
	if len(raw) == 0 { // "null"
		return nil, fmt.Errorf("juju %s on %s: %w: the output lists no tasks", command, target, ErrNoTask)
	}
	tasks := make(map[string]*Task, len(raw))
	for name, data := range raw {
		t, err := parseTask(data)
		if err != nil {
			return nil, fmt.Errorf("juju %s on %s: parsing task for %s: %w", command, target, name, err)
		}
		tasks[name] = t
	}
	return tasks, nil
}

// wireTask is one entry of "juju exec/run --format json".
type wireTask struct {
	ID      json.RawMessage `json:"id"`
	Status  string          `json:"status"`
	Message string          `json:"message"`
	Error   string          `json:"error"`
	Results json.RawMessage `json:"results"`
	Log     []string        `json:"log"`
}

// parseTask parses one task entry.
func parseTask(data []byte) (*Task, error) {
	var w wireTask
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	t := &Task{Status: w.Status, Message: w.Message, Log: w.Log}
	if t.Message == "" {
		t.Message = w.Error
	}
	if len(w.ID) > 0 {
		var s string
		if err := json.Unmarshal(w.ID, &s); err == nil {
			t.ID = s
		} else {
			t.ID = string(w.ID) // a bare number
		}
	}
	results, err := decodePlain(w.Results)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	if results == nil {
		return t, nil
	}
	m, ok := results.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("results are %T, want an object", results)
	}
	if rc, ok := m["return-code"]; ok {
		code, err := intValue(rc)
		if err != nil {
			return nil, fmt.Errorf("return-code: %w", err)
		}
		t.ReturnCode = code
	}
	if t.Stdout, err = outputValue(m, "stdout"); err != nil {
		return nil, err
	}
	if t.Stderr, err = outputValue(m, "stderr"); err != nil {
		return nil, err
	}
	for _, k := range []string{"return-code", "stdout", "stderr", "stdout-encoding", "stderr-encoding"} {
		delete(m, k)
	}
	t.Results = m
	return t, nil
}

// intValue converts a decoded JSON number or numeric string to int.
func intValue(v any) (int, error) {
	switch v := v.(type) {
	case int:
		return v, nil
	case float64:
		if v != float64(int(v)) {
			return 0, fmt.Errorf("%v is not an integer", v)
		}
		return int(v), nil
	case string:
		return strconv.Atoi(v)
	default:
		return 0, fmt.Errorf("%v is %T, want an integer", v, v)
	}
}

// outputValue returns results[key] as a string, decoding it when
// results[key+"-encoding"] says it is base64 (Juju's way for output that
// is not UTF-8).
func outputValue(results map[string]any, key string) (string, error) {
	v, ok := results[key]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s is %T, want a string", key, v)
	}
	if enc, _ := results[key+"-encoding"].(string); enc == "base64" {
		data, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return "", fmt.Errorf("%s: decoding base64: %w", key, err)
		}
		s = string(data)
	}
	return s, nil
}

// firstTask returns the only task of a single-target call. Juju keys it by
// the unit that ran it, which for "app/leader" is the leader's name.
func firstTask(tasks map[string]*Task) (string, *Task) {
	keys := make([]string, 0, len(tasks))
	for k := range tasks {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[0], tasks[keys[0]]
}
