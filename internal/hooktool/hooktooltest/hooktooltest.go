// Package hooktooltest provides an in-memory hooktool.Context for tests.
//
// Fill the exported fields of a Context before running tools, read them
// afterwards. All methods lock the Context, so tools may run concurrently;
// read fields only when no tool is running (or take Lock/Unlock).
package hooktooltest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/canonical/jujutest/internal/hooktool"
)

// LogRecord is one message recorded by Context.Log.
type LogRecord struct {
	// Level is the level name, e.g. "INFO".
	Level string
	// Module is the logger module, e.g. "unit.app/0.juju-log".
	Module string
	// Message is the message text.
	Message string
}

// Action is the state of the action a Context is running.
type Action struct {
	// Params are the action's parameters.
	Params map[string]any
	// Results are the results set with action-set (nested maps of strings).
	Results map[string]any
	// Failed reports whether action-fail was called.
	Failed bool
	// Message is the action-fail message.
	Message string
	// Logs are the action-log messages.
	Logs []string
}

// Context is an in-memory hooktool.Context. The zero value is a unit named ""
// with no config, not running an action; use New for a typical unit.
type Context struct {
	mu sync.Mutex

	// Unit is the unit's name.
	Unit string
	// Config is the application config, including nil values.
	Config map[string]any
	// Status is the unit's workload status.
	Status hooktool.Status
	// AppStatus is the application's status.
	AppStatus hooktool.Status
	// UnitStatuses are the application's units' statuses by unit tag, for
	// status-get --application.
	UnitStatuses map[string]hooktool.Status
	// WorkloadVersion is the version set by application-version-set.
	WorkloadVersion string
	// Logs are the records logged by juju-log.
	Logs []LogRecord
	// HookRel is the hook's relation ("name:N"), or "" (HookRelation).
	HookRel string
	// RelationsByEndpoint are the unit's relation ids by endpoint.
	RelationsByEndpoint map[string][]string
	// RemoteUnit and RemoteApp are the hook's JUJU_REMOTE_UNIT and
	// JUJU_REMOTE_APP.
	RemoteUnit, RemoteApp string
	// Relations are the unit's relations by id.
	Relations map[int]*Relation
	// LeaderData are the application's leader settings.
	LeaderData map[string]string
	// Opened are the committed opened ports by endpoint ("" = all).
	Opened map[string][]hooktool.PortRange
	// PendingOpen and PendingClose are the port changes of this hook, as
	// "endpoint port-range" strings in call order, e.g. " 80/tcp".
	PendingOpen, PendingClose []string
	// Leader reports whether the unit is the leader.
	Leader bool
	// PublicAddr and PrivateAddr are the unit's addresses.
	PublicAddr, PrivateAddr string
	// Networks maps a binding name ("" = default) to its network info.
	Networks map[string]hooktool.NetworkInfo
	// Action is the running action, or nil when not running one.
	Action *Action
	// State is the charm state.
	State map[string]string

	// Err, when set, is returned by every method that can fail.
	Err error
}

// New returns a Context for unit "app/0" with the given config, leader,
// addresses 127.0.0.1 and a default binding on lo.
func New(config map[string]any) *Context {
	net := hooktool.NetworkInfo{
		BindAddresses: []hooktool.BindAddress{{
			InterfaceName: "lo",
			Addresses:     []hooktool.InterfaceAddress{{Address: "127.0.0.1", CIDR: "127.0.0.0/8"}},
		}},
		EgressSubnets:    []string{"127.0.0.1/32"},
		IngressAddresses: []string{"127.0.0.1"},
	}
	return &Context{
		Unit:        "app/0",
		Config:      config,
		Status:      hooktool.Status{Status: "unknown"},
		AppStatus:   hooktool.Status{Status: "unknown"},
		Leader:      true,
		PublicAddr:  "127.0.0.1",
		PrivateAddr: "127.0.0.1",
		Networks:    map[string]hooktool.NetworkInfo{"": net},
		State:       map[string]string{},
	}
}

var _ hooktool.Context = (*Context)(nil)

// Relation is one relation of a Context's unit.
type Relation struct {
	// Info is what relation-list reports.
	Info hooktool.RelationInfo
	// Data maps a unit or application name to its data bag; the unit's
	// own bags are changed by relation-set.
	Data map[string]map[string]string
}

// Lock locks the Context against concurrent tools.
func (c *Context) Lock() { c.mu.Lock() }

// Unlock undoes Lock.
func (c *Context) Unlock() { c.mu.Unlock() }

// UnitName implements hooktool.Context.
func (c *Context) UnitName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Unit
}

// ConfigSettings implements hooktool.Context.
func (c *Context) ConfigSettings() (map[string]any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return nil, c.Err
	}
	return maps.Clone(c.Config), nil
}

// UnitStatus implements hooktool.Context.
func (c *Context) UnitStatus() (hooktool.Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Status, c.Err
}

// SetUnitStatus implements hooktool.Context.
func (c *Context) SetUnitStatus(s hooktool.Status) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return c.Err
	}
	c.Status = s
	return nil
}

// ApplicationStatus implements hooktool.Context.
func (c *Context) ApplicationStatus() (hooktool.ApplicationStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return hooktool.ApplicationStatus{Application: c.AppStatus, Units: maps.Clone(c.UnitStatuses)}, c.Err
}

// SetApplicationStatus implements hooktool.Context.
func (c *Context) SetApplicationStatus(s hooktool.Status) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return c.Err
	}
	c.AppStatus = s
	return nil
}

// SetWorkloadVersion implements hooktool.Context.
func (c *Context) SetWorkloadVersion(v string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return c.Err
	}
	c.WorkloadVersion = v
	return nil
}

