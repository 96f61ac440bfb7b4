package jujutest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// ExecOptions say where ExecWith runs a command. Exactly one of Unit and
// Machine must be set.
type ExecOptions struct {
	// Unit is the unit to run on, such as "tinyproxy/0" or
	// "tinyproxy/leader" (--unit).
	Unit string
	// Machine is the machine to run on, such as "0" (--machine).
	Machine string
	// Wait is how long Juju waits for the result (--wait). Zero means
	// Juju's default, 5 minutes.
	Wait time.Duration
}

// Exec runs "juju exec" on unit: command with its arguments, quoted by
// Juju and run by a shell on the unit, in the hook environment.
//
// A command that exits non-zero returns the Task (with its output) and a
// *TaskError. Juju giving up waiting returns a *TaskTimeoutError; an
// unknown unit returns an error matching ErrNoTask.
func (j *Juju) Exec(ctx context.Context, unit string, command ...string) (*Task, error) {
	return j.ExecWith(ctx, ExecOptions{Unit: unit}, command...)
}

// ExecWith is Exec on a unit or a machine, with a wait time.
func (j *Juju) ExecWith(ctx context.Context, opts ExecOptions, command ...string) (*Task, error) {
	if (opts.Unit == "") == (opts.Machine == "") {
		return nil, fmt.Errorf("juju exec: set exactly one of Unit and Machine (got unit %q, machine %q)", opts.Unit, opts.Machine)
	}
	a := argList{"exec", "--format", "json"}
	target := opts.Unit
	if opts.Unit != "" {
		a.add("--unit", opts.Unit)
	} else {
		target = opts.Machine
		a.add("--machine", opts.Machine)
	}
	tasks, err := j.exec(ctx, a, target, opts.Wait, command)
	if err != nil {
		return nil, err
	}
	name, t := firstTask(tasks)
	if !t.Success() {
		return t, &TaskError{Target: name, Task: t}
	}
	return t, nil
}

// ExecAll runs "juju exec" on every unit of app in one call (subordinate
// units included) and returns the tasks keyed by unit name. The units are
// read from "juju status <app>" first; an application with no units is an
// error.
//
// The map holds every task Juju reported, even when some failed; the error
// then joins one *TaskError per failed unit, in unit order.
func (j *Juju) ExecAll(ctx context.Context, app string, command ...string) (map[string]*Task, error) {
	if err := required("exec", "application", app); err != nil {
		return nil, err
	}
	st, err := j.StatusWith(ctx, StatusOptions{Apps: []string{app}})
	if err != nil {
		return nil, err
	}
	units := slices.Sorted(maps.Keys(st.Units(app)))
	if len(units) == 0 {
		if _, ok := st.Apps[app]; !ok {
			return nil, fmt.Errorf("juju exec: application %q not found in the model", app)
		}
		return nil, fmt.Errorf("juju exec: application %q has no units", app)
	}
	a := argList{"exec", "--format", "json", "--unit", strings.Join(units, ",")}
	tasks, err := j.exec(ctx, a, app, 0, command)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, u := range units {
		t, ok := tasks[u]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("juju exec on %s: %w: no result for this unit", u, ErrNoTask))
		case !t.Success():
			errs = append(errs, &TaskError{Target: u, Task: t})
		}
	}
	return tasks, errors.Join(errs...)
}

// exec runs a prepared "juju exec" argument list (without --wait and the
// command) and parses its tasks.
func (j *Juju) exec(ctx context.Context, a argList, target string, wait time.Duration, command []string) (map[string]*Task, error) {
	if len(command) == 0 {
		return nil, fmt.Errorf("juju exec: no command given")
	}
	if err := checkNotNegative("juju exec: Wait", wait); err != nil {
		return nil, err
	}
	a.duration("--wait", wait)
	a.add("--")
	a.add(command...)
	res, err := j.runResult(ctx, call{args: a, timeout: j.taskTimeout(wait)})
	return parseTaskOutput(kindExec, target, res, err)
}

// taskTimeout bounds a call that waits up to wait for a task: the command
// timeout, lengthened when wait needs more.
func (j *Juju) taskTimeout(wait time.Duration) time.Duration {
	return max(j.commandTimeout(), wait+taskWaitMargin)
}

// RunOptions are the options of Run. The zero value runs the action with
// no parameters and Juju's default wait.
type RunOptions struct {
	// Params are the action's parameters, passed as a YAML file
	// (--params), so that values keep their types.
	Params map[string]any
	// Wait is how long Juju waits for the result (--wait). Zero means
	// Juju's default, 1 minute.
	Wait time.Duration
}

// Run runs "juju run" for action on unit, which may be "app/leader", and
// returns its Task.
//
// "juju run" exits 0 for an action that called action-fail; Run checks the
// task's status, so any task that did not succeed returns the Task and a
// *TaskError. Juju giving up waiting returns a *TaskTimeoutError; an
// unknown unit or action returns an error matching ErrNoTask. A nil opts
// means the defaults.
func (j *Juju) Run(ctx context.Context, unit, action string, opts *RunOptions) (*Task, error) {
	if opts == nil {
		opts = &RunOptions{}
	}
	if unit == "" || action == "" {
		return nil, fmt.Errorf("juju run: want a unit and an action, got %q and %q", unit, action)
	}
	if err := checkNotNegative("juju run: Wait", opts.Wait); err != nil {
		return nil, err
	}
	files := j.tempFiles()
	defer files.cleanup()

	a := argList{"run", "--format", "json", unit, action}
	a.duration("--wait", opts.Wait)
	if opts.Params != nil {
		p, err := files.writeYAML("params.yaml", opts.Params)
		if err != nil {
			return nil, fmt.Errorf("juju run %s: %w", action, err)
		}
		a.add("--params", p)
	}
	res, err := j.runResult(ctx, call{args: a, timeout: j.taskTimeout(opts.Wait)})
	tasks, err := parseTaskOutput(kindRun, unit, res, err)
	if err != nil {
		return nil, err
	}
	name, t := firstTask(tasks)
	if !t.Success() {
		return t, &TaskError{Target: name, Task: t}
	}
	return t, nil
}
