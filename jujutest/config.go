package jujutest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// configSetting is one entry of "juju config --format json": settings and
// application-config alike.
type configSetting struct {
	Type    string          `json:"type"`
	Source  string          `json:"source"` // user, default or unset
	Value   json.RawMessage `json:"value"`
	Default json.RawMessage `json:"default"`
}

type configOutput struct {
	Settings  map[string]configSetting `json:"settings"`
	AppConfig map[string]configSetting `json:"application-config"`
}

func (j *Juju) configOutput(ctx context.Context, app string) (*configOutput, error) {
	if app == "" {
		return nil, errors.New("juju config: no application given")
	}
	out, err := j.run(ctx, call{args: []string{"config", "--format", "json", app}})
	if err != nil {
		return nil, err
	}
	var c configOutput
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		return nil, fmt.Errorf("juju config %s: parsing output: %w", app, err)
	}
	return &c, nil
}

// configValues keeps the settings that have a value, typed by their
// declared type: int as int, float as float64, boolean as bool, secret as
// SecretURI, string as string.
func configValues(app string, settings map[string]configSetting) (map[string]any, error) {
	out := make(map[string]any, len(settings))
	for k, s := range settings {
		if len(s.Value) == 0 {
			continue // unset: no value and no default
		}
		v, err := decodePlain(s.Value)
		if err != nil {
			return nil, fmt.Errorf("juju config %s: parsing %s: %w", app, k, err)
		}
		switch s.Type {
		case "float":
			if n, ok := v.(int); ok {
				v = float64(n)
			}
		case "secret":
			if str, ok := v.(string); ok {
				v = SecretURI(str)
			}
		}
		out[k] = v
	}
	return out, nil
}

// Config runs "juju config --format json <app>" and returns the charm
// settings that have a value (set, or defaulted), keyed by option name.
// Values are typed by the option's type: int, float64, bool, string, or
// SecretURI for secret options. Options with neither a value nor a default
// are left out.
func (j *Juju) Config(ctx context.Context, app string) (map[string]any, error) {
	c, err := j.configOutput(ctx, app)
	if err != nil {
		return nil, err
	}
	return configValues(app, c.Settings)
}

// AppConfig is Config for the application settings Juju itself defines,
// such as "trust", rather than the charm's.
func (j *Juju) AppConfig(ctx context.Context, app string) (map[string]any, error) {
	c, err := j.configOutput(ctx, app)
	if err != nil {
		return nil, err
	}
	return configValues(app, c.AppConfig)
}

// SetConfig runs "juju config <app> k=v ..." with the keys in sorted order.
// Bools are written true/false, floats without an exponent, string slices
// joined with commas, anything else with %v. Juju parses each value by the
// option's type. An empty map does nothing.
//
// The change is tracked (see Wait): a later Wait does not return before
// every unit of app has run config-changed, unless the new values equal
// the old ones, in which case Juju runs no hook and there is nothing to
// wait for.
func (j *Juju) SetConfig(ctx context.Context, app string, values map[string]any) error {
	if app == "" {
		return errors.New("juju config: no application given")
	}
	if len(values) == 0 {
		return nil
	}
	for k := range values {
		if k == "" || strings.ContainsAny(k, "= ") {
			return fmt.Errorf("juju config %s: invalid option name %q: it must be non-empty, without '=' or spaces", app, k)
		}
	}
	args := append([]string{"config", app}, keyValues(values)...)
	return j.trackedConfigCall(ctx, "config "+app, app, call{args: args})
}

// ResetConfig runs "juju config <app> --reset k1,k2" to return options to
// their defaults. No keys does nothing. The change is tracked as
// SetConfig's is.
func (j *Juju) ResetConfig(ctx context.Context, app string, keys ...string) error {
	if app == "" {
		return errors.New("juju config: no application given")
	}
	if len(keys) == 0 {
		return nil
	}
	for _, k := range keys {
		if k == "" || strings.ContainsAny(k, "=, ") {
			return fmt.Errorf("juju config %s: invalid option name %q to reset: it must be non-empty, without '=', ',' or spaces", app, k)
		}
	}
	return j.trackedConfigCall(ctx, "config "+app+" --reset", app, call{args: []string{"config", app, "--reset", strings.Join(keys, ",")}})
}

// restoreTimeout bounds each command a test cleanup runs.
const restoreTimeout = 2 * time.Minute

// TempConfig sets config options of app for the rest of the test, like
// t.Setenv for the environment: it records the current values, runs
// SetConfig, and registers a t.Cleanup that puts back the options it
// changed: a value the user had set is set again, and an option that was
// at its default (or unset) is reset. It fails the test if the options
// cannot be read or set, and reports (without failing the run early) a
// restore that fails. Commands run with t.Context(), and the restore with
// a fresh bounded context, since t.Context() has ended by then.
func (j *Juju) TempConfig(t testing.TB, app string, values map[string]any) {
	t.Helper()
	ctx := t.Context()
	before, err := j.configOutput(ctx, app)
	if err != nil {
		t.Fatalf("TempConfig: reading config of %s: %v", app, err)
	}
	userValues, err := configValues(app, before.Settings)
	if err != nil {
		t.Fatalf("TempConfig: %v", err)
	}
	restore := map[string]any{}
	var reset []string
	for _, k := range slices.Sorted(maps.Keys(values)) {
		s, ok := before.Settings[k]
		if ok && s.Source == "user" {
			restore[k] = userValues[k]
		} else {
			// At its default, unset, or unknown (SetConfig then fails).
			reset = append(reset, k)
		}
	}
	if err := j.SetConfig(ctx, app, values); err != nil {
		t.Fatalf("TempConfig: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), restoreTimeout)
		defer cancel()
		if err := j.SetConfig(ctx, app, restore); err != nil {
			t.Errorf("TempConfig: restoring config of %s: %v", app, err)
		}
		if err := j.ResetConfig(ctx, app, reset...); err != nil {
			t.Errorf("TempConfig: resetting config of %s: %v", app, err)
		}
	})
}
