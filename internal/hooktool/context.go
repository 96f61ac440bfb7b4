package hooktool

import (
	"errors"
	"fmt"
	"strings"
)

// Context is everything a hook tool reads or changes during one hook (or
// action, or exec) run of one unit. The agent that runs the hook owns the
// Context; hook-tool processes reach it through the Server.
//
// Implementations must be safe for concurrent use: a charm may run several
// tools at once. Methods should return errors whose text is what Juju's own
// hook context would report; the tool prints it as "ERROR <text>" and exits 1.
//
// Semantics follow Juju 3.6's uniter: status, workload version, juju-log and
// action-log take effect immediately; port changes and charm state changes are
// buffered by the implementation and committed only when the hook succeeds,
// and reads (OpenedPortRanges, CharmState) within the hook see the committed
// values plus, for charm state, this hook's own changes (as Juju's cache does).
// Port reads do not show this hook's pending changes.
type Context interface {
	// UnitName returns the unit's name, e.g. "tinyproxy/0".
	UnitName() string

	// ConfigSettings returns the application's config settings: every
	// option of the charm's config, with defaults applied, and nil values
	// for options that have neither a value nor a default. The caller may
	// modify the returned map. Juju reads the settings once per hook, so a
	// config change made while a hook runs shows in the next hook.
	ConfigSettings() (map[string]any, error)

	// UnitStatus returns the unit's current workload status.
	UnitStatus() (Status, error)
	// SetUnitStatus sets the unit's workload status. The tools only pass
	// statuses Juju lets a charm set (maintenance, blocked, waiting, active).
	SetUnitStatus(s Status) error
	// ApplicationStatus returns the application's status and its units'
	// workload statuses. The tools only call it when IsLeader is true.
	ApplicationStatus() (ApplicationStatus, error)
	// SetApplicationStatus sets the application's status. The tools only
	// call it when IsLeader is true.
	SetApplicationStatus(s Status) error
	// SetWorkloadVersion records the workload version shown by juju status
	// (application-version-set).
	SetWorkloadVersion(version string) error

	// Log records a log message, as juju-log does, under the given module
	// (e.g. "unit.tinyproxy/0.juju-log") at the given level, one of
	// "TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL".
	Log(level, module, message string) error

	// HookRelation returns the relation of the running relation hook in
	// Juju's "<endpoint>:<id>" form, or "" when the hook is not a relation
	// hook. juju-log prefixes messages with it.
	HookRelation() string
	// RelationIDs returns the ids ("<endpoint>:<id>") of the unit's
	// relations on endpoint, leaving out a relation being broken, as
	// Juju's relation-ids does; an endpoint with none (or unknown) gives
	// an empty list.
	RelationIDs(endpoint string) ([]string, error)
	// RemoteUnitName returns the remote unit of the running relation hook
	// (JUJU_REMOTE_UNIT), or "".
	RemoteUnitName() string
	// RemoteAppName returns the remote application of the running
	// relation hook (JUJU_REMOTE_APP), or "".
	RemoteAppName() string
	// Relation returns the unit's relation with the numeric id, or
	// ErrRelationNotFound.
	Relation(id int) (RelationInfo, error)
	// RelationSettings returns the data bag of a unit (app false) or an
	// application (app true) in relation id. The unit's own bags include
	// this hook's changes.
	RelationSettings(id int, name string, app bool) (map[string]string, error)
	// SetRelationSettings changes the unit's own data bag (app false) or
	// its application's (app true; the tool checks leadership) in
	// relation id; an empty value deletes the key. Committed at the end of
	// a successful hook.
	SetRelationSettings(id int, app bool, settings map[string]string) error
	// LeaderSettings returns the application's leader settings.
	LeaderSettings() (map[string]string, error)
	// SetLeaderSettings merges settings into the leader settings (an empty
	// value deletes the key), at once; only the leader may.
	SetLeaderSettings(settings map[string]string) error

	// OpenPortRange requests that the port range be opened for the given
	// endpoint ("" means all endpoints). Committed at the end of the hook.
	OpenPortRange(endpoint string, r PortRange) error
	// ClosePortRange requests that the port range be closed for the given
	// endpoint ("" means all endpoints). Committed at the end of the hook.
	ClosePortRange(endpoint string, r PortRange) error
	// OpenedPortRanges returns the unit's committed opened port ranges,
	// grouped by endpoint ("" = all endpoints).
	OpenedPortRanges() (map[string][]PortRange, error)

	// IsLeader reports whether the unit is its application's leader.
	IsLeader() (bool, error)

	// PublicAddress returns the unit's public address.
	PublicAddress() (string, error)
	// PrivateAddress returns the unit's private address.
	PrivateAddress() (string, error)
	// NetworkInfo returns the network information of the unit for the
	// given endpoint (binding) name; "" means the unit's default binding
	// (unit-get private-address asks for it). relationID is the relation to
	// consider for ingress addresses, or -1 for none. An unknown binding is
	// an error, e.g. `undefined for unit charm: endpoint "x" not found`.
	NetworkInfo(binding string, relationID int) (NetworkInfo, error)

	// ActionParams returns the running action's parameters (with the
	// action schema's defaults applied), or ErrNotRunningAction.
	ActionParams() (map[string]any, error)
	// SetActionResult sets one result of the running action. path is the
	// dotted key split at the dots (["a","b"] for "a.b"); value is always a
	// string. Returns ErrNotRunningAction outside an action.
	SetActionResult(path []string, value string) error
	// FailAction marks the running action as failed with the message; the
	// hook keeps running. Returns ErrNotRunningAction outside an action.
	FailAction(message string) error
	// LogAction records a progress message of the running action (shown by
	// juju run and in its "log" results), immediately. Returns
	// ErrNotRunningAction outside an action.
	LogAction(message string) error

	// CharmState returns the unit's charm state (state-get), including the
	// changes this hook made. The caller may modify the returned map.
	CharmState() (map[string]string, error)
	// SetCharmState sets one charm-state key. Size limits are checked by
	// the tool before the call. Flushed at the end of a successful hook.
	SetCharmState(key, value string) error
	// DeleteCharmState deletes one charm-state key; deleting a missing key
	// is not an error. Flushed at the end of a successful hook.
	DeleteCharmState(key string) error
}

