package jujutest

import (
	"context"
	"fmt"
	"strings"
)

// Status is the state of a model as "juju status --format json" reports it.
//
// Every map is keyed by name: machine id, application name, unit name.
// An entity that Juju could not read (reported as {"status-error": "..."})
// is still present, with its status Current set to "failed" and the error
// as Message.
type Status struct {
	// Model describes the model itself.
	Model ModelStatus `json:"model"`
	// Machines are the model's machines, by id ("0", "1"...); empty on
	// Kubernetes.
	Machines map[string]MachineStatus `json:"machines,omitempty"`
	// Apps are the model's applications, by name.
	Apps map[string]AppStatus `json:"applications,omitempty"`
	// AppEndpoints are the remote (cross-model) applications the model
	// consumes.
	AppEndpoints map[string]RemoteAppStatus `json:"application-endpoints,omitempty"`
	// Offers are the offers the model makes, by offer name.
	Offers map[string]OfferStatus `json:"offers,omitempty"`
	// Storage lists storage instances, filesystems and volumes.
	Storage CombinedStorage `json:"storage"`
	// Controller holds the time the status was produced.
	Controller ControllerStatus `json:"controller"`
}

// ModelStatus describes the model itself.
type ModelStatus struct {
	// Name is the model's name, without controller or owner.
	Name string `json:"name"`
	// Type is "iaas" (machines) or "caas" (Kubernetes).
	Type string `json:"type"`
	// Controller is the controller's name.
	Controller string `json:"controller"`
	// Cloud and Region are where the model runs.
	Cloud  string `json:"cloud"`
	Region string `json:"region,omitempty"`
	// Version is the model's agent version, such as "3.6.11".
	Version string `json:"version"`
	// UpgradeAvailable is a newer agent version, if any.
	UpgradeAvailable string `json:"upgrade-available,omitempty"`
	// ModelStatus is the model's status, such as "available".
	ModelStatus StatusInfo `json:"model-status"`
	// SLA is the model's support level, such as "unsupported".
	SLA string `json:"sla,omitempty"`
}

// ControllerStatus holds the controller's view of the status call.
type ControllerStatus struct {
	// Timestamp is when the controller produced the status, as Juju
	// formats it ("13:33:47Z"). Status.Equal ignores it.
	Timestamp string `json:"timestamp,omitempty"`
}

// StatusInfo is one status value: a workload, agent, machine, application
// or model status.
type StatusInfo struct {
	// Current is the status word: active, blocked, maintenance, waiting,
	// error, unknown, idle, executing, started... and "failed" when Juju
	// reported a status-error for the entity.
	Current string `json:"current,omitempty"`
	// Message is the text set with the status, such as the charm's
	// status-set message or the status-error.
	Message string `json:"message,omitempty"`
	// Reason is a short cause Juju gives for some statuses.
	Reason string `json:"reason,omitempty"`
	// Since is when the status was set, as Juju formats it.
	Since string `json:"since,omitempty"`
	// Version is the agent version, for agent statuses.
	Version string `json:"version,omitempty"`
	// Life is "dying" or "dead" while the entity goes away; empty when
	// alive.
	Life string `json:"life,omitempty"`
}

// String returns "current" or "current (message)".
func (s StatusInfo) String() string {
	if s.Message == "" {
		return s.Current
	}
	return s.Current + " (" + s.Message + ")"
}

// Base is an operating system base such as ubuntu 24.04.
type Base struct {
	// Name is the operating system, such as "ubuntu".
	Name string `json:"name"`
	// Channel is its version, such as "24.04".
	Channel string `json:"channel"`
}