// Log implements hooktool.Context.
func (c *Context) Log(level, module, message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return c.Err
	}
	c.Logs = append(c.Logs, LogRecord{Level: level, Module: module, Message: message})
	return nil
}

// HookRelation implements hooktool.Context.
func (c *Context) HookRelation() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.HookRel
}

// RelationIDs implements hooktool.Context.
func (c *Context) RelationIDs(endpoint string) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return nil, c.Err
	}
	return append([]string{}, c.RelationsByEndpoint[endpoint]...), nil
}

// RemoteUnitName implements hooktool.Context.
func (c *Context) RemoteUnitName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.RemoteUnit
}

// RemoteAppName implements hooktool.Context.
func (c *Context) RemoteAppName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.RemoteApp
}

// Relation implements hooktool.Context.
func (c *Context) Relation(id int) (hooktool.RelationInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return hooktool.RelationInfo{}, c.Err
	}
	r := c.Relations[id]
	if r == nil {
		return hooktool.RelationInfo{}, hooktool.ErrRelationNotFound
	}
	return r.Info, nil
}

// RelationSettings implements hooktool.Context.
func (c *Context) RelationSettings(id int, name string, _ bool) (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return nil, c.Err
	}
	r := c.Relations[id]
	if r == nil {
		return nil, hooktool.ErrRelationNotFound
	}
	return maps.Clone(r.Data[name]), nil
}

// SetRelationSettings implements hooktool.Context.
func (c *Context) SetRelationSettings(id int, app bool, settings map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return c.Err
	}
	r := c.Relations[id]
	if r == nil {
		return hooktool.ErrRelationNotFound
	}
	name := c.Unit
	if app {
		name, _, _ = strings.Cut(c.Unit, "/")
	}
	if r.Data == nil {
		r.Data = map[string]map[string]string{}
	}
	bag := r.Data[name]
	if bag == nil {
		bag = map[string]string{}
		r.Data[name] = bag
	}
	applySettings(bag, settings)
	return nil
}

func applySettings(bag, settings map[string]string) {
	for k, v := range settings {
		if v == "" {
			delete(bag, k)
		} else {
			bag[k] = v
		}
	}
}

// LeaderSettings implements hooktool.Context.
func (c *Context) LeaderSettings() (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.LeaderData), c.Err
}

// SetLeaderSettings implements hooktool.Context.
func (c *Context) SetLeaderSettings(settings map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return c.Err
	}
	if c.LeaderData == nil {
		c.LeaderData = map[string]string{}
	}
	applySettings(c.LeaderData, settings)
	return nil
}

// OpenPortRange implements hooktool.Context.
func (c *Context) OpenPortRange(endpoint string, r hooktool.PortRange) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return c.Err
	}
	c.PendingOpen = append(c.PendingOpen, endpoint+" "+r.String())
	return nil
}

// ClosePortRange implements hooktool.Context.
func (c *Context) ClosePortRange(endpoint string, r hooktool.PortRange) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return c.Err
	}
	c.PendingClose = append(c.PendingClose, endpoint+" "+r.String())
	return nil
}

// OpenedPortRanges implements hooktool.Context.
func (c *Context) OpenedPortRanges() (map[string][]hooktool.PortRange, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return nil, c.Err
	}
	out := make(map[string][]hooktool.PortRange, len(c.Opened))
	for k, v := range c.Opened {
		out[k] = slices.Clone(v)
	}
	return out, nil
}

// IsLeader implements hooktool.Context.
func (c *Context) IsLeader() (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Leader, c.Err
}

// PublicAddress implements hooktool.Context.
func (c *Context) PublicAddress() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.PublicAddr, c.Err
}

// PrivateAddress implements hooktool.Context.
func (c *Context) PrivateAddress() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.PrivateAddr, c.Err
}

// NetworkInfo implements hooktool.Context. An unknown binding gives Juju's
// error for an undefined endpoint.
func (c *Context) NetworkInfo(binding string, relationID int) (hooktool.NetworkInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return hooktool.NetworkInfo{}, c.Err
	}
	ni, ok := c.Networks[binding]
	if !ok {
		return hooktool.NetworkInfo{}, fmt.Errorf("undefined for unit charm: endpoint %q not found", binding)
	}
	return ni, nil
}

// ActionParams implements hooktool.Context.
func (c *Context) ActionParams() (map[string]any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Action == nil {
		return nil, hooktool.ErrNotRunningAction
	}
	return c.Action.Params, nil
}

// SetActionResult implements hooktool.Context.
func (c *Context) SetActionResult(path []string, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Action == nil {
		return hooktool.ErrNotRunningAction
	}
	if len(path) == 0 {
		return errors.New("empty result key")
	}
	if c.Action.Results == nil {
		c.Action.Results = map[string]any{}
	}
	m := c.Action.Results
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = value
	return nil
}

// FailAction implements hooktool.Context.
func (c *Context) FailAction(message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Action == nil {
		return hooktool.ErrNotRunningAction
	}
	c.Action.Failed, c.Action.Message = true, message
	return nil
}

// LogAction implements hooktool.Context.
func (c *Context) LogAction(message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Action == nil {
		return hooktool.ErrNotRunningAction
	}
	c.Action.Logs = append(c.Action.Logs, message)
	return nil
}

// CharmState implements hooktool.Context.
func (c *Context) CharmState() (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return nil, c.Err
	}
	return maps.Clone(c.State), nil
}

// SetCharmState implements hooktool.Context.
func (c *Context) SetCharmState(key, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return c.Err
	}
	if c.State == nil {
		c.State = map[string]string{}
	}
	c.State[key] = value
	return nil
}

// DeleteCharmState implements hooktool.Context.
func (c *Context) DeleteCharmState(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return c.Err
	}
	delete(c.State, key)
	return nil
}
