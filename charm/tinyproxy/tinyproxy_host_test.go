package tinyproxy_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/canonical/jujutest/charm/internal/hostlock"
	"github.com/canonical/jujutest/charm/tinyproxy"
)

// TestHostWorkload drives the real helper against the real tinyproxy on
// this machine: install with apt, configure a loopback upstream, start,
// proxy, reload on a new slug (same pid), stop, uninstall. It needs root
// and apt-get; it uses the default paths and port 8000, and it leaves
// tinyproxy-bin uninstalled. It is not parallel, and it holds the
// machine-wide hostlock against the dispatch test.
func TestHostWorkload(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to install tinyproxy-bin with apt-get and run tinyproxy on port 8000 (CI runs as root)")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("skipping: apt-get not found; this test needs a Debian or Ubuntu machine")
	}
	hostlock.Lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	tp := &tinyproxy.Tinyproxy{}
	if tp.IsRunning() {
		t.Fatal("tinyproxy is already running on this machine (pid file " + tinyproxy.DefaultPidFile + "); stop it before running this test")
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:8000", time.Second); err == nil {
		c.Close()
		t.Fatal("port 8000 is already in use on this machine; free it before running this test")
	}
	t.Cleanup(func() { stopForCleanup(t, tp) })

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "upstream says hello to %s", r.URL.Path)
	}))
	t.Cleanup(upstream.Close)

	// Install.
	pin, err := tp.Pin()
	if err != nil {
		t.Fatalf("Pin: %v", err)
	}
	if err := tp.Install(ctx); err != nil {
		t.Fatalf("Install: %v", err)
	}
	if !tp.IsInstalled() {
		t.Fatal("IsInstalled = false after Install")
	}
	version, err := tp.Version(ctx)
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	if want, _, _ := strings.Cut(pin.Version, "-"); version != want {
		t.Fatalf("Version = %q, want %q (from pin %s)", version, want, pin.Version)
	}

	// Configure and start.
	if changed, err := tp.EnsureConfig("example", upstream.URL+"/"); err != nil || !changed {
		t.Fatalf("EnsureConfig = %v, %v; want changed", changed, err)
	}
	if changed, err := tp.EnsureConfig("example", upstream.URL+"/"); err != nil || changed {
		t.Fatalf("EnsureConfig again = %v, %v; want unchanged", changed, err)
	}
	if err := tp.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	waitReady(ctx, t, tp)
	pid, err := tp.Pid()
	if err != nil {
		t.Fatalf("Pid: %v", err)
	}
	expect(t, "/example/", http.StatusOK, "upstream says hello to /")
	expect(t, "/example/sub/page", http.StatusOK, "upstream says hello to /sub/page")
	expect(t, "/other/", http.StatusBadRequest, "")

	// Change the slug and reload: same process, new path, old path gone.
	if changed, err := tp.EnsureConfig("foo", upstream.URL+"/"); err != nil || !changed {
		t.Fatalf("EnsureConfig foo = %v, %v; want changed", changed, err)
	}
	if err := tp.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	eventually(t, "GET /foo/ to be proxied after reload", func() error {
		return get("/foo/", http.StatusOK, "upstream says hello to /")
	})
	expect(t, "/example/", http.StatusBadRequest, "")
	waitReady(ctx, t, tp)
	if after, err := tp.Pid(); err != nil || after != pid {
		t.Fatalf("pid after reload = %d, %v; want the same pid %d", after, err, pid)
	}

	// Stop.
	if err := tp.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if tp.IsRunning() {
		t.Fatal("IsRunning = true after Stop")
	}
	if processAlive(pid) {
		t.Fatalf("process %d still alive (not a zombie) after Stop", pid)
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:8000", time.Second); err == nil {
		c.Close()
		t.Fatal("port 8000 still accepts connections after Stop")
	}

	// Uninstall.
	if err := tp.Uninstall(ctx); err != nil {
		t.Fatalf("Uninstall: %v", err)
	}
	if tp.IsInstalled() {
		t.Error("IsInstalled = true after Uninstall")
	}
	out, _ := exec.CommandContext(ctx, "dpkg-query", "-W", "-f=${Status}", tinyproxy.Package).Output()
	if strings.Contains(string(out), "install ok installed") {
		t.Errorf("dpkg still reports %s installed: %q", tinyproxy.Package, out)
	}
	for _, p := range []string{tinyproxy.DefaultPidFile, tinyproxy.DefaultConfigFile, filepath.Dir(tinyproxy.DefaultConfigFile)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after Uninstall (%v)", p, err)
		}
	}
}

// stopForCleanup makes sure no tinyproxy started by the test survives it.
func stopForCleanup(t *testing.T, tp *tinyproxy.Tinyproxy) {
	pid, err := tp.Pid()
	if err != nil || !tp.IsRunning() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tp.Stop(ctx); err != nil {
		t.Logf("cleanup: %v; sending SIGKILL to %d", err, pid)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Errorf("cleanup: cannot kill tinyproxy (pid %d): %v", pid, err)
		}
	}
}

func waitReady(ctx context.Context, t *testing.T, tp *tinyproxy.Tinyproxy) {
	t.Helper()
	eventually(t, "tinyproxy to be ready", func() error { return tp.Ready(ctx) })
}

// eventually polls cond for up to 5 seconds.
func eventually(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 5s for %s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func get(path string, wantCode int, wantBody string) error {
	// Talk to tinyproxy directly, ignoring any proxy settings.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Get("http://127.0.0.1:8000" + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != wantCode {
		return fmt.Errorf("GET %s: status %d, want %d (body %.200q)", path, resp.StatusCode, wantCode, body)
	}
	if wantBody != "" && string(body) != wantBody {
		return fmt.Errorf("GET %s: body %q, want %q", path, body, wantBody)
	}
	return nil
}

func expect(t *testing.T, path string, wantCode int, wantBody string) {
	t.Helper()
	if err := get(path, wantCode, wantBody); err != nil {
		t.Fatal(err)
	}
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] != 'Z'
}
