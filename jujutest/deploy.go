package jujutest

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// DeployOptions are the options of Deploy. The zero value deploys one unit
// of the charm, named after the charm, with Juju's defaults.
type DeployOptions struct {
	// App is the application name. Empty means the charm's name.
	App string
	// AttachStorage lists existing storage instances to attach to the
	// unit (--attach-storage).
	AttachStorage []string
	// Base is the base to deploy on, such as "ubuntu@22.04" (--base).
	Base string
	// Bind maps endpoints to spaces (--bind). The key "" sets the default
	// space for endpoints not listed.
	Bind map[string]string
	// Channel is the Charmhub channel, such as "latest/edge" (--channel).
	Channel string
	// Config sets charm config options, one --config k=v each; bools are
	// written as true/false.
	Config map[string]any
	// Constraints are machine constraints, one --constraints k=v each.
	Constraints map[string]any
	// Force bypasses checks such as the supported base (--force).
	Force bool
	// NumUnits is the number of units (-n). Zero means Juju's default, 1.
	NumUnits int
	// Overlays are bundle overlay files, applied in order (--overlay).
	Overlays []string
	// Resources maps resource names to a local file, an OCI image or a
	// revision number (--resource name=value).
	Resources map[string]string
	// Revision is the Charmhub revision (--revision). Zero means the
	// channel's latest.
	Revision int
	// Storage maps storage names to constraints (--storage name=value).
	Storage map[string]string
	// To lists placement directives (--to), such as "0" or "lxd:1".
	To []string
	// Trust grants the charm access to cloud credentials (--trust).
	Trust bool
	// Timeout bounds the command. Zero means the larger of
	// DefaultDeployTimeout and Juju.CommandTimeout.
	Timeout time.Duration
}

// Deploy runs "juju deploy" for charm, a Charmhub name or a local charm
// file. Like the CLI, it returns once the deployment is recorded, without
// waiting for the units to settle: follow it with Wait.
//
// A local charm is a path starting with "." or "/"; a relative path that
// ends in ".charm" or contains a "/" is taken as local too and given a "./"
// prefix. A nil opts means the defaults.
func (j *Juju) Deploy(ctx context.Context, charm string, opts *DeployOptions) error {
	files := j.tempFiles()
	defer files.cleanup()
	return j.deploy(ctx, files, charm, opts)
}

// deploy is Deploy with the temporary files' location given, for tests.
func (j *Juju) deploy(ctx context.Context, files *tempFiles, charm string, opts *DeployOptions) error {
	if opts == nil {
		opts = &DeployOptions{}
	}
	if charm == "" {
		return fmt.Errorf("juju deploy: no charm given; want a Charmhub name or a local charm path")
	}
	if err := checkNotNegative("juju deploy: NumUnits", opts.NumUnits); err != nil {
		return err
	}

	var a argList
	a.add("deploy")
	if local, ok := localCharm(charm); ok {
		p, err := files.stage(local)
		if err != nil {
			return fmt.Errorf("juju deploy %s: %w", charm, err)
		}
		a.add(p)
	} else {
		a.add(charm)
	}
	if opts.App != "" {
		a.add(opts.App)
	}
	a.list("--attach-storage", opts.AttachStorage)
	a.str("--base", opts.Base)
	a.str("--bind", bindArg(opts.Bind))
	a.str("--channel", opts.Channel)
	kvFlags(&a, "--config", opts.Config)
	kvFlags(&a, "--constraints", opts.Constraints)
	a.boolean("--force", opts.Force)
	a.integer("--num-units", opts.NumUnits)
	for _, o := range opts.Overlays {
		p, err := files.stage(o)
		if err != nil {
			return fmt.Errorf("juju deploy %s: overlay: %w", charm, err)
		}
		a.add("--overlay", p)
	}
	if err := resourceFlags(&a, files, opts.Resources); err != nil {
		return fmt.Errorf("juju deploy %s: %w", charm, err)
	}
	a.integer("--revision", opts.Revision)
	kvFlags(&a, "--storage", opts.Storage)
	a.list("--to", opts.To)
	a.boolean("--trust", opts.Trust)

	if _, err := j.run(ctx, call{args: a, timeout: j.longTimeout(opts.Timeout, DefaultDeployTimeout)}); err != nil {
		return err
	}
	if j.tracking() {
		j.trackDeploy(charm, opts)
	}
	return nil
}