// MachineStatus describes one machine or container.
type MachineStatus struct {
	// JujuStatus is the machine agent's status: pending, started, down...
	JujuStatus StatusInfo `json:"juju-status"`
	// Hostname and DNSName are the machine's names; IPAddresses its
	// addresses.
	Hostname    string   `json:"hostname,omitempty"`
	DNSName     string   `json:"dns-name,omitempty"`
	IPAddresses []string `json:"ip-addresses,omitempty"`
	// InstanceID is the cloud's id of the machine; DisplayName the
	// cloud's name for it, when it has one.
	InstanceID  string `json:"instance-id,omitempty"`
	DisplayName string `json:"display-name,omitempty"`
	// MachineStatus is the instance's status in the cloud: allocating,
	// running...
	MachineStatus StatusInfo `json:"machine-status"`
	// ModificationStatus is the status of changes to the machine, such
	// as LXD profiles.
	ModificationStatus StatusInfo `json:"modification-status"`
	// Base is the machine's operating system.
	Base Base `json:"base"`
	// NetworkInterfaces are the machine's interfaces, by name.
	NetworkInterfaces map[string]NetworkInterface `json:"network-interfaces,omitempty"`
	// Containers are the machine's containers, by id ("0/lxd/0").
	Containers map[string]MachineStatus `json:"containers,omitempty"`
	// Constraints and Hardware are the requested and the actual
	// resources, as Juju writes them ("mem=2G", "arch=amd64 cores=2...").
	Constraints string `json:"constraints,omitempty"`
	Hardware    string `json:"hardware,omitempty"`
	// ControllerMemberStatus and HAPrimary describe a controller
	// machine's part in high availability.
	ControllerMemberStatus string `json:"controller-member-status,omitempty"`
	HAPrimary              bool   `json:"ha-primary,omitempty"`
	// LXDProfiles are the charm profiles applied to the machine, by name.
	LXDProfiles map[string]LXDProfile `json:"lxd-profiles,omitempty"`
}

// NetworkInterface is one network interface of a machine.
type NetworkInterface struct {
	// IPAddresses, MACAddress and Gateway are the interface's addresses.
	IPAddresses []string `json:"ip-addresses"`
	MACAddress  string   `json:"mac-address"`
	Gateway     string   `json:"gateway,omitempty"`
	// DNSNameservers are the interface's name servers.
	DNSNameservers []string `json:"dns-nameservers,omitempty"`
	// Space is the Juju space of the interface's subnet.
	Space string `json:"space,omitempty"`
	// IsUp reports whether the interface is up.
	IsUp bool `json:"is-up"`
}

// LXDProfile is an LXD profile applied to a machine by a charm.
type LXDProfile struct {
	// Config, Description and Devices are the profile's content, as in
	// the charm's lxd-profile.yaml.
	Config      map[string]string            `json:"config,omitempty"`
	Description string                       `json:"description,omitempty"`
	Devices     map[string]map[string]string `json:"devices,omitempty"`
}

// AppStatus describes one application.
type AppStatus struct {
	// Charm is the charm reference: "local:tinyproxy-0" for a local charm,
	// the bare name for a Charmhub charm.
	Charm string `json:"charm"`
	// CharmOrigin is "local" or "charmhub".
	CharmOrigin string `json:"charm-origin"`
	// CharmName is the charm's name; CharmRev its revision.
	CharmName string `json:"charm-name"`
	CharmRev  int    `json:"charm-rev"`
	// CharmChannel is the Charmhub channel, such as "latest/stable".
	CharmChannel string `json:"charm-channel,omitempty"`
	// CharmVersion is the charm's own version string, if any.
	CharmVersion string `json:"charm-version,omitempty"`
	// CharmProfile is the LXD profile the charm asks for, if any.
	CharmProfile string `json:"charm-profile,omitempty"`
	// CanUpgradeTo is a newer charm revision, if any.
	CanUpgradeTo string `json:"can-upgrade-to,omitempty"`
	// Base is the application's operating system.
	Base Base `json:"base"`
	// Exposed reports whether "juju expose" opened the ports to all.
	Exposed bool `json:"exposed"`
	// Scale is the number of units wanted, on Kubernetes.
	Scale int `json:"scale,omitempty"`
	// ProviderID and Address identify the application's service, on
	// Kubernetes.
	ProviderID string `json:"provider-id,omitempty"`
	Address    string `json:"address,omitempty"`
	// Life is "dying" while the application is being removed.
	Life string `json:"life,omitempty"`
	// AppStatus is the application's status: the one the leader set, or
	// the most severe of its units' workload statuses.
	AppStatus StatusInfo `json:"application-status"`
	// Relations maps each endpoint to the applications related on it.
	Relations map[string][]AppRelation `json:"relations,omitempty"`
	// SubordinateTo lists the principal applications of a subordinate.
	SubordinateTo []string `json:"subordinate-to,omitempty"`
	// Units holds the principal units. A subordinate application has none
	// here: its units are listed under each principal unit's
	// Subordinates; Status.Units finds them.
	Units map[string]UnitStatus `json:"units,omitempty"`
	// Version is the workload version set with application-version-set.
	Version string `json:"version,omitempty"`
	// EndpointBindings maps endpoints to spaces ("" is the default).
	EndpointBindings map[string]string `json:"endpoint-bindings,omitempty"`
}

