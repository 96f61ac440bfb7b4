package cli_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/canonical/jujutest/internal/hooktool"
	"github.com/canonical/jujutest/internal/local/cli"
	"github.com/canonical/jujutest/internal/local/state"
)

// TestMain lets the test binary stand in for juju-local where the CLI
// starts it: as the model agent ("agent <uuid>") and, under a hook tool's
// name, as the hook-tool client.
func TestMain(m *testing.M) {
	if hooktool.IsTool(filepath.Base(os.Args[0])) {
		os.Exit(hooktool.ClientMain(os.Args))
	}
	if len(os.Args) > 1 && os.Args[1] == "agent" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// testEnv is a data directory and the environment the CLI runs with.
type testEnv struct {
	t       testing.TB
	dir     string
	environ []string
}

// newTestEnv returns an environment with its own data directory. When
// allowHost is set, hooks may run. Models left at the end are destroyed.
func newTestEnv(t testing.TB, allowHost bool) *testEnv {
	t.Helper()
	dir := t.TempDir()
	environ := []string{
		"JUJU_LOCAL_DATA=" + dir,
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		// Each sandbox has its own claim on the host machine.
		state.EnvRuntimeDir + "=" + filepath.Join(dir, "run"),
		// These tests are of host models; LXD models have their own.
		cli.EnvProvider + "=host",
	}
	if allowHost {
		environ = append(environ, cli.EnvAllowHost+"=1")
	}
	e := &testEnv{t: t, dir: dir, environ: environ}
	t.Cleanup(e.destroyAll)
	return e
}

// result is what one CLI run produced.
type result struct {
	code           int
	stdout, stderr string
}

// run runs the CLI in-process with no stdin.
func (e *testEnv) run(args ...string) result {
	return e.runStdin("", args...)
}

// runStdin runs the CLI in-process with the given stdin.
func (e *testEnv) runStdin(stdin string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := cli.Main(ctx, args, strings.NewReader(stdin), &stdout, &stderr, e.environ)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// must runs the CLI and fails the test on a non-zero exit.
func (e *testEnv) must(args ...string) result {
	e.t.Helper()
	r := e.run(args...)
	if r.code != 0 {
		e.t.Fatalf("juju %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// getenv looks a variable up in the environment the CLI runs with.
func (e *testEnv) getenv(key string) string {
	for i := len(e.environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(e.environ[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// destroyAll destroys every model left in the data directory.
func (e *testEnv) destroyAll() {
	st, err := e.store().Read(context.Background())
	if err != nil {
		return
	}
	for _, name := range st.ModelNames() {
		r := e.run("destroy-model", name, "--no-prompt", "--force", "--timeout", "10s")
		if r.code != 0 {
			e.t.Errorf("cleanup: destroy-model %s: exit %d: %s", name, r.code, r.stderr)
		}
	}
}

func (e *testEnv) store() *state.Store {
	s, err := state.OpenDefault(e.getenv)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// jsonStatus is the part of juju status JSON the tests read.
type jsonStatus struct {
	Model struct {
		Name string `json:"name"`
	} `json:"model"`
	Machines     map[string]json.RawMessage `json:"machines"`
	Applications map[string]struct {
		Charm     string `json:"charm"`
		CharmRev  int    `json:"charm-rev"`
		Exposed   bool   `json:"exposed"`
		Version   string `json:"version"`
		AppStatus struct {
			Current string `json:"current"`
			Message string `json:"message"`
		} `json:"application-status"`
		Units map[string]struct {
			Workload struct {
				Current string `json:"current"`
				Message string `json:"message"`
			} `json:"workload-status"`
			Juju struct {
				Current string `json:"current"`
				Message string `json:"message"`
			} `json:"juju-status"`
			Leader    bool     `json:"leader"`
			OpenPorts []string `json:"open-ports"`
			Address   string   `json:"public-address"`
			Machine   string   `json:"machine"`
		} `json:"units"`
	} `json:"applications"`
}

// status runs status --format json and decodes it.
func (e *testEnv) status(model string) jsonStatus {
	e.t.Helper()
	r := e.must("status", "--format", "json", "-m", model)
	var s jsonStatus
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		e.t.Fatalf("decoding status: %v\n%s", err, r.stdout)
	}
	return s
}

// waitStatus polls status until ok holds or the timeout passes.
func (e *testEnv) waitStatus(model string, timeout time.Duration, what string, ok func(jsonStatus) bool) jsonStatus {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := e.status(model)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			raw := e.run("status", "-m", model)
			log := e.run("debug-log", "-m", model, "--replay", "--no-tail")
			e.t.Fatalf("timed out waiting for %s\n%s\n%s", what, raw.stdout, log.stdout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// allIdle reports whether every unit of app has the workload status and an
// idle agent (and the app has units).
func allIdle(app, workload string) func(jsonStatus) bool {
	return func(s jsonStatus) bool {
		a, ok := s.Applications[app]
		if !ok || len(a.Units) == 0 {
			return false
		}
		for _, u := range a.Units {
			if u.Workload.Current != workload || u.Juju.Current != "idle" {
				return false
			}
		}
		return true
	}
}

// tinyDispatch is the test charm's dispatch: it records each hook in
// hooks.log in the charm dir and drives statuses through the hook tools.
const tinyDispatch = `#!/bin/sh
hook="${JUJU_DISPATCH_PATH#*/}"
echo "$hook" >> "$JUJU_CHARM_DIR/../hooks.log"
echo "dispatching $hook"
case "$JUJU_DISPATCH_PATH" in
  actions/greet) action-log "greeting"; action-set msg="hi $(action-get name)" nested.key=v; exit 0;;
  actions/fail) action-fail "nope"; exit 0;;
  actions/crash) echo boom >&2; exit 4;;
esac
case "$hook" in
  install)
    [ "$(status-get)" = maintenance ] || { echo "unexpected status $(status-get)" >&2; exit 1; }
    ;;
  config-changed)
    juju-log "msg=$(config-get msg)"
    open-port 8000/tcp
    [ "$(config-get msg)" = fail ] && exit 3
    [ "$(config-get msg)" = slow ] && sleep 3
    ;;
  start)
    status-set active "ready"
    application-version-set 1.2.3
    ;;
esac
exit 0
`

// writeCharm packs a charm archive from files (path -> content; "dispatch"
// and hooks/* are executable) and returns its path.
func writeCharm(t testing.TB, dir, name string, files map[string]string) string {
	t.Helper()
	path := filepath.Join(dir, name+".charm")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		h := &zip.FileHeader{Name: n, Method: zip.Deflate}
		mode := os.FileMode(0o644)
		if n == "dispatch" || strings.HasPrefix(n, "hooks/") {
			mode = 0o755
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// tinyCharmFiles are the files of the tiny test charm.
func tinyCharmFiles() map[string]string {
	return map[string]string{
		"metadata.yaml": "name: tiny\nsummary: tiny test charm\ndescription: tiny\nprovides:\n  web:\n    interface: http\n",
		"config.yaml": `options:
  msg:
    type: string
    default: hello
    description: a message
  port:
    type: int
    default: 8080
    description: a port
  ratio:
    type: float
    description: no default
`,
		"actions.yaml": "greet:\n  description: greet\n  params:\n    name:\n      type: string\n      default: world\nfail:\n  description: fails\ncrash:\n  description: exits 4\n",
		"dispatch":     tinyDispatch,
	}
}

// tinyCharm writes the tiny test charm and returns its path.
func tinyCharm(t testing.TB) string {
	return writeCharm(t, t.TempDir(), "tiny", tinyCharmFiles())
}

// hookLog returns the hooks a unit ran, in order.
func (e *testEnv) hookLog(model, unit string) []string {
	e.t.Helper()
	st, err := e.store().Read(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	m := st.ModelByName(model)
	if m == nil {
		e.t.Fatalf("model %s not found", model)
	}
	data, err := os.ReadFile(filepath.Join(e.store().UnitDir(m.UUID, unit), "hooks.log"))
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.Fields(string(data))
}
