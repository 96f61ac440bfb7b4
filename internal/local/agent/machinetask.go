package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/canonical/jujutest/internal/local/machine"
	"github.com/canonical/jujutest/internal/local/state"
)

// machineTaskEnv is the environment of an exec command run on a machine
// (not in a unit's hook context), as Juju's machine agent gives it.
func machineTaskEnv(machineID string) []string {
	return []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LANG=C.UTF-8",
		"JUJU_MACHINE_ID=" + machineID,
	}
}

// runMachineTask runs a pending "exec --machine" task on the agent's
// machine, outside any unit's hook context, with bash reading the command
// from its standard input, in its own process group (recorded while it
// runs), bounded by the task's timeout. A task that is no longer pending
// (another run took it) is left alone.
func (a *Agent) runMachineTask(id string) {
	ctx := a.workerContext()
	now := time.Now()
	var t state.Task
	err := a.update(ctx, func(m *state.Model) error {
		task := m.Tasks[id]
		if task == nil || task.Status != state.TaskPending {
			return errTaskTaken
		}
		task.Status = state.TaskRunning
		task.Started = now
		t = *task
		return nil
	})
	if err != nil {
		return
	}
	runCtx := ctx
	if t.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, t.Timeout)
		defer cancel()
	}
	machineID := t.Machine
	if machineID == "" {
		machineID = "0" // a task queued before tasks named their machine
	}
	var stdout, stderr bytes.Buffer
	mc := a.machine(machineID)
	if mc == nil {
		a.failMachineTask(ctx, id, fmt.Errorf("machine %s is not provisioned", machineID))
		return
	}
	code, runErr := mc.Run(runCtx, machine.Process{
		Path: "/bin/bash", Args: []string{"/bin/bash", "-s"}, Env: machineTaskEnv(machineID), Dir: "/",
		Stdin: strings.NewReader(t.Command), Stdout: &stdout, Stderr: &stderr,
	})
	if ctx.Err() != nil {
		return // the agent is stopping
	}
	if err := a.store.SaveTaskOutput(a.uuid, id, stdout.Bytes(), stderr.Bytes()); err != nil {
		a.cfg.Logf("machine task %s: %v", id, err)
	}
	if runErr != nil && runCtx.Err() != nil {
		runErr = errCommandTimedOut
	}
	err = a.update(ctx, func(m *state.Model) error {
		task := m.Tasks[id]
		if task == nil {
			return errTaskTaken
		}
		task.Status = state.TaskCompleted
		task.Completed = time.Now()
		task.ReturnCode = code
		task.Stdout, task.Stderr = stdout.String(), stderr.String()
		if runErr != nil {
			task.Status = state.TaskFailed
			task.Message = runErr.Error()
			task.ReturnCode = 1
		}
		return nil
	})
	if err != nil && !errors.Is(err, errTaskTaken) && !errors.Is(err, errModelGone) {
		a.cfg.Logf("finishing machine task %s: %v", id, err)
	}
}

// failMachineTask fails a machine task that cannot run.
func (a *Agent) failMachineTask(ctx context.Context, id string, why error) {
	_ = a.update(ctx, func(m *state.Model) error {
		if t := m.Tasks[id]; t != nil {
			t.Status, t.Message, t.ReturnCode, t.Completed = state.TaskFailed, why.Error(), 1, time.Now()
		}
		return nil
	})
}

// errTaskTaken is returned when a machine task is gone or no longer
// pending.
var errTaskTaken = errors.New("task is not pending")
