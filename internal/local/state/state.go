// Package state is the on-disk state of the local backend: its models,
// applications, units, statuses, tasks (exec and actions) and the file
// layout of its data directory.
//
// All state lives in one JSON document (state.json) under the data
// directory. Every change goes through Store.Update, which holds an
// exclusive file lock (flock) for the read-modify-write and replaces the
// file atomically (write to a temporary file, then rename), so concurrent
// CLI processes and agents never see or leave a half-written document.
// Readers take a shared lock.
package state

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SchemaVersion is the version of the state document this package writes.
const SchemaVersion = 1

// Life values, as Juju names them.
const (
	Alive = "alive"
	Dying = "dying"
	Dead  = "dead"
)

// Task kinds.
const (
	TaskExec   = "exec"
	TaskAction = "action"
)

// Task statuses, as Juju's actions have them.
const (
	TaskPending   = "pending"
	TaskRunning   = "running"
	TaskCompleted = "completed"
	TaskFailed    = "failed"
	TaskAborted   = "aborted"
)

// State is the whole document: the local "controller" and its models.
type State struct {
	// Version is SchemaVersion when written by this package.
	Version int `json:"version"`
	// ControllerUUID identifies the local controller (random, made once).
	ControllerUUID string `json:"controller-uuid"`
	// CurrentModel is the name of the current model ("" for none).
	CurrentModel string `json:"current-model,omitempty"`
	// Models maps model UUID to model.
	Models map[string]*Model `json:"models"`
	// NextID is the last operation/task id handed out; ids are shared by
	// operations and tasks, as Juju's are.
	NextID int `json:"next-id"`
}

// Model is one model.
type Model struct {
	// UUID is the model's UUID.
	UUID string `json:"uuid"`
	// Name is the model's short name (unique in the state).
	Name string `json:"name"`
	// Owner is the model's owner ("admin").
	Owner string `json:"owner"`
	// Created is when add-model created the model.
	Created time.Time `json:"created"`
	// Life is Alive, or Dying once destroy-model started.
	Life string `json:"life"`
	// Status is the model status (available, destroying).
	Status Status `json:"status"`
	// Config holds model-config values set by the user (not defaults).
	Config map[string]any `json:"config,omitempty"`
	// DestroyForce is set by destroy-model --force.
	DestroyForce bool `json:"destroy-force,omitempty"`
	// DestroyDeadline is when a forced destroy-model stops running hooks
	// and removes what is left.
	DestroyDeadline time.Time `json:"destroy-deadline,omitempty"`
	// AllowHost records that the user opted in to running hooks on this
	// host for this model.
	AllowHost bool `json:"allow-host,omitempty"`
	// Provider is where the model's machines are: ProviderHost ("" in
	// states written before providers) or ProviderLXD.
	Provider string `json:"provider,omitempty"`
	// NextMachine is the id of the next machine added (LXD models).
	NextMachine int `json:"next-machine,omitempty"`
	// Agent is the model's agent process, if one was started.
	Agent *AgentProcess `json:"agent,omitempty"`
	// Machines maps machine id to machine.
	Machines map[string]*Machine `json:"machines"`
	// Applications maps application name to application.
	Applications map[string]*Application `json:"applications"`
	// CharmRevisions maps a local charm name to the revision its next
	// upload gets (Juju counts local revisions per model).
	CharmRevisions map[string]int `json:"charm-revisions,omitempty"`
	// Tasks maps task id to task (exec and actions).
	Tasks map[string]*Task `json:"tasks,omitempty"`
	// Relations maps a relation id (in decimal) to the relation.
	Relations map[string]*Relation `json:"relations,omitempty"`
	// NextRelation is the id the next relation gets.
	NextRelation int `json:"next-relation,omitempty"`
}

// Providers of a model's machines.
const (
	// ProviderHost runs every unit on this host, as machine "0".
	ProviderHost = "host"
	// ProviderLXD makes every machine an LXD system container.
	ProviderLXD = "lxd"
)

// IsLXD reports whether the model's machines are LXD containers.
func (m *Model) IsLXD() bool { return m.Provider == ProviderLXD }

// RunsHooks reports whether the model's agent runs hooks: always in an
// LXD model (its hooks touch only its containers), and on the host only
// with the user's opt-in.
func (m *Model) RunsHooks() bool { return m.AllowHost || m.IsLXD() }

