package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/canonical/jujutest/internal/local/cli"
	"github.com/canonical/jujutest/internal/local/front"
)

// buildJujuLocal builds juju-local and juju-local-core into a temporary
// directory and returns the front's path.
func buildJujuLocal(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", dir+"/",
		"github.com/canonical/jujutest/cmd/juju-local", "github.com/canonical/jujutest/cmd/juju-local-core")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("building juju-local: %v\n%s", err, out)
	}
	return filepath.Join(dir, "juju-local")
}

// tenUnitModel deploys the tiny charm with 10 units and waits until they
// are idle.
func tenUnitModel(b *testing.B) *testEnv {
	b.Helper()
	e := newTestEnv(b, true)
	e.must("add-model", "m")
	e.must("deploy", tinyCharm(b), "-n", "10")
	e.waitStatus("m", 2*time.Minute, "10 idle units", func(s jsonStatus) bool {
		return len(s.Applications["tiny"].Units) == 10 && allIdle("tiny", "active")(s)
	})
	return e
}

// BenchmarkStatusJSONExec measures `juju-local status --format json` as a
// process, as jujutest.Wait runs it, for a model with 10 units. Target:
// <= 20 ms.
func BenchmarkStatusJSONExec(b *testing.B) {
	bin := buildJujuLocal(b)
	benchStatusExec(b, bin, tenUnitModel(b))
}

// BenchmarkStatusJSONExecLXD is BenchmarkStatusJSONExec for an LXD model
// of 10 machines (containers). Target: <= 50 ms; LXD is not on the status
// path (machine facts are recorded when they change).
func BenchmarkStatusJSONExecLXD(b *testing.B) {
	bin := buildJujuLocal(b)
	e, _ := newLXDEnv(b)
	e.must("add-model", "m")
	e.must("deploy", tinyCharm(b), "-n", "10")
	e.waitStatus("m", 5*time.Minute, "10 idle units on 10 machines", func(s jsonStatus) bool {
		return len(s.Applications["tiny"].Units) == 10 && len(s.Machines) == 10 && allIdle("tiny", "active")(s)
	})
	benchStatusExec(b, bin, e)
}

// benchStatusExec times status --format json of model m as a process.
func benchStatusExec(b *testing.B, bin string, e *testEnv) {
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "status", "--format", "json", "-m", "m")
		cmd.Env = e.environ
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil || out.Len() == 0 {
			b.Fatalf("status: %v", err)
		}
	}
}

// BenchmarkStatusJSONInProcess measures the status command without the
// process start.
func BenchmarkStatusJSONInProcess(b *testing.B) {
	e := tenUnitModel(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var out, errOut bytes.Buffer
		if code := cli.Main(context.Background(), []string{"status", "--format", "json"}, nil, &out, &errOut, e.environ); code != 0 {
			b.Fatalf("status: %d %s", code, errOut.String())
		}
	}
}

// BenchmarkDeployToIdle measures deploying the tiny charm until its unit is
// active and idle (install, leader-elected, config-changed, start).
func BenchmarkDeployToIdle(b *testing.B) {
	e := newTestEnv(b, true)
	charm := tinyCharm(b)
	e.must("add-model", "m")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.must("deploy", charm, "tiny")
		e.waitStatus("m", time.Minute, "idle", allIdle("tiny", "active"))
		b.StopTimer()
		e.must("remove-application", "tiny", "--no-prompt", "--force")
		e.waitStatus("m", time.Minute, "removed", func(s jsonStatus) bool {
			_, ok := s.Applications["tiny"]
			return !ok
		})
		b.StartTimer()
	}
}

