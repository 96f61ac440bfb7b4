package charmtest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/canonical/jujutest/charm/hooktools"
)

// ToolError is returned by a fake hook tool, mirroring a real tool that
// prints "ERROR <message>" and exits with Code (2 for bad usage, else 1).
type ToolError struct {
	Argv    []string // the tool's name and arguments
	Code    int      // its exit status
	Message string   // what it printed after "ERROR "
}

// Error returns "<argv>: exit status <code>: ERROR <message>", the shape
// hooktools.ExecRunner gives a failing real tool.
func (e *ToolError) Error() string {
	return fmt.Sprintf("%s: exit status %d: ERROR %s", strings.Join(e.Argv, " "), e.Code, e.Message)
}

// unit is the fake hook-tool server of one Run: a hooktools.Runner.
type unit struct {
	mu     sync.Mutex
	state  State
	config map[string]any
}

func (u *unit) snapshot() State {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.state.clone()
}

// Run executes one fake hook tool.
func (u *unit) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	argv := append([]string{name}, args...)
	u.state.Calls = append(u.state.Calls, argv)
	if err := ctx.Err(); err != nil {
		return nil, &ToolError{Argv: argv, Code: 1, Message: err.Error()}
	}
	out, code, msg := u.tool(name, args)
	if code != 0 {
		return nil, &ToolError{Argv: argv, Code: code, Message: msg}
	}
	return out, nil
}

// usage is the exit code of a tool given bad flags or arguments.
const usage = 2

var _ hooktools.Runner = (*unit)(nil)

func (u *unit) tool(name string, args []string) (out []byte, code int, msg string) {
	switch name {
	case "config-get":
		return u.configGet(args)
	case "status-set":
		return u.statusSet(args)
	case "application-version-set":
		pos := positional(args)
		if len(pos) == 0 {
			return nil, usage, "no version specified"
		}
		if len(pos) > 1 {
			return nil, usage, fmt.Sprintf("unrecognized args: %q", pos[1:])
		}
		u.state.WorkloadVersion = pos[0]
		return nil, 0, ""
	case "juju-log":
		return u.jujuLog(args)
	case "open-port", "close-port":
		return u.port(name == "open-port", args)
	case "opened-ports":
		if len(args) > 0 {
			return nil, usage, fmt.Sprintf("charmtest: opened-ports %s is not faked", strings.Join(args, " "))
		}
		var b strings.Builder
		for _, p := range u.state.OpenedPorts {
			b.WriteString(p + "\n")
		}
		return []byte(b.String()), 0, ""
	case "is-leader":
		format, pos, errMsg := formatFlag(args)
		if errMsg != "" {
			return nil, usage, errMsg
		}
		if len(pos) > 0 {
			return nil, usage, fmt.Sprintf("unrecognized args: %q", pos)
		}
		return render(format, u.state.Leader)
	case "relation-ids":
		return u.relationIDs(args)
	case "relation-list":
		return u.relationList(args)
	case "relation-get":
		return u.relationGet(args)
	}
	return nil, 1, fmt.Sprintf("charmtest: hook tool %q is not faked", name)
}

func (u *unit) relationIDs(args []string) ([]byte, int, string) {
	format, pos, errMsg := formatFlag(args)
	if errMsg != "" {
		return nil, usage, errMsg
	}
	pos = positional(pos)
	if len(pos) != 1 {
		return nil, usage, fmt.Sprintf("charmtest: relation-ids wants one endpoint, got %q", pos)
	}
	ids := []string{}
	for _, r := range u.state.Relations {
		if r.Endpoint == pos[0] && !r.Broken {
			ids = append(ids, r.Key())
		}
	}
	return render(format, ids)
}

// relationFlag extracts -r <id> and --app, and finds the relation.
func (u *unit) relationFlag(args []string) (rel *Relation, app bool, rest []string, errMsg string) {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-r", "--relation":
			if i+1 == len(args) {
				return nil, false, nil, "flag needs an argument: -r"
			}
			id := args[i+1]
			i++
			for j := range u.state.Relations {
				if r := &u.state.Relations[j]; r.Key() == id || strconv.Itoa(r.ID) == id {
					rel = r
				}
			}
			if rel == nil {
				return nil, false, nil, fmt.Sprintf("invalid value %q for option -r: relation not found", id)
			}
		case "--app":
			app = true
		default:
			rest = append(rest, a)
		}
	}
	if rel == nil {
		return nil, false, nil, "charmtest: no relation specified (-r); hooks outside relation events must give one"
	}
	return rel, app, rest, ""
}