// AgentProcess records a running agent process.
type AgentProcess struct {
	// PID is the process id; it is also the process group id.
	PID int `json:"pid"`
	// StartTicks is the process start time in clock ticks since boot
	// (field 22 of /proc/<pid>/stat), to tell the process from a later one
	// that got the same pid.
	StartTicks uint64 `json:"start-ticks"`
	// Socket is the hook-tool server's socket path.
	Socket string `json:"socket"`
	// Ready is set by the agent once it serves.
	Ready bool `json:"ready,omitempty"`
	// Supervisor and SupervisorTicks identify the process that runs the
	// agent and restarts it when it dies, as a service manager restarts
	// Juju's agents. It leads the process group the agent runs in.
	Supervisor      int    `json:"supervisor,omitempty"`
	SupervisorTicks uint64 `json:"supervisor-ticks,omitempty"`
}

// Alive reports whether the agent process runs.
func (a *AgentProcess) Alive(running func(pid int, ticks uint64) bool) bool {
	return a != nil && running(a.PID, a.StartTicks)
}

// Supervised reports whether the agent's supervisor runs (and so will
// restart a dead agent).
func (a *AgentProcess) Supervised(running func(pid int, ticks uint64) bool) bool {
	return a != nil && a.Supervisor != 0 && running(a.Supervisor, a.SupervisorTicks)
}

// Machine is one machine of a model.
type Machine struct {
	// ID is the machine id, e.g. "0".
	ID string `json:"id"`
	// Hostname is the machine's host name.
	Hostname string `json:"hostname"`
	// Address is the machine's (and its units') address.
	Address string `json:"address"`
	// Base is the machine's OS base.
	Base Base `json:"base"`
	// Created is when the machine was added.
	Created time.Time `json:"created"`
	// InstanceID is the provider's id for the machine.
	InstanceID string `json:"instance-id"`
	// Hardware is Juju's hardware characteristics string.
	Hardware string `json:"hardware,omitempty"`
	// Image is the LXD image alias the machine's container is made from
	// (LXD models only).
	Image string `json:"image,omitempty"`
	// Agent is the machine agent's status (juju-status: pending, started,
	// down); zero for a host machine, which is started from the first.
	Agent Status `json:"agent,omitempty"`
	// Instance is the machine's instance status (machine-status: pending,
	// allocating, running, provisioning error); zero for a host machine.
	Instance Status `json:"instance,omitempty"`
	// Life is Dying once the machine is to be removed (its last unit
	// went), when the agent deletes its container.
	Life string `json:"life,omitempty"`
}

// Base is an OS base, e.g. ubuntu 22.04.
type Base struct {
	// Name is the OS name, e.g. "ubuntu".
	Name string `json:"name"`
	// Channel is the OS version, e.g. "22.04".
	Channel string `json:"channel"`
}

// String renders the base as "name@channel".
func (b Base) String() string {
	if b.Name == "" {
		return ""
	}
	return b.Name + "@" + b.Channel
}

// Application is a deployed application.
type Application struct {
	// Name is the application's name.
	Name string `json:"name"`
	// CharmName is the charm's name (its metadata name).
	CharmName string `json:"charm-name"`
	// CharmRev is the local charm revision the model gave the upload.
	CharmRev int `json:"charm-rev"`
	// Archive is the path of the stored charm archive.
	Archive string `json:"archive"`
	// CharmVersion is the charm's own version file content, if any.
	CharmVersion string `json:"charm-version,omitempty"`
	// Endpoints are the charm's relation endpoints (for endpoint-bindings).
	Endpoints []string `json:"endpoints,omitempty"`
	// Relations are the charm's relation endpoints with their roles and
	// interfaces, the implicit juju-info included, sorted as Juju sorts
	// them (requirers, providers, peers; by name).
	Relations []Endpoint `json:"relations,omitempty"`
	// LeaderSettings are the application's leader settings (leader-set),
	// with the version that tells the other units a change.
	LeaderSettings Databag `json:"leader-settings,omitzero"`
	// Base is the application's base (the charm's, or --base).
	Base Base `json:"base"`
	// Life is Alive, or Dying once removal started.
	Life string `json:"life"`
	// Force is set when the application is removed with --force.
	Force bool `json:"force,omitempty"`
	// Config holds charm settings set by the user (not defaults).
	Config map[string]any `json:"config,omitempty"`
	// Trust is the "trust" application setting.
	Trust bool `json:"trust,omitempty"`
	// Exposed is set by expose (and cleared by unexpose).
	Exposed bool `json:"exposed,omitempty"`
	// Status is the application status set by the leader (zero: derived
	// from the units).
	Status Status `json:"status,omitempty"`
	// Leader is the name of the leader unit.
	Leader string `json:"leader,omitempty"`
	// NextUnit is the number the next unit gets.
	NextUnit int `json:"next-unit"`
	// Units maps unit name to unit.
	Units map[string]*Unit `json:"units"`
	// Created is when deploy created the application.
	Created time.Time `json:"created"`
}

