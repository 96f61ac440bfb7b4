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
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/canonical/jujutest/charm/internal/hostlock"
	"github.com/canonical/jujutest/charm/tinyproxy"
)

// TestHostWorkload drives the real helper against the real tinyproxy on
// this machine: install with apt (first with the apt lists lock held, to
// check the retry against real apt), configure a loopback upstream, start,
// proxy, reload on a new slug (same pid), stop, uninstall. It needs root
// and apt-get; it uses the default paths and port 8000, and it leaves
// tinyproxy-bin uninstalled, even when it fails. It holds the machine-wide
// hostlock against the dispatch test.
func TestHostWorkload(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to install tinyproxy-bin with apt-get and run tinyproxy on port 8000 (CI runs as root)")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("skipping: apt-get not found; this test needs a Debian or Ubuntu machine")
	}
	t.Parallel()
	hostlock.Lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	if dpkgInstalled(ctx, t) {
		t.Skip("skipping: " + tinyproxy.Package + " is already installed on this machine; this test installs and removes it, and would not leave the machine as it found it")
	}
	tp := &tinyproxy.Tinyproxy{}
	if tp.IsRunning() {
		t.Fatal("tinyproxy is already running on this machine (pid file " + tinyproxy.DefaultPidFile + "); stop it before running this test")
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:8000", time.Second); err == nil {
		c.Close()
		t.Fatal("port 8000 is already in use on this machine; free it before running this test")
	}
	// Cleanups run last-registered first: stop tinyproxy, then uninstall.
	t.Cleanup(func() { uninstallForCleanup(t, tp) })
	t.Cleanup(func() { stopForCleanup(t, tp) })

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "upstream says hello to %s", r.URL.Path)
	}))
	t.Cleanup(upstream.Close)

	// Install, while this process holds the apt lists lock as
	// unattended-upgrades would: the first apt-get update fails, the helper
	// recognizes the lock and retries once the (fake) delay releases it.
	pin, err := tp.Pin()
	if err != nil {
		t.Fatalf("Pin: %v", err)
	}
	release := holdAptListsLock(t)
	var sleeps []time.Duration
	installer := &tinyproxy.Tinyproxy{Sleep: func(ctx context.Context, d time.Duration) error {
		sleeps = append(sleeps, d)
		release()
		return ctx.Err()
	}}
	if err := installer.Install(ctx); err != nil {
		t.Fatalf("Install: %v", err)
	}
	if len(sleeps) != 1 {
		t.Fatalf("Install waited %v for the apt lock, want exactly one delay (the lock was held for the first attempt only)", sleeps)
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
	if dpkgInstalled(ctx, t) {
		t.Errorf("dpkg still reports %s installed", tinyproxy.Package)
	}
	for _, p := range []string{tinyproxy.DefaultPidFile, tinyproxy.DefaultConfigFile, filepath.Dir(tinyproxy.DefaultConfigFile)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after Uninstall (%v)", p, err)
		}
	}
}

// dpkgInstalled reports whether dpkg has tinyproxy-bin installed.
func dpkgInstalled(ctx context.Context, t *testing.T) bool {
	t.Helper()
	out, err := exec.CommandContext(ctx, "dpkg-query", "-W", "-f=${Status}", tinyproxy.Package).Output()
	if err != nil && len(out) == 0 {
		return false // dpkg-query exits 1 for a package it does not know
	}
	return strings.Contains(string(out), "install ok installed")
}

// holdAptListsLock takes apt's lock on its package lists, as another apt
// run would (an fcntl write lock on /var/lib/apt/lists/lock), and returns
// a function that releases it; the lock is released at cleanup anyway.
func holdAptListsLock(t *testing.T) (release func()) {
	t.Helper()
	f, err := os.OpenFile("/var/lib/apt/lists/lock", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("opening the apt lists lock: %v", err)
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk); err != nil {
		f.Close()
		t.Fatalf("locking the apt lists lock (is apt running?): %v", err)
	}
	var once sync.Once
	release = func() { once.Do(func() { f.Close() }) } // closing drops the lock
	t.Cleanup(release)
	return release
}

// uninstallForCleanup removes tinyproxy-bin and its files if the test
// installed it and did not get as far as removing it.
func uninstallForCleanup(t *testing.T, tp *tinyproxy.Tinyproxy) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if !dpkgInstalled(ctx, t) {
		return
	}
	t.Logf("cleanup: uninstalling %s", tinyproxy.Package)
	if err := tp.Uninstall(ctx); err != nil {
		t.Errorf("cleanup: %v", err)
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
