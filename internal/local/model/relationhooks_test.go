package model_test

import (
	"slices"
	"testing"

	"github.com/canonical/jujutest/internal/local/model"
	"github.com/canonical/jujutest/internal/local/state"
)

// relModel is a model with proxy/0 related to web/0 and web/1 (relation
// 0), all in scope, and each unit's data written once.
func relModel() *state.Model {
	m := &state.Model{Life: state.Alive, Applications: map[string]*state.Application{}}
	for app, units := range map[string][]string{"proxy": {"proxy/0"}, "web": {"web/0", "web/1"}} {
		a := &state.Application{Name: app, Life: state.Alive, Units: map[string]*state.Unit{}}
		for _, u := range units {
			a.Units[u] = &state.Unit{Name: u, Life: state.Alive, Installed: true, Started: true}
		}
		m.Applications[app] = a
	}
	r := m.AddRelation([]state.Endpoint{
		{App: "proxy", Name: "upstream", Role: state.RoleRequirer, Interface: "http"},
		{App: "web", Name: "website", Role: state.RoleProvider, Interface: "http"},
	})
	for _, u := range []string{"proxy/0", "web/0", "web/1"} {
		ru := r.Unit(u)
		ru.Created = true
		ru.Data.Apply(map[string]string{"private-address": u})
	}
	return m
}

// drain runs proxy/0's relation hooks until none is due, committing each
// as the agent does, and returns them as "kind:remote>departing".
func drain(t *testing.T, m *state.Model) []string {
	t.Helper()
	var got []string
	for i := 0; i < 20; i++ {
		app, u := m.Unit("proxy/0")
		if u == nil {
			return got
		}
		h := model.NextRelationHook(m, app, u)
		if h == nil {
			return got
		}
		s := h.Kind + ":" + h.RemoteUnit
		if h.Departing != "" {
			s += ">" + h.Departing
		}
		got = append(got, s)
		model.CommitRelationHook(m, "proxy/0", h)
	}
	t.Fatalf("relation hooks never settled: %q", got)
	return nil
}

func TestRelationHookOrder(t *testing.T) {
	t.Parallel()
	m := relModel()
	r := m.Relation(0)
	r.AppBag("web").Apply(map[string]string{"url": "http://web/"})
	// Juju's order: new remote app data first, then each remote unit
	// joined, with its changed right after.
	want := []string{"changed:", "joined:web/0", "changed:web/0", "joined:web/1", "changed:web/1"}
	if got := drain(t, m); !slices.Equal(got, want) {
		t.Fatalf("after joining: %q, want %q", got, want)
	}
	if got := drain(t, m); got != nil {
		t.Fatalf("with nothing new: %q", got)
	}
	// A data change fires changed for that unit only.
	r.Units["web/1"].Data.Apply(map[string]string{"port": "80"})
	if got := drain(t, m); !slices.Equal(got, []string{"changed:web/1"}) {
		t.Errorf("after web/1's change: %q", got)
	}
	// A remote unit leaving the scope departs, naming itself.
	r.Leave("web/0")
	if got := drain(t, m); !slices.Equal(got, []string{"departed:web/0>web/0"}) {
		t.Errorf("after web/0 left: %q", got)
	}
	// A dying relation: departed for the rest, then broken, which takes
	// the unit out; the relation goes with its last unit.
	r.Life = state.Dying
	if got := drain(t, m); !slices.Equal(got, []string{"departed:web/1>web/1", "broken:"}) {
		t.Errorf("after remove-relation: %q", got)
	}
	if r.Units["proxy/0"].InScope() {
		t.Error("proxy/0 still in the relation after broken")
	}
	// A departed unit's data stays readable while the relation lives.
	if r.Units["web/0"].Data.Data["private-address"] != "web/0" {
		t.Error("web/0's data went with it")
	}
	r.Leave("web/1")
	m.PruneRelations()
	if m.Relation(0) != nil {
		t.Error("dying relation with no unit left is still in the model")
	}
}

func TestDyingUnitDeparts(t *testing.T) {
	t.Parallel()
	m := relModel()
	drain(t, m)
	_, u := m.Unit("proxy/0")
	u.Life = state.Dying
	// The dying unit is the departing unit of its own departed hooks.
	want := []string{"departed:web/0>proxy/0", "departed:web/1>proxy/0", "broken:"}
	if got := drain(t, m); !slices.Equal(got, want) {
		t.Errorf("dying unit ran %q, want %q", got, want)
	}
}

func TestCreatedHook(t *testing.T) {
	t.Parallel()
	m := relModel()
	app, u := m.Unit("proxy/0")
	if h := model.NextCreatedHook(m, app, u); h != nil {
		t.Fatalf("created again for a relation already created: %+v", h)
	}
	delete(m.Relation(0).Units, "proxy/0") // as if it never ran
	h := model.NextCreatedHook(m, app, u)
	if h == nil || h.Name() != "upstream-relation-created" || h.RemoteApp != "web" || h.RelationName() != "upstream:0" {
		t.Fatalf("created hook = %+v", h)
	}
	// Entering the scope publishes the addresses before the hook runs;
	// the other side sees the unit only once the hook succeeded.
	model.EnterScope(m, "proxy/0", h.ID, "10.0.0.1")
	if ru := m.Relation(0).Units["proxy/0"]; ru.Data.Data["private-address"] != "10.0.0.1" || ru.InScope() {
		t.Errorf("entering the scope: %+v", ru)
	}
	if again := model.NextCreatedHook(m, app, u); again == nil || again.ID != h.ID {
		t.Errorf("relation-created no longer due after entering the scope: %+v", again)
	}
	model.CommitRelationHook(m, "proxy/0", h)
	ru := m.Relation(0).Units["proxy/0"]
	if !ru.Created || ru.Data.Data["ingress-address"] != "10.0.0.1" || ru.Data.Data["egress-subnets"] != "10.0.0.1/32" {
		t.Errorf("after created: %+v", ru)
	}
	if env := h.Vars(); !slices.Contains(env, "JUJU_RELATION_ID=upstream:0") || !slices.Contains(env, "JUJU_REMOTE_APP=web") {
		t.Errorf("created hook environment %q", env)
	}
}

func TestIsBroken(t *testing.T) {
	t.Parallel()
	m := relModel()
	drain(t, m) // proxy/0 has joined web/0 and web/1
	r := m.Relation(0)
	if model.IsBroken(r, "proxy/0") {
		t.Error("a live relation is broken")
	}
	r.Life = state.Dying
	if model.IsBroken(r, "proxy/0") {
		t.Error("a dying relation with members left is broken")
	}
	drain(t, m) // departed for both, then broken
	if !model.IsBroken(r, "proxy/0") {
		t.Error("a dying relation with no member left is not broken")
	}
	peer := m.AddRelation([]state.Endpoint{{App: "web", Name: "ring", Role: state.RolePeer}})
	peer.Life = state.Dying
	if model.IsBroken(peer, "web/0") {
		t.Error("a peer relation is broken")
	}
}
