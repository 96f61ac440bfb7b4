// Command juju-local-core is the local backend's full command line and its
// model agent ("juju-local-core agent <model-uuid>"). Users run juju-local,
// the fast front (cmd/juju-local), which hands every command but "status"
// to this binary; it can also be run directly. Invoked under a hook tool's
// name it is the hook-tool client.
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
