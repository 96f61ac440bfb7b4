package model

import (
	"fmt"

	"github.com/juju/charm/v12"

	"github.com/canonical/jujutest/internal/local/state"
)

// ConfigRequest is "juju config <app>" that changes settings: key=value
// strings, a YAML document (--file), or keys to reset. Values and the
// document are checked with charm/v12's rules, as Juju's server does.
type ConfigRequest struct {
	// App is the application's name.
	App string
	// Charm is the application's charm config.
	Charm *charm.Config
	// Strings are key=value settings, the "trust" key excluded.
	Strings map[string]string
	// Trust is the trust setting to set, if any.
	Trust *bool
	// YAML is a settings document (--file), keyed by application name.
	YAML []byte
	// Reset are the keys to reset to their defaults ("trust" too).
	Reset []string
}

// Configure changes the application's settings; nothing changes when any
// value is refused.
func Configure(m *state.Model, req ConfigRequest) error {
	a := m.Applications[req.App]
	if a == nil {
		return notFoundf("application %q not found", req.App)
	}
	cfg := req.Charm
	switch {
	case req.YAML != nil:
		s, err := cfg.ParseSettingsYAML(req.YAML, req.App)
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
	case len(req.Reset) > 0:
		unset := charm.Settings{}
		resetTrust := false
		for _, k := range req.Reset {
			if k == "trust" {
				resetTrust = true
				continue
			}
			unset[k] = nil
		}
		if _, err := cfg.ValidateSettings(unset); err != nil {
			return fmt.Errorf("updating application charm settings: %w", err)
		}
		if resetTrust {
			a.Trust = false
		}
		applySettings(a, unset)
	default:
		s, err := cfg.ParseSettingsStrings(req.Strings)
		if err != nil {
			return fmt.Errorf("parsing settings for application: %w", err)
		}
		if s, err = cfg.ValidateSettings(s); err != nil {
			return fmt.Errorf("parsing settings for application: %w", err)
		}
		applySettings(a, s)
		if req.Trust != nil {
			a.Trust = *req.Trust
		}
	}
	return nil
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
