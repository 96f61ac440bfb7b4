package jujutest

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// AddUnitOptions are the options of AddUnit. The zero value adds one unit
// where Juju chooses.
type AddUnitOptions struct {
	// AttachStorage lists existing storage instances to attach to the new
	// unit (--attach-storage).
	AttachStorage []string
	// NumUnits is the number of units to add (--num-units). Zero means
	// Juju's default, 1.
	NumUnits int
	// To lists placement directives (--to), such as "0" or "lxd:1".
	To []string
}

// AddUnit runs "juju add-unit" to add units to app. It does not wait for
// them to start. A nil opts means the defaults.
func (j *Juju) AddUnit(ctx context.Context, app string, opts *AddUnitOptions) error {
	if opts == nil {
		opts = &AddUnitOptions{}
	}
	if err := required("add-unit", "application", app); err != nil {
		return err
	}
	if err := checkNotNegative("juju add-unit: NumUnits", opts.NumUnits); err != nil {
		return err
	}
	a := argList{"add-unit", app}
	a.list("--attach-storage", opts.AttachStorage)
	a.integer("--num-units", opts.NumUnits)
	a.list("--to", opts.To)
	what := "add-unit " + app
	return j.trackedCall(ctx, what, []string{app}, call{args: a}, func(st *Status) *change {
		return newUnitsChange(what, st, app, max(opts.NumUnits, 1))
	})
}

// RemoveUnitOptions are the options of RemoveUnit. The zero value removes
// the named units, detaching (not destroying) their storage.
type RemoveUnitOptions struct {
	// DestroyStorage destroys the units' storage (--destroy-storage).
	DestroyStorage bool
	// Force removes the units even if they are in error (--force).
	Force bool
	// NoWait, with Force, does not wait for each step to time out
	// (--no-wait).
	NoWait bool
	// NumUnits is how many units to remove from the application named
	// instead of units, on Kubernetes models (--num-units).
	NumUnits int
}

// RemoveUnit runs "juju remove-unit --no-prompt" for the named units. On a
// Kubernetes model, pass the application name and set NumUnits instead.
// It does not wait for the units to go. A nil opts means the defaults.
func (j *Juju) RemoveUnit(ctx context.Context, units []string, opts *RemoveUnitOptions) error {
	if opts == nil {
		opts = &RemoveUnitOptions{}
	}
	if len(units) == 0 {
		return fmt.Errorf("juju remove-unit: no units given")
	}
	if err := checkNotNegative("juju remove-unit: NumUnits", opts.NumUnits); err != nil {
		return err
	}
	a := argList{"remove-unit", "--no-prompt"}
	a.add(units...)
	a.boolean("--destroy-storage", opts.DestroyStorage)
	a.boolean("--force", opts.Force)
	a.boolean("--no-wait", opts.NoWait)
	a.integer("--num-units", opts.NumUnits)
	apps := unitApps(units)
	what := "remove-unit " + strings.Join(units, " ")
	return j.trackedCall(ctx, what, apps, call{args: a}, func(st *Status) *change {
		if opts.NumUnits > 0 {
			return unitsChange(what, st, apps, nil)
		}
		return unitsChange(what, st, apps, units)
	})
}

// unitApps returns the applications of unit names (an application name
// stays as it is).
func unitApps(units []string) []string {
	var apps []string
	for _, u := range units {
		app, _, _ := strings.Cut(u, "/")
		if !slices.Contains(apps, app) {
			apps = append(apps, app)
		}
	}
	return apps
}

// RemoveApplicationOptions are the options of RemoveApplication. The zero
// value removes the applications, detaching (not destroying) their storage.
type RemoveApplicationOptions struct {
	// DestroyStorage destroys the applications' storage
	// (--destroy-storage).
	DestroyStorage bool
	// Force removes the applications even if units are in error (--force).
	Force bool
	// NoWait, with Force, does not wait for each step to time out
	// (--no-wait).
	NoWait bool
}

// RemoveApplication runs "juju remove-application --no-prompt" for apps.
// It does not wait for them to go; wait for that with an AppGone-style
// condition. A nil opts means the defaults.
func (j *Juju) RemoveApplication(ctx context.Context, apps []string, opts *RemoveApplicationOptions) error {
	if opts == nil {
		opts = &RemoveApplicationOptions{}
	}
	if len(apps) == 0 {
		return fmt.Errorf("juju remove-application: no applications given")
	}
	a := argList{"remove-application", "--no-prompt"}
	a.add(apps...)
	a.boolean("--destroy-storage", opts.DestroyStorage)
	a.boolean("--force", opts.Force)
	a.boolean("--no-wait", opts.NoWait)
	what := "remove-application " + strings.Join(apps, " ")
	return j.trackedCall(ctx, what, apps, call{args: a}, func(st *Status) *change {
		j.changes().forgetApps(j.Model, apps)
		return unitsChange(what, st, apps, nil)
	})
}

// ExposeOptions are the options of Expose. The zero value exposes all of
// the application's opened ports to everyone (0.0.0.0/0).
type ExposeOptions struct {
	// Endpoints limits the exposure to these endpoints' ports
	// (--endpoints).
	Endpoints []string
	// ToSpaces allows access from these spaces' subnets (--to-spaces).
	ToSpaces []string
	// ToCIDRs allows access from these CIDRs (--to-cidrs).
	ToCIDRs []string
}

// Expose runs "juju expose" for app. A nil opts means the defaults.
func (j *Juju) Expose(ctx context.Context, app string, opts *ExposeOptions) error {
	if opts == nil {
		opts = &ExposeOptions{}
	}
	if err := required("expose", "application", app); err != nil {
		return err
	}
	a := argList{"expose", app}
	a.list("--endpoints", opts.Endpoints)
	a.list("--to-spaces", opts.ToSpaces)
	a.list("--to-cidrs", opts.ToCIDRs)
	_, err := j.run(ctx, call{args: a})
	return err
}

// UnexposeOptions are the options of Unexpose. The zero value unexposes
// the whole application.
type UnexposeOptions struct {
	// Endpoints unexposes only these endpoints (--endpoints).
	Endpoints []string
}

// Unexpose runs "juju unexpose" for app. A nil opts means the defaults.
func (j *Juju) Unexpose(ctx context.Context, app string, opts *UnexposeOptions) error {
	if opts == nil {
		opts = &UnexposeOptions{}
	}
	if err := required("unexpose", "application", app); err != nil {
		return err
	}
	a := argList{"unexpose", app}
	a.list("--endpoints", opts.Endpoints)
	_, err := j.run(ctx, call{args: a})
	return err
}

// TrustOptions are the options of Trust. The zero value grants trust with
// Juju's default scope.
type TrustOptions struct {
	// Remove revokes trust instead of granting it (--remove).
	Remove bool
	// Scope is the trust scope on Kubernetes, "cluster" (--scope).
	Scope string
}

// Trust runs "juju trust" to grant app access to the model's cloud
// credentials, or to revoke it with Remove. A nil opts means the defaults.
func (j *Juju) Trust(ctx context.Context, app string, opts *TrustOptions) error {
	if opts == nil {
		opts = &TrustOptions{}
	}
	if err := required("trust", "application", app); err != nil {
		return err
	}
	a := argList{"trust", app}
	a.boolean("--remove", opts.Remove)
	a.str("--scope", opts.Scope)
	return j.trackedConfigCall(ctx, "trust "+app, app, call{args: a})
}
