package hooktool_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canonical/jujutest/internal/hookrpc"
	"github.com/canonical/jujutest/internal/hooktool"
	"github.com/canonical/jujutest/internal/hooktool/hooktooltest"
)

// TestMain makes the test binary a hook-tool client when it is invoked under
// a tool's name (through a symlink), as juju-local's main does.
func TestMain(m *testing.M) {
	if hooktool.IsTool(filepath.Base(os.Args[0])) {
		os.Exit(hooktool.ClientMain(os.Args))
	}
	os.Exit(m.Run())
}

// toolsDir returns a directory of symlinks to the test binary, one per tool.
func toolsDir(t testing.TB) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range hooktool.Names() {
		if err := os.Symlink(exe, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startServer starts a Server in a temporary directory and closes it at the
// end of the test.
func startServer(t testing.TB) *hooktool.Server {
	t.Helper()
	srv, err := hooktool.NewServer(filepath.Join(t.TempDir(), "agent.socket"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("closing server: %v", err)
		}
	})
	return srv
}

type procResult struct {
	stdout, stderr string
	code           int
}

// runTool runs a tool process from dir with exactly env.
func runTool(t *testing.T, tools, dir string, env []string, stdin io.Reader, tool string, args ...string) procResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(tools, tool), args...)
	cmd.Env = env
	cmd.Dir = dir
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("running %s: %v", tool, err)
	}
	return procResult{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

func hookEnv(srv *hooktool.Server, contextID string) []string {
	return []string{
		"JUJU_CONTEXT_ID=" + contextID,
		"JUJU_AGENT_SOCKET_ADDRESS=" + srv.Path(),
		"JUJU_AGENT_SOCKET_NETWORK=unix",
	}
}

func TestRoundTripThroughSocket(t *testing.T) {
	t.Parallel()
	tools := toolsDir(t)
	srv := startServer(t)
	c := newTestContext()
	unregister := srv.Register("tinyproxy/0-install-1", c)
	defer unregister()
	env := hookEnv(srv, "tinyproxy/0-install-1")
	work := t.TempDir()

	for _, tc := range []struct {
		argv  []string
		stdin string
		want  procResult
	}{
		{argv: []string{"config-get", "slug"}, want: procResult{stdout: "example\n"}},
		{argv: []string{"config-get", "--format=json", "port"}, want: procResult{stdout: "8000\n"}},
		{argv: []string{"is-leader", "--format=json"}, want: procResult{stdout: "true\n"}},
		{argv: []string{"status-set", "--application=False", "active", "ready"}},
		{argv: []string{"status-get"}, want: procResult{stdout: "active\n"}},
		{argv: []string{"juju-log", "--log-level", "WARNING", "--", "careful"}},
		{argv: []string{"open-port", "8000/tcp"}},
		{argv: []string{"state-set", "--file", "-"}, stdin: "from: stdin\n"},
		{argv: []string{"state-get", "from"}, want: procResult{stdout: "stdin\n"}},
		{argv: []string{"config-get", "-o", "out.txt", "upstream"}},
		{argv: []string{"status-set", "bogus"}, want: procResult{code: 2,
			stderr: "ERROR invalid status \"bogus\", expected one of [maintenance blocked waiting active]\n"}},
		{argv: []string{"config-get", "--bogus"}, want: procResult{code: 2, stderr: "ERROR option provided but not defined: --bogus\n"}},
		{argv: []string{"action-get"}, want: procResult{code: 1, stderr: "ERROR not running an action\n"}},
	} {
		var stdin io.Reader
		if tc.stdin != "" {
			stdin = strings.NewReader(tc.stdin)
		}
		got := runTool(t, tools, work, env, stdin, tc.argv[0], tc.argv[1:]...)
		if got != tc.want {
			t.Errorf("%q: got %+v, want %+v", tc.argv, got, tc.want)
		}
	}
	c.Lock()
	defer c.Unlock()
	if !reflect.DeepEqual(c.Status, hooktool.Status{Status: "active", Message: "ready"}) {
		t.Errorf("status = %+v", c.Status)
	}
	if want := []hooktooltest.LogRecord{{Level: "WARNING", Module: "unit.tinyproxy/0.juju-log", Message: "careful"}}; !reflect.DeepEqual(c.Logs, want) {
		t.Errorf("logs = %+v, want %+v", c.Logs, want)
	}
	if want := []string{" 8000/tcp"}; !reflect.DeepEqual(c.PendingOpen, want) {
		t.Errorf("pending open = %q, want %q", c.PendingOpen, want)
	}
	if data, err := os.ReadFile(filepath.Join(work, "out.txt")); err != nil || string(data) != "http://www.example.com/\n" {
		t.Errorf("-o out.txt (relative to the tool's cwd) = %q, %v", data, err)
	}
}

// TestToolDoesNotReadUnneededStdin runs tools whose stdin is a pipe that is
// never closed: they must not wait for it.
func TestToolDoesNotReadUnneededStdin(t *testing.T) {
	t.Parallel()
	tools := toolsDir(t)
	srv := startServer(t)
	c := newTestContext()
	defer srv.Register("ctx", c)()
	// An *os.File is handed to the child as is (exec copies from any other
	// reader and waits for the copy to end).
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	got := runTool(t, tools, t.TempDir(), hookEnv(srv, "ctx"), pr, "state-set", "k=v")
	if got != (procResult{}) {
		t.Errorf("state-set k=v: %+v", got)
	}
	got = runTool(t, tools, t.TempDir(), hookEnv(srv, "ctx"), pr, "config-get", "slug")
	if got != (procResult{stdout: "example\n"}) {
		t.Errorf("config-get slug: %+v", got)
	}
	c.Lock()
	defer c.Unlock()
	if c.State["k"] != "v" {
		t.Errorf("state = %q", c.State)
	}
}

func TestClientEnvironmentErrors(t *testing.T) {
	t.Parallel()
	tools := toolsDir(t)
	srv := startServer(t)
	defer srv.Register("ctx", newTestContext())()
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		env  []string
		want procResult
	}{
		{name: "no context id", env: []string{"JUJU_AGENT_SOCKET_ADDRESS=" + srv.Path(), "JUJU_AGENT_SOCKET_NETWORK=unix"},
			want: procResult{code: 1, stderr: "ERROR JUJU_CONTEXT_ID not set\n"}},
		{name: "empty env", env: []string{}, want: procResult{code: 1, stderr: "ERROR JUJU_CONTEXT_ID not set\n"}},
		{name: "no socket", env: []string{"JUJU_CONTEXT_ID=ctx"}, want: procResult{code: 1, stderr: "ERROR JUJU_AGENT_SOCKET_ADDRESS not set\n"}},
		{name: "no network", env: []string{"JUJU_CONTEXT_ID=ctx", "JUJU_AGENT_SOCKET_ADDRESS=" + srv.Path()},
			want: procResult{code: 1, stderr: "ERROR JUJU_AGENT_SOCKET_NETWORK not set\n"}},
		{name: "tcp", env: []string{"JUJU_CONTEXT_ID=ctx", "JUJU_AGENT_SOCKET_ADDRESS=" + srv.Path(), "JUJU_AGENT_SOCKET_NETWORK=tcp"},
			want: procResult{code: 1, stderr: "ERROR unsupported JUJU_AGENT_SOCKET_NETWORK \"tcp\": juju-local agents listen on unix sockets only\n"}},
		{name: "unknown context", env: hookEnv(srv, "other"),
			want: procResult{code: 1, stderr: "ERROR bad request: unknown context id \"other\"\n"}},
	} {
		if got := runTool(t, tools, dir, tc.env, nil, "config-get"); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
	missing := filepath.Join(dir, "nothing.socket")
	got := runTool(t, tools, dir, []string{"JUJU_CONTEXT_ID=ctx", "JUJU_AGENT_SOCKET_ADDRESS=" + missing, "JUJU_AGENT_SOCKET_NETWORK=unix"}, nil, "config-get")
	if got.code != 1 || !strings.HasPrefix(got.stderr, "ERROR connecting to the unit agent: dial unix "+missing) {
		t.Errorf("missing socket: %+v", got)
	}
}

func TestRegisterUnregister(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := context.Background()
	req := hookrpc.Request{ContextId: "c1", Dir: "/", CommandName: "config-get", Args: []string{"slug"}}
	c1 := newTestContext()
	unregister := srv.Register("c1", c1)
	resp, err := hookrpc.Call(ctx, srv.Path(), req, nil)
	if err != nil || string(resp.Stdout) != "example\n" || resp.Code != 0 {
		t.Fatalf("call: %+v, %v", resp, err)
	}
	c2 := newTestContext()
	c2.Config["slug"] = "second"
	unregister2 := srv.Register("c1", c2) // replaces
	unregister()                          // stale unregister must not remove c2
	if resp, err = hookrpc.Call(ctx, srv.Path(), req, nil); err != nil || string(resp.Stdout) != "second\n" {
		t.Errorf("after replace: %+v, %v", resp, err)
	}
	unregister2()
	unregister2()
	if _, err = hookrpc.Call(ctx, srv.Path(), req, nil); err == nil || err.Error() != `bad request: unknown context id "c1"` {
		t.Errorf("after unregister: %v", err)
	}
	for _, bad := range []hookrpc.Request{
		{ContextId: "c1", Dir: "rel", CommandName: "config-get"},
		{ContextId: "c1", Dir: "/", CommandName: ""},
		{ContextId: "c1", Dir: "/", CommandName: "relation-get"},
	} {
		if _, err := hookrpc.Call(ctx, srv.Path(), bad, nil); err == nil || !strings.HasPrefix(err.Error(), "bad request: ") {
			t.Errorf("%+v: err %v", bad, err)
		}
	}
}

// TestStdinHandshake checks that Call sends stdin only when asked, and that
// a tool asking for stdin without one gets Juju's error.
func TestStdinHandshake(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	c := newTestContext()
	defer srv.Register("c", c)()
	req := hookrpc.Request{ContextId: "c", Dir: "/", CommandName: "state-set", Args: []string{"--file", "-"}}
	if _, err := hookrpc.Call(context.Background(), srv.Path(), req, nil); err == nil || err.Error() != "hook tool requires stdin, none supplied" {
		t.Errorf("no stdin: %v", err)
	}
	resp, err := hookrpc.Call(context.Background(), srv.Path(), req, strings.NewReader("a: b\n"))
	if err != nil || resp.Code != 0 {
		t.Fatalf("with stdin: %+v %v", resp, err)
	}
	c.Lock()
	defer c.Unlock()
	if c.State["a"] != "b" {
		t.Errorf("state = %q", c.State)
	}
}

func TestServerClose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "agent.socket")
	srv, err := hooktool.NewServer(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hooktool.NewServer(path); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second server on a live socket: %v", err)
	}
	defer srv.Register("c", newTestContext())()
	// An idle open connection must not stop Close.
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := hookrpc.Request{ContextId: "c", Dir: "/", CommandName: "is-leader"}
			_, _ = hookrpc.Call(context.Background(), path, req, nil)
		}()
	}
	done := make(chan error, 1)
	go func() { done <- srv.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return within 10s")
	}
	wg.Wait()
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file left behind: %v", err)
	}
	// A stale socket file (nobody listening) is replaced.
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	srv2, err := hooktool.NewServer(path)
	if err != nil {
		t.Fatalf("server over a stale socket: %v", err)
	}
	srv2.Close()
	// Not a socket: refused.
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := hooktool.NewServer(file); err == nil || !strings.Contains(err.Error(), "is not a socket") {
		t.Errorf("server on a regular file: %v", err)
	}
	if _, err := hooktool.NewServer("/" + strings.Repeat("x", 200)); err == nil || !strings.Contains(err.Error(), "limit for a unix socket is 107") {
		t.Errorf("long path: %v", err)
	}
}

