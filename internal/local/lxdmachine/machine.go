package lxdmachine

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	lxd "github.com/canonical/lxd/client"
	"github.com/canonical/lxd/shared/api"
	"github.com/juju/charm/v12"

	"github.com/canonical/jujutest/internal/local/machine"
)

// Paths inside a container, as Juju lays them out.
const (
	agentsDir = "/var/lib/juju/agents"
	toolsDir  = "/var/lib/juju/tools/juju-local"
	// toolBinary is the hook-tool client pushed into the container.
	toolBinary = "/var/lib/juju/tools/juju-local-hooktool"
	// socketPath is where the agent's hook-tool socket appears in the
	// container (an LXD proxy device to the agent's socket on the host).
	socketPath = "/var/lib/juju/agent.socket"
	// runDir holds the process-group files of running processes.
	runDir = "/run/juju-local"
	// socketDevice is the proxy device's name.
	socketDevice = "juju-agent-socket"
)

// Config says what a container machine needs from the agent.
type Config struct {
	// Facts are the machine's facts, as recorded when it was provisioned.
	Facts machine.Facts
	// ToolBinary is the hook-tool client binary on the host
	// (juju-local-hooktool, or the juju-local core); ToolNames are the
	// hook tools it serves.
	ToolBinary string
	ToolNames  []string
	// AgentSocket is the agent's hook-tool socket on the host.
	AgentSocket string
	// Nameserver, when set, is written to the container's
	// /etc/resolv.conf (the image has no resolver of its own).
	Nameserver string
}

// Machine is a container as a machine.Machine.
type Machine struct {
	srv  lxd.InstanceServer
	name string
	cfg  Config
}

// Machine returns container name as a machine. Prepare must have run
// once for the container before hooks run in it.
func (p *Provider) Machine(name string, cfg Config) *Machine {
	return &Machine{srv: p.srv, name: name, cfg: cfg}
}

// Facts implements machine.Machine.
func (m *Machine) Facts() machine.Facts { return m.cfg.Facts }

// CharmDir implements machine.Machine: where Juju places a unit's charm.
func (m *Machine) CharmDir(unit string) string {
	return path.Join(agentsDir, "unit-"+strings.ReplaceAll(unit, "/", "-"), "charm")
}

// TempDir implements machine.Machine.
func (m *Machine) TempDir(string) string { return "/tmp" }

// HookTools implements machine.Machine.
func (m *Machine) HookTools() (string, string) { return toolsDir, socketPath }

