// Command charm is the tinyproxy machine charm. charmcraft (or
// jujutest/charmpack) installs it as the charm's dispatch file: Juju runs it
// for every event, with JUJU_DISPATCH_PATH=hooks/<event> and the hook tools
// on PATH. It exits 0 when the event was handled, or 1 after printing
// "ERROR <what failed>" to stderr (and to the unit's log), which Juju shows
// as a failed hook.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/canonical/jujutest/charm/hooks"
	"github.com/canonical/jujutest/charm/hooktools"
	"github.com/canonical/jujutest/charm/tinyproxy"
)

// hookTimeout bounds one hook; installing with apt is the slowest part.
const hookTimeout = 10 * time.Minute

func main() {
	os.Exit(run(os.Args, os.Getenv, os.Stderr))
}

func run(args []string, getenv func(string) string, stderr io.Writer) int {
	event, err := eventName(args, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), hookTimeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()

	charm := &hooks.Charm{
		Tools:    &hooktools.Tools{Runner: hooktools.ExecRunner{}},
		Workload: &tinyproxy.Tinyproxy{Port: hooks.Port},
	}
	if err := charm.Run(ctx, event); err != nil {
		fmt.Fprintf(stderr, "ERROR %v\n", err)
		return 1
	}
	return 0
}

// eventName returns the event Juju is running: from JUJU_DISPATCH_PATH
// ("hooks/<event>"), else JUJU_HOOK_NAME, else the program's base name
// (as when it is run as hooks/<event>).
func eventName(args []string, getenv func(string) string) (string, error) {
	if p := getenv("JUJU_DISPATCH_PATH"); p != "" {
		event, ok := strings.CutPrefix(p, "hooks/")
		if !ok || event == "" || strings.Contains(event, "/") {
			return "", fmt.Errorf("cannot dispatch %q: this charm handles only hooks/<event> (it has no actions)", p)
		}
		return event, nil
	}
	if event := getenv("JUJU_HOOK_NAME"); event != "" {
		return event, nil
	}
	if len(args) > 0 && args[0] != "" {
		return filepath.Base(args[0]), nil
	}
	return "", fmt.Errorf("cannot tell which event to handle: JUJU_DISPATCH_PATH and JUJU_HOOK_NAME are not set")
}
