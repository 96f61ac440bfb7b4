// Package tinyproxy installs, configures and runs tinyproxy as a reverse
// proxy on this machine: the workload helper of the tinyproxy charm.
//
// A Tinyproxy value holds every path, the port, the command runner, the
// signal function and the clock as fields, so tests point it at temporary
// directories and fakes; its zero value manages the real tinyproxy. It keeps no state
// between calls: the truth is on disk (pid file, /proc) and in dpkg.
//
// Readiness. tinyproxy 1.11 starts listening on its port and writes its pid
// file before it installs its signal handlers, and a SIGUSR1 that arrives in
// between kills it. Neither the pid file nor an accepting port proves it is
// safe to signal (measured here: 11 of 30 starts died from a SIGUSR1 sent as
// soon as the port accepted connections). Ready therefore also checks that
// the process catches SIGUSR1 (SigCgt in /proc/<pid>/status), and Reload
// refuses to signal a process that does not. Ready finds the listening
// socket in /proc rather than by connecting to it: that proves the socket
// is tinyproxy's, adds no connection to tinyproxy's log, and keeps the net
// package out of the charm binary (it starts once per hook).
//
// apt locks. On a fresh machine unattended-upgrades often holds an apt lock
// when the install hook runs, and apt-get then fails at once ("Could not get
// lock /var/lib/apt/lists/lock"): DPkg::Lock::Timeout covers only dpkg's own
// lock. Every apt-get run is therefore retried, AptAttempts times at most,
// with a short growing delay, while its stderr says a lock is held.
package tinyproxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/canonical/jujutest/charm/internal/command"
)

// Defaults used when the corresponding Tinyproxy field is zero.
const (
	DefaultConfigFile  = "/etc/tinyproxy/tinyproxy.conf"
	DefaultPidFile     = "/var/run/tinyproxy.pid"
	DefaultOSRelease   = "/etc/os-release"
	DefaultProcDir     = "/proc"
	DefaultBinary      = "tinyproxy"
	DefaultPort        = 8000
	DefaultStopTimeout = 5 * time.Second
)

// Package is the Debian/Ubuntu package that ships the tinyproxy binary.
const Package = "tinyproxy-bin"

// aptLockTimeout is how long (in seconds) apt-get waits for dpkg's lock
// before failing (DPkg::Lock::Timeout; it does not cover apt's own locks).
const aptLockTimeout = "120"

// AptAttempts is how many times an apt-get command is run in all when it
// keeps failing because another process holds an apt or dpkg lock. The
// delays between attempts start at aptRetryDelay and double up to
// aptMaxRetryDelay: with these values, 1m14s of waiting at most.
const AptAttempts = 8

const (
	aptRetryDelay    = 2 * time.Second
	aptMaxRetryDelay = 15 * time.Second
)

// pollInterval is how often Stop checks whether tinyproxy has exited.
const pollInterval = 10 * time.Millisecond

// Cmd is a command the helper runs.
type Cmd struct {
	Name string   // program name (found on PATH) or path
	Args []string // its arguments
	Env  []string // added to the current environment, "KEY=value"
}

// Runner runs commands for the helper and returns their stdout; a failing
// command returns an error that includes its stderr.
type Runner interface {
	// Run runs cmd until it exits or ctx is done.
	Run(ctx context.Context, cmd Cmd) ([]byte, error)
}

// ExecRunner runs commands with os/exec, each in its own process group that
// is killed when the context ends. Its zero value is ready to use.
type ExecRunner struct{}

// Run runs cmd and returns its stdout.
func (ExecRunner) Run(ctx context.Context, cmd Cmd) ([]byte, error) {
	return command.Run(ctx, cmd.Env, cmd.Name, cmd.Args...)
}

