package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/canonical/jujutest/internal/local/lxdmachine"
	"github.com/canonical/jujutest/internal/local/machine"
	"github.com/canonical/jujutest/internal/local/model"
)

// sshValueOptions are the ssh options that take a value.
var sshValueOptions = map[string]bool{"-o": true, "-i": true, "-p": true, "-F": true, "-l": true, "-J": true}

// cmdSSH is "juju ssh <unit|machine> [ssh options] <command...>": the
// command runs on the target's machine (in its container on LXD) through
// the machine seam, with its output and exit code passed through.
// Interactive sessions are not supported.
func (r *run) cmdSSH(args []string) error {
	flags := r.flags("ssh")
	modelRef := modelFlag(flags)
	var container string
	var noHostKeyChecks, pty bool
	flags.StringVar(&container, "container", "", "the container name of the target pod (k8s models only)")
	flags.BoolVar(&noHostKeyChecks, "no-host-key-checks", false, "Skip host key checking (INSECURE)")
	flags.BoolVar(&pty, "pty", false, "Enable pseudo-tty allocation")
	if err := r.parseArgs(flags, args, false); err != nil {
		return err
	}
	if container != "" {
		return errors.New(`--container flag specified but not supported on machine models`)
	}
	rest := flags.Args()
	if len(rest) == 0 {
		return usagef("no target name specified")
	}
	target := rest[0]
	if _, host, ok := strings.Cut(target, "@"); ok {
		target = host // the user: the local backend runs as root
	}
	rest = rest[1:]
	for len(rest) > 0 && strings.HasPrefix(rest[0], "-") { // ssh's own options
		if sshValueOptions[rest[0]] && len(rest) > 1 {
			rest = rest[1:]
		}
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return errors.New("juju-local ssh runs a command; an interactive session is not supported: give the command after the target")
	}
	mc, err := r.targetMachine(*modelRef, target)
	if err != nil {
		return err
	}
	code, err := mc.Run(r.ctx, machine.Process{
		Path: "/bin/sh", Args: []string{"/bin/sh", "-c", strings.Join(rest, " ")},
		Env:   []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"},
		Dir:   "/root",
		Stdin: r.stdin, Stdout: r.stdout, Stderr: r.stderr,
	})
	if err != nil {
		return err
	}
	if code != 0 {
		return &exitCodeError{Code: code}
	}
	return nil
}

// cmdSCP is "juju scp [--] [options] <src> <dst>": one file copied to or
// from a unit's or machine's filesystem ("target:path").
func (r *run) cmdSCP(args []string) error {
	flags := r.flags("scp")
	modelRef := modelFlag(flags)
	var container string
	var noHostKeyChecks bool
	flags.StringVar(&container, "container", "", "the container name of the target pod (k8s models only)")
	flags.BoolVar(&noHostKeyChecks, "no-host-key-checks", false, "Skip host key checking (INSECURE)")
	if err := r.parseArgs(flags, args, false); err != nil {
		return err
	}
	if container != "" {
		return errors.New(`--container flag specified but not supported on machine models`)
	}
	var paths []string
	for _, a := range flags.Args() {
		switch {
		case a == "-r":
			return errors.New("juju-local scp copies single files; -r is not supported")
		case strings.HasPrefix(a, "-"):
			continue // scp's own options
		}
		paths = append(paths, a)
	}
	if len(paths) != 2 {
		return usagef("at least two arguments required")
	}
	src, dst := paths[0], paths[1]
	srcTarget, srcPath, srcRemote := remotePath(src)
	dstTarget, dstPath, dstRemote := remotePath(dst)
	switch {
	case srcRemote && dstRemote:
		return errors.New("juju-local scp copies between this host and one machine, not between two machines")
	case !srcRemote && !dstRemote:
		return fmt.Errorf("neither %q nor %q is a remote path (target:path)", src, dst)
	case dstRemote:
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		mc, err := r.targetMachine(*modelRef, dstTarget)
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if fi, err := os.Stat(src); err == nil {
			mode = fi.Mode().Perm()
		}
		return mc.WriteFile(r.ctx, dstPath, data, mode)
	default:
		mc, err := r.targetMachine(*modelRef, srcTarget)
		if err != nil {
			return err
		}
		data, err := readMachineFile(r, mc, srcPath)
		if err != nil {
			return err
		}
		if fi, err := os.Stat(dst); err == nil && fi.IsDir() {
			dst = filepath.Join(dst, filepath.Base(srcPath))
		}
		return os.WriteFile(dst, data, 0o644)
	}
}

// readMachineFile reads a file on a machine through the seam (cat).
func readMachineFile(r *run, mc machine.Machine, path string) ([]byte, error) {
	var out, errOut bytes.Buffer
	code, err := mc.Run(r.ctx, machine.Process{Path: "/bin/cat", Args: []string{"/bin/cat", "--", path}, Dir: "/", Stdout: &out, Stderr: &errOut})
	if err != nil {
		return nil, err
	}
	if code != 0 {
		return nil, fmt.Errorf("reading %s: %s", path, strings.TrimSpace(errOut.String()))
	}
	return out.Bytes(), nil
}

// remotePath splits "target:path"; a path with no colon, or whose part
// before the first colon holds a slash, is local.
func remotePath(p string) (target, path string, remote bool) {
	t, rest, ok := strings.Cut(p, ":")
	if !ok || t == "" || strings.Contains(t, "/") && !validUnitOrLeader.MatchString(t) {
		return "", p, false
	}
	return t, rest, true
}

// targetMachine returns the machine of a unit ("app/0", "app/leader") or
// machine id ("0") of the model, as a machine.Machine the CLI can use.
func (r *run) targetMachine(ref, target string) (machine.Machine, error) {
	_, m, err := r.readModel(ref)
	if err != nil {
		return nil, err
	}
	id := target
	if strings.Contains(target, "/") {
		unit, err := model.ResolveUnit(m, target)
		if err != nil {
			return nil, err
		}
		_, u := m.Unit(unit)
		if u == nil {
			return nil, fmt.Errorf("unit %q not found", target)
		}
		id = u.Machine
	}
	mc := m.Machines[id]
	if mc == nil {
		return nil, fmt.Errorf("machine %s not found", id)
	}
	if !m.IsLXD() {
		if err := r.requireHost(m); err != nil {
			return nil, err
		}
		return machine.NewHost(machine.HostConfig{}), nil
	}
	if mc.Agent.Current != "started" {
		return nil, fmt.Errorf("machine %s is %s, not started", id, mc.Agent.Current)
	}
	p, err := lxdmachine.Connect(r.ctx, lxdmachine.Socket(r.env.get))
	if err != nil {
		return nil, err
	}
	return p.Machine(mc.InstanceID, lxdmachine.Config{Facts: machine.Facts{ID: id}}), nil
}
