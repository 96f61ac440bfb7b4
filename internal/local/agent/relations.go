package agent

import (
	"fmt"
	"sort"

	"github.com/canonical/jujutest/internal/local/state"
)

// Relation hook kinds.
const (
	relCreated  = "created"
	relJoined   = "joined"
	relChanged  = "changed"
	relDeparted = "departed"
	relBroken   = "broken"
)

// relationHook is one relation hook due on a unit, as Juju's relation
// resolver (internal/worker/uniter/relation/resolver.go) picks it.
type relationHook struct {
	kind     string
	id       int
	endpoint string
	// remoteUnit is "" for created, broken, and a change of the remote
	// application's data.
	remoteUnit string
	remoteApp  string
	// version is the remote data version the hook sees.
	version int64
	// departing is JUJU_DEPARTING_UNIT of a departed hook.
	departing string
}

// name is the hook's name, e.g. "upstream-relation-joined".
func (h *relationHook) name() string { return h.endpoint + "-relation-" + h.kind }

// relationName is "<endpoint>:<id>".
func (h *relationHook) relationName() string { return fmt.Sprintf("%s:%d", h.endpoint, h.id) }

// vars are the hook's relation environment variables.
func (h *relationHook) vars() []string {
	v := []string{
		"JUJU_RELATION=" + h.endpoint,
		"JUJU_RELATION_ID=" + h.relationName(),
		"JUJU_REMOTE_UNIT=" + h.remoteUnit,
		"JUJU_REMOTE_APP=" + h.remoteApp,
	}
	if h.kind == relDeparted {
		v = append(v, "JUJU_DEPARTING_UNIT="+h.departing)
	}
	return v
}

// agentMessage is the agent status message while the hook runs.
func (h *relationHook) agentMessage() string {
	if h.remoteUnit != "" {
		return fmt.Sprintf("running %s hook for %s", h.name(), h.remoteUnit)
	}
	return fmt.Sprintf("running %s hook", h.name())
}

// nextCreatedHook returns the relation-created hook due on an installed,
// alive unit: one for each alive relation of its application it has not
// run it for, by relation id.
func nextCreatedHook(m *state.Model, app *state.Application, u *state.Unit) *relationHook {
	if u.Life != state.Alive || m.Life != state.Alive {
		return nil
	}
	for _, r := range m.RelationsOf(app.Name) {
		if r.Life != state.Alive {
			continue
		}
		if r.Units[u.Name] != nil { // created, or left
			continue
		}
		ep, _ := r.Endpoint(app.Name)
		return &relationHook{kind: relCreated, id: r.ID, endpoint: ep.Name, remoteApp: r.Other(app.Name).App}
	}
	return nil
}

// nextRelationHook returns the next hook of the relations the unit is in:
// non-peer relations first, then peer relations, each by id.
func nextRelationHook(m *state.Model, app *state.Application, u *state.Unit) *relationHook {
	rels := m.RelationsOf(app.Name)
	sort.SliceStable(rels, func(i, j int) bool { return !rels[i].IsPeer() && rels[j].IsPeer() })
	unitDying := u.Life != state.Alive || app.Life != state.Alive || m.Life != state.Alive
	for _, r := range rels {
		ru := r.Units[u.Name]
		if !ru.InScope() {
			continue
		}
		if h := nextHookForRelation(r, ru, app.Name, u.Name, unitDying || r.Life != state.Alive, unitDying); h != nil {
			return h
		}
	}
	return nil
}

// nextHookForRelation follows Juju's nextHookForRelation: a pending
// changed after joined; departed for units gone; broken when the relation
// (or the unit) is going; changed for new remote application data; joined
// for new remote units; changed for new remote unit data.
//
// broken is set when the relation or the unit is going; unitDying when
// the unit is, which makes it the departing unit of its departed hooks.
func nextHookForRelation(r *state.Relation, ru *state.RelationUnit, app, unit string, broken, unitDying bool) *relationHook {
	ep, _ := r.Endpoint(app)
	remoteApp := r.Other(app).App
	members := map[string]int64{}
	var remoteAppVersion int64
	if !broken {
		for _, name := range r.RemoteUnits(unit) {
			members[name] = r.Units[name].Data.Version
		}
		if d := r.AppData[remoteApp]; d != nil {
			remoteAppVersion = d.Version
		}
	}
	hook := func(kind, remoteUnit string, version int64) *relationHook {
		h := &relationHook{kind: kind, id: r.ID, endpoint: ep.Name, remoteUnit: remoteUnit, remoteApp: remoteApp, version: version}
		if remoteUnit != "" {
			h.remoteApp = state.AppOfUnit(remoteUnit)
		}
		return h
	}
	if ru.ChangedPending != "" {
		return hook(relChanged, ru.ChangedPending, members[ru.ChangedPending])
	}
	seen := make([]string, 0, len(ru.Members))
	for name := range ru.Members {
		seen = append(seen, name)
	}
	state.SortUnitNames(seen)
	for _, name := range seen {
		if _, ok := members[name]; !ok {
			h := hook(relDeparted, name, ru.Members[name])
			h.departing = name
			if unitDying {
				h.departing = unit
			}
			return h
		}
	}
	if broken {
		if r.IsPeer() {
			return nil
		}
		return hook(relBroken, "", 0)
	}
	if remoteAppVersion != ru.Apps[remoteApp] {
		return hook(relChanged, "", remoteAppVersion)
	}
	names := make([]string, 0, len(members))
	for name := range members {
		names = append(names, name)
	}
	state.SortUnitNames(names)
	for _, name := range names {
		if _, ok := ru.Members[name]; !ok {
			return hook(relJoined, name, members[name])
		}
	}
	for _, name := range names {
		if members[name] != ru.Members[name] {
			return hook(relChanged, name, members[name])
		}
	}
	return nil
}

// commitRelationHook records in the state that the unit ran h, as Juju's
// relation state does (UpdateStateForHook); a broken hook takes the unit
// out of the relation, and a dying relation with no unit left goes.
func commitRelationHook(m *state.Model, unit, address string, h *relationHook) {
	r := m.Relation(h.id)
	if r == nil {
		return
	}
	switch h.kind {
	case relCreated:
		ru := r.Unit(unit)
		ru.Created = true
		// Juju publishes the unit's addresses when it enters the scope.
		if address != "" {
			addrs := map[string]string{}
			for k, v := range map[string]string{"private-address": address, "ingress-address": address, "egress-subnets": address + "/32"} {
				if _, set := ru.Data.Data[k]; !set {
					addrs[k] = v
				}
			}
			ru.Data.Apply(addrs)
		}
		return
	case relBroken:
		r.Leave(unit)
		m.PruneRelations()
		return
	}
	ru := r.Units[unit]
	if ru == nil {
		return
	}
	switch {
	case h.kind == relDeparted:
		delete(ru.Members, h.remoteUnit)
	case h.remoteUnit == "":
		if ru.Apps == nil {
			ru.Apps = map[string]int64{}
		}
		ru.Apps[h.remoteApp] = h.version
	default:
		if ru.Members == nil {
			ru.Members = map[string]int64{}
		}
		ru.Members[h.remoteUnit] = h.version
	}
	ru.ChangedPending = ""
	if h.kind == relJoined {
		ru.ChangedPending = h.remoteUnit
	}
}
