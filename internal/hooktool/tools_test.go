package hooktool_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/canonical/jujutest/internal/hooktool"
	"github.com/canonical/jujutest/internal/hooktool/hooktooltest"
)

// toolCase is one tool invocation: argv in, output and Context change out.
type toolCase struct {
	name  string
	setup func(c *hooktooltest.Context)
	argv  []string
	stdin *string // nil: no stdin supplied
	out   string
	err   string
	code  int
	check func(t *testing.T, c *hooktooltest.Context)
}

func strptr(s string) *string { return &s }

func newTestContext() *hooktooltest.Context {
	c := hooktooltest.New(map[string]any{
		"slug":     "example",
		"upstream": "http://www.example.com/",
		"port":     8000,
		"ratio":    1.5,
		"debug":    false,
		"nothing":  nil,
	})
	c.Unit = "tinyproxy/0"
	c.Networks["website"] = c.Networks[""]
	return c
}

func runCase(t *testing.T, tc toolCase) {
	t.Helper()
	c := newTestContext()
	if tc.setup != nil {
		tc.setup(c)
	}
	var stdin *strings.Reader
	var out, errOut bytes.Buffer
	var code int
	if tc.stdin != nil {
		stdin = strings.NewReader(*tc.stdin)
		code = hooktool.Run(context.Background(), c, tc.argv[0], tc.argv[1:], stdin, &out, &errOut)
	} else {
		code = hooktool.Run(context.Background(), c, tc.argv[0], tc.argv[1:], nil, &out, &errOut)
	}
	if code != tc.code || out.String() != tc.out || errOut.String() != tc.err {
		t.Errorf("%q:\n got code %d stdout %q stderr %q\nwant code %d stdout %q stderr %q",
			tc.argv, code, out.String(), errOut.String(), tc.code, tc.out, tc.err)
	}
	if tc.check != nil {
		tc.check(t, c)
	}
}

func wantStatus(want hooktool.Status, app bool) func(t *testing.T, c *hooktooltest.Context) {
	return func(t *testing.T, c *hooktooltest.Context) {
		t.Helper()
		got := c.Status
		if app {
			got = c.AppStatus
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("status (app=%v) = %+v, want %+v", app, got, want)
		}
	}
}

func wantLogs(want ...hooktooltest.LogRecord) func(t *testing.T, c *hooktooltest.Context) {
	return func(t *testing.T, c *hooktooltest.Context) {
		t.Helper()
		if !reflect.DeepEqual(c.Logs, want) {
			t.Errorf("logs = %+v, want %+v", c.Logs, want)
		}
	}
}

func wantPorts(open, closed []string) func(t *testing.T, c *hooktooltest.Context) {
	return func(t *testing.T, c *hooktooltest.Context) {
		t.Helper()
		if !reflect.DeepEqual(c.PendingOpen, open) || !reflect.DeepEqual(c.PendingClose, closed) {
			t.Errorf("pending open %q close %q, want open %q close %q", c.PendingOpen, c.PendingClose, open, closed)
		}
	}
}

func wantState(want map[string]string) func(t *testing.T, c *hooktooltest.Context) {
	return func(t *testing.T, c *hooktooltest.Context) {
		t.Helper()
		if !reflect.DeepEqual(c.State, want) {
			t.Errorf("state = %q, want %q", c.State, want)
		}
	}
}

func wantAction(want hooktooltest.Action) func(t *testing.T, c *hooktooltest.Context) {
	return func(t *testing.T, c *hooktooltest.Context) {
		t.Helper()
		if !reflect.DeepEqual(*c.Action, want) {
			t.Errorf("action = %+v, want %+v", *c.Action, want)
		}
	}
}

func inAction(params map[string]any) func(c *hooktooltest.Context) {
	return func(c *hooktooltest.Context) { c.Action = &hooktooltest.Action{Params: params} }
}

func notLeader(c *hooktooltest.Context) { c.Leader = false }

var errBoom = errors.New("errBoom")

func failing(c *hooktooltest.Context) { c.Err = errBoom }

