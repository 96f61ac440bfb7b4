//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/lxdartifacts"
)

// hostMachines reports whether the local backend runs units on this host,
// which is one machine that one model at a time may use.
func hostMachines(t testing.TB) bool {
	t.Helper()
	return isLocal() && (os.Getenv("JUJU_LOCAL_PROVIDER") == "host" || upstreamHost(t) == "127.0.0.1")
}

// oneHostMachine skips a test that needs machines of its own when the
// local backend runs units on this host, which is one machine.
func oneHostMachine(t testing.TB) {
	t.Helper()
	if hostMachines(t) {
		t.Skip("skipped: the local backend runs units on this host (no LXD bridge, or JUJU_LOCAL_PROVIDER=host), " +
			"which is one machine; `make lxd` gives it LXD machines")
	}
}

// TestScaleOut scales tinyproxy to two units, each on its own machine and
// serving on its own address, then removes one: its machine goes with it.
func TestScaleOut(t *testing.T) {
	oneHostMachine(t)
	t.Parallel()
	ctx := t.Context()
	s := newSuite(t)
	opts := &jujutest.DeployOptions{NumUnits: 2}
	if s.upstream != "" {
		opts.Config = map[string]any{"upstream": s.upstream}
	}
	require.NoError(t, s.juju.Deploy(ctx, charmPath(t), opts))
	st := s.waitFor(t, ctx, jujutest.And(jujutest.AllActive(app), jujutest.UnitsExactly(app, 2)), s.deployTimeout)

	units := st.Units(app)
	require.Len(t, units, 2)
	addrs := map[string]bool{}
	machines := map[string]string{} // unit -> machine
	for name, u := range units {
		require.NotEmpty(t, u.PublicAddress, "unit %s", name)
		addrs[u.PublicAddress] = true
		machines[name] = u.Machine
		code, body, err := fetchVia(ctx, u.PublicAddress, "/example/")
		require.NoError(t, err, "unit %s", name)
		assert.Equal(t, 200, code, "unit %s at %s", name, u.PublicAddress)
		assert.Contains(t, body, s.want, "unit %s at %s", name, u.PublicAddress)
	}
	assert.Len(t, addrs, 2, "each unit has its own address")
	require.NotEqual(t, machines[app+"/0"], machines[app+"/1"], "each unit has its own machine")

	gone := app + "/1"
	machine := machines[gone]
	instance := st.Machines[machine].InstanceID
	require.NoError(t, s.juju.RemoveUnit(ctx, []string{gone}, nil))
	st, err := s.juju.Wait(ctx, func(st *jujutest.Status) bool {
		_, unit := st.Units(app)[gone]
		_, mc := st.Machines[machine]
		return !unit && !mc
	}, jujutest.WithTimeout(2*time.Minute))
	require.NoError(t, err, "unit %s and machine %s removed", gone, machine)
	assert.True(t, jujutest.AllActive(app)(st), "the remaining unit stays active")
	if isLocal() {
		assertNoContainer(t, ctx, instance)
	}
}

// TestTwoModels runs tinyproxy in two models at once, each with its own
// slug: neither sees the other's.
func TestTwoModels(t *testing.T) {
	oneHostMachine(t)
	t.Parallel()
	for _, slug := range []string{"left", "right"} {
		t.Run(slug, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := newSuite(t)
			cfg := map[string]any{"slug": slug}
			if s.upstream != "" {
				cfg["upstream"] = s.upstream
			}
			require.NoError(t, s.juju.Deploy(ctx, charmPath(t), &jujutest.DeployOptions{Config: cfg}))
			s.waitFor(t, ctx, jujutest.AllActive(app), s.deployTimeout)
			require.NoError(t, s.expectBody(ctx, "/"+slug+"/"))
			other := map[string]string{"left": "right", "right": "left"}[slug]
			assert.Equal(t, 400, s.get(t, ctx, fmt.Sprintf("/%s/", other)), "model %s serves the other model's slug", slug)
		})
	}
}

// assertNoContainer checks, on the local backend's LXD machines, that the
// container of a removed machine no longer exists.
func assertNoContainer(t *testing.T, ctx context.Context, instance string) {
	t.Helper()
	exists, err := lxdartifacts.Exists(ctx, instance)
	require.NoError(t, err)
	assert.False(t, exists, "container %s of a removed machine still exists", instance)
}
