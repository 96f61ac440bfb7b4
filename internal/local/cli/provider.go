package cli

import (
	"fmt"
	"runtime"

	corebase "github.com/juju/juju/core/base"

	"github.com/canonical/jujutest/internal/local/lxdmachine"
	"github.com/canonical/jujutest/internal/local/state"
)

// EnvProvider forces where a new model's machines are: "lxd" (LXD system
// containers) or "host" (this host, with the opt-in). By default a model
// is an LXD model when an LXD daemon answers.
const EnvProvider = "JUJU_LOCAL_PROVIDER"

// EnvImageBase, when set (e.g. "debian@12"), is the default of the model
// config key juju-local-image-base for new models: their machines use
// that base's image whatever the charm's base.
const EnvImageBase = "JUJU_LOCAL_IMAGE_BASE"

// chooseProvider picks a new model's provider.
func (r *run) chooseProvider() (string, error) {
	switch v := r.env.get(EnvProvider); v {
	case state.ProviderHost:
		return state.ProviderHost, nil
	case state.ProviderLXD:
		p, err := lxdmachine.Connect(r.ctx, lxdmachine.Socket(r.env.get))
		if err != nil {
			return "", fmt.Errorf("%s=lxd: %w", EnvProvider, err)
		}
		p.Close()
		return state.ProviderLXD, nil
	case "":
		if p, err := lxdmachine.Connect(r.ctx, lxdmachine.Socket(r.env.get)); err == nil {
			p.Close()
			return state.ProviderLXD, nil
		}
		return state.ProviderHost, nil
	default:
		return "", fmt.Errorf("%s must be %q or %q, not %q", EnvProvider, state.ProviderLXD, state.ProviderHost, v)
	}
}

// imageBase returns the base whose image a model's machines use for a
// charm base: the model's juju-local-image-base when set.
func imageBase(m *state.Model, base corebase.Base) (string, error) {
	if v, ok := m.Config[lxdmachine.ImageBaseKey].(string); ok && v != "" {
		b, err := corebase.ParseBaseFromString(v)
		if err != nil {
			return "", fmt.Errorf("model config %s: %w", lxdmachine.ImageBaseKey, err)
		}
		return b.DisplayString(), nil
	}
	return base.DisplayString(), nil
}

// lxdImage returns the image alias for a charm base in an LXD model, and
// the base the image really is, or a clear error when there is no such
// image.
func (r *run) lxdImage(m *state.Model, base corebase.Base) (string, state.Base, error) {
	ib, err := imageBase(m, base)
	if err != nil {
		return "", state.Base{}, err
	}
	p, err := lxdmachine.Connect(r.ctx, lxdmachine.Socket(r.env.get))
	if err != nil {
		return "", state.Base{}, err
	}
	defer p.Close()
	alias := lxdmachine.ImageAlias(ib, runtime.GOARCH)
	real, err := p.ImageBase(alias)
	if err != nil {
		return "", state.Base{}, err
	}
	return alias, state.Base{Name: real.Name, Channel: real.Channel}, nil
}
