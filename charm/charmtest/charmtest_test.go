package charmtest_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/canonical/jujutest/charm/charmtest"
	"github.com/canonical/jujutest/charm/hooktools"
)

const charmcraft = `
name: demo
config:
  options:
    slug:
      type: string
      default: example
    replicas:
      type: int
      default: 3
    debug:
      type: boolean
    ratio:
      type: float
      default: 0.5
`

func options(t *testing.T) map[string]charmtest.Option {
	t.Helper()
	opts, err := charmtest.ParseOptions([]byte(charmcraft))
	if err != nil {
		t.Fatalf("ParseOptions: %v", err)
	}
	return opts
}

// script returns a CharmFunc that runs the given steps with the tools.
func script(steps ...func(context.Context, *hooktools.Tools) error) charmtest.CharmFunc {
	return func(ctx context.Context, event string, tools *hooktools.Tools) error {
		for _, step := range steps {
			if err := step(ctx, tools); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestParseOptions(t *testing.T) {
	t.Parallel()
	want := map[string]charmtest.Option{
		"slug":     {Type: "string", Default: "example"},
		"replicas": {Type: "int", Default: 3},
		"debug":    {Type: "boolean"},
		"ratio":    {Type: "float", Default: 0.5},
	}
	if got := options(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("options = %#v\nwant %#v", got, want)
	}
	for name, doc := range map[string]string{
		"bad type":    "config: {options: {a: {type: list}}}",
		"bad default": "config: {options: {a: {type: int, default: many}}}",
		"not yaml":    "config: [",
	} {
		if _, err := charmtest.ParseOptions([]byte(doc)); err == nil {
			t.Errorf("%s: ParseOptions(%q) succeeded, want an error", name, doc)
		}
	}
}

func TestReadOptionsOfTheCharm(t *testing.T) {
	t.Parallel()
	opts, err := charmtest.ReadOptions("../charmcraft.yaml")
	if err != nil {
		t.Fatalf("ReadOptions: %v", err)
	}
	if opts["slug"].Default != "example" || opts["upstream"].Default != "http://www.example.com/" {
		t.Fatalf("options = %#v, want slug and upstream defaults", opts)
	}
	if _, err := charmtest.ReadOptions("no/such/charmcraft.yaml"); err == nil {
		t.Fatal("ReadOptions of a missing file succeeded")
	}
}

func TestConfigDefaultsMergedAndUnknownKeysRejected(t *testing.T) {
	t.Parallel()
	var got map[string]any
	c := &charmtest.Context{Options: options(t), Charm: script(func(ctx context.Context, tools *hooktools.Tools) error {
		return tools.ConfigGet(ctx, &got)
	})}
	out, err := c.Run(context.Background(), "config-changed", charmtest.State{Config: map[string]any{"replicas": 5}})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := map[string]any{"slug": "example", "replicas": 5.0, "debug": nil, "ratio": 0.5}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("config-get --all = %#v, want %#v", got, want)
	}
	if want := [][]string{{"config-get", "--all", "--format=json"}}; !reflect.DeepEqual(out.Calls, want) {
		t.Fatalf("calls = %q, want %q", out.Calls, want)
	}

	_, err = c.Run(context.Background(), "config-changed", charmtest.State{Config: map[string]any{"slgu": "x"}})
	if err == nil || !strings.Contains(err.Error(), `unknown option "slgu"`) || !strings.Contains(err.Error(), "slug") {
		t.Fatalf("err = %v, want it to name the unknown key and the declared ones", err)
	}
	_, err = c.Run(context.Background(), "config-changed", charmtest.State{Config: map[string]any{"replicas": "five"}})
	if err == nil || !strings.Contains(err.Error(), "replicas") {
		t.Fatalf("err = %v, want a type error for replicas", err)
	}
}

func TestConfigGetWithoutAllDropsUnset(t *testing.T) {
	t.Parallel()
	var out []byte
	c := &charmtest.Context{Options: options(t), Charm: func(ctx context.Context, _ string, tools *hooktools.Tools) error {
		var err error
		out, err = tools.Runner.Run(ctx, "config-get", "--format=json")
		return err
	}}
	if _, err := c.Run(context.Background(), "x", charmtest.State{}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if strings.Contains(string(out), "debug") {
		t.Fatalf("config-get without --all = %s, want unset options dropped", out)
	}
}

func TestStatusSetRejectsStatusesJujuRejects(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"unknown", "error", "Active", ""} {
		c := &charmtest.Context{Charm: script(func(ctx context.Context, tools *hooktools.Tools) error {
			return tools.StatusSet(ctx, hooktools.Status{Name: hooktools.StatusName(name), Message: "m"})
		})}
		out, err := c.Run(context.Background(), "start", charmtest.State{})
		var terr *charmtest.ToolError
		if !errors.As(err, &terr) || terr.Code != 2 {
			t.Errorf("status-set %q: err = %v, want a usage ToolError", name, err)
			continue
		}
		if out.UnitStatus != (charmtest.Status{}) {
			t.Errorf("status-set %q changed the status to %v", name, out.UnitStatus)
		}
	}
}

func TestApplicationStatusNeedsLeader(t *testing.T) {
	t.Parallel()
	c := &charmtest.Context{Charm: func(ctx context.Context, _ string, tools *hooktools.Tools) error {
		_, err := tools.Runner.Run(ctx, "status-set", "--application", "waiting", "for peers")
		return err
	}}
	if _, err := c.Run(context.Background(), "start", charmtest.State{}); err == nil {
		t.Fatal("a non-leader set the application status")
	}
	out, err := c.Run(context.Background(), "start", charmtest.State{Leader: true})
	if err != nil || out.AppStatus != (charmtest.Status{Name: "waiting", Message: "for peers"}) {
		t.Fatalf("leader: status %v, err %v", out.AppStatus, err)
	}
}

func TestRecordsAndInputNotMutated(t *testing.T) {
	t.Parallel()
	c := &charmtest.Context{Options: options(t), Charm: script(
		func(ctx context.Context, tools *hooktools.Tools) error {
			return tools.JujuLog(ctx, hooktools.LevelWarning, "careful")
		},
		func(ctx context.Context, tools *hooktools.Tools) error {
			return tools.ApplicationVersionSet(ctx, "1.2.3")
		},
		func(ctx context.Context, tools *hooktools.Tools) error {
			return tools.OpenPort(ctx, hooktools.Port{Number: 8000, Protocol: "tcp"})
		},
		func(ctx context.Context, tools *hooktools.Tools) error {
			return tools.ClosePort(ctx, hooktools.Port{Number: 22, Protocol: "tcp"})
		},
		func(ctx context.Context, tools *hooktools.Tools) error {
			return tools.StatusSet(ctx, hooktools.Status{Name: hooktools.StatusActive})
		},
	)}
	in := charmtest.State{
		Config:      map[string]any{"slug": "a"},
		OpenedPorts: []string{"22/tcp"},
		JujuLog:     []charmtest.LogLine{{Level: "INFO", Message: "from before"}},
	}
	out, err := c.Run(context.Background(), "start", in)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := []charmtest.LogLine{{Level: "WARNING", Message: "careful"}}; !reflect.DeepEqual(out.JujuLog, want) {
		t.Errorf("JujuLog = %v, want %v", out.JujuLog, want)
	}
	if out.WorkloadVersion != "1.2.3" || out.UnitStatus != (charmtest.Status{Name: "active"}) {
		t.Errorf("version %q, status %v", out.WorkloadVersion, out.UnitStatus)
	}
	if !reflect.DeepEqual(out.OpenedPorts, []string{"8000/tcp"}) {
		t.Errorf("OpenedPorts = %v, want [8000/tcp]", out.OpenedPorts)
	}
	if len(out.Calls) != 5 || out.Calls[3][0] != "close-port" {
		t.Errorf("Calls = %q", out.Calls)
	}
	wantIn := charmtest.State{
		Config:      map[string]any{"slug": "a"},
		OpenedPorts: []string{"22/tcp"},
		JujuLog:     []charmtest.LogLine{{Level: "INFO", Message: "from before"}},
	}
	if !reflect.DeepEqual(in, wantIn) {
		t.Errorf("input state changed to %+v", in)
	}
	out.Config["slug"] = "changed"
	if in.Config["slug"] != "a" {
		t.Error("output state shares its Config map with the input")
	}
}

func TestFailedHookDiscardsPortChanges(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	c := &charmtest.Context{Charm: script(
		func(ctx context.Context, tools *hooktools.Tools) error {
			return tools.OpenPort(ctx, hooktools.Port{Number: 8000, Protocol: "tcp"})
		},
		func(ctx context.Context, tools *hooktools.Tools) error {
			return tools.StatusSet(ctx, hooktools.Status{Name: hooktools.StatusMaintenance, Message: "halfway"})
		},
		func(context.Context, *hooktools.Tools) error { return boom },
	)}
	out, err := c.Run(context.Background(), "start", charmtest.State{})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the charm's error", err)
	}
	if len(out.OpenedPorts) != 0 {
		t.Errorf("OpenedPorts = %v, want the failed hook's port change discarded", out.OpenedPorts)
	}
	if out.UnitStatus.Message != "halfway" {
		t.Errorf("UnitStatus = %v, want the status set before the failure (status-set is immediate)", out.UnitStatus)
	}
}

func TestToolSyntaxErrors(t *testing.T) {
	t.Parallel()
	for _, argv := range [][]string{
		{"application-version-set"},
		{"juju-log"},
		{"open-port", "http"},
		{"open-port", "8000/sctp"},
		{"open-port", "9000-8000/tcp"},
		{"config-get", "--format=xml"},
		{"config-get", "a", "b"},
		{"is-leader", "extra"},
		{"network-get", "website"},
	} {
		c := &charmtest.Context{Charm: func(ctx context.Context, _ string, tools *hooktools.Tools) error {
			_, err := tools.Runner.Run(ctx, argv[0], argv[1:]...)
			return err
		}}
		if _, err := c.Run(context.Background(), "x", charmtest.State{}); err == nil {
			t.Errorf("%q succeeded, want an error", argv)
		}
	}
}

func TestIsLeaderAndSmartFormat(t *testing.T) {
	t.Parallel()
	var outs []string
	c := &charmtest.Context{Options: options(t), Charm: func(ctx context.Context, _ string, tools *hooktools.Tools) error {
		for _, argv := range [][]string{{"is-leader"}, {"is-leader", "--format=json"}, {"config-get", "slug"}, {"config-get", "debug"}} {
			out, err := tools.Runner.Run(ctx, argv[0], argv[1:]...)
			if err != nil {
				return err
			}
			outs = append(outs, string(out))
		}
		return nil
	}}
	if _, err := c.Run(context.Background(), "x", charmtest.State{Leader: true}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := []string{"True\n", "true\n", "example\n", ""}; !reflect.DeepEqual(outs, want) {
		t.Fatalf("outputs = %q, want %q", outs, want)
	}
}

// TestParallelRunsAreIndependent runs many parallel Runs on one Context;
// with -race it also checks for data races.
func TestParallelRunsAreIndependent(t *testing.T) {
	t.Parallel()
	c := &charmtest.Context{Options: options(t), Charm: func(ctx context.Context, _ string, tools *hooktools.Tools) error {
		var cfg struct {
			Slug string `json:"slug"`
		}
		if err := tools.ConfigGet(ctx, &cfg); err != nil {
			return err
		}
		return tools.StatusSet(ctx, hooktools.Status{Name: hooktools.StatusActive, Message: cfg.Slug})
	}}
	for i := range 50 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			slug := fmt.Sprintf("s%d", i)
			out, err := c.Run(context.Background(), "config-changed", charmtest.State{Config: map[string]any{"slug": slug}})
			if err != nil || out.UnitStatus.Message != slug {
				t.Fatalf("got status %v, err %v; want message %q", out.UnitStatus, err, slug)
			}
		})
	}
}

