package model

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/juju/charm/v12"
	"github.com/juju/names/v5"

	"github.com/canonical/jujutest/internal/local/state"
)

// Receiver is what a task runs on: a unit, or a machine.
type Receiver struct {
	// Name is the unit's name or the machine's id.
	Name string
	// Tag is "unit-app-0" or "machine-0".
	Tag string
}

// QueuedTask is one task a request queued.
type QueuedTask struct {
	// ID is the task's id.
	ID string
	// Receiver is where it runs.
	Receiver Receiver
}

// Queued is what a task request queued.
type Queued struct {
	// Operation is the operation's id.
	Operation string
	// Tasks are the tasks, in the order of the request's receivers.
	Tasks []QueuedTask
	// Errors are the receivers that got no task, and why (juju run goes on
	// with the others).
	Errors []string
	// Pruned are the ids of old finished tasks dropped from the state,
	// whose output files the caller removes.
	Pruned []string
}

// newOperation starts an operation: its id, with old tasks pruned.
func newOperation(st *state.State, m *state.Model) *Queued {
	if m.Tasks == nil {
		m.Tasks = map[string]*state.Task{}
	}
	return &Queued{Operation: st.NewID(), Pruned: m.PruneTasks(state.MaxDoneTasks)}
}

func (q *Queued) add(st *state.State, m *state.Model, t *state.Task, r Receiver) {
	t.ID, t.Operation = st.NewID(), q.Operation
	m.Tasks[t.ID] = t
	q.Tasks = append(q.Tasks, QueuedTask{ID: t.ID, Receiver: r})
}

// ExecRequest is "juju exec": a command on all machines, or on the
// given machines, applications' units and units ("app/leader" allowed).
type ExecRequest struct {
	All                   bool
	Machines, Apps, Units []string
	Command               string
	// Timeout bounds the command on the agent's side (0 = none).
	Timeout time.Duration
	Now     time.Time
}

// Exec queues an exec task on each receiver, with Juju's errors for an
// unknown one (nothing is queued then).
func Exec(st *state.State, m *state.Model, req ExecRequest) (*Queued, error) {
	receivers, err := execReceivers(m, req)
	if err != nil {
		return nil, err
	}
	q := newOperation(st, m)
	for _, r := range receivers {
		t := &state.Task{Kind: state.TaskExec, Command: req.Command, Timeout: req.Timeout, Status: state.TaskPending, Enqueued: req.Now}
		if strings.HasPrefix(r.Tag, "unit-") {
			t.Unit = r.Name
		} else {
			t.Machine = r.Name
		}
		q.add(st, m, t, r)
	}
	return q, nil
}

func execReceivers(m *state.Model, req ExecRequest) ([]Receiver, error) {
	var out []Receiver
	seen := map[string]bool{}
	add := func(r Receiver) {
		if !seen[r.Tag] {
			seen[r.Tag] = true
			out = append(out, r)
		}
	}
	if req.All {
		for _, id := range slices.Sorted(maps.Keys(m.Machines)) {
			add(Receiver{id, "machine-" + id})
		}
		return out, nil
	}
	for _, id := range req.Machines {
		if m.Machines[id] == nil {
			return nil, fmt.Errorf("machine %s not found", id)
		}
		add(Receiver{id, "machine-" + id})
	}
	for _, name := range req.Apps {
		a := m.Applications[name]
		if a == nil {
			return nil, fmt.Errorf("application %q not found", name)
		}
		for _, u := range a.UnitNames() {
			add(Receiver{u, state.UnitTag(u)})
		}
	}
	for _, u := range req.Units {
		name, err := ResolveUnit(m, u)
		if err != nil {
			return nil, err
		}
		add(Receiver{name, state.UnitTag(name)})
	}
	return out, nil
}

var leaderRef = regexp.MustCompile("^(" + names.ApplicationSnippet + ")/leader$")

// ResolveUnit resolves "app/N" or "app/leader" to a unit name.
func ResolveUnit(m *state.Model, ref string) (string, error) {
	if s := leaderRef.FindStringSubmatch(ref); s != nil {
		a := m.Applications[s[1]]
		if a == nil {
			return "", fmt.Errorf("application %q not found", s[1])
		}
		if a.Leader == "" {
			return "", fmt.Errorf("could not determine leader for %q", s[1])
		}
		return a.Leader, nil
	}
	if _, u := m.Unit(ref); u == nil {
		return "", fmt.Errorf("unit %q not found", ref)
	}
	return ref, nil
}

// RunRequest is "juju run": an action on units.
type RunRequest struct {
	// Units are the units ("app/leader" allowed).
	Units []string
	// Action is the action's name.
	Action string
	// Params are the parameters, before defaults.
	Params map[string]any
	// Specs are the actions of each application's charm.
	Specs map[string]*charm.Actions
	Now   time.Time
}

// Run queues the action on each unit whose charm defines it and accepts
// the parameters (with the schema's defaults applied), as Juju's server
// does; the others are in Queued.Errors.
func Run(st *state.State, m *state.Model, req RunRequest) *Queued {
	q := newOperation(st, m)
	for _, ref := range req.Units {
		unit, err := ResolveUnit(m, ref)
		if err != nil {
			q.Errors = append(q.Errors, err.Error())
			continue
		}
		var spec charm.ActionSpec
		ok := false
		if acts := req.Specs[state.AppOfUnit(unit)]; acts != nil {
			spec, ok = acts.ActionSpecs[req.Action]
		}
		if !ok {
			q.Errors = append(q.Errors, fmt.Sprintf("action %q not defined on unit %q", req.Action, unit))
			continue
		}
		p, _ := deepCopy(req.Params).(map[string]any)
		if p == nil {
			p = map[string]any{}
		}
		if err := spec.ValidateParams(p); err != nil {
			q.Errors = append(q.Errors, err.Error())
			continue
		}
		withDefaults, err := spec.InsertDefaults(p)
		if err != nil {
			q.Errors = append(q.Errors, err.Error())
			continue
		}
		t := &state.Task{Kind: state.TaskAction, Unit: unit, Action: req.Action, Params: withDefaults, Status: state.TaskPending, Enqueued: req.Now}
		q.add(st, m, t, Receiver{unit, state.UnitTag(unit)})
	}
	return q
}

// deepCopy copies maps and slices of action parameters, so that one
// unit's defaults do not reach another's task.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[k] = deepCopy(val)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = deepCopy(val)
		}
		return out
	}
	return v
}