func TestConfigGet(t *testing.T) {
	t.Parallel()
	for _, tc := range []toolCase{
		{name: "all non-nil as yaml", argv: []string{"config-get"},
			out: "debug: false\nport: 8000\nratio: 1.5\nslug: example\nupstream: http://www.example.com/\n"},
		{name: "ops form", argv: []string{"config-get", "--format=json"},
			out: `{"debug":false,"port":8000,"ratio":1.5,"slug":"example","upstream":"http://www.example.com/"}` + "\n"},
		{name: "all with nils", argv: []string{"config-get", "--all", "--format", "json"},
			out: `{"debug":false,"nothing":null,"port":8000,"ratio":1.5,"slug":"example","upstream":"http://www.example.com/"}` + "\n"},
		{name: "short all", argv: []string{"config-get", "-a", "--format=json"},
			out: `{"debug":false,"nothing":null,"port":8000,"ratio":1.5,"slug":"example","upstream":"http://www.example.com/"}` + "\n"},
		{name: "all=False", argv: []string{"config-get", "--all=False", "--format=json"},
			out: `{"debug":false,"port":8000,"ratio":1.5,"slug":"example","upstream":"http://www.example.com/"}` + "\n"},
		{name: "string key", argv: []string{"config-get", "slug"}, out: "example\n"},
		{name: "int key", argv: []string{"config-get", "port"}, out: "8000\n"},
		{name: "bool key smart", argv: []string{"config-get", "debug"}, out: "False\n"},
		{name: "interspersed format", argv: []string{"config-get", "slug", "--format", "json"}, out: "\"example\"\n"},
		{name: "yaml key", argv: []string{"config-get", "--format=yaml", "slug"}, out: "example\n"},
		{name: "missing key is not an error", argv: []string{"config-get", "nope"}, out: ""},
		{name: "missing key json null", argv: []string{"config-get", "nope", "--format=json"}, out: "null\n"},
		{name: "nil key", argv: []string{"config-get", "nothing"}, out: ""},
		{name: "double dash ends flags", argv: []string{"config-get", "--", "--all"}, out: ""},
		{name: "key with all", argv: []string{"config-get", "slug", "--all"}, code: 2,
			err: "ERROR cannot use argument --all together with key \"slug\"\n"},
		{name: "extra args", argv: []string{"config-get", "slug", "port"}, code: 2,
			err: "ERROR unrecognized args: [\"port\"]\n"},
		{name: "unknown long flag", argv: []string{"config-get", "--bogus"}, code: 2,
			err: "ERROR option provided but not defined: --bogus\n"},
		// gnuflag names a one-letter flag with one dash, however it was given.
		{name: "unknown one-letter long flag", argv: []string{"config-get", "--x"}, code: 2,
			err: "ERROR option provided but not defined: -x\n"},
		{name: "unknown short flag", argv: []string{"config-get", "-x"}, code: 2,
			err: "ERROR option provided but not defined: -x\n"},
		{name: "bad format", argv: []string{"config-get", "--format=xml"}, code: 2,
			err: "ERROR invalid value \"xml\" for option --format: unknown format \"xml\"\n"},
		{name: "format without value", argv: []string{"config-get", "--format"}, code: 2,
			err: "ERROR option needs an argument: --format\n"},
		{name: "bad bool", argv: []string{"config-get", "--all=maybe"}, code: 2,
			err: "ERROR invalid value \"maybe\" for option --all: strconv.ParseBool: parsing \"maybe\": invalid syntax\n"},
		{name: "context error", setup: failing, argv: []string{"config-get"}, code: 1, err: "ERROR errBoom\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { t.Parallel(); runCase(t, tc) })
	}
}

func TestStatusSetGet(t *testing.T) {
	t.Parallel()
	active := hooktool.Status{Status: "active", Message: "ready"}
	for _, tc := range []toolCase{
		{name: "unit", argv: []string{"status-set", "active", "ready"}, check: wantStatus(active, false)},
		{name: "ops form", argv: []string{"status-set", "--application=False", "active", "ready"}, check: wantStatus(active, false)},
		{name: "no message", argv: []string{"status-set", "maintenance"},
			check: wantStatus(hooktool.Status{Status: "maintenance"}, false)},
		{name: "application leader", argv: []string{"status-set", "--application", "blocked", "need x"},
			check: wantStatus(hooktool.Status{Status: "blocked", Message: "need x"}, true)},
		{name: "application=True", argv: []string{"status-set", "waiting", "w", "--application=True"},
			check: wantStatus(hooktool.Status{Status: "waiting", Message: "w"}, true)},
		{name: "application non-leader", setup: notLeader, argv: []string{"status-set", "--application", "active"},
			code: 1, err: "ERROR this unit is not the leader\n",
			check: wantStatus(hooktool.Status{Status: "unknown"}, true)},
		{name: "invalid status", argv: []string{"status-set", "error", "x"}, code: 2,
			err:   "ERROR invalid status \"error\", expected one of [maintenance blocked waiting active]\n",
			check: wantStatus(hooktool.Status{Status: "unknown"}, false)},
		{name: "unknown not settable", argv: []string{"status-set", "unknown"}, code: 2,
			err: "ERROR invalid status \"unknown\", expected one of [maintenance blocked waiting active]\n"},
		{name: "no args", argv: []string{"status-set"}, code: 2, err: "ERROR invalid args, require <status> [message]\n"},
		{name: "too many args", argv: []string{"status-set", "active", "a", "b"}, code: 2, err: "ERROR unrecognized args: [\"b\"]\n"},
		{name: "context error", setup: failing, argv: []string{"status-set", "active"}, code: 1, err: "ERROR errBoom\n"},

		{name: "get smart", setup: func(c *hooktooltest.Context) { c.Status = active }, argv: []string{"status-get"}, out: "active\n"},
		{name: "get json", setup: func(c *hooktooltest.Context) { c.Status = active },
			argv: []string{"status-get", "--format=json"}, out: `{"status":"active"}` + "\n"},
		{name: "get ops form", setup: func(c *hooktooltest.Context) {
			c.Status = hooktool.Status{Status: "active", Message: "ready", Data: map[string]any{"k": "v"}}
		}, argv: []string{"status-get", "--include-data", "--application=false", "--format=json"},
			out: `{"message":"ready","status":"active","status-data":{"k":"v"}}` + "\n"},
		{name: "get include-data yaml", setup: func(c *hooktooltest.Context) { c.Status = active },
			argv: []string{"status-get", "--include-data"}, out: "message: ready\nstatus: active\nstatus-data: {}\n"},
		{name: "get application smart", setup: func(c *hooktooltest.Context) { c.AppStatus = active },
			argv: []string{"status-get", "--application"}, out: "active\n"},
		{name: "get application json", setup: func(c *hooktooltest.Context) {
			c.AppStatus = active
			c.UnitStatuses = map[string]hooktool.Status{"unit-tinyproxy-0": {Status: "maintenance", Message: "m"}}
		}, argv: []string{"status-get", "--application", "--include-data", "--format=json"},
			out: `{"application-status":{"message":"ready","status":"active","status-data":{},"units":{"unit-tinyproxy-0":{"message":"m","status":"maintenance","status-data":{}}}}}` + "\n"},
		{name: "get application non-leader", setup: notLeader, argv: []string{"status-get", "--application"},
			code: 1, err: "ERROR finding application status: this unit is not the leader\n"},
		{name: "get extra arg", argv: []string{"status-get", "x"}, code: 2, err: "ERROR unrecognized args: [\"x\"]\n"},
		{name: "get error", setup: failing, argv: []string{"status-get"}, code: 1, err: "ERROR finding workload status: errBoom\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { t.Parallel(); runCase(t, tc) })
	}
}

func TestApplicationVersionSet(t *testing.T) {
	t.Parallel()
	wantVersion := func(v string) func(*testing.T, *hooktooltest.Context) {
		return func(t *testing.T, c *hooktooltest.Context) {
			if c.WorkloadVersion != v {
				t.Errorf("workload version = %q, want %q", c.WorkloadVersion, v)
			}
		}
	}
	for _, tc := range []toolCase{
		{name: "set", argv: []string{"application-version-set", "1.11.0"}, check: wantVersion("1.11.0")},
		{name: "ops form", argv: []string{"application-version-set", "--", "-rc1"}, check: wantVersion("-rc1")},
		{name: "none", argv: []string{"application-version-set"}, code: 2, err: "ERROR no version specified\n", check: wantVersion("")},
		{name: "two", argv: []string{"application-version-set", "1", "2"}, code: 2, err: "ERROR unrecognized args: [\"2\"]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { t.Parallel(); runCase(t, tc) })
	}
}

func TestJujuLog(t *testing.T) {
	t.Parallel()
	const mod = "unit.tinyproxy/0.juju-log"
	rec := func(level, msg string) hooktooltest.LogRecord {
		return hooktooltest.LogRecord{Level: level, Module: mod, Message: msg}
	}
	for _, tc := range []toolCase{
		{name: "default info joins args", argv: []string{"juju-log", "hello", "world"}, check: wantLogs(rec("INFO", "hello world"))},
		{name: "ops form", argv: []string{"juju-log", "--log-level", "DEBUG", "--", "--not-a-flag"}, check: wantLogs(rec("DEBUG", "--not-a-flag"))},
		{name: "equals form", argv: []string{"juju-log", "--log-level=WARNING", "w"}, check: wantLogs(rec("WARNING", "w"))},
		{name: "short and lower case WARN", argv: []string{"juju-log", "-l", "warn", "w"}, check: wantLogs(rec("WARNING", "w"))},
		{name: "debug flag", argv: []string{"juju-log", "--debug", "d"}, check: wantLogs(rec("DEBUG", "d"))},
		{name: "bad level", argv: []string{"juju-log", "-l", "LOUD", "x"},
			check: wantLogs(rec("WARNING", `Specified log level of "LOUD" is not valid`), rec("INFO", "x"))},
		{name: "relation prefix", setup: func(c *hooktooltest.Context) { c.HookRel = "website:3" },
			argv: []string{"juju-log", "x"}, check: wantLogs(rec("INFO", "website:3: x"))},
		{name: "deprecated format", argv: []string{"juju-log", "--format=json", "x"},
			err: `--format flag deprecated for command "juju-log"`, check: wantLogs(rec("INFO", "x"))},
		{name: "no message", argv: []string{"juju-log"}, code: 2, err: "ERROR no message specified\n"},
		{name: "context error", setup: failing, argv: []string{"juju-log", "x"}, code: 1, err: "ERROR errBoom\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { t.Parallel(); runCase(t, tc) })
	}
}

func TestPorts(t *testing.T) {
	t.Parallel()
	opened := func(c *hooktooltest.Context) {
		c.Opened = map[string][]hooktool.PortRange{
			"":    {{FromPort: 8000, ToPort: 8000, Protocol: "tcp"}},
			"web": {{FromPort: 8080, ToPort: 8090, Protocol: "udp"}, {FromPort: 8000, ToPort: 8000, Protocol: "tcp"}},
			"dmz": {{FromPort: 8080, ToPort: 8090, Protocol: "udp"}, {FromPort: -1, ToPort: -1, Protocol: "icmp"}},
		}
	}
	for _, tc := range []toolCase{
		{name: "open", argv: []string{"open-port", "8000/tcp"}, check: wantPorts([]string{" 8000/tcp"}, nil)},
		{name: "default tcp", argv: []string{"open-port", "8000"}, check: wantPorts([]string{" 8000/tcp"}, nil)},
		{name: "range upper case", argv: []string{"open-port", "1000-2000/UDP"}, check: wantPorts([]string{" 1000-2000/udp"}, nil)},
		{name: "icmp", argv: []string{"open-port", "icmp"}, check: wantPorts([]string{" icmp"}, nil)},
		{name: "endpoints", argv: []string{"open-port", "80", "--endpoints", "a, b"}, check: wantPorts([]string{"a 80/tcp", "b 80/tcp"}, nil)},
		{name: "close", argv: []string{"close-port", "8000/tcp"}, check: wantPorts(nil, []string{" 8000/tcp"})},
		{name: "deprecated format", argv: []string{"close-port", "--format=json", "80"},
			err: `--format flag deprecated for command "close-port"`, check: wantPorts(nil, []string{" 80/tcp"})},
		{name: "none", argv: []string{"open-port"}, code: 2, err: "ERROR no port or range specified\n", check: wantPorts(nil, nil)},
		{name: "not a port", argv: []string{"open-port", "abc"}, code: 2,
			err: "ERROR invalid port \"abc\": strconv.Atoi: parsing \"abc\": invalid syntax\n"},
		{name: "too big", argv: []string{"open-port", "70000"}, code: 2,
			err: "ERROR port range bounds must be between 0 and 65535, got 70000-70000\n"},
		{name: "reversed", argv: []string{"close-port", "20-10"}, code: 2, err: "ERROR invalid port range 20-10/tcp\n"},
		{name: "bad protocol", argv: []string{"open-port", "80/sctp"}, code: 2,
			err: "ERROR invalid protocol \"sctp\", expected \"tcp\", \"udp\", or \"icmp\"\n"},
		{name: "icmp with port", argv: []string{"open-port", "80/icmp"}, code: 2,
			err: "ERROR protocol \"icmp\" doesn't support any ports; got \"80\"\n"},
		{name: "two", argv: []string{"open-port", "80", "81"}, code: 2, err: "ERROR unrecognized args: [\"81\"]\n"},
		{name: "context error", setup: failing, argv: []string{"open-port", "80"}, code: 1, err: "ERROR errBoom\n"},

		{name: "opened none", argv: []string{"opened-ports"}, out: ""},
		{name: "opened none json", argv: []string{"opened-ports", "--format=json"}, out: "[]\n"},
		{name: "opened", setup: opened, argv: []string{"opened-ports"}, out: "icmp\n8000/tcp\n8080-8090/udp\n"},
		{name: "opened json", setup: opened, argv: []string{"opened-ports", "--format", "json"},
			out: `["icmp","8000/tcp","8080-8090/udp"]` + "\n"},
		{name: "opened endpoints", setup: opened, argv: []string{"opened-ports", "--endpoints"},
			out: "icmp (dmz)\n8000/tcp (*)\n8080-8090/udp (dmz, web)\n"},
		{name: "opened extra", argv: []string{"opened-ports", "x"}, code: 2, err: "ERROR unrecognized args: [\"x\"]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { t.Parallel(); runCase(t, tc) })
	}
}

func TestIsLeaderUnitGetNetworkGet(t *testing.T) {
	t.Parallel()
	for _, tc := range []toolCase{
		{name: "leader", argv: []string{"is-leader"}, out: "True\n"},
		{name: "leader json", argv: []string{"is-leader", "--format=json"}, out: "true\n"},
		{name: "not leader", setup: notLeader, argv: []string{"is-leader"}, out: "False\n"},
		{name: "not leader json", setup: notLeader, argv: []string{"is-leader", "--format=json"}, out: "false\n"},
		{name: "leader error", setup: failing, argv: []string{"is-leader"}, code: 1, err: "ERROR leadership status unknown: errBoom\n"},
		{name: "leader args", argv: []string{"is-leader", "x"}, code: 2, err: "ERROR unrecognized args: [\"x\"]\n"},

		{name: "private", argv: []string{"unit-get", "private-address"}, out: "127.0.0.1\n"},
		{name: "private fallback", setup: func(c *hooktooltest.Context) {
			delete(c.Networks, "")
			c.PrivateAddr = "10.0.0.2"
		}, argv: []string{"unit-get", "private-address"}, out: "10.0.0.2\n"},
		{name: "public", setup: func(c *hooktooltest.Context) { c.PublicAddr = "192.0.2.1" },
			argv: []string{"unit-get", "public-address", "--format=json"}, out: "\"192.0.2.1\"\n"},
		{name: "unit-get bad", argv: []string{"unit-get", "foo"}, code: 2, err: "ERROR unknown setting \"foo\"\n"},
		{name: "unit-get none", argv: []string{"unit-get"}, code: 2, err: "ERROR no setting specified\n"},

		{name: "network yaml", argv: []string{"network-get", "website"},
			out: "bind-addresses:\n- mac-address: \"\"\n  interface-name: lo\n  addresses:\n  - hostname: \"\"\n    value: 127.0.0.1\n    cidr: 127.0.0.0/8\n    address: 127.0.0.1\n  macaddress: \"\"\n  interfacename: lo\negress-subnets:\n- 127.0.0.1/32\ningress-addresses:\n- 127.0.0.1\n"},
		{name: "network json", argv: []string{"network-get", "--format=json", "website"},
			out: `{"bind-addresses":[{"mac-address":"","interface-name":"lo","addresses":[{"hostname":"","value":"127.0.0.1","cidr":"127.0.0.0/8"}]}],"egress-subnets":["127.0.0.1/32"],"ingress-addresses":["127.0.0.1"]}` + "\n"},
		{name: "network ingress", argv: []string{"network-get", "website", "--ingress-address"}, out: "127.0.0.1\n"},
		{name: "network bind", argv: []string{"network-get", "website", "--bind-address"}, out: "127.0.0.1\n"},
		{name: "network primary", argv: []string{"network-get", "website", "--primary-address"}, out: "127.0.0.1\n"},
		{name: "network two keys", argv: []string{"network-get", "website", "--ingress-address", "--egress-subnets"},
			out: "egress-subnets:\n- 127.0.0.1/32\ningress-address: 127.0.0.1\n"},
		{name: "network primary plus", argv: []string{"network-get", "website", "--primary-address", "--bind-address"},
			code: 1, err: "ERROR --primary-address must be the only flag specified\n"},
		{name: "network unknown binding", argv: []string{"network-get", "nope"}, code: 1,
			err: "ERROR undefined for unit charm: endpoint \"nope\" not found\n"},
		{name: "network none", argv: []string{"network-get"}, code: 2, err: "ERROR no arguments specified\n"},
		{name: "network empty", argv: []string{"network-get", ""}, code: 2, err: "ERROR no binding name specified\n"},
		{name: "network bad relation", argv: []string{"network-get", "-r", "x", "website"}, code: 2,
			err: "ERROR invalid value \"x\" for option -r: invalid relation id\n"},
		{name: "network unknown relation", argv: []string{"network-get", "--relation=website:9", "website"}, code: 2,
			err: "ERROR invalid value \"website:9\" for option --relation: relation not found\n"},
		{name: "network hook relation", setup: func(c *hooktooltest.Context) {
			c.HookRel = "website:9"
			c.Relations = map[int]*hooktooltest.Relation{9: {Info: hooktool.RelationInfo{ID: 9, Endpoint: "website"}}}
		},
			argv: []string{"network-get", "-r", "9", "website", "--ingress-address"}, out: "127.0.0.1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { t.Parallel(); runCase(t, tc) })
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	params := map[string]any{"name": "x", "nested": map[string]any{"deep": 5}, "yamlish": map[any]any{"k": "v"}}
	for _, tc := range []toolCase{
		{name: "get outside action", argv: []string{"action-get"}, code: 1, err: "ERROR not running an action\n"},
		{name: "get all json", setup: inAction(map[string]any{"name": "x", "nested": map[string]any{"deep": 5}}),
			argv: []string{"action-get", "--format=json"}, out: `{"name":"x","nested":{"deep":5}}` + "\n"},
		{name: "get nil params", setup: inAction(nil), argv: []string{"action-get", "--format=json"}, out: "{}\n"},
		{name: "get key", setup: inAction(params), argv: []string{"action-get", "name"}, out: "x\n"},
		{name: "get nested", setup: inAction(params), argv: []string{"action-get", "nested.deep"}, out: "5\n"},
		{name: "get yaml map nested", setup: inAction(params), argv: []string{"action-get", "yamlish.k"}, out: "v\n"},
		{name: "get missing", setup: inAction(params), argv: []string{"action-get", "nested.nope", "--format=json"}, out: "null\n"},
		{name: "get two keys", setup: inAction(params), argv: []string{"action-get", "a", "b"}, code: 2, err: "ERROR unrecognized args: [\"b\"]\n"},

		{name: "set", setup: inAction(nil), argv: []string{"action-set", "result=ok", "a.b-c=1=2"},
			check: wantAction(hooktooltest.Action{Results: map[string]any{"result": "ok", "a": map[string]any{"b-c": "1=2"}}})},
		{name: "set outside action", argv: []string{"action-set", "a=b"}, code: 1, err: "ERROR not running an action\n"},
		{name: "set upper key", setup: inAction(nil), argv: []string{"action-set", "Foo=bar"}, code: 2,
			err: "ERROR key \"Foo\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens\n"},
		{name: "set reserved", setup: inAction(nil), argv: []string{"action-set", "stdout=x"}, code: 2,
			err: "ERROR cannot set reserved action key \"stdout\"\n"},
		{name: "set no equals", setup: inAction(nil), argv: []string{"action-set", "foo"}, code: 2,
			err: "ERROR argument \"foo\" must be of the form key...=value\n"},

		{name: "fail default", setup: inAction(nil), argv: []string{"action-fail"},
			check: wantAction(hooktooltest.Action{Failed: true, Message: "action failed without reason given, check action for errors"})},
		{name: "fail message", setup: inAction(nil), argv: []string{"action-fail", "it broke"},
			check: wantAction(hooktooltest.Action{Failed: true, Message: "it broke"})},
		{name: "fail outside", argv: []string{"action-fail", "x"}, code: 1, err: "ERROR not running an action\n"},
		{name: "fail two", setup: inAction(nil), argv: []string{"action-fail", "a", "b"}, code: 2, err: "ERROR unrecognized args: [\"b\"]\n"},

		{name: "log", setup: inAction(nil), argv: []string{"action-log", "step", "one"},
			check: wantAction(hooktooltest.Action{Logs: []string{"step one"}})},
		{name: "log none", setup: inAction(nil), argv: []string{"action-log"}, code: 2, err: "ERROR no message specified\n"},
		{name: "log outside", argv: []string{"action-log", "x"}, code: 1, err: "ERROR not running an action\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { t.Parallel(); runCase(t, tc) })
	}
}

func TestCharmState(t *testing.T) {
	t.Parallel()
	withState := func(c *hooktooltest.Context) { c.State = map[string]string{"a": "1", "b": "two"} }
	long := strings.Repeat("k", 257)
	for _, tc := range []toolCase{
		{name: "get all empty", argv: []string{"state-get"}, out: "{}\n"},
		{name: "get all", setup: withState, argv: []string{"state-get"}, out: "a: \"1\"\nb: two\n"},
		{name: "get all dash json", setup: withState, argv: []string{"state-get", "-", "--format=json"}, out: `{"a":"1","b":"two"}` + "\n"},
		{name: "get key", setup: withState, argv: []string{"state-get", "b"}, out: "two\n"},
		{name: "get missing prints empty", setup: withState, argv: []string{"state-get", "c"}, out: ""},
		{name: "get missing json", setup: withState, argv: []string{"state-get", "c", "--format=json"}, out: "\"\"\n"},
		{name: "get missing strict", setup: withState, argv: []string{"state-get", "--strict", "c"}, code: 1, err: "ERROR \"c\" not found\n"},
		{name: "get two", argv: []string{"state-get", "a", "b"}, code: 2, err: "ERROR unrecognized args: [\"b\"]\n"},

		{name: "set args", argv: []string{"state-set", "a=1", "b=x=y", "empty="},
			check: wantState(map[string]string{"a": "1", "b": "x=y", "empty": ""})},
		{name: "set ops form stdin", stdin: strptr("a: one\nb: \"2\"\n"), argv: []string{"state-set", "--file", "-"},
			check: wantState(map[string]string{"a": "one", "b": "2"})},
		{name: "set args override file", stdin: strptr("a: one\nb: \"2\"\n"), argv: []string{"state-set", "--file=-", "a=arg"},
			check: wantState(map[string]string{"a": "arg", "b": "2"})},
		{name: "set stdin not supplied", argv: []string{"state-set", "--file", "-"}, code: 1,
			err: "ERROR hook tool requires stdin, none supplied\n", check: wantState(map[string]string{})},
		{name: "set bad yaml", stdin: strptr("- a\n"), argv: []string{"state-set", "--file", "-"}, code: 1,
			err: "ERROR yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into map[string]string\n"},
		{name: "set bad arg", argv: []string{"state-set", "novalue"}, code: 2, err: "ERROR expected \"key=value\", got \"novalue\"\n"},
		{name: "set dup arg", argv: []string{"state-set", "a=1", "a=2"}, code: 2, err: "ERROR key \"a\" specified more than once\n"},
		{name: "set long key", argv: []string{"state-set", long + "=v"}, code: 1, err: "ERROR max allowed key length (256) exceeded\n"},
		{name: "set long value", argv: []string{"state-set", "k=" + strings.Repeat("v", 64*1024+1)}, code: 1,
			err: "ERROR max allowed value length (65536) exceeded\n"},
		{name: "set max value", argv: []string{"state-set", "k=" + strings.Repeat("v", 64*1024)},
			check: func(t *testing.T, c *hooktooltest.Context) {
				if len(c.State["k"]) != 64*1024 {
					t.Errorf("value of %d bytes not stored", 64*1024)
				}
			}},
		{name: "set nothing", argv: []string{"state-set"}, check: wantState(map[string]string{})},

		{name: "delete", setup: withState, argv: []string{"state-delete", "a"}, check: wantState(map[string]string{"b": "two"})},
		{name: "delete missing", setup: withState, argv: []string{"state-delete", "zz"}, check: wantState(map[string]string{"a": "1", "b": "two"})},
		{name: "delete none", setup: withState, argv: []string{"state-delete"}, check: wantState(map[string]string{"a": "1", "b": "two"})},
		{name: "delete two", argv: []string{"state-delete", "a", "b"}, code: 2, err: "ERROR unrecognized args: [\"b\"]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { t.Parallel(); runCase(t, tc) })
	}
}

func TestUnknownToolAndHelp(t *testing.T) {
	t.Parallel()
	c := newTestContext()
	var out, errOut bytes.Buffer
	if code := hooktool.Run(context.Background(), c, "secret-get", nil, nil, &out, &errOut); code != 2 ||
		!strings.HasPrefix(errOut.String(), `ERROR unknown hook tool "secret-get"; known tools: action-fail, `) {
		t.Errorf("unknown tool: code %d stderr %q", code, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := hooktool.Run(context.Background(), c, "status-set", []string{"--help"}, nil, &out, &errOut); code != 0 ||
		!strings.HasPrefix(out.String(), "Usage: status-set [options] <maintenance | blocked | waiting | active> [message]\n") ||
		!strings.Contains(out.String(), "\n--application  (= false)\n") {
		t.Errorf("help: code %d stdout %q stderr %q", code, out.String(), errOut.String())
	}
	for _, name := range hooktool.Names() {
		if !hooktool.IsTool(name) {
			t.Errorf("IsTool(%q) = false", name)
		}
		out.Reset()
		if code := hooktool.Run(context.Background(), c, name, []string{"-h"}, nil, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "Usage: "+name) {
			t.Errorf("%s -h: code %d stdout %q", name, code, out.String())
		}
	}
	if len(hooktool.Names()) != 24 || hooktool.IsTool("jujuc") || hooktool.IsTool("") {
		t.Errorf("Names() = %q", hooktool.Names())
	}
}

// TestRelativePaths checks that -o and --file resolve against the caller's
// directory, not the agent's.
func TestRelativePaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in.yaml"), []byte("from: file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newTestContext()
	var out, errOut bytes.Buffer
	if code := hooktool.RunIn(context.Background(), c, dir, "config-get", []string{"slug", "-o", "out.txt"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("config-get -o: code %d stderr %q", code, errOut.String())
	}
	if data, err := os.ReadFile(filepath.Join(dir, "out.txt")); err != nil || string(data) != "example\n" || out.Len() != 0 {
		t.Errorf("-o out.txt wrote %q (%v), stdout %q", data, err, out.String())
	}
	if code := hooktool.RunIn(context.Background(), c, dir, "state-set", []string{"--file", "in.yaml"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("state-set --file: code %d stderr %q", code, errOut.String())
	}
	if got := c.State["from"]; got != "file" {
		t.Errorf("state from file = %q, want %q", got, "file")
	}
	errOut.Reset()
	if code := hooktool.RunIn(context.Background(), c, dir, "state-set", []string{"--file", "missing.yaml"}, nil, &out, &errOut); code != 1 ||
		errOut.String() != "ERROR open "+filepath.Join(dir, "missing.yaml")+": no such file or directory\n" {
		t.Errorf("state-set missing file: code %d stderr %q", code, errOut.String())
	}
}

func TestRelationIDs(t *testing.T) {
	t.Parallel()
	related := func(c *hooktooltest.Context) {
		c.RelationsByEndpoint = map[string][]string{"upstream": {"upstream:3"}, "peers": {"peers:1", "peers:7"}}
	}
	inHook := func(c *hooktooltest.Context) { related(c); c.HookRel = "peers:1" }
	for _, tc := range []toolCase{
		{name: "ids", setup: related, argv: []string{"relation-ids", "peers"}, out: "peers:1\npeers:7\n"},
		{name: "ids json", setup: related, argv: []string{"relation-ids", "upstream", "--format=json"}, out: `["upstream:3"]` + "\n"},
		{name: "none json", argv: []string{"relation-ids", "upstream", "--format=json"}, out: "[]\n"},
		{name: "none", argv: []string{"relation-ids", "upstream"}, out: ""},
		{name: "hook's endpoint", setup: inHook, argv: []string{"relation-ids"}, out: "peers:1\npeers:7\n"},
		{name: "no endpoint", argv: []string{"relation-ids"}, code: 2, err: "ERROR no endpoint name specified\n"},
		{name: "extra", argv: []string{"relation-ids", "a", "b"}, code: 2, err: "ERROR unrecognized args: [\"b\"]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { t.Parallel(); runCase(t, tc) })
	}
}

// inRelation puts the context in upstream-relation-changed for upstream/1
// of relation upstream:3, with remote unit and application data.
func inRelation(c *hooktooltest.Context) {
	c.HookRel, c.RemoteUnit, c.RemoteApp = "upstream:3", "upstream/1", "upstream"
	c.Relations = map[int]*hooktooltest.Relation{3: {
		Info: hooktool.RelationInfo{ID: 3, Endpoint: "upstream", RemoteApp: "upstream", Units: []string{"upstream/0", "upstream/1"}},
		Data: map[string]map[string]string{
			"upstream/1":  {"hostname": "10.0.0.7", "port": "8080"},
			"upstream":    {"url": "http://10.0.0.7:8080/"},
			"tinyproxy/0": {"private-address": "10.0.0.2"},
		},
	}}
}

func wantRelationData(name string, want map[string]string) func(t *testing.T, c *hooktooltest.Context) {
	return func(t *testing.T, c *hooktooltest.Context) {
		t.Helper()
		if got := c.Relations[3].Data[name]; !maps.Equal(got, want) {
			t.Errorf("data of %s = %v, want %v", name, got, want)
		}
	}
}

func TestRelationTools(t *testing.T) {
	t.Parallel()
	notLeader := func(c *hooktooltest.Context) { inRelation(c); c.Leader = false }
	for _, tc := range []toolCase{
		{name: "list", setup: inRelation, argv: []string{"relation-list"}, out: "upstream/0\nupstream/1\n"},
		{name: "list json", setup: inRelation, argv: []string{"relation-list", "-r", "upstream:3", "--format=json"}, out: `["upstream/0","upstream/1"]` + "\n"},
		{name: "list app", setup: inRelation, argv: []string{"relation-list", "--app"}, out: "upstream\n"},
		{name: "list no relation", argv: []string{"relation-list"}, code: 2, err: "ERROR no relation id specified\n"},
		{name: "list unknown relation", setup: inRelation, argv: []string{"relation-list", "-r", "4"}, code: 2,
			err: "ERROR invalid value \"4\" for option -r: relation not found\n"},
		{name: "get remote unit", setup: inRelation, argv: []string{"relation-get", "--format=json"}, out: `{"hostname":"10.0.0.7","port":"8080"}` + "\n"},
		{name: "get key", setup: inRelation, argv: []string{"relation-get", "port"}, out: "8080\n"},
		{name: "get missing key", setup: inRelation, argv: []string{"relation-get", "nope", "--format=json"}, out: "null\n"},
		{name: "get app", setup: inRelation, argv: []string{"relation-get", "--app", "url"}, out: "http://10.0.0.7:8080/\n"},
		{name: "get named unit", setup: inRelation, argv: []string{"relation-get", "-", "tinyproxy/0"}, out: "private-address: 10.0.0.2\n"},
		{name: "get app name as unit", setup: inRelation, argv: []string{"relation-get", "-", "upstream"}, code: 2,
			err: "ERROR expected unit name, got application name \"upstream\"\n"},
		{name: "get bad unit", setup: inRelation, argv: []string{"relation-get", "-", "Up/x"}, code: 2, err: "ERROR invalid unit name \"Up/x\"\n"},
		{name: "get no default", setup: func(c *hooktooltest.Context) { inRelation(c); c.RemoteUnit, c.RemoteApp = "", "" },
			argv: []string{"relation-get"}, code: 2, err: "ERROR no unit or application specified\n"},
		{name: "set unit", setup: inRelation, argv: []string{"relation-set", "a=1", "private-address="},
			check: wantRelationData("tinyproxy/0", map[string]string{"a": "1"})},
		{name: "set app leader", setup: inRelation, argv: []string{"relation-set", "--app", "-r", "3", "url=http://x/"},
			check: wantRelationData("tinyproxy", map[string]string{"url": "http://x/"})},
		{name: "set app minion", setup: notLeader, argv: []string{"relation-set", "--app", "url=http://x/"}, code: 1,
			err: "ERROR cannot write relation settings\n", check: wantRelationData("tinyproxy", nil)},
		{name: "set file", setup: inRelation, argv: []string{"relation-set", "--file", "-", "b=2"}, stdin: strptr("a: x\nb: y\n"),
			check: wantRelationData("tinyproxy/0", map[string]string{"private-address": "10.0.0.2", "a": "x", "b": "2"})},
		{name: "set bad pair", setup: inRelation, argv: []string{"relation-set", "novalue"}, code: 2,
			err: "ERROR expected \"key=value\", got \"novalue\"\n"},
		{name: "set no relation", argv: []string{"relation-set", "a=1"}, code: 2, err: "ERROR no relation id specified\n"},
		{name: "leader set get", setup: func(c *hooktooltest.Context) { c.LeaderData = map[string]string{"old": "1"} },
			argv: []string{"leader-set", "k=v", "old="}, check: func(t *testing.T, c *hooktooltest.Context) {
				if !maps.Equal(c.LeaderData, map[string]string{"k": "v"}) {
					t.Errorf("leader data = %v", c.LeaderData)
				}
			}},
		{name: "leader set minion", setup: func(c *hooktooltest.Context) { c.Leader = false }, argv: []string{"leader-set", "k=v"}, code: 1,
			err: "ERROR cannot write leadership settings: cannot write settings: not the leader\n"},
		{name: "leader get", setup: func(c *hooktooltest.Context) { c.LeaderData = map[string]string{"k": "v"} },
			argv: []string{"leader-get", "k"}, out: "v\n"},
		{name: "leader get all", setup: func(c *hooktooltest.Context) { c.LeaderData = map[string]string{"k": "v"} },
			argv: []string{"leader-get", "--format=json"}, out: `{"k":"v"}` + "\n"},
		{name: "leader get bad key", argv: []string{"leader-get", "a=b"}, code: 2, err: "ERROR invalid key \"a=b\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { t.Parallel(); runCase(t, tc) })
	}
}