func TestDoubleDashEndsFlags(t *testing.T) {
	t.Parallel()
	c := &charmtest.Context{Charm: script(
		func(ctx context.Context, tools *hooktools.Tools) error {
			return tools.StatusSet(ctx, hooktools.Status{Name: hooktools.StatusBlocked, Message: "-x is not a slug"})
		},
		func(ctx context.Context, tools *hooktools.Tools) error {
			return tools.ApplicationVersionSet(ctx, "-rc1")
		},
		func(ctx context.Context, tools *hooktools.Tools) error {
			return tools.JujuLog(ctx, hooktools.LevelDebug, "-v")
		},
	)}
	out, err := c.Run(context.Background(), "x", charmtest.State{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if out.UnitStatus.Message != "-x is not a slug" || out.WorkloadVersion != "-rc1" || out.JujuLog[0].Message != "-v" {
		t.Fatalf("state %+v", out)
	}
}

// TestRelationTools checks the relation tools against State.Relations,
// through hooktools as a charm calls them.
func TestRelationTools(t *testing.T) {
	t.Parallel()
	rels := []charmtest.Relation{
		{Endpoint: "upstream", ID: 3, RemoteApp: "backend", RemoteAppData: map[string]string{"url": "http://b/"},
			RemoteUnitsData: map[string]map[string]string{"backend/1": {"port": "81"}, "backend/0": {"hostname": "h"}}},
		{Endpoint: "upstream", ID: 4, RemoteApp: "gone", Broken: true},
	}
	var got []any
	c := &charmtest.Context{Options: options(t), Charm: func(ctx context.Context, _ string, tools *hooktools.Tools) error {
		ids, err := tools.RelationIDs(ctx, "upstream")
		got = append(got, ids, err)
		app, err := tools.RelationApp(ctx, "upstream:3")
		got = append(got, app, err)
		units, err := tools.RelationUnits(ctx, "upstream:3")
		got = append(got, units, err)
		appData, err := tools.RelationGet(ctx, "upstream:3", "backend", true)
		got = append(got, appData, err)
		unitData, err := tools.RelationGet(ctx, "upstream:3", "backend/0", false)
		got = append(got, unitData, err)
		_, err = tools.RelationGet(ctx, "upstream:9", "backend/0", false)
		got = append(got, err != nil && strings.Contains(err.Error(), `invalid value "upstream:9" for option -r: relation not found`))
		out, err := tools.Runner.Run(ctx, "relation-ids", "upstream")
		got = append(got, string(out), err)
		return nil
	}}
	out, err := c.Run(context.Background(), "upstream-relation-changed", charmtest.State{Relations: rels})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []any{
		[]string{"upstream:3"}, nil,
		"backend", nil,
		[]string{"backend/0", "backend/1"}, nil,
		map[string]string{"url": "http://b/"}, nil,
		map[string]string{"hostname": "h"}, nil,
		true,
		"upstream:3\n", nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("relation tools gave\n%#v\nwant\n%#v", got, want)
	}
	if !reflect.DeepEqual(out.Relations, rels) {
		t.Errorf("Run changed the relations: %+v", out.Relations)
	}
}
