package unit

import (
	"testing"

	"github.com/canonical/jujutest/charm/charmtest"
	"github.com/canonical/jujutest/charm/hooktools"
)

// The upstream relation: tinyproxy takes its upstream from the http
// relation's remote data when there is one, validates it as the option,
// and falls back to the option when the relation goes.

// upstreamRelation is the relation to an upstream app "backend" with one
// unit publishing the http interface's hostname and port.
func upstreamRelation() charmtest.Relation {
	return charmtest.Relation{
		Endpoint: "upstream", ID: 3, RemoteApp: "backend",
		RemoteUnitsData: map[string]map[string]string{"backend/0": {"hostname": "10.1.2.3", "port": "8080"}},
	}
}

func TestRelationEventsUseTheRemoteUpstream(t *testing.T) {
	t.Parallel()
	for _, event := range []string{"upstream-relation-created", "upstream-relation-joined", "upstream-relation-changed"} {
		t.Run(event, func(t *testing.T) {
			t.Parallel()
			w := configured()
			out := runEvent(t, w, event, charmtest.State{Relations: []charmtest.Relation{upstreamRelation()}})
			assertStatus(t, out, status(hooktools.StatusActive, "upstream from backend"))
			if want := (proxyConfig{Slug: "example", Upstream: "http://10.1.2.3:8080/"}); *w.config != want {
				t.Errorf("config = %+v, want %+v", *w.config, want)
			}
			if !w.reloaded || !w.running {
				t.Errorf("tinyproxy not reloaded with the new upstream: reloaded %v, running %v", w.reloaded, w.running)
			}
			assertPorts(t, out, "8000/tcp")
		})
	}
}

func TestRelationAppURLWins(t *testing.T) {
	t.Parallel()
	w := configured()
	rel := upstreamRelation()
	rel.RemoteAppData = map[string]string{"url": "https://backend.internal/app/"}
	out := runEvent(t, w, "upstream-relation-changed", charmtest.State{Relations: []charmtest.Relation{rel}})
	assertStatus(t, out, status(hooktools.StatusActive, "upstream from backend"))
	if w.config.Upstream != "https://backend.internal/app/" {
		t.Errorf("upstream = %q, want the application's url", w.config.Upstream)
	}
}

func TestRelationWithoutDataKeepsTheOption(t *testing.T) {
	t.Parallel()
	w := configured()
	rel := upstreamRelation()
	rel.RemoteUnitsData = map[string]map[string]string{"backend/0": {}}
	out := runEvent(t, w, "upstream-relation-joined", charmtest.State{Relations: []charmtest.Relation{rel}})
	assertStatus(t, out, active)
	if *w.config != defaultConfig || w.reloaded {
		t.Errorf("no remote data changed the workload: config %+v, reloaded %v", *w.config, w.reloaded)
	}
}

func TestInvalidRelationUpstreamBlocks(t *testing.T) {
	t.Parallel()
	w := configured()
	rel := upstreamRelation()
	rel.RemoteAppData = map[string]string{"url": `ftp://evil/"x`}
	out := runEvent(t, w, "upstream-relation-changed", charmtest.State{Relations: []charmtest.Relation{rel}})
	assertStatus(t, out, status(hooktools.StatusBlocked,
		`Invalid upstream from relation upstream:3 (backend): 'ftp://evil/"x'. Upstream must be an absolute http or https URL, without quotes or spaces`))
	if *w.config != defaultConfig || len(w.calls) != 0 {
		t.Errorf("an invalid relation upstream reached the workload: config %+v, calls %v", *w.config, w.calls)
	}
	// update-status keeps the block: the status is recomputed from the
	// relation every hook.
	out = runEvent(t, w, "update-status", charmtest.State{Relations: []charmtest.Relation{rel}})
	if out.UnitStatus.Name != hooktools.StatusBlocked {
		t.Errorf("update-status with an invalid relation upstream: %q", out.UnitStatus)
	}
}

func TestRelationDepartedAndBrokenFallBack(t *testing.T) {
	t.Parallel()
	// The last remote unit departs: relation-list no longer has it.
	w := configured()
	w.config = &proxyConfig{Slug: "example", Upstream: "http://10.1.2.3:8080/"}
	rel := upstreamRelation()
	rel.RemoteUnitsData = nil
	out := runEvent(t, w, "upstream-relation-departed", charmtest.State{Relations: []charmtest.Relation{rel}})
	assertStatus(t, out, active)
	if *w.config != defaultConfig || !w.reloaded {
		t.Errorf("departed: config %+v, reloaded %v; want the option's upstream, reloaded", *w.config, w.reloaded)
	}

	// The relation is broken: relation-ids leaves it out.
	w = configured()
	w.config = &proxyConfig{Slug: "example", Upstream: "http://10.1.2.3:8080/"}
	rel = upstreamRelation()
	rel.Broken = true
	out = runEvent(t, w, "upstream-relation-broken", charmtest.State{Relations: []charmtest.Relation{rel}})
	assertStatus(t, out, active)
	if *w.config != defaultConfig || !w.reloaded {
		t.Errorf("broken: config %+v, reloaded %v; want the option's upstream, reloaded", *w.config, w.reloaded)
	}
	for _, c := range out.Calls {
		if c[0] == "relation-get" {
			t.Errorf("relation-get on a broken relation: %q", c)
		}
	}
}
