package cli

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

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
		if _, err := lxdmachine.Connect(r.ctx, lxdmachine.Socket(r.env.get)); err != nil {
			return "", fmt.Errorf("%s=lxd: %w", EnvProvider, err)
		}
		return state.ProviderLXD, nil
	case "":
		if _, err := lxdmachine.Connect(r.ctx, lxdmachine.Socket(r.env.get)); err == nil {
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
	alias := lxdmachine.ImageAlias(ib, runtime.GOARCH)
	real, err := p.ImageBase(alias)
	if err != nil {
		return "", state.Base{}, err
	}
	return alias, state.Base{Name: real.Name, Channel: real.Channel}, nil
}

// parsePlacement parses --to for an LXD model: empty (a new machine per
// unit) or a comma-separated list of existing machine ids, one per unit.
func parsePlacement(m *state.Model, to string, n int) ([]string, error) {
	if to == "" {
		return nil, nil
	}
	ids := strings.Split(to, ",")
	if len(ids) > n {
		return nil, fmt.Errorf("cannot place %d units on %d placement directives", n, len(ids))
	}
	for _, id := range ids {
		if _, err := strconv.Atoi(id); err != nil {
			return nil, fmt.Errorf("juju-local places units on existing machines or new ones, not on %q", id)
		}
		mc := m.Machines[id]
		if mc == nil {
			return nil, fmt.Errorf("cannot deploy to machine %s: machine %s not found", id, id)
		}
		if mc.Life == state.Dying {
			return nil, fmt.Errorf("cannot deploy to machine %s: machine is not alive", id)
		}
	}
	return ids, nil
}

// addMachineUnits adds n units of a to an LXD model: on the machines of
// placement (in order), then each on a new machine made from image.
func addMachineUnits(m *state.Model, a *state.Application, image string, base state.Base, placement []string, n int, now time.Time) []string {
	var added []string
	for i := 0; i < n; i++ {
		var id string
		if i < len(placement) {
			id = placement[i]
		} else {
			id = strconv.Itoa(m.NextMachine)
			m.NextMachine++
			m.Machines[id] = &state.Machine{
				ID:       id,
				Base:     base,
				Image:    image,
				Created:  now,
				Agent:    state.NewStatus("pending", "", now),
				Instance: state.NewStatus("pending", "", now),
			}
		}
		name := fmt.Sprintf("%s/%d", a.Name, a.NextUnit)
		a.NextUnit++
		a.Units[name] = &state.Unit{
			Name:     name,
			Machine:  id,
			Life:     state.Alive,
			Workload: state.NewStatus("waiting", "waiting for machine", now),
			Agent:    state.NewStatus("allocating", "", now),
			Created:  now,
		}
		if a.Leader == "" {
			a.Leader = name
		}
		added = append(added, name)
	}
	return added
}
