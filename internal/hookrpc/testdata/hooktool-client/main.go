// Command hooktool-client is a minimal hook-tool binary for tests: symlinked
// under a tool's name, it forwards the invocation to the unit agent.
package main

import (
	"os"

	"github.com/canonical/jujutest/internal/hookrpc"
)

func main() {
	os.Exit(hookrpc.ClientMain(os.Args))
}
