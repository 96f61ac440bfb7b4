//go:build unix

package charmpack

import (
	"os/exec"
	"syscall"
)

// setProcessGroup runs cmd in its own process group and, when its context is
// cancelled, kills the whole group (the go command and the compilers and
// linker it started), not just the go command.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
