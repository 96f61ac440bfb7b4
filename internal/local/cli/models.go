package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	corebase "github.com/juju/juju/core/base"
	"github.com/juju/names/v5"
	"gopkg.in/yaml.v2"

	"github.com/canonical/jujutest/internal/local/lxdmachine"
	"github.com/canonical/jujutest/internal/local/state"
)

// findModel resolves a model reference ("" = current model) in st.
func findModel(st *state.State, ref string) (*state.Model, error) {
	return st.FindModel(ref)
}

// modelName strips the optional "controller:" and "owner/" parts of a model
// reference.
func modelName(ref string) string { return state.ModelRefName(ref) }

// readModel reads the state and resolves the model reference.
func (r *run) readModel(ref string) (*state.State, *state.Model, error) {
	st, err := r.store.Read(r.ctx)
	if err != nil {
		return nil, nil, err
	}
	m, err := findModel(st, ref)
	if err != nil {
		return nil, nil, err
	}
	return st, m, nil
}

// updateModel runs fn on the referenced model under the state lock.
func (r *run) updateModel(ref string, fn func(st *state.State, m *state.Model) error) error {
	return r.store.Update(r.ctx, func(st *state.State) error {
		m, err := findModel(st, ref)
		if err != nil {
			return err
		}
		return fn(st, m)
	})
}

// versionString is the binary version in Juju's form.
func versionString() string {
	return fmt.Sprintf("%s-ubuntu-%s", Version, runtime.GOARCH)
}

func (r *run) cmdVersion(args []string) error {
	fs := r.flags("version")
	all := false
	fs.BoolVar(&all, "all", false, "Prints all version information")
	out := outputFlags(fs, "smart")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs.Args()); err != nil {
		return err
	}
	if err := out.check("smart", "json", "yaml"); err != nil {
		return err
	}
	var value any = versionString()
	if all {
		value = struct {
			Version  string `json:"version" yaml:"version"`
			Compiler string `json:"compiler" yaml:"compiler"`
			Official bool   `json:"official" yaml:"official"`
		}{versionString(), runtime.Compiler, false}
		if out.format == "smart" {
			out.format = "yaml"
		}
	}
	return r.write(out, value)
}

// write renders value in the output's format: json (compact, one line),
// yaml, or smart (strings raw, other values as YAML).
func (r *run) write(out *output, value any) error {
	w, closeFn, err := r.writer(out)
	if err != nil {
		return err
	}
	switch out.format {
	case "json":
		data, err := json.Marshal(value)
		if err != nil {
			return err
		}
		data = append(data, '\n')
		if _, err := w.Write(data); err != nil {
			return err
		}
	case "yaml":
		data, err := yaml.Marshal(value)
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	default:
		switch v := value.(type) {
		case string:
			fmt.Fprintln(w, v)
		case bool:
			if v {
				fmt.Fprintln(w, "True")
			} else {
				fmt.Fprintln(w, "False")
			}
		case nil:
		default:
			data, err := yaml.Marshal(value)
			if err != nil {
				return err
			}
			if _, err := w.Write(data); err != nil {
				return err
			}
		}
	}
	return closeFn()
}

