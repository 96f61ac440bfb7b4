// Package machine is the machine layer of the local backend: where units
// live and where their hooks, actions and commands run. Machine is the
// seam: a machine runs a process, receives files (the charm, scripts),
// reports its facts and gives the hook tools their way to the unit agent.
// Nothing above it knows which kind of machine it is. Host is this host as
// machine "0".
package machine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/juju/charm/v12"

	"github.com/canonical/jujutest/internal/local/proc"
)

// Base is an OS base as Juju shows it: name "ubuntu", channel "22.04".
type Base struct {
	// Name is the OS name, e.g. "ubuntu".
	Name string
	// Channel is the OS version, e.g. "22.04".
	Channel string
}

// Facts are what Juju records about a machine and shows in status.
type Facts struct {
	// ID is the machine id, e.g. "0".
	ID string
	// Hostname is the machine's host name.
	Hostname string
	// Addresses are the machine's addresses, the preferred first.
	Addresses []string
	// Base is the machine's OS base.
	Base Base
	// InstanceID is the provider's id of the machine.
	InstanceID string
	// Hardware is Juju's hardware characteristics string, e.g.
	// "arch=amd64 cores=2 mem=3923M".
	Hardware string
}

// Process is a program to run on a machine. Paths are the machine's.
type Process struct {
	// Path is the program; Args are its arguments, Args[0] included.
	Path string
	Args []string
	// Env is the whole environment ("NAME=value").
	Env []string
	// Dir is the working directory.
	Dir string
	// Stdin is the standard input (nil: empty).
	Stdin io.Reader
	// Stdout and Stderr receive the output (nil: discarded).
	Stdout, Stderr io.Writer
}

// ErrKilled is wrapped, with the context's error, by Run's error when the
// context ended and the machine killed the process and everything it
// started.
var ErrKilled = errors.New("killed")

// SignalError reports a process that was ended by a signal that Run did
// not send.
type SignalError struct {
	// Signal is the signal.
	Signal syscall.Signal
}

func (e *SignalError) Error() string { return "signal: " + e.Signal.String() }

// Machine is a place where units live and hooks run.
type Machine interface {
	// Facts returns the machine's facts.
	Facts() Facts
	// Run runs p and waits for it. It returns the exit code and a nil
	// error when the process exited, -1 and a *SignalError when a signal
	// ended it, and -1 and an error wrapping ErrKilled and ctx's error
	// when ctx ended first: the process and everything it started were
	// killed. Processes p leaves in the background after a normal exit
	// keep running (a hook may start a daemon); output they write after
	// a short grace is dropped.
	Run(ctx context.Context, p Process) (int, error)
	// Stat returns the mode of a file on the machine (an error satisfying
	// errors.Is(err, fs.ErrNotExist) when it is missing).
	Stat(ctx context.Context, path string) (fs.FileMode, error)
	// WriteFile writes a file on the machine, creating its directory.
	WriteFile(ctx context.Context, path string, data []byte, perm fs.FileMode) error
	// RemoveAll removes a file or directory tree on the machine.
	RemoveAll(ctx context.Context, path string) error
	// InstallCharm expands a charm archive into a unit's charm directory
	// on the machine, all or nothing (a failure leaves the previous
	// content), and returns that directory.
	InstallCharm(ctx context.Context, unit string, archive *charm.CharmArchive) (string, error)
	// CharmDir returns the unit's charm directory on the machine.
	CharmDir(unit string) string
	// TempDir returns a directory on the machine for a unit's scripts.
	TempDir(unit string) string
	// HookTools returns how hooks on the machine reach the unit agent:
	// the directory of hook-tool commands (first on a hook's PATH) and
	// the agent's socket path, as seen on the machine.
	HookTools() (toolsDir, socket string)
}

// HostConfig says where a host machine keeps its units' files and how its
// hook tools reach the agent.
type HostConfig struct {
	// UnitDir returns a unit's directory (the charm is in "charm").
	UnitDir func(unit string) string
	// ScriptDir holds temporary command scripts.
	ScriptDir string
	// ToolsDir and Socket are the hook-tool directory and the agent's
	// socket.
	ToolsDir, Socket string
	// Track, when not nil, is told the process group id of each process
	// Run starts; the function it returns (if not nil) is called when the
	// run is over. An agent records the groups, so that they can be
	// stopped even when the agent itself was killed.
	Track func(pgid int) (finished func())
}

// Host is this host as machine "0". Its processes are local processes,
// each in its own process group.
type Host struct {
	facts Facts
	cfg   HostConfig
}

// NewHost returns the host machine, reading its facts (host name,
// /etc/os-release, CPU count, memory) once.
func NewHost(cfg HostConfig) *Host {
	return &Host{facts: HostFacts(), cfg: cfg}
}

