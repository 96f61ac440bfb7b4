// Package hooktools is a small client for the Juju hook tools the tinyproxy
// charm uses: config-get, status-set, application-version-set, juju-log,
// open-port, close-port, opened-ports and is-leader. It maps Go calls to
// the tools' real command-line syntax, nothing more.
//
// Every call goes through the Runner held in a Tools value, never a
// package variable, so tests run charms in parallel, each with its own fake
// (see package charmtest). That is why we do not use the field's library,
// github.com/gruyaume/goops (v0.0.23): its runner is a package-level
// variable, so its harness, goopstest, cannot run tests in parallel;
// goopstest also applies no charmcraft.yaml config defaults and has no
// collect-status; and goops links its Pebble client into every charm (a
// 4.6 MB static binary for a minimal one, where this charm needs six tools).
package hooktools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/canonical/jujutest/charm/internal/command"
)

// Runner runs one hook tool and returns its stdout. A tool that fails
// returns an error that includes its stderr.
type Runner interface {
	// Run runs the tool name with args, until it exits or ctx is done.
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// ExecRunner runs hook tools as programs found on PATH, as Juju provides
// them to a hook. Its zero value is ready to use.
type ExecRunner struct{}

// Run runs the tool name with args in its own process group, killed when
// ctx is done. The error of a failing tool includes its stderr.
func (ExecRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	return command.Run(ctx, nil, name, args...)
}

// StatusName is a workload status a charm may set.
type StatusName string

// The statuses a charm may set with status-set; Juju rejects any other.
const (
	StatusActive      StatusName = "active"
	StatusBlocked     StatusName = "blocked"
	StatusMaintenance StatusName = "maintenance"
	StatusWaiting     StatusName = "waiting"
)

// Status is a workload status and its message.
type Status struct {
	Name    StatusName
	Message string // "" for none
}

// String returns "name" or "name: message".
func (s Status) String() string {
	if s.Message == "" {
		return string(s.Name)
	}
	return string(s.Name) + ": " + s.Message
}

// LogLevel is a juju-log level.
type LogLevel string

// The levels juju-log accepts.
const (
	LevelDebug   LogLevel = "DEBUG"
	LevelInfo    LogLevel = "INFO"
	LevelWarning LogLevel = "WARNING"
	LevelError   LogLevel = "ERROR"
)

// Port is a port (or the start of a range) and its protocol, as the port
// tools print it: "8000/tcp".
type Port struct {
	Number   int    // 1-65535
	Protocol string // "tcp" or "udp"
}

// String returns "number/protocol".
func (p Port) String() string { return strconv.Itoa(p.Number) + "/" + p.Protocol }

// Tools calls hook tools through Runner.
type Tools struct {
	Runner Runner // ExecRunner in a hook; a fake in tests
}

func (t *Tools) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	out, err := t.Runner.Run(ctx, name, args...)
	if err != nil {
		return out, fmt.Errorf("hook tool %s: %w", name, err)
	}
	return out, nil
}

// ConfigGet runs `config-get --all --format=json` and decodes the charm's
// whole configuration (defaults included, unset options as null) into v,
// as encoding/json.Unmarshal does.
func (t *Tools) ConfigGet(ctx context.Context, v any) error {
	out, err := t.run(ctx, "config-get", "--all", "--format=json")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(out, v); err != nil {
		return fmt.Errorf("hook tool config-get: decoding %q: %w", abbrev(out), err)
	}
	return nil
}

// StatusSet runs `status-set <name> [message]` for the unit; an empty
// message is not passed.
func (t *Tools) StatusSet(ctx context.Context, s Status) error {
	args := []string{string(s.Name)}
	if s.Message != "" {
		args = append(args, s.Message)
	}
	_, err := t.run(ctx, "status-set", endFlags(args)...)
	return err
}

// ApplicationVersionSet runs `application-version-set <version>`, the
// workload version shown by `juju status`.
func (t *Tools) ApplicationVersionSet(ctx context.Context, version string) error {
	_, err := t.run(ctx, "application-version-set", endFlags([]string{version})...)
	return err
}

