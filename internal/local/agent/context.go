package agent

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/canonical/jujutest/internal/hooktool"
	"github.com/canonical/jujutest/internal/local/model"
	"github.com/canonical/jujutest/internal/local/state"
	"github.com/canonical/jujutest/internal/logline"
)

// hookContext is the hooktool.Context of one hook, action or exec run of a
// unit. Status, workload version and logs take effect immediately; port
// and charm-state changes are buffered and committed when the run ends
// successfully, as Juju's uniter does.
type hookContext struct {
	a    *Agent
	unit string
	app  string
	hook string
	task *state.Task
	// rel is the running relation hook, or nil.
	rel *model.RelationHook

	mu sync.Mutex
	// relSettings are the relation-set changes, by relation id.
	relSettings  map[int]*relationChanges
	config       map[string]any
	portOps      []portOp
	charmState   map[string]string
	stateDirty   bool
	results      map[string]any
	actionFailed bool
	failMessage  string
}

type portOp struct {
	open     bool
	endpoint string
	r        state.PortRange
}

var _ hooktool.Context = (*hookContext)(nil)

func newHookContext(a *Agent, unit, hook string, task *state.Task) *hookContext {
	app, _, _ := strings.Cut(unit, "/")
	return &hookContext{a: a, unit: unit, app: app, hook: hook, task: task}
}

// ctx is the context of the state updates a tool makes: the agent's.
func (c *hookContext) ctx() context.Context {
	return c.a.workerContext()
}

// current returns the unit and application in the latest snapshot.
func (c *hookContext) current() (*state.Model, *state.Application, *state.Unit, error) {
	m := c.a.model()
	if m == nil {
		return nil, nil, nil, errModelGone
	}
	app, u := m.Unit(c.unit)
	if u == nil {
		return nil, nil, nil, fmt.Errorf("unit %q not found", c.unit)
	}
	return m, app, u, nil
}

// UnitName implements hooktool.Context.
func (c *hookContext) UnitName() string { return c.unit }

// ConfigSettings implements hooktool.Context; settings are read once per
// hook, as Juju caches them.
func (c *hookContext) ConfigSettings() (map[string]any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.config == nil {
		_, app, _, err := c.current()
		if err != nil {
			return nil, err
		}
		ci, err := c.a.charmFor(app)
		if err != nil {
			return nil, err
		}
		c.config = configSettings(app, ci.config)
	}
	return maps.Clone(c.config), nil
}

func toolStatus(s state.Status) hooktool.Status {
	return hooktool.Status{Status: s.Current, Message: s.Message, Data: s.Data}
}

// UnitStatus implements hooktool.Context.
func (c *hookContext) UnitStatus() (hooktool.Status, error) {
	_, _, u, err := c.current()
	if err != nil {
		return hooktool.Status{}, err
	}
	if u.HookError != "" {
		return hooktool.Status{Status: "error", Message: fmt.Sprintf("hook failed: %q", u.HookError)}, nil
	}
	return toolStatus(u.Workload), nil
}

// SetUnitStatus implements hooktool.Context.
func (c *hookContext) SetUnitStatus(s hooktool.Status) error {
	now := time.Now()
	return c.a.update(c.ctx(), func(m *state.Model) error {
		_, u := m.Unit(c.unit)
		if u == nil {
			return fmt.Errorf("unit %q not found", c.unit)
		}
		u.Workload = state.Status{Current: s.Status, Message: s.Message, Since: now, Data: s.Data}
		u.CharmSetStatus = true
		return nil
	})
}

// ApplicationStatus implements hooktool.Context.
func (c *hookContext) ApplicationStatus() (hooktool.ApplicationStatus, error) {
	_, app, _, err := c.current()
	if err != nil {
		return hooktool.ApplicationStatus{}, err
	}
	out := hooktool.ApplicationStatus{Application: toolStatus(app.Status), Units: map[string]hooktool.Status{}}
	if app.Status.IsZero() {
		out.Application = hooktool.Status{Status: "unknown"}
	}
	for name, u := range app.Units {
		out.Units[state.UnitTag(name)] = toolStatus(u.Workload)
	}
	return out, nil
}

// SetApplicationStatus implements hooktool.Context.
func (c *hookContext) SetApplicationStatus(s hooktool.Status) error {
	now := time.Now()
	return c.a.update(c.ctx(), func(m *state.Model) error {
		app := m.Applications[c.app]
		if app == nil {
			return fmt.Errorf("application %q not found", c.app)
		}
		app.Status = state.Status{Current: s.Status, Message: s.Message, Since: now, Data: s.Data}
		return nil
	})
}

