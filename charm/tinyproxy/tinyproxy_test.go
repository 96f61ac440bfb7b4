package tinyproxy_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/canonical/jujutest/charm/internal/command"
	"github.com/canonical/jujutest/charm/tinyproxy"
)

// fakeRunner records commands and answers from a table keyed by name; if
// script is set, it decides each command's error instead of fail.
type fakeRunner struct {
	cmds    []tinyproxy.Cmd
	answers map[string]string
	fail    map[string]error
	script  func(n int, cmd tinyproxy.Cmd) error // n counts from 1
}

func (f *fakeRunner) Run(_ context.Context, cmd tinyproxy.Cmd) ([]byte, error) {
	f.cmds = append(f.cmds, cmd)
	if f.script != nil {
		if err := f.script(len(f.cmds), cmd); err != nil {
			return nil, err
		}
	} else if err := f.fail[cmd.Name]; err != nil {
		return nil, err
	}
	return []byte(f.answers[cmd.Name]), nil
}

// env is a Tinyproxy pointed at a temporary root with a fake /proc and a
// fake clock.
type env struct {
	tp     *tinyproxy.Tinyproxy
	runner *fakeRunner
	root   string
	kills  []syscall.Signal
	sleeps []time.Duration
}

func newEnv(t *testing.T, osRelease string) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{root: root, runner: &fakeRunner{answers: map[string]string{}, fail: map[string]error{}}}
	if err := os.WriteFile(filepath.Join(root, "os-release"), []byte(osRelease), 0o644); err != nil {
		t.Fatal(err)
	}
	e.tp = &tinyproxy.Tinyproxy{
		Runner:     e.runner,
		ConfigFile: filepath.Join(root, "etc/tinyproxy/tinyproxy.conf"),
		PidFile:    filepath.Join(root, "run/tinyproxy.pid"),
		OSRelease:  filepath.Join(root, "os-release"),
		ProcDir:    filepath.Join(root, "proc"),
		Kill: func(pid int, sig syscall.Signal) error {
			e.kills = append(e.kills, sig)
			return nil
		},
		Sleep: func(ctx context.Context, d time.Duration) error {
			e.sleeps = append(e.sleeps, d)
			return ctx.Err()
		},
	}
	return e
}

// process fakes /proc/<pid> and the pid file.
func (e *env) process(t *testing.T, pid int, comm string, state byte, sigCgt uint64) {
	t.Helper()
	dir := filepath.Join(e.tp.ProcDir, strconv.Itoa(pid))
	must(t, os.MkdirAll(dir, 0o755))
	stat := fmt.Sprintf("%d (%s) %c 1 %d %d 0 -1 4194368 54 0 0 0\n", pid, comm, state, pid, pid)
	must(t, os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644))
	status := fmt.Sprintf("Name:\t%s\nSigIgn:\t0000000000001000\nSigCgt:\t%016x\n", comm, sigCgt)
	must(t, os.WriteFile(filepath.Join(dir, "status"), []byte(status), 0o644))
	must(t, os.MkdirAll(filepath.Dir(e.tp.PidFile), 0o755))
	must(t, os.WriteFile(e.tp.PidFile, []byte(strconv.Itoa(pid)+"\n"), 0o644))
}

