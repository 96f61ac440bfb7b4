//go:build !unix

package charmpack

import "os/exec"

// setProcessGroup leaves cmd as it is: process groups are a Unix feature, and on
// cancellation exec.CommandContext kills the go command itself.
func setProcessGroup(cmd *exec.Cmd) {}
