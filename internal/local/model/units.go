package model

import (
	"time"

	"github.com/canonical/jujutest/internal/local/state"
)

// DeleteUnit removes a unit from the model, as Juju does once the unit is
// dead: it leaves its relations, its unfinished tasks are aborted, a new
// leader is elected when it led, its application goes with it when it was
// the last unit of a dying application, and its LXD machine becomes dying
// when no unit is left on it.
func DeleteUnit(m *state.Model, name string, now time.Time) {
	app, u := m.Unit(name)
	if u == nil {
		return
	}
	delete(app.Units, name)
	m.LeaveRelations(name)
	if app.Leader == name {
		app.Leader = ""
		for _, n := range app.UnitNames() {
			if app.Units[n].Life == state.Alive {
				app.Leader = n
				app.Units[n].LeaderElected = false
				break
			}
		}
	}
	for _, t := range m.Tasks {
		if t.Unit == name && !t.Done() {
			t.Status = state.TaskAborted
			t.Message = "unit removed"
			t.Completed = now
		}
	}
	if len(app.Units) == 0 && (app.Life == state.Dying || m.Life == state.Dying) {
		DeleteApplication(m, app.Name)
	}
	if mc := m.Machines[u.Machine]; mc != nil && m.IsLXD() && len(m.UnitsOn(u.Machine)) == 0 {
		mc.Life = state.Dying
	}
}

// DeleteApplication removes an application from the model; its
// relations die, and go once no unit is left in them.
func DeleteApplication(m *state.Model, name string) {
	delete(m.Applications, name)
	for _, r := range m.RelationsOf(name) {
		r.Life = state.Dying
	}
	m.PruneRelations()
}