func (u *unit) relationList(args []string) ([]byte, int, string) {
	format, args, errMsg := formatFlag(args)
	if errMsg != "" {
		return nil, usage, errMsg
	}
	rel, app, rest, errMsg := u.relationFlag(args)
	if errMsg != "" {
		return nil, usage, errMsg
	}
	if len(rest) > 0 {
		return nil, usage, fmt.Sprintf("unrecognized args: %q", rest)
	}
	if app {
		return render(format, rel.RemoteApp)
	}
	return render(format, slices.Sorted(maps.Keys(rel.RemoteUnitsData)))
}

func (u *unit) relationGet(args []string) ([]byte, int, string) {
	format, args, errMsg := formatFlag(args)
	if errMsg != "" {
		return nil, usage, errMsg
	}
	rel, app, rest, errMsg := u.relationFlag(args)
	if errMsg != "" {
		return nil, usage, errMsg
	}
	if len(rest) != 2 || rest[0] != "-" {
		return nil, usage, fmt.Sprintf("charmtest: relation-get wants \"- <unit or app>\", got %q", rest)
	}
	var data map[string]string
	switch {
	case app && rest[1] == rel.RemoteApp:
		data = rel.RemoteAppData
	case app:
		return nil, 1, fmt.Sprintf("permission denied: %q is not the remote application of %s", rest[1], rel.Key())
	default:
		d, ok := rel.RemoteUnitsData[rest[1]]
		if !ok {
			return nil, 1, fmt.Sprintf("cannot read settings for unit %q in relation %q: unit not found", rest[1], rel.Key())
		}
		data = d
	}
	if data == nil {
		data = map[string]string{}
	}
	return render(format, data)
}

// positional drops a leading "--".
func positional(args []string) []string {
	if len(args) > 0 && args[0] == "--" {
		return args[1:]
	}
	return args
}

// formatFlag extracts --format (default smart) and returns the rest.
func formatFlag(args []string) (format string, rest []string, errMsg string) {
	format = "smart"
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--format":
			if i+1 == len(args) {
				return "", nil, "flag needs an argument: --format"
			}
			format = args[i+1]
			i++
		case strings.HasPrefix(a, "--format="):
			format = strings.TrimPrefix(a, "--format=")
		default:
			rest = append(rest, a)
		}
	}
	switch format {
	case "smart", "json", "yaml":
		return format, rest, ""
	}
	return "", nil, fmt.Sprintf("invalid value %q for option --format: unknown format", format)
}

func render(format string, v any) ([]byte, int, string) {
	switch format {
	case "json":
		b, err := json.Marshal(v)
		if err != nil {
			return nil, 1, err.Error()
		}
		return append(b, '\n'), 0, ""
	case "smart":
		switch v := v.(type) {
		case nil:
			return nil, 0, ""
		case string:
			return []byte(v + "\n"), 0, ""
		case []string:
			if len(v) == 0 {
				return nil, 0, ""
			}
			return []byte(strings.Join(v, "\n") + "\n"), 0, ""
		case bool:
			if v {
				return []byte("True\n"), 0, ""
			}
			return []byte("False\n"), 0, ""
		}
	}
	b, err := yaml.Marshal(v)
	if err != nil {
		return nil, 1, err.Error()
	}
	return b, 0, ""
}

func (u *unit) configGet(args []string) ([]byte, int, string) {
	format, rest, errMsg := formatFlag(args)
	if errMsg != "" {
		return nil, usage, errMsg
	}
	all := false
	var keys []string
	for _, a := range rest {
		switch a {
		case "-a", "--all":
			all = true
		default:
			if strings.HasPrefix(a, "-") {
				return nil, usage, "flag provided but not defined: " + a
			}
			keys = append(keys, a)
		}
	}
	switch {
	case len(keys) > 1:
		return nil, usage, fmt.Sprintf("unrecognized args: %q", keys[1:])
	case len(keys) == 1 && all:
		return nil, usage, "cannot use argument --all together with key " + keys[0]
	case len(keys) == 1:
		return render(format, u.config[keys[0]])
	}
	settings := map[string]any{}
	for k, v := range u.config {
		if v != nil || all {
			settings[k] = v
		}
	}
	return render(format, settings)
}

