package cli

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/juju/charm/v12"
	corebase "github.com/juju/juju/core/base"
	"github.com/juju/names/v5"
	"gopkg.in/yaml.v2"

	"github.com/canonical/jujutest/internal/local/machine"
	"github.com/canonical/jujutest/internal/local/model"
	"github.com/canonical/jujutest/internal/local/state"
)

// stringsValue is a repeatable string flag.
type stringsValue struct{ p *[]string }

func (v stringsValue) Set(s string) error { *v.p = append(*v.p, s); return nil }
func (v stringsValue) String() string {
	if v.p == nil {
		return ""
	}
	return strings.Join(*v.p, ",")
}

// hostOptInError explains why hooks do not run and how to allow them.
func hostOptInError() error {
	return fmt.Errorf("the local backend runs charm hooks directly on this host (machine \"0\"), where they may " +
		"install packages, change /etc and start daemons; it does so only when you opt in: set " +
		EnvAllowHost + "=1 in the environment (or pass --allow-host to deploy)")
}

// requireHost checks that the model may run hooks and commands on this
// host: it opted in before, or this invocation's environment opts in now
// (which is recorded on the model). Call it under the state lock.
// claimHost claims the host machine for a host model (Store.ClaimHost);
// LXD models do not use it.
func (r *run) claimHost(st *state.State, m *state.Model) error {
	if m.IsLXD() {
		return nil
	}
	return r.store.ClaimHost(r.ctx, st, m.UUID)
}

func (r *run) requireHost(m *state.Model) error {
	if m.IsLXD() {
		return nil // hooks run in containers
	}
	if r.allowHost() {
		m.AllowHost = true
	}
	if !m.AllowHost {
		return hostOptInError()
	}
	return nil
}