// TestCallTimeout checks that a call to an agent that never answers is
// bounded by the context.
func TestCallTimeout(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "mute.socket")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // accept and never answer
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = hookrpc.Call(ctx, path, hookrpc.Request{ContextId: "c", Dir: "/", CommandName: "is-leader"}, nil)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("Call to a mute agent: %v after %v", err, time.Since(start))
	}
}

// BenchmarkConfigGetSocket measures one config-get round trip through the
// unix socket (client in process).
func BenchmarkConfigGetSocket(b *testing.B) {
	srv := startServer(b)
	defer srv.Register("c", newTestContext())()
	req := hookrpc.Request{ContextId: "c", Dir: "/", CommandName: "config-get", Args: []string{"--format=json"}}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := hookrpc.Call(ctx, srv.Path(), req, nil)
		if err != nil || resp.Code != 0 {
			b.Fatalf("%+v %v", resp, err)
		}
	}
}

// BenchmarkConfigGetProcess measures config-get as a charm runs it: a tool
// process (this test binary via a symlink) talking to the server.
func BenchmarkConfigGetProcess(b *testing.B) {
	benchmarkConfigGet(b, toolsDir(b))
}

// benchmarkConfigGet runs "config-get --format=json" from the tools
// directory as a process, b.N times, against a test server.
func benchmarkConfigGet(b *testing.B, tools string) {
	srv := startServer(b)
	defer srv.Register("c", newTestContext())()
	env := hookEnv(srv, "c")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(filepath.Join(tools, "config-get"), "--format=json")
		cmd.Env = env
		if out, err := cmd.Output(); err != nil || len(out) == 0 {
			b.Fatalf("%q %v", out, err)
		}
	}
}

