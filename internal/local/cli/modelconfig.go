package cli

import (
	"fmt"
	"sort"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/canonical/jujutest/internal/local/lxdmachine"
	"github.com/canonical/jujutest/internal/local/state"
	"github.com/canonical/jujutest/internal/logline"
)

// UpdateStatusIntervalKey is the model-config key of the update-status
// hook interval.
const UpdateStatusIntervalKey = state.UpdateStatusIntervalKey

// modelConfigDefaults are the model-config keys the local backend knows,
// with Juju 3.6's defaults (environs/config ConfigDefaults).
func modelConfigDefaults() map[string]any {
	return map[string]any{
		"agent-stream":                "released",
		"apt-ftp-proxy":               "",
		"apt-http-proxy":              "",
		"apt-https-proxy":             "",
		"apt-mirror":                  "",
		"apt-no-proxy":                "",
		"automatically-retry-hooks":   true,
		"default-base":                "",
		"default-space":               "",
		"development":                 false,
		"disable-telemetry":           false,
		"enable-os-refresh-update":    true,
		"enable-os-upgrade":           true,
		"ftp-proxy":                   "",
		"http-proxy":                  "",
		"https-proxy":                 "",
		"juju-ftp-proxy":              "",
		"juju-http-proxy":             "",
		"juju-https-proxy":            "",
		"juju-no-proxy":               "127.0.0.1,localhost,::1",
		"logging-config":              logline.DefaultLoggingConfig,
		"max-action-results-age":      "336h",
		"max-action-results-size":     "5G",
		"max-status-history-age":      "336h",
		"max-status-history-size":     "5G",
		"mode":                        "requires-prompts",
		"no-proxy":                    "127.0.0.1,localhost,::1",
		"provisioner-harvest-mode":    "destroyed",
		"snap-http-proxy":             "",
		"snap-https-proxy":            "",
		"ssl-hostname-verification":   true,
		"test-mode":                   false,
		"transmit-vendor-metrics":     true,
		UpdateStatusIntervalKey:       "5m",
		"agent-version":               Version,
		"charmhub-url":                "https://api.charmhub.io",
		"container-networking-method": "local",
		"image-stream":                "released",
		// juju-local's own: the base whose LXD image machines use.
		lxdmachine.ImageBaseKey: "",
		// and the LXD storage pool of its containers ("" = juju-local's).
		lxdmachine.PoolKey: "",
	}
}

// validateModelConfigKey rejects keys that cannot be set.
func validateModelConfigKey(k string) error {
	switch k {
	case "agent-version":
		return fmt.Errorf(`"agent-version" must be set via "upgrade-model"`)
	case "charmhub-url":
		return fmt.Errorf(`"charmhub-url" must be set via "add-model"`)
	case "name", "type", "uuid":
		return fmt.Errorf("%s cannot be changed", k)
	}
	return nil
}

// coerceModelConfig turns a string value into the key's type, validating
// it as Juju does.
func coerceModelConfig(k, v string) (any, error) {
	def, known := modelConfigDefaults()[k]
	if k == UpdateStatusIntervalKey {
		if _, err := time.ParseDuration(v); err != nil {
			return nil, fmt.Errorf("invalid update status hook interval in model configuration: %w", err)
		}
		return v, nil
	}
	if k == "logging-config" {
		if _, err := logline.ParseLoggingConfig(v); err != nil {
			return nil, err
		}
		return v, nil
	}
	if !known {
		return v, nil
	}
	switch def.(type) {
	case bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("%s: expected bool, got string(%q)", k, v)
		}
		return b, nil
	}
	return v, nil
}

// modelConfigValue is Juju's ConfigValue (no JSON tags: "Value", "Source").
type modelConfigValue struct {
	Value  any
	Source string
}

func (r *run) cmdModelConfig(args []string) error {
	fs := r.flags("model-config")
	model := modelFlag(fs)
	var file string
	var resets []string
	var color, noColor, ignoreRO bool
	fs.StringVar(&file, "file", "", "Path to yaml-formatted configuration file")
	fs.Var(stringsValue{&resets}, "reset", "Reset the provided comma delimited keys")
	fs.BoolVar(&color, "color", false, "Use ANSI color codes in output")
	fs.BoolVar(&noColor, "no-color", false, "Disable ANSI color codes in tabular output")
	fs.BoolVar(&ignoreRO, "ignore-read-only-fields", false, "Ignore read only fields that might cause errors to be emitted while processing yaml documents")
	out := outputFlags(fs, "tabular")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	if err := out.check("tabular", "json", "yaml"); err != nil {
		return err
	}
	ca, err := parseConfigArgs(fs.Args(), file, resets, "agent-version", "charmhub-url")
	if err != nil {
		return err
	}
	if ca.actions[0] == actGetAll || ca.actions[0] == actGetOne {
		return r.modelConfigGet(*model, ca.toGet, out)
	}
	toSet, resetKeys := ca.toSet, ca.resetKeys
	if file != "" {
		m, err := readYAMLMap(file, r.stdin)
		if err != nil {
			return err
		}
		for k, v := range m {
			if _, ok := toSet[k]; !ok {
				toSet[k] = fmt.Sprint(v)
			}
		}
	}
	values := map[string]any{}
	for k, v := range toSet {
		if ignoreRO && (k == "agent-version" || k == "charmhub-url") {
			continue
		}
		if err := validateModelConfigKey(k); err != nil {
			return err
		}
		val, err := coerceModelConfig(k, v)
		if err != nil {
			return err
		}
		values[k] = val
	}
	defaults := modelConfigDefaults()
	for k := range values {
		if _, ok := defaults[k]; !ok {
			fmt.Fprintf(r.stderr, "WARNING key %q is not defined in the current model configuration: possible misspelling\n", k)
		}
	}
	for _, k := range resetKeys {
		if _, ok := defaults[k]; !ok {
			fmt.Fprintf(r.stderr, "WARNING key %q is not defined in the current model configuration: possible misspelling\n", k)
		}
	}
	return r.updateModel(*model, func(st *state.State, m *state.Model) error {
		if m.Config == nil {
			m.Config = map[string]any{}
		}
		for _, k := range resetKeys {
			delete(m.Config, k)
		}
		for k, v := range values {
			m.Config[k] = v
		}
		if len(m.Config) == 0 {
			m.Config = nil
		}
		return nil
	})
}

func (r *run) modelConfigGet(model string, keys []string, out *output) error {
	_, m, err := r.readModel(model)
	if err != nil {
		return err
	}
	all := map[string]modelConfigValue{}
	for k, v := range modelConfigDefaults() {
		all[k] = modelConfigValue{Value: v, Source: "default"}
	}
	for k, v := range m.Config {
		all[k] = modelConfigValue{Value: v, Source: "model"}
	}
	if len(keys) == 1 {
		v, ok := all[keys[0]]
		if !ok {
			return fmt.Errorf("%q is not a key of the currently targeted model: %q", keys[0], "admin/"+m.Name)
		}
		if out.format == "tabular" {
			out.format = "smart"
			return r.write(out, v.Value)
		}
		return r.write(out, map[string]modelConfigValue{keys[0]: v})
	}
	if out.format != "tabular" {
		return r.write(out, all)
	}
	w, closeFn, err := r.writer(out)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "Attribute\tFrom\tValue")
	keysSorted := make([]string, 0, len(all))
	for k := range all {
		keysSorted = append(keysSorted, k)
	}
	sort.Strings(keysSorted)
	for _, k := range keysSorted {
		fmt.Fprintf(tw, "%s\t%s\t%v\n", k, all[k].Source, all[k].Value)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return closeFn()
}