func (r *run) cmdDeploy(args []string) error {
	fs := r.flags("deploy")
	modelRef := modelFlag(fs)
	numUnits := 1
	var configs, resources, storage, devices, attachStorage, overlays []string
	var to, baseFlag, series, constraints, bind, channel, mapMachines string
	var trust, force, dryRun, allowHost bool
	revision := -1
	fs.IntVar(&numUnits, "n", 1, "Number of application units to deploy for principal charms")
	fs.IntVar(&numUnits, "num-units", 1, "")
	fs.Var(stringsValue{&configs}, "config", "Either a path to yaml-formatted application config file or a key=value pair")
	fs.StringVar(&to, "to", "", "The machine and/or container to deploy the unit in (bypasses constraints)")
	fs.StringVar(&baseFlag, "base", "", "The base on which to deploy")
	fs.StringVar(&series, "series", "", "The series on which to deploy (deprecated)")
	fs.StringVar(&constraints, "constraints", "", "Set application constraints")
	fs.StringVar(&bind, "bind", "", "Configure application endpoint bindings to spaces")
	fs.StringVar(&channel, "channel", "", "Channel to use when deploying a charm or bundle from Charmhub")
	fs.IntVar(&revision, "revision", -1, "The revision to deploy")
	fs.Var(stringsValue{&resources}, "resource", "Resource to be uploaded to the controller")
	fs.Var(stringsValue{&storage}, "storage", "Charm storage directives")
	fs.Var(stringsValue{&devices}, "device", "Charm device constraints")
	fs.Var(stringsValue{&attachStorage}, "attach-storage", "Existing storage to attach to the deployed unit")
	fs.Var(stringsValue{&overlays}, "overlay", "Bundles to overlay on the primary bundle, applied in order")
	fs.StringVar(&mapMachines, "map-machines", "", "Specify the existing machines to use for bundle deployments")
	fs.BoolVar(&trust, "trust", false, "Allows charm to run hooks that require access credentials")
	fs.BoolVar(&force, "force", false, "Allow a charm/bundle to be deployed which bypasses checks")
	fs.BoolVar(&dryRun, "dry-run", false, "Just show what the deploy would do")
	fs.BoolVar(&allowHost, "allow-host", false, "juju-local: allow the charm's hooks to run on this host")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	if series != "" && baseFlag != "" {
		return usagef("--series and --base cannot be specified together")
	}
	rest := fs.Args()
	switch len(rest) {
	case 0:
		return usagef("no charm or bundle specified")
	case 1:
	case 2:
		if err := names.ValidateApplicationName(rest[1]); err != nil {
			return &usageError{err}
		}
	default:
		return usagef("unrecognized args: %s", quoteArgs(rest[2:]))
	}
	if numUnits < 1 {
		return usagef("--num-units must be a positive integer")
	}
	charmPath := rest[0]
	if p, ok := strings.CutPrefix(charmPath, "local:"); ok {
		charmPath = p
	}
	if !strings.HasPrefix(charmPath, ".") && !filepath.IsAbs(charmPath) {
		return fmt.Errorf("juju-local deploys local charms only: %q is not a path; give the charm archive's path starting with \".\" or \"/\" (e.g. ./%s.charm)", rest[0], rest[0])
	}
	var requested corebase.Base
	if baseFlag != "" {
		b, err := corebase.ParseBaseFromString(baseFlag)
		if err != nil {
			return usagef("%v", err)
		}
		requested = b
	}

	ch, err := readDeployCharm(charmPath)
	if err != nil {
		return err
	}
	meta := ch.Meta()
	appName := meta.Name
	if len(rest) == 2 {
		appName = rest[1]
	}

	// Choose the base: the requested one (if the charm supports it) or the
	// charm's first; the host's own when the charm declares none.
	host := machine.HostFacts()
	base, err := chooseBase(ch, requested, force)
	if err != nil {
		return err
	}
	if base.Empty() {
		hb := host.Base
		base = corebase.MakeDefaultBase(hb.Name, hb.Channel)
	}

	// Parse the config with Juju's own rules (charm/v12 Config).
	settings, err := parseDeployConfig(ch.Config(), appName, configs)
	if err != nil {
		return err
	}

	if dryRun {
		r.infof("%q from local charm %q, revision %d on %s would be deployed", appName, meta.Name, 0, base.DisplayString())
		return nil
	}
	_, target, err := r.readModel(*modelRef)
	if err != nil {
		return err
	}
	var image string
	var imageBase state.Base
	if target.IsLXD() {
		if image, imageBase, err = r.lxdImage(target, base); err != nil {
			return err
		}
	} else if !r.allowHost() && !allowHost && !target.AllowHost {
		return hostOptInError()
	}

	// Store the charm (Juju uploads it, and counts a revision, before it
	// tries to add the application).
	now := time.Now()
	var rev int
	var uuid string
	var archive string
	err = r.updateModel(*modelRef, func(st *state.State, m *state.Model) error {
		if m.Life != state.Alive {
			return fmt.Errorf("model %q is being destroyed", m.Name)
		}
		if err := r.claimHost(st, m); err != nil {
			return err
		}
		rev, uuid = model.UploadCharm(m, meta.Name), m.UUID
		return nil
	})
	if err != nil {
		return err
	}
	archive = r.store.ArchivePath(uuid, meta.Name, rev)
	if err := storeCharm(ch, charmPath, archive); err != nil {
		return err
	}
	r.infof("Located local charm %q, revision %d", meta.Name, rev)
	r.infof("Deploying %q from local charm %q, revision %d on %s", appName, meta.Name, rev, base.String())

	err = r.updateModel(*modelRef, func(st *state.State, m *state.Model) error {
		if r.allowHost() || allowHost {
			m.AllowHost = true
		}
		a := &state.Application{
			Name:         appName,
			CharmName:    meta.Name,
			CharmRev:     rev,
			Archive:      archive,
			CharmVersion: charmVersion(ch),
			Endpoints:    charmEndpoints(meta),
			Relations:    model.CharmEndpoints(appName, meta),
			Base:         state.Base{Name: base.OS, Channel: base.Channel.Track},
			Config:       settings,
			Trust:        trust,
		}
		placement := model.Placement{Image: image, Base: imageBase, To: to}
		if m.IsLXD() {
			a.Base = imageBase
		} else {
			if m.Applications[appName] == nil {
				if err := r.claimHost(st, m); err != nil {
					return err
				}
			}
			placement = model.Placement{Host: hostMachine(host)}
		}
		_, err := model.AddApplication(m, model.AddApplicationRequest{App: a, Units: numUnits, Placement: placement, Now: now})
		return err
	})
	if err != nil {
		return err
	}
	return r.ensureAgent(uuid)
}

