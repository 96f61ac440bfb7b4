// Command juju-local is the local backend: a juju-compatible CLI for a
// subset of Juju 3.6's commands that runs charms on this host, without a
// controller.
//
// This binary is the fast front: it runs "status" itself and hands every
// other command to juju-local-core (built from cmd/juju-local-core, found
// next to this binary), which links Juju's heavier packages. See
// internal/local/front.
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
	"syscall"

	"github.com/canonical/jujutest/internal/local/front"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := front.Main(ctx, os.Args, os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}