// AppRelation is one relation of an application endpoint.
type AppRelation struct {
	// RelatedApp is the application at the other end.
	RelatedApp string `json:"related-application,omitempty"`
	// Interface is the relation's interface name.
	Interface string `json:"interface,omitempty"`
	// Scope is "global" or "container".
	Scope string `json:"scope,omitempty"`
}

// UnitStatus describes one unit.
type UnitStatus struct {
	// WorkloadStatus is what the charm reports (status-set), or what
	// Juju sets around hooks; "error" after a failed hook.
	WorkloadStatus StatusInfo `json:"workload-status"`
	// JujuStatus is the unit agent's status: allocating, executing, idle,
	// lost...
	JujuStatus StatusInfo `json:"juju-status"`
	// Leader reports whether the unit is its application's leader.
	Leader bool `json:"leader,omitempty"`
	// UpgradingFrom is the charm being refreshed from, during a refresh.
	UpgradingFrom string `json:"upgrading-from,omitempty"`
	// Machine is the id of the unit's machine; empty on Kubernetes.
	Machine string `json:"machine,omitempty"`
	// OpenPorts are the opened ports, such as "8000/tcp".
	OpenPorts []string `json:"open-ports,omitempty"`
	// PublicAddress and Address are the unit's public and internal
	// addresses.
	PublicAddress string `json:"public-address,omitempty"`
	Address       string `json:"address,omitempty"`
	// ProviderID is the unit's pod name, on Kubernetes.
	ProviderID string `json:"provider-id,omitempty"`
	// Subordinates are the subordinate units attached to this unit.
	Subordinates map[string]UnitStatus `json:"subordinates,omitempty"`
	// Branch is the model branch (generation) the unit tracks, if any.
	Branch string `json:"branch,omitempty"`
}

// RemoteAppStatus describes a remote application consumed from an offer.
type RemoteAppStatus struct {
	// URL is the offer's URL, such as "lxd:admin/db.postgresql".
	URL string `json:"url"`
	// Endpoints are the offered endpoints, by name.
	Endpoints map[string]RemoteEndpoint `json:"endpoints,omitempty"`
	// Life is "dying" while the remote application is being removed.
	Life string `json:"life,omitempty"`
	// AppStatus is the offering application's status.
	AppStatus StatusInfo `json:"application-status"`
	// Relations maps each endpoint to the local applications related on
	// it.
	Relations map[string][]string `json:"relations,omitempty"`
}

// RemoteEndpoint is an endpoint of an offer or a remote application.
type RemoteEndpoint struct {
	// Interface is the endpoint's interface name.
	Interface string `json:"interface"`
	// Role is "provider", "requirer" or "peer".
	Role string `json:"role"`
}

// OfferStatus describes an offer the model makes.
type OfferStatus struct {
	// App is the offered application; Charm its charm.
	App   string `json:"application"`
	Charm string `json:"charm,omitempty"`
	// TotalConnectedCount and ActiveConnectedCount count the models
	// consuming the offer, all and active.
	TotalConnectedCount  int `json:"total-connected-count,omitempty"`
	ActiveConnectedCount int `json:"active-connected-count,omitempty"`
	// Endpoints are the offered endpoints, by name.
	Endpoints map[string]RemoteEndpoint `json:"endpoints,omitempty"`
	// Error is the message Juju printed instead of the offer's details
	// when it could not read them.
	Error string `json:"status-error,omitempty"`
}

// CombinedStorage is the storage part of the status.
type CombinedStorage struct {
	// Storage are the storage instances, by id ("data/0").
	Storage map[string]StorageInfo `json:"storage,omitempty"`
	// Filesystems and Volumes are the cloud's filesystems and volumes
	// backing them, by id ("0/0", "1").
	Filesystems map[string]FilesystemInfo `json:"filesystems,omitempty"`
	Volumes     map[string]VolumeInfo     `json:"volumes,omitempty"`
}

// StorageInfo describes one storage instance.
type StorageInfo struct {
	// Kind is "filesystem" or "block".
	Kind string `json:"kind"`
	// Life is "dying" or "dead" while the storage goes away.
	Life string `json:"life,omitempty"`
	// Status is the storage's status, such as "attached".
	Status StatusInfo `json:"status"`
	// Persistent reports whether the storage outlives its unit.
	Persistent bool `json:"persistent"`
	// Attachments are the units the storage is attached to.
	Attachments StorageAttachments `json:"attachments"`
}

// StorageAttachments lists the units a storage instance is attached to.
type StorageAttachments struct {
	// Units are the attachments, by unit name.
	Units map[string]UnitStorageAttachment `json:"units,omitempty"`
}