// SetWorkloadVersion implements hooktool.Context.
func (c *hookContext) SetWorkloadVersion(version string) error {
	now := time.Now()
	return c.a.update(c.ctx(), func(m *state.Model) error {
		_, u := m.Unit(c.unit)
		if u == nil {
			return fmt.Errorf("unit %q not found", c.unit)
		}
		u.WorkloadVersion = version
		u.WorkloadVersionSince = now
		return nil
	})
}

// Log implements hooktool.Context.
func (c *hookContext) Log(level, module, message string) error {
	c.a.log(logline.UnitEntity(c.unit), level, module, message)
	return nil
}

// relationChanges are one hook's relation-set changes in one relation.
type relationChanges struct {
	unit, app map[string]string
}

// HookRelation implements hooktool.Context.
func (c *hookContext) HookRelation() string {
	if c.rel == nil {
		return ""
	}
	return c.rel.RelationName()
}

// RemoteUnitName implements hooktool.Context.
func (c *hookContext) RemoteUnitName() string {
	if c.rel == nil {
		return ""
	}
	return c.rel.RemoteUnit
}

// RemoteAppName implements hooktool.Context.
func (c *hookContext) RemoteAppName() string {
	if c.rel == nil {
		return ""
	}
	return c.rel.RemoteApp
}

// relations returns the relations the unit is in, as its hooks see them:
// the ones whose relation-created ran, and the one whose relation-created
// is running.
func (c *hookContext) relations(m *state.Model) []*state.Relation {
	var out []*state.Relation
	for _, r := range m.RelationsOf(c.app) {
		ru := r.Units[c.unit]
		if ru.InScope() || (c.rel != nil && c.rel.ID == r.ID) {
			out = append(out, r)
		}
	}
	return out
}

// relation returns the unit's relation with the given id, and the model
// snapshot it was found in.
func (c *hookContext) relation(id int) (*state.Model, *state.Relation, error) {
	m, _, _, err := c.current()
	if err != nil {
		return nil, nil, err
	}
	for _, r := range c.relations(m) {
		if r.ID == id {
			return m, r, nil
		}
	}
	return nil, nil, hooktool.ErrRelationNotFound
}

// RelationIDs implements hooktool.Context, as Juju's context does: a
// broken relation (model.IsBroken) is left out, and the ids are sorted as
// strings.
func (c *hookContext) RelationIDs(endpoint string) ([]string, error) {
	m, _, _, err := c.current()
	if err != nil {
		return nil, err
	}
	ids := []string{}
	for _, r := range c.relations(m) {
		ep, _ := r.Endpoint(c.app)
		if ep.Name != endpoint {
			continue
		}
		if model.IsBroken(r, c.unit) {
			continue
		}
		ids = append(ids, fmt.Sprintf("%s:%d", ep.Name, r.ID))
	}
	sort.Strings(ids)
	return ids, nil
}

// Relation implements hooktool.Context: the remote units are the ones the
// unit has joined, with the joining one during relation-joined and
// without the departing one during relation-departed, sorted as strings.
func (c *hookContext) Relation(id int) (hooktool.RelationInfo, error) {
	_, r, err := c.relation(id)
	if err != nil {
		return hooktool.RelationInfo{}, err
	}
	ep, _ := r.Endpoint(c.app)
	info := hooktool.RelationInfo{ID: r.ID, Endpoint: ep.Name, RemoteApp: r.Other(c.app).App}
	members := map[string]bool{}
	if ru := r.Units[c.unit]; ru != nil {
		for name := range ru.Members {
			members[name] = true
		}
	}
	if h := c.rel; h != nil && h.ID == id && h.RemoteUnit != "" {
		switch h.Kind {
		case model.RelationJoined:
			members[h.RemoteUnit] = true
		case model.RelationDeparted:
			delete(members, h.RemoteUnit)
		}
	}
	for name := range members {
		info.Units = append(info.Units, name)
	}
	sort.Strings(info.Units) // as Juju's relation cache sorts them
	return info, nil
}

// RelationSettings implements hooktool.Context: the committed bag, as
// the model's rules let the unit read it, with this hook's own changes.
func (c *hookContext) RelationSettings(id int, name string, app bool) (map[string]string, error) {
	m, r, err := c.relation(id)
	if err != nil {
		return nil, err
	}
	data, err := model.ReadRelationData(m, r, c.unit, name, app)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if pending := c.relSettings[id]; pending != nil {
		switch {
		case !app && name == c.unit:
			data = withChanges(data, pending.unit)
		case app && name == c.app:
			data = withChanges(data, pending.app)
		}
	}
	return data, nil
}

