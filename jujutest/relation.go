package jujutest

import (
	"context"
	"fmt"
)

// IntegrateOptions are the options of Integrate. The zero value integrates
// within the model.
type IntegrateOptions struct {
	// Via lists the CIDRs of outbound traffic for a cross-model relation
	// (--via).
	Via []string
}

// Integrate runs "juju integrate" between app1 and app2, each an
// application or application:endpoint (or an offer for a cross-model
// relation). It does not wait for the relation hooks to run. A nil opts
// means the defaults.
func (j *Juju) Integrate(ctx context.Context, app1, app2 string, opts *IntegrateOptions) error {
	if opts == nil {
		opts = &IntegrateOptions{}
	}
	if app1 == "" || app2 == "" {
		return fmt.Errorf("juju integrate: want two applications, got %q and %q", app1, app2)
	}
	a := argList{"integrate", app1, app2}
	a.list("--via", opts.Via)
	return j.relationCall(ctx, a, app1, app2)
}

// relationCall runs integrate or remove-relation, tracking the change on
// the units of both local applications, where relation hooks run.
func (j *Juju) relationCall(ctx context.Context, a argList, app1, app2 string) error {
	apps := relationApps(app1, app2)
	what := a[0] + " " + app1 + " " + app2
	return j.trackedCall(ctx, what, apps, call{args: a}, func(st *Status) *change {
		return unitsChange(what, st, apps, nil)
	})
}

// RemoveRelationOptions are the options of RemoveRelation.
type RemoveRelationOptions struct {
	// Force removes the relation even if hooks fail (--force).
	Force bool
}

// RemoveRelation runs "juju remove-relation" between app1 and app2, each an
// application or application:endpoint. A nil opts means the defaults.
func (j *Juju) RemoveRelation(ctx context.Context, app1, app2 string, opts *RemoveRelationOptions) error {
	if opts == nil {
		opts = &RemoveRelationOptions{}
	}
	if app1 == "" || app2 == "" {
		return fmt.Errorf("juju remove-relation: want two applications, got %q and %q", app1, app2)
	}
	a := argList{"remove-relation", app1, app2}
	a.boolean("--force", opts.Force)
	return j.relationCall(ctx, a, app1, app2)
}