func (r *run) cmdAddModel(args []string) error {
	fs := r.flags("add-model")
	var noSwitch bool
	var configs []string
	var credential, owner, controller string
	fs.BoolVar(&noSwitch, "no-switch", false, "Do not switch to the newly created model")
	fs.Var(stringsValue{&configs}, "config", "Path to YAML model configuration file or individual options (--config config.yaml [--config key=value ...])")
	fs.StringVar(&credential, "credential", "", "Credential used to add the model")
	fs.StringVar(&owner, "owner", "", "The owner of the new model if not the current user")
	fs.StringVar(&controller, "c", "", "Controller to operate in")
	fs.StringVar(&controller, "controller", "", "")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usagef("juju: no model name was passed. See \"juju add-model --help\".\n\nDid you mean:\n\tjuju add-model <model name>")
	}
	name := rest[0]
	if len(rest) > 2 {
		return usagef("unrecognized args: %s", quoteArgs(rest[2:]))
	}
	if !names.IsValidModelName(name) {
		return usagef("%q is not a valid name: model names may only contain lowercase letters, digits and hyphens", name)
	}
	if owner != "" && !names.IsValidUser(owner) {
		return usagef("%q is not a valid user", owner)
	}
	if len(rest) == 2 {
		if cr := rest[1]; cr != "localhost" && cr != "localhost/localhost" && cr != "localhost/" {
			return fmt.Errorf("cloud/region %q not found: the local backend has one cloud, \"localhost\", with region \"localhost\"", cr)
		}
	}
	cfg, err := parseModelConfigArgs(configs)
	if err != nil {
		return err
	}
	provider, err := r.chooseProvider()
	if err != nil {
		return err
	}
	if v := r.env.get(EnvImageBase); v != "" && provider == state.ProviderLXD {
		if _, set := cfg[lxdmachine.ImageBaseKey]; !set {
			if _, err := corebase.ParseBaseFromString(v); err != nil {
				return fmt.Errorf("%s: %w", EnvImageBase, err)
			}
			if cfg == nil {
				cfg = map[string]any{}
			}
			cfg[lxdmachine.ImageBaseKey] = v
		}
	}
	now := time.Now()
	err = r.store.Update(r.ctx, func(st *state.State) error {
		if st.ModelByName(name) != nil {
			return fmt.Errorf("failed to create new model: model %q for admin already exists", name)
		}
		m := &state.Model{
			UUID:         state.NewUUID(),
			Name:         name,
			Owner:        "admin",
			Created:      now,
			Life:         state.Alive,
			Status:       state.NewStatus("available", "", now),
			Config:       cfg,
			Provider:     provider,
			Machines:     map[string]*state.Machine{},
			Applications: map[string]*state.Application{},
		}
		if r.allowHost() {
			m.AllowHost = true
		}
		st.Models[m.UUID] = m
		if !noSwitch {
			st.CurrentModel = name
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.infof("Added '%s' model on localhost/localhost with credential 'localhost' for user 'admin'", name)
	return nil
}

// allowHost reports whether the invocation's environment opts in to running
// hooks on this host.
func (r *run) allowHost() bool {
	v := r.env.get(EnvAllowHost)
	return v == "1" || strings.EqualFold(v, "true") || strings.EqualFold(v, "yes")
}

// parseModelConfigArgs parses --config values: YAML files or key=value.
func parseModelConfigArgs(configs []string) (map[string]any, error) {
	out := map[string]any{}
	for _, c := range configs {
		if k, v, ok := strings.Cut(c, "="); ok {
			if err := validateModelConfigKey(k); err != nil {
				return nil, err
			}
			val, err := coerceModelConfig(k, v)
			if err != nil {
				return nil, err
			}
			out[k] = val
			continue
		}
		data, err := os.ReadFile(c)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := yaml.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("cannot parse %s: %w", c, err)
		}
		for k, v := range m {
			if err := validateModelConfigKey(k); err != nil {
				return nil, err
			}
			val, err := coerceModelConfig(k, fmt.Sprint(v))
			if err != nil {
				return nil, err
			}
			out[k] = val
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func (r *run) cmdModels(args []string) error {
	fs := r.flags("models")
	var all, exact, uuid bool
	var user, controller string
	fs.BoolVar(&all, "all", false, "Lists all models, regardless of user accessibility")
	fs.BoolVar(&exact, "exact-time", false, "Use full timestamps")
	fs.BoolVar(&uuid, "uuid", false, "Display UUID for models")
	fs.StringVar(&user, "user", "", "The user to list models for")
	fs.StringVar(&controller, "c", "", "Controller to operate in")
	fs.StringVar(&controller, "controller", "", "")
	out := outputFlags(fs, "tabular")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs.Args()); err != nil {
		return err
	}
	if err := out.check("tabular", "json", "yaml"); err != nil {
		return err
	}
	st, err := r.store.Read(r.ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	type modelStatus struct {
		Current string `json:"current,omitempty" yaml:"current,omitempty"`
		Message string `json:"message,omitempty" yaml:"message,omitempty"`
		Since   string `json:"since,omitempty" yaml:"since,omitempty"`
	}
	type summary struct {
		Name            string       `json:"name" yaml:"name"`
		ShortName       string       `json:"short-name" yaml:"short-name"`
		UUID            string       `json:"model-uuid" yaml:"model-uuid"`
		Type            string       `json:"model-type" yaml:"model-type"`
		ControllerUUID  string       `json:"controller-uuid" yaml:"controller-uuid"`
		ControllerName  string       `json:"controller-name" yaml:"controller-name"`
		IsController    bool         `json:"is-controller" yaml:"is-controller"`
		Owner           string       `json:"owner" yaml:"owner"`
		Cloud           string       `json:"cloud" yaml:"cloud"`
		Region          string       `json:"region,omitempty" yaml:"region,omitempty"`
		ProviderType    string       `json:"type,omitempty" yaml:"type,omitempty"`
		Life            string       `json:"life" yaml:"life"`
		Status          *modelStatus `json:"status,omitempty" yaml:"status,omitempty"`
		Access          string       `json:"access" yaml:"access"`
		LastConnection  string       `json:"last-connection" yaml:"last-connection"`
		SLA             string       `json:"sla,omitempty" yaml:"sla,omitempty"`
		SLAOwner        string       `json:"sla-owner,omitempty" yaml:"sla-owner,omitempty"`
		AgentVersion    string       `json:"agent-version,omitempty" yaml:"agent-version,omitempty"`
		machines, units int
	}
	type summarySet struct {
		Models       []summary `json:"models" yaml:"models"`
		CurrentModel string    `json:"current-model,omitempty" yaml:"current-model,omitempty"`
	}
	set := summarySet{Models: []summary{}}
	for _, name := range st.ModelNames() {
		m := st.ModelByName(name)
		since := friendlyDuration(m.Status.Since, now)
		if exact {
			since = m.Status.Since.String()
		}
		set.Models = append(set.Models, summary{
			Name:           "admin/" + m.Name,
			ShortName:      m.Name,
			UUID:           m.UUID,
			Type:           "iaas",
			ControllerUUID: st.ControllerUUID,
			ControllerName: ControllerName,
			Owner:          m.Owner,
			Cloud:          "localhost",
			Region:         "localhost",
			ProviderType:   "manual",
			Life:           m.Life,
			Status:         &modelStatus{Current: m.Status.Current, Message: m.Status.Message, Since: since},
			Access:         "admin",
			LastConnection: "just now",
			SLA:            "unsupported",
			SLAOwner:       "admin",
			AgentVersion:   Version,
			machines:       len(m.Machines),
			units:          m.UnitCount(),
		})
	}
	if st.CurrentModel != "" && st.ModelByName(st.CurrentModel) != nil {
		set.CurrentModel = st.CurrentModel
	}
	if out.format != "tabular" {
		return r.write(out, set)
	}
	w, closeFn, err := r.writer(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Controller: %s\n\n", ControllerName)
	tw := tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "Model\tCloud/Region\tType\tStatus\tMachines\tUnits\tAccess\tLast connection")
	for _, s := range set.Models {
		name := s.ShortName
		if s.ShortName == set.CurrentModel {
			name += "*"
		}
		fmt.Fprintf(tw, "%s\tlocalhost/localhost\tmanual\t%s\t%d\t%d\tadmin\t%s\n", name, s.Status.Current, s.machines, s.units, s.LastConnection)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return closeFn()
}

// friendlyDuration renders a past time as Juju's UserFriendlyDuration.
func friendlyDuration(when, now time.Time) string {
	since := now.Sub(when)
	switch {
	case since.Hours() >= 24:
		return when.Format("2006-01-02")
	case since.Hours() >= 1:
		if int(since.Hours()) == 1 {
			return "1 hour ago"
		}
		return fmt.Sprintf("%d hours ago", int(since.Hours()))
	case since.Minutes() >= 1:
		if int(since.Minutes()) == 1 {
			return "1 minute ago"
		}
		return fmt.Sprintf("%d minutes ago", int(since.Minutes()))
	case since.Seconds() >= 2:
		return fmt.Sprintf("%d seconds ago", int(since.Seconds()))
	}
	return "just now"
}

func (r *run) cmdSwitch(args []string) error {
	fs := r.flags("switch")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		st, err := r.store.Read(r.ctx)
		if err != nil {
			return err
		}
		if st.CurrentModel == "" {
			return errors.New("no currently specified model")
		}
		fmt.Fprintf(r.stdout, "%s:admin/%s\n", ControllerName, st.CurrentModel)
		return nil
	}
	if len(rest) > 1 {
		return usagef("unrecognized args: %s", quoteArgs(rest[1:]))
	}
	var old string
	err := r.store.Update(r.ctx, func(st *state.State) error {
		m, err := findModel(st, rest[0])
		if err != nil {
			return err
		}
		old = st.CurrentModel
		st.CurrentModel = m.Name
		return nil
	})
	if err != nil {
		return err
	}
	r.infof("%s:admin/%s -> %s:admin/%s", ControllerName, old, ControllerName, modelName(rest[0]))
	return nil
}

func (r *run) cmdDestroyModel(args []string) error {
	fs := r.flags("destroy-model")
	var noPrompt, force, noWait, destroyStorage, releaseStorage bool
	timeout := time.Duration(-1)
	fs.BoolVar(&noPrompt, "no-prompt", false, "Do not ask for confirmation")
	fs.BoolVar(&force, "force", false, "Force destroy model ignoring any errors")
	fs.BoolVar(&noWait, "no-wait", false, "Rush through model destruction without waiting for each individual step to complete")
	fs.BoolVar(&destroyStorage, "destroy-storage", false, "Destroy all storage instances in the model")
	fs.BoolVar(&releaseStorage, "release-storage", false, "Release all storage instances from the model")
	fs.DurationVar(&timeout, "t", -1, "Timeout for each step of force model destruction")
	fs.DurationVar(&timeout, "timeout", -1, "")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	if destroyStorage && releaseStorage {
		return usagef("--destroy-storage and --release-storage cannot both be specified")
	}
	if timeout < 0 && timeout != -1 {
		return usagef("--timeout must be zero or greater")
	}
	if !force && timeout >= 0 {
		return usagef("--timeout can only be used with --force (dangerous)")
	}
	rest := fs.Args()
	switch {
	case len(rest) == 0:
		return usagef("no model specified")
	case len(rest) > 1:
		return usagef("unrecognized args: %s", quoteArgs(rest[1:]))
	}
	if noWait && !force {
		return errors.New("--no-wait without --force not valid")
	}
	ref := rest[0]
	_, m, err := r.readModel(ref)
	if force && state.IsDamaged(err) {
		return r.destroyUnreadable(ref, err)
	}
	if err != nil {
		return err
	}
	if !noPrompt {
		fmt.Fprintf(r.stderr, "WARNING This command will destroy the %q model and affect the following resources. It cannot be stopped.\n", m.Name)
		if n := len(m.Machines); n > 0 {
			plural := ""
			if n > 1 {
				plural = "s"
			}
			ids := make([]string, 0, n)
			for id := range m.Machines {
				ids = append(ids, fmt.Sprintf("%q", id+" ("+m.Machines[id].InstanceID+")"))
			}
			sort.Strings(ids)
			fmt.Fprintf(r.stderr, " - %d machine%s will be destroyed\n  - machine list: %s\n", n, plural, strings.Join(ids, " "))
		}
		plural := ""
		if len(m.Applications) != 1 {
			plural = "s"
		}
		fmt.Fprintf(r.stderr, " - %d application%s will be removed\n", len(m.Applications), plural)
		if len(m.Applications) > 0 {
			q := make([]string, 0, len(m.Applications))
			for _, a := range m.AppNames() {
				q = append(q, fmt.Sprintf("%q", a))
			}
			fmt.Fprintf(r.stderr, "  - application list: %s\n", strings.Join(q, " "))
		}
		fmt.Fprintf(r.stderr, " - 0 filesystem and 0 volume will be destroyed\n")
		if !r.confirmName(m.Name, "model") {
			return errors.New("model destruction: aborted")
		}
	}
	fmt.Fprint(r.stderr, "Destroying model")
	return r.destroyModel(m.UUID, force, timeout, noWait)
}

// confirmName asks for the name of the thing to remove on stdin, as Juju's
// UserConfirmName does.
func (r *run) confirmName(name, kind string) bool {
	fmt.Fprintf(r.stderr, "\nTo continue, enter the name of the %s to be unregistered: ", kind)
	sc := bufio.NewScanner(r.stdin)
	sc.Scan()
	return strings.ToLower(sc.Text()) == name
}

// confirmYes asks "Continue [y/N]?" on stdin, as Juju's UserConfirmYes does.
func (r *run) confirmYes() bool {
	fmt.Fprint(r.stderr, "\nContinue [y/N]? ")
	sc := bufio.NewScanner(r.stdin)
	sc.Scan()
	a := strings.ToLower(sc.Text())
	return a == "y" || a == "yes"
}