// buildTinyClient compiles the stdlib-only hook-tool client
// (cmd/juju-local-hooktool) and returns a tools directory
// of symlinks to it.
func buildTinyClient(t testing.TB) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipped: the go tool is not on PATH to build the hook-tool client: " + err.Error())
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "juju-local-hooktool")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, goTool, "build", "-o", bin, "../../cmd/juju-local-hooktool")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the hook-tool client: %v\n%s", err, out)
	}
	tools := filepath.Join(dir, "tools")
	if err := os.Mkdir(tools, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range hooktool.Names() {
		if err := os.Symlink(bin, filepath.Join(tools, name)); err != nil {
			t.Fatal(err)
		}
	}
	return tools
}

// TestCompiledClient runs tools through a separately compiled client binary
// that shares no code with the server but the wire types.
func TestCompiledClient(t *testing.T) {
	t.Parallel()
	tools := buildTinyClient(t)
	srv := startServer(t)
	c := newTestContext()
	defer srv.Register("ctx", c)()
	work := t.TempDir()
	for _, tc := range []struct {
		env   []string
		stdin io.Reader
		argv  []string
		want  procResult
	}{
		{env: hookEnv(srv, "ctx"), argv: []string{"config-get", "--all", "--format=json"},
			want: procResult{stdout: `{"debug":false,"nothing":null,"port":8000,"ratio":1.5,"slug":"example","upstream":"http://www.example.com/"}` + "\n"}},
		{env: hookEnv(srv, "ctx"), argv: []string{"state-set", "--file", "-", "b=2"}, stdin: strings.NewReader("a: \"1\"\n")},
		{env: hookEnv(srv, "ctx"), argv: []string{"state-get", "--format=json"}, want: procResult{stdout: `{"a":"1","b":"2"}` + "\n"}},
		{env: hookEnv(srv, "ctx"), argv: []string{"open-port"}, want: procResult{code: 2, stderr: "ERROR no port or range specified\n"}},
		{env: []string{"JUJU_AGENT_SOCKET_ADDRESS=" + srv.Path(), "JUJU_AGENT_SOCKET_NETWORK=unix"}, argv: []string{"is-leader"},
			want: procResult{code: 1, stderr: "ERROR JUJU_CONTEXT_ID not set\n"}},
	} {
		if got := runTool(t, tools, work, tc.env, tc.stdin, tc.argv[0], tc.argv[1:]...); got != tc.want {
			t.Errorf("%q: got %+v, want %+v", tc.argv, got, tc.want)
		}
	}
}

// BenchmarkConfigGetTinyClient is BenchmarkConfigGetProcess with the
// stdlib-only client binary.
func BenchmarkConfigGetTinyClient(b *testing.B) {
	benchmarkConfigGet(b, buildTinyClient(b))
}
