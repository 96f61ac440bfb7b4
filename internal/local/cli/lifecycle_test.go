package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/canonical/jujutest/internal/local/proc"
	"github.com/canonical/jujutest/internal/local/state"
	"github.com/canonical/jujutest/internal/logline"
)

// hookTimeout bounds each wait for hooks to run. It is generous: under
// -race on a loaded 2-core machine each hook-tool call (a race-built test
// binary) can take seconds.
const hookTimeout = 90 * time.Second

func countHook(hooks []string, name string) int {
	n := 0
	for _, h := range hooks {
		if h == name {
			n++
		}
	}
	return n
}

// TestLifecycle deploys the tiny charm and follows its units through
// Juju's hook order, config changes, update-status, exec, actions, a
// failing hook and removal.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, true)
	e.must("add-model", "m")
	e.must("model-config", "update-status-hook-interval=2s", "logging-config=<root>=INFO;unit=DEBUG")
	e.must("deploy", tinyCharm(t), "-n", "2")

	s := e.waitStatus("m", hookTimeout, "all units active and idle", allIdle("tiny", "active"))
	// Hook output can carry secrets: the logs are not world-readable.
	uuid := e.modelUUID("m")
	for _, path := range []string{e.store().LogPath(uuid), e.store().AgentLogPath(uuid)} {
		fi, err := os.Stat(path)
		switch {
		case err != nil:
			t.Error(err)
		case fi.Mode().Perm() != 0o640:
			t.Errorf("%s: mode %v, want 0640", path, fi.Mode().Perm())
		}
	}
	app := s.Applications["tiny"]
	if app.Charm != "local:tiny-0" || app.Version != "1.2.3" || app.AppStatus.Current != "active" || app.AppStatus.Message != "ready" {
		t.Errorf("application status = %+v", app)
	}
	if !app.Units["tiny/0"].Leader || app.Units["tiny/1"].Leader {
		t.Errorf("leadership: tiny/0 %v, tiny/1 %v", app.Units["tiny/0"].Leader, app.Units["tiny/1"].Leader)
	}
	for name, u := range app.Units {
		if !reflect.DeepEqual(u.OpenPorts, []string{"8000/tcp"}) || u.Address != "127.0.0.1" {
			t.Errorf("unit %s: ports %v address %q", name, u.OpenPorts, u.Address)
		}
	}
	if _, ok := s.Machines["0"]; !ok {
		t.Errorf("machine 0 missing: %v", s.Machines)
	}
	wantStart := map[string][]string{
		"tiny/0": {"install", "leader-elected", "config-changed", "start"},
		"tiny/1": {"install", "leader-settings-changed", "config-changed", "start"},
	}
	for unit, want := range wantStart {
		if got := e.hookLog("m", unit); len(got) < 4 || !reflect.DeepEqual(got[:4], want) {
			t.Errorf("%s ran %v, want %v first", unit, got, want)
		}
	}

	// Hook output and juju-log reach debug-log in Juju's line format.
	log := e.must("debug-log", "--replay", "--no-tail", "-i", "tiny/0").stdout
	for _, want := range []string{" INFO unit.tiny/0.juju-log msg=hello\n", " DEBUG unit.tiny/0.install dispatching install\n",
		` INFO juju.worker.uniter.operation ran "start" hook (via hook dispatching script: dispatch)`} {
		if !strings.Contains(log, want) {
			t.Errorf("debug-log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "unit-tiny-1:") {
		t.Errorf("debug-log -i tiny/0 shows tiny/1's lines")
	}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if !strings.HasPrefix(line, "unit-tiny-0: ") {
			t.Errorf("debug-log line %q", line)
		}
	}

	// update-status runs on the model's interval.
	deadline := time.Now().Add(hookTimeout)
	for countHook(e.hookLog("m", "tiny/0"), "update-status") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("update-status never ran: %v", e.hookLog("m", "tiny/0"))
		}
		time.Sleep(100 * time.Millisecond)
	}

	// A config change fires config-changed; setting the same value again
	// does not.
	before := countHook(e.hookLog("m", "tiny/0"), "config-changed")
	e.must("config", "tiny", "msg=bye")
	deadline = time.Now().Add(hookTimeout)
	for countHook(e.hookLog("m", "tiny/0"), "config-changed") == before {
		if time.Now().After(deadline) {
			t.Fatalf("config-changed did not run after a change: %v", e.hookLog("m", "tiny/0"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.waitStatus("m", hookTimeout, "idle after config change", allIdle("tiny", "active"))
	changed := countHook(e.hookLog("m", "tiny/0"), "config-changed")
	e.must("config", "tiny", "msg=bye")
	time.Sleep(700 * time.Millisecond)
	if n := countHook(e.hookLog("m", "tiny/0"), "config-changed"); n != changed {
		t.Errorf("setting an unchanged value ran config-changed (%d -> %d)", changed, n)
	}

	t.Run("exec", func(t *testing.T) {
		r := e.must("exec", "--unit", "tiny/leader", "--format", "json", "--", "echo hi; config-get msg")
		var res map[string]struct {
			ID      string         `json:"id"`
			Status  string         `json:"status"`
			Unit    string         `json:"unit"`
			Results map[string]any `json:"results"`
			Timing  map[string]string
		}
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatalf("%v: %s", err, r.stdout)
		}
		got := res["tiny/0"]
		if got.Status != "completed" || got.Unit != "tiny/0" || got.Results["stdout"] != "hi\nbye\n" || got.Results["return-code"] != float64(0) {
			t.Errorf("exec result = %s", r.stdout)
		}
		if got.Timing["enqueued"] == "" || got.Timing["completed"] == "" {
			t.Errorf("exec timing = %v", got.Timing)
		}
		if r := e.must("exec", "-u", "tiny/0,tiny/1", "--", "echo $JUJU_UNIT_NAME"); r.stdout != "tiny/0:\ntiny/0\n\ntiny/1:\ntiny/1\n\n" {
			t.Errorf("plain exec on two units = %q", r.stdout)
		}
		// One argument is the shell command as it is; several are quoted
		// and joined (utils.CommandString), so the shell sees each as one
		// word and expands nothing in it.
		if r := e.must("exec", "--unit", "tiny/0", "--", "echo  $JUJU_UNIT_NAME;  echo 'a  b'"); r.stdout != "tiny/0\na  b\n" {
			t.Errorf("exec with one argument = %q", r.stdout)
		}
		if r := e.must("exec", "--unit", "tiny/0", "--", "echo", "a  b", "$JUJU_UNIT_NAME", `"q"`); r.stdout != "a  b $JUJU_UNIT_NAME \"q\"\n" {
			t.Errorf("exec with several arguments = %q", r.stdout)
		}
		r = e.run("exec", "--unit", "tiny/1", "--format", "json", "--", "echo oops >&2; exit 3")
		if r.code != 1 || !strings.Contains(r.stdout, `"return-code":3`) || !strings.Contains(r.stdout, `"stderr":"oops\n"`) ||
			!strings.Contains(r.stderr, "ERROR the following task failed:\n - id ") || !strings.Contains(r.stderr, " with return code 3\n") {
			t.Errorf("failing exec: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
		}
		if r := e.run("exec", "--unit", "tiny/0", "--wait", "300ms", "--", "sleep 5"); r.code != 1 || r.stderr != "ERROR timed out waiting for results from: unit tiny/0\n" {
			t.Errorf("exec timeout: exit %d %q", r.code, r.stderr)
		}
		if r := e.must("exec", "--machine", "0", "--", "echo on-machine"); r.stdout != "on-machine\n" {
			t.Errorf("exec on machine = %q", r.stdout)
		}
	})

	t.Run("run", func(t *testing.T) {
		r := e.must("run", "tiny/0", "greet", "name=bob", "--format", "json")
		var res map[string]map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatalf("%v: %s", err, r.stdout)
		}
		got := res["tiny/0"]
		results, _ := got["results"].(map[string]any)
		nested, _ := results["nested"].(map[string]any)
		if got["status"] != "completed" || results["msg"] != "hi bob" || nested["key"] != "v" || results["return-code"] != float64(0) {
			t.Errorf("greet = %s", r.stdout)
		}
		if logs, _ := got["log"].([]any); len(logs) != 1 || !strings.HasSuffix(fmt.Sprint(logs[0]), " greeting") {
			t.Errorf("greet log = %v", got["log"])
		}
		if !strings.Contains(r.stderr, "Running operation ") || !strings.Contains(r.stderr, " greeting\n") {
			t.Errorf("greet progress = %q", r.stderr)
		}
		// action-fail: status failed, exit 0.
		r = e.must("run", "tiny/0", "fail", "--format", "json")
		if !strings.Contains(r.stdout, `"status":"failed"`) || !strings.Contains(r.stdout, `"message":"nope"`) {
			t.Errorf("fail = %s", r.stdout)
		}
		// A non-zero exit: status failed, exit 1.
		r = e.run("run", "tiny/leader", "crash", "--format", "json")
		if r.code != 1 || !strings.Contains(r.stdout, `"message":"exit status 4"`) || !strings.Contains(r.stdout, `"stderr":"boom\n"`) {
			t.Errorf("crash: exit %d %s %s", r.code, r.stdout, r.stderr)
		}
		r = e.must("run", "tiny/0", "nosuch")
		if !strings.Contains(r.stderr, "failed to schedule any tasks:\naction \"nosuch\" not defined on unit \"tiny/0\"") {
			t.Errorf("unknown action stderr = %q", r.stderr)
		}
	})

	t.Run("show-unit", func(t *testing.T) {
		var su map[string]map[string]any
		out := e.must("show-unit", "tiny/0", "--format", "json").stdout
		if err := json.Unmarshal([]byte(out), &su); err != nil {
			t.Fatal(err)
		}
		u := su["tiny/0"]
		if u["charm"] != "local:tiny-0" || u["leader"] != true || u["workload-version"] != "1.2.3" || u["machine"] != "0" {
			t.Errorf("show-unit = %s", out)
		}
	})

	// A failing hook puts the unit in error, with no automatic retry.
	e.must("config", "tiny", "msg=fail")
	s = e.waitStatus("m", hookTimeout, "units in error", func(s jsonStatus) bool {
		for _, u := range s.Applications["tiny"].Units {
			if u.Workload.Current != "error" {
				return false
			}
		}
		return true
	})
	for name, u := range s.Applications["tiny"].Units {
		if u.Workload.Message != `hook failed: "config-changed"` || u.Juju.Current != "idle" {
			t.Errorf("%s in error: %+v", name, u)
		}
	}
	if s.Applications["tiny"].AppStatus.Current != "error" {
		t.Errorf("app status = %+v", s.Applications["tiny"].AppStatus)
	}
	failed := countHook(e.hookLog("m", "tiny/1"), "config-changed")
	time.Sleep(700 * time.Millisecond)
	if n := countHook(e.hookLog("m", "tiny/1"), "config-changed"); n != failed {
		t.Errorf("failed hook was retried (%d -> %d)", failed, n)
	}

	// Removal with --force runs no more hooks on a unit in error and the
	// unit goes away; a new unit is added and reaches error too (the
	// config is still bad); expose is recorded.
	e.must("remove-unit", "tiny/1", "--no-prompt", "--force")
	e.waitStatus("m", hookTimeout, "tiny/1 gone", func(s jsonStatus) bool {
		_, ok := s.Applications["tiny"].Units["tiny/1"]
		return !ok
	})
	e.must("expose", "tiny")
	if !e.status("m").Applications["tiny"].Exposed {
		t.Error("expose did not set exposed")
	}
}

// TestRemoveRunsStopAndRemove checks the removal hooks and statuses.
func TestRemoveRunsStopAndRemove(t *testing.T) {
	t.Parallel()
	e := activeTiny(t)
	e.must("add-unit", "tiny")
	e.waitStatus("m", hookTimeout, "two active units", func(s jsonStatus) bool {
		return len(s.Applications["tiny"].Units) == 2 && allIdle("tiny", "active")(s)
	})
	unitDir := e.store().UnitDir(e.modelUUID("m"), "tiny/0")
	r := e.must("remove-application", "tiny", "--no-prompt")
	if r.stdout != "will remove application tiny\n- will remove unit tiny/0\n- will remove unit tiny/1\n" {
		t.Errorf("remove-application stdout = %q", r.stdout)
	}
	e.waitStatus("m", hookTimeout, "application gone", func(s jsonStatus) bool {
		_, ok := s.Applications["tiny"]
		return !ok
	})
	if _, err := os.Stat(unitDir); !os.IsNotExist(err) {
		t.Errorf("unit directory left behind: %v", err)
	}
	if all := e.must("debug-log", "--replay", "--no-tail").stdout; strings.Contains(all, " DEBUG ") {
		t.Errorf("hook output at DEBUG logged under the default logging-config:\n%s", all)
	}
	log := e.must("debug-log", "--replay", "--no-tail", "--include-module", "juju.worker.uniter.operation", "-i", "tiny/0").stdout
	stop := strings.Index(log, `ran "stop" hook`)
	remove := strings.Index(log, `ran "remove" hook`)
	if stop < 0 || remove < stop {
		t.Errorf("stop/remove hooks in debug-log:\n%s", log)
	}
}

// activeTiny returns an environment (hooks allowed) with model "m" where
// one unit of the tiny charm is active and idle.
func activeTiny(t *testing.T) *testEnv {
	t.Helper()
	e := newTestEnv(t, true)
	e.must("add-model", "m")
	e.must("deploy", tinyCharm(t))
	e.waitStatus("m", hookTimeout, "active", allIdle("tiny", "active"))
	return e
}

func (e *testEnv) modelUUID(name string) string {
	e.t.Helper()
	st, err := e.store().Read(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	m := st.ModelByName(name)
	if m == nil {
		e.t.Fatalf("model %s not found", name)
	}
	return m.UUID
}

func (e *testEnv) agentPID(name string) int {
	e.t.Helper()
	st, err := e.store().Read(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	m := st.ModelByName(name)
	if m == nil || m.Agent == nil {
		e.t.Fatalf("model %s has no agent", name)
	}
	return m.Agent.PID
}

// supervisorPID returns the pid of the model agent's supervisor.
func (e *testEnv) supervisorPID(name string) int {
	e.t.Helper()
	st, err := e.store().Read(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	m := st.ModelByName(name)
	if m == nil || m.Agent == nil || m.Agent.Supervisor == 0 {
		e.t.Fatalf("model %s has no agent supervisor", name)
	}
	return m.Agent.Supervisor
}

// waitProcessGone waits until pid no longer runs: gone, or a zombie (a
// killed grandchild stays a zombie until init reaps it, late).
func waitProcessGone(t *testing.T, pid int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for proc.Running(pid, 0) {
		if time.Now().After(deadline) {
			st, _ := proc.ReadStat(pid)
			t.Fatalf("%s (pid %d) still running (state %c)", what, pid, st.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processesOf returns the live (non-zombie) processes that belong to the
// data directory dir: those whose environment or command line names it.
// That is the agent (JUJU_LOCAL_DATA), and every hook, action, exec
// command and hook tool of a unit (JUJU_CHARM_DIR and PATH point into it),
// with whatever they started that kept their environment.
func processesOf(dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var found []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, _ := os.ReadFile("/proc/" + e.Name() + "/environ")
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if !bytes.Contains(env, []byte("="+dir+"\x00")) && !bytes.Contains(env, []byte(dir+"/")) &&
			!bytes.Contains(cmdline, []byte(dir+"/")) {
			continue
		}
		if !proc.Running(pid, 0) {
			continue
		}
		found = append(found, fmt.Sprintf("%d %s", pid, strings.ReplaceAll(string(cmdline), "\x00", " ")))
	}
	return found
}

// waitNoProcessesOf waits (bounded) until no process of the data directory
// dir runs, and fails the test naming those that still do.
func waitNoProcessesOf(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := processesOf(dir)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes of %s still running:\n%s", dir, strings.Join(left, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startBackground starts a long exec command in the background on target
// ("--unit", "tiny/0" or "--machine", "0"), and returns the pid of its
// sleep once it runs.
func (e *testEnv) startBackground(t *testing.T, flag, target string) int {
	t.Helper()
	pidFile := filepath.Join(t.TempDir(), "pid")
	r := e.must("exec", flag, target, "--background", "--", "echo $$ > "+pidFile+".tmp; mv "+pidFile+".tmp "+pidFile+"; exec sleep 300")
	if !strings.Contains(r.stderr, "Scheduled operation ") {
		t.Errorf("exec --background stderr = %q", r.stderr)
	}
	deadline := time.Now().Add(hookTimeout)
	for {
		if data, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
				return pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the exec command on %s never started", target)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNoProcessOutlivesDestroyModel runs long exec commands on a unit and
// on the machine, destroys the model with --force, and checks that no
// process of the model survives (agent, hooks, commands, hook tools), and
// that the model's files are gone.
func TestNoProcessOutlivesDestroyModel(t *testing.T) {
	t.Parallel()
	e := activeTiny(t)
	agentPID := e.agentPID("m")
	unitSleep := e.startBackground(t, "--unit", "tiny/0")
	machineSleep := e.startBackground(t, "--machine", "0")
	uuid := e.modelUUID("m")
	if left := processesOf(e.dir); len(left) < 2 {
		t.Errorf("processesOf finds only %q: it cannot prove anything", left)
	}
	start := time.Now()
	r := e.must("destroy-model", "m", "--no-prompt", "--force", "--timeout", "1s")
	if !strings.HasPrefix(r.stderr, "Destroying model") {
		t.Errorf("destroy-model stderr = %q", r.stderr)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("destroy-model took %v", d)
	}
	// destroy-model has waited: nothing of the model may still run now
	// (zombies waiting for init to reap them do not run).
	for pid, what := range map[int]string{agentPID: "agent", unitSleep: "exec command on the unit", machineSleep: "exec command on the machine"} {
		if proc.Running(pid, 0) {
			t.Errorf("%s (pid %d) still runs after destroy-model", what, pid)
		}
	}
	if left := processesOf(e.dir); len(left) > 0 {
		t.Errorf("processes of the model left after destroy-model:\n%s", strings.Join(left, "\n"))
	}
	if _, err := os.Stat(e.store().ModelDir(uuid)); !os.IsNotExist(err) {
		t.Errorf("model directory left: %v", err)
	}
}

// TestDestroyModelAfterAgentKilled kills the agent (SIGKILL, so it cannot
// stop what it runs) while an exec command runs: destroy-model still stops
// the command, through the process groups the agent recorded.
func TestDestroyModelAfterAgentKilled(t *testing.T) {
	t.Parallel()
	e := activeTiny(t)
	agentPID := e.agentPID("m")
	sleepPID := e.startBackground(t, "--unit", "tiny/0")
	running, err := os.ReadDir(e.store().RunningDir(e.modelUUID("m")))
	if err != nil || len(running) != 1 {
		t.Fatalf("recorded process groups: %v (%v)", running, err)
	}
	// Kill the supervisor first, so that nothing restarts the agent
	// (which would stop the exec command itself).
	supervisor := e.supervisorPID("m")
	if err := syscall.Kill(supervisor, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitProcessGone(t, supervisor, "killed supervisor")
	if err := syscall.Kill(agentPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitProcessGone(t, agentPID, "killed agent")
	if !proc.Running(sleepPID, 0) {
		t.Fatal("the exec command died with the agent: the test proves nothing")
	}
	e.must("destroy-model", "m", "--no-prompt", "--force", "--timeout", "1s")
	if proc.Running(sleepPID, 0) {
		t.Errorf("exec command (pid %d) still runs after destroy-model", sleepPID)
	}
	if left := processesOf(e.dir); len(left) > 0 {
		t.Errorf("processes of the model left after destroy-model:\n%s", strings.Join(left, "\n"))
	}
}

// TestAgentExitsWhenDataDirRemoved removes the whole data directory (as
// when a test's temporary directory is deleted) while the agent runs a
// command: the agent notices, stops the command and exits.
func TestAgentExitsWhenDataDirRemoved(t *testing.T) {
	t.Parallel()
	e := activeTiny(t)
	agentPID := e.agentPID("m")
	sleepPID := e.startBackground(t, "--unit", "tiny/0")
	// The agent may write into the directory while it goes: remove again
	// until it is gone.
	deadline := time.Now().Add(hookTimeout)
	for err := os.RemoveAll(e.dir); err != nil; err = os.RemoveAll(e.dir) {
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	waitProcessGone(t, agentPID, "agent")
	waitProcessGone(t, sleepPID, "exec command")
	waitNoProcessesOf(t, e.dir)
}

// TestDestroyModelRunsRemovalHooks destroys a model without --force: the
// units' stop and remove hooks run, then everything is gone.
func TestDestroyModelRunsRemovalHooks(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, true)
	e.must("add-model", "m")
	charmPath := tinyCharm(t)
	e.must("deploy", charmPath)
	e.waitStatus("m", hookTimeout, "active", allIdle("tiny", "active"))
	agentPID := e.agentPID("m")
	logPath := e.store().LogPath(e.modelUUID("m"))
	// Keep the debug-log: the model directory goes with the model.
	var last []byte
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 2000; i++ {
			data, err := os.ReadFile(logPath)
			if err != nil {
				return
			}
			last = data
			time.Sleep(5 * time.Millisecond)
		}
	}()
	e.must("destroy-model", "m", "--no-prompt")
	<-done
	waitProcessGone(t, agentPID, "agent")
	records, _, err := logline.Read(bytes.NewReader(last), logline.Filter{Replay: true})
	if err != nil {
		t.Fatal(err)
	}
	var ran []string
	for _, rec := range records {
		if rec.Module == "juju.worker.uniter.operation" {
			ran = append(ran, rec.Message)
		}
	}
	joined := strings.Join(ran, "\n")
	if !strings.Contains(joined, `ran "stop" hook`) || !strings.Contains(joined, `ran "remove" hook`) {
		t.Errorf("destroy-model did not run stop and remove:\n%s", joined)
	}
}

// TestAgentExitsWhenModelDisappears removes the model from the state
// behind the agent's back: the agent notices and exits.
func TestAgentExitsWhenModelDisappears(t *testing.T) {
	t.Parallel()
	e := activeTiny(t)
	pid := e.agentPID("m")
	err := e.store().Update(context.Background(), func(st *state.State) error {
		for uuid, m := range st.Models {
			if m.Name == "m" {
				delete(st.Models, uuid)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	waitProcessGone(t, pid, "agent")
}

// TestConcurrentCommands runs many status and config commands at once
// against one data directory (while the agent runs the charm's hooks and
// writes the state too): none fails, every output is complete, and the
// state stays valid: one model, one application with its unit, and the
// last port set.
func TestConcurrentCommands(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, true)
	e.must("add-model", "m")
	e.must("deploy", tinyCharm(t))
	const goroutines, calls = 8, 12
	var wg sync.WaitGroup
	errs := make(chan string, goroutines*calls)
	set := make(chan int, goroutines*calls)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				var r result
				switch i % 4 {
				case 0:
					r = e.run("status", "--format", "json")
					var s jsonStatus
					if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
						errs <- fmt.Sprintf("status output is not JSON: %v: %q", err, r.stdout)
					} else if s.Model.Name != "m" || len(s.Applications["tiny"].Units) != 1 {
						errs <- fmt.Sprintf("status shows a wrong model: %s", r.stdout)
					}
				case 1:
					port := 9000 + g*100 + i
					r = e.run("config", "tiny", fmt.Sprintf("port=%d", port))
					if r.code == 0 {
						set <- port
					}
				case 2:
					r = e.run("config", "tiny", "port")
					if n, err := strconv.Atoi(strings.TrimSpace(r.stdout)); err != nil || (n != 8080 && (n < 9000 || n >= 9800)) {
						errs <- fmt.Sprintf("config tiny port = %q", r.stdout)
					}
				default:
					r = e.run("config", "tiny", "--format", "json")
					var cfg struct {
						Settings map[string]map[string]any `json:"settings"`
					}
					if err := json.Unmarshal([]byte(r.stdout), &cfg); err != nil || len(cfg.Settings) != 3 {
						errs <- fmt.Sprintf("config --format json = %q (%v)", r.stdout, err)
					}
				}
				if r.code != 0 {
					errs <- fmt.Sprintf("exit %d: %s", r.code, r.stderr)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(set)
	for err := range errs {
		t.Error(err)
	}
	ports := map[int]bool{}
	for p := range set {
		ports[p] = true
	}
	if len(ports) != goroutines*calls/4 {
		t.Errorf("%d config sets succeeded, want %d", len(ports), goroutines*calls/4)
	}

	data, err := os.ReadFile(filepath.Join(e.dir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st state.State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("state is not valid JSON: %v", err)
	}
	if len(st.Models) != 1 {
		t.Fatalf("state has %d models", len(st.Models))
	}
	for _, m := range st.Models {
		app := m.Applications["tiny"]
		if m.Name != "m" || len(m.Applications) != 1 || app == nil || len(app.Units) != 1 || app.Units["tiny/0"] == nil {
			t.Fatalf("state after concurrent commands: %s", data)
		}
		if p, ok := app.Config["port"].(float64); !ok || !ports[int(p)] {
			t.Errorf("stored port %v is not one of the values set", app.Config["port"])
		}
	}
	port, err := strconv.Atoi(strings.TrimSpace(e.must("config", "tiny", "port").stdout))
	if err != nil || !ports[port] {
		t.Errorf("port after concurrent sets = %d (%v)", port, err)
	}
	if tmp, _ := filepath.Glob(filepath.Join(e.dir, ".state-*")); len(tmp) > 0 {
		t.Errorf("temporary state files left: %v", tmp)
	}
}

// TestExecOutputStaysOutOfState checks that a large exec output comes back
// whole while the state document, which every command reads, stays small.
func TestExecOutputStaysOutOfState(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, true)
	e.must("add-model", "m")
	e.must("deploy", tinyCharm(t))
	e.waitStatus("m", hookTimeout, "unit active and idle", allIdle("tiny", "active"))
	const size = 3 << 20
	for range 3 {
		r := e.must("exec", "--unit", "tiny/0", "--", fmt.Sprintf("head -c %d /dev/zero | tr '\\0' x", size))
		if n := strings.Count(r.stdout, "x"); n != size {
			t.Fatalf("exec printed %d x, want %d", n, size)
		}
	}
	fi, err := os.Stat(e.store().StatePath())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 256<<10 {
		t.Errorf("state.json is %d bytes after three %d-byte execs: the output went into it", fi.Size(), size)
	}
}

// TestAgentKilledMidHookRecovers is the fault-injection test: the agent is
// killed while a hook runs. Status shows it lost as Juju does, its
// supervisor restarts it, the interrupted hook runs again and the unit
// settles; a config change made while the agent was dead is applied; and
// destroy-model --force leaves no process of the model (read from /proc:
// zombies answer kill -0).
func TestAgentKilledMidHookRecovers(t *testing.T) {
	t.Parallel()
	e := activeTiny(t)
	agentPID := e.agentPID("m")
	// A config-changed hook that takes a while: kill the agent inside it.
	e.must("config", "tiny", "msg=slow")
	e.waitStatus("m", hookTimeout, "config-changed running", func(s jsonStatus) bool {
		u := s.Applications["tiny"].Units["tiny/0"]
		return u.Juju.Current == "executing"
	})
	if err := syscall.Kill(agentPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitProcessGone(t, agentPID, "killed agent")
	// Until the restart, status says the agent is lost (the supervisor
	// waits at least half a second).
	s := e.waitStatus("m", 5*time.Second, "agent lost", func(s jsonStatus) bool {
		return s.Applications["tiny"].Units["tiny/0"].Juju.Current == "lost"
	})
	u := s.Applications["tiny"].Units["tiny/0"]
	if u.Juju.Message != "agent is not communicating with the server" ||
		u.Workload.Current != "unknown" || u.Workload.Message != "agent lost, see 'juju show-status-log tiny/0'" {
		t.Errorf("lost unit shows %+v / %+v", u.Juju, u.Workload)
	}
	e.must("config", "tiny", "msg=after-the-crash")
	start := time.Now()
	e.waitStatus("m", 30*time.Second, "active and idle again", allIdle("tiny", "active"))
	t.Logf("recovered %v after the agent died", time.Since(start).Round(time.Millisecond))
	if e.agentPID("m") == agentPID {
		t.Error("the agent was not restarted")
	}
	hooks := e.hookLog("m", "tiny/0")
	if n := countOf(hooks, "config-changed"); n < 3 {
		t.Errorf("hooks run: %v; want config-changed for deploy, the interrupted one again and the change after the crash", hooks)
	}
	if v := e.must("exec", "--unit", "tiny/0", "--", "config-get msg").stdout; strings.TrimSpace(v) != "after-the-crash" {
		t.Errorf("msg seen by the unit = %q, want the change made while the agent was dead", v)
	}
	e.must("destroy-model", "m", "--no-prompt", "--force", "--timeout", "1s")
	if left := processesOf(e.dir); len(left) > 0 {
		t.Errorf("processes of the model left after destroy-model:\n%s", strings.Join(left, "\n"))
	}
}

func countOf(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// TestDestroyModelWithBothStatesDamaged damages the state document and its
// previous copy while the agent runs a command: the agent logs the error
// once (not every second), and destroy-model --force still stops every
// process of the model, found from the record in the model's directory.
func TestDestroyModelWithBothStatesDamaged(t *testing.T) {
	t.Parallel()
	e := activeTiny(t)
	uuid := e.modelUUID("m")
	sleepPID := e.startBackground(t, "--unit", "tiny/0")
	for _, name := range []string{"state.json", "state.prev.json"} {
		if err := os.WriteFile(filepath.Join(e.dir, name), []byte(`{"version":1,"mod`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r := e.run("status"); r.code != 1 || !strings.Contains(r.stderr, "no good previous state") {
		t.Fatalf("status on a damaged state: exit %d, %q", r.code, r.stderr)
	}
	time.Sleep(2500 * time.Millisecond) // the agent reads the state every second
	agentLog, err := os.ReadFile(e.store().AgentLogPath(uuid))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(agentLog), "reading state:"); n != 1 {
		t.Errorf("the agent logged the damaged state %d times in 2.5 s, want once:\n%s", n, agentLog)
	}
	r := e.must("destroy-model", "m", "--no-prompt", "--force", "--timeout", "1s")
	if !strings.Contains(r.stderr, `WARNING decoding state`) || !strings.Contains(r.stderr, `destroying model "m" from the record in its directory`) {
		t.Errorf("destroy-model stderr = %q", r.stderr)
	}
	if proc.Running(sleepPID, 0) {
		t.Errorf("exec command (pid %d) still runs after destroy-model", sleepPID)
	}
	if left := processesOf(e.dir); len(left) > 0 {
		t.Errorf("processes of the model left after destroy-model:\n%s", strings.Join(left, "\n"))
	}
	if _, err := os.Stat(e.store().ModelDir(uuid)); !os.IsNotExist(err) {
		t.Errorf("model directory left: %v", err)
	}
	if r := e.run("destroy-model", "nope", "--no-prompt", "--force"); r.code != 1 || !strings.Contains(r.stderr, `no model "nope" has a record`) {
		t.Errorf("destroy-model of an unknown model on a damaged state: exit %d, %q", r.code, r.stderr)
	}
}

// TestBackgroundChildOfExecDiesWithModel runs the reproduction: an
// exec whose command leaves a child in the background and returns. The
// child may outlive the exec (as on Juju), but not the model.
func TestBackgroundChildOfExecDiesWithModel(t *testing.T) {
	t.Parallel()
	e := activeTiny(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	r := e.must("exec", "--unit", "tiny/0", "--", "sleep 600 >/dev/null 2>&1 </dev/null & echo $! > "+pidFile+"; echo started")
	if strings.TrimSpace(r.stdout) != "started" {
		t.Errorf("exec stdout = %q", r.stdout)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if !proc.Running(pid, 0) {
		t.Fatal("the background sleep is already gone: the test proves nothing")
	}
	// A short-lived background child: its group's record goes once it
	// has gone, and the long one's stays.
	running := e.store().RunningDir(e.modelUUID("m"))
	e.must("exec", "--unit", "tiny/0", "--", "sleep 2 >/dev/null 2>&1 </dev/null &")
	if entries, _ := os.ReadDir(running); len(entries) != 2 {
		t.Errorf("recorded groups with two background children: %v, want 2", entries)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		entries, _ := os.ReadDir(running)
		if len(entries) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("recorded groups after the short child ended: %v, want just the long one", entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.must("destroy-model", "m", "--no-prompt", "--force", "--timeout", "1s")
	if proc.Running(pid, 0) {
		t.Errorf("the background child of an exec (pid %d) still runs after destroy-model", pid)
	}
	if left := processesOf(e.dir); len(left) > 0 {
		t.Errorf("processes of the model left after destroy-model:\n%s", strings.Join(left, "\n"))
	}
}