// readDeployCharm reads the charm at path with Juju's own reader and
// checks it as Juju's deploy and upload do, with their errors.
func readDeployCharm(charmPath string) (charm.Charm, error) {
	if _, err := os.Stat(charmPath); err != nil {
		return nil, fmt.Errorf("no charm was found at %q", charmPath)
	}
	ch, err := charm.ReadCharm(charmPath)
	if err != nil {
		if errors.Is(err, zip.ErrFormat) || strings.Contains(err.Error(), zip.ErrFormat.Error()) {
			return nil, fmt.Errorf("invalid charm or bundle provided at %q", charmPath)
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("charm or bundle at %q: charm not found: %s", charmPath, charmPath)
		}
		return nil, fmt.Errorf("attempting to deploy %q: %w", charmPath, err)
	}
	meta := ch.Meta()
	// Juju checks the charm's name (charm.ValidateName, in the API
	// server's upload handler) before it stores anything; the name goes
	// into a file name here, so an unchecked one could reach outside the
	// data directory.
	if err := charm.ValidateName(meta.Name); err != nil {
		return nil, err
	}
	if meta.Subordinate {
		return nil, fmt.Errorf("juju-local cannot deploy subordinate charm %q: subordinates are not modelled", meta.Name)
	}
	hasHooks, err := charmHasHooksOrDispatch(ch)
	if err != nil {
		return nil, err
	}
	if !hasHooks {
		return nil, fmt.Errorf("invalid charm %q: has no hooks nor dispatch file", meta.Name)
	}
	return ch, nil
}

// charmVersion returns the charm's version file content, if any.
func charmVersion(ch charm.Charm) string {
	if v, ok := ch.(interface{ Version() string }); ok {
		return v.Version()
	}
	return ""
}

// charmHasHooksOrDispatch reports whether the charm has a dispatch file or
// a hook in hooks/, as Juju's client requires before uploading it.
func charmHasHooksOrDispatch(ch charm.Charm) (bool, error) {
	switch c := ch.(type) {
	case *charm.CharmArchive:
		zr, err := zip.OpenReader(c.Path)
		if err != nil {
			return false, err
		}
		defer zr.Close()
		for _, f := range zr.File {
			if strings.Contains(f.Name, "dispatch") {
				return true, nil
			}
			if filepath.Dir(f.Name) == "hooks" && (f.Mode().IsRegular() || f.Mode()&fs.ModeSymlink != 0) {
				return true, nil
			}
		}
		return false, nil
	case *charm.CharmDir:
		if _, err := os.Stat(filepath.Join(c.Path, "dispatch")); err == nil {
			return true, nil
		}
		entries, _ := os.ReadDir(filepath.Join(c.Path, "hooks"))
		for _, e := range entries {
			if !e.IsDir() {
				return true, nil
			}
		}
		return false, nil
	}
	return false, fmt.Errorf("unknown charm type %T", ch)
}

// chooseBase picks the application's base from the charm's manifest bases
// and the requested base, with Juju's error when the charm does not
// support the requested one.
func chooseBase(ch charm.Charm, requested corebase.Base, force bool) (corebase.Base, error) {
	var supported []corebase.Base
	if mf := ch.Manifest(); mf != nil {
		for _, b := range mf.Bases {
			cb, err := corebase.ParseBase(b.Name, b.Channel.String())
			if err != nil {
				return corebase.Base{}, err
			}
			supported = append(supported, cb)
		}
	}
	if requested.Empty() {
		if len(supported) > 0 {
			return supported[0], nil
		}
		return corebase.Base{}, nil
	}
	if len(supported) == 0 || force {
		return requested, nil
	}
	for _, s := range supported {
		if s.IsCompatible(requested) {
			return s, nil
		}
	}
	display := make([]string, len(supported))
	for i, s := range supported {
		display[i] = s.DisplayString()
	}
	return corebase.Base{}, fmt.Errorf("base %q not supported by charm, the charm supported bases are: %s. Use --force to deploy the charm anyway.",
		requested.DisplayString(), strings.Join(display, ", "))
}