// listen fakes a TCP socket of pid in state st ("0A" is LISTEN) on port,
// in /proc/<pid>/net/<table>, and, if owned, as one of pid's descriptors.
func (e *env) listen(t *testing.T, pid int, table string, port int, st string, inode int, owned bool) {
	t.Helper()
	dir := filepath.Join(e.tp.ProcDir, strconv.Itoa(pid))
	must(t, os.MkdirAll(filepath.Join(dir, "fd"), 0o755))
	must(t, os.MkdirAll(filepath.Join(dir, "net"), 0o755))
	must(t, os.Symlink("/dev/null", filepath.Join(dir, "fd", strconv.Itoa(inode)+"-0")))
	if owned {
		must(t, os.Symlink(fmt.Sprintf("socket:[%d]", inode), filepath.Join(dir, "fd", strconv.Itoa(inode))))
	}
	addr := "00000000"
	if table == "tcp6" {
		addr = strings.Repeat("0", 32)
	}
	path := filepath.Join(dir, "net", table)
	data, err := os.ReadFile(path)
	if err != nil {
		data = []byte("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
	}
	data = fmt.Appendf(data, "   0: %s:%04X %s:0000 %s 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n",
		addr, port, addr, st, inode)
	must(t, os.WriteFile(path, data, 0o644))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

const (
	bookworm = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"
	noble    = "NAME=\"Ubuntu\"\nID=ubuntu\nVERSION_ID=\"24.04\"\nVERSION_CODENAME=noble\n"
	// caught is a SigCgt mask with SIGUSR1, SIGTERM, SIGHUP and SIGCHLD.
	caught   = 0x14203
	uncaught = 0x0
)

func TestParseVersion(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"tinyproxy 1.11.1\n": "1.11.1",
		"tinyproxy 1.0.0":    "1.0.0",
	} {
		got, err := tinyproxy.ParseVersion(in)
		if err != nil || got != want {
			t.Errorf("ParseVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "tinyproxy", "tinyproxy\n", "tinyproxyd 1.0", "squid 1.0", "tinyproxy 1.0 beta"} {
		if got, err := tinyproxy.ParseVersion(in); err == nil {
			t.Errorf("ParseVersion(%q) = %q, want an error", in, got)
		}
	}
}

func TestVersionRunsTinyproxyV(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	e.runner.answers["tinyproxy"] = "tinyproxy 1.11.1\n"
	v, err := e.tp.Version(context.Background())
	if err != nil || v != "1.11.1" {
		t.Fatalf("Version = %q, %v", v, err)
	}
	if want := []tinyproxy.Cmd{{Name: "tinyproxy", Args: []string{"-v"}}}; !reflect.DeepEqual(e.runner.cmds, want) {
		t.Fatalf("cmds = %+v, want %+v", e.runner.cmds, want)
	}
}

func TestPins(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ osRelease, want string }{
		{bookworm, "1.11.1-2.1+deb12u1"},
		{noble, "1.11.1-3"},
		{"ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\n", "1.11.0-1"},
		{"ID=ubuntu\nVERSION_ID='24.04'\n", "1.11.1-3"}, // no codename: ID + VERSION_ID
		{"# comment\nID=debian\nVERSION_ID=12\n", "1.11.1-2.1+deb12u1"},
	} {
		pin, err := newEnv(t, tc.osRelease).tp.Pin()
		if err != nil || pin.Version != tc.want {
			t.Errorf("Pin for %q = %+v, %v; want %s", tc.osRelease, pin, err, tc.want)
		}
	}
}

func TestInstall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noble)
	if err := e.tp.Install(context.Background()); err != nil {
		t.Fatalf("Install: %v", err)
	}
	want := []tinyproxy.Cmd{aptCmd("update"), aptCmd("install", "-y", "tinyproxy-bin=1.11.1-3")}
	if !reflect.DeepEqual(e.runner.cmds, want) {
		t.Fatalf("cmds = %+v\nwant %+v", e.runner.cmds, want)
	}
	if len(e.sleeps) != 0 {
		t.Fatalf("slept %v although apt-get succeeded", e.sleeps)
	}
}

// aptCmd is the apt-get command the helper runs for args.
func aptCmd(args ...string) tinyproxy.Cmd {
	return tinyproxy.Cmd{
		Name: "apt-get",
		Args: append([]string{"-o", "DPkg::Lock::Timeout=120"}, args...),
		Env:  []string{"DEBIAN_FRONTEND=noninteractive", "LC_ALL=C"},
	}
}

// aptFailure is the error ExecRunner returns when apt-get exits 100 with
// stderr (these are apt 2.6's messages, captured on this machine).
func aptFailure(cmd tinyproxy.Cmd, stderr string) error {
	return &command.Error{
		Argv:   append([]string{cmd.Name}, cmd.Args...),
		Stderr: stderr,
		Err:    errors.New("exit status 100"),
	}
}

const (
	listsLockHeld = "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 812 (unattended-upgr)\n" +
		"E: Unable to lock directory /var/lib/apt/lists/"
	archivesLockHeld = "E: Could not get lock /var/cache/apt/archives/lock. It is held by process 812 (unattended-upgr)\n" +
		"E: Unable to lock directory /var/cache/apt/archives/"
	frontendLockHeld = "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?"
	notRoot          = "E: Could not open lock file /var/lib/apt/lists/lock - open (13: Permission denied)\n" +
		"E: Unable to lock directory /var/lib/apt/lists/"
)