// UnitStorageAttachment is a storage attachment to a unit.
type UnitStorageAttachment struct {
	// Machine is the unit's machine; Location where the storage is
	// mounted or attached there.
	Machine  string `json:"machine,omitempty"`
	Location string `json:"location,omitempty"`
	// Life is "dying" or "dead" while the attachment goes away.
	Life string `json:"life,omitempty"`
}

// FilesystemInfo describes one filesystem.
type FilesystemInfo struct {
	// ProviderID is the cloud's id of the filesystem.
	ProviderID string `json:"provider-id,omitempty"`
	// Volume is the id of the volume backing it, if any; Storage the id
	// of the storage instance it serves.
	Volume  string `json:"volume,omitempty"`
	Storage string `json:"storage,omitempty"`
	// Attachments are where the filesystem is attached.
	Attachments FilesystemAttachments `json:"attachments"`
	// Pool is the storage pool; Size the size in MiB.
	Pool string `json:"pool,omitempty"`
	Size uint64 `json:"size"`
	// Life is "dying" or "dead" while the filesystem goes away.
	Life string `json:"life,omitempty"`
	// Status is the filesystem's status, such as "attached".
	Status StatusInfo `json:"status"`
}

// FilesystemAttachments lists where a filesystem is attached.
type FilesystemAttachments struct {
	// Machines and Containers are the attachments by machine id; Units
	// by unit name.
	Machines   map[string]FilesystemAttachment  `json:"machines,omitempty"`
	Containers map[string]FilesystemAttachment  `json:"containers,omitempty"`
	Units      map[string]UnitStorageAttachment `json:"units,omitempty"`
}

// FilesystemAttachment is a filesystem attached to a machine or container.
type FilesystemAttachment struct {
	// MountPoint is where the filesystem is mounted.
	MountPoint string `json:"mount-point"`
	// ReadOnly reports a read-only mount.
	ReadOnly bool `json:"read-only"`
	// Life is "dying" or "dead" while the attachment goes away.
	Life string `json:"life,omitempty"`
}

// VolumeInfo describes one volume.
type VolumeInfo struct {
	// ProviderID is the cloud's id of the volume.
	ProviderID string `json:"provider-id,omitempty"`
	// Storage is the id of the storage instance it serves.
	Storage string `json:"storage,omitempty"`
	// Attachments are where the volume is attached.
	Attachments VolumeAttachments `json:"attachments"`
	// Pool is the storage pool.
	Pool string `json:"pool,omitempty"`
	// HardwareID and WWN identify the volume's device.
	HardwareID string `json:"hardware-id,omitempty"`
	WWN        string `json:"wwn,omitempty"`
	// Size is the size in MiB.
	Size uint64 `json:"size"`
	// Persistent reports whether the volume outlives its machine.
	Persistent bool `json:"persistent"`
	// Life is "dying" or "dead" while the volume goes away.
	Life string `json:"life,omitempty"`
	// Status is the volume's status, such as "attached".
	Status StatusInfo `json:"status"`
}

// VolumeAttachments lists where a volume is attached.
type VolumeAttachments struct {
	// Machines and Containers are the attachments by machine id; Units
	// by unit name.
	Machines   map[string]VolumeAttachment      `json:"machines,omitempty"`
	Containers map[string]VolumeAttachment      `json:"containers,omitempty"`
	Units      map[string]UnitStorageAttachment `json:"units,omitempty"`
}

// VolumeAttachment is a volume attached to a machine or container.
type VolumeAttachment struct {
	// Device, DeviceLink and BusAddress locate the block device on the
	// machine ("sdb", "/dev/disk/by-id/...").
	Device     string `json:"device,omitempty"`
	DeviceLink string `json:"device-link,omitempty"`
	BusAddress string `json:"bus-address,omitempty"`
	// ReadOnly reports a read-only attachment.
	ReadOnly bool `json:"read-only"`
	// Life is "dying" or "dead" while the attachment goes away.
	Life string `json:"life,omitempty"`
}

// Workload and agent status values that predicates compare against.
const (
	StatusActive      = "active"
	StatusBlocked     = "blocked"
	StatusError       = "error"
	StatusMaintenance = "maintenance"
	StatusWaiting     = "waiting"
	StatusUnknown     = "unknown"
	StatusIdle        = "idle"
	// StatusExecuting is the agent status while a hook, an action or a
	// "juju exec" runs.
	StatusExecuting = "executing"
	// StatusAllocating is the agent status of a unit whose agent has not
	// started yet.
	StatusAllocating = "allocating"
	// StatusFailed is the Current of an entity Juju reported with a
	// status-error instead of its status.
	StatusFailed = "failed"
)

