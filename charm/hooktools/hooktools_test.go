package hooktools

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// recorder is a Runner that records calls and answers from a table.
type recorder struct {
	calls   [][]string
	answers map[string]string
	fail    map[string]error
}

func (r *recorder) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	r.calls = append(r.calls, append([]string{name}, args...))
	if err := r.fail[name]; err != nil {
		return nil, err
	}
	return []byte(r.answers[name]), nil
}

func TestToolsSyntax(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := &recorder{}
	tools := &Tools{Runner: r}
	steps := []error{
		tools.StatusSet(ctx, Status{Name: StatusBlocked, Message: "Invalid slug: 'a b'"}),
		tools.StatusSet(ctx, Status{Name: StatusActive}),
		tools.ApplicationVersionSet(ctx, "1.11.1"),
		tools.StatusSet(ctx, Status{Name: StatusWaiting, Message: "-looks like a flag"}),
		tools.JujuLog(ctx, LevelError, "--looks like a flag"),
		tools.OpenPort(ctx, Port{Number: 8000, Protocol: "tcp"}),
		tools.ClosePort(ctx, Port{Number: 8000, Protocol: "tcp"}),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := [][]string{
		{"status-set", "blocked", "Invalid slug: 'a b'"},
		{"status-set", "active"},
		{"application-version-set", "1.11.1"},
		{"status-set", "--", "waiting", "-looks like a flag"},
		{"juju-log", "--log-level=ERROR", "--", "--looks like a flag"},
		{"open-port", "8000/tcp"},
		{"close-port", "8000/tcp"},
	}
	if !reflect.DeepEqual(r.calls, want) {
		t.Fatalf("calls = %q\nwant    %q", r.calls, want)
	}
}

func TestConfigGet(t *testing.T) {
	t.Parallel()
	r := &recorder{answers: map[string]string{"config-get": `{"slug":"example","upstream":null}` + "\n"}}
	var cfg struct {
		Slug     string `json:"slug"`
		Upstream string `json:"upstream"`
	}
	if err := (&Tools{Runner: r}).ConfigGet(context.Background(), &cfg); err != nil {
		t.Fatalf("ConfigGet: %v", err)
	}
	if cfg.Slug != "example" || cfg.Upstream != "" {
		t.Fatalf("config = %+v, want slug example and empty upstream", cfg)
	}
	if want := [][]string{{"config-get", "--all", "--format=json"}}; !reflect.DeepEqual(r.calls, want) {
		t.Fatalf("calls = %q, want %q", r.calls, want)
	}
}

func TestConfigGetBadJSON(t *testing.T) {
	t.Parallel()
	r := &recorder{answers: map[string]string{"config-get": "slug: example"}}
	var cfg map[string]any
	err := (&Tools{Runner: r}).ConfigGet(context.Background(), &cfg)
	if err == nil || !strings.Contains(err.Error(), "config-get") {
		t.Fatalf("err = %v, want a decoding error naming config-get", err)
	}
}

func TestToolErrorNamesTool(t *testing.T) {
	t.Parallel()
	boom := errors.New("exit status 1: ERROR permission denied")
	r := &recorder{fail: map[string]error{"status-set": boom}}
	err := (&Tools{Runner: r}).StatusSet(context.Background(), Status{Name: StatusActive})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "hook tool status-set") {
		t.Fatalf("err = %v, want it to wrap the runner error and name status-set", err)
	}
}

func TestOpenedPorts(t *testing.T) {
	t.Parallel()
	r := &recorder{answers: map[string]string{"opened-ports": "8000/tcp\n9000-9010/udp\nicmp\n"}}
	ports, err := (&Tools{Runner: r}).OpenedPorts(context.Background())
	if err != nil {
		t.Fatalf("OpenedPorts: %v", err)
	}
	want := []Port{{8000, "tcp"}, {9000, "udp"}}
	if !reflect.DeepEqual(ports, want) {
		t.Fatalf("ports = %v, want %v", ports, want)
	}
	r.answers["opened-ports"] = "eight thousand/tcp\n"
	if _, err := (&Tools{Runner: r}).OpenedPorts(context.Background()); err == nil {
		t.Fatal("OpenedPorts accepted a malformed line")
	}
}

func TestIsLeader(t *testing.T) {
	t.Parallel()
	for answer, want := range map[string]bool{"true\n": true, "false": false} {
		r := &recorder{answers: map[string]string{"is-leader": answer}}
		got, err := (&Tools{Runner: r}).IsLeader(context.Background())
		if err != nil || got != want {
			t.Fatalf("IsLeader with %q = %v, %v; want %v", answer, got, err, want)
		}
		if !reflect.DeepEqual(r.calls, [][]string{{"is-leader", "--format=json"}}) {
			t.Fatalf("calls = %q", r.calls)
		}
	}
}

func TestExecRunnerIncludesStderr(t *testing.T) {
	t.Parallel()
	_, err := ExecRunner{}.Run(context.Background(), "sh", "-c", "echo 'ERROR invalid status' >&2; exit 2")
	if err == nil || !strings.Contains(err.Error(), "ERROR invalid status") {
		t.Fatalf("err = %v, want it to include the tool's stderr", err)
	}
	out, err := ExecRunner{}.Run(context.Background(), "echo", "8000/tcp")
	if err != nil || string(out) != "8000/tcp\n" {
		t.Fatalf("Run echo = %q, %v", out, err)
	}
}
