package hooktool

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/juju/cmd/v3"
	"github.com/juju/gnuflag"
	"github.com/juju/names/v5"
	"github.com/juju/utils/v3/keyvalues"
	"gopkg.in/yaml.v2"
)

// relationFlag adds -r/--relation to f, defaulting to the hook's relation,
// and returns where the chosen id goes (-1 for none).
func relationFlag(c Context, f *gnuflag.FlagSet) *int {
	v := &relationIDValue{ctx: c, id: -1}
	if id, ok := relationID(c.HookRelation()); ok {
		v.id, v.value = id, c.HookRelation()
	}
	f.Var(v, "r", "Specify a relation by id")
	f.Var(v, "relation", "")
	return &v.id
}

// ---- relation-list ----

type relationListCommand struct {
	cmd.CommandBase
	ctx       Context
	relation  *int
	remoteApp bool
	out       cmd.Output
}

func (c *relationListCommand) Info() *cmd.Info {
	return info("relation-list", "", "List relation units.", `
-r must be specified when not in a relation hook.
relation-list outputs a list of all the related units. The order is arbitrary.`)
}

func (c *relationListCommand) SetFlags(f *gnuflag.FlagSet) {
	addOutputFlags(&c.out, f)
	c.relation = relationFlag(c.ctx, f)
	f.BoolVar(&c.remoteApp, "app", false, "List remote application instead of participating units")
}

func (c *relationListCommand) Init(args []string) error {
	if *c.relation == -1 {
		return errors.New("no relation id specified")
	}
	return cmd.CheckEmpty(args)
}

func (c *relationListCommand) Run(ctx *cmd.Context) error {
	r, err := c.ctx.Relation(*c.relation)
	if err != nil {
		return err
	}
	if c.remoteApp {
		return c.out.Write(ctx, r.RemoteApp)
	}
	units := r.Units
	if units == nil {
		units = []string{}
	}
	return c.out.Write(ctx, units)
}

// ---- relation-get ----

type relationGetCommand struct {
	cmd.CommandBase
	ctx      Context
	relation *int
	app      bool
	key      string
	name     string
	out      cmd.Output
}

func (c *relationGetCommand) Info() *cmd.Info {
	args := "<key> <unit id>"
	if c.ctx.RemoteUnitName() != "" {
		args = "[<key> [<unit id>]]"
	}
	return info("relation-get", args, "Get relation settings.", `
relation-get prints the value of a unit's relation setting, specified by key.
If no key is given, or if the key is "-", all keys and values will be printed.`)
}

func (c *relationGetCommand) SetFlags(f *gnuflag.FlagSet) {
	addOutputFlags(&c.out, f)
	c.relation = relationFlag(c.ctx, f)
	f.BoolVar(&c.app, "app", false, "Get the relation data for the overall application, not just a unit")
}

func (c *relationGetCommand) Init(args []string) error {
	if *c.relation == -1 {
		return errors.New("no relation id specified")
	}
	if len(args) > 0 {
		if c.key = args[0]; c.key == "-" {
			c.key = ""
		}
		args = args[1:]
	}
	if len(args) > 0 {
		name := args[0]
		args = args[1:]
		switch {
		case c.app && names.IsValidApplication(name):
			c.name = name
		case c.app && names.IsValidUnit(name):
			c.name, _ = names.UnitApplication(name)
		case c.app:
		case !names.IsValidUnit(name) && names.IsValidApplication(name):
			return fmt.Errorf("expected unit name, got application name %q", name)
		case !names.IsValidUnit(name):
			return fmt.Errorf("invalid unit name %q", name)
		default:
			c.name = name
		}
		return cmd.CheckEmpty(args)
	}
	switch {
	case c.app && c.ctx.RemoteAppName() == "":
		return errors.New("no unit or application specified")
	case c.app:
		c.name = c.ctx.RemoteAppName()
	case c.ctx.RemoteUnitName() != "":
		c.name = c.ctx.RemoteUnitName()
	case c.ctx.RemoteAppName() != "":
		c.name, c.app = c.ctx.RemoteAppName(), true
	default:
		return errors.New("no unit or application specified")
	}
	return cmd.CheckEmpty(args)
}

func (c *relationGetCommand) Run(ctx *cmd.Context) error {
	settings, err := c.ctx.RelationSettings(*c.relation, c.name, c.app)
	if err != nil {
		return err
	}
	if settings == nil {
		settings = map[string]string{}
	}
	if c.key == "" {
		return c.out.Write(ctx, settings)
	}
	if v, ok := settings[c.key]; ok {
		return c.out.Write(ctx, v)
	}
	return c.out.Write(ctx, nil)
}

