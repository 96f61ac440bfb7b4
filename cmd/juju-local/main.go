// Command juju-local is the local backend: a juju-compatible CLI for a
// subset of Juju 3.6's commands that runs charms on this host, without a
// controller. It is also the model agent ("juju-local agent <uuid>", started
// by the CLI) and, invoked under a hook tool's name (config-get, status-set,
// ...), the hook-tool client.
//
// Hooks change this host; they run only when the user opts in with
// JUJU_LOCAL_ALLOW_HOST=1 (or deploy --allow-host). The state lives under
// $JUJU_LOCAL_DATA (default $XDG_DATA_HOME/juju-local or
// ~/.local/share/juju-local).
package main

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/canonical/jujutest/internal/hooktool"
	"github.com/canonical/jujutest/internal/local/cli"
)

func main() {
	if hooktool.IsTool(filepath.Base(os.Args[0])) {
		os.Exit(hooktool.ClientMain(os.Args))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}
