package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/juju/names/v5"

	"github.com/canonical/jujutest/internal/local/state"
)

// Placement says where new units go.
type Placement struct {
	// Host is this host as a machine, for a model whose machines are the
	// host: every unit goes on it (made when missing). Nil for an LXD
	// model.
	Host *state.Machine
	// Image and Base make each new LXD machine.
	Image string
	Base  state.Base
	// To is --to: a comma-separated list of existing machine ids, used in
	// order before new machines are made ("" for none).
	To string
}

// parseTo checks --to against the model's machines.
func parseTo(m *state.Model, to string, n int) ([]string, error) {
	if to == "" {
		return nil, nil
	}
	ids := strings.Split(to, ",")
	if len(ids) > n {
		return nil, fmt.Errorf("cannot place %d units on %d placement directives", n, len(ids))
	}
	for _, id := range ids {
		if _, err := strconv.Atoi(id); err != nil {
			return nil, fmt.Errorf("juju-local places units on existing machines or new ones, not on %q", id)
		}
		mc := m.Machines[id]
		if mc == nil {
			return nil, fmt.Errorf("cannot deploy to machine %s: machine %s not found", id, id)
		}
		if mc.Life == state.Dying {
			return nil, fmt.Errorf("cannot deploy to machine %s: machine is not alive", id)
		}
	}
	return ids, nil
}

// addUnits adds n units of a where p says, and returns their names. The
// first unit added to an application with no leader leads it.
func addUnits(m *state.Model, a *state.Application, n int, p Placement, now time.Time) ([]string, error) {
	var to []string
	if p.Host == nil {
		ids, err := parseTo(m, p.To, n)
		if err != nil {
			return nil, err
		}
		to = ids
	} else if m.Machines[p.Host.ID] == nil {
		host := *p.Host
		host.Created = now
		m.Machines[host.ID] = &host
	}
	var added []string
	for i := 0; i < n; i++ {
		var id string
		switch {
		case p.Host != nil:
			id = p.Host.ID
		case i < len(to):
			id = to[i]
		default:
			id = newMachine(m, p.Image, p.Base, now)
		}
		name := fmt.Sprintf("%s/%d", a.Name, a.NextUnit)
		a.NextUnit++
		a.Units[name] = &state.Unit{
			Name: name, Machine: id, Life: state.Alive, Created: now,
			Workload: state.NewStatus("waiting", "waiting for machine", now),
			Agent:    state.NewStatus("allocating", "", now),
		}
		if a.Leader == "" {
			a.Leader = name
		}
		added = append(added, name)
	}
	return added, nil
}

// UploadCharm records the upload of a local charm and returns its
// revision: Juju counts local charm revisions per model and name, from 0,
// and an upload takes one even when the deploy then fails.
func UploadCharm(m *state.Model, name string) int {
	if m.CharmRevisions == nil {
		m.CharmRevisions = map[string]int{}
	}
	rev := m.CharmRevisions[name]
	m.CharmRevisions[name] = rev + 1
	return rev
}

// AddApplicationRequest is the model's part of "juju deploy": the
// application (charm stored, config checked) and its units.
type AddApplicationRequest struct {
	// App is the new application; its Units map may be nil.
	App *state.Application
	// Units is the number of units (-n).
	Units int
	// Placement is where they go.
	Placement Placement
	// Now is the time of the request.
	Now time.Time
}

// AddApplication adds the application with its peer relations and units,
// with Juju's errors for a bad or taken name.
func AddApplication(m *state.Model, req AddApplicationRequest) ([]string, error) {
	a := req.App
	if err := names.ValidateApplicationName(a.Name); err != nil {
		return nil, fmt.Errorf("cannot add application %q: %w", a.Name, err)
	}
	if m.Applications[a.Name] != nil {
		return nil, fmt.Errorf("cannot add application %q: application already exists:\n"+
			"deploy application using an alias name:\n    juju deploy <application> <alias>\n"+
			"or use remove-application to remove the existing one and try again.", a.Name)
	}
	if m.Life != state.Alive {
		return nil, fmt.Errorf("model %q is being destroyed", m.Name)
	}
	if a.Units == nil {
		a.Units = map[string]*state.Unit{}
	}
	a.Life = state.Alive
	a.Created = req.Now
	m.Applications[a.Name] = a
	units, err := addUnits(m, a, req.Units, req.Placement, req.Now)
	if err != nil {
		delete(m.Applications, a.Name)
		return nil, err
	}
	AddPeerRelations(m, a)
	return units, nil
}

// AddUnitRequest is "juju add-unit".
type AddUnitRequest struct {
	// App is the application's name.
	App string
	// Units is the number of units (-n).
	Units int
	// Placement is where they go.
	Placement Placement
	// Now is the time of the request.
	Now time.Time
}

// AddUnit adds units to an alive application.
func AddUnit(m *state.Model, req AddUnitRequest) ([]string, error) {
	a := m.Applications[req.App]
	if a == nil {
		return nil, notFoundf("application %q not found", req.App)
	}
	if a.Life != state.Alive {
		return nil, fmt.Errorf("cannot add unit to application %q: application is not alive", req.App)
	}
	return addUnits(m, a, req.Units, req.Placement, req.Now)
}

// RemoveUnitRequest is "juju remove-unit".
type RemoveUnitRequest struct {
	// Units are the unit names; ones not in the model are skipped (the
	// caller reports them).
	Units []string
	// Force removes them even if hooks fail.
	Force bool
}

// RemoveUnit starts the removal of units: each becomes dying, and its
// agent runs its relation departures, stop and remove hooks.
func RemoveUnit(m *state.Model, req RemoveUnitRequest) {
	for _, name := range req.Units {
		if _, u := m.Unit(name); u != nil {
			u.Life = state.Dying
			u.Force = u.Force || req.Force
		}
	}
}

// newMachine adds a new LXD machine, pending until the agent provisions
// it, and returns its id.
func newMachine(m *state.Model, image string, base state.Base, now time.Time) string {
	id := strconv.Itoa(m.NextMachine)
	m.NextMachine++
	m.Machines[id] = &state.Machine{
		ID: id, Base: base, Image: image, Created: now,
		Agent:    state.NewStatus("pending", "", now),
		Instance: state.NewStatus("pending", "", now),
	}
	return id
}

// AddMachinesRequest is "juju add-machine" on an LXD model.
type AddMachinesRequest struct {
	// N is the number of machines.
	N int
	// Image and Base make each machine.
	Image string
	Base  state.Base
	Now   time.Time
}

// AddMachines adds new machines and returns their ids.
func AddMachines(m *state.Model, req AddMachinesRequest) ([]string, error) {
	if m.Life != state.Alive {
		return nil, fmt.Errorf("model %q is being destroyed", m.Name)
	}
	ids := make([]string, req.N)
	for i := range ids {
		ids[i] = newMachine(m, req.Image, req.Base, req.Now)
	}
	return ids, nil
}

// RemoveMachine starts the removal of an LXD machine: with units (which
// only force allows) the units go first, forced, and the machine with the
// last of them; without, the machine is dying at once and its container
// goes.
func RemoveMachine(m *state.Model, id string) {
	mc := m.Machines[id]
	if mc == nil {
		return
	}
	units := m.UnitsOn(id)
	for _, u := range units {
		u.Life, u.Force = state.Dying, true
	}
	if len(units) == 0 {
		mc.Life = state.Dying
	}
}

// Expose sets whether an application is exposed.
func Expose(m *state.Model, app string, on bool) error {
	a := m.Applications[app]
	if a == nil {
		return notFoundf("application %q not found", app)
	}
	a.Exposed = on
	return nil
}
