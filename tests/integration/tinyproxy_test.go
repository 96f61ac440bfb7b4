//go:build integration

// Package integration holds the tinyproxy charm's integration suite: one
// model per top-level test, subtests in order (the shape pytest-jubilant
// gives a test module). It runs unchanged against a real Juju controller and
// against the local backend, cmd/juju-local; `make integration` picks one.
//
// Environment:
//
//	CHARM_PATH            the packed charm to deploy (default: packed on demand)
//	JUJUTEST_CLI          the juju CLI to run (default: juju on PATH)
//	JUJUTEST_BACKEND      "local" when JUJUTEST_CLI is the local backend
//	JUJUTEST_KEEP_MODELS  1 keeps the model after the test
//	JUJUTEST_ARTIFACTS    where status and debug-log go when a test fails
package integration

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/lxdartifacts"
)

const (
	app        = "tinyproxy"
	pidFile    = "/var/run/tinyproxy.pid"
	proxyPort  = 8000
	upstreamOK = "hello from the upstream"
)

// suite is what every scenario of TestTinyproxy shares.
type suite struct {
	juju *jujutest.Juju
	// local is true on the local backend, where units run on this machine.
	local bool
	// upstream is the URL tinyproxy forwards to, and want the text its
	// pages contain.
	upstream, want string
	// deployTimeout bounds the first wait for active.
	deployTimeout time.Duration
	// pid of tinyproxy after deploy, to tell a reload from a restart.
	pid int
	// addr is the unit's public address, once known.
	addr string
}

func TestTinyproxy(t *testing.T) {
	ctx := t.Context()
	s := newSuite(t)

	// The steps run in order on one model, each building on the last: once
	// one fails, the rest are skipped rather than left to time out.
	failed := ""
	step := func(name string, f func(t *testing.T)) {
		ok := t.Run(name, func(t *testing.T) {
			if failed != "" {
				t.Skipf("skipped: step %q failed and this step builds on it", failed)
			}
			f(t)
		})
		if !ok && failed == "" {
			failed = name
		}
	}

	step("deploy", func(t *testing.T) {
		opts := &jujutest.DeployOptions{}
		if s.upstream != "" {
			opts.Config = map[string]any{"upstream": s.upstream}
		}
		require.NoError(t, s.juju.Deploy(ctx, charmPath(t), opts))
		s.waitFor(t, ctx, jujutest.AllActive(app), s.deployTimeout)
	})

	step("workload version", func(t *testing.T) {
		st, err := s.juju.Status(ctx)
		require.NoError(t, err)
		out := s.execUnit(t, ctx, "tinyproxy -v")
		installed := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "tinyproxy"))
		require.NotEmpty(t, installed, "tinyproxy -v printed %q", out)
		assert.Equal(t, installed, st.Apps[app].Version, "workload version reported to Juju")
	})

	step("proxy serves upstream", func(t *testing.T) {
		s.pid = s.tinyproxyPID(t, ctx)
		// The start hook waited for tinyproxy to listen, and Wait for the
		// hook: no polling needed.
		require.NoError(t, s.expectBody(ctx, "/example/"))
		assert.Equal(t, http.StatusBadRequest, s.get(t, ctx, "/nothing-here/"))
	})

	step("change slug reloads", func(t *testing.T) {
		require.NoError(t, s.juju.SetConfig(ctx, app, map[string]any{"slug": "foo"}))
		// Wait returns only once config-changed has run (change tracking),
		// so the new slug is in place without polling HTTP.
		s.waitFor(t, ctx, jujutest.AllActive(app), 0)
		require.NoError(t, s.expectBody(ctx, "/foo/"))
		assert.Equal(t, http.StatusBadRequest, s.get(t, ctx, "/example/"))
		assert.Equal(t, s.pid, s.tinyproxyPID(t, ctx), "tinyproxy was restarted, not reloaded")
	})

	step("invalid slug blocks", func(t *testing.T) {
		require.NoError(t, s.juju.SetConfig(ctx, app, map[string]any{"slug": "foo/bar"}))
		st := s.waitFor(t, ctx, jujutest.AllBlocked(app), 0)
		for name, u := range st.Units(app) {
			assert.Equal(t, "Invalid slug: 'foo/bar'. Slug must match the regex [a-z0-9-]+",
				u.WorkloadStatus.Message, "unit %s", name)
		}
		// The proxy keeps serving with its previous configuration.
		require.NoError(t, s.expectBody(ctx, "/foo/"))

		require.NoError(t, s.juju.ResetConfig(ctx, app, "slug"))
		s.waitFor(t, ctx, jujutest.AllActive(app), 0)
		require.NoError(t, s.expectBody(ctx, "/example/"))
	})

	step("invalid upstream blocks", func(t *testing.T) {
		good, err := s.juju.Config(ctx, app)
		require.NoError(t, err)
		require.NoError(t, s.juju.SetConfig(ctx, app, map[string]any{"upstream": "ftp://example.com/"}))
		st := s.waitFor(t, ctx, jujutest.AllBlocked(app), 0)
		for name, u := range st.Units(app) {
			assert.Contains(t, u.WorkloadStatus.Message, "upstream", "unit %s", name)
			assert.Contains(t, u.WorkloadStatus.Message, "http", "unit %s: says what is accepted", name)
		}
		require.NoError(t, s.juju.SetConfig(ctx, app, map[string]any{"upstream": good["upstream"]}))
		s.waitFor(t, ctx, jujutest.AllActive(app), 0)
		require.NoError(t, s.expectBody(ctx, "/example/"))
	})

	step("remove", func(t *testing.T) {
		st, err := s.juju.Status(ctx)
		require.NoError(t, err)
		machine := ""
		for _, u := range st.Units(app) {
			machine = u.Machine
		}
		require.NotEmpty(t, machine, "the unit's machine")
		manual := strings.HasPrefix(st.Machines[machine].InstanceID, "manual:")
		require.NoError(t, s.juju.RemoveApplication(ctx, []string{app}, nil))
		s.waitFor(t, ctx, jujutest.AppGone(app), 0)
		if !manual {
			// Juju removes a machine with its last unit (a manual one,
			// such as the local backend's host, stays).
			gone := func(st *jujutest.Status) bool { _, ok := st.Machines[machine]; return !ok }
			_, err := s.juju.Wait(ctx, gone, jujutest.WithTimeout(2*time.Minute))
			require.NoError(t, err, "machine %s removed with its last unit", machine)
			return
		}
		// The stop hook waited for tinyproxy to exit; nothing may run it now.
		out, err := s.juju.ExecWith(ctx, jujutest.ExecOptions{Machine: machine}, runningTinyproxy)
		require.NoError(t, err)
		assert.Empty(t, strings.TrimSpace(out.Stdout), "tinyproxy processes still running on machine %s", machine)
	})
}