func TestInstallRetriesWhileAptLockHeld(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	// update: lock held twice; install: the archives lock, then dpkg's.
	e.runner.script = func(n int, cmd tinyproxy.Cmd) error {
		switch n {
		case 1, 2:
			return aptFailure(cmd, listsLockHeld)
		case 4:
			return aptFailure(cmd, archivesLockHeld)
		case 5:
			return aptFailure(cmd, frontendLockHeld)
		}
		return nil
	}
	if err := e.tp.Install(context.Background()); err != nil {
		t.Fatalf("Install: %v", err)
	}
	update, install := aptCmd("update"), aptCmd("install", "-y", "tinyproxy-bin=1.11.1-2.1+deb12u1")
	if want := []tinyproxy.Cmd{update, update, update, install, install, install}; !reflect.DeepEqual(e.runner.cmds, want) {
		t.Fatalf("cmds = %+v\nwant %+v", e.runner.cmds, want)
	}
	// The delay grows per command and starts again for the next one.
	if want := []time.Duration{2 * time.Second, 4 * time.Second, 2 * time.Second, 4 * time.Second}; !reflect.DeepEqual(e.sleeps, want) {
		t.Fatalf("sleeps = %v, want %v", e.sleeps, want)
	}
}

func TestInstallGivesUpWhenAptLockStaysHeld(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	e.runner.script = func(_ int, cmd tinyproxy.Cmd) error { return aptFailure(cmd, listsLockHeld) }
	err := e.tp.Install(context.Background())
	if err == nil {
		t.Fatal("Install succeeded although the apt lock was always held")
	}
	if len(e.runner.cmds) != tinyproxy.AptAttempts {
		t.Errorf("ran apt-get %d times, want %d (and never install)", len(e.runner.cmds), tinyproxy.AptAttempts)
	}
	s := time.Second
	if want := []time.Duration{2 * s, 4 * s, 8 * s, 15 * s, 15 * s, 15 * s, 15 * s}; !reflect.DeepEqual(e.sleeps, want) {
		t.Errorf("sleeps = %v, want %v", e.sleeps, want)
	}
	for _, want := range []string{
		"installing tinyproxy-bin: apt-get update: an apt lock was still held after 8 attempts over 1m14s: ",
		"apt-get -o DPkg::Lock::Timeout=120 update: exit status 100: E: Could not get lock /var/lib/apt/lists/lock. It is held by process 812",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %q\nwant it to contain %q", err, want)
		}
	}
}

func TestInstallDoesNotRetryOtherAptFailures(t *testing.T) {
	t.Parallel()
	for _, stderr := range []string{notRoot, "E: Unable to locate package tinyproxy-bin"} {
		e := newEnv(t, bookworm)
		e.runner.script = func(_ int, cmd tinyproxy.Cmd) error { return aptFailure(cmd, stderr) }
		err := e.tp.Install(context.Background())
		if err == nil || !strings.Contains(err.Error(), "installing tinyproxy-bin: apt-get update: ") || !strings.Contains(err.Error(), stderr) {
			t.Errorf("err = %v, want it to name apt-get update and include its stderr %q", err, stderr)
		}
		if len(e.runner.cmds) != 1 || len(e.sleeps) != 0 {
			t.Errorf("%q: ran %d commands and slept %v; want one run, no retry", stderr, len(e.runner.cmds), e.sleeps)
		}
	}
}

func TestInstallRetryStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	e.runner.script = func(_ int, cmd tinyproxy.Cmd) error { return aptFailure(cmd, listsLockHeld) }
	ctx, cancel := context.WithCancel(context.Background())
	e.tp.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel() // the hook's deadline passes during the first delay
		return ctx.Err()
	}
	err := e.tp.Install(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "Could not get lock") {
		t.Fatalf("err = %v, want context.Canceled and the last apt error", err)
	}
	if len(e.runner.cmds) != 1 {
		t.Fatalf("ran apt-get %d times after the context ended", len(e.runner.cmds))
	}
}