// ConfigValue returns a stored charm setting (Application.Config) in the Go
// type charm/v12 gives an option of type optionType: the JSON document
// turns int64 values into float64, which "int" options get back.
func ConfigValue(optionType string, v any) any {
	if f, ok := v.(float64); ok && optionType == "int" {
		return int64(f)
	}
	return v
}

// CharmURL is the charm URL Juju shows for a local charm.
func (a *Application) CharmURL() string {
	return "local:" + a.CharmName + "-" + strconv.Itoa(a.CharmRev)
}

// UnitNames returns the application's unit names in natural order.
func (a *Application) UnitNames() []string {
	names := make([]string, 0, len(a.Units))
	for n := range a.Units {
		names = append(names, n)
	}
	SortUnitNames(names)
	return names
}

// Unit is one unit of an application.
type Unit struct {
	// Name is the unit's name, e.g. "app/0".
	Name string `json:"name"`
	// Machine is the id of the unit's machine.
	Machine string `json:"machine"`
	// Life is Alive, or Dying once removal started.
	Life string `json:"life"`
	// Force is set when the unit is removed with --force.
	Force bool `json:"force,omitempty"`
	// Workload is the workload status as the charm (or the agent) set it.
	Workload Status `json:"workload"`
	// CharmSetStatus records that the charm has called status-set.
	CharmSetStatus bool `json:"charm-set-status,omitempty"`
	// Agent is the agent (juju-status) status.
	Agent Status `json:"agent"`
	// HookError is the name of the hook that failed; the unit is stuck
	// until it is removed (no automatic retry).
	HookError string `json:"hook-error,omitempty"`
	// HookErrorSince is when the hook failed.
	HookErrorSince time.Time `json:"hook-error-since,omitempty"`
	// WorkloadVersion is what application-version-set recorded.
	WorkloadVersion string `json:"workload-version,omitempty"`
	// WorkloadVersionSince is when it was recorded.
	WorkloadVersionSince time.Time `json:"workload-version-since,omitempty"`
	// Ports are the committed opened ports, by endpoint ("" = all).
	Ports map[string][]PortRange `json:"ports,omitempty"`
	// CharmState is the committed charm state (state-set).
	CharmState map[string]string `json:"charm-state,omitempty"`
	// Installed is set once the install hook succeeded (and cleared by
	// the remove hook).
	Installed bool `json:"installed,omitempty"`
	// Started is set once the start hook succeeded.
	Started bool `json:"started,omitempty"`
	// Stopped is set once the stop hook succeeded.
	Stopped bool `json:"stopped,omitempty"`
	// LeaderElected is set once leader-elected (on the leader) or
	// leader-settings-changed (on the others) succeeded.
	LeaderElected bool `json:"leader-elected,omitempty"`
	// LeaderSettingsSeen is the version of the application's LeaderSettings the
	// unit's last leader-settings-changed saw.
	LeaderSettingsSeen int64 `json:"leader-settings-seen,omitempty"`
	// ConfigHash is the hash of the config the last successful
	// config-changed saw ("" = never ran).
	ConfigHash string `json:"config-hash,omitempty"`
	// LastUpdateStatus is when update-status last ran.
	LastUpdateStatus time.Time `json:"last-update-status,omitempty"`
	// Created is when the unit was added.
	Created time.Time `json:"created"`
}

// Tag returns the unit's tag, e.g. "unit-app-0".
func (u *Unit) Tag() string { return UnitTag(u.Name) }

// UnitTag returns the tag of a unit name: "app/0" -> "unit-app-0".
func UnitTag(name string) string {
	return "unit-" + strings.ReplaceAll(name, "/", "-")
}

// Status is a status value with its message and the time it was set.
type Status struct {
	// Current is the status value, e.g. "active".
	Current string `json:"current,omitempty"`
	// Message is the status message.
	Message string `json:"message,omitempty"`
	// Since is when the status was set.
	Since time.Time `json:"since,omitempty"`
	// Data is the status data (status-get --include-data).
	Data map[string]any `json:"data,omitempty"`
}

