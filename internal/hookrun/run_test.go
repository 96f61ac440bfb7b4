package hookrun_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/canonical/jujutest/internal/hookrun"
	"github.com/canonical/jujutest/internal/local/machine"
	"github.com/canonical/jujutest/internal/local/proc"
	"github.com/canonical/jujutest/internal/logline"
)

// charmDir makes a charm directory with metadata.yaml and the given
// executable files (path -> content).
func charmDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "metadata.yaml"), []byte("name: tiny\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func testUnit(dir string) hookrun.Unit {
	return hookrun.Unit{
		CharmDir:   dir,
		UnitName:   "tiny/0",
		ModelName:  "m1",
		ModelUUID:  "7e1c5b3a-0000-4000-8000-000000000001",
		MachineID:  "0",
		SocketPath: "/run/juju-local/agent.socket",
		ToolsDir:   "/var/lib/juju-local/tools/unit-tiny-0",
	}
}

// recorder collects log records.
type recorder struct {
	mu   sync.Mutex
	recs []logline.Record
}

func (r *recorder) log(rec logline.Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
}

func (r *recorder) messages(level string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rec := range r.recs {
		if rec.Level == level {
			out = append(out, rec.Message)
		}
	}
	return out
}

const printEnv = "#!/bin/sh\ntr '\\0' '\\n' < /proc/$$/environ\n"