func TestUninstallRetriesWhileAptLockHeld(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	e.runner.script = func(n int, cmd tinyproxy.Cmd) error {
		if n == 1 {
			return aptFailure(cmd, frontendLockHeld)
		}
		return nil
	}
	if err := e.tp.Uninstall(context.Background()); err != nil {
		t.Fatalf("Uninstall: %v", err)
	}
	if len(e.runner.cmds) != 2 || !reflect.DeepEqual(e.sleeps, []time.Duration{2 * time.Second}) {
		t.Fatalf("cmds %+v, sleeps %v; want two runs, one 2s delay", e.runner.cmds, e.sleeps)
	}
}

func TestInstallUnsupportedRelease(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "ID=ubuntu\nVERSION_ID=\"20.04\"\nVERSION_CODENAME=focal\n")
	err := e.tp.Install(context.Background())
	var uerr *tinyproxy.UnsupportedReleaseError
	if !errors.As(err, &uerr) {
		t.Fatalf("err = %v, want *UnsupportedReleaseError", err)
	}
	for _, want := range []string{"ubuntu 20.04 (focal)", "jammy", "noble", "bookworm"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %q, want it to mention %q", err, want)
		}
	}
	if len(e.runner.cmds) != 0 {
		t.Errorf("ran %+v for an unsupported release", e.runner.cmds)
	}
}

func TestInstallAptFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	e.runner.script = func(n int, cmd tinyproxy.Cmd) error {
		if n == 2 {
			return aptFailure(cmd, "E: Version '1.11.1-2.1+deb12u1' for 'tinyproxy-bin' was not found")
		}
		return nil
	}
	err := e.tp.Install(context.Background())
	want := "installing tinyproxy-bin=1.11.1-2.1+deb12u1: apt-get install -y tinyproxy-bin=1.11.1-2.1+deb12u1: " +
		"apt-get -o DPkg::Lock::Timeout=120 install -y tinyproxy-bin=1.11.1-2.1+deb12u1: exit status 100: E: Version"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err = %v\nwant it to start %q", err, want)
	}
}

func TestEnsureConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	changed, err := e.tp.EnsureConfig("example", "http://www.example.com/")
	if err != nil || !changed {
		t.Fatalf("first EnsureConfig = %v, %v; want changed", changed, err)
	}
	data, err := os.ReadFile(e.tp.ConfigFile)
	must(t, err)
	want := fmt.Sprintf("PidFile %q\nPort 8000\nTimeout 600\nReverseOnly Yes\nReversePath \"/example/\" \"http://www.example.com/\"\n", e.tp.PidFile)
	if string(data) != want {
		t.Fatalf("config =\n%s\nwant\n%s", data, want)
	}
	fi, err := os.Stat(e.tp.ConfigFile)
	must(t, err)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("config mode = %v, want 0644", fi.Mode().Perm())
	}

	changed, err = e.tp.EnsureConfig("example", "http://www.example.com/")
	if err != nil || changed {
		t.Fatalf("same config again = %v, %v; want unchanged", changed, err)
	}
	if fi2, err := os.Stat(e.tp.ConfigFile); err != nil || !os.SameFile(fi, fi2) || !fi2.ModTime().Equal(fi.ModTime()) {
		t.Fatalf("unchanged config was rewritten (%v)", err)
	}
	changed, err = e.tp.EnsureConfig("foo", "http://www.example.com/")
	if err != nil || !changed {
		t.Fatalf("new slug = %v, %v; want changed", changed, err)
	}
	// Replaced by a rename, not rewritten in place: a reader sees either
	// the old file or the new one, never a partial write.
	if fi3, err := os.Stat(e.tp.ConfigFile); err != nil || os.SameFile(fi, fi3) {
		t.Fatalf("changed config was written in place, not renamed over (%v)", err)
	}
	entries, err := os.ReadDir(filepath.Dir(e.tp.ConfigFile))
	must(t, err)
	if len(entries) != 1 {
		t.Errorf("config dir holds %v, want only the config file (no temp files left)", entries)
	}
}

func TestEnsureConfigRefusesUnsafeValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	for _, v := range [][2]string{
		{"", "http://a/"},
		{"a\" \"http://evil/", "http://a/"},
		{"a", "http://a/\"\nUpstream http evil:80"},
		{"a", "http://a/ b"},
		{"a", "http://a/\\"},
	} {
		if _, err := e.tp.EnsureConfig(v[0], v[1]); err == nil {
			t.Errorf("EnsureConfig(%q, %q) succeeded", v[0], v[1])
		}
	}
	if _, err := os.Stat(e.tp.ConfigFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("config file exists after refused writes: %v", err)
	}
}

func TestIsRunning(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, e *env)
		want  bool
	}{
		{"no pid file", func(*testing.T, *env) {}, false},
		{"running", func(t *testing.T, e *env) { e.process(t, 42, "tinyproxy", 'S', caught) }, true},
		{"zombie", func(t *testing.T, e *env) { e.process(t, 42, "tinyproxy", 'Z', caught) }, false},
		{"pid reused by another program", func(t *testing.T, e *env) { e.process(t, 42, "bash", 'S', caught) }, false},
		{"stale pid file", func(t *testing.T, e *env) {
			must(t, os.MkdirAll(filepath.Dir(e.tp.PidFile), 0o755))
			must(t, os.WriteFile(e.tp.PidFile, []byte("42\n"), 0o644))
		}, false},
		{"garbage pid file", func(t *testing.T, e *env) {
			must(t, os.MkdirAll(filepath.Dir(e.tp.PidFile), 0o755))
			must(t, os.WriteFile(e.tp.PidFile, []byte("tinyproxy\n"), 0o644))
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, bookworm)
			tc.setup(t, e)
			if got := e.tp.IsRunning(); got != tc.want {
				t.Fatalf("IsRunning = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReady(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, e *env)
		want  string // "" for ready, else part of the error
	}{
		{"no pid file", func(*testing.T, *env) {}, "no pid"},
		{"signal handlers not installed", func(t *testing.T, e *env) {
			e.process(t, 42, "tinyproxy", 'S', uncaught)
			e.listen(t, 42, "tcp", 8000, "0A", 1001, true)
		}, "signal handlers"},
		{"zombie", func(t *testing.T, e *env) {
			e.process(t, 42, "tinyproxy", 'Z', caught)
			e.listen(t, 42, "tcp", 8000, "0A", 1001, true)
		}, "exited"},
		{"no socket", func(t *testing.T, e *env) {
			e.process(t, 42, "tinyproxy", 'S', caught)
			e.listen(t, 42, "tcp", 9999, "0A", 1001, true)
		}, "not listening on port 8000"},
		{"port 8000 held by another process", func(t *testing.T, e *env) {
			e.process(t, 42, "tinyproxy", 'S', caught)
			e.listen(t, 42, "tcp", 8000, "0A", 1001, false)
		}, "not listening on port 8000"},
		{"connected, not listening", func(t *testing.T, e *env) {
			e.process(t, 42, "tinyproxy", 'S', caught)
			e.listen(t, 42, "tcp", 8000, "01", 1001, true)
		}, "not listening on port 8000"},
		{"listening on IPv4", func(t *testing.T, e *env) {
			e.process(t, 42, "tinyproxy", 'S', caught)
			e.listen(t, 42, "tcp", 9999, "0A", 1000, true)
			e.listen(t, 42, "tcp", 8000, "0A", 1001, true)
		}, ""},
		{"listening on IPv6 only", func(t *testing.T, e *env) {
			e.process(t, 42, "tinyproxy", 'S', caught)
			e.listen(t, 42, "tcp6", 8000, "0A", 1001, true)
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, bookworm)
			tc.setup(t, e)
			err := e.tp.Ready(ctx)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Ready = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Ready = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

func TestReadyOnAnotherPort(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	e.tp.Port = 8888
	e.process(t, 42, "tinyproxy", 'S', caught)
	e.listen(t, 42, "tcp", 8000, "0A", 1001, true)
	if err := e.tp.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "port 8888") {
		t.Fatalf("Ready = %v, want not listening on port 8888", err)
	}
	e.listen(t, 42, "tcp", 8888, "0A", 1002, true)
	if err := e.tp.Ready(context.Background()); err != nil {
		t.Fatalf("Ready = %v, want nil", err)
	}
}

func TestStartRunsTinyproxyWithConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	if err := e.tp.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	want := []tinyproxy.Cmd{{Name: "tinyproxy", Args: []string{"-c", e.tp.ConfigFile}}}
	if !reflect.DeepEqual(e.runner.cmds, want) {
		t.Fatalf("cmds = %+v, want %+v", e.runner.cmds, want)
	}
	e.runner.fail["tinyproxy"] = errors.New("exit status 70: Could not open config file")
	if err := e.tp.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "starting tinyproxy") {
		t.Fatalf("Start failing = %v", err)
	}
}

func TestReload(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	if err := e.tp.Reload(); err == nil {
		t.Error("Reload with nothing running succeeded")
	}
	e.process(t, 42, "tinyproxy", 'S', uncaught)
	if err := e.tp.Reload(); err == nil || !strings.Contains(err.Error(), "would kill it") {
		t.Errorf("Reload before signal handlers = %v, want a refusal", err)
	}
	if len(e.kills) != 0 {
		t.Fatalf("signalled %v before tinyproxy could take it", e.kills)
	}
	e.process(t, 42, "tinyproxy", 'S', caught)
	if err := e.tp.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if !reflect.DeepEqual(e.kills, []syscall.Signal{syscall.SIGUSR1}) {
		t.Fatalf("signals = %v, want [SIGUSR1]", e.kills)
	}
}

func TestStop(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	if err := e.tp.Stop(context.Background()); err != nil || len(e.kills) != 0 {
		t.Fatalf("Stop with nothing running = %v, signals %v", err, e.kills)
	}
	e.process(t, 42, "tinyproxy", 'S', caught)
	e.tp.Kill = func(pid int, sig syscall.Signal) error {
		e.kills = append(e.kills, sig)
		e.process(t, pid, "tinyproxy", 'Z', caught) // exits at once, reaped late
		return nil
	}
	if err := e.tp.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if !reflect.DeepEqual(e.kills, []syscall.Signal{syscall.SIGTERM}) || e.tp.IsRunning() {
		t.Fatalf("signals = %v, running %v", e.kills, e.tp.IsRunning())
	}
}

func TestStopTimesOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	e.tp.StopTimeout = 50 * time.Millisecond
	e.process(t, 42, "tinyproxy", 'S', caught) // ignores SIGTERM
	start := time.Now()
	err := e.tp.Stop(context.Background())
	if err == nil || !strings.Contains(err.Error(), "still running") {
		t.Fatalf("Stop = %v, want a timeout error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Stop took %v, want it bounded by StopTimeout", d)
	}
}

func TestUninstall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	_, err := e.tp.EnsureConfig("example", "http://www.example.com/")
	must(t, err)
	e.process(t, 42, "tinyproxy", 'Z', caught)
	if err := e.tp.Uninstall(context.Background()); err != nil {
		t.Fatalf("Uninstall: %v", err)
	}
	want := []tinyproxy.Cmd{aptCmd("remove", "-y", "tinyproxy-bin")}
	if !reflect.DeepEqual(e.runner.cmds, want) {
		t.Fatalf("cmds = %+v, want %+v", e.runner.cmds, want)
	}
	for _, p := range []string{e.tp.PidFile, e.tp.ConfigFile, filepath.Dir(e.tp.ConfigFile)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after Uninstall (%v)", p, err)
		}
	}
	// A second Uninstall (nothing left to remove) succeeds too.
	if err := e.tp.Uninstall(context.Background()); err != nil {
		t.Fatalf("second Uninstall: %v", err)
	}
}

func TestUninstallKeepsForeignFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bookworm)
	_, err := e.tp.EnsureConfig("example", "http://www.example.com/")
	must(t, err)
	other := filepath.Join(filepath.Dir(e.tp.ConfigFile), "filter")
	must(t, os.WriteFile(other, []byte("x"), 0o644))
	if err := e.tp.Uninstall(context.Background()); err != nil {
		t.Fatalf("Uninstall: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("Uninstall removed a file it does not own: %v", err)
	}
}

func TestIsInstalled(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "tinyproxy")
	tp := &tinyproxy.Tinyproxy{Binary: bin}
	if tp.IsInstalled() {
		t.Fatal("IsInstalled with no binary")
	}
	must(t, os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755))
	if !tp.IsInstalled() {
		t.Fatal("IsInstalled = false with an executable binary")
	}
}
