// Package machine is the machine layer of the local backend: where units
// live and hooks run. Machine is the seam between the agent and the place
// its hooks run; Host is the implementation for this host (machine "0",
// address 127.0.0.1). A later implementation will run units in LXD system
// containers through github.com/canonical/lxd/client behind the same
// interface.
package machine

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// Base is an OS base as Juju shows it: name "ubuntu", channel "22.04".
type Base struct {
	// Name is the OS name, e.g. "ubuntu".
	Name string
	// Channel is the OS version, e.g. "22.04".
	Channel string
}

// Machine is a place where units live and hooks run.
type Machine interface {
	// ID returns the machine id, e.g. "0".
	ID() string
	// Hostname returns the machine's host name.
	Hostname() string
	// Addresses returns the machine's addresses, the preferred first.
	Addresses() []string
	// Base returns the machine's OS base.
	Base() Base
	// InstanceID returns the provider's id of the machine.
	InstanceID() string
	// Hardware returns Juju's hardware characteristics string, e.g.
	// "arch=amd64 cores=2 mem=3923M".
	Hardware() string
	// Command returns a command that runs name with args on the machine,
	// with exactly the environment env and working directory dir, in its
	// own process group (so that cancelling ctx can kill all of it).
	Command(ctx context.Context, dir string, env []string, name string, args ...string) *exec.Cmd
}

// Host is this host as machine "0".
type Host struct {
	hostname string
	base     Base
	hardware string
}

// NewHost returns the host machine, reading its facts (host name,
// /etc/os-release, CPU count, memory) once.
func NewHost() *Host {
	h := &Host{}
	h.hostname, _ = os.Hostname()
	h.base = ReadOSRelease("/etc/os-release")
	h.hardware = hostHardware()
	return h
}

// ID implements Machine.
func (h *Host) ID() string { return "0" }

// Hostname implements Machine.
func (h *Host) Hostname() string { return h.hostname }

// Addresses implements Machine: the host is reached at 127.0.0.1.
func (h *Host) Addresses() []string { return []string{"127.0.0.1"} }

// Base implements Machine.
func (h *Host) Base() Base { return h.base }

// InstanceID implements Machine, in the manual provider's style.
func (h *Host) InstanceID() string { return "manual:127.0.0.1" }

// Hardware implements Machine.
func (h *Host) Hardware() string { return h.hardware }

// Command implements Machine: a local process in its own process group;
// cancelling ctx kills the whole group.
func (h *Host) Command(ctx context.Context, dir string, env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	return cmd
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
