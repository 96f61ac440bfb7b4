package state

import (
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Relation roles and scopes, as charm metadata names them.
const (
	RoleProvider = "provider"
	RoleRequirer = "requirer"
	RolePeer     = "peer"

	ScopeGlobal    = "global"
	ScopeContainer = "container"
)

// Endpoint is one relation endpoint of an application: a relation the
// application's charm declares (or the implicit juju-info).
type Endpoint struct {
	// App is the application's name.
	App string `json:"app"`
	// Name is the endpoint's name, e.g. "upstream".
	Name string `json:"name"`
	// Role is RoleProvider, RoleRequirer or RolePeer.
	Role string `json:"role"`
	// Interface is the endpoint's interface, e.g. "http".
	Interface string `json:"interface"`
	// Scope is ScopeGlobal or ScopeContainer.
	Scope string `json:"scope"`
	// Limit is the most relations the endpoint may have (0 = no limit).
	Limit int `json:"limit,omitempty"`
}

// String renders the endpoint as Juju does: "app:name".
func (e Endpoint) String() string { return e.App + ":" + e.Name }

// Databag is one relation data bag: an application's or a unit's settings
// in one relation, with the version that tells the other side a change.
type Databag struct {
	// Version counts the changes (0 = never written).
	Version int64 `json:"version,omitempty"`
	// Data are the settings.
	Data map[string]string `json:"data,omitempty"`
}

// Apply sets the given settings ("" deletes a key) and bumps the version
// when anything changed. It reports whether something changed.
func (d *Databag) Apply(settings map[string]string) bool {
	changed := false
	for k, v := range settings {
		old, had := d.Data[k]
		switch {
		case v == "" && had:
			delete(d.Data, k)
			changed = true
		case v != "" && (!had || old != v):
			if d.Data == nil {
				d.Data = map[string]string{}
			}
			d.Data[k] = v
			changed = true
		}
	}
	if changed {
		d.Version++
	}
	if len(d.Data) == 0 {
		d.Data = nil
	}
	return changed
}

// RelationUnit is one unit's part in a relation: its scope, its data, and
// what its uniter has seen of the other side (as Juju's uniter keeps it).
type RelationUnit struct {
	// Data is the unit's own data bag.
	Data Databag `json:"data"`
	// Created is set once relation-created ran; the unit is then in the
	// relation's scope, and the units on the other side see it.
	Created bool `json:"created,omitempty"`
	// Members maps the remote units this unit has joined to the data
	// version its last hook about them saw.
	Members map[string]int64 `json:"members,omitempty"`
	// Apps maps a remote application to the version of its data bag this
	// unit's last hook about it saw.
	Apps map[string]int64 `json:"apps,omitempty"`
	// ChangedPending is the remote unit whose relation-changed follows
	// its relation-joined.
	ChangedPending string `json:"changed-pending,omitempty"`
	// Left is set once the unit left the relation (its relation-broken
	// ran, or it was removed). Its data stays readable for the
	// relation's lifetime, as Juju keeps a departed unit's settings.
	Left bool `json:"left,omitempty"`
}

// InScope reports whether the unit is in the relation's scope: its
// relation-created ran and it has not left.
func (ru *RelationUnit) InScope() bool { return ru != nil && ru.Created && !ru.Left }

// Leave takes unit out of the relation's scope, keeping its data.
func (r *Relation) Leave(unit string) {
	if ru := r.Units[unit]; ru != nil {
		ru.Left, ru.Members, ru.Apps, ru.ChangedPending = true, nil, nil, ""
	}
}

// Relation is one relation of a model.
type Relation struct {
	// ID is the relation's id, unique in the model.
	ID int `json:"id"`
	// Endpoints are the relation's endpoints: two, requirer first, or one
	// for a peer relation.
	Endpoints []Endpoint `json:"endpoints"`
	// Life is Alive, or Dying once remove-relation (or the removal of an
	// application) started; the relation goes when no unit is left in
	// its scope.
	Life string `json:"life"`
	// AppData maps an application to its data bag in the relation.
	AppData map[string]*Databag `json:"app-data,omitempty"`
	// Units maps a unit name to its part in the relation, from its
	// relation-created on (a unit that left stays, for its data).
	Units map[string]*RelationUnit `json:"units,omitempty"`
}

// Key is Juju's relation key: its endpoints, requirer first, separated by
// a space ("tinyproxy:upstream upstream:website").
func (r *Relation) Key() string {
	names := make([]string, len(r.Endpoints))
	for i, e := range r.Endpoints {
		names[i] = e.String()
	}
	return strings.Join(names, " ")
}

// IsPeer reports whether the relation is a peer relation.
func (r *Relation) IsPeer() bool { return len(r.Endpoints) == 1 }

// Endpoint returns the relation's endpoint of app.
func (r *Relation) Endpoint(app string) (Endpoint, bool) {
	for _, e := range r.Endpoints {
		if e.App == app {
			return e, true
		}
	}
	return Endpoint{}, false
}

// Other returns the endpoint at the other end from app (app's own, for a
// peer relation).
func (r *Relation) Other(app string) Endpoint {
	for _, e := range r.Endpoints {
		if e.App != app {
			return e
		}
	}
	return r.Endpoints[0]
}

// Involves reports whether app is one of the relation's applications.
func (r *Relation) Involves(app string) bool {
	_, ok := r.Endpoint(app)
	return ok
}

// InScope returns the names of the units in the relation's scope (their
// relation-created ran), sorted.
func (r *Relation) InScope() []string {
	var out []string
	for name, ru := range r.Units {
		if ru.InScope() {
			out = append(out, name)
		}
	}
	SortUnitNames(out)
	return out
}

// RemoteUnits returns the units in scope that unit sees on the other side:
// the other application's, or its own application's other units in a
// peer relation.
func (r *Relation) RemoteUnits(unit string) []string {
	app := AppOfUnit(unit)
	var out []string
	for _, name := range r.InScope() {
		other := AppOfUnit(name)
		if name == unit || (other == app) != r.IsPeer() {
			continue
		}
		out = append(out, name)
	}
	return out
}

// AppBag returns app's data bag, making it if needed.
func (r *Relation) AppBag(app string) *Databag {
	if r.AppData == nil {
		r.AppData = map[string]*Databag{}
	}
	d := r.AppData[app]
	if d == nil {
		d = &Databag{}
		r.AppData[app] = d
	}
	return d
}

// Unit returns unit's part in the relation, making it if needed.
func (r *Relation) Unit(unit string) *RelationUnit {
	if r.Units == nil {
		r.Units = map[string]*RelationUnit{}
	}
	ru := r.Units[unit]
	if ru == nil {
		ru = &RelationUnit{}
		r.Units[unit] = ru
	}
	return ru
}

// AppSettings returns a copy of app's data in the relation.
func (r *Relation) AppSettings(app string) map[string]string {
	if d := r.AppData[app]; d != nil {
		return maps.Clone(d.Data)
	}
	return nil
}

// AppOfUnit returns the application of a unit name ("app/0" -> "app").
func AppOfUnit(unit string) string {
	app, _, _ := strings.Cut(unit, "/")
	return app
}

// RelationsOf returns app's relations, by id.
func (m *Model) RelationsOf(app string) []*Relation {
	var out []*Relation
	for _, r := range m.SortedRelations() {
		if r.Involves(app) {
			out = append(out, r)
		}
	}
	return out
}

// SortedRelations returns the model's relations, by id.
func (m *Model) SortedRelations() []*Relation {
	out := slices.Collect(maps.Values(m.Relations))
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Relation returns the relation with the given id, or nil.
func (m *Model) Relation(id int) *Relation {
	return m.Relations[strconv.Itoa(id)]
}

// AddRelation adds a relation with the given endpoints and the model's
// next relation id.
func (m *Model) AddRelation(eps []Endpoint) *Relation {
	r := &Relation{ID: m.NextRelation, Endpoints: eps, Life: Alive}
	m.NextRelation++
	if m.Relations == nil {
		m.Relations = map[string]*Relation{}
	}
	m.Relations[strconv.Itoa(r.ID)] = r
	return r
}

// LeaveRelations takes unit out of every relation's scope, and removes
// the dying relations no unit is left in.
func (m *Model) LeaveRelations(unit string) {
	for _, r := range m.Relations {
		r.Leave(unit)
	}
	m.PruneRelations()
}

// PruneRelations removes the dying relations with no unit in their scope.
func (m *Model) PruneRelations() {
	for id, r := range m.Relations {
		if r.Life != Alive && len(r.InScope()) == 0 {
			delete(m.Relations, id)
		}
	}
}