// HostFacts returns the facts of this host as machine "0", reached at
// 127.0.0.1, with an instance id in the manual provider's style.
func HostFacts() Facts {
	hostname, _ := os.Hostname()
	return Facts{
		ID:         "0",
		Hostname:   hostname,
		Addresses:  []string{"127.0.0.1"},
		Base:       ReadOSRelease("/etc/os-release"),
		InstanceID: "manual:127.0.0.1",
		Hardware:   hostHardware(),
	}
}

// Facts implements Machine.
func (h *Host) Facts() Facts { return h.facts }

// outputGrace bounds how long Run keeps reading output after the process
// exited, when a background process it started still holds the pipes.
const outputGrace = 500 * time.Millisecond

// killWait bounds how long Run waits, after killing a process group, for
// its members to die.
const killWait = 5 * time.Second

// Run implements Machine: a local process in its own process group; when
// ctx ends, the whole group is killed and waited for.
func (h *Host) Run(ctx context.Context, p Process) (int, error) {
	if err := ctx.Err(); err != nil {
		return -1, fmt.Errorf("%w: %w", ErrKilled, context.Cause(ctx))
	}
	cmd := &exec.Cmd{Path: p.Path, Args: p.Args, Env: p.Env, Dir: p.Dir, Stdin: p.Stdin, Stdout: p.Stdout, Stderr: p.Stderr}
	if len(cmd.Args) == 0 {
		cmd.Args = []string{p.Path}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = outputGrace
	if err := cmd.Start(); err != nil {
		return -1, fmt.Errorf("starting %s: %w", p.Path, err)
	}
	pgid := cmd.Process.Pid
	if h.cfg.Track != nil {
		if finished := h.cfg.Track(pgid); finished != nil {
			defer finished()
		}
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var err error
	killed := false
	select {
	case err = <-waited:
	case <-ctx.Done():
		killed = true
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		err = <-waited
	}
	if killed {
		// The exit status (killed) says nothing more.
		proc.KillGroup(pgid, killWait)
		return -1, fmt.Errorf("%w: %w (%w)", ErrKilled, context.Cause(ctx), err)
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay):
		return cmd.ProcessState.ExitCode(), nil
	case errors.As(err, &exitErr):
		if exitErr.Exited() {
			return exitErr.ExitCode(), nil
		}
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -1, &SignalError{Signal: ws.Signal()}
		}
	}
	return -1, err
}

// Stat implements Machine.
func (h *Host) Stat(_ context.Context, path string) (fs.FileMode, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Mode(), nil
}

// WriteFile implements Machine.
func (h *Host) WriteFile(_ context.Context, path string, data []byte, perm fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, perm)
}

// RemoveAll implements Machine.
func (h *Host) RemoveAll(_ context.Context, path string) error { return os.RemoveAll(path) }

// CharmDir implements Machine.
func (h *Host) CharmDir(unit string) string { return filepath.Join(h.cfg.UnitDir(unit), "charm") }

// TempDir implements Machine.
func (h *Host) TempDir(string) string {
	if h.cfg.ScriptDir != "" {
		return h.cfg.ScriptDir
	}
	return os.TempDir()
}

// HookTools implements Machine.
func (h *Host) HookTools() (string, string) { return h.cfg.ToolsDir, h.cfg.Socket }

// InstallCharm implements Machine: the archive is expanded into a
// temporary directory beside the charm directory, which then replaces it.
func (h *Host) InstallCharm(_ context.Context, unit string, archive *charm.CharmArchive) (string, error) {
	dir := h.CharmDir(unit)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, ".charm-*")
	if err != nil {
		return "", err
	}
	if err := archive.ExpandTo(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.RemoveAll(dir); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return dir, nil
}

// ReadOSRelease reads an os-release file into a Base ("ubuntu"/"22.04",
// "debian"/"12"). A missing file gives "unknown".
func ReadOSRelease(path string) Base {
	f, err := os.Open(path)
	if err != nil {
		return Base{Name: "unknown", Channel: "unknown"}
	}
	defer f.Close()
	vals := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		vals[k] = strings.Trim(v, `"'`)
	}
	b := Base{Name: vals["ID"], Channel: vals["VERSION_ID"]}
	if b.Name == "" {
		b.Name = "unknown"
	}
	if b.Channel == "" {
		b.Channel = "unknown"
	}
	return b
}

// hostHardware describes the host as Juju's hardware characteristics.
func hostHardware() string {
	hw := fmt.Sprintf("arch=%s cores=%d", runtime.GOARCH, runtime.NumCPU())
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				fields := strings.Fields(rest)
				if len(fields) > 0 {
					if kb, err := strconv.Atoi(fields[0]); err == nil {
						hw += fmt.Sprintf(" mem=%dM", kb/1024)
					}
				}
			}
		}
	}
	return hw
}
