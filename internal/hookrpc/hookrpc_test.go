package hookrpc_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/rpc"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/canonical/jujutest/internal/hookrpc"
)

// fakeAgent is a stdlib-only server that echoes requests.
type fakeAgent struct {
	mu   sync.Mutex
	reqs []hookrpc.Request
}

// Main answers like a tool that needs stdin when asked for "needs-stdin".
func (a *fakeAgent) Main(req hookrpc.Request, resp *hookrpc.Response) error {
	a.mu.Lock()
	a.reqs = append(a.reqs, req)
	a.mu.Unlock()
	if req.CommandName == "needs-stdin" && !req.StdinSet {
		return errors.New(hookrpc.NoStdinMessage)
	}
	if req.CommandName == "bad" {
		return errors.New("bad request: nope")
	}
	resp.Code = 3
	resp.Stdout = []byte(req.CommandName + " " + strings.Join(req.Args, ",") + " " + string(req.Stdin))
	resp.Stderr = []byte("dir=" + req.Dir)
	return nil
}

func serve(t *testing.T) (string, *fakeAgent) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agent.socket")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	agent := &fakeAgent{}
	srv := rpc.NewServer()
	if err := srv.RegisterName(hookrpc.ServiceName, agent); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); srv.ServeConn(conn) }()
		}
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return path, agent
}

func TestRunClient(t *testing.T) {
	t.Parallel()
	path, agent := serve(t)
	env := map[string]string{
		"JUJU_CONTEXT_ID":           "ctx-7",
		"JUJU_AGENT_SOCKET_ADDRESS": path,
		"JUJU_AGENT_SOCKET_NETWORK": "unix",
	}
	var stdout, stderr bytes.Buffer
	code := hookrpc.RunClient(context.Background(), []string{"/some/dir/echo", "-a", "b"},
		func(k string) string { return env[k] }, strings.NewReader("unread"), &stdout, &stderr)
	if code != 3 || stdout.String() != "echo -a,b " || !strings.HasPrefix(stderr.String(), "dir=/") {
		t.Errorf("got code %d stdout %q stderr %q", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	code = hookrpc.RunClient(context.Background(), []string{"needs-stdin"},
		func(k string) string { return env[k] }, strings.NewReader("data"), &stdout, &stderr)
	if code != 3 || stdout.String() != "needs-stdin  data" {
		t.Errorf("stdin handshake: code %d stdout %q stderr %q", code, stdout.String(), stderr.String())
	}
	agent.mu.Lock()
	if len(agent.reqs) != 3 || agent.reqs[0].ContextId != "ctx-7" || agent.reqs[0].StdinSet || agent.reqs[1].StdinSet || !agent.reqs[2].StdinSet {
		t.Errorf("requests = %+v", agent.reqs)
	}
	agent.mu.Unlock()
	stderr.Reset()
	code = hookrpc.RunClient(context.Background(), []string{"bad"}, func(k string) string { return env[k] }, nil, &stdout, &stderr)
	if code != 1 || stderr.String() != "ERROR bad request: nope\n" {
		t.Errorf("bad request: code %d stderr %q", code, stderr.String())
	}
}

func TestRunClientMissingEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{env: map[string]string{}, want: "ERROR JUJU_CONTEXT_ID not set\n"},
		{env: map[string]string{"JUJU_CONTEXT_ID": "c"}, want: "ERROR JUJU_AGENT_SOCKET_ADDRESS not set\n"},
		{env: map[string]string{"JUJU_CONTEXT_ID": "c", "JUJU_AGENT_SOCKET_ADDRESS": "/x"}, want: "ERROR JUJU_AGENT_SOCKET_NETWORK not set\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := hookrpc.RunClient(context.Background(), []string{"config-get"}, func(k string) string { return tc.env[k] }, nil, &stdout, &stderr)
		if code != 1 || stderr.String() != tc.want || stdout.Len() != 0 {
			t.Errorf("env %v: code %d stderr %q, want 1 %q", tc.env, code, stderr.String(), tc.want)
		}
	}
}