// IsZero reports whether no status was set.
func (s Status) IsZero() bool { return s.Current == "" }

// NewStatus returns a status set now.
func NewStatus(current, message string, now time.Time) Status {
	return Status{Current: current, Message: message, Since: now}
}

// PortRange is an opened port range.
type PortRange struct {
	// From is the first port (0 for icmp).
	From int `json:"from"`
	// To is the last port (From for a single port).
	To int `json:"to"`
	// Protocol is "tcp", "udp" or "icmp".
	Protocol string `json:"protocol"`
}

// String renders the range as Juju does: "80/tcp", "1000-2000/udp", "icmp".
func (p PortRange) String() string {
	switch {
	case p.Protocol == "icmp":
		return "icmp"
	case p.From == p.To:
		return strconv.Itoa(p.From) + "/" + p.Protocol
	default:
		return strconv.Itoa(p.From) + "-" + strconv.Itoa(p.To) + "/" + p.Protocol
	}
}

// Task is one exec or action task on a unit.
type Task struct {
	// ID is the task id.
	ID string `json:"id"`
	// Operation is the id of the operation the task belongs to.
	Operation string `json:"operation"`
	// Kind is TaskExec or TaskAction.
	Kind string `json:"kind"`
	// Unit is the unit the task runs on ("" for a machine exec task).
	Unit string `json:"unit"`
	// Machine is the machine a machine exec task runs on ("" for a unit's
	// task).
	Machine string `json:"machine,omitempty"`
	// Action is the action name (actions only).
	Action string `json:"action,omitempty"`
	// Params are the action parameters with defaults applied.
	Params map[string]any `json:"params,omitempty"`
	// Command is the exec command line (exec only).
	Command string `json:"command,omitempty"`
	// Timeout bounds an exec command (0 = none).
	Timeout time.Duration `json:"timeout,omitempty"`
	// Status is one of the Task* statuses.
	Status string `json:"status"`
	// Message is the failure message (action-fail's, or "exit status N").
	Message string `json:"message,omitempty"`
	// Enqueued is when the task was queued.
	Enqueued time.Time `json:"enqueued"`
	// Started is when the task started running.
	Started time.Time `json:"started,omitempty"`
	// Completed is when the task finished.
	Completed time.Time `json:"completed,omitempty"`
	// Results are action-set results (nested maps of strings).
	Results map[string]any `json:"results,omitempty"`
	// ReturnCode is the handler's or command's exit code.
	ReturnCode int `json:"return-code"`
	// Stdout and Stderr are the handler's or command's output. They are
	// not part of the state document, which every command reads: the agent
	// stores them beside it (Store.SaveTaskOutput) and the CLI loads them
	// (Store.LoadTaskOutput).
	Stdout string `json:"-"`
	Stderr string `json:"-"`
	// Log are the action-log messages.
	Log []TaskLog `json:"log,omitempty"`
}

// MaxDoneTasks is how many finished tasks a model keeps (see PruneTasks).
// Nothing reads a finished task but the CLI that waits for it, which polls
// far more often than this many tasks can finish; keeping more would only
// make the state document, which every command reads, grow without end.
const MaxDoneTasks = 100

// PruneTasks drops the model's oldest finished tasks beyond keep, and
// returns their ids (whose output files can go too).
func (m *Model) PruneTasks(keep int) []string {
	var done []*Task
	for _, t := range m.Tasks {
		if t.Done() {
			done = append(done, t)
		}
	}
	if len(done) <= keep {
		return nil
	}
	sort.Slice(done, func(i, j int) bool {
		if !done[i].Completed.Equal(done[j].Completed) {
			return done[i].Completed.Before(done[j].Completed)
		}
		return done[i].ID < done[j].ID
	})
	var ids []string
	for _, t := range done[:len(done)-keep] {
		delete(m.Tasks, t.ID)
		ids = append(ids, t.ID)
	}
	return ids
}

// Done reports whether the task has finished.
func (t *Task) Done() bool {
	switch t.Status {
	case TaskCompleted, TaskFailed, TaskAborted:
		return true
	}
	return false
}

// TaskLog is one action-log message.
type TaskLog struct {
	// Time is when the message was logged.
	Time time.Time `json:"time"`
	// Message is the message.
	Message string `json:"message"`
}

