//go:build integration

package integration

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canonical/jujutest/jujutest"
)

// TestRelation is issue 11's scenario: tinyproxy takes its upstream from
// the upstream charm over the http relation, falls back to its config
// when the relation goes, and blocks on a bad URL from the relation.
func TestRelation(t *testing.T) {
	if !hostMachines(t) {
		// Its own machines (or a controller's): it can run beside the
		// other scenarios. Host machines take one model at a time.
		t.Parallel()
	}
	ctx := t.Context()
	s := newSuite(t)
	failed := ""
	step := func(name string, f func(t *testing.T)) {
		ok := t.Run(name, func(t *testing.T) {
			if failed != "" {
				t.Skipf("skipped: step %q failed and this step builds on it", failed)
			}
			f(t)
		})
		if !ok && failed == "" {
			failed = name
		}
	}
	both := func(st *jujutest.Status) bool {
		return jujutest.AllActive(app)(st) && jujutest.AllActive(upstreamApp)(st)
	}

	step("deploy both", func(t *testing.T) {
		opts := &jujutest.DeployOptions{}
		if s.upstream != "" {
			opts.Config = map[string]any{"upstream": s.upstream}
		}
		require.NoError(t, s.juju.Deploy(ctx, charmPath(t), opts))
		require.NoError(t, s.juju.Deploy(ctx, jujutest.PackCharm(t, filepath.Join("charms", "upstream")), nil))
		s.waitFor(t, ctx, both, s.deployTimeout)
		require.NoError(t, s.expectBody(ctx, "/example/"), "the config upstream serves before the relation")
	})

	step("integrate", func(t *testing.T) {
		require.NoError(t, s.juju.Integrate(ctx, app+":upstream", upstreamApp+":website", nil))
		st := s.waitFor(t, ctx, jujutest.And(both, jujutest.Related(app, "upstream", upstreamApp)), 0)
		for name, u := range st.Units(app) {
			assert.Equal(t, "upstream from "+upstreamApp, u.WorkloadStatus.Message, "unit %s", name)
		}
		rels := st.Apps[app].Relations["upstream"]
		require.Len(t, rels, 1, "tinyproxy's relations in status")
		assert.Equal(t, jujutest.AppRelation{RelatedApp: upstreamApp, Interface: "http", Scope: "global"}, rels[0])
		s.expectPage(t, ctx, "/example/", upstreamPage+": /")

		info, err := s.juju.ShowUnit(ctx, app+"/0")
		require.NoError(t, err)
		require.Len(t, info.Relations, 1, "tinyproxy/0's relation-info")
		ri := info.Relations[0]
		assert.Equal(t, "upstream", ri.Endpoint)
		assert.Equal(t, "website", ri.RelatedEndpoint)
		if ri.RelatedUnits != nil { // Juju 4.0 leaves them out (juju#22539)
			up := ri.RelatedUnits[upstreamApp+"/0"]
			assert.True(t, up.InScope, "upstream/0 in scope")
			assert.Equal(t, strconv.Itoa(upstreamPort), up.Data["port"], "upstream/0's published port")
			assert.NotEmpty(t, up.Data["hostname"], "upstream/0's published hostname")
		}
	})

	step("config change keeps the relation's upstream", func(t *testing.T) {
		// config-changed is not a relation hook: the charm reads the
		// relation by id and names the remote side itself.
		require.NoError(t, s.juju.SetConfig(ctx, app, map[string]any{"slug": "via-rel"}))
		s.waitFor(t, ctx, both, 0)
		s.expectPage(t, ctx, "/via-rel/", upstreamPage+": /")
		require.NoError(t, s.juju.ResetConfig(ctx, app, "slug"))
		s.waitFor(t, ctx, both, 0)
		s.expectPage(t, ctx, "/example/", upstreamPage+": /")
	})

	step("bad url from the relation blocks", func(t *testing.T) {
		require.NoError(t, s.juju.SetConfig(ctx, upstreamApp, map[string]any{"url": "ftp://bad"}))
		st := s.waitFor(t, ctx, jujutest.AllBlocked(app), 0)
		for name, u := range st.Units(app) {
			assert.True(t, strings.HasPrefix(u.WorkloadStatus.Message, "Invalid upstream from relation upstream:"),
				"unit %s: %q", name, u.WorkloadStatus.Message)
			assert.Contains(t, u.WorkloadStatus.Message, "("+upstreamApp+"): 'ftp://bad'", "unit %s", name)
		}
		// Nothing reached the config file: the proxy still serves the
		// relation's last good upstream.
		s.expectPage(t, ctx, "/example/", upstreamPage+": /")
		require.NoError(t, s.juju.ResetConfig(ctx, upstreamApp, "url"))
		s.waitFor(t, ctx, both, 0)
		s.expectPage(t, ctx, "/example/", upstreamPage+": /")
	})

	step("remove relation falls back", func(t *testing.T) {
		require.NoError(t, s.juju.RemoveRelation(ctx, app, upstreamApp, nil))
		st := s.waitFor(t, ctx, jujutest.And(both, jujutest.Not(jujutest.Related(app, "", upstreamApp))), 0)
		for name, u := range st.Units(app) {
			assert.NotContains(t, u.WorkloadStatus.Message, "upstream from", "unit %s", name)
		}
		require.NoError(t, s.expectBody(ctx, "/example/"), "the config upstream serves again")
	})
}

// expectPage fetches path through the proxy and checks that the body is
// want.
func (s *suite) expectPage(t *testing.T, ctx context.Context, path, want string) {
	t.Helper()
	code, body, err := s.fetch(ctx, path)
	require.NoError(t, err)
	assert.Equal(t, 200, code, "GET %s", path)
	assert.Equal(t, want+"\n", body, "GET %s", path)
}