// withChanges applies relation-set changes to a copy of data.
func withChanges(data, changes map[string]string) map[string]string {
	bag := state.Databag{Data: maps.Clone(data)}
	bag.Apply(changes)
	if bag.Data == nil {
		return map[string]string{}
	}
	return bag.Data
}

// SetRelationSettings implements hooktool.Context: buffered until the
// hook succeeds.
func (c *hookContext) SetRelationSettings(id int, app bool, settings map[string]string) error {
	if _, _, err := c.relation(id); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.relSettings == nil {
		c.relSettings = map[int]*relationChanges{}
	}
	ch := c.relSettings[id]
	if ch == nil {
		ch = &relationChanges{unit: map[string]string{}, app: map[string]string{}}
		c.relSettings[id] = ch
	}
	dst := ch.unit
	if app {
		dst = ch.app
	}
	maps.Copy(dst, settings)
	return nil
}

// LeaderSettings implements hooktool.Context.
func (c *hookContext) LeaderSettings() (map[string]string, error) {
	_, app, _, err := c.current()
	if err != nil {
		return nil, err
	}
	return maps.Clone(app.LeaderSettings.Data), nil
}

// SetLeaderSettings implements hooktool.Context: written at once, and the
// other units get leader-settings-changed.
func (c *hookContext) SetLeaderSettings(settings map[string]string) error {
	return c.a.update(c.ctx(), func(m *state.Model) error {
		app := m.Applications[c.app]
		if app == nil || app.Leader != c.unit {
			return errors.New("cannot write settings: not the leader")
		}
		app.LeaderSettings.Apply(settings)
		return nil
	})
}

// OpenPortRange implements hooktool.Context.
func (c *hookContext) OpenPortRange(endpoint string, r hooktool.PortRange) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.portOps = append(c.portOps, portOp{open: true, endpoint: endpoint, r: toStatePorts(r)})
	return nil
}

// ClosePortRange implements hooktool.Context.
func (c *hookContext) ClosePortRange(endpoint string, r hooktool.PortRange) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.portOps = append(c.portOps, portOp{open: false, endpoint: endpoint, r: toStatePorts(r)})
	return nil
}

func toStatePorts(r hooktool.PortRange) state.PortRange {
	return state.PortRange{From: r.FromPort, To: r.ToPort, Protocol: strings.ToLower(r.Protocol)}
}

// OpenedPortRanges implements hooktool.Context: the committed ports.
func (c *hookContext) OpenedPortRanges() (map[string][]hooktool.PortRange, error) {
	_, _, u, err := c.current()
	if err != nil {
		return nil, err
	}
	out := map[string][]hooktool.PortRange{}
	for ep, rs := range u.Ports {
		for _, r := range rs {
			out[ep] = append(out[ep], hooktool.PortRange{FromPort: r.From, ToPort: r.To, Protocol: r.Protocol})
		}
	}
	return out, nil
}

// IsLeader implements hooktool.Context.
func (c *hookContext) IsLeader() (bool, error) {
	_, app, _, err := c.current()
	if err != nil {
		return false, err
	}
	return app.Leader == c.unit, nil
}

// PublicAddress implements hooktool.Context.
func (c *hookContext) PublicAddress() (string, error) { return c.address() }

// PrivateAddress implements hooktool.Context.
func (c *hookContext) PrivateAddress() (string, error) { return c.address() }

func (c *hookContext) address() (string, error) {
	m, _, u, err := c.current()
	if err != nil {
		return "", err
	}
	if mc := m.Machines[u.Machine]; mc != nil {
		return mc.Address, nil
	}
	if mc := c.a.machine(u.Machine); mc != nil {
		return mc.Facts().Addresses[0], nil
	}
	return "", fmt.Errorf("machine %s has no address yet", u.Machine)
}

// NetworkInfo implements hooktool.Context: the unit's one address, on
// the loopback interface.
func (c *hookContext) NetworkInfo(binding string, relationID int) (hooktool.NetworkInfo, error) {
	_, app, _, err := c.current()
	if err != nil {
		return hooktool.NetworkInfo{}, err
	}
	known := binding == ""
	for _, ep := range app.Endpoints {
		if ep == binding {
			known = true
		}
	}
	if !known {
		return hooktool.NetworkInfo{}, fmt.Errorf("undefined for unit charm: endpoint %q not found", binding)
	}
	addr, err := c.address()
	if err != nil {
		return hooktool.NetworkInfo{}, err
	}
	return hooktool.NetworkInfo{
		BindAddresses: []hooktool.BindAddress{{
			InterfaceName: "lo",
			Addresses:     []hooktool.InterfaceAddress{{Address: addr, CIDR: "127.0.0.0/8"}},
		}},
		EgressSubnets:    []string{addr + "/32"},
		IngressAddresses: []string{addr},
	}, nil
}

