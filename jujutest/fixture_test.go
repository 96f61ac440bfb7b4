package jujutest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/jujutesttest"
)

// fakeTB is a testing.TB whose failure state, cleanups and log are under
// the test's control, so that TempModel's cleanup for a failed test can
// run without failing the real test.
type fakeTB struct {
	testing.TB // the real test, for anything not overridden
	name       string
	failed     bool
	mu         sync.Mutex
	cleanups   []func()
	logs       logLines
}

func (f *fakeTB) Helper()                      {}
func (f *fakeTB) Name() string                 { return f.name }
func (f *fakeTB) Failed() bool                 { return f.failed }
func (f *fakeTB) Context() context.Context     { return f.TB.Context() }
func (f *fakeTB) Logf(format string, a ...any) { f.logs.logf(format, a...) }
func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

func (f *fakeTB) Fatalf(format string, a ...any) {
	f.TB.Helper()
	f.TB.Fatalf("fakeTB %s: "+format, append([]any{f.name}, a...)...)
}

// runCleanups runs the registered cleanups, last first, as testing does.
func (f *fakeTB) runCleanups() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

var modelNameRE = regexp.MustCompile(`^jujutest-[0-9a-f]{8}$`)

func TestTempModelDestroys(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	var name string
	tb := &fakeTB{TB: t, name: "TestX"}
	// The model name is random: answer any add-model and record the name.
	runner := jujutest.RunnerFunc(func(ctx context.Context, cmd jujutest.Command) (jujutest.Result, error) {
		if len(cmd.Args) == 3 && cmd.Args[0] == "add-model" && cmd.Args[1] == "--no-switch" {
			name = cmd.Args[2]
			r.HandleOutput(cmd.Args, "")
			r.HandleOutput([]string{"destroy-model", name, "--no-prompt", "--destroy-storage", "--force"}, "")
		}
		return r.Run(ctx, cmd)
	})
	j := jujutest.TempModel(tb, jujutest.WithTemplate(&jujutest.Juju{Runner: runner}), jujutest.WithGetenv(env(nil)),
		jujutest.WithArtifactsDir(t.TempDir()))
	if !modelNameRE.MatchString(name) || j.Model != name {
		t.Fatalf("model %q (Juju.Model %q), want jujutest-<8 hex digits>", name, j.Model)
	}
	if j.Logf == nil {
		t.Error("Logf should default to t.Logf")
	}
	if n := len(r.Calls()); n != 1 {
		t.Fatalf("%d calls before cleanup, want 1", n)
	}
	tb.runCleanups()
	calls := r.Args()
	if len(calls) != 2 || calls[1][0] != "destroy-model" {
		t.Fatalf("calls = %q, want add-model then destroy-model", calls)
	}
	if !slices.ContainsFunc(tb.logs.get(), func(l string) bool { return strings.Contains(l, "destroyed model "+name) }) {
		t.Errorf("logs = %q", tb.logs.get())
	}
}

func TestTempModelKeepAndOptions(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	var added []string
	runner := jujutest.RunnerFunc(func(ctx context.Context, cmd jujutest.Command) (jujutest.Result, error) {
		if cmd.Args[0] == "add-model" {
			added = cmd.Args
			r.HandleOutput(cmd.Args, "")
		}
		return r.Run(ctx, cmd)
	})
	tb := &fakeTB{TB: t, name: "TestKeep"}
	j := jujutest.TempModel(tb,
		jujutest.WithTemplate(&jujutest.Juju{Runner: runner}),
		jujutest.WithModelPrefix("mine"),
		jujutest.WithModelOptions(jujutest.AddModelOptions{Controller: "ctl", Cloud: "lxd", Config: map[string]any{"test-mode": true}}),
		jujutest.WithGetenv(env(map[string]string{"JUJUTEST_KEEP_MODELS": "1", "JUJUTEST_CLI": "/opt/juju-local"})),
		jujutest.WithKeepModel(),
		jujutest.WithArtifactsDir(t.TempDir()),
	)
	if !regexp.MustCompile(`^ctl:mine-[0-9a-f]{8}$`).MatchString(j.Model) {
		t.Errorf("Model = %q", j.Model)
	}
	if j.CLIBinary != "/opt/juju-local" {
		t.Errorf("CLIBinary = %q, want $JUJUTEST_CLI", j.CLIBinary)
	}
	if want := []string{"add-model", "--no-switch", strings.TrimPrefix(j.Model, "ctl:"), "lxd", "--controller", "ctl", "--config", "test-mode=true"}; !slices.Equal(added, want) {
		t.Errorf("add-model args = %q, want %q", added, want)
	}
	tb.runCleanups()
	if n := len(r.Calls()); n != 1 {
		t.Errorf("%d calls, want only add-model (the model is kept)", n)
	}
	if !slices.ContainsFunc(tb.logs.get(), func(l string) bool { return strings.Contains(l, "keeping model "+j.Model) }) {
		t.Errorf("logs = %q, want the kept model named", tb.logs.get())
	}
}