// TestBinaries builds juju-local and juju-local-core and runs them as
// users do: the front runs status itself, hands other commands to the core
// (exit codes and output intact), and is the hook-tool client under a
// tool's name; without the core it says how to build it.
func TestBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the build of juju-local in -short mode")
	}
	t.Parallel()
	bin := buildJujuLocal(t)
	data := t.TempDir()
	runBin := func(path string, args ...string) (string, string, int) {
		// Not t.Context(): the cleanup below runs after it has ended.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, path, args...)
		cmd.Env = []string{"JUJU_LOCAL_DATA=" + data, "JUJU_LOCAL_RUNTIME_DIR=" + filepath.Join(data, "run"), "JUJU_LOCAL_PROVIDER=host", "PATH=" + os.Getenv("PATH")}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), code
	}
	if out, _, code := runBin(bin, "version"); code != 0 || out != "3.6.11-ubuntu-"+runtime.GOARCH+"\n" {
		t.Errorf("juju-local version = %q, exit %d", out, code)
	}
	if _, errOut, code := runBin(bin, "status"); code != 1 || !strings.Contains(errOut, "No model in focus") {
		t.Errorf("status without a model: exit %d, %q", code, errOut)
	}
	if _, errOut, code := runBin(bin, "add-model", "Bad"); code != 2 || !strings.Contains(errOut, `"Bad" is not a valid name`) {
		t.Errorf("add-model Bad: exit %d, %q", code, errOut)
	}
	if _, errOut, code := runBin(bin, "add-model", "m"); code != 0 || !strings.Contains(errOut, "Added 'm' model") {
		t.Errorf("add-model m: exit %d, %q", code, errOut)
	}
	// Leave no agent behind if the test stops early (a second destroy of
	// the model just fails).
	t.Cleanup(func() { runBin(bin, "destroy-model", "m", "--no-prompt", "--force", "--timeout", "5s") })
	if out, _, code := runBin(bin, "status", "--format", "json"); code != 0 || !strings.HasPrefix(out, `{"model":{"name":"m",`) {
		t.Errorf("status: exit %d, %q", code, out)
	}
	// Invoked under a hook tool's name outside a hook, the front hands the
	// call to the core's hook-tool client, which says what is missing.
	link := filepath.Join(t.TempDir(), "config-get")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runBin(link); code != 1 || !strings.Contains(errOut, "JUJU_") {
		t.Errorf("config-get outside a hook: exit %d, %q", code, errOut)
	}
	// Without the core next to it, the front says how to build it.
	alone := filepath.Join(t.TempDir(), "juju-local")
	data2, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, data2, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runBin(alone, "models"); code != 1 || !strings.Contains(errOut, "juju-local-core not found") {
		t.Errorf("front without core: exit %d, %q", code, errOut)
	}
	// A deploy through the binaries: the agent and the hook tools are the
	// core.
	if _, errOut, code := runBin(bin, "deploy", tinyCharm(t), "--allow-host"); code != 0 {
		t.Fatalf("deploy: exit %d, %q", code, errOut)
	}
	deadline := time.Now().Add(hookTimeout)
	for {
		out, _, _ := runBin(bin, "status", "--format", "json")
		var s jsonStatus
		if json.Unmarshal([]byte(out), &s) == nil && allIdle("tiny", "active")(s) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tiny never became active: %s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	links, _ := filepath.Glob(filepath.Join(data, "models", "*", "tools", "status-set"))
	if len(links) != 1 {
		t.Fatalf("tool links: %v", links)
	}
	if target, err := os.Readlink(links[0]); err != nil || target != filepath.Join(filepath.Dir(bin), front.CoreName) {
		t.Errorf("status-set links to %q (%v), want the core", target, err)
	}
	if _, errOut, code := runBin(bin, "destroy-model", "m", "--no-prompt", "--force"); code != 0 {
		t.Errorf("destroy-model: exit %d, %q", code, errOut)
	}
	// The agent (juju-local-core, a grandchild reparented to init) is gone
	// once destroy-model returns, and so is every hook and tool.
	if left := processesOf(data); len(left) > 0 {
		t.Errorf("processes left after destroy-model:\n%s", strings.Join(left, "\n"))
	}
}
