// Package hookrun runs one charm hook, action or command the way Juju's unit
// agent (the uniter) does: it builds exactly the environment Juju gives a
// hook, picks the handler as Juju does (dispatch, else hooks/<name> or
// actions/<name>, else the hook is "missing"), runs it in the charm
// directory in its own process group, streams its output to the debug log,
// and kills the whole group when the context ends.
package hookrun

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/canonical/jujutest/internal/local/machine"
)

// JujuVersion is the Juju version the local backend reports to charms
// (JUJU_VERSION).
const JujuVersion = "3.6.11"

// DefaultSystemPath is the PATH after the tools directory when Unit.SystemPath
// is empty: systemd's default service PATH on Ubuntu, which a unit agent
// started by systemd passes on to its hooks.
const DefaultSystemPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin"

// DefaultSLA is the model SLA level of a model with no SLA set
// (JUJU_SLA).
const DefaultSLA = "unsupported"

// Proxy holds the model's juju-http-proxy settings, exported to hooks as
// JUJU_CHARM_{HTTP,HTTPS,FTP,NO}_PROXY (empty values are exported too, as
// Juju does).
type Proxy struct {
	// HTTP is JUJU_CHARM_HTTP_PROXY.
	HTTP string
	// HTTPS is JUJU_CHARM_HTTPS_PROXY.
	HTTPS string
	// FTP is JUJU_CHARM_FTP_PROXY.
	FTP string
	// NoProxy is JUJU_CHARM_NO_PROXY.
	NoProxy string
}

// Unit describes the unit and its agent: everything in a hook's environment
// that does not depend on the hook.
type Unit struct {
	// CharmDir is the directory of the expanded charm (CHARM_DIR,
	// JUJU_CHARM_DIR, and the hook's working directory). It must contain
	// metadata.yaml.
	CharmDir string
	// UnitName is the unit's name, e.g. "tinyproxy/0" (JUJU_UNIT_NAME).
	UnitName string
	// ModelName is the model's short name (JUJU_MODEL_NAME).
	ModelName string
	// ModelUUID is the model's UUID (JUJU_MODEL_UUID).
	ModelUUID string
	// MachineID is the id of the unit's machine, e.g. "0"
	// (JUJU_MACHINE_ID).
	MachineID string
	// SocketPath is the path of the agent's hook-tool socket
	// (JUJU_AGENT_SOCKET_ADDRESS).
	SocketPath string
	// ToolsDir is the directory of hook-tool symlinks, first on PATH.
	ToolsDir string
	// APIAddresses are the controller API addresses (JUJU_API_ADDRESSES,
	// space-separated; the local backend has none).
	APIAddresses []string
	// SLA is the model's SLA level (JUJU_SLA); "" means DefaultSLA.
	SLA string
	// PrincipalUnit is the principal of a subordinate unit
	// (JUJU_PRINCIPAL_UNIT); "" for a principal unit.
	PrincipalUnit string
	// AvailabilityZone is the machine's zone (JUJU_AVAILABILITY_ZONE).
	AvailabilityZone string
	// CloudAPIVersion is the cloud's API version (CLOUD_API_VERSION).
	CloudAPIVersion string
	// JujuVersion is JUJU_VERSION; "" means JujuVersion.
	JujuVersion string
	// Proxy are the JUJU_CHARM_*_PROXY values.
	Proxy Proxy
	// SystemPath follows ToolsDir in PATH; "" means DefaultSystemPath.
	SystemPath string
	// Machine is where the handler runs; CharmDir, SocketPath and
	// ToolsDir are its paths. nil means the host, with no process
	// tracking.
	Machine machine.Machine
}

// check validates the fields every run needs.
func (u Unit) check() error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"CharmDir", u.CharmDir},
		{"UnitName", u.UnitName},
		{"SocketPath", u.SocketPath},
		{"ToolsDir", u.ToolsDir},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("hookrun: unit settings missing: %s", strings.Join(missing, ", "))
	}
	return nil
}

// Kind says what a Hook runs.
type Kind int

const (
	// KindHook runs a hook: dispatch, else hooks/<name>.
	KindHook Kind = iota
	// KindAction runs an action: dispatch, else actions/<name>.
	KindAction
)

// String returns "hook" or "action".
func (k Kind) String() string {
	if k == KindAction {
		return "action"
	}
	return "hook"
}