// recordingCLI is a stand-in juju that appends each command line to a
// calls file and answers status, debug-log and show-unit.
func recordingCLI(t *testing.T, statusJSON []byte) (cli, calls string) {
	t.Helper()
	dir := t.TempDir()
	calls = filepath.Join(dir, "calls")
	doc := filepath.Join(dir, "status.json")
	if err := os.WriteFile(doc, statusJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	cli = standIn(t, fmt.Sprintf(`echo "$*" >> %s
case "$1 $5" in
"status yaml") echo "model: {name: test}" ;;
"status json") cat %s ;;
esac
case "$1" in
debug-log) echo "unit-tinyproxy-0: 13:35:00 INFO unit.tinyproxy/0.juju-log hello" ;;
show-unit) echo "tinyproxy/0: {leader: true}" ;;
esac
`, calls, doc))
	return cli, calls
}

func TestTempModelSavesArtifactsWhenFailed(t *testing.T) {
	t.Parallel()
	cli, callsFile := recordingCLI(t, fixture(t, "status-machine.json"))
	artifacts := t.TempDir()
	tb := &fakeTB{TB: t, name: "TestFails/sub case"}
	j := jujutest.TempModel(tb, jujutest.WithGetenv(env(map[string]string{"JUJUTEST_CLI": cli, "JUJUTEST_ARTIFACTS": artifacts})))
	tb.failed = true
	tb.runCleanups()

	dir := filepath.Join(artifacts, "TestFails_sub_case", j.Model)
	for file, want := range map[string]string{
		"status.yaml":    "model: {name: test}",
		"status.json":    `"name": "test"`,
		"debug-log.txt":  "juju-log hello",
		"show-unit.yaml": "tinyproxy/0: {leader: true}",
	} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil || !strings.Contains(string(data), want) {
			t.Errorf("%s: %q, %v; want it to contain %q", file, data, err, want)
		}
	}
	data, err := os.ReadFile(callsFile)
	if err != nil {
		t.Fatal(err)
	}
	m := j.Model
	want := []string{
		"add-model --no-switch " + m,
		"status --model " + m + " --format yaml",
		"status --model " + m + " --format json",
		"debug-log --model " + m + " --replay --no-tail --limit 10000",
		// Apps in sorted order: nrpe before tinyproxy.
		"show-unit --model " + m + " --format yaml nrpe/0 nrpe/1 tinyproxy/0 tinyproxy/1",
		"destroy-model " + m + " --no-prompt --destroy-storage --force",
	}
	got := strings.Split(strings.TrimSpace(string(data)), "\n")
	if !slices.Equal(got, want) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !slices.ContainsFunc(tb.logs.get(), func(l string) bool { return strings.Contains(l, "artifacts of model "+m+" are in "+dir) }) {
		t.Errorf("logs = %q, want the artifacts directory", tb.logs.get())
	}
}

func TestTempModelDestroyFailureIsLogged(t *testing.T) {
	t.Parallel()
	cli := standIn(t, `[ "$1" = destroy-model ] && { echo "ERROR cannot destroy" >&2; exit 1; }; exit 0`)
	tb := &fakeTB{TB: t, name: "TestDestroyFails"}
	j := jujutest.TempModel(tb, jujutest.WithTemplate(&jujutest.Juju{CLIBinary: cli}), jujutest.WithGetenv(env(nil)),
		jujutest.WithArtifactsDir(t.TempDir()))
	tb.runCleanups()
	if !slices.ContainsFunc(tb.logs.get(), func(l string) bool {
		return strings.Contains(l, "WARNING: destroying model "+j.Model) && strings.Contains(l, "cannot destroy")
	}) {
		t.Errorf("logs = %q, want a warning naming the model", tb.logs.get())
	}
}

func TestTempModelParallel(t *testing.T) {
	t.Parallel()
	cli, callsFile := recordingCLI(t, fixture(t, "status-machine.json"))
	models := make(chan string, 4)
	t.Run("group", func(t *testing.T) {
		for i := range 4 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				j := jujutest.TempModel(t, jujutest.WithTemplate(&jujutest.Juju{CLIBinary: cli}), jujutest.WithGetenv(env(nil)),
					jujutest.WithArtifactsDir(t.TempDir())) // if this test fails, leave no files behind
				st, err := j.Status(t.Context())
				if err != nil || st.Model.Name != "test" {
					t.Errorf("Status: %v", err)
				}
				models <- j.Model
			})
		}
	})
	close(models)
	seen := map[string]bool{}
	for m := range models {
		seen[m] = true
	}
	data, _ := os.ReadFile(callsFile)
	if len(seen) != 4 || strings.Count(string(data), "destroy-model") != 4 {
		t.Errorf("models %v; calls:\n%s", seen, data)
	}
}
