// Package charmtest runs a charm's event handling against fake Juju hook
// tools: a State goes in, one event runs, a State comes out, as with ops'
// Scenario. Each Run builds its own fake from the State it is given, so
// tests may run in parallel; the input State is never modified.
//
// The fake speaks the real tools' syntax and enforces what Juju enforces
// where a charm could get it wrong: status-set accepts only maintenance,
// blocked, waiting and active; config keys must be declared in
// charmcraft.yaml, whose defaults are merged under State.Config as Juju
// does. It records every tool call and every juju-log line.
//
// Typical use:
//
//	opts, err := charmtest.ReadOptions("../../charm/charmcraft.yaml")
//	c := &charmtest.Context{Options: opts, Charm: func(ctx context.Context, event string, tools *hooktools.Tools) error {
//		return (&hooks.Charm{Tools: tools, Workload: fake}).Run(ctx, event)
//	}}
//	out, err := c.Run(ctx, "start", charmtest.State{Config: map[string]any{"slug": "foo"}})
package charmtest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/canonical/jujutest/charm/hooktools"
)

// Status is a unit or application status.
type Status = hooktools.Status

// LogLine is one juju-log call.
type LogLine struct {
	Level   string // DEBUG, INFO, WARNING or ERROR
	Message string // the message, its words joined by spaces
}

// State is what Juju knows about the unit before and after an event.
type State struct {
	// Config holds option values set by the user; options missing here
	// take their charmcraft.yaml default. Keys must be declared options.
	Config map[string]any
	// Leader is whether the unit is its application's leader.
	Leader bool
	// UnitStatus is the unit's workload status (zero: none set yet).
	UnitStatus Status
	// AppStatus is the application status (only a leader may set it).
	AppStatus Status
	// WorkloadVersion is what application-version-set last set.
	WorkloadVersion string
	// OpenedPorts are the unit's open ports, e.g. "8000/tcp", sorted.
	// Like Juju, changes are committed only when the hook succeeds.
	OpenedPorts []string

	// Relations are the unit's relations, as relation-ids, relation-list
	// and relation-get see them. Run does not change them.
	Relations []Relation

	// JujuLog and Calls record the run that produced this State; Run
	// ignores them on input. Calls holds each tool's argv, in order.
	JujuLog []LogLine
	Calls   [][]string
}

// Relation is one relation of the unit, as ops.testing models it: the
// remote application's databag and each remote unit's.
type Relation struct {
	// Endpoint is the unit's endpoint, e.g. "upstream"; ID the relation
	// id (relation-ids shows "upstream:3").
	Endpoint string
	ID       int
	// RemoteApp is the remote application's name; RemoteAppData its
	// application databag.
	RemoteApp     string
	RemoteAppData map[string]string
	// RemoteUnitsData are the remote units' databags by unit name
	// ("upstream-app/0"); relation-list lists these units.
	RemoteUnitsData map[string]map[string]string
	// Broken marks the relation being broken in this hook
	// (<endpoint>-relation-broken): relation-ids leaves it out, as Juju's
	// does.
	Broken bool
}

// Key returns the relation's "<endpoint>:<id>".
func (r Relation) Key() string { return r.Endpoint + ":" + strconv.Itoa(r.ID) }

func (s State) clone() State {
	s.Config = maps.Clone(s.Config)
	s.Relations = slices.Clone(s.Relations)
	s.OpenedPorts = slices.Clone(s.OpenedPorts)
	s.JujuLog = slices.Clone(s.JujuLog)
	s.Calls = slices.Clone(s.Calls)
	for i, c := range s.Calls {
		s.Calls[i] = slices.Clone(c)
	}
	return s
}

// Option is a declared config option.
type Option struct {
	Type    string // string, int, float, boolean or secret
	Default any    // nil when the option has no default
}

// CharmFunc handles one event using tools; it is how Run calls the charm.
type CharmFunc func(ctx context.Context, event string, tools *hooktools.Tools) error

// Context runs events against a charm. It holds no per-run state, so one
// Context may be used from parallel tests.
type Context struct {
	Charm   CharmFunc         // the charm under test
	Options map[string]Option // declared config options; see ReadOptions
}