// ErrNotRunningAction is returned by the action methods of a Context when the
// hook is not running an action. Its text is Juju's.
var ErrNotRunningAction = errors.New("not running an action")

// ErrRelationNotFound is returned by Context.Relation for a relation the
// unit is not in. Its text is Juju's.
var ErrRelationNotFound = errors.New("relation not found")

// RelationInfo is what the relation tools know of one of the unit's
// relations.
type RelationInfo struct {
	// ID is the relation's id.
	ID int
	// Endpoint is the unit's endpoint in the relation.
	Endpoint string
	// RemoteApp is the application at the other end.
	RemoteApp string
	// Units are the remote units the unit has joined, sorted.
	Units []string
}

// Name is the relation's "<endpoint>:<id>".
func (r RelationInfo) Name() string { return fmt.Sprintf("%s:%d", r.Endpoint, r.ID) }

// ErrNotLeader is the error the tools report when a non-leader unit asks for
// or sets the application status. Its text is Juju's.
var ErrNotLeader = errors.New("this unit is not the leader")

// Status is a workload status as the status tools read and set it.
type Status struct {
	// Status is the status word: maintenance, blocked, waiting, active,
	// unknown, error, terminated, ...
	Status string
	// Message is the status message ("" for none).
	Message string
	// Data is the status data (may be nil).
	Data map[string]any
}

// ApplicationStatus is an application's status together with the statuses of
// its units, as status-get --application shows them.
type ApplicationStatus struct {
	// Application is the application's own status.
	Application Status
	// Units maps a unit tag (e.g. "unit-tinyproxy-0") to its workload
	// status.
	Units map[string]Status
}

// PortRange is a range of ports with a protocol, as open-port takes it. For
// the icmp protocol both ports are -1.
type PortRange struct {
	// FromPort is the first port of the range.
	FromPort int
	// ToPort is the last port of the range (equal to FromPort for one port).
	ToPort int
	// Protocol is "tcp", "udp" or "icmp".
	Protocol string
}

// String renders the range as Juju does: "80/tcp", "1000-2000/udp", "icmp".
func (p PortRange) String() string {
	proto := strings.ToLower(p.Protocol)
	switch {
	case proto == "icmp":
		return proto
	case p.FromPort == p.ToPort:
		return fmt.Sprintf("%d/%s", p.FromPort, proto)
	default:
		return fmt.Sprintf("%d-%d/%s", p.FromPort, p.ToPort, proto)
	}
}

// NetworkInfo is what network-get reports for one binding.
type NetworkInfo struct {
	// BindAddresses are the unit's addresses on the binding's space.
	BindAddresses []BindAddress
	// EgressSubnets are the subnets (CIDRs) traffic from the unit appears
	// to come from.
	EgressSubnets []string
	// IngressAddresses are the addresses other units should use to reach
	// this unit.
	IngressAddresses []string
}

// BindAddress is one network interface of a unit, as network-get shows it.
type BindAddress struct {
	// MACAddress is the interface's MAC address ("" when unknown).
	MACAddress string
	// InterfaceName is the interface's name, e.g. "eth0".
	InterfaceName string
	// Addresses are the interface's addresses.
	Addresses []InterfaceAddress
}

// InterfaceAddress is one address of a network interface.
type InterfaceAddress struct {
	// Hostname is the address's host name, if any.
	Hostname string
	// Address is the IP address, e.g. "127.0.0.1".
	Address string
	// CIDR is the subnet, e.g. "127.0.0.0/8".
	CIDR string
}