// Prepare makes the container ready for hooks: the hook-tool client and
// its links, the proxy device that carries the agent's socket into the
// container, and the resolver. It is idempotent.
func (m *Machine) Prepare(ctx context.Context) error {
	if m.cfg.Nameserver != "" {
		if err := m.WriteFile(ctx, "/etc/resolv.conf", []byte("nameserver "+m.cfg.Nameserver+"\n"), 0o644); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(m.cfg.ToolBinary)
	if err != nil {
		return fmt.Errorf("reading the hook-tool client: %w", err)
	}
	if err := m.WriteFile(ctx, toolBinary, data, 0o755); err != nil {
		return err
	}
	// One command for the directories and every tool's link (one file
	// API call per link costs more than the rest of Prepare).
	script := `set -e; mkdir -p "$1" "$2" "$3"; bin=$4; dir=$1; shift 4; for t in "$@"; do ln -sfn "$bin" "$dir/$t"; done`
	args := append([]string{"/bin/sh", "-c", script, "sh", toolsDir, runDir, agentsDir, toolBinary}, m.cfg.ToolNames...)
	if _, err := m.exec(ctx, nil, args...); err != nil {
		return fmt.Errorf("linking the hook tools: %w", err)
	}
	return m.attachSocket()
}

// attachSocket adds (or updates) the proxy device that listens on
// socketPath in the container and connects to the agent's socket.
func (m *Machine) attachSocket() error {
	inst, etag, err := m.srv.GetInstance(m.name)
	if err != nil {
		return fmt.Errorf("reading container %s: %w", m.name, err)
	}
	want := map[string]string{
		"type":    "proxy",
		"bind":    "container",
		"listen":  "unix:" + socketPath,
		"connect": "unix:" + m.cfg.AgentSocket,
		"mode":    "0600",
	}
	if have, ok := inst.Devices[socketDevice]; ok && equalMaps(have, want) {
		return nil
	}
	if inst.Devices == nil {
		inst.Devices = map[string]map[string]string{}
	}
	inst.Devices[socketDevice] = want
	op, err := m.srv.UpdateInstance(m.name, inst.Writable(), etag)
	if err != nil {
		return fmt.Errorf("adding the agent socket to %s: %w", m.name, err)
	}
	if err := op.Wait(); err != nil {
		return fmt.Errorf("adding the agent socket to %s: %w", m.name, err)
	}
	return nil
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// outputGrace bounds how long Run keeps reading output after the process
// exited, when a background process it started still holds the streams.
const outputGrace = 500 * time.Millisecond

// killWait bounds how long Run waits for a killed process to be reported.
const killWait = 10 * time.Second

// Run implements machine.Machine: LXD runs the process in the container
// (an exec operation), as the leader of its own session, whose id it
// writes to a file so that a cancelled run can kill the whole group.
func (m *Machine) Run(ctx context.Context, p machine.Process) (int, error) {
	if err := ctx.Err(); err != nil {
		return -1, fmt.Errorf("%w: %w", machine.ErrKilled, context.Cause(ctx))
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return -1, err
	}
	pidFile := path.Join(runDir, hex.EncodeToString(b[:])+".pgid")
	args := p.Args
	if len(args) == 0 {
		args = []string{p.Path}
	}
	// setsid -w: a new session (and group) that the kill below can name,
	// waiting for the program's exit status.
	// The shell stays (rather than exec the program) to remove its file.
	command := append([]string{"setsid", "-w", "/bin/sh", "-c", `echo $$ > "$0"; p=$1; shift; "$p" "$@"; rc=$?; rm -f "$0"; exit $rc`, pidFile, p.Path}, args[1:]...)
	// argv[0] cannot be chosen through exec; every caller passes the path.
	env := map[string]string{}
	for _, kv := range p.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	stdin := p.Stdin
	if stdin == nil {
		stdin = bytes.NewReader(nil)
	}
	stdout, stderr := p.Stdout, p.Stderr
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	done := make(chan bool)
	dir := p.Dir
	if dir == "" {
		dir = "/"
	}
	op, err := m.srv.ExecInstance(m.name, api.InstanceExecPost{
		Command: command, WaitForWS: true, Environment: env, Cwd: dir,
	}, &lxd.InstanceExecArgs{Stdin: stdin, Stdout: nopCloser{stdout}, Stderr: nopCloser{stderr}, DataDone: done})
	if err != nil {
		return -1, fmt.Errorf("running %s in %s: %w", p.Path, m.name, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- op.Wait() }()
	select {
	case err = <-waited:
	case <-ctx.Done():
		_, _ = m.exec(context.Background(), nil, "/bin/sh", "-c", `kill -9 "-$(cat "$0")"`, pidFile)
		timer := time.NewTimer(killWait)
		defer timer.Stop()
		select {
		case err = <-waited:
		case <-timer.C:
			err = fmt.Errorf("LXD did not report the end of the killed process within %s", killWait)
		}
		return -1, fmt.Errorf("%w: %w (%v)", machine.ErrKilled, context.Cause(ctx), err)
	}
	select {
	case <-done:
	case <-time.After(outputGrace):
	}
	if err != nil {
		return -1, fmt.Errorf("running %s in %s: %w", p.Path, m.name, err)
	}
	code, ok := op.Get().Metadata["return"].(float64)
	if !ok {
		return -1, fmt.Errorf("running %s in %s: LXD reported no exit status", p.Path, m.name)
	}
	return int(code), nil
}

// nopCloser makes a writer an io.WriteCloser whose Close does nothing: the
// caller owns it.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// exec runs a short command in the container and returns its stdout; a
// non-zero exit is an error carrying stderr.
func (m *Machine) exec(ctx context.Context, stdin []byte, args ...string) ([]byte, error) {
	var out, errOut bytes.Buffer
	done := make(chan bool)
	op, err := m.srv.ExecInstance(m.name, api.InstanceExecPost{Command: args, WaitForWS: true, Cwd: "/"},
		&lxd.InstanceExecArgs{Stdin: bytes.NewReader(stdin), Stdout: nopCloser{&out}, Stderr: nopCloser{&errOut}, DataDone: done})
	if err != nil {
		return nil, fmt.Errorf("%s in %s: %w", args[0], m.name, err)
	}
	if err := op.WaitContext(ctx); err != nil {
		return nil, fmt.Errorf("%s in %s: %w", args[0], m.name, err)
	}
	select {
	case <-done:
	case <-time.After(outputGrace):
	}
	if code, _ := op.Get().Metadata["return"].(float64); code != 0 {
		return nil, fmt.Errorf("%s in %s: exit status %d: %s", strings.Join(args, " "), m.name, int(code), strings.TrimSpace(errOut.String()))
	}
	return out.Bytes(), nil
}

// getFile fetches a file or directory of the container through LXD's
// file API; a missing one is an fs.ErrNotExist, both as *fs.PathError.
// The caller closes the content (nil for a directory).
func (m *Machine) getFile(op, p string) (io.ReadCloser, *lxd.InstanceFileResponse, error) {
	content, resp, err := m.srv.GetInstanceFile(m.name, p)
	if err != nil {
		if api.StatusErrorCheck(err, http.StatusNotFound) {
			err = fs.ErrNotExist
		}
		return nil, nil, &fs.PathError{Op: op, Path: p, Err: err}
	}
	return content, resp, nil
}

// Stat implements machine.Machine through LXD's file API.
func (m *Machine) Stat(_ context.Context, p string) (fs.FileMode, error) {
	content, resp, err := m.getFile("stat", p)
	if err != nil {
		return 0, err
	}
	if content != nil {
		content.Close()
	}
	mode := fs.FileMode(resp.Mode) & fs.ModePerm
	switch resp.Type {
	case "directory":
		mode |= fs.ModeDir
	case "symlink":
		mode |= fs.ModeSymlink
	}
	return mode, nil
}

// WriteFile implements machine.Machine through LXD's file API.
func (m *Machine) WriteFile(ctx context.Context, p string, data []byte, perm fs.FileMode) error {
	push := func() error {
		return m.srv.CreateInstanceFile(m.name, p, lxd.InstanceFileArgs{
			Content: bytes.NewReader(data), Mode: int(perm.Perm()), Type: "file", WriteMode: "overwrite",
		})
	}
	if err := push(); err == nil {
		return nil
	}
	if _, err := m.exec(ctx, nil, "mkdir", "-p", path.Dir(p)); err != nil {
		return err
	}
	if err := push(); err != nil {
		return fmt.Errorf("writing %s in %s: %w", p, m.name, err)
	}
	return nil
}

// RemoveAll implements machine.Machine.
func (m *Machine) RemoveAll(ctx context.Context, p string) error {
	_, err := m.exec(ctx, nil, "rm", "-rf", "--", p)
	return err
}

// InstallCharm implements machine.Machine: the archive is expanded on the
// host, pushed into a temporary directory beside the unit's charm
// directory, and renamed into place.
func (m *Machine) InstallCharm(ctx context.Context, unit string, archive *charm.CharmArchive) (string, error) {
	local, err := os.MkdirTemp("", "juju-local-charm-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(local)
	if err := archive.ExpandTo(local); err != nil {
		return "", err
	}
	dir := m.CharmDir(unit)
	tmp := path.Join(path.Dir(dir), ".charm-new")
	if _, err := m.exec(ctx, nil, "sh", "-c", `rm -rf "$0" && mkdir -p "$0"`, tmp); err != nil {
		return "", err
	}
	err = filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == local {
			return err
		}
		rel, err := filepath.Rel(local, p)
		if err != nil {
			return err
		}
		dst := path.Join(tmp, filepath.ToSlash(rel))
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return m.srv.CreateInstanceFile(m.name, dst, lxd.InstanceFileArgs{Type: "directory", Mode: int(info.Mode().Perm())})
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return m.srv.CreateInstanceFile(m.name, dst, lxd.InstanceFileArgs{Type: "symlink", Content: strings.NewReader(target), WriteMode: "overwrite"})
		case d.Type().IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return m.srv.CreateInstanceFile(m.name, dst, lxd.InstanceFileArgs{Type: "file", Content: f, Mode: int(info.Mode().Perm()), WriteMode: "overwrite"})
		}
		return nil
	})
	if err != nil {
		_ = m.RemoveAll(ctx, tmp)
		return "", fmt.Errorf("pushing the charm into %s: %w", m.name, err)
	}
	if _, err := m.exec(ctx, nil, "sh", "-c", `chmod 755 "$0" && rm -rf "$1" && mv "$0" "$1"`, tmp, dir); err != nil {
		return "", err
	}
	return dir, nil
}

// Journal returns the last lines of the container's systemd journal.
func (m *Machine) Journal(ctx context.Context, lines int) ([]byte, error) {
	return m.exec(ctx, nil, "journalctl", "--no-pager", "-n", strconv.Itoa(lines))
}

var _ machine.Machine = (*Machine)(nil)

// maxReadFile bounds what ReadFile returns.
const maxReadFile = 64 << 20

// ReadFile returns the content of a file in the container (at most 64
// MiB).
func (m *Machine) ReadFile(_ context.Context, p string) ([]byte, error) {
	content, resp, err := m.getFile("read", p)
	if err != nil {
		return nil, err
	}
	if content == nil {
		return nil, &fs.PathError{Op: "read", Path: p, Err: fmt.Errorf("a %s, not a file", resp.Type)}
	}
	defer content.Close()
	return io.ReadAll(io.LimitReader(content, maxReadFile))
}

// ReadDir returns the names in a directory of the container.
func (m *Machine) ReadDir(_ context.Context, p string) ([]string, error) {
	content, resp, err := m.getFile("readdir", p)
	if err != nil {
		return nil, err
	}
	if content != nil {
		content.Close()
	}
	if resp.Type != "directory" {
		return nil, &fs.PathError{Op: "readdir", Path: p, Err: fmt.Errorf("a %s, not a directory", resp.Type)}
	}
	return resp.Entries, nil
}
