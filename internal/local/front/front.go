// Package front is the juju-local front binary's logic. jujutest polls
// "juju status --format json" every second, and a Go binary that links
// Juju's charm, names and RPC packages spends 15 ms or more starting up
// (package initialisation) before main runs. So juju-local is split in two
// binaries:
//
//   - juju-local (cmd/juju-local, this package): links only light packages
//     (not even net/rpc). It runs "status" itself
//     (internal/local/statusview). Every other command, and a hook tool
//     invoked through a link to this binary, replaces the process with
//     juju-local-core (execve), so arguments, standard streams, signals and
//     the exit code are the core's.
//   - juju-local-core (cmd/juju-local-core): the whole CLI
//     (internal/local/cli), the model agent and the hook-tool client; the
//     agent links the hook tools to it.
//
// The core is found next to the front binary, or through $JUJU_LOCAL_CORE,
// or on PATH.
package front

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/canonical/jujutest/internal/hooktool/toolname"
	"github.com/canonical/jujutest/internal/local/statusview"
)

// CoreName is the file name of the core binary.
const CoreName = "juju-local-core"

// EnvCore overrides where the front finds the core binary.
const EnvCore = "JUJU_LOCAL_CORE"

// IsTool reports whether name is a hook tool's name.
func IsTool(name string) bool { return toolname.Is(name) }

// Main runs the front: args is os.Args. It returns an exit code, or does not
// return when it hands the command to the core.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	tool := len(args) > 0 && IsTool(filepath.Base(args[0]))
	if !tool && len(args) > 1 && args[1] == "status" {
		return statusview.Main(ctx, args[2:], stdout, stderr, environ)
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "ERROR finding the juju-local binary: %v\n", err)
		return 1
	}
	core, err := CorePath(self, func(k string) string { return lookupEnv(environ, k) })
	if err != nil {
		fmt.Fprintf(stderr, "ERROR %v\n", err)
		return 1
	}
	argv := append([]string{core}, args[1:]...)
	if tool {
		argv = slices.Clone(args) // the core tells the tool by argv[0]
	}
	err = syscall.Exec(core, argv, environ)
	fmt.Fprintf(stderr, "ERROR running %s: %v\n", core, err)
	return 1
}

// lookupEnv returns the value of k in environ ("K=V" entries, the last
// one winning, as os/exec resolves duplicates), or "".
func lookupEnv(environ []string, k string) string {
	for i := len(environ) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(environ[i], k+"="); ok {
			return v
		}
	}
	return ""
}

// CorePath finds the core binary: $JUJU_LOCAL_CORE, else juju-local-core
// next to self, else on PATH.
func CorePath(self string, getenv func(string) string) (string, error) {
	if p := getenv(EnvCore); p != "" {
		return p, nil
	}
	next := filepath.Join(filepath.Dir(self), CoreName)
	if _, err := os.Stat(next); err == nil {
		return next, nil
	}
	if p, err := exec.LookPath(CoreName); err == nil {
		return p, nil
	}
	return "", errors.New(CoreName + " not found next to " + self + " nor on PATH: build both binaries, " +
		"e.g. go build -o bin/ ./cmd/juju-local ./cmd/juju-local-core")
}
