// Package model holds the local backend's model rules: what a typed
// request (integrate, remove-relation, remove-application ...) changes in
// a model, and Juju's errors when a request is refused. The CLI parses
// flags, calls these functions inside a state update, and prints.
//
// The rules follow Juju 3.6's state package (state/state.go,
// state/relation.go, state/endpoint.go): endpoint inference, relation
// limits, peer relations made at deploy, and relations that die with their
// applications.
package model

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/juju/charm/v12"

	"github.com/canonical/jujutest/internal/local/state"
)

// CharmEndpoints returns the relation endpoints app gets from its charm's
// metadata, with the implicit juju-info provider, in Juju's order:
// requirers, providers, peers, each by name.
func CharmEndpoints(app string, meta *charm.Meta) []state.Endpoint {
	var eps []state.Endpoint
	add := func(rels map[string]charm.Relation) {
		for _, r := range rels {
			scope := string(r.Scope)
			if scope == "" {
				scope = state.ScopeGlobal
			}
			eps = append(eps, state.Endpoint{
				App: app, Name: r.Name, Role: string(r.Role),
				Interface: r.Interface, Scope: scope, Limit: r.Limit,
			})
		}
	}
	add(meta.Peers)
	add(meta.Provides)
	add(meta.Requires)
	eps = append(eps, state.Endpoint{App: app, Name: "juju-info", Role: state.RoleProvider, Interface: "juju-info", Scope: state.ScopeGlobal})
	sortEndpoints(eps)
	return eps
}

var roleOrder = map[string]int{state.RoleRequirer: 0, state.RoleProvider: 1, state.RolePeer: 2}

// sortEndpoints sorts endpoints as Juju's relation keys order them.
func sortEndpoints(eps []state.Endpoint) {
	sort.Slice(eps, func(i, j int) bool {
		if eps[i].Role != eps[j].Role {
			return roleOrder[eps[i].Role] < roleOrder[eps[j].Role]
		}
		return eps[i].String() < eps[j].String()
	})
}

// AddPeerRelations adds a relation for each of app's peer endpoints, as
// Juju does when it adds an application.
func AddPeerRelations(m *state.Model, app *state.Application) {
	for _, ep := range app.Relations {
		if ep.Role == state.RolePeer {
			m.AddRelation([]state.Endpoint{ep})
		}
	}
}

// canRelate reports whether a and b make a relation (Juju's
// Endpoint.CanRelateTo).
func canRelate(a, b state.Endpoint) bool {
	return a.App != b.App && a.Interface == b.Interface && a.Role != state.RolePeer && counterpart(a.Role) == b.Role
}

func counterpart(role string) string {
	switch role {
	case state.RoleProvider:
		return state.RoleRequirer
	case state.RoleRequirer:
		return state.RoleProvider
	}
	return role
}

func isImplicit(e state.Endpoint) bool {
	return e.Name == "juju-info" && e.Interface == "juju-info" && e.Role == state.RoleProvider
}

// NotFoundError is returned when an application, endpoint or relation a
// request names does not exist.
type NotFoundError struct{ msg string }

// Error implements error.
func (e *NotFoundError) Error() string { return e.msg }

func notFoundf(format string, args ...any) error {
	return &NotFoundError{fmt.Sprintf(format, args...)}
}

// AlreadyExistsError is returned by Integrate for a relation the model
// already has.
type AlreadyExistsError struct {
	// Key is the relation's key.
	Key string
	// Dying is set when the relation is dying but not yet removed.
	Dying bool
}

// Error implements error, with Juju's text.
func (e *AlreadyExistsError) Error() string {
	if e.Dying {
		return fmt.Sprintf("cannot add relation %q: relation %s is dying, but not yet removed", e.Key, e.Key)
	}
	return fmt.Sprintf("cannot add relation %q: relation %s", e.Key, e.Key)
}

// splitEndpoint splits "app[:endpoint]".
func splitEndpoint(name string) (app, endpoint string, err error) {
	i := strings.Index(name, ":")
	switch {
	case i == -1:
		return name, "", nil
	case i != 0 && i != len(name)-1:
		return name[:i], name[i+1:], nil
	}
	return "", "", fmt.Errorf("invalid endpoint %q", name)
}

