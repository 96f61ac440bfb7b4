package cli

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/juju/charm/v12"

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
		if v := typedValue(opt, a.Config[name]); v != nil && !sameValue(opt.Default, v) {
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

// effectiveSettings returns the charm's settings with defaults applied and
// values typed by the option types, as config-get sees them.
func effectiveSettings(a *state.Application, cfg *charm.Config) map[string]any {
	out := map[string]any{}
	for name, opt := range cfg.Options {
		out[name] = opt.Default
		if v := typedValue(opt, a.Config[name]); v != nil {
			out[name] = v
		}
	}
	return out
}

func (r *run) cmdConfig(args []string) error {
	fs := r.flags("config")
	model := modelFlag(fs)
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

	// Parse the actions as Juju's ConfigCommandBase does.
	var actions []string
	if file != "" {
		actions = append(actions, actSetFile)
	}
	var resetKeys []string
	if len(resets) > 0 {
		for _, v := range resets {
			resetKeys = append(resetKeys, strings.Split(strings.Trim(v, ","), ",")...)
		}
		for _, k := range resetKeys {
			if strings.Contains(k, "=") {
				return usagef(`--reset accepts a comma delimited set of keys "a,b,c", received: %q`, k)
			}
		}
		actions = append(actions, actReset)
	}
	toSet := map[string]string{}
	var setOrder []string
	var toGet []string
	for _, arg := range rest[1:] {
		if k, v, ok := strings.Cut(arg, "="); ok {
			if k == "" {
				return usagef(`expected "key=value", got %q`, arg)
			}
			if _, dup := toSet[k]; dup {
				return usagef("key %q specified more than once", k)
			}
			toSet[k] = v
			setOrder = append(setOrder, k)
		} else {
			toGet = append(toGet, arg)
		}
	}
	if len(toGet) > 0 {
		actions = append(actions, actGetOne)
	}
	if len(toSet) > 0 {
		actions = append(actions, actSetArgs)
	}
	if len(actions) == 0 {
		actions = []string{actGetAll}
	}
	if len(actions) > 1 {
		for _, a := range actions {
			if a == actGetOne {
				return usagef("cannot %s simultaneously", joinActions(actions))
			}
		}
	}
	if len(toGet) > 1 {
		return usagef("cannot specify multiple keys to get")
	}
	for _, k := range resetKeys {
		if _, ok := toSet[k]; ok {
			return usagef("cannot set and reset key %q simultaneously", k)
		}
	}

	for _, action := range actions {
		var err error
		switch action {
		case actGetAll, actGetOne:
			err = r.configGet(*model, appName, toGet, out)
		case actSetFile:
			err = r.configSetFile(*model, appName, file)
		case actReset:
			err = r.configReset(*model, appName, resetKeys)
		case actSetArgs:
			err = r.configSet(*model, appName, toSet)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

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

func (r *run) configGet(model, appName string, keys []string, out *output) error {
	_, m, err := r.readModel(model)
	if err != nil {
		return err
	}
	a := m.Applications[appName]
	if a == nil {
		return fmt.Errorf("application %q not found", appName)
	}
	cfg, err := readCharmConfig(a)
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

// updateApp runs fn on the named application of the model under the lock.
func (r *run) updateApp(model, appName string, fn func(m *state.Model, a *state.Application, cfg *charm.Config) error) error {
	_, m, err := r.readModel(model)
	if err != nil {
		return err
	}
	a := m.Applications[appName]
	if a == nil {
		return fmt.Errorf("application %q not found", appName)
	}
	cfg, err := readCharmConfig(a)
	if err != nil {
		return err
	}
	return r.updateModel(model, func(st *state.State, m *state.Model) error {
		a := m.Applications[appName]
		if a == nil {
			return fmt.Errorf("application %q not found", appName)
		}
		return fn(m, a, cfg)
	})
}

// applySettings merges parsed settings into the application's stored
// config (nil = unset).
func applySettings(a *state.Application, s charm.Settings) {
	if a.Config == nil {
		a.Config = map[string]any{}
	}
	for k, v := range s {
		if v == nil {
			delete(a.Config, k)
		} else {
			a.Config[k] = v
		}
	}
	if len(a.Config) == 0 {
		a.Config = nil
	}
}

func (r *run) configSet(model, appName string, values map[string]string) error {
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
	return r.updateApp(model, appName, func(m *state.Model, a *state.Application, cfg *charm.Config) error {
		s, err := cfg.ParseSettingsStrings(charmValues)
		if err != nil {
			return fmt.Errorf("parsing settings for application: %w", err)
		}
		if s, err = cfg.ValidateSettings(s); err != nil {
			return fmt.Errorf("parsing settings for application: %w", err)
		}
		applySettings(a, s)
		if trust != nil {
			a.Trust = *trust
		}
		return nil
	})
}

func (r *run) configSetFile(model, appName, path string) error {
	var data []byte
	var err error
	if path == "-" {
		var sb strings.Builder
		buf := make([]byte, 4096)
		for {
			n, rerr := r.stdin.Read(buf)
			sb.Write(buf[:n])
			if rerr != nil {
				break
			}
		}
		data = []byte(sb.String())
	} else {
		s, rerr := readValueFile(path)
		data, err = []byte(s), rerr
	}
	if err != nil {
		return err
	}
	return r.updateApp(model, appName, func(m *state.Model, a *state.Application, cfg *charm.Config) error {
		s, err := cfg.ParseSettingsYAML(data, appName)
		if err != nil {
			return fmt.Errorf("parsing settings for application: %w", err)
		}
		if t, ok := s["trust"]; ok {
			delete(s, "trust")
			if b, ok := t.(bool); ok {
				a.Trust = b
			}
		}
		applySettings(a, s)
		return nil
	})
}

func (r *run) configReset(model, appName string, keys []string) error {
	return r.updateApp(model, appName, func(m *state.Model, a *state.Application, cfg *charm.Config) error {
		unset := charm.Settings{}
		for _, k := range keys {
			if k == "trust" {
				a.Trust = false
				continue
			}
			unset[k] = nil
		}
		if _, err := cfg.ValidateSettings(unset); err != nil {
			return fmt.Errorf("updating application charm settings: %w", err)
		}
		applySettings(a, unset)
		return nil
	})
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

// typedValue returns a stored config value in the Go type of its option:
// JSON decoding turns int64 values into float64.
func typedValue(opt charm.Option, v any) any {
	if f, ok := v.(float64); ok && opt.Type == "int" {
		return int64(f)
	}
	return v
}