// ActionParams implements hooktool.Context.
func (c *hookContext) ActionParams() (map[string]any, error) {
	if c.task == nil || c.task.Kind != state.TaskAction {
		return nil, hooktool.ErrNotRunningAction
	}
	return maps.Clone(c.task.Params), nil
}

// SetActionResult implements hooktool.Context.
func (c *hookContext) SetActionResult(path []string, value string) error {
	if c.task == nil || c.task.Kind != state.TaskAction {
		return hooktool.ErrNotRunningAction
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.results == nil {
		c.results = map[string]any{}
	}
	m := c.results
	for i, k := range path {
		if i == len(path)-1 {
			m[k] = value
			break
		}
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	return nil
}

// FailAction implements hooktool.Context.
func (c *hookContext) FailAction(message string) error {
	if c.task == nil || c.task.Kind != state.TaskAction {
		return hooktool.ErrNotRunningAction
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.actionFailed = true
	c.failMessage = message
	return nil
}

// LogAction implements hooktool.Context: recorded on the task at once.
func (c *hookContext) LogAction(message string) error {
	if c.task == nil || c.task.Kind != state.TaskAction {
		return hooktool.ErrNotRunningAction
	}
	now := time.Now()
	return c.a.update(c.ctx(), func(m *state.Model) error {
		t := m.Tasks[c.task.ID]
		if t == nil {
			return fmt.Errorf("task %s not found", c.task.ID)
		}
		t.Log = append(t.Log, state.TaskLog{Time: now, Message: message})
		return nil
	})
}

// CharmState implements hooktool.Context.
func (c *hookContext) CharmState() (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.loadStateLocked(); err != nil {
		return nil, err
	}
	return maps.Clone(c.charmState), nil
}

func (c *hookContext) loadStateLocked() error {
	if c.charmState != nil {
		return nil
	}
	_, _, u, err := c.current()
	if err != nil {
		return err
	}
	c.charmState = maps.Clone(u.CharmState)
	if c.charmState == nil {
		c.charmState = map[string]string{}
	}
	return nil
}

// SetCharmState implements hooktool.Context.
func (c *hookContext) SetCharmState(key, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.loadStateLocked(); err != nil {
		return err
	}
	c.charmState[key] = value
	c.stateDirty = true
	return nil
}

// DeleteCharmState implements hooktool.Context.
func (c *hookContext) DeleteCharmState(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.loadStateLocked(); err != nil {
		return err
	}
	delete(c.charmState, key)
	c.stateDirty = true
	return nil
}

// commit applies the buffered port, charm-state and relation-data changes
// to the unit.
func (c *hookContext) commit(m *state.Model, u *state.Unit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, ch := range c.relSettings {
		if r := m.Relation(id); r != nil {
			if err := model.WriteRelationData(m, r, c.unit, ch.unit, ch.app); err != nil {
				// Leadership moved during the hook: Juju refuses the
				// application bag then too.
				c.a.cfg.Logf("unit %s: relation %d: %v", c.unit, id, err)
			}
		}
	}
	for _, op := range c.portOps {
		if u.Ports == nil {
			u.Ports = map[string][]state.PortRange{}
		}
		ranges := u.Ports[op.endpoint]
		idx := -1
		for i, r := range ranges {
			if r == op.r {
				idx = i
			}
		}
		switch {
		case op.open && idx < 0:
			u.Ports[op.endpoint] = append(ranges, op.r)
		case !op.open && idx >= 0:
			u.Ports[op.endpoint] = append(ranges[:idx:idx], ranges[idx+1:]...)
		case !op.open && op.endpoint == "":
			// Closing on all endpoints closes it everywhere.
			for ep, rs := range u.Ports {
				var kept []state.PortRange
				for _, r := range rs {
					if r != op.r {
						kept = append(kept, r)
					}
				}
				u.Ports[ep] = kept
			}
		}
		if len(u.Ports[op.endpoint]) == 0 {
			delete(u.Ports, op.endpoint)
		}
	}
	if len(u.Ports) == 0 {
		u.Ports = nil
	}
	if c.stateDirty {
		u.CharmState = maps.Clone(c.charmState)
		if len(u.CharmState) == 0 {
			u.CharmState = nil
		}
	}
}

// finishTask records the action's results and failure message on t.
func (c *hookContext) finishTask(t *state.Task) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.results) > 0 {
		t.Results = c.results
	}
	if c.actionFailed {
		t.Message = c.failMessage
	}
}
