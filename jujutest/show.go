package jujutest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// ModelInfo describes a model, from "juju show-model --format json".
type ModelInfo struct {
	Name           string `json:"name"`            // qualified name, owner/model
	ShortName      string `json:"short-name"`      // the model's own name
	UUID           string `json:"model-uuid"`      // the model's UUID
	Type           string `json:"model-type"`      // "iaas" or "caas"
	ControllerUUID string `json:"controller-uuid"` // the controller's UUID
	ControllerName string `json:"controller-name"` // the controller's name
	IsController   bool   `json:"is-controller"`   // whether this is the controller model
	Owner          string `json:"owner"`           // the owning user
	Cloud          string `json:"cloud"`           // the cloud, such as "localhost"
	Region         string `json:"region"`          // the cloud region
	ProviderType   string `json:"type"`            // the cloud's provider, such as "lxd"
	Life           string `json:"life"`            // "alive", "dying" or "dead"
	AgentVersion   string `json:"agent-version"`   // the model's agent version, such as "3.6.11"
	SLA            string `json:"sla"`             // the support level, such as "unsupported"

	Status     ModelInfoStatus          `json:"status"`             // the model's status
	Users      map[string]ModelUserInfo `json:"users"`              // access by user name
	Machines   map[string]ModelMachine  `json:"machines"`           // machines by id
	Credential ModelCredential          `json:"credential"`         // the cloud credential in use
	Features   []ModelFeature           `json:"supported-features"` // features the model supports
	Backends   map[string]SecretBackend `json:"secret-backends"`    // secret backends by name
}

// ModelInfoStatus is a model's status in ModelInfo.
type ModelInfoStatus struct {
	Current        string `json:"current"`         // such as "available"
	Message        string `json:"message"`         // why, if anything is wrong
	Reason         string `json:"reason"`          // a machine-readable reason
	Since          string `json:"since"`           // when the status was set
	Migration      string `json:"migration"`       // migration progress, if migrating
	MigrationStart string `json:"migration-start"` // when a migration started
	MigrationEnd   string `json:"migration-end"`   // when a migration ended
}

// ModelUserInfo is a user's access to a model.
type ModelUserInfo struct {
	DisplayName    string `json:"display-name"`    // the user's display name
	Access         string `json:"access"`          // "read", "write" or "admin"
	LastConnection string `json:"last-connection"` // when the user last connected
}

// ModelMachine is what ModelInfo says about a machine.
type ModelMachine struct {
	Cores int `json:"cores"` // the machine's CPU cores
}

// ModelCredential names the cloud credential a model uses.
type ModelCredential struct {
	Name     string `json:"name"`           // the credential's name
	Owner    string `json:"owner"`          // its owner
	Cloud    string `json:"cloud"`          // its cloud
	Validity string `json:"validity-check"` // the result of Juju's last validity check
}

// ModelFeature is a feature the model supports, such as "juju".
type ModelFeature struct {
	Name        string `json:"name"`        // the feature's name
	Description string `json:"description"` // what it is
	Version     string `json:"version"`     // its version, if any
}

// SecretBackend is the state of a secret backend a model uses.
type SecretBackend struct {
	NumSecrets int    `json:"num-secrets"` // how many of the model's secrets it holds
	Status     string `json:"status"`      // such as "active"
	Message    string `json:"message"`     // why, if anything is wrong
}

// ShowModel runs "juju show-model --format json" for model, given as
// [controller:][owner/]model. An empty model means Juju.Model, or Juju's
// current model when that is empty too.
func (j *Juju) ShowModel(ctx context.Context, model string) (*ModelInfo, error) {
	if model == "" {
		model = j.Model
	}
	a := argList{"show-model", "--format", "json"}
	if model != "" {
		a.add(model)
	}
	out, err := j.run(ctx, call{args: a, noModel: true})
	if err != nil {
		return nil, err
	}
	var raw map[string]ModelInfo
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		return nil, fmt.Errorf("juju show-model: parsing output: %w", err)
	}
	if len(raw) != 1 {
		return nil, fmt.Errorf("juju show-model: output has %d models, want 1", len(raw))
	}
	info := raw[slices.Collect(maps.Keys(raw))[0]]
	return &info, nil
}

// UnitInfo describes a unit, from "juju show-unit --format json".
type UnitInfo struct {
	WorkloadVersion string   `json:"workload-version"` // set by application-version-set
	Machine         string   `json:"machine"`          // the machine id, on machine models
	OpenedPorts     []string `json:"opened-ports"`     // such as "8888/tcp"
	PublicAddress   string   `json:"public-address"`   // the unit's public address
	Charm           string   `json:"charm"`            // the charm URL, such as "local:tinyproxy-0"
	Leader          bool     `json:"leader"`           // whether the unit is the leader
	Life            string   `json:"life"`             // "alive", "dying" or "dead"
	// Relations holds one entry per relation the unit takes part in,
	// with the data each side has set.
	Relations  []RelationInfo `json:"relation-info"`
	ProviderID string         `json:"provider-id"` // the pod, on Kubernetes models
	Address    string         `json:"address"`     // the pod address, on Kubernetes models
}

// RelationInfo is one relation of a unit, with its data bags.
type RelationInfo struct {
	RelationID      int    `json:"relation-id"`      // the relation's id
	Endpoint        string `json:"endpoint"`         // the unit's endpoint
	RelatedEndpoint string `json:"related-endpoint"` // the other side's endpoint
	CrossModel      bool   `json:"cross-model"`      // whether the other side is in another model
	// AppData is the related application's data bag.
	AppData map[string]string `json:"application-data"`
	// LocalUnit is the unit's own data bag. Juju 3.6 fills it in a peer
	// relation only: its API lists the related application's units,
	// which include the unit itself only when the related application is
	// its own (apiserver/facades/client/application, relationData).
	LocalUnit RelationUnitData `json:"local-unit"`
	// RelatedUnits are the related units' data bags, keyed by unit name.
	// Juju 4.0 leaves them out (juju#22539).
	RelatedUnits map[string]RelationUnitData `json:"related-units"`
}

// RelationUnitData is one unit's data bag in a relation.
type RelationUnitData struct {
	InScope bool              `json:"in-scope"` // whether the unit has joined the relation
	Data    map[string]string `json:"data"`     // the unit's data bag
}

// ShowUnit runs "juju show-unit <unit> --format json".
func (j *Juju) ShowUnit(ctx context.Context, unit string) (*UnitInfo, error) {
	if err := required("show-unit", "unit", unit); err != nil {
		return nil, err
	}
	out, err := j.run(ctx, call{args: []string{"show-unit", unit, "--format", "json"}})
	if err != nil {
		return nil, err
	}
	var raw map[string]UnitInfo
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		return nil, fmt.Errorf("juju show-unit %s: parsing output: %w", unit, err)
	}
	if info, ok := raw[unit]; ok {
		return &info, nil
	}
	if len(raw) == 1 { // "app/leader" comes back under the leader's name
		info := raw[slices.Collect(maps.Keys(raw))[0]]
		return &info, nil
	}
	return nil, fmt.Errorf("juju show-unit %s: unit not in the output", unit)
}