// endpoints returns the endpoints name ("app[:endpoint]") may mean that
// keep passes.
func endpoints(m *state.Model, name string, keep func(state.Endpoint) bool) ([]state.Endpoint, error) {
	appName, epName, err := splitEndpoint(name)
	if err != nil {
		return nil, err
	}
	app := m.Applications[appName]
	if app == nil {
		return nil, notFoundf("application %q not found", appName)
	}
	if app.Relations == nil {
		// Every charm has juju-info, so only a state written before
		// relations were modelled has none.
		return nil, fmt.Errorf("application %q was deployed by an older juju-local, which did not record its relation endpoints: remove and deploy it again", appName)
	}
	var out []state.Endpoint
	for _, ep := range app.Relations {
		if epName != "" && ep.Name != epName {
			continue
		}
		if keep(ep) {
			out = append(out, ep)
		}
	}
	if epName != "" && len(out) == 0 {
		for _, ep := range app.Relations {
			if ep.Name == epName {
				return nil, nil
			}
		}
		return nil, notFoundf("application %q has no %q relation", appName, epName)
	}
	return out, nil
}

// InferEndpoints returns the endpoints of the one relation names (one
// name for a peer relation, two otherwise) can mean, with Juju's errors
// when there is none or more than one.
func InferEndpoints(m *state.Model, names ...string) ([]state.Endpoint, error) {
	peer := func(e state.Endpoint) bool { return e.Role == state.RolePeer }
	notPeer := func(e state.Endpoint) bool { return e.Role != state.RolePeer }
	var candidates [][]state.Endpoint
	switch len(names) {
	case 1:
		eps, err := endpoints(m, names[0], peer)
		if err != nil {
			return nil, err
		}
		for _, ep := range eps {
			candidates = append(candidates, []state.Endpoint{ep})
		}
	case 2:
		eps1, err := endpoints(m, names[0], notPeer)
		if err != nil {
			return nil, err
		}
		eps2, err := endpoints(m, names[1], notPeer)
		if err != nil {
			return nil, err
		}
		for _, a := range eps1 {
			for _, b := range eps2 {
				// Container scope needs a subordinate, which the local
				// backend does not deploy.
				if canRelate(a, b) && a.Scope != state.ScopeContainer && b.Scope != state.ScopeContainer {
					candidates = append(candidates, []state.Endpoint{a, b})
				}
			}
		}
	default:
		return nil, fmt.Errorf("cannot relate %d endpoints", len(names))
	}
	switch len(candidates) {
	case 0:
		return nil, errors.New("no relations found")
	case 1:
		return candidates[0], nil
	}
	var explicit [][]state.Endpoint
	for _, c := range candidates {
		if !isImplicit(c[0]) && (len(c) == 1 || !isImplicit(c[1])) {
			explicit = append(explicit, c)
		}
	}
	if len(explicit) == 1 {
		return explicit[0], nil
	}
	keys := make([]string, len(candidates))
	for i, c := range candidates {
		keys[i] = fmt.Sprintf("%q", relationKey(c))
	}
	sort.Strings(keys)
	return nil, fmt.Errorf("ambiguous relation: %q could refer to %s", strings.Join(names, " "), strings.Join(keys, "; "))
}

func relationKey(eps []state.Endpoint) string {
	sorted := append([]state.Endpoint(nil), eps...)
	sortEndpoints(sorted)
	r := state.Relation{Endpoints: sorted}
	return r.Key()
}

// IntegrateRequest is "juju integrate a[:ep] b[:ep]".
type IntegrateRequest struct {
	// Endpoints are the two "app[:endpoint]" arguments.
	Endpoints [2]string
}