// endFlags puts "--" before positional args if one of them would otherwise
// be parsed as a flag.
func endFlags(args []string) []string {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			return append([]string{"--"}, args...)
		}
	}
	return args
}

// JujuLog runs `juju-log --log-level=<level> -- <message>`.
func (t *Tools) JujuLog(ctx context.Context, level LogLevel, message string) error {
	_, err := t.run(ctx, "juju-log", "--log-level="+string(level), "--", message)
	return err
}

// OpenPort runs `open-port <port>`; Juju commits it when the hook ends.
func (t *Tools) OpenPort(ctx context.Context, p Port) error {
	_, err := t.run(ctx, "open-port", p.String())
	return err
}

// ClosePort runs `close-port <port>`; Juju commits it when the hook ends.
func (t *Tools) ClosePort(ctx context.Context, p Port) error {
	_, err := t.run(ctx, "close-port", p.String())
	return err
}

// OpenedPorts runs `opened-ports` and parses its lines ("8000/tcp",
// "9000-9010/udp", "icmp"). A range is reported by its first port; ICMP
// is skipped.
func (t *Tools) OpenedPorts(ctx context.Context) ([]Port, error) {
	out, err := t.run(ctx, "opened-ports")
	if err != nil {
		return nil, err
	}
	var ports []Port
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line == "icmp" {
			continue
		}
		num, proto, ok := strings.Cut(line, "/")
		num, _, _ = strings.Cut(num, "-")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("hook tool opened-ports: cannot parse %q, want <port>[-<port>]/<protocol>", line)
		}
		ports = append(ports, Port{Number: n, Protocol: proto})
	}
	return ports, nil
}

// IsLeader runs `is-leader --format=json` and reports whether this unit is
// the application's leader.
func (t *Tools) IsLeader(ctx context.Context) (bool, error) {
	out, err := t.run(ctx, "is-leader", "--format=json")
	if err != nil {
		return false, err
	}
	var leader bool
	if err := json.Unmarshal(bytes.TrimSpace(out), &leader); err != nil {
		return false, fmt.Errorf("hook tool is-leader: decoding %q: %w", abbrev(out), err)
	}
	return leader, nil
}

func abbrev(b []byte) string {
	const max = 200
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

// RelationIDs runs `relation-ids <endpoint> --format=json`: the ids
// ("upstream:3") of the unit's relations on the endpoint, without one
// being broken.
func (t *Tools) RelationIDs(ctx context.Context, endpoint string) ([]string, error) {
	var ids []string
	if err := t.runJSON(ctx, &ids, "relation-ids", "--format=json", "--", endpoint); err != nil {
		return nil, err
	}
	return ids, nil
}

// RelationUnits runs `relation-list -r <id> --format=json`: the remote
// units in the relation.
func (t *Tools) RelationUnits(ctx context.Context, id string) ([]string, error) {
	var units []string
	if err := t.runJSON(ctx, &units, "relation-list", "-r", id, "--format=json"); err != nil {
		return nil, err
	}
	return units, nil
}

// RelationApp runs `relation-list -r <id> --app`: the remote application's
// name.
func (t *Tools) RelationApp(ctx context.Context, id string) (string, error) {
	out, err := t.run(ctx, "relation-list", "-r", id, "--app")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// RelationGet runs `relation-get -r <id> --format=json - <unit>` (with
// --app, the application's data: unit is then the application's name)
// and returns the databag.
func (t *Tools) RelationGet(ctx context.Context, id, unit string, app bool) (map[string]string, error) {
	args := []string{"-r", id, "--format=json"}
	if app {
		args = append(args, "--app")
	}
	args = append(args, "-", unit)
	data := map[string]string{}
	if err := t.runJSON(ctx, &data, "relation-get", args...); err != nil {
		return nil, err
	}
	return data, nil
}

// runJSON runs a tool and decodes its JSON output into v.
func (t *Tools) runJSON(ctx context.Context, v any, name string, args ...string) error {
	out, err := t.run(ctx, name, args...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), v); err != nil {
		return fmt.Errorf("hook tool %s: decoding %q: %w", name, abbrev(out), err)
	}
	return nil
}
