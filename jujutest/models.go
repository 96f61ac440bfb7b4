package jujutest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// AddModelOptions are the options of AddModel. The zero value adds the
// model on the current controller's default cloud and region.
type AddModelOptions struct {
	// Cloud is the cloud, region or cloud/region to add the model to
	// (the positional argument after the name).
	Cloud string
	// Controller is the controller to add the model to (--controller);
	// empty means the current controller.
	Controller string
	// Config sets model config at creation (--config k=v, one per key,
	// sorted), formatted as SetConfig does.
	Config map[string]any
	// Credential is the cloud credential to use (--credential).
	Credential string
	// Owner makes another user the model's owner (--owner).
	Owner string
}

// AddModel runs "juju add-model --no-switch <name> ..." and returns a copy
// of j (same binary, runner, timeouts and logger) targeting the new model,
// as [controller:][owner/]name. j itself is not changed, and the CLI's
// current model is not switched. A nil opts means the defaults.
func (j *Juju) AddModel(ctx context.Context, name string, opts *AddModelOptions) (*Juju, error) {
	if opts == nil {
		opts = &AddModelOptions{}
	}
	if r, err := ParseModelRef(name); err != nil || r.Controller != "" || r.User != "" {
		return nil, fmt.Errorf("juju add-model: invalid model name %q: want a bare name of lowercase letters, digits and hyphens (give the controller and owner in AddModelOptions)", name)
	}
	a := argList{"add-model", "--no-switch", name}
	if opts.Cloud != "" {
		a.add(opts.Cloud)
	}
	a.str("--controller", opts.Controller)
	a.add(repeatFlag("--config", keyValues(opts.Config))...)
	a.str("--credential", opts.Credential)
	a.str("--owner", opts.Owner)
	if _, err := j.run(ctx, call{args: a, noModel: true}); err != nil {
		return nil, err
	}
	nj := *j
	nj.Model = ModelRef{Controller: opts.Controller, User: opts.Owner, Model: name}.String()
	return &nj, nil
}

// DestroyModelOptions are the options of DestroyModel. The zero value
// destroys the model and its storage only when Juju can do so without
// force, and waits for it to be gone.
type DestroyModelOptions struct {
	// DestroyStorage destroys the model's storage (--destroy-storage).
	DestroyStorage bool
	// ReleaseStorage releases the storage from the model instead
	// (--release-storage).
	ReleaseStorage bool
	// Force removes the model ignoring errors (--force).
	Force bool
	// NoWait, with Force, does not wait for each step to complete
	// (--no-wait).
	NoWait bool
	// Timeout, with Force, bounds Juju's wait for each step (--timeout).
	Timeout time.Duration
	// CommandTimeout bounds the whole command; zero means the larger of
	// DefaultDestroyModelTimeout and Juju.CommandTimeout.
	CommandTimeout time.Duration
}

// DefaultDestroyModelTimeout bounds destroy-model, which waits for every
// machine of the model to go away.
const DefaultDestroyModelTimeout = 10 * time.Minute

// DestroyModel runs "juju destroy-model <model> --no-prompt ...", which
// returns once the model is gone. model is [controller:][owner/]name; empty
// means j.Model. A nil opts means the defaults.
func (j *Juju) DestroyModel(ctx context.Context, model string, opts *DestroyModelOptions) error {
	if opts == nil {
		opts = &DestroyModelOptions{}
	}
	if model == "" {
		model = j.Model
	}
	if model == "" {
		return errors.New("juju destroy-model: no model given and Juju.Model is empty")
	}
	if _, err := ParseModelRef(model); err != nil {
		return fmt.Errorf("juju destroy-model: %w", err)
	}
	switch {
	case opts.DestroyStorage && opts.ReleaseStorage:
		return errors.New("juju destroy-model: DestroyStorage and ReleaseStorage exclude each other")
	case (opts.NoWait || opts.Timeout > 0) && !opts.Force:
		return errors.New("juju destroy-model: NoWait and Timeout need Force")
	}
	if err := checkNotNegative("juju destroy-model: Timeout", opts.Timeout); err != nil {
		return err
	}
	a := argList{"destroy-model", model, "--no-prompt"}
	a.boolean("--destroy-storage", opts.DestroyStorage)
	a.boolean("--release-storage", opts.ReleaseStorage)
	a.boolean("--force", opts.Force)
	a.boolean("--no-wait", opts.NoWait)
	a.duration("--timeout", opts.Timeout)
	_, err := j.run(ctx, call{args: a, noModel: true, timeout: j.longTimeout(opts.CommandTimeout, DefaultDestroyModelTimeout)})
	return err
}

// ModelSummary is one model from "juju models --format json".
type ModelSummary struct {
	// Name is the qualified name, owner/model.
	Name string `json:"name"`
	// ShortName is the model's own name.
	ShortName string `json:"short-name"`
	// UUID is the model's unique id.
	UUID string `json:"model-uuid"`
	// Type is "iaas" (machines) or "caas" (Kubernetes).
	Type string `json:"model-type"`
	// ControllerUUID and ControllerName identify the model's controller;
	// IsController reports the controller model itself.
	ControllerUUID string `json:"controller-uuid"`
	ControllerName string `json:"controller-name"`
	IsController   bool   `json:"is-controller"`
	// Owner is the user who owns the model.
	Owner string `json:"owner"`
	// Cloud and Region are where the model runs.
	Cloud  string `json:"cloud"`
	Region string `json:"region"`
	// ProviderType is the cloud's provider, such as "lxd".
	ProviderType string `json:"type"`
	// Credential is the cloud credential the model uses.
	Credential ModelCredential `json:"credential"`
	// Life is "dying" while the model is being destroyed.
	Life string `json:"life"`
	// Status is the model's status.
	Status ModelInfoStatus `json:"status"`
	// Access is the current user's access: "read", "write" or "admin".
	Access string `json:"access"`
	// LastConnection is when the current user last connected, as Juju
	// writes it.
	LastConnection string `json:"last-connection"`
	// SLA is the model's support level.
	SLA string `json:"sla"`
	// AgentVersion is the model's agent version.
	AgentVersion string `json:"agent-version"`
}

// Models runs "juju models --format json" and returns the models the user
// can see on the controller of j.Model when it names one, otherwise on the
// current controller.
func (j *Juju) Models(ctx context.Context) ([]ModelSummary, error) {
	a := argList{"models", "--format", "json"}
	if r, err := ParseModelRef(j.Model); err == nil {
		a.str("--controller", r.Controller)
	}
	out, err := j.run(ctx, call{args: a, noModel: true})
	if err != nil {
		return nil, err
	}
	var list struct {
		Models []ModelSummary `json:"models"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		return nil, fmt.Errorf("juju models: parsing output: %w", err)
	}
	return list.Models, nil
}
