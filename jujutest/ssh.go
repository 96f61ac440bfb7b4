package jujutest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SSHOptions are the options of SSHWith. The zero value connects as Juju's
// default user with host key checks.
type SSHOptions struct {
	// Container is the container to connect to on Kubernetes models, such
	// as "charm" or a workload container name (--container).
	Container string
	// User is the remote user; it makes the target user@target.
	User string
	// NoHostKeyChecks skips host key checks (--no-host-key-checks).
	NoHostKeyChecks bool
	// Options are ssh options, passed after the target as they are, such
	// as []string{"-o", "ConnectTimeout=5"}.
	Options []string
}

// SSH runs "juju ssh target command..." and returns the remote command's
// standard output. target is a unit ("app/0", "app/leader") or a machine
// ("0"). A remote command that exits non-zero gives a *CLIError carrying
// its exit code.
func (j *Juju) SSH(ctx context.Context, target string, command ...string) (string, error) {
	return j.SSHWith(ctx, target, SSHOptions{}, command...)
}

// SSHWith is SSH with options: container, user, host key checks and ssh
// options.
func (j *Juju) SSHWith(ctx context.Context, target string, opts SSHOptions, command ...string) (string, error) {
	if err := required("ssh", "target", target); err != nil {
		return "", err
	}
	if len(command) == 0 {
		return "", fmt.Errorf("juju ssh: no command given; an interactive session cannot run here")
	}
	a := argList{"ssh"}
	a.str("--container", opts.Container)
	a.boolean("--no-host-key-checks", opts.NoHostKeyChecks)
	if opts.User != "" {
		target = opts.User + "@" + target
	}
	a.add(target)
	a.add(opts.Options...)
	a.add(command...)
	return j.run(ctx, call{args: a})
}

// SCPOptions are the options of SCP. The zero value copies with Juju's
// default user and host key checks.
type SCPOptions struct {
	// Container is the container on Kubernetes models (--container).
	Container string
	// NoHostKeyChecks skips host key checks (--no-host-key-checks).
	NoHostKeyChecks bool
	// Options are scp options, passed after "--" as they are, such as
	// []string{"-r"}.
	Options []string
}

// SCP runs "juju scp" to copy src to dst. A remote path is target:path,
// such as "tinyproxy/0:/etc/tinyproxy/tinyproxy.conf" or "0:/tmp/x"; any
// other path is local.
//
// When juju is a snap, which cannot read or write outside the home
// directory, local files are copied through a directory under
// ~/snap/juju/common. A nil opts means the defaults.
func (j *Juju) SCP(ctx context.Context, src, dst string, opts *SCPOptions) error {
	files := j.tempFiles()
	defer files.cleanup()
	return j.scp(ctx, files, src, dst, opts)
}

// scp is SCP with the temporary files' location given, for tests.
func (j *Juju) scp(ctx context.Context, files *tempFiles, src, dst string, opts *SCPOptions) error {
	if opts == nil {
		opts = &SCPOptions{}
	}
	if src == "" || dst == "" {
		return fmt.Errorf("juju scp: want a source and a destination, got %q and %q", src, dst)
	}
	srcArg := src
	if !isRemotePath(src) {
		p, err := files.stage(src)
		if err != nil {
			return fmt.Errorf("juju scp: source: %w", err)
		}
		srcArg = p
	}
	// A local destination the snap cannot write to: copy into a fresh
	// directory it can, then out of it.
	dstArg, fetchDir, fetchTo := dst, "", ""
	if !isRemotePath(dst) && files.snap && !files.snapCanRead(dst) {
		dir, err := files.path("fetch")
		if err != nil {
			return fmt.Errorf("juju scp: %w", err)
		}
		fetchDir = filepath.Dir(dir)
		if info, err := os.Stat(dst); err == nil && info.IsDir() {
			dstArg, fetchTo = fetchDir, dst
		} else {
			dstArg, fetchTo = filepath.Join(fetchDir, filepath.Base(dst)), filepath.Dir(dst)
		}
	}

	a := argList{"scp"}
	a.str("--container", opts.Container)
	a.boolean("--no-host-key-checks", opts.NoHostKeyChecks)
	a.add("--")
	a.add(opts.Options...)
	a.add(srcArg, dstArg)
	if _, err := j.run(ctx, call{args: a}); err != nil {
		return err
	}
	if fetchDir == "" {
		return nil
	}
	entries, err := os.ReadDir(fetchDir)
	if err != nil {
		return fmt.Errorf("juju scp: collecting copied files: %w", err)
	}
	for _, e := range entries {
		from := filepath.Join(fetchDir, e.Name())
		info, err := os.Stat(from)
		if err != nil {
			return fmt.Errorf("juju scp: collecting copied files: %w", err)
		}
		if err := copyPath(filepath.Join(fetchTo, e.Name()), from, info); err != nil {
			return fmt.Errorf("juju scp: collecting copied files: %w", err)
		}
	}
	return nil
}

// isRemotePath reports whether an scp argument names a remote path,
// target:path, rather than a local one.
func isRemotePath(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, ".") {
		return false
	}
	return strings.Contains(p, ":")
}
