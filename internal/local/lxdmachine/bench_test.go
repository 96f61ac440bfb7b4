package lxdmachine_test

import (
	"errors"
	"io/fs"
	"net"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/canonical/jujutest/internal/local/lxdmachine"
	"github.com/canonical/jujutest/internal/local/machine"
)

// BenchmarkHookOverhead measures what the machine seam costs each hook in
// a container besides the hook's own work: a file-API stat (hookrun makes
// two to find the handler: metadata.yaml, dispatch) and the exec of a
// no-op process.
func BenchmarkHookOverhead(b *testing.B) {
	p, alias := connect(b)
	name, addr := launch(b, p, alias, "7")
	sock := filepath.Join(b.TempDir(), "agent.socket")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	tool, err := exec.LookPath("true")
	if err != nil {
		b.Fatal(err)
	}
	m := p.Machine(name, lxdmachine.Config{Facts: machine.Facts{ID: "7", Addresses: []string{addr}},
		ToolBinary: tool, ToolNames: []string{"status-set"}, AgentSocket: sock})
	ctx := b.Context()
	if err := m.Prepare(ctx); err != nil {
		b.Fatal(err)
	}
	b.Run("stat", func(b *testing.B) {
		for b.Loop() {
			if _, err := m.Stat(ctx, "/var/lib/juju/nothing-here"); !errors.Is(err, fs.ErrNotExist) {
				b.Fatalf("stat: %v", err)
			}
		}
	})
	b.Run("exec-true", func(b *testing.B) {
		for b.Loop() {
			if code, err := m.Run(ctx, machine.Process{Path: "/bin/true", Args: []string{"/bin/true"}}); code != 0 || err != nil {
				b.Fatalf("run: %d, %v", code, err)
			}
		}
	})
}
