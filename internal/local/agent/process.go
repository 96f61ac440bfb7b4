package agent

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/canonical/jujutest/internal/local/state"
)

// JujuVersion is the Juju version hooks see in JUJU_VERSION.
const JujuVersion = "3.6.11"

// hookSpec says what to run: a hook (hook set) or a task.
type hookSpec struct {
	hook string
	task *state.Task
}

// procResult is the outcome of one hook, action or exec process.
type procResult struct {
	code           int
	stdout, stderr string
	// via names the handler, as Juju's log lines do ("" when none ran).
	via string
	// missing is set when the charm has no handler for the hook/action.
	missing bool
}

// runProcess runs a hook, action or exec command of the unit in its hook
// context: the context is registered on the hook-tool server for the
// duration, the process gets Juju's hook environment and runs in its own
// process group, and its output is logged (hooks) or captured (tasks).
func (a *Agent) runProcess(ctx context.Context, w *unitWorker, hc *hookContext, spec hookSpec) (procResult, error) {
	m := a.model()
	if m == nil {
		return procResult{}, errModelGone
	}
	_, u := m.Unit(w.name)
	if u == nil {
		return procResult{}, errUnitGone
	}
	charmDir := w.charmDir()
	contextID := fmt.Sprintf("%s-%s-%s", w.name, contextLabel(spec), randomHex(8))
	unregister := a.srv.Register(contextID, hc)
	defer unregister()

	env := a.hookEnv(m, u, charmDir, contextID, spec)
	var name string
	var args []string
	var stdin io.Reader
	var res procResult
	switch {
	case spec.task != nil && spec.task.Kind == state.TaskExec:
		name, args = "/bin/bash", []string{"-s"}
		stdin = strings.NewReader(spec.task.Command)
	default:
		dispatchPath := "hooks/" + spec.hook
		if spec.task != nil {
			dispatchPath = "actions/" + spec.task.Action
		}
		env = append(env, "JUJU_DISPATCH_PATH="+dispatchPath)
		switch {
		case isExecutable(filepath.Join(charmDir, "dispatch")):
			name = filepath.Join(charmDir, "dispatch")
			res.via = "hook dispatching script: dispatch"
		case isExecutable(filepath.Join(charmDir, dispatchPath)):
			name = filepath.Join(charmDir, dispatchPath)
			res.via = "explicit, bespoke hook script"
		default:
			res.missing = true
			return res, nil
		}
	}

	runCtx := ctx
	if spec.task != nil && spec.task.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, spec.task.Timeout)
		defer cancel()
	}
	cmd := a.cfg.Machine.Command(runCtx, charmDir, env, name, args...)
	cmd.Stdin = stdin
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	var logWG sync.WaitGroup
	if spec.task == nil {
		// Hook output goes to debug-log: stdout at DEBUG, stderr at WARNING.
		module := fmt.Sprintf("unit.%s.%s", w.name, spec.hook)
		cmd.Stdout = a.lineLogger(&logWG, u.Tag(), "DEBUG", module)
		cmd.Stderr = a.lineLogger(&logWG, u.Tag(), "WARNING", module)
	} else {
		cmd.Stdout = &stdout
		cmd.Stderr = &stderr
	}
	err := cmd.Start()
	if err != nil {
		return res, fmt.Errorf("starting %s: %w", name, err)
	}
	a.recordPGID(cmd.Process.Pid)
	err = cmd.Wait()
	// Kill anything the hook left in its process group, as the hook is over.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	a.forgetPGID(cmd.Process.Pid)
	closeWriters(cmd.Stdout, cmd.Stderr)
	logWG.Wait()
	res.stdout, res.stderr = stdout.String(), stderr.String()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.code = exitErr.ExitCode()
		if res.code < 0 {
			res.code = 1
		}
		if runCtx.Err() != nil && spec.task != nil && ctx.Err() == nil {
			return res, fmt.Errorf("command timed out")
		}
	default:
		return res, err
	}
	return res, nil
}