// ModelByName returns the model with the given (short) name, or nil.
func (s *State) ModelByName(name string) *Model {
	for _, m := range s.Models {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// ModelNames returns the names of all models, sorted.
func (s *State) ModelNames() []string {
	names := make([]string, 0, len(s.Models))
	for _, m := range s.Models {
		names = append(names, m.Name)
	}
	sort.Strings(names)
	return names
}

// NewID returns the next operation/task id.
func (s *State) NewID() string {
	s.NextID++
	return strconv.Itoa(s.NextID)
}

// UnitsOn returns the units on machine id, sorted by application and
// unit number.
func (m *Model) UnitsOn(id string) []*Unit {
	var out []*Unit
	for _, app := range m.AppNames() {
		a := m.Applications[app]
		for _, name := range a.UnitNames() {
			if u := a.Units[name]; u.Machine == id {
				out = append(out, u)
			}
		}
	}
	return out
}

// Unit returns the unit with the given name and its application, or nils.
func (m *Model) Unit(name string) (*Application, *Unit) {
	app, _, ok := strings.Cut(name, "/")
	if !ok {
		return nil, nil
	}
	a := m.Applications[app]
	if a == nil {
		return nil, nil
	}
	u := a.Units[name]
	if u == nil {
		return nil, nil
	}
	return a, u
}

// AppNames returns the model's application names, sorted.
func (m *Model) AppNames() []string {
	names := make([]string, 0, len(m.Applications))
	for n := range m.Applications {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// UnitCount returns the number of units in the model.
func (m *Model) UnitCount() int {
	n := 0
	for _, a := range m.Applications {
		n += len(a.Units)
	}
	return n
}

// SortUnitNames sorts unit names by application, then by number.
func SortUnitNames(names []string) {
	sort.Slice(names, func(i, j int) bool { return LessUnitName(names[i], names[j]) })
}

// LessUnitName orders "app/2" before "app/10".
func LessUnitName(a, b string) bool {
	aa, an, _ := strings.Cut(a, "/")
	ba, bn, _ := strings.Cut(b, "/")
	if aa != ba {
		return aa < ba
	}
	ai, aerr := strconv.Atoi(an)
	bi, berr := strconv.Atoi(bn)
	if aerr != nil || berr != nil {
		return an < bn
	}
	return ai < bi
}

// UpdateStatusIntervalKey is the model-config key of the update-status
// hook interval.
const UpdateStatusIntervalKey = "update-status-hook-interval"

// DefaultUpdateStatusInterval is Juju's default update-status interval.
const DefaultUpdateStatusInterval = 5 * time.Minute

// UpdateStatusInterval returns the model's update-status interval.
func (m *Model) UpdateStatusInterval() time.Duration {
	if v, ok := m.Config[UpdateStatusIntervalKey].(string); ok {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
	}
	return DefaultUpdateStatusInterval
}

// ControllerName is the name of the local backend's controller, as error
// messages and status show it.
const ControllerName = "juju-local"

// ModelNotFoundError is Juju's error for an unknown model.
type ModelNotFoundError struct {
	// Name is the model name (or UUID prefix) that was not found.
	Name string
}

// Error implements error, with Juju's text.
func (e *ModelNotFoundError) Error() string {
	return "model " + ControllerName + ":admin/" + e.Name + " not found"
}

// ErrNoModel is Juju's error when no model is in focus.
var ErrNoModel = errors.New(`No model in focus.

Please use "juju models" to see models available to you.
You can set current model by running "juju switch"
or specify any other model on the command line using the "-m" option.
`)

// ModelRefName strips the optional "controller:" and "owner/" parts of a
// model reference ("[controller:][owner/]model").
func ModelRefName(ref string) string {
	if _, rest, ok := strings.Cut(ref, ":"); ok {
		ref = rest
	}
	if _, rest, ok := strings.Cut(ref, "/"); ok {
		ref = rest
	}
	return ref
}

// FindModel resolves a model reference ("" = the current model) by name,
// else by a UUID prefix of at least 6 characters, as Juju does.
func (s *State) FindModel(ref string) (*Model, error) {
	name := ModelRefName(ref)
	if name == "" {
		name = s.CurrentModel
		if name == "" {
			return nil, ErrNoModel
		}
	}
	if m := s.ModelByName(name); m != nil {
		return m, nil
	}
	if len(name) > 5 {
		for uuid, m := range s.Models {
			if strings.HasPrefix(uuid, name) {
				return m, nil
			}
		}
	}
	return nil, &ModelNotFoundError{Name: name}
}
