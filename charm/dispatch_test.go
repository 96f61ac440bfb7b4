package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canonical/jujutest/charm/internal/hostlock"
	"github.com/canonical/jujutest/charm/tinyproxy"
)

// The dispatch test and benchmark build the real charm binary as it is
// packed (static, stripped) and run it as Juju does: from the charm
// directory, with only the hook environment, and the hook tools on PATH.
// The tools are testdata/faketool, which records its calls.

// hookPath is the system part of the hook's PATH (Juju prepends its tools
// directory to the machine's PATH).
const hookPath = "/usr/sbin:/usr/bin:/sbin:/bin"

// unit is one fake Juju unit: a charm directory with dispatch, a tools
// directory and the fake agent's state directory.
type unit struct {
	charmDir, toolsDir, agentDir string
}

func goTool(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		tb.Skipf("skipping: no go command on PATH (%v); the dispatch test builds the charm with it", err)
	}
	return p
}

// goBuild builds the package at pkg (relative to the charm module) into out.
func goBuild(tb testing.TB, pkg, out string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool(tb), "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

// newUnit builds the charm as dispatch and the fake tools into a new
// temporary unit.
func newUnit(tb testing.TB) *unit {
	tb.Helper()
	root := tb.TempDir()
	u := &unit{charmDir: filepath.Join(root, "charm"), toolsDir: filepath.Join(root, "tools")}
	for _, d := range []string{u.charmDir, u.toolsDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	goBuild(tb, ".", filepath.Join(u.charmDir, "dispatch"))
	faketool := filepath.Join(root, "faketool")
	goBuild(tb, "./testdata/faketool", faketool)
	for _, tool := range []string{"config-get", "status-set", "application-version-set", "juju-log",
		"open-port", "close-port", "opened-ports", "is-leader", "relation-ids"} {
		if err := os.Symlink(faketool, filepath.Join(u.toolsDir, tool)); err != nil {
			tb.Fatal(err)
		}
	}
	return u.withAgent(tb)
}

// withAgent returns u with a fresh fake agent (its own config and calls
// file), so that parallel subtests share the built binaries only.
func (u *unit) withAgent(tb testing.TB) *unit {
	tb.Helper()
	v := *u
	v.agentDir = tb.TempDir()
	v.write(tb, "config.json", `{"slug":"example","upstream":"http://www.example.com/"}`)
	v.write(tb, "opened-ports", "")
	v.write(tb, "is-leader", "true\n")
	v.write(tb, "relation-ids", "[]\n")
	return &v
}

func (u *unit) write(tb testing.TB, name, content string) {
	tb.Helper()
	if err := os.WriteFile(filepath.Join(u.agentDir, name), []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// env is the hook environment Juju 3.6 gives a machine charm, and nothing
// else (no HOME, no USER).
func (u *unit) env(event string) []string {
	return []string{
		"JUJU_DISPATCH_PATH=hooks/" + event,
		"JUJU_HOOK_NAME=" + event,
		"JUJU_UNIT_NAME=tinyproxy/0",
		"JUJU_CHARM_DIR=" + u.charmDir,
		"CHARM_DIR=" + u.charmDir,
		"JUJU_CONTEXT_ID=tinyproxy/0-" + event + "-1234",
		"JUJU_AGENT_SOCKET_ADDRESS=" + u.agentDir,
		"JUJU_AGENT_SOCKET_NETWORK=unix",
		"JUJU_MODEL_NAME=test",
		"JUJU_MODEL_UUID=4b5a3c8e-1f2d-4e6a-9b7c-0d1e2f3a4b5c",
		"JUJU_MACHINE_ID=0",
		"JUJU_PRINCIPAL_UNIT=",
		"JUJU_VERSION=3.6.11",
		"JUJU_SLA=unsupported",
		"LANG=C.UTF-8",
		"DEBIAN_FRONTEND=noninteractive",
		"APT_LISTCHANGES_FRONTEND=none",
		"PATH=" + u.toolsDir + ":" + hookPath,
	}
}

type result struct {
	code           int
	stdout, stderr string
	calls          [][]string
}

// dispatch runs the charm with env and returns what happened.
func (u *unit) dispatch(tb testing.TB, env []string) result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(u.charmDir, "dispatch"))
	cmd.Dir = u.charmDir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if exitErr, ok := err.(*exec.ExitError); ok {
		r.code = exitErr.ExitCode()
	} else if err != nil {
		tb.Fatalf("running dispatch: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(u.agentDir, "calls"))
	if err != nil && !os.IsNotExist(err) {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line != "" {
			r.calls = append(r.calls, unquoteArgv(tb, line))
		}
	}
	return r
}

func unquoteArgv(tb testing.TB, line string) []string {
	tb.Helper()
	var argv []string
	for line != "" {
		q, err := strconv.QuotedPrefix(line)
		if err != nil {
			tb.Fatalf("bad calls line %q: %v", line, err)
		}
		s, _ := strconv.Unquote(q)
		argv = append(argv, s)
		line = strings.TrimPrefix(line[len(q):], " ")
	}
	return argv
}

// hostStatus is the status-set argv the charm must report with a valid
// config, given this machine's real tinyproxy (the charm inspects the real
// host), and whether tinyproxy runs.
func hostStatus(tb testing.TB) (status []string, running bool) {
	installed := false
	for _, dir := range filepath.SplitList(hookPath) {
		if fi, err := os.Stat(filepath.Join(dir, "tinyproxy")); err == nil && fi.Mode()&0o111 != 0 {
			installed = true
		}
	}
	running = (&tinyproxy.Tinyproxy{}).IsRunning()
	switch {
	case !installed:
		return []string{"status-set", "maintenance", "Waiting for tinyproxy to be installed"}, running
	case !running:
		return []string{"status-set", "maintenance", "Waiting for tinyproxy to start"}, running
	}
	return []string{"status-set", "active"}, running
}

func TestDispatch(t *testing.T) {
	t.Parallel()
	// The charm reads the real host's tinyproxy state; hold the lock that
	// the host workload test holds while it changes that state.
	hostlock.Lock(t)
	built := newUnit(t)
	status, running := hostStatus(t)
	configGet := []string{"config-get", "--all", "--format=json"}
	relationIDs := []string{"relation-ids", "--format=json", "--", "upstream"}
	noop := [][]string{configGet, relationIDs, status}
	portCall := []string{"close-port", "8000/tcp"}
	if running {
		portCall = []string{"open-port", "8000/tcp"}
	}
	invalidSlug := []string{"status-set", "blocked", "Invalid slug: 'foo_bar'. Slug must match the regex [a-z0-9-]+"}

	t.Run("update-status", func(t *testing.T) {
		t.Parallel()
		u := built.withAgent(t)
		expect(t, u.dispatch(t, u.env("update-status")), 0, noop)
	})
	t.Run("unknown event", func(t *testing.T) {
		t.Parallel()
		u := built.withAgent(t)
		expect(t, u.dispatch(t, u.env("some-future-event")), 0, noop)
	})
	t.Run("JUJU_HOOK_NAME without JUJU_DISPATCH_PATH", func(t *testing.T) {
		t.Parallel()
		u := built.withAgent(t)
		env := slices.DeleteFunc(u.env("update-status"), func(e string) bool { return strings.HasPrefix(e, "JUJU_DISPATCH_PATH=") })
		expect(t, u.dispatch(t, env), 0, noop)
	})
	t.Run("config-changed with an invalid slug", func(t *testing.T) {
		t.Parallel()
		u := built.withAgent(t)
		u.write(t, "config.json", `{"slug":"foo_bar","upstream":"http://www.example.com/"}`)
		expect(t, u.dispatch(t, u.env("config-changed")), 0, [][]string{configGet, relationIDs, portCall, invalidSlug})
	})
	t.Run("stop closes the port", func(t *testing.T) {
		if running {
			t.Skip("skipping: tinyproxy is running on this machine, and the stop hook would stop it")
		}
		t.Parallel()
		u := built.withAgent(t)
		expect(t, u.dispatch(t, u.env("stop")), 0, [][]string{configGet, relationIDs, {"close-port", "8000/tcp"}, status})
	})
	t.Run("config-get fails", func(t *testing.T) {
		t.Parallel()
		u := built.withAgent(t)
		u.write(t, "fail-config-get", "permission denied")
		r := u.dispatch(t, u.env("update-status"))
		msg := "update-status hook: reading config: hook tool config-get: config-get --all --format=json: exit status 1: ERROR permission denied"
		expect(t, r, 1, [][]string{configGet, {"juju-log", "--log-level=ERROR", "--", msg}})
		if r.stderr != "ERROR "+msg+"\n" {
			t.Errorf("stderr = %q, want %q", r.stderr, "ERROR "+msg+"\n")
		}
	})
	t.Run("status-set fails", func(t *testing.T) {
		t.Parallel()
		u := built.withAgent(t)
		u.write(t, "fail-status-set", `invalid status "x"`)
		r := u.dispatch(t, u.env("update-status"))
		if r.code != 1 || !strings.HasPrefix(r.stderr, "ERROR update-status hook: hook tool status-set") {
			t.Errorf("exit %d, stderr %q; want 1 and an ERROR naming status-set", r.code, r.stderr)
		}
	})
}

func expect(t *testing.T, r result, code int, calls [][]string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	if code == 0 && (r.stderr != "" || r.stdout != "") {
		t.Errorf("stdout %q, stderr %q; want both empty", r.stdout, r.stderr)
	}
	if !slices.EqualFunc(r.calls, calls, slices.Equal) {
		t.Errorf("hook tool calls:\n%s\nwant:\n%s", fmtCalls(r.calls), fmtCalls(calls))
	}
}

func fmtCalls(calls [][]string) string {
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "  %q\n", c)
	}
	return b.String()
}

// BenchmarkNoopHook runs update-status through the built static dispatch
// binary with the recording fake tools (two tool calls: config-get and
// status-set). Target: median <= 10 ms; it reports ns/op (mean) and
// median-ms. Compare it with BenchmarkExecFloor.
func BenchmarkNoopHook(b *testing.B) {
	u := newUnit(b)
	env := u.env("update-status")
	bin := filepath.Join(u.charmDir, "dispatch")
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		cmd := exec.Command(bin)
		cmd.Dir, cmd.Env = u.charmDir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("dispatch update-status: %v\n%s", err, out)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2])/float64(time.Millisecond), "median-ms")
}

// BenchmarkExecFloor is the floor under BenchmarkNoopHook on this machine:
// four sequential execs of the fake tool (a minimal static Go program), as
// many processes as a no-op hook starts (dispatch plus three tools:
// config-get, relation-ids, status-set). The difference between the two is
// the charm's own cost.
func BenchmarkExecFloor(b *testing.B) {
	u := newUnit(b)
	env := u.env("update-status")
	tool := filepath.Join(u.toolsDir, "opened-ports")
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		for range 4 {
			cmd := exec.Command(tool)
			cmd.Dir, cmd.Env = u.charmDir, env
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("fake tool: %v\n%s", err, out)
			}
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2])/float64(time.Millisecond), "median-ms")
}