// contextLabel is the middle part of a context id.
func contextLabel(spec hookSpec) string {
	switch {
	case spec.task == nil:
		return spec.hook
	case spec.task.Kind == state.TaskExec:
		return "run-commands"
	default:
		return spec.task.Action
	}
}

// hookEnv returns Juju's hook environment for the unit, and nothing else.
func (a *Agent) hookEnv(m *state.Model, u *state.Unit, charmDir, contextID string, spec hookSpec) []string {
	hostPath := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range a.cfg.Environ {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok && v != "" {
			hostPath = v
		}
	}
	hookName := spec.hook
	env := []string{
		"http_proxy=", "HTTP_PROXY=", "https_proxy=", "HTTPS_PROXY=", "ftp_proxy=", "FTP_PROXY=",
		"no_proxy=127.0.0.1,localhost,::1", "NO_PROXY=127.0.0.1,localhost,::1",
		"CHARM_DIR=" + charmDir,
		"JUJU_CHARM_DIR=" + charmDir,
		"JUJU_CONTEXT_ID=" + contextID,
		"JUJU_HOOK_NAME=" + hookName,
		"JUJU_AGENT_SOCKET_ADDRESS=" + a.srv.Path(),
		"JUJU_AGENT_SOCKET_NETWORK=unix",
		"JUJU_UNIT_NAME=" + u.Name,
		"JUJU_MODEL_UUID=" + m.UUID,
		"JUJU_MODEL_NAME=" + m.Name,
		"JUJU_API_ADDRESSES=127.0.0.1:17070",
		"JUJU_SLA=unsupported",
		"JUJU_MACHINE_ID=" + u.Machine,
		"JUJU_PRINCIPAL_UNIT=",
		"JUJU_AVAILABILITY_ZONE=",
		"JUJU_VERSION=" + JujuVersion,
		"CLOUD_API_VERSION=",
		"JUJU_CHARM_HTTP_PROXY=", "JUJU_CHARM_HTTPS_PROXY=", "JUJU_CHARM_FTP_PROXY=",
		"JUJU_CHARM_NO_PROXY=127.0.0.1,localhost,::1",
		"APT_LISTCHANGES_FRONTEND=none",
		"DEBIAN_FRONTEND=noninteractive",
		"LANG=C.UTF-8",
		"TERM=tmux-256color",
		"PATH=" + a.tools + ":" + hostPath,
	}
	if t := spec.task; t != nil && t.Kind == state.TaskAction {
		env = append(env,
			"JUJU_ACTION_NAME="+t.Action,
			"JUJU_ACTION_UUID="+t.ID,
			"JUJU_ACTION_TAG=action-"+t.ID,
		)
	}
	return env
}

// isExecutable reports whether path is a regular file with an execute bit.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// lineLogger returns a writer that logs each line written to it.
func (a *Agent) lineLogger(wg *sync.WaitGroup, entity, level, module string) io.WriteCloser {
	pr, pw := io.Pipe()
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			a.log(entity, level, module, sc.Text())
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	return pw
}

// closeWriters closes the pipe writers of the line loggers.
func closeWriters(ws ...io.Writer) {
	for _, w := range ws {
		if c, ok := w.(io.WriteCloser); ok {
			c.Close()
		}
	}
}

// recordPGID notes a running hook's process group in the model directory
// so that destroy-model can kill it if the agent itself is killed.
func (a *Agent) recordPGID(pgid int) {
	dir := filepath.Join(a.store.ModelDir(a.uuid), "running")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(dir, fmt.Sprint(pgid)), nil, 0o644)
	}
}

// forgetPGID removes a finished hook's process-group record.
func (a *Agent) forgetPGID(pgid int) {
	_ = os.Remove(filepath.Join(a.store.ModelDir(a.uuid), "running", fmt.Sprint(pgid)))
}