// trackDeploy records a deploy for Wait: the application must appear and,
// unless the charm is a subordinate (whose units come with relations), its
// new units must start. A new application has no state from before the
// change, so no status is read first. The application's name is App, the
// charm's name for a Charmhub charm, or the name in a local charm's
// metadata; a local charm whose metadata cannot be read is tracked only
// when App is set.
func (j *Juju) trackDeploy(charm string, opts *DeployOptions) {
	app, sub := opts.App, false
	if local, ok := localCharm(charm); ok {
		name, subordinate, err := localCharmInfo(local)
		if err != nil && app == "" {
			j.logf("change tracking: deploy %s: cannot read the charm's name, so Wait will not wait for its units: %v", charm, err)
			return
		}
		if app == "" {
			app = name
		}
		sub = subordinate
	} else if app == "" {
		app = charmhubName(charm)
	}
	c := &change{what: "deploy " + app, appear: []string{app}}
	if !sub {
		c.newUnits = map[string]int{app: max(opts.NumUnits, 1)}
	}
	j.changes().add(j.Model, c)
}

// charmhubName returns the charm name of a Charmhub reference such as
// "ch:postgresql" or "postgresql".
func charmhubName(charm string) string {
	_, name, ok := strings.Cut(charm, ":")
	if !ok {
		name = charm
	}
	return name
}

// localCharm reports whether charm names a local charm and returns the
// path to give the CLI, which recognises local charms by a leading "." or
// "/".
func localCharm(charm string) (string, bool) {
	if strings.HasPrefix(charm, ".") || strings.HasPrefix(charm, "/") {
		return charm, true
	}
	if strings.HasSuffix(charm, ".charm") || strings.Contains(charm, "/") {
		return "./" + charm, true
	}
	return "", false
}

// bindArg formats endpoint bindings as --bind expects: the default space
// first, then endpoint=space pairs, space separated.
func bindArg(bind map[string]string) string {
	var parts []string
	if def, ok := bind[""]; ok {
		parts = append(parts, def)
	}
	for _, ep := range slices.Sorted(maps.Keys(bind)) {
		if ep != "" {
			parts = append(parts, ep+"="+bind[ep])
		}
	}
	return strings.Join(parts, " ")
}

// resourceFlags adds one --resource name=value per resource; a value that
// is a local file is staged where the CLI can read it.
func resourceFlags(a *argList, files *tempFiles, resources map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(resources)) {
		v := resources[name]
		if info, err := os.Stat(v); err == nil && info.Mode().IsRegular() {
			p, err := files.stage(v)
			if err != nil {
				return fmt.Errorf("resource %s: %w", name, err)
			}
			v = p
		}
		a.add("--resource", name+"="+v)
	}
	return nil
}

// RefreshOptions are the options of Refresh. The zero value refreshes to
// the latest revision of the application's current channel.
type RefreshOptions struct {
	// Base selects a different base (--base).
	Base string
	// Channel switches the Charmhub channel (--channel).
	Channel string
	// Config sets charm config options with the refresh, one --config k=v
	// each.
	Config map[string]any
	// Force adds --force, --force-base and --force-units.
	Force bool
	// Path refreshes to a local charm file (--path).
	Path string
	// Resources maps resource names to a local file, an OCI image or a
	// revision number (--resource name=value).
	Resources map[string]string
	// Revision refreshes to a specific revision (--revision).
	Revision int
	// Storage maps storage names to constraints (--storage name=value).
	Storage map[string]string
	// Trust grants the charm access to cloud credentials (--trust).
	Trust bool
	// Timeout bounds the command. Zero means the larger of
	// DefaultDeployTimeout and Juju.CommandTimeout.
	Timeout time.Duration
}

// Refresh runs "juju refresh" to upgrade app's charm. It does not wait for
// the units to settle. A nil opts means the defaults.
func (j *Juju) Refresh(ctx context.Context, app string, opts *RefreshOptions) error {
	if opts == nil {
		opts = &RefreshOptions{}
	}
	if err := required("refresh", "application", app); err != nil {
		return err
	}
	files := j.tempFiles()
	defer files.cleanup()

	var a argList
	a.add("refresh", app)
	a.str("--base", opts.Base)
	a.str("--channel", opts.Channel)
	kvFlags(&a, "--config", opts.Config)
	if opts.Force {
		a.add("--force", "--force-base", "--force-units")
	}
	if opts.Path != "" {
		p, err := files.stage(opts.Path)
		if err != nil {
			return fmt.Errorf("juju refresh %s: %w", app, err)
		}
		a.add("--path", p)
	}
	if err := resourceFlags(&a, files, opts.Resources); err != nil {
		return fmt.Errorf("juju refresh %s: %w", app, err)
	}
	a.integer("--revision", opts.Revision)
	kvFlags(&a, "--storage", opts.Storage)
	a.boolean("--trust", opts.Trust)

	what := "refresh " + app
	return j.trackedCall(ctx, what, []string{app}, call{args: a, timeout: j.longTimeout(opts.Timeout, DefaultDeployTimeout)}, func(st *Status) *change {
		return unitsChange(what, st, []string{app}, nil)
	})
}