func (u *unit) statusSet(args []string) ([]byte, int, string) {
	application := false
	var pos []string
	for _, a := range args {
		switch strings.ToLower(a) {
		case "--application", "--application=true":
			application = true
		case "--application=false":
			application = false
		default:
			pos = append(pos, a)
		}
	}
	pos = positional(pos)
	if len(pos) == 0 {
		return nil, usage, "invalid args, require <status> [message] [data]"
	}
	if len(pos) > 2 {
		return nil, usage, fmt.Sprintf("unrecognized args: %q", pos[2:])
	}
	name := hooktools.StatusName(pos[0])
	switch name {
	case hooktools.StatusMaintenance, hooktools.StatusBlocked, hooktools.StatusWaiting, hooktools.StatusActive:
	default:
		return nil, usage, fmt.Sprintf("invalid status %q, expected one of [maintenance blocked waiting active]", pos[0])
	}
	s := Status{Name: name}
	if len(pos) == 2 {
		s.Message = pos[1]
	}
	if application {
		if !u.state.Leader {
			return nil, 1, "this unit is not the leader"
		}
		u.state.AppStatus = s
	} else {
		u.state.UnitStatus = s
	}
	return nil, 0, ""
}

func (u *unit) jujuLog(args []string) ([]byte, int, string) {
	level := "INFO"
	var msg []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			msg = append(msg, args[i+1:]...)
			i = len(args)
		case a == "--debug":
			level = "DEBUG"
		case a == "-l" || a == "--log-level":
			if i+1 == len(args) {
				return nil, usage, "flag needs an argument: " + a
			}
			level = strings.ToUpper(args[i+1])
			i++
		case strings.HasPrefix(a, "--log-level="):
			level = strings.ToUpper(strings.TrimPrefix(a, "--log-level="))
		case strings.HasPrefix(a, "-") && len(msg) == 0:
			return nil, usage, "flag provided but not defined: " + a
		default:
			msg = append(msg, a)
		}
	}
	if len(msg) == 0 {
		return nil, usage, "no message specified"
	}
	switch level {
	case "DEBUG", "INFO", "WARNING", "ERROR", "TRACE", "CRITICAL":
	default:
		level = "INFO" // Juju warns and logs at INFO
	}
	u.state.JujuLog = append(u.state.JujuLog, LogLine{Level: level, Message: strings.Join(msg, " ")})
	return nil, 0, ""
}

func (u *unit) port(open bool, args []string) ([]byte, int, string) {
	pos := positional(args)
	if len(pos) != 1 {
		return nil, usage, "invalid args, require <port>[/<protocol>], <from>-<to>[/<protocol>] or icmp"
	}
	p, err := normalizePort(pos[0])
	if err != nil {
		return nil, usage, err.Error()
	}
	ports := slices.DeleteFunc(u.state.OpenedPorts, func(q string) bool { return q == p })
	if open {
		ports = append(ports, p)
		slices.Sort(ports)
	}
	u.state.OpenedPorts = ports
	return nil, 0, ""
}

// normalizePort checks a port spec and returns it with its protocol.
func normalizePort(spec string) (string, error) {
	if spec == "icmp" {
		return spec, nil
	}
	rng, proto, hasProto := strings.Cut(spec, "/")
	if !hasProto {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" {
		return "", fmt.Errorf("invalid protocol %q, expected \"tcp\", \"udp\", or \"icmp\"", proto)
	}
	from, to, isRange := strings.Cut(rng, "-")
	nums := []string{from}
	if isRange {
		nums = append(nums, to)
	}
	var vals []int
	for _, s := range nums {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("invalid port %q: want 1-65535", s)
		}
		vals = append(vals, n)
	}
	if isRange && vals[0] > vals[1] {
		return "", fmt.Errorf("invalid port range %q", rng)
	}
	return rng + "/" + proto, nil
}