// IsActive reports whether the application status is active.
func (a AppStatus) IsActive() bool { return a.AppStatus.Current == StatusActive }

// IsBlocked reports whether the application status is blocked.
func (a AppStatus) IsBlocked() bool { return a.AppStatus.Current == StatusBlocked }

// IsError reports whether the application status is error.
func (a AppStatus) IsError() bool { return a.AppStatus.Current == StatusError }

// IsMaintenance reports whether the application status is maintenance.
func (a AppStatus) IsMaintenance() bool { return a.AppStatus.Current == StatusMaintenance }

// IsWaiting reports whether the application status is waiting.
func (a AppStatus) IsWaiting() bool { return a.AppStatus.Current == StatusWaiting }

// IsActive reports whether the unit's workload status is active.
func (u UnitStatus) IsActive() bool { return u.WorkloadStatus.Current == StatusActive }

// IsBlocked reports whether the unit's workload status is blocked.
func (u UnitStatus) IsBlocked() bool { return u.WorkloadStatus.Current == StatusBlocked }

// IsError reports whether the unit's workload status is error.
func (u UnitStatus) IsError() bool { return u.WorkloadStatus.Current == StatusError }

// IsMaintenance reports whether the unit's workload status is maintenance.
func (u UnitStatus) IsMaintenance() bool { return u.WorkloadStatus.Current == StatusMaintenance }

// IsWaiting reports whether the unit's workload status is waiting.
func (u UnitStatus) IsWaiting() bool { return u.WorkloadStatus.Current == StatusWaiting }

// Units returns the units of app, keyed by unit name. For a subordinate
// application these are its subordinate units, found under the units of
// its principal applications. It returns nil when the status or the
// application is missing. The returned map must not be modified for a
// principal application: it is the application's own Units map.
func (s *Status) Units(app string) map[string]UnitStatus {
	if s == nil {
		return nil
	}
	a, ok := s.Apps[app]
	if !ok {
		return nil
	}
	if len(a.SubordinateTo) == 0 {
		return a.Units
	}
	out := make(map[string]UnitStatus)
	s.eachUnit(app, func(name string, u UnitStatus) bool {
		out[name] = u
		return true
	})
	return out
}

// eachUnit calls f for each unit of app, subordinates included as in
// Units, until f returns false; it reports whether every call returned
// true. It does not allocate, so that predicates stay cheap on large
// models.
func (s *Status) eachUnit(app string, f func(name string, u UnitStatus) bool) bool {
	a, ok := s.Apps[app]
	if !ok {
		return true
	}
	if len(a.SubordinateTo) == 0 {
		for name, u := range a.Units {
			if !f(name, u) {
				return false
			}
		}
		return true
	}
	for _, principal := range a.SubordinateTo {
		for _, pu := range s.Apps[principal].Units {
			for name, u := range pu.Subordinates {
				if len(name) > len(app) && name[len(app)] == '/' && strings.HasPrefix(name, app) {
					if !f(name, u) {
						return false
					}
				}
			}
		}
	}
	return true
}

// StatusOptions adjusts a Status call.
type StatusOptions struct {
	// Apps, when set, limits the status to these applications (and what
	// they relate to): "juju status <apps...>". Juju also accepts unit
	// names and machine ids here. A filter lets status work when other
	// parts of the model make "juju status" itself fail.
	Apps []string
}

// Status runs "juju status --format json" and parses its output.
func (j *Juju) Status(ctx context.Context) (*Status, error) {
	return j.StatusWith(ctx, StatusOptions{})
}

// StatusWith is Status with options, such as an application filter.
func (j *Juju) StatusWith(ctx context.Context, opts StatusOptions) (*Status, error) {
	return j.status(ctx, opts, false)
}

func statusArgs(opts StatusOptions) []string {
	args := make([]string, 0, 3+len(opts.Apps))
	args = append(args, "status")
	args = append(args, opts.Apps...)
	return append(args, "--format", "json")
}

func (j *Juju) status(ctx context.Context, opts StatusOptions, quiet bool) (*Status, error) {
	res, err := j.runResult(ctx, call{args: statusArgs(opts), quiet: quiet})
	if err != nil {
		return nil, err
	}
	st, err := ParseStatus(res.Stdout)
	if err != nil {
		return nil, fmt.Errorf("juju status: %w", err)
	}
	return st, nil
}