// runningTinyproxy prints the pid of every tinyproxy process that is not a
// zombie waiting to be reaped.
const runningTinyproxy = `for d in /proc/[0-9]*; do
  [ "$(cat "$d/comm" 2>/dev/null)" = tinyproxy ] || continue
  state=$(sed 's/^.*) //' "$d/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$state" ] && [ "$state" != Z ] && echo "${d#/proc/}"
done; true`

// isLocal reports whether the suite runs on the local backend, where units
// run on this machine.
func isLocal() bool {
	return os.Getenv("JUJUTEST_BACKEND") == "local" || filepath.Base(os.Getenv("JUJUTEST_CLI")) == "juju-local"
}

func newSuite(t *testing.T) *suite {
	t.Helper()
	if os.Getenv("JUJUTEST_CLI") == "" {
		if _, err := exec.LookPath("juju"); err != nil {
			t.Skip("skipped: no juju CLI: put juju on PATH with a current controller, or set JUJUTEST_CLI; `make integration` does this (it falls back to the local backend)")
		}
	}
	s := &suite{local: isLocal(), deployTimeout: 10 * time.Minute}
	// Hook output is logged at DEBUG: keep it, so that the debug-log saved
	// with a failed test's artifacts shows what the charm printed.
	opts := []jujutest.TempModelOption{jujutest.WithModelOptions(jujutest.AddModelOptions{
		Config: map[string]any{"logging-config": "<root>=INFO;unit=DEBUG"},
	})}
	if s.local {
		// Machines that are LXD containers here: save their journals too.
		opts = append(opts, jujutest.WithArtifactCollector(lxdartifacts.Collect))
	}
	s.juju = jujutest.TempModel(t, opts...)
	s.juju.WaitTimeout = 5 * time.Minute
	s.want = "Example Domain" // what http://www.example.com/ serves
	if s.local {
		// The unit runs on this machine (on the host or in one of its
		// containers): give it a backend of our own, on an address of
		// this host that both reach.
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s: %s\n", upstreamOK, r.URL.Path)
		}))
		ln, err := net.Listen("tcp", net.JoinHostPort(upstreamHost(t), "0"))
		require.NoError(t, err)
		srv.Listener = ln
		srv.Start()
		t.Cleanup(srv.Close)
		s.upstream = srv.URL + "/"
		s.want = upstreamOK
		s.deployTimeout = 2 * time.Minute
	}
	return s
}