// Integrate adds the relation req names, as Juju's AddRelation does:
// both applications alive, the relation new, and each endpoint within
// its limit.
func Integrate(m *state.Model, req IntegrateRequest) (*state.Relation, error) {
	eps, err := InferEndpoints(m, req.Endpoints[0], req.Endpoints[1])
	if err != nil {
		return nil, err
	}
	sortEndpoints(eps)
	key := relationKey(eps)
	for _, r := range m.Relations {
		if r.Key() == key {
			return nil, &AlreadyExistsError{Key: key, Dying: r.Life != state.Alive}
		}
	}
	for _, ep := range eps {
		// InferEndpoints found both applications.
		if app := m.Applications[ep.App]; app.Life != state.Alive {
			return nil, fmt.Errorf("cannot add relation %q: application %q is not alive", key, ep.App)
		}
		if ep.Limit > 0 && established(m, ep) >= ep.Limit {
			return nil, fmt.Errorf("cannot add relation %q: establishing a new relation for %s would exceed its maximum relation limit of %d", key, ep, ep.Limit)
		}
	}
	return m.AddRelation(eps), nil
}

// established counts the relations on ep.
func established(m *state.Model, ep state.Endpoint) int {
	n := 0
	for _, r := range m.Relations {
		if e, ok := r.Endpoint(ep.App); ok && e.Name == ep.Name {
			n++
		}
	}
	return n
}

// RemoveRelationRequest is "juju remove-relation": two endpoints, or a
// relation id.
type RemoveRelationRequest struct {
	// Endpoints are the "app[:endpoint]" arguments (none when ID is used).
	Endpoints []string
	// ID is the relation id, when Endpoints is empty.
	ID int
}

// RemoveRelation starts the removal of the relation req names: the
// relation becomes dying, its units run their departed and broken hooks,
// and it goes when no unit is left in it (at once if none is).
func RemoveRelation(m *state.Model, req RemoveRelationRequest) (*state.Relation, error) {
	var rel *state.Relation
	if len(req.Endpoints) > 0 {
		r, err := inferActiveRelation(m, req.Endpoints)
		if err != nil {
			return nil, err
		}
		rel = r
	} else if rel = m.Relation(req.ID); rel == nil {
		return nil, notFoundf("relation %d not found", req.ID)
	}
	if rel.IsPeer() {
		return nil, fmt.Errorf("cannot destroy relation %q: is a peer relation", rel.Key())
	}
	rel.Life = state.Dying
	m.PruneRelations()
	return rel, nil
}

// inferActiveRelation finds the existing relation names mean.
func inferActiveRelation(m *state.Model, names []string) (*state.Relation, error) {
	var matches []*state.Relation
	for _, r := range m.SortedRelations() {
		if relationMatches(r, names) {
			matches = append(matches, r)
		}
	}
	query := strings.Join(names, " ")
	switch len(matches) {
	case 0:
		return nil, notFoundf("relation matching %q not found", query)
	case 1:
		return matches[0], nil
	}
	keys := make([]string, len(matches))
	for i, r := range matches {
		keys[i] = fmt.Sprintf("%q", r.Key())
	}
	return nil, fmt.Errorf("ambiguous relation: %q could refer to %s", query, strings.Join(keys, "; "))
}

// relationMatches reports whether each name ("app[:endpoint]") is a
// different endpoint of r.
func relationMatches(r *state.Relation, names []string) bool {
	if len(names) != len(r.Endpoints) {
		return false
	}
	used := make([]bool, len(r.Endpoints))
	for _, n := range names {
		app, ep, _ := strings.Cut(n, ":")
		found := false
		for i, e := range r.Endpoints {
			if !used[i] && e.App == app && (ep == "" || e.Name == ep) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// RemoveApplicationRequest is "juju remove-application".
type RemoveApplicationRequest struct {
	// Names are the applications.
	Names []string
	// Force removes them even if hooks fail.
	Force bool
}

// RemoveApplication starts the removal of the applications: they, their
// units and their relations become dying. An application with no unit
// goes at once. Names not in the model are skipped (the caller reports
// them).
func RemoveApplication(m *state.Model, req RemoveApplicationRequest) {
	for _, name := range req.Names {
		a := m.Applications[name]
		if a == nil {
			continue
		}
		a.Life = state.Dying
		a.Force = a.Force || req.Force
		for _, u := range a.Units {
			u.Life = state.Dying
			u.Force = u.Force || req.Force
		}
		for _, r := range m.RelationsOf(name) {
			r.Life = state.Dying
		}
		if len(a.Units) == 0 {
			DeleteApplication(m, name)
		}
	}
	m.PruneRelations()
}
