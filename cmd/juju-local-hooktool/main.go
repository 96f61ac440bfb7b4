// Command juju-local-hooktool is the local backend's hook-tool client:
// invoked under a hook tool's name (config-get, status-set, ...), it sends
// the invocation to the unit's agent over Juju's hook-tool protocol and
// relays the tool's output and exit code. It links only the standard
// library and internal/hookrpc, so it starts fast and is small to push
// into each LXD machine; juju-local-core serves as the client too when
// this binary is not beside it.
package main

import (
	"os"

	"github.com/canonical/jujutest/internal/hookrpc"
)

func main() { os.Exit(hookrpc.ClientMain(os.Args)) }