// Tinyproxy manages tinyproxy on this machine. The zero value manages the
// real one, with the defaults above.
type Tinyproxy struct {
	Runner      Runner                                  // nil: ExecRunner
	ConfigFile  string                                  // "": DefaultConfigFile
	PidFile     string                                  // "": DefaultPidFile
	OSRelease   string                                  // "": DefaultOSRelease
	ProcDir     string                                  // "": DefaultProcDir
	Binary      string                                  // name or path; "": DefaultBinary
	Port        int                                     // 0: DefaultPort
	Kill        func(pid int, sig syscall.Signal) error // nil: syscall.Kill
	StopTimeout time.Duration                           // 0: DefaultStopTimeout
	// Sleep waits for d or until ctx is done (between apt-get attempts);
	// nil uses a real timer. Tests pass a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (t *Tinyproxy) runner() Runner {
	if t.Runner == nil {
		return ExecRunner{}
	}
	return t.Runner
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (t *Tinyproxy) configFile() string { return orDefault(t.ConfigFile, DefaultConfigFile) }
func (t *Tinyproxy) pidFile() string    { return orDefault(t.PidFile, DefaultPidFile) }
func (t *Tinyproxy) osRelease() string  { return orDefault(t.OSRelease, DefaultOSRelease) }
func (t *Tinyproxy) procDir() string    { return orDefault(t.ProcDir, DefaultProcDir) }
func (t *Tinyproxy) binary() string     { return orDefault(t.Binary, DefaultBinary) }

func (t *Tinyproxy) port() int {
	if t.Port == 0 {
		return DefaultPort
	}
	return t.Port
}

func (t *Tinyproxy) kill(pid int, sig syscall.Signal) error {
	if t.Kill == nil {
		return syscall.Kill(pid, sig)
	}
	return t.Kill(pid, sig)
}

func (t *Tinyproxy) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep != nil {
		return t.Sleep(ctx, d)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func (t *Tinyproxy) stopTimeout() time.Duration {
	if t.StopTimeout <= 0 {
		return DefaultStopTimeout
	}
	return t.StopTimeout
}

// Pin is the tinyproxy-bin version pinned for one OS release.
type Pin struct {
	ID        string // os-release ID, e.g. "ubuntu"
	VersionID string // os-release VERSION_ID, e.g. "24.04"
	Codename  string // os-release VERSION_CODENAME, e.g. "noble"
	Version   string // Debian package version, e.g. "1.11.1-3"
}

// String returns e.g. "ubuntu 24.04 (noble)".
func (p Pin) String() string { return p.ID + " " + p.VersionID + " (" + p.Codename + ")" }

// Pins returns the supported OS releases and their pinned versions.
func Pins() []Pin {
	return []Pin{
		{ID: "ubuntu", VersionID: "22.04", Codename: "jammy", Version: "1.11.0-1"},
		{ID: "ubuntu", VersionID: "24.04", Codename: "noble", Version: "1.11.1-3"},
		{ID: "debian", VersionID: "12", Codename: "bookworm", Version: "1.11.1-2.1+deb12u1"},
	}
}

// UnsupportedReleaseError is returned when no tinyproxy-bin version is
// pinned for this machine's OS release.
type UnsupportedReleaseError struct {
	Release string // as read from os-release, e.g. "ubuntu 20.04 (focal)"
}

// Error names the release and the supported ones.
func (e *UnsupportedReleaseError) Error() string {
	var supported []string
	for _, p := range Pins() {
		supported = append(supported, p.String())
	}
	return fmt.Sprintf("unsupported OS release %s: %s is pinned only for %s",
		e.Release, Package, strings.Join(supported, ", "))
}

// Pin returns the pinned tinyproxy-bin version for this machine's OS
// release, read from the os-release file: VERSION_CODENAME, or ID and
// VERSION_ID when the codename is absent.
func (t *Tinyproxy) Pin() (Pin, error) {
	data, err := os.ReadFile(t.osRelease())
	if err != nil {
		return Pin{}, fmt.Errorf("reading OS release: %w", err)
	}
	rel := parseOSRelease(data)
	for _, p := range Pins() {
		if rel["VERSION_CODENAME"] != "" {
			if rel["VERSION_CODENAME"] == p.Codename {
				return p, nil
			}
		} else if rel["ID"] == p.ID && rel["VERSION_ID"] == p.VersionID {
			return p, nil
		}
	}
	name := strings.TrimSpace(rel["ID"] + " " + rel["VERSION_ID"])
	if name == "" {
		name = "(no ID or VERSION_ID)"
	}
	if rel["VERSION_CODENAME"] != "" {
		name += " (" + rel["VERSION_CODENAME"] + ")"
	}
	return Pin{}, &UnsupportedReleaseError{Release: name + " from " + t.osRelease()}
}

// parseOSRelease parses os-release(5) lines KEY=value, with the value
// optionally in single or double quotes.
func parseOSRelease(data []byte) map[string]string {
	rel := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if len(val) >= 2 && (val[0] == '"' || val[0] == '\'') && val[len(val)-1] == val[0] {
			val = val[1 : len(val)-1]
			if line[len(key)+1] == '"' {
				val = strings.NewReplacer(`\"`, `"`, `\\`, `\`, "\\$", "$", "\\`", "`").Replace(val)
			}
		}
		rel[key] = val
	}
	return rel
}

// IsInstalled reports whether the tinyproxy executable is on PATH (or at
// Binary, when that is a path).
func (t *Tinyproxy) IsInstalled() bool {
	_, err := exec.LookPath(t.binary())
	return err == nil
}

// Install installs the pinned tinyproxy-bin with apt-get (update, then
// install), non-interactively, retrying while an apt lock is held.
func (t *Tinyproxy) Install(ctx context.Context) error {
	pin, err := t.Pin()
	if err != nil {
		return fmt.Errorf("installing %s: %w", Package, err)
	}
	if err := t.aptGet(ctx, "update"); err != nil {
		return fmt.Errorf("installing %s: %w", Package, err)
	}
	if err := t.aptGet(ctx, "install", "-y", Package+"="+pin.Version); err != nil {
		return fmt.Errorf("installing %s=%s: %w", Package, pin.Version, err)
	}
	return nil
}

// aptGet runs apt-get with args, non-interactively and in the C locale (so
// its messages can be recognized). While it fails because another process
// holds an apt or dpkg lock, it is run again after a delay, AptAttempts
// times in all; any other failure is returned at once. Errors start with
// "apt-get <args>" and include the last attempt's error, with its stderr.
func (t *Tinyproxy) aptGet(ctx context.Context, args ...string) error {
	cmd := Cmd{
		Name: "apt-get",
		Args: append([]string{"-o", "DPkg::Lock::Timeout=" + aptLockTimeout}, args...),
		Env:  []string{"DEBIAN_FRONTEND=noninteractive", "LC_ALL=C"},
	}
	what := "apt-get " + strings.Join(args, " ")
	delay, waited := aptRetryDelay, time.Duration(0)
	for attempt := 1; ; attempt++ {
		_, err := t.runner().Run(ctx, cmd)
		switch {
		case err == nil:
			return nil
		case !aptLockHeld(err):
			return fmt.Errorf("%s: %w", what, err)
		case attempt == AptAttempts:
			return fmt.Errorf("%s: an apt lock was still held after %d attempts over %v: %w", what, attempt, waited, err)
		}
		if sleepErr := t.sleep(ctx, delay); sleepErr != nil {
			return fmt.Errorf("%s: waiting for an apt lock (attempt %d): %w; last error: %w", what, attempt, sleepErr, err)
		}
		waited += delay
		delay = min(2*delay, aptMaxRetryDelay)
	}
}

// aptLockHeld reports whether err, from apt-get (whose errors include its
// stderr, in the C locale), says that another process holds an apt or dpkg
// lock: "Could not get lock <file>. It is held by process <pid> (<name>)",
// or "Unable to ... lock (<file>), is another process using it?". It does
// not match the permission errors ("Could not open lock file", "are you
// root?"), which no retry cures.
func aptLockHeld(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Could not get lock") || strings.Contains(msg, "is another process using it?")
}

// Version returns the installed tinyproxy's version, from `tinyproxy -v`.
func (t *Tinyproxy) Version(ctx context.Context) (string, error) {
	out, err := t.runner().Run(ctx, Cmd{Name: t.binary(), Args: []string{"-v"}})
	if err != nil {
		return "", fmt.Errorf("getting tinyproxy version: %w", err)
	}
	return ParseVersion(string(out))
}

// ParseVersion returns the version from the output of `tinyproxy -v`:
// "tinyproxy 1.11.1" gives "1.11.1".
func ParseVersion(output string) (string, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(output), "tinyproxy")
	version := strings.TrimSpace(rest)
	if !ok || version == "" || strings.ContainsFunc(version, unicode.IsSpace) || rest[0] != ' ' {
		return "", fmt.Errorf("unexpected output of tinyproxy -v: %q, want \"tinyproxy <version>\"", output)
	}
	return version, nil
}

// Render returns the tinyproxy configuration for a reverse proxy serving
// upstream under /<slug>/. It refuses (as a last line of defence behind the
// charm's config validation) any value that is empty or contains a quote, a
// backslash, white space or a non-printable character, so no value can end
// its quoted string and add a directive.
func (t *Tinyproxy) Render(slug, upstream string) (string, error) {
	for _, v := range []struct{ what, value string }{
		{"pid file path", t.pidFile()}, {"slug", slug}, {"upstream", upstream},
	} {
		if !safeValue(v.value) {
			return "", fmt.Errorf("refusing to write %s %q into the tinyproxy config: it must be non-empty, printable, without quotes, backslashes or white space", v.what, v.value)
		}
	}
	return fmt.Sprintf("PidFile \"%s\"\nPort %d\nTimeout 600\nReverseOnly Yes\nReversePath \"/%s/\" \"%s\"\n",
		t.pidFile(), t.port(), slug, upstream), nil
}

func safeValue(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '"' || r == '\\' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// EnsureConfig writes the config file for slug and upstream if its content
// differs, atomically (a temporary file in the same directory, renamed over
// it), creating the directory if needed. It reports whether it wrote.
func (t *Tinyproxy) EnsureConfig(slug, upstream string) (changed bool, err error) {
	content, err := t.Render(slug, upstream)
	if err != nil {
		return false, err
	}
	path := t.configFile()
	old, err := os.ReadFile(path)
	if err == nil && string(old) == content {
		return false, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("reading tinyproxy config: %w", err)
	}
	if err := writeAtomic(path, []byte(content), 0o644); err != nil {
		return false, fmt.Errorf("writing tinyproxy config: %w", err)
	}
	return true, nil
}

func writeAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: make the rename durable
		d.Close()
	}
	return nil
}

// Pid returns the pid recorded in the pid file.
func (t *Tinyproxy) Pid() (int, error) {
	data, err := os.ReadFile(t.pidFile())
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pid file %s holds %q, not a pid", t.pidFile(), bytes.TrimSpace(data))
	}
	return pid, nil
}

// alive reports why pid is not a live tinyproxy process (nil if it is).
// A zombie (state Z, e.g. waiting for a slow init to reap it) or a pid
// reused by another program does not count.
func (t *Tinyproxy) alive(pid int) error {
	data, err := os.ReadFile(filepath.Join(t.procDir(), strconv.Itoa(pid), "stat"))
	if err != nil {
		return fmt.Errorf("process %d does not exist", pid)
	}
	// Format: "<pid> (<comm>) <state> ...", comm may hold spaces or ')'.
	s := string(data)
	lp, rp := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if lp < 0 || rp < lp || len(s) < rp+3 {
		return fmt.Errorf("cannot parse %s/%d/stat", t.procDir(), pid)
	}
	comm, state := s[lp+1:rp], s[rp+2]
	if want := filepath.Base(t.binary()); comm != want {
		return fmt.Errorf("process %d is %q, not %s", pid, comm, want)
	}
	if state == 'Z' || state == 'X' {
		return fmt.Errorf("process %d has exited (state %c)", pid, state)
	}
	return nil
}

// IsRunning reports whether the pid file names a live tinyproxy process.
func (t *Tinyproxy) IsRunning() bool {
	pid, err := t.Pid()
	return err == nil && t.alive(pid) == nil
}

// catchesSIGUSR1 reports whether pid has installed a SIGUSR1 handler.
func (t *Tinyproxy) catchesSIGUSR1(pid int) (bool, error) {
	data, err := os.ReadFile(filepath.Join(t.procDir(), strconv.Itoa(pid), "status"))
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "SigCgt:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return false, fmt.Errorf("parsing SigCgt of process %d: %w", pid, err)
			}
			return mask&(1<<(uint(syscall.SIGUSR1)-1)) != 0, nil
		}
	}
	return false, fmt.Errorf("no SigCgt line in %s/%d/status", t.procDir(), pid)
}

// Ready returns nil when tinyproxy is running, has installed its signal
// handlers (so SIGUSR1 reloads rather than kills it) and listens on its
// port; otherwise an error saying which is missing.
func (t *Tinyproxy) Ready(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	pid, err := t.Pid()
	if err != nil {
		return fmt.Errorf("no pid: %w", err)
	}
	if err := t.alive(pid); err != nil {
		return err
	}
	if ok, err := t.catchesSIGUSR1(pid); err != nil || !ok {
		return fmt.Errorf("tinyproxy (pid %d) has not installed its signal handlers yet", pid)
	}
	return t.listening(pid)
}

// listening returns nil if process pid holds a TCP socket that listens on
// the port: a LISTEN entry for the port in /proc/<pid>/net/tcp or tcp6
// (the process's network namespace) whose inode is one of its descriptors.
func (t *Tinyproxy) listening(pid int) error {
	dir := filepath.Join(t.procDir(), strconv.Itoa(pid))
	fds, err := os.ReadDir(filepath.Join(dir, "fd"))
	if err != nil {
		return fmt.Errorf("listing descriptors of tinyproxy (pid %d): %w", pid, err)
	}
	sockets := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(dir, "fd", fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
			sockets[strings.TrimSuffix(inode, "]")] = true
		}
	}
	for _, table := range []string{"tcp", "tcp6"} {
		data, err := os.ReadFile(filepath.Join(dir, "net", table))
		if errors.Is(err, fs.ErrNotExist) {
			continue // no IPv6
		}
		if err != nil {
			return fmt.Errorf("reading sockets of tinyproxy (pid %d): %w", pid, err)
		}
		// Lines: "sl local_address rem_address st ... uid timeout inode ...",
		// local_address is "<hex IP>:<hex port>", st 0A is LISTEN.
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" || !sockets[f[9]] {
				continue
			}
			i := strings.LastIndexByte(f[1], ':')
			if port, err := strconv.ParseUint(f[1][i+1:], 16, 16); err == nil && int(port) == t.port() {
				return nil
			}
		}
	}
	return fmt.Errorf("tinyproxy (pid %d) is not listening on port %d yet", pid, t.port())
}

// Start starts tinyproxy with the config file. tinyproxy daemonizes, so
// Start returns before it is ready: wait for Ready.
func (t *Tinyproxy) Start(ctx context.Context) error {
	if _, err := t.runner().Run(ctx, Cmd{Name: t.binary(), Args: []string{"-c", t.configFile()}}); err != nil {
		return fmt.Errorf("starting tinyproxy: %w", err)
	}
	return nil
}

// Reload asks the running tinyproxy to re-read its config file (SIGUSR1;
// the pid stays the same). It refuses if tinyproxy is not running or has
// not installed its signal handlers yet, when SIGUSR1 would kill it.
func (t *Tinyproxy) Reload() error {
	pid, err := t.Pid()
	if err != nil {
		return fmt.Errorf("reloading tinyproxy: not running: %w", err)
	}
	if err := t.alive(pid); err != nil {
		return fmt.Errorf("reloading tinyproxy: not running: %w", err)
	}
	if ok, err := t.catchesSIGUSR1(pid); err != nil || !ok {
		return fmt.Errorf("reloading tinyproxy: pid %d has not installed its signal handlers yet, SIGUSR1 would kill it", pid)
	}
	if err := t.kill(pid, syscall.SIGUSR1); err != nil {
		return fmt.Errorf("reloading tinyproxy (pid %d): %w", pid, err)
	}
	return nil
}

// Stop sends SIGTERM to the running tinyproxy and waits, at most
// StopTimeout, until the process is gone (a zombie counts as gone). It does
// nothing if tinyproxy is not running.
func (t *Tinyproxy) Stop(ctx context.Context) error {
	pid, err := t.Pid()
	if err != nil || t.alive(pid) != nil {
		return nil
	}
	if err := t.kill(pid, syscall.SIGTERM); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return fmt.Errorf("stopping tinyproxy (pid %d): %w", pid, err)
	}
	ctx, cancel := context.WithTimeout(ctx, t.stopTimeout())
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for t.alive(pid) == nil {
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopping tinyproxy: pid %d still running after SIGTERM: %w", pid, ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// Uninstall removes tinyproxy-bin with apt-get (retrying while an apt lock
// is held), then the pid file, the config file and its directory. A
// directory that holds other files is left in place.
func (t *Tinyproxy) Uninstall(ctx context.Context) error {
	if err := t.aptGet(ctx, "remove", "-y", Package); err != nil {
		return fmt.Errorf("uninstalling %s: %w", Package, err)
	}
	for _, path := range []string{t.pidFile(), t.configFile()} {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("uninstalling %s: %w", Package, err)
		}
	}
	err := os.Remove(filepath.Dir(t.configFile()))
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) {
		return fmt.Errorf("uninstalling %s: %w", Package, err)
	}
	return nil
}
