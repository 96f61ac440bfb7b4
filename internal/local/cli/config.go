package cli

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/juju/charm/v12"

	"github.com/canonical/jujutest/internal/local/model"
	"github.com/canonical/jujutest/internal/local/state"
)

// Config actions, named as Juju names them in its errors.
const (
	actGetOne  = "get value"
	actGetAll  = "get all values"
	actSetArgs = "set key=value pairs"
	actSetFile = "use --file flag"
	actReset   = "use --reset flag"
)

// trustDescription is Juju's description of the trust application setting.
const trustDescription = "Does this application have access to trusted credentials"

// readCharmConfig reads the charm's config.yaml from its stored archive.
func readCharmConfig(a *state.Application) (*charm.Config, error) {
	ch, err := charm.ReadCharmArchive(a.Archive)
	if err != nil {
		return nil, fmt.Errorf("reading charm of application %q: %w", a.Name, err)
	}
	return ch.Config(), nil
}

// describeConfig renders the application's settings as Juju's "config"
// shows them (apiserver get.go describe).
func describeConfig(a *state.Application, cfg *charm.Config) map[string]any {
	settings := map[string]any{}
	for name, opt := range cfg.Options {
		info := map[string]any{"description": opt.Description, "type": opt.Type, "source": "unset"}
		set := false
		if v := state.ConfigValue(opt.Type, a.Config[name]); v != nil && !sameValue(opt.Default, v) {
			set = true
			info["value"] = v
			info["source"] = "user"
		}
		if opt.Default != nil {
			info["default"] = opt.Default
			if !set {
				info["value"] = opt.Default
				info["source"] = "default"
			}
		}
		settings[name] = info
	}
	return settings
}

// describeAppConfig renders the application config (trust) as Juju does.
func describeAppConfig(a *state.Application) map[string]any {
	info := map[string]any{"default": false, "description": trustDescription, "source": "default", "type": "bool", "value": false}
	if a.Trust {
		info["source"] = "user"
		info["value"] = true
	}
	return map[string]any{"trust": info}
}

