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
	// Name is the qualified name, owner/model.
	Name string `json:"name"`
	// ShortName is the model's own name.
	ShortName      string `json:"short-name"`
	UUID           string `json:"model-uuid"`
	Type           string `json:"model-type"` // "iaas" or "caas"
	ControllerUUID string `json:"controller-uuid"`
	ControllerName string `json:"controller-name"`
	IsController   bool   `json:"is-controller"`
	Owner          string `json:"owner"`
	Cloud          string `json:"cloud"`
	Region         string `json:"region"`
	// ProviderType is the cloud's provider, such as "lxd".
	ProviderType string                   `json:"type"`
	Life         string                   `json:"life"`
	Status       ModelInfoStatus          `json:"status"`
	Users        map[string]ModelUserInfo `json:"users"`
	Machines     map[string]ModelMachine  `json:"machines"`
	AgentVersion string                   `json:"agent-version"`
	Credential   ModelCredential          `json:"credential"`
	SLA          string                   `json:"sla"`
	Features     []ModelFeature           `json:"supported-features"`
	Backends     map[string]SecretBackend `json:"secret-backends"`
}

// ModelInfoStatus is a model's status in ModelInfo.
type ModelInfoStatus struct {
	Current        string `json:"current"`
	Message        string `json:"message"`
	Reason         string `json:"reason"`
	Since          string `json:"since"`
	Migration      string `json:"migration"`
	MigrationStart string `json:"migration-start"`
	MigrationEnd   string `json:"migration-end"`
}

// ModelUserInfo is a user's access to a model.
type ModelUserInfo struct {
	DisplayName    string `json:"display-name"`
	Access         string `json:"access"`
	LastConnection string `json:"last-connection"`
}

// ModelMachine is what ModelInfo says about a machine.
type ModelMachine struct {
	Cores int `json:"cores"`
}

// ModelCredential names the cloud credential a model uses.
type ModelCredential struct {
	Name     string `json:"name"`
	Owner    string `json:"owner"`
	Cloud    string `json:"cloud"`
	Validity string `json:"validity-check"`
}

// ModelFeature is a feature the model supports, such as "juju".
type ModelFeature struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Version     string `json:"version"`
}

// SecretBackend is the state of a secret backend a model uses.
type SecretBackend struct {
	NumSecrets int    `json:"num-secrets"`
	Status     string `json:"status"`
	Message    string `json:"message"`
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
	WorkloadVersion string   `json:"workload-version"`
	Machine         string   `json:"machine"`
	OpenedPorts     []string `json:"opened-ports"`
	PublicAddress   string   `json:"public-address"`
	// Charm is the charm URL, such as "local:tinyproxy-0".
	Charm  string `json:"charm"`
	Leader bool   `json:"leader"`
	Life   string `json:"life"`
	// Relations holds one entry per relation the unit takes part in,
	// with the data each side has set.
	Relations []RelationInfo `json:"relation-info"`
	// ProviderID and Address are set on Kubernetes models.
	ProviderID string `json:"provider-id"`
	Address    string `json:"address"`
}

// RelationInfo is one relation of a unit, with its data bags.
type RelationInfo struct {
	RelationID      int    `json:"relation-id"`
	Endpoint        string `json:"endpoint"`
	RelatedEndpoint string `json:"related-endpoint"`
	CrossModel      bool   `json:"cross-model"`
	// AppData is the related application's data bag.
	AppData map[string]string `json:"application-data"`
	// LocalUnit is the unit's own data bag.
	LocalUnit RelationUnitData `json:"local-unit"`
	// RelatedUnits are the related units' data bags, keyed by unit name.
	// Juju 4.0 leaves them out (juju#22539).
	RelatedUnits map[string]RelationUnitData `json:"related-units"`
}

// RelationUnitData is one unit's data bag in a relation.
type RelationUnitData struct {
	InScope bool              `json:"in-scope"`
	Data    map[string]string `json:"data"`
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
