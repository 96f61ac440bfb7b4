package cli

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"syscall"
	"time"

	"github.com/canonical/jujutest/internal/local/state"
)

// agentWorkerFlag marks the agent process proper; without it, "agent
// <uuid>" is its supervisor.
const agentWorkerFlag = "--worker"

// Supervisor limits: the pause before restarting a dead agent doubles
// from restartBackoff up to maxRestartBackoff; after maxRestarts restarts
// without maxRestarts*maxRestartBackoff of calm, the supervisor gives up.
const (
	restartBackoff    = 500 * time.Millisecond
	maxRestartBackoff = 30 * time.Second
	maxRestarts       = 10
)

// supervise runs the model's agent as a child in its own process group and
// restarts it when it dies, as systemd restarts Juju's unit agents: a
// killed agent comes back, stops what its interrupted hook left running,
// and runs the hook again (nothing of it was committed). It returns when
// the agent exits cleanly (the model is gone), when ctx ends (the child
// is stopped with it: they share the process group), or after too many
// restarts.
func supervise(ctx context.Context, store *state.Store, exe, uuid string, environ []string, stdout, stderr io.Writer, logf func(string, ...any)) error {
	restarts := 0
	backoff := restartBackoff
	calmSince := time.Now()
	for {
		cmd := exec.Command(exe, "agent", uuid, agentWorkerFlag)
		cmd.Env = environ
		cmd.Stdout, cmd.Stderr = stdout, stderr
		cmd.Dir = store.ModelDir(uuid)
		if err := cmd.Start(); err != nil {
			return err
		}
		var err error
		done := make(chan struct{})
		go func() { err = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			// Stopped on request: the agent's exit status does not matter.
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(agentStopGrace):
				_ = cmd.Process.Kill()
				<-done
			}
			return nil
		}
		var exitErr *exec.ExitError
		if err == nil || (errors.As(err, &exitErr) && exitErr.Exited()) {
			// The agent ended by itself (model gone, data removed, or an
			// error it reported): not a crash.
			return err
		}
		if !modelWantsAgent(ctx, store, uuid) {
			return nil
		}
		if time.Since(calmSince) > maxRestarts*maxRestartBackoff {
			restarts, backoff = 0, restartBackoff
		}
		restarts++
		if restarts > maxRestarts {
			logf("agent for model %s died %d times: not restarting it again (%v)", uuid, restarts-1, err)
			return err
		}
		logf("agent for model %s died (%v): restarting it in %s (restart %d of at most %d)", uuid, err, backoff, restarts, maxRestarts)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxRestartBackoff)
		calmSince = time.Now()
	}
}

// modelWantsAgent reports whether the model still exists and runs hooks.
func modelWantsAgent(ctx context.Context, store *state.Store, uuid string) bool {
	st, err := store.Read(ctx)
	if err != nil {
		return true // a passing failure: the restarted agent reports it
	}
	m := st.Models[uuid]
	return m != nil && m.RunsHooks()
}