// sameValue compares config values across the int/int64/float64 forms
// JSON decoding and YAML parsing give them.
func sameValue(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	na, aok := toFloat(a)
	nb, bok := toFloat(b)
	if aok && bok {
		return na == nb
	}
	return fmt.Sprint(a) == fmt.Sprint(b) && fmt.Sprintf("%T", normalizeValue(a)) == fmt.Sprintf("%T", normalizeValue(b))
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// normalizeValue returns v with JSON-decoded numbers turned back into the
// charm option's Go type (int64 for int options).
func normalizeValue(v any) any {
	if f, ok := v.(float64); ok && f == float64(int64(f)) {
		return int64(f)
	}
	return v
}

func (r *run) cmdConfig(args []string) error {
	fs := r.flags("config")
	modelRef := modelFlag(fs)
	var file string
	var resets []string
	var color, noColor bool
	var branch string
	fs.StringVar(&file, "file", "", "Path to yaml-formatted configuration file")
	fs.Var(stringsValue{&resets}, "reset", "Reset the provided comma delimited keys")
	fs.BoolVar(&color, "color", false, "Use ANSI color codes in output")
	fs.BoolVar(&noColor, "no-color", false, "Disable ANSI color codes in tabular output")
	fs.StringVar(&branch, "branch", "", "Specifies a branch by name")
	out := outputFlags(fs, "yaml")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	if err := out.check("yaml", "json"); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 || strings.Contains(rest[0], "=") {
		return usagef("no application name specified")
	}
	appName := rest[0]

	ca, err := parseConfigArgs(rest[1:], file, resets)
	if err != nil {
		return err
	}
	for _, action := range ca.actions {
		var err error
		switch action {
		case actGetAll, actGetOne:
			err = r.configGet(*modelRef, appName, ca.toGet, out)
		case actSetFile:
			err = r.configSetFile(*modelRef, appName, file)
		case actReset:
			err = r.configReset(*modelRef, appName, ca.resetKeys)
		case actSetArgs:
			err = r.configSet(*modelRef, appName, ca.toSet)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// configArgs are the parsed arguments of a config command (config,
// model-config): what to do, in the order Juju does it (file, reset, set;
// or get), and the keys and values.
type configArgs struct {
	actions   []string
	toGet     []string
	toSet     map[string]string
	resetKeys []string
}

// parseConfigArgs parses a config command's key and key=value arguments,
// --file and --reset values, with the rules and messages of Juju's
// ConfigCommandBase: keys in cantReset may not be reset, a get goes alone,
// and no key is both set and reset.
func parseConfigArgs(args []string, file string, resets []string, cantReset ...string) (*configArgs, error) {
	ca := &configArgs{toSet: map[string]string{}}
	if file != "" {
		ca.actions = append(ca.actions, actSetFile)
	}
	if len(resets) > 0 {
		for _, v := range resets {
			ca.resetKeys = append(ca.resetKeys, strings.Split(strings.Trim(v, ","), ",")...)
		}
		for _, k := range ca.resetKeys {
			if slices.Contains(cantReset, k) {
				return nil, usagef("%q cannot be reset", k)
			}
			if strings.Contains(k, "=") {
				return nil, usagef(`--reset accepts a comma delimited set of keys "a,b,c", received: %q`, k)
			}
		}
		ca.actions = append(ca.actions, actReset)
	}
	for _, arg := range args {
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			ca.toGet = append(ca.toGet, arg)
			continue
		}
		if k == "" {
			return nil, usagef(`expected "key=value", got %q`, arg)
		}
		if _, dup := ca.toSet[k]; dup {
			return nil, usagef("key %q specified more than once", k)
		}
		ca.toSet[k] = v
	}
	if len(ca.toGet) > 0 {
		ca.actions = append(ca.actions, actGetOne)
	}
	if len(ca.toSet) > 0 {
		ca.actions = append(ca.actions, actSetArgs)
	}
	if len(ca.actions) == 0 {
		ca.actions = []string{actGetAll}
		return ca, nil
	}
	if len(ca.actions) > 1 && slices.Contains(ca.actions, actGetOne) {
		return nil, usagef("cannot %s simultaneously", joinActions(ca.actions))
	}
	if len(ca.toGet) > 1 {
		return nil, usagef("cannot specify multiple keys to get")
	}
	for _, k := range ca.resetKeys {
		if _, ok := ca.toSet[k]; ok {
			return nil, usagef("cannot set and reset key %q simultaneously", k)
		}
	}
	return ca, nil
}

// joinActions lists actions as Juju's multiActionError does: "a, b and c".
func joinActions(actions []string) string {
	s := ""
	for i, a := range actions {
		switch {
		case i == 0:
		case i == len(actions)-1:
			s += " and "
		default:
			s += ", "
		}
		s += a
	}
	return s
}

// readApp reads the named application of the model and its charm's
// config.
func (r *run) readApp(modelRef, appName string) (*state.Application, *charm.Config, error) {
	_, m, err := r.readModel(modelRef)
	if err != nil {
		return nil, nil, err
	}
	a := m.Applications[appName]
	if a == nil {
		return nil, nil, fmt.Errorf("application %q not found", appName)
	}
	cfg, err := readCharmConfig(a)
	if err != nil {
		return nil, nil, err
	}
	return a, cfg, nil
}

func (r *run) configGet(modelRef, appName string, keys []string, out *output) error {
	a, cfg, err := r.readApp(modelRef, appName)
	if err != nil {
		return err
	}
	settings := describeConfig(a, cfg)
	appConfig := describeAppConfig(a)
	if len(keys) == 1 {
		key := keys[0]
		info, ok := settings[key].(map[string]any)
		if !ok {
			info, ok = appConfig[key].(map[string]any)
		}
		if !ok {
			return fmt.Errorf("key %q not found in %q application config or charm settings.", key, appName)
		}
		v, ok := info["value"]
		if !ok || v == nil {
			v = ""
		}
		_, err := fmt.Fprintln(r.stdout, v)
		return err
	}
	return r.write(out, map[string]any{
		"application":        appName,
		"charm":              a.CharmName,
		"settings":           settings,
		"application-config": appConfig,
	})
}

// configure applies a config request to the named application, with its
// charm's config read first.
func (r *run) configure(modelRef string, req model.ConfigRequest) error {
	_, cfg, err := r.readApp(modelRef, req.App)
	if err != nil {
		return err
	}
	req.Charm = cfg
	return r.updateModel(modelRef, func(_ *state.State, m *state.Model) error {
		return model.Configure(m, req)
	})
}

func (r *run) configSet(modelRef, appName string, values map[string]string) error {
	charmValues := map[string]string{}
	var trust *bool
	for k, v := range values {
		if v != "" && v[0] == '@' {
			data, err := readValueFile(v[1:])
			if err != nil {
				return err
			}
			v = data
		}
		if !utf8.ValidString(v) {
			return fmt.Errorf("value for option %q contains non-UTF-8 sequences", k)
		}
		if k == "trust" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("parsing settings for application: trust: expected bool, got string(%q)", v)
			}
			trust = &b
			continue
		}
		charmValues[k] = v
	}
	return r.configure(modelRef, model.ConfigRequest{App: appName, Strings: charmValues, Trust: trust})
}

func (r *run) configSetFile(modelRef, appName, path string) error {
	if path == "" {
		return errors.New("empty file path")
	}
	data, err := readYAMLInput("config file", path, r.stdin)
	if err != nil {
		return err
	}
	return r.configure(modelRef, model.ConfigRequest{App: appName, YAML: data})
}

func (r *run) configReset(modelRef, appName string, keys []string) error {
	return r.configure(modelRef, model.ConfigRequest{App: appName, Reset: keys})
}

// readValueFile reads a value file given as @path (or --file path).
func readValueFile(path string) (string, error) {
	if path == "" {
		return "", errors.New("empty file path")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return string(data), nil
}