// charmEndpoints lists the charm's relation endpoints and extra bindings.
func charmEndpoints(meta *charm.Meta) []string {
	var eps []string
	for name := range meta.CombinedRelations() {
		eps = append(eps, name)
	}
	for name := range meta.ExtraBindings {
		eps = append(eps, name)
	}
	sort.Strings(eps)
	return eps
}

// storeCharm copies the charm archive (or archives a charm directory) to
// dst.
func storeCharm(ch charm.Charm, src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp := dst + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if dir, ok := ch.(*charm.CharmDir); ok {
		err = dir.ArchiveTo(out)
	} else {
		var in *os.File
		in, err = os.Open(src)
		if err == nil {
			_, err = io.Copy(out, in)
			in.Close()
		}
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("storing charm: %w", err)
	}
	return os.Rename(tmp, dst)
}

// parseDeployConfig parses deploy's --config values (YAML files with an
// "app:" key, and key=value pairs, which win) with charm/v12's own parsing
// and validation, and returns the settings to store (nil values dropped).
func parseDeployConfig(cfg *charm.Config, appName string, configs []string) (map[string]any, error) {
	var files []string
	kv := map[string]string{}
	for _, c := range configs {
		k, v, ok := strings.Cut(c, "=")
		if !ok {
			files = append(files, c)
			continue
		}
		if strings.HasPrefix(v, "@") {
			data, err := os.ReadFile(v[1:])
			if err != nil {
				return nil, err
			}
			v = string(data)
		}
		kv[k] = v
	}
	if len(files) > 1 {
		return nil, usagef("only a single config YAML file can be specified, got %d", len(files))
	}
	settings := charm.Settings{}
	if len(files) == 1 {
		data, err := readYAMLInput("config file", files[0], nil)
		if err != nil {
			return nil, err
		}
		s, err := cfg.ParseSettingsYAML(data, appName)
		if err != nil {
			return nil, err
		}
		for k, v := range s {
			settings[k] = v
		}
	}
	s, err := cfg.ParseSettingsStrings(kv)
	if err != nil {
		return nil, err
	}
	for k, v := range s {
		settings[k] = v
	}
	valid, err := cfg.ValidateSettings(settings)
	if err != nil {
		return nil, err
	}
	return dropNil(valid), nil
}