// ---- relation-set ----

type relationSetCommand struct {
	cmd.CommandBase
	ctx      Context
	relation *int
	app      bool
	file     cmd.FileVar
	format   string
	settings map[string]string
}

func (c *relationSetCommand) Info() *cmd.Info {
	return info("relation-set", "key=value [key=value ...]", "Set relation settings.", `
"relation-set" writes the local unit's settings for some relation. If no
relation is specified then the current relation is used. The setting values
are not inspected and are stored as strings. Setting an empty string causes
the setting to be removed.`)
}

func (c *relationSetCommand) SetFlags(f *gnuflag.FlagSet) {
	c.relation = relationFlag(c.ctx, f)
	c.file.SetStdin()
	f.Var(&c.file, "file", "file containing key-value pairs")
	f.BoolVar(&c.app, "app", false, `pick whether you are setting "application" settings or "unit" settings`)
	f.StringVar(&c.format, "format", "", "deprecated format flag")
}

func (c *relationSetCommand) Init(args []string) error {
	if *c.relation == -1 {
		return errors.New("no relation id specified")
	}
	kv, err := keyvalues.Parse(args, true)
	if err != nil {
		return err
	}
	c.settings = kv
	return nil
}

func (c *relationSetCommand) Run(ctx *cmd.Context) error {
	if c.format != "" {
		fmt.Fprintf(ctx.Stderr, "--format flag deprecated for command %q", "relation-set")
	}
	settings := c.settings
	if c.file.Path != "" {
		f, err := c.file.Open(ctx)
		if err != nil {
			return err
		}
		data, err := io.ReadAll(f)
		_ = f.Close()
		if err != nil {
			return err
		}
		fromFile := map[string]string{}
		if err := yaml.Unmarshal(data, fromFile); err != nil {
			return err
		}
		maps.Copy(fromFile, c.settings)
		settings = fromFile
	}
	if c.app {
		leader, err := c.ctx.IsLeader()
		if err != nil {
			return fmt.Errorf("cannot determine leadership status: %w", err)
		}
		if !leader {
			return errors.New("cannot write relation settings")
		}
	}
	return c.ctx.SetRelationSettings(*c.relation, c.app, settings)
}

// ---- leader-get ----

type leaderGetCommand struct {
	cmd.CommandBase
	ctx Context
	key string
	out cmd.Output
}

func (c *leaderGetCommand) Info() *cmd.Info {
	return info("leader-get", "[<key>]", "Print application leadership settings.", `
leader-get prints the value of a leadership setting specified by key. If no key
is given, or if the key is "-", all keys and values will be printed.`)
}

func (c *leaderGetCommand) SetFlags(f *gnuflag.FlagSet) { addOutputFlags(&c.out, f) }

func (c *leaderGetCommand) Init(args []string) error {
	if len(args) == 0 {
		return nil
	}
	key := args[0]
	if key == "-" {
		key = ""
	} else if strings.Contains(key, "=") {
		return fmt.Errorf("invalid key %q", key)
	}
	c.key = key
	return cmd.CheckEmpty(args[1:])
}

func (c *leaderGetCommand) Run(ctx *cmd.Context) error {
	settings, err := c.ctx.LeaderSettings()
	if err != nil {
		return fmt.Errorf("cannot read leadership settings: %w", err)
	}
	if settings == nil {
		settings = map[string]string{}
	}
	if c.key == "" {
		return c.out.Write(ctx, settings)
	}
	if v, ok := settings[c.key]; ok {
		return c.out.Write(ctx, v)
	}
	return c.out.Write(ctx, nil)
}

// ---- leader-set ----

type leaderSetCommand struct {
	cmd.CommandBase
	ctx      Context
	settings map[string]string
}

func (c *leaderSetCommand) Info() *cmd.Info {
	return info("leader-set", "<key>=<value> [...]", "Write application leadership settings.", `
leader-set immediately writes the key/value pairs to the controller, which
then propagates them to the application's other units; only the leader may.`)
}

func (c *leaderSetCommand) Init(args []string) error {
	kv, err := keyvalues.Parse(args, true)
	if err != nil {
		return err
	}
	c.settings = kv
	return nil
}

func (c *leaderSetCommand) Run(*cmd.Context) error {
	leader, err := c.ctx.IsLeader()
	if err == nil && !leader {
		err = errors.New("cannot write settings: not the leader")
	}
	if err == nil {
		err = c.ctx.SetLeaderSettings(c.settings)
	}
	if err != nil {
		return fmt.Errorf("cannot write leadership settings: %w", err)
	}
	return nil
}
