package jujutest

import (
	"context"
	"strings"
	"time"
)

// BootstrapOptions are the options of Bootstrap. The zero value bootstraps
// with Juju's defaults.
type BootstrapOptions struct {
	// BootstrapBase is the controller machine's base (--bootstrap-base).
	BootstrapBase string
	// BootstrapConstraints constrain the controller machine, one
	// --bootstrap-constraints k=v each.
	BootstrapConstraints map[string]any
	// Config sets controller and default-model config, one --config k=v
	// each.
	Config map[string]any
	// Constraints apply to the controller model, one --constraints k=v
	// each.
	Constraints map[string]any
	// Credential is the cloud credential to use (--credential).
	Credential string
	// Force allows a bootstrap that would otherwise be refused (--force).
	Force bool
	// ModelDefaults sets defaults for all models, one --model-default k=v
	// each.
	ModelDefaults map[string]any
	// StoragePool describes a storage pool to create, one --storage-pool
	// k=v per attribute (name, type and the provider's attributes).
	StoragePool map[string]string
	// To is the placement of the controller machine (--to).
	To string
	// MetadataSource is a local path to simplestreams metadata
	// (--metadata-source).
	MetadataSource string
	// Timeout bounds the command. Zero means the larger of
	// DefaultBootstrapTimeout and Juju.CommandTimeout.
	Timeout time.Duration
}

// Bootstrap runs "juju bootstrap <cloud> <controller> --no-switch" to
// create a controller. It does not change Juju.Model: add a model with
// AddModel, or set Model to "<controller>:<model>". Juju's progress, on
// standard error, is passed to Logf. A nil opts means the defaults.
func (j *Juju) Bootstrap(ctx context.Context, cloud, controller string, opts *BootstrapOptions) error {
	if opts == nil {
		opts = &BootstrapOptions{}
	}
	if err := required("bootstrap", "cloud", cloud); err != nil {
		return err
	}
	if err := required("bootstrap", "controller name", controller); err != nil {
		return err
	}
	a := argList{"bootstrap", cloud, controller, "--no-switch"}
	a.str("--bootstrap-base", opts.BootstrapBase)
	kvFlags(&a, "--bootstrap-constraints", opts.BootstrapConstraints)
	kvFlags(&a, "--config", opts.Config)
	kvFlags(&a, "--constraints", opts.Constraints)
	a.str("--credential", opts.Credential)
	a.boolean("--force", opts.Force)
	kvFlags(&a, "--model-default", opts.ModelDefaults)
	kvFlags(&a, "--storage-pool", opts.StoragePool)
	a.str("--to", opts.To)
	a.str("--metadata-source", opts.MetadataSource)
	res, err := j.runResult(ctx, call{
		args:    a,
		noModel: true,
		timeout: j.longTimeout(opts.Timeout, DefaultBootstrapTimeout),
	})
	if err == nil {
		for _, line := range strings.Split(strings.TrimRight(string(res.Stderr), "\n"), "\n") {
			if line != "" {
				j.logf("bootstrap: %s", line)
			}
		}
	}
	return err
}