// upstreamHost is the address of this host that the local backend's
// machines reach it at: the LXD bridge's (LXD_BRIDGE, default lxdbr0) when
// there is one, else 127.0.0.1 (host machines).
func upstreamHost(t testing.TB) string {
	t.Helper()
	name := os.Getenv("LXD_BRIDGE")
	if name == "" {
		name = "lxdbr0"
	}
	iface, err := net.InterfaceByName(name)
	if err != nil {
		return "127.0.0.1"
	}
	addrs, err := iface.Addrs()
	require.NoError(t, err)
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
			return ipn.IP.String()
		}
	}
	return "127.0.0.1"
}

// charmPath returns the charm to deploy: CHARM_PATH, else the charm packed now.
func charmPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CHARM_PATH"); p != "" {
		abs, err := filepath.Abs(p)
		require.NoError(t, err)
		_, err = os.Stat(abs)
		require.NoError(t, err, "CHARM_PATH")
		return abs
	}
	return jujutest.PackCharm(t, filepath.Join("..", "..", "charm"))
}

// waitFor waits until ready holds for the app, failing fast when any unit
// goes into error. timeout 0 means the model's WaitTimeout.
func (s *suite) waitFor(t *testing.T, ctx context.Context, ready jujutest.Condition, timeout time.Duration) *jujutest.Status {
	t.Helper()
	opts := []jujutest.WaitOption{jujutest.WithError(jujutest.AnyError(app))}
	if timeout > 0 {
		opts = append(opts, jujutest.WithTimeout(timeout))
	}
	st, err := s.juju.Wait(ctx, ready, opts...)
	require.NoError(t, err)
	return st
}

// execUnit runs a shell command on the app's unit and returns its stdout.
// A single argument is run by the unit's shell as it is.
func (s *suite) execUnit(t *testing.T, ctx context.Context, command string) string {
	t.Helper()
	task, err := s.juju.Exec(ctx, app+"/leader", command)
	require.NoError(t, err, "exec %q", command)
	return task.Stdout
}

func (s *suite) tinyproxyPID(t *testing.T, ctx context.Context) int {
	t.Helper()
	out := strings.TrimSpace(s.execUnit(t, ctx, "cat "+pidFile))
	pid, err := strconv.Atoi(out)
	require.NoError(t, err, "pid file %s holds %q", pidFile, out)
	return pid
}

// address is the unit's public address, where tinyproxy listens. It is
// read from status once and kept: the unit does not move, and fetch runs
// in polling loops.
func (s *suite) address(ctx context.Context) (string, error) {
	if s.addr != "" {
		return s.addr, nil
	}
	st, err := s.juju.Status(ctx)
	if err != nil {
		return "", err
	}
	for _, u := range st.Units(app) {
		if u.PublicAddress != "" {
			s.addr = u.PublicAddress
			return s.addr, nil
		}
	}
	return "", fmt.Errorf("no unit of %s has a public address", app)
}

// fetch GETs path through the proxy and returns the status code and body.
func (s *suite) fetch(ctx context.Context, path string) (int, string, error) {
	addr, err := s.address(ctx)
	if err != nil {
		return 0, "", err
	}
	return fetchVia(ctx, addr, path)
}

// fetchVia GETs path through the proxy listening on addr.
func fetchVia(ctx context.Context, addr, path string) (int, string, error) {
	return getURL(ctx, fmt.Sprintf("http://%s:%d%s", addr, proxyPort, path))
}

// getURL GETs url (bounded) and returns the status code and body.
func getURL(ctx context.Context, url string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(body), err
}

func (s *suite) get(t *testing.T, ctx context.Context, path string) int {
	t.Helper()
	code, _, err := s.fetch(ctx, path)
	require.NoError(t, err, "GET %s", path)
	return code
}

// expectBody checks that path answers 200 with the upstream's content.
func (s *suite) expectBody(ctx context.Context, path string) error {
	code, body, err := s.fetch(ctx, path)
	if err != nil {
		return err
	}
	if code != http.StatusOK || !strings.Contains(body, s.want) {
		return fmt.Errorf("GET %s: status %d, body %q; want 200 with %q", path, code, abbrev(body), s.want)
	}
	return nil
}

var spaces = regexp.MustCompile(`\s+`)

func abbrev(s string) string {
	s = spaces.ReplaceAllString(s, " ")
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
