package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/jujutesttest"
)

var statusArgs = []string{"status", "--model", "m", "--format", "json"}

// doc is a status with app "tinyproxy" (unit workload w) and app "db"
// (active).
func doc(w string) jujutest.Result {
	cur, msg, _ := strings.Cut(w, ":")
	return jujutest.Result{Stdout: []byte(fmt.Sprintf(`{"model":{"name":"m","type":"iaas"},"applications":{`+
		`"tinyproxy":{"application-status":{"current":%q,"message":%q},"units":{"tinyproxy/0":{"workload-status":{"current":%q,"message":%q},"juju-status":{"current":"idle"}}}},`+
		`"db":{"application-status":{"current":"active"},"units":{"db/0":{"workload-status":{"current":"active"},"juju-status":{"current":"idle"}}}}},`+
		`"controller":{"timestamp":"12:00:00Z"}}`, cur, msg, cur, msg))}
}

func runWait(t *testing.T, r jujutest.Runner, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, func(string) string { return "" }, &out, &errOut, r)
	return code, out.String(), errOut.String()
}

func TestWaitReady(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.HandleSequence(statusArgs, doc("maintenance:installing"), doc("active"))
	code, out, errOut := runWait(t, r, "wait", "-m", "m", "--ready", "all-active:tinyproxy", "--ready", "agents-idle", "--error", "any-error", "--format", "json")
	if code != exitReady {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut)
	}
	var st jujutest.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("stdout is not the status as JSON: %v\n%s", err, out)
	}
	if st.Apps["tinyproxy"].AppStatus.Current != "active" {
		t.Errorf("final status = %+v, want tinyproxy active", st.Apps["tinyproxy"])
	}
	if !strings.Contains(errOut, "wait: ready after") {
		t.Errorf("stderr lacks the progress log:\n%s", errOut)
	}
	if n := r.Count(statusArgs); n != 2 {
		t.Errorf("%d polls, want 2", n)
	}
}

func TestWaitErrorCondition(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.Handle(statusArgs, doc(`error:hook failed: "install"`))
	code, out, errOut := runWait(t, r, "wait", "--model", "m", "--ready", "all-active", "--error", "any-blocked", "--error", "any-error:tinyproxy", "-q")
	if code != exitFailed {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, errOut)
	}
	if out != "" || !strings.Contains(errOut, `unit tinyproxy/0 is error (hook failed: "install")`) || strings.Contains(errOut, "wait: +") /* -q: no progress */ {
		t.Errorf("stdout %q, stderr:\n%s", out, errOut)
	}
}

func TestWaitTimeout(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.Handle(statusArgs, doc("maintenance:installing"))
	code, _, errOut := runWait(t, r, "wait", "-m", "m", "--timeout", "200ms", "--ready", "not:any-maintenance")
	if code != exitTimeout {
		t.Fatalf("exit %d, want 124; stderr:\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "timed out after") {
		t.Errorf("stderr:\n%s", errOut)
	}
}

func TestWaitUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		nil,
		{"status"},
		{"wait", "extra"},
		{"wait", "--ready", "all-happy"},
		{"wait", "--ready", "all-active:a,,b"},
		{"wait", "--ready", "units:tinyproxy"},
		{"wait", "--ready", "units:tinyproxy=-1"},
		{"wait", "--error", "app-gone:"},
		{"wait", "--timeout", "0s"},
		{"wait", "--delay", "-1s"},
		{"wait", "--successes", "0"},
		{"wait", "--format", "yaml"},
		{"wait", "--no-such-flag"},
	} {
		r := jujutesttest.NewRunner(t) // any CLI call fails the test
		code, _, errOut := runWait(t, r, args...)
		if code != exitUsage || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 with a message", args, code, errOut)
		}
	}
	_, _, errOut := runWait(t, jujutesttest.NewRunner(t), "wait", "--ready", "all-happy")
	if !strings.Contains(errOut, `unknown condition "all-happy"`) || !strings.Contains(errOut, "accepted: all-active") {
		t.Errorf("unknown condition message does not say what is accepted: %s", errOut)
	}
}

func TestParseConditions(t *testing.T) {
	t.Parallel()
	var st jujutest.Status
	if err := json.Unmarshal(doc("blocked:no").Stdout, &st); err != nil {
		t.Fatal(err)
	}
	for expr, want := range map[string]bool{
		"all-active":                       false,
		"all-active:db":                    true,
		"all-blocked:tinyproxy":            true,
		"any-blocked":                      true,
		"not:any-blocked":                  false,
		"agents-idle:db,tinyproxy":         true,
		"units:db=1":                       true,
		"units:db=2":                       false,
		"units-at-least:tinyproxy=1":       true,
		"app-gone:gone":                    true,
		"app-gone:db":                      false,
		"not:not:all-active:db":            true,
		"all-maintenance:tinyproxy":        false,
		"any-waiting":                      false,
		"any-error:tinyproxy,db":           false,
		"all-error":                        false,
		"any-active":                       true,
		"any-maintenance":                  false,
		"all-waiting:db":                   false,
		"not:all-maintenance:tinyproxy,db": true,
	} {
		c, err := parseCondition(expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if got := c(&st); got != want {
			t.Errorf("%s = %v, want %v", expr, got, want)
		}
	}
}

func TestWaitRealCLI(t *testing.T) {
	t.Parallel()
	// A stand-in juju CLI, run as a real process through $JUJUTEST_CLI.
	dir := t.TempDir()
	statusFile := filepath.Join(dir, "status.json")
	if err := os.WriteFile(statusFile, doc("active").Stdout, 0o644); err != nil {
		t.Fatal(err)
	}
	cli := filepath.Join(dir, "juju")
	script := "#!/bin/sh\n[ \"$1 $2 $3\" = \"status --model m\" ] || { echo \"ERROR unexpected: $*\" >&2; exit 2; }\nexec cat " + statusFile + "\n"
	if err := os.WriteFile(cli, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == jujutest.EnvCLI {
			return cli
		}
		return ""
	}
	code := run(context.Background(), []string{"wait", "-m", "m", "--ready", "all-active", "--format", "json", "-q"}, getenv, &out, &errOut, nil)
	if code != exitReady || !strings.Contains(out.String(), `"tinyproxy"`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}