// ReadOptions reads the config options from a charmcraft.yaml file.
func ReadOptions(charmcraftYAML string) (map[string]Option, error) {
	data, err := os.ReadFile(charmcraftYAML)
	if err != nil {
		return nil, fmt.Errorf("charmtest: %w", err)
	}
	opts, err := ParseOptions(data)
	if err != nil {
		return nil, fmt.Errorf("charmtest: %s: %w", charmcraftYAML, err)
	}
	return opts, nil
}

// ParseOptions parses the config.options section of charmcraft.yaml
// content, checking each option's type and default as Juju would.
func ParseOptions(charmcraftYAML []byte) (map[string]Option, error) {
	var doc struct {
		Config struct {
			Options map[string]struct {
				Type    string `yaml:"type"`
				Default any    `yaml:"default"`
			} `yaml:"options"`
		} `yaml:"config"`
	}
	if err := yaml.Unmarshal(charmcraftYAML, &doc); err != nil {
		return nil, err
	}
	opts := map[string]Option{}
	for name, o := range doc.Config.Options {
		if o.Default != nil {
			if err := checkType(o.Type, o.Default); err != nil {
				return nil, fmt.Errorf("option %q: default: %w", name, err)
			}
		} else if err := checkType(o.Type, nil); err != nil && o.Type != "" {
			return nil, fmt.Errorf("option %q: %w", name, err)
		}
		opts[name] = Option{Type: o.Type, Default: o.Default}
	}
	return opts, nil
}

// checkType reports whether v (nil: only the type is checked) fits an
// option of type typ.
func checkType(typ string, v any) error {
	ok := true
	switch typ {
	case "string", "secret":
		_, ok = v.(string)
	case "boolean":
		_, ok = v.(bool)
	case "int":
		switch n := v.(type) {
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		case float64:
			ok = n == math.Trunc(n)
		default:
			ok = false
		}
	case "float":
		switch v.(type) {
		case int, int64, float32, float64:
		default:
			ok = false
		}
	default:
		return fmt.Errorf("unknown option type %q (want string, int, float, boolean or secret)", typ)
	}
	if v != nil && !ok {
		return fmt.Errorf("value %#v (%T) is not a valid %s", v, v, typ)
	}
	return nil
}

// Run runs event against the charm with fake hook tools built from state
// and returns the resulting State. A charm that returns an error makes Run
// return it (unwrapped) with the State as it was when the hook failed:
// statuses and the workload version set so far, but port changes discarded,
// as Juju does. Run fails before running the charm if state.Config has an
// undeclared key or a value of the wrong type.
func (c *Context) Run(ctx context.Context, event string, state State) (State, error) {
	if c.Charm == nil {
		return State{}, errors.New("charmtest: Context.Charm is nil")
	}
	config, err := c.mergeConfig(state.Config)
	if err != nil {
		return State{}, err
	}
	out := state.clone()
	out.JujuLog, out.Calls = nil, nil
	u := &unit{state: out, config: config}
	charmErr := c.Charm(ctx, event, &hooktools.Tools{Runner: u})
	out = u.snapshot()
	if charmErr != nil {
		out.OpenedPorts = slices.Clone(state.OpenedPorts)
		return out, charmErr
	}
	return out, nil
}

func (c *Context) mergeConfig(set map[string]any) (map[string]any, error) {
	merged := map[string]any{}
	for name, o := range c.Options {
		merged[name] = o.Default
	}
	for _, name := range slices.Sorted(maps.Keys(set)) {
		o, ok := c.Options[name]
		if !ok {
			return nil, fmt.Errorf("charmtest: State.Config has unknown option %q; charmcraft.yaml declares %s",
				name, declared(c.Options))
		}
		v := set[name]
		if err := checkType(o.Type, v); err != nil {
			return nil, fmt.Errorf("charmtest: State.Config option %q: %w", name, err)
		}
		merged[name] = v
	}
	return merged, nil
}

func declared(opts map[string]Option) string {
	if len(opts) == 0 {
		return "no options"
	}
	names := slices.Sorted(maps.Keys(opts))
	return strings.Join(names, ", ")
}