// dropNil returns the settings without nil values (nil = unset), or nil if
// none are left.
func dropNil(s charm.Settings) map[string]any {
	out := map[string]any{}
	for k, v := range s {
		if v != nil {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// addUnits adds n units of a to machine 0 (the host), creating the machine
// hostMachine is this host as the machine of a host model.
func hostMachine(host machine.Facts) *state.Machine {
	return &state.Machine{
		ID:         host.ID,
		Hostname:   host.Hostname,
		Address:    host.Addresses[0],
		Base:       state.Base{Name: host.Base.Name, Channel: host.Base.Channel},
		InstanceID: host.InstanceID,
		Hardware:   host.Hardware,
	}
}

func (r *run) cmdAddUnit(args []string) error {
	fs := r.flags("add-unit")
	modelRef := modelFlag(fs)
	n := 1
	var to string
	var attach []string
	fs.IntVar(&n, "n", 1, "Number of units to add")
	fs.IntVar(&n, "num-units", 1, "")
	fs.StringVar(&to, "to", "", "The machine and/or container to deploy the unit in (bypasses constraints)")
	fs.Var(stringsValue{&attach}, "attach-storage", "Existing storage to attach to the deployed unit")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	switch len(rest) {
	case 0:
		return usagef("no application specified")
	case 1:
	default:
		return usagef("unrecognized args: %s", quoteArgs(rest[1:]))
	}
	if n < 1 {
		return usagef("--num-units must be a positive integer")
	}
	appName := rest[0]
	if !names.IsValidApplication(appName) {
		return usagef("invalid application name %q", appName)
	}
	_, target, err := r.readModel(*modelRef)
	if err != nil {
		return err
	}
	if !target.IsLXD() && to != "" && to != "0" {
		return fmt.Errorf("juju-local's host models have one machine, \"0\" (this host): cannot place units on %q", to)
	}
	var image string
	if a := target.Applications[appName]; a != nil && target.IsLXD() {
		b, err := corebase.ParseBase(a.Base.Name, a.Base.Channel)
		if err != nil {
			return err
		}
		if image, _, err = r.lxdImage(target, b); err != nil {
			return err
		}
	}
	host := machine.HostFacts()
	var uuid string
	err = r.updateModel(*modelRef, func(st *state.State, m *state.Model) error {
		uuid = m.UUID
		req := model.AddUnitRequest{App: appName, Units: n, Now: time.Now(), Placement: model.Placement{Image: image, To: to}}
		if a := m.Applications[appName]; a != nil {
			req.Placement.Base = a.Base
		}
		if !m.IsLXD() && m.Applications[appName] != nil {
			if err := r.requireHost(m); err != nil {
				return err
			}
			if err := r.claimHost(st, m); err != nil {
				return err
			}
			req.Placement = model.Placement{Host: hostMachine(host)}
		}
		_, err := model.AddUnit(m, req)
		return err
	})
	if err != nil {
		return err
	}
	return r.ensureAgent(uuid)
}

func (r *run) cmdRemoveUnit(args []string) error {
	fs := r.flags("remove-unit")
	modelRef := modelFlag(fs)
	var noPrompt, destroyStorage, force, noWait, dryRun bool
	var numUnits int
	fs.BoolVar(&noPrompt, "no-prompt", false, "Do not ask for confirmation")
	fs.BoolVar(&destroyStorage, "destroy-storage", false, "Destroy storage attached to the unit")
	fs.BoolVar(&force, "force", false, "Completely remove an unit and all its dependencies")
	fs.BoolVar(&noWait, "no-wait", false, "Rush through unit removal without waiting for each individual step to complete")
	fs.BoolVar(&dryRun, "dry-run", false, "Print what this command would remove without removing")
	fs.IntVar(&numUnits, "num-units", 0, "Number of units to remove (k8s models only)")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	units := fs.Args()
	if len(units) == 0 {
		return usagef("no units specified")
	}
	if numUnits != 0 {
		return usagef("--num-units is only supported on k8s models")
	}
	if noWait && !force {
		return usagef("--no-wait without --force not valid")
	}
	var invalid []string
	for _, u := range units {
		if !names.IsValidUnit(u) {
			invalid = append(invalid, u)
		}
	}
	if len(invalid) > 0 {
		return usagef("invalid unit name(s): %s", strings.Join(invalid, ", "))
	}
	_, m, err := r.readModel(*modelRef)
	if err != nil {
		return err
	}
	results := make([]removal, len(units))
	for i, u := range units {
		results[i].name = "unit " + u
		if _, unit := m.Unit(u); unit == nil {
			results[i].err = fmt.Errorf("removing unit %s failed: unit %q does not exist", u, u)
		}
	}
	if done, err := r.confirmRemoval(results, dryRun, noPrompt, "unit"); done || err != nil {
		return err
	}
	var uuid string
	err = r.updateModel(*modelRef, func(st *state.State, m *state.Model) error {
		uuid = m.UUID
		model.RemoveUnit(m, model.RemoveUnitRequest{Units: units, Force: force})
		return nil
	})
	if err != nil {
		return err
	}
	return r.finishRemoval(uuid, results, !noPrompt)
}

// confirmRemoval shows the planned removals and asks before going on, as
// Juju's remove commands do in the default "requires-prompts" mode (and
// with --dry-run): errors first (any fails the command), then what will be
// removed, then "Continue [y/N]?" on stdin. It reports done when the
// command has nothing more to do (a dry run, or a failure).
func (r *run) confirmRemoval(rs []removal, dryRun, noPrompt bool, kind string) (done bool, err error) {
	if noPrompt && !dryRun {
		return false, nil
	}
	if r.logRemovals(rs, true) {
		return true, errSilent
	}
	r.infof("WARNING This command will perform the following actions:")
	r.logRemovals(rs, false)
	if dryRun {
		return true, nil
	}
	if !r.confirmYes() {
		return true, fmt.Errorf("%s removal: aborted", kind)
	}
	return false, nil
}

// finishRemoval lets the model's agent (or, without hooks, the state
// itself) remove what was marked dying, then prints the outcome: every
// removal, or only the errors when the user confirmed the list already.
func (r *run) finishRemoval(uuid string, rs []removal, confirmed bool) error {
	if err := r.ensureAgentOrReap(uuid); err != nil {
		return err
	}
	if r.logRemovals(rs, confirmed) {
		return errSilent
	}
	return nil
}

// removal is the outcome of removing one unit or application, as Juju's
// remove commands print it.
type removal struct {
	name  string   // "unit app/0" or "application app"
	units []string // units an application removal takes along
	err   error
}

// logRemovals prints the removals (errors only, or everything) and reports
// whether any failed.
func (r *run) logRemovals(rs []removal, errorsOnly bool) bool {
	failed := false
	for _, rm := range rs {
		if rm.err != nil {
			failed = true
			fmt.Fprintf(r.stderr, "ERROR %s\n", rm.err)
			continue
		}
		if errorsOnly {
			continue
		}
		fmt.Fprintf(r.stdout, "will remove %s\n", rm.name)
		for _, u := range rm.units {
			fmt.Fprintf(r.stdout, "- will remove unit %s\n", u)
		}
	}
	return failed
}

func (r *run) cmdRemoveApplication(args []string) error {
	fs := r.flags("remove-application")
	modelRef := modelFlag(fs)
	var noPrompt, destroyStorage, force, noWait, dryRun bool
	fs.BoolVar(&noPrompt, "no-prompt", false, "Do not ask for confirmation")
	fs.BoolVar(&destroyStorage, "destroy-storage", false, "Destroy storage attached to application units")
	fs.BoolVar(&force, "force", false, "Completely remove an application and all its dependencies")
	fs.BoolVar(&noWait, "no-wait", false, "Rush through application removal without waiting for each individual step to complete")
	fs.BoolVar(&dryRun, "dry-run", false, "Print what this command would be removed without removing")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	apps := fs.Args()
	if len(apps) == 0 {
		return usagef("no application specified")
	}
	if noWait && !force {
		return usagef("--no-wait without --force not valid")
	}
	for _, a := range apps {
		if !names.IsValidApplication(a) {
			return usagef("invalid application name %q", a)
		}
	}
	_, m, err := r.readModel(*modelRef)
	if err != nil {
		return err
	}
	results := make([]removal, len(apps))
	for i, a := range apps {
		results[i].name = "application " + a
		if app := m.Applications[a]; app == nil {
			results[i].err = fmt.Errorf("removing application %s failed: application %q not found", a, a)
		} else {
			results[i].units = app.UnitNames()
		}
	}
	if done, err := r.confirmRemoval(results, dryRun, noPrompt, "application"); done || err != nil {
		return err
	}
	var uuid string
	err = r.updateModel(*modelRef, func(st *state.State, m *state.Model) error {
		uuid = m.UUID
		model.RemoveApplication(m, model.RemoveApplicationRequest{Names: apps, Force: force})
		return nil
	})
	if err != nil {
		return err
	}
	return r.finishRemoval(uuid, results, !noPrompt)
}

func (r *run) cmdExpose(args []string) error   { return r.expose("expose", args, true) }
func (r *run) cmdUnexpose(args []string) error { return r.expose("unexpose", args, false) }

func (r *run) expose(cmd string, args []string, on bool) error {
	fs := r.flags(cmd)
	modelRef := modelFlag(fs)
	var endpoints, spaces, cidrs string
	fs.StringVar(&endpoints, "endpoints", "", "Expose only the ports that charms have opened for this comma-delimited list of endpoints")
	fs.StringVar(&spaces, "to-spaces", "", "A comma-delimited list of spaces that should be able to access the application ports")
	fs.StringVar(&cidrs, "to-cidrs", "", "A comma-delimited list of CIDRs that should be able to access the application ports")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	switch len(rest) {
	case 0:
		return usagef("no application name specified")
	case 1:
	default:
		return usagef("unrecognized args: %s", quoteArgs(rest[1:]))
	}
	name := rest[0]
	return r.updateModel(*modelRef, func(_ *state.State, m *state.Model) error {
		return model.Expose(m, name, on)
	})
}

// readYAMLMap reads a YAML file into a map.
func readYAMLMap(path string, stdin io.Reader) (map[string]any, error) {
	data, err := readYAMLInput("file", path, stdin)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return m, nil
}
