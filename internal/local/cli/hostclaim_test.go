package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canonical/jujutest/internal/local/state"
)

// TestHostHeldByOneModel checks that the host, one machine, is used by one
// model at a time: a second model, in the same data directory or another
// one sharing the runtime directory (as every data directory of root does,
// under /run/juju-local), is refused with an error naming the holder until
// the holder is destroyed.
func TestHostHeldByOneModel(t *testing.T) {
	t.Parallel()
	run := filepath.Join(t.TempDir(), "run")
	a := newTestEnv(t, true)
	b := newTestEnv(t, true)
	for _, e := range []*testEnv{a, b} {
		e.environ = append(e.environ, state.EnvRuntimeDir+"="+run)
	}
	charm := tinyCharm(t)
	a.must("add-model", "first")
	a.must("add-model", "second")
	b.must("add-model", "other")
	a.must("deploy", "-m", "first", charm)

	holder := `model "admin/first" (data directory ` + a.dir + `)`
	for _, c := range []struct {
		e    *testEnv
		args []string
	}{
		{a, []string{"deploy", "-m", "second", charm}},
		{b, []string{"deploy", "-m", "other", charm}},
	} {
		r := c.e.run(c.args...)
		if r.code != 1 || !strings.Contains(r.stderr, "machine 0 (this host) is already used by "+holder) {
			t.Errorf("%v: exit %d, stderr %q; want the holder named", c.args, r.code, r.stderr)
		}
		// Nothing of the refused deploy is stored.
		if apps := c.e.status(c.args[2]).Applications; len(apps) != 0 {
			t.Errorf("%v: applications %v stored", c.args, apps)
		}
	}
	// The holder itself may go on using its machine.
	a.must("deploy", "-m", "first", charm, "again")
	a.must("add-unit", "-m", "first", "again")

	a.must("destroy-model", "first", "--no-prompt", "--force", "--timeout", "30s")
	if _, err := os.Stat(filepath.Join(run, "host.claim")); !os.IsNotExist(err) {
		t.Errorf("destroy-model left the claim: %v", err)
	}
	b.must("deploy", "-m", "other", charm)
	r := a.run("deploy", "-m", "second", charm)
	if r.code != 1 || !strings.Contains(r.stderr, `model "admin/other" (data directory `+b.dir+`)`) {
		t.Errorf("deploy after the holder changed: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestHostClaimOfVanishedModel checks that a claim whose model no longer
// exists (its data directory removed without destroy-model) does not hold
// the host.
func TestHostClaimOfVanishedModel(t *testing.T) {
	t.Parallel()
	run := filepath.Join(t.TempDir(), "run")
	gone := filepath.Join(t.TempDir(), "gone")
	if err := os.MkdirAll(run, 0o700); err != nil {
		t.Fatal(err)
	}
	claim := `{"data-dir":"` + gone + `","model-uuid":"0b1c","model":"admin/gone"}`
	if err := os.WriteFile(filepath.Join(run, "host.claim"), []byte(claim), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newTestEnv(t, true)
	e.environ = append(e.environ, state.EnvRuntimeDir+"="+run)
	e.must("add-model", "m")
	e.must("deploy", tinyCharm(t))
	data, err := os.ReadFile(filepath.Join(run, "host.claim"))
	if err != nil || !strings.Contains(string(data), `"model":"admin/m"`) {
		t.Errorf("claim after taking over: %q, %v", data, err)
	}

	// A damaged claim is not silently discarded.
	if err := os.WriteFile(filepath.Join(run, "host.claim"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run("add-unit", "tiny")
	if r.code != 1 || !strings.Contains(r.stderr, "host.claim is damaged") {
		t.Errorf("add-unit with a damaged claim: exit %d, stderr %q", r.code, r.stderr)
	}
}
