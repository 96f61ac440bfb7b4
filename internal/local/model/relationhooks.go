package model

import (
	"fmt"
	"sort"

	"github.com/canonical/jujutest/internal/local/state"
)

// Relation hook kinds: the hook is "<endpoint>-relation-<kind>".
const (
	RelationCreated  = "created"
	RelationJoined   = "joined"
	RelationChanged  = "changed"
	RelationDeparted = "departed"
	RelationBroken   = "broken"
)

// RelationHook is one relation hook due on a unit, as Juju's relation
// resolver (internal/worker/uniter/relation/resolver.go) picks it.
type RelationHook struct {
	// Kind is one of the Relation* kinds.
	Kind string
	// ID is the relation's id; Endpoint the unit's endpoint in it.
	ID       int
	Endpoint string
	// RemoteUnit is "" for created, broken, and a change of the remote
	// application's data.
	RemoteUnit string
	RemoteApp  string
	// Version is the remote data version the hook sees.
	Version int64
	// Departing is JUJU_DEPARTING_UNIT of a departed hook.
	Departing string
}

// Name is the hook's name, e.g. "upstream-relation-joined".
func (h *RelationHook) Name() string { return h.Endpoint + "-relation-" + h.Kind }

// RelationName is "<endpoint>:<id>".
func (h *RelationHook) RelationName() string { return fmt.Sprintf("%s:%d", h.Endpoint, h.ID) }

// Vars are the hook's relation environment variables.
func (h *RelationHook) Vars() []string {
	v := []string{
		"JUJU_RELATION=" + h.Endpoint,
		"JUJU_RELATION_ID=" + h.RelationName(),
		"JUJU_REMOTE_UNIT=" + h.RemoteUnit,
		"JUJU_REMOTE_APP=" + h.RemoteApp,
	}
	if h.Kind == RelationDeparted {
		v = append(v, "JUJU_DEPARTING_UNIT="+h.Departing)
	}
	return v
}

// AgentMessage is the agent status message while the hook runs.
func (h *RelationHook) AgentMessage() string {
	if h.RemoteUnit != "" {
		return fmt.Sprintf("running %s hook for %s", h.Name(), h.RemoteUnit)
	}
	return fmt.Sprintf("running %s hook", h.Name())
}

// NextCreatedHook returns the relation-created hook due on an installed,
// alive unit: one for each alive relation of its application it has not
// run it for, by relation id.
func NextCreatedHook(m *state.Model, app *state.Application, u *state.Unit) *RelationHook {
	if u.Life != state.Alive || m.Life != state.Alive {
		return nil
	}
	for _, r := range m.RelationsOf(app.Name) {
		if r.Life != state.Alive {
			continue
		}
		if ru := r.Units[u.Name]; ru != nil && (ru.Created || ru.Left) {
			continue
		}
		ep, _ := r.Endpoint(app.Name)
		return &RelationHook{Kind: RelationCreated, ID: r.ID, Endpoint: ep.Name, RemoteApp: r.Other(app.Name).App}
	}
	return nil
}

// NextRelationHook returns the next hook of the relations the unit is in:
// non-peer relations first, then peer relations, each by id.
func NextRelationHook(m *state.Model, app *state.Application, u *state.Unit) *RelationHook {
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
func nextHookForRelation(r *state.Relation, ru *state.RelationUnit, app, unit string, broken, unitDying bool) *RelationHook {
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
	hook := func(kind, remoteUnit string, version int64) *RelationHook {
		h := &RelationHook{Kind: kind, ID: r.ID, Endpoint: ep.Name, RemoteUnit: remoteUnit, RemoteApp: remoteApp, Version: version}
		if remoteUnit != "" {
			h.RemoteApp = state.AppOfUnit(remoteUnit)
		}
		return h
	}
	if ru.ChangedPending != "" {
		return hook(RelationChanged, ru.ChangedPending, members[ru.ChangedPending])
	}
	seen := make([]string, 0, len(ru.Members))
	for name := range ru.Members {
		seen = append(seen, name)
	}
	state.SortUnitNames(seen)
	for _, name := range seen {
		if _, ok := members[name]; !ok {
			h := hook(RelationDeparted, name, ru.Members[name])
			h.Departing = name
			if unitDying {
				h.Departing = unit
			}
			return h
		}
	}
	if broken {
		if r.IsPeer() {
			return nil
		}
		return hook(RelationBroken, "", 0)
	}
	if remoteAppVersion != ru.Apps[remoteApp] {
		return hook(RelationChanged, "", remoteAppVersion)
	}
	names := make([]string, 0, len(members))
	for name := range members {
		names = append(names, name)
	}
	state.SortUnitNames(names)
	for _, name := range names {
		if _, ok := ru.Members[name]; !ok {
			return hook(RelationJoined, name, members[name])
		}
	}
	for _, name := range names {
		if members[name] != ru.Members[name] {
			return hook(RelationChanged, name, members[name])
		}
	}
	return nil
}

// IsBroken reports whether relation r is broken for unit, as Juju's hook
// context decides it (relation-ids then leaves it out): it is not a peer
// relation, it is dying, and no remote unit the unit has joined is left.
// A unit that leaves a live relation on its own does not see it broken.
func IsBroken(r *state.Relation, unit string) bool {
	ru := r.Units[unit]
	return !r.IsPeer() && r.Life != state.Alive && (ru == nil || len(ru.Members) == 0)
}

// EnterScope prepares unit's part in relation id before its
// relation-created runs, as Juju's uniter does when it enters the scope:
// the unit's bag gets its addresses (private-address, ingress-address,
// egress-subnets), keeping any the charm set. The other side sees the unit
// once relation-created has succeeded.
func EnterScope(m *state.Model, unit string, id int, address string) {
	r := m.Relation(id)
	if r == nil || address == "" {
		return
	}
	ru := r.Unit(unit)
	addrs := map[string]string{}
	for k, v := range map[string]string{"private-address": address, "ingress-address": address, "egress-subnets": address + "/32"} {
		if _, set := ru.Data.Data[k]; !set {
			addrs[k] = v
		}
	}
	ru.Data.Apply(addrs)
}

// CommitRelationHook records in the state that the unit ran h, as Juju's
// relation state does (UpdateStateForHook); a broken hook takes the unit
// out of the relation, and a dying relation with no unit left goes.
func CommitRelationHook(m *state.Model, unit string, h *RelationHook) {
	r := m.Relation(h.ID)
	if r == nil {
		return
	}
	switch h.Kind {
	case RelationCreated:
		// EnterScope ran before the hook; the other side sees the unit
		// from now on.
		r.Unit(unit).Created = true
		return
	case RelationBroken:
		r.Leave(unit)
		m.PruneRelations()
		return
	}
	ru := r.Units[unit]
	if ru == nil {
		return
	}
	switch {
	case h.Kind == RelationDeparted:
		delete(ru.Members, h.RemoteUnit)
	case h.RemoteUnit == "":
		if ru.Apps == nil {
			ru.Apps = map[string]int64{}
		}
		ru.Apps[h.RemoteApp] = h.Version
	default:
		if ru.Members == nil {
			ru.Members = map[string]int64{}
		}
		ru.Members[h.RemoteUnit] = h.Version
	}
	ru.ChangedPending = ""
	if h.Kind == RelationJoined {
		ru.ChangedPending = h.RemoteUnit
	}
}