func TestHookEnvironmentIsExactlyJujus(t *testing.T) {
	t.Parallel()
	dir := charmDir(t, map[string]string{"dispatch": printEnv})
	rec := &recorder{}
	h := hookrun.Hook{Unit: testUnit(dir), Name: "install", ContextID: "tiny/0-install-abc", Log: rec.log,
		Vars: []string{"JUJU_RELATION=website", "JUJU_RELATION_ID=website:1"}}
	res, err := hookrun.Run(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	if res.Handler != hookrun.HandlerDispatch || res.Path != filepath.Join(dir, "dispatch") || res.Code != 0 || res.Skipped {
		t.Errorf("result = %+v", res)
	}
	want := []string{
		"CHARM_DIR=" + dir,
		"JUJU_CHARM_DIR=" + dir,
		"JUJU_CONTEXT_ID=tiny/0-install-abc",
		"JUJU_HOOK_NAME=install",
		"JUJU_AGENT_SOCKET_ADDRESS=/run/juju-local/agent.socket",
		"JUJU_AGENT_SOCKET_NETWORK=unix",
		"JUJU_UNIT_NAME=tiny/0",
		"JUJU_MODEL_UUID=7e1c5b3a-0000-4000-8000-000000000001",
		"JUJU_MODEL_NAME=m1",
		"JUJU_API_ADDRESSES=",
		"JUJU_SLA=unsupported",
		"JUJU_MACHINE_ID=0",
		"JUJU_PRINCIPAL_UNIT=",
		"JUJU_AVAILABILITY_ZONE=",
		"JUJU_VERSION=3.6.11",
		"CLOUD_API_VERSION=",
		"JUJU_CHARM_HTTP_PROXY=",
		"JUJU_CHARM_HTTPS_PROXY=",
		"JUJU_CHARM_FTP_PROXY=",
		"JUJU_CHARM_NO_PROXY=",
		"JUJU_RELATION=website",
		"JUJU_RELATION_ID=website:1",
		"APT_LISTCHANGES_FRONTEND=none",
		"DEBIAN_FRONTEND=noninteractive",
		"LANG=C.UTF-8",
		"TERM=tmux-256color",
		"PATH=/var/lib/juju-local/tools/unit-tiny-0:" + hookrun.DefaultSystemPath,
		"JUJU_DISPATCH_PATH=hooks/install",
	}
	if got := rec.messages("DEBUG"); !reflect.DeepEqual(got, want) {
		t.Errorf("environment:\n got %q\nwant %q", got, want)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, r := range rec.recs {
		if r.Entity != "unit-tiny-0" || r.Module != "unit.tiny/0.install" || r.Time.IsZero() {
			t.Errorf("record %+v: want entity unit-tiny-0, module unit.tiny/0.install", r)
			break
		}
	}
}

func TestActionEnvironmentAndOutput(t *testing.T) {
	t.Parallel()
	dir := charmDir(t, map[string]string{"actions/do-it": printEnv + "echo oops >&2\n"})
	rec := &recorder{}
	h := hookrun.Hook{Unit: testUnit(dir), Kind: hookrun.KindAction, Name: "do-it", ActionID: "42",
		ContextID: "tiny/0-do-it-abc", Log: rec.log}
	res, err := hookrun.Run(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	if res.Handler != hookrun.HandlerExplicit || res.Handler.String() != "explicit, bespoke hook script" {
		t.Errorf("handler = %v", res.Handler)
	}
	env := strings.Split(strings.TrimSuffix(string(res.Stdout), "\n"), "\n")
	for _, want := range []string{"JUJU_HOOK_NAME=", "JUJU_ACTION_NAME=do-it", "JUJU_ACTION_UUID=42", "JUJU_ACTION_TAG=action-42"} {
		if !contains(env, want) {
			t.Errorf("action environment lacks %q: %q", want, env)
		}
	}
	if last := env[len(env)-1]; last != "JUJU_DISPATCH_PATH=actions/do-it" {
		t.Errorf("last variable = %q, want JUJU_DISPATCH_PATH=actions/do-it", last)
	}
	if string(res.Stderr) != "oops\n" || !reflect.DeepEqual(rec.messages("WARNING"), []string{"oops"}) {
		t.Errorf("stderr %q, warnings %q", res.Stderr, rec.messages("WARNING"))
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.recs[0].Module != "unit.tiny/0.do-it" {
		t.Errorf("module = %q, want unit.tiny/0.do-it", rec.recs[0].Module)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestHandlerDiscovery(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, dir string, kind hookrun.Kind, name string) (hookrun.Result, error) {
		t.Helper()
		return hookrun.Run(context.Background(), hookrun.Hook{Unit: testUnit(dir), Kind: kind, Name: name, ContextID: "c"})
	}
	t.Run("explicit hook", func(t *testing.T) {
		t.Parallel()
		dir := charmDir(t, map[string]string{"hooks/install": "#!/bin/sh\nexit 0\n"})
		res, err := run(t, dir, hookrun.KindHook, "install")
		if err != nil || res.Handler != hookrun.HandlerExplicit || res.Skipped {
			t.Errorf("got %+v, %v", res, err)
		}
	})
	t.Run("dispatch wins", func(t *testing.T) {
		t.Parallel()
		dir := charmDir(t, map[string]string{"dispatch": "#!/bin/sh\n", "hooks/install": "#!/bin/sh\nexit 9\n"})
		res, err := run(t, dir, hookrun.KindHook, "install")
		if err != nil || res.Handler != hookrun.HandlerDispatch || res.Handler.String() != "hook dispatching script: dispatch" {
			t.Errorf("got %+v, %v", res, err)
		}
	})
	t.Run("missing hook is skipped", func(t *testing.T) {
		t.Parallel()
		dir := charmDir(t, map[string]string{"hooks/start": "#!/bin/sh\nexit 1\n"})
		res, err := run(t, dir, hookrun.KindHook, "install")
		if err != nil || !res.Skipped || res.Handler != hookrun.HandlerNone {
			t.Errorf("got %+v, %v", res, err)
		}
	})
	t.Run("missing action", func(t *testing.T) {
		t.Parallel()
		dir := charmDir(t, nil)
		_, err := run(t, dir, hookrun.KindAction, "backup")
		var notImpl *hookrun.ActionNotImplementedError
		if !errors.As(err, &notImpl) || err.Error() != `action not implemented on unit "tiny/0"` {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no metadata", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		if _, err := run(t, dir, hookrun.KindHook, "install"); !errors.Is(err, hookrun.ErrCharmMissing) || err.Error() != "charm missing from disk" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("dispatch not executable", func(t *testing.T) {
		t.Parallel()
		dir := charmDir(t, nil)
		if err := os.WriteFile(filepath.Join(dir, "dispatch"), []byte("#!/bin/sh\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// exec.LookPath checks the mode bits, so this holds for root too.
		_, err := run(t, dir, hookrun.KindHook, "install")
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("err = %v, want a permission error (Juju fails, does not skip)", err)
		}
	})
	t.Run("bad settings", func(t *testing.T) {
		t.Parallel()
		if _, err := hookrun.Run(context.Background(), hookrun.Hook{Name: "install"}); err == nil ||
			err.Error() != "hookrun: unit settings missing: CharmDir, UnitName, SocketPath, ToolsDir" {
			t.Errorf("err = %v", err)
		}
		dir := charmDir(t, map[string]string{"dispatch": "#!/bin/sh\n"})
		for _, vars := range [][]string{{"NOEQUALS"}, {"JUJU_UNIT_NAME=x"}, {"PATH=/x"}, {"=v"}} {
			h := hookrun.Hook{Unit: testUnit(dir), Name: "install", Vars: vars}
			if _, err := hookrun.Run(context.Background(), h); err == nil {
				t.Errorf("vars %q accepted", vars)
			}
		}
	})
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	dir := charmDir(t, map[string]string{"dispatch": "#!/bin/sh\necho working\necho broken >&2\nexit 3\n"})
	rec := &recorder{}
	res, err := hookrun.Run(context.Background(), hookrun.Hook{Unit: testUnit(dir), Name: "start", ContextID: "c", Log: rec.log})
	var exitErr *hookrun.ExitError
	if !errors.As(err, &exitErr) || exitErr.Code != 3 || err.Error() != "exit status 3" || res.Code != 3 {
		t.Errorf("got %+v, %v; want exit status 3", res, err)
	}
	if res.Stdout != nil {
		t.Errorf("hook output kept: %q", res.Stdout)
	}
	if !reflect.DeepEqual(rec.messages("DEBUG"), []string{"working"}) || !reflect.DeepEqual(rec.messages("WARNING"), []string{"broken"}) {
		t.Errorf("records: %+v", rec.recs)
	}
}

// procState returns the state letter of a process from /proc/<pid>/stat, or
// "" if it no longer exists.
func procState(t *testing.T, pid int) string {
	t.Helper()
	st, err := proc.ReadStat(pid)
	if err != nil {
		return ""
	}
	return string(st.State)
}

// readPid waits for a pid file written by a test charm.
func readPid(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		data, err := os.ReadFile(path)
		if err == nil && strings.HasSuffix(string(data), "\n") {
			pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no pid file %s", path)
	return 0
}

func TestTimeoutKillsProcessGroup(t *testing.T) {
	t.Parallel()
	dir := charmDir(t, map[string]string{"dispatch": `#!/bin/sh
sleep 300 &
echo $! > "$CHARM_DIR/grandchild.pid"
echo $$ > "$CHARM_DIR/child.pid"
echo started
sleep 300
`})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	rec := &recorder{}
	start := time.Now()
	res, err := hookrun.Run(ctx, hookrun.Hook{Unit: testUnit(dir), Name: "install", ContextID: "c", Log: rec.log})
	elapsed := time.Since(start)
	if !errors.Is(err, hookrun.ErrTerminated) || !errors.Is(err, context.DeadlineExceeded) || res.Code != -1 {
		t.Errorf("got %+v, %v; want terminated: context deadline exceeded", res, err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("Run took %v after a 500ms timeout", elapsed)
	}
	child := readPid(t, filepath.Join(dir, "child.pid"))
	grandchild := readPid(t, filepath.Join(dir, "grandchild.pid"))
	if s := procState(t, child); s != "" {
		t.Errorf("hook process %d still exists in state %q (not reaped)", child, s)
	}
	// The grandchild is reaped by init, late; a zombie is dead.
	if s := procState(t, grandchild); s != "" && s != "Z" {
		t.Errorf("grandchild %d still alive in state %q", grandchild, s)
		_ = syscall.Kill(grandchild, syscall.SIGKILL)
	}
	if got := rec.messages("DEBUG"); !reflect.DeepEqual(got, []string{"started"}) {
		t.Errorf("output before the kill: %q", got)
	}
}

// TestBackgroundProcessDoesNotBlock checks that a daemon started by a hook
// and still holding its output does not hold up Run, and is left running.
func TestBackgroundProcessDoesNotBlock(t *testing.T) {
	t.Parallel()
	dir := charmDir(t, map[string]string{"dispatch": `#!/bin/sh
sleep 300 &
echo $! > "$CHARM_DIR/daemon.pid"
echo done
`})
	start := time.Now()
	res, err := hookrun.Run(context.Background(), hookrun.Hook{Unit: testUnit(dir), Name: "start", ContextID: "c"})
	daemon := readPid(t, filepath.Join(dir, "daemon.pid"))
	t.Cleanup(func() {
		_ = syscall.Kill(daemon, syscall.SIGKILL)
		deadline := time.Now().Add(5 * time.Second)
		for procState(t, daemon) != "" && procState(t, daemon) != "Z" && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	})
	if err != nil || res.Code != 0 {
		t.Errorf("got %+v, %v", res, err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("Run took %v with a daemon holding stdout", elapsed)
	}
	if s := procState(t, daemon); s == "" || s == "Z" {
		t.Errorf("daemon %d was killed (state %q); a hook may start daemons", daemon, s)
	}
}

func TestRunCommand(t *testing.T) {
	t.Parallel()
	dir := charmDir(t, nil)
	c := hookrun.Command{Unit: testUnit(dir), ContextID: "tiny/0-run-commands-1",
		Commands: "pwd\necho \"$JUJU_HOOK_NAME|$JUJU_CONTEXT_ID|${JUJU_DISPATCH_PATH-unset}|${HOME-nohome}\"\necho err >&2\nexit 4\n"}
	res, err := hookrun.RunCommand(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != 4 || string(res.Stdout) != dir+"\n|tiny/0-run-commands-1|unset|nohome\n" || string(res.Stderr) != "err\n" {
		t.Errorf("got code %d stdout %q stderr %q", res.Code, res.Stdout, res.Stderr)
	}
	env, err := hookrun.CommandEnviron(c)
	if err != nil || len(env) != 25 || env[3] != "JUJU_HOOK_NAME=" || !strings.HasPrefix(env[len(env)-1], "PATH=") {
		t.Errorf("command environment %q, %v", env, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	c.Commands = "echo $$ > " + filepath.Join(dir, "cmd.pid") + "\nsleep 300 & sleep 300\n"
	res, err = hookrun.RunCommand(ctx, c)
	if !errors.Is(err, hookrun.ErrCancelled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: got %+v, %v", res, err)
	}
	if s := procState(t, readPid(t, filepath.Join(dir, "cmd.pid"))); s != "" {
		t.Errorf("command process left in state %q", s)
	}
}

// TestStartedReportsProcessGroup checks the host machine's Track through
// hookrun: it learns the handler's process group while the handler runs,
// and its finish function runs once the run is over.
func TestStartedReportsProcessGroup(t *testing.T) {
	t.Parallel()
	dir := charmDir(t, map[string]string{"dispatch": "#!/bin/sh\necho $$ > \"$CHARM_DIR/hook.pid\"\n"})
	u := testUnit(dir)
	var mu sync.Mutex
	var events []string
	track := func(pgid int) func() {
		st, err := proc.ReadStat(pgid)
		mu.Lock()
		defer mu.Unlock()
		events = append(events, "started "+strconv.Itoa(pgid))
		if err != nil || st.PGID != pgid {
			t.Errorf("process %d is not the leader of its group (%+v, %v)", pgid, st, err)
		}
		return func() {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, "finished")
		}
	}
	u.Machine = machine.NewHost(machine.HostConfig{ToolsDir: u.ToolsDir, Socket: u.SocketPath, Track: track})
	if _, err := hookrun.Run(context.Background(), hookrun.Hook{Unit: u, Name: "start", ContextID: "c"}); err != nil {
		t.Fatal(err)
	}
	if _, err := hookrun.RunCommand(context.Background(), hookrun.Command{Unit: u, ContextID: "c", Commands: "true"}); err != nil {
		t.Fatal(err)
	}
	pid := readPid(t, filepath.Join(dir, "hook.pid"))
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 4 || events[0] != "started "+strconv.Itoa(pid) || events[1] != "finished" ||
		!strings.HasPrefix(events[2], "started ") || events[3] != "finished" {
		t.Errorf("events = %q (hook pid %d)", events, pid)
	}
}

func TestNewContextID(t *testing.T) {
	t.Parallel()
	a, err := hookrun.NewContextID("tiny/0", "install")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := hookrun.NewContextID("tiny/0", "install")
	if !strings.HasPrefix(a, "tiny/0-install-") || len(a) != len("tiny/0-install-")+32 || a == b {
		t.Errorf("ids %q %q", a, b)
	}
}

func TestOutcome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		res        hookrun.Result
		err        error
		level, msg string
	}{
		{hookrun.Result{Handler: hookrun.HandlerDispatch}, nil, "INFO", `ran "install" hook (via hook dispatching script: dispatch)`},
		{hookrun.Result{Skipped: true}, nil, "INFO", `skipped "install" hook (missing)`},
		{hookrun.Result{Handler: hookrun.HandlerExplicit, Code: 1}, &hookrun.ExitError{Code: 1}, "ERROR",
			`hook "install" (via explicit, bespoke hook script) failed: exit status 1`},
		{hookrun.Result{Handler: hookrun.HandlerDispatch, Code: -1}, hookrun.ErrTerminated, "WARNING", `hook "install" was terminated`},
	} {
		rec := hookrun.Outcome("tiny/0", "install", tc.res, tc.err)
		if rec.Level != tc.level || rec.Message != tc.msg || rec.Module != "juju.worker.uniter.operation" || rec.Entity != "unit-tiny-0" {
			t.Errorf("Outcome(%+v, %v) = %+v, want %s %q", tc.res, tc.err, rec, tc.level, tc.msg)
		}
	}
}