// baseVars returns the variables Juju sets for every hook context, in
// Juju's order, up to the proxy variables.
func baseVars(u Unit, contextID, hookName string) []string {
	charmDir := u.CharmDir
	version := u.JujuVersion
	if version == "" {
		version = JujuVersion
	}
	sla := u.SLA
	if sla == "" {
		sla = DefaultSLA
	}
	return []string{
		"CHARM_DIR=" + charmDir,
		"JUJU_CHARM_DIR=" + charmDir,
		"JUJU_CONTEXT_ID=" + contextID,
		"JUJU_HOOK_NAME=" + hookName,
		"JUJU_AGENT_SOCKET_ADDRESS=" + u.SocketPath,
		"JUJU_AGENT_SOCKET_NETWORK=unix",
		"JUJU_UNIT_NAME=" + u.UnitName,
		"JUJU_MODEL_UUID=" + u.ModelUUID,
		"JUJU_MODEL_NAME=" + u.ModelName,
		"JUJU_API_ADDRESSES=" + strings.Join(u.APIAddresses, " "),
		"JUJU_SLA=" + sla,
		"JUJU_MACHINE_ID=" + u.MachineID,
		"JUJU_PRINCIPAL_UNIT=" + u.PrincipalUnit,
		"JUJU_AVAILABILITY_ZONE=" + u.AvailabilityZone,
		"JUJU_VERSION=" + version,
		"CLOUD_API_VERSION=" + u.CloudAPIVersion,
		"JUJU_CHARM_HTTP_PROXY=" + u.Proxy.HTTP,
		"JUJU_CHARM_HTTPS_PROXY=" + u.Proxy.HTTPS,
		"JUJU_CHARM_FTP_PROXY=" + u.Proxy.FTP,
		"JUJU_CHARM_NO_PROXY=" + u.Proxy.NoProxy,
	}
}

// osVars returns the variables Juju adds on Ubuntu, PATH last.
func osVars(u Unit) []string {
	sysPath := u.SystemPath
	if sysPath == "" {
		sysPath = DefaultSystemPath
	}
	return []string{
		"APT_LISTCHANGES_FRONTEND=none",
		"DEBIAN_FRONTEND=noninteractive",
		"LANG=C.UTF-8",
		"TERM=tmux-256color",
		"PATH=" + u.ToolsDir + ":" + sysPath,
	}
}

// appendExtra appends extra "NAME=value" variables, refusing malformed ones
// and ones that would replace a variable already set.
func appendExtra(env, extra []string) ([]string, error) {
	set := make(map[string]bool, len(env)+len(extra))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		set[name] = true
	}
	for _, kv := range extra {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("hookrun: extra variable %q is not of the form NAME=value", kv)
		}
		if set[name] || name == "JUJU_DISPATCH_PATH" || name == "PATH" {
			return nil, fmt.Errorf("hookrun: extra variable %s would replace one hookrun sets", name)
		}
		set[name] = true
		env = append(env, kv)
	}
	return env, nil
}

// Environ returns the exact environment of h's handler, in Juju's order:
// the hook-context variables, h.Vars (relation and other context variables),
// the action variables, the OS variables, and JUJU_DISPATCH_PATH last.
func Environ(h Hook) ([]string, error) {
	if err := h.check(); err != nil {
		return nil, err
	}
	if h.Name == "" {
		return nil, errors.New("hookrun: no hook or action name given")
	}
	hookName := h.Name
	if h.Kind == KindAction {
		hookName = "" // Juju sets JUJU_HOOK_NAME only for hooks
	}
	env, err := appendExtra(baseVars(h.Unit, h.ContextID, hookName), h.Vars)
	if err != nil {
		return nil, err
	}
	location := "hooks"
	if h.Kind == KindAction {
		location = "actions"
		env = append(env,
			"JUJU_ACTION_NAME="+h.Name,
			"JUJU_ACTION_UUID="+h.ActionID,
			"JUJU_ACTION_TAG=action-"+h.ActionID,
		)
	}
	env = append(env, osVars(h.Unit)...)
	return append(env, "JUJU_DISPATCH_PATH="+location+"/"+h.Name), nil
}

// CommandEnviron returns the exact environment of a command run with
// RunCommand (juju exec): the hook-context variables with an empty
// JUJU_HOOK_NAME, c.Vars, and the OS variables; no JUJU_DISPATCH_PATH.
func CommandEnviron(c Command) ([]string, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	env, err := appendExtra(baseVars(c.Unit, c.ContextID, ""), c.Vars)
	if err != nil {
		return nil, err
	}
	return append(env, osVars(c.Unit)...), nil
}

// absCharmDir returns the absolute charm directory.
func absCharmDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("hookrun: charm directory: %w", err)
	}
	return abs, nil
}

// onMachine returns the unit's machine, the host when none is set.
func (u Unit) onMachine() machine.Machine {
	if u.Machine != nil {
		return u.Machine
	}
	return machine.NewHost(machine.HostConfig{ToolsDir: u.ToolsDir, Socket: u.SocketPath})
}
