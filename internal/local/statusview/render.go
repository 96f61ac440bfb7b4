// Package statusview renders a model's state as Juju 3.6's "juju status"
// does (the JSON/YAML schema and the tabular form) and implements the status
// command. It imports only light packages, so that the juju-local front
// binary, which jujutest.Wait runs every second, starts fast.
package statusview

import (
	"fmt"
	"io"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	corestatus "github.com/juju/juju/core/status"

	"github.com/juju/charm/v12/hooks"

	"github.com/canonical/jujutest/internal/local/proc"
	"github.com/canonical/jujutest/internal/local/state"
)

// The types below give `juju status --format json|yaml` Juju 3.6's schema
// (cmd/juju/status/formatted.go): field names, order and omitempty rules.

type fmtStatus struct {
	Model        fmtModel              `json:"model" yaml:"model"`
	Machines     map[string]fmtMachine `json:"machines" yaml:"machines"`
	Applications map[string]fmtApp     `json:"applications" yaml:"applications"`
	Storage      *fmtStorage           `json:"storage,omitempty" yaml:"storage,omitempty"`
	Controller   *fmtController        `json:"controller,omitempty" yaml:"controller,omitempty"`
	// Relations feed the tabular format's --relations section; Juju's
	// JSON and YAML have no top-level relations.
	Relations []fmtRelation `json:"-" yaml:"-"`
}

// fmtRelation is one row of the tabular relations section.
type fmtRelation struct {
	Provider, Requirer, Interface, Type, Status string
}

// fmtAppRelation is one entry of an application's relations.
type fmtAppRelation struct {
	RelatedApp string `json:"related-application" yaml:"related-application"`
	Interface  string `json:"interface" yaml:"interface"`
	Scope      string `json:"scope" yaml:"scope"`
}

type fmtStorage struct{}

type fmtController struct {
	Timestamp string `json:"timestamp,omitempty" yaml:"timestamp,omitempty"`
}

type fmtModel struct {
	Name       string        `json:"name" yaml:"name"`
	Type       string        `json:"type" yaml:"type"`
	Controller string        `json:"controller" yaml:"controller"`
	Cloud      string        `json:"cloud" yaml:"cloud"`
	Region     string        `json:"region,omitempty" yaml:"region,omitempty"`
	Version    string        `json:"version" yaml:"version"`
	Status     fmtStatusInfo `json:"model-status" yaml:"model-status,omitempty"`
	SLA        string        `json:"sla,omitempty" yaml:"sla,omitempty"`
}

type fmtStatusInfo struct {
	Current string `json:"current,omitempty" yaml:"current,omitempty"`
	Message string `json:"message,omitempty" yaml:"message,omitempty"`
	Reason  string `json:"reason,omitempty" yaml:"reason,omitempty"`
	Since   string `json:"since,omitempty" yaml:"since,omitempty"`
	Version string `json:"version,omitempty" yaml:"version,omitempty"`
	Life    string `json:"life,omitempty" yaml:"life,omitempty"`
}

type fmtBase struct {
	Name    string `json:"name" yaml:"name"`
	Channel string `json:"channel" yaml:"channel"`
}

type fmtMachine struct {
	JujuStatus         fmtStatusInfo `json:"juju-status" yaml:"juju-status,omitempty"`
	Hostname           string        `json:"hostname,omitempty" yaml:"hostname,omitempty"`
	DNSName            string        `json:"dns-name,omitempty" yaml:"dns-name,omitempty"`
	IPAddresses        []string      `json:"ip-addresses,omitempty" yaml:"ip-addresses,omitempty"`
	InstanceID         string        `json:"instance-id,omitempty" yaml:"instance-id,omitempty"`
	MachineStatus      fmtStatusInfo `json:"machine-status" yaml:"machine-status,omitempty"`
	ModificationStatus fmtStatusInfo `json:"modification-status" yaml:"modification-status,omitempty"`
	Base               *fmtBase      `json:"base,omitempty" yaml:"base,omitempty"`
	Hardware           string        `json:"hardware,omitempty" yaml:"hardware,omitempty"`
}

type fmtApp struct {
	Charm            string                      `json:"charm" yaml:"charm"`
	Base             *fmtBase                    `json:"base,omitempty" yaml:"base,omitempty"`
	CharmOrigin      string                      `json:"charm-origin" yaml:"charm-origin"`
	CharmName        string                      `json:"charm-name" yaml:"charm-name"`
	CharmRev         int                         `json:"charm-rev" yaml:"charm-rev"`
	CharmVersion     string                      `json:"charm-version,omitempty" yaml:"charm-version,omitempty"`
	Exposed          bool                        `json:"exposed" yaml:"exposed"`
	Life             string                      `json:"life,omitempty" yaml:"life,omitempty"`
	Status           fmtStatusInfo               `json:"application-status" yaml:"application-status"`
	Relations        map[string][]fmtAppRelation `json:"relations,omitempty" yaml:"relations,omitempty"`
	Units            map[string]fmtUnit          `json:"units,omitempty" yaml:"units,omitempty"`
	Version          string                      `json:"version,omitempty" yaml:"version,omitempty"`
	EndpointBindings map[string]string           `json:"endpoint-bindings,omitempty" yaml:"endpoint-bindings,omitempty"`
}

type fmtUnit struct {
	Workload      fmtStatusInfo `json:"workload-status" yaml:"workload-status,omitempty"`
	Juju          fmtStatusInfo `json:"juju-status" yaml:"juju-status,omitempty"`
	Leader        bool          `json:"leader,omitempty" yaml:"leader,omitempty"`
	Machine       string        `json:"machine,omitempty" yaml:"machine,omitempty"`
	OpenPorts     []string      `json:"open-ports,omitempty" yaml:"open-ports,omitempty"`
	PublicAddress string        `json:"public-address,omitempty" yaml:"public-address,omitempty"`
	Address       string        `json:"address,omitempty" yaml:"address,omitempty"`
}

// timeFormatter formats status times as Juju does: local time by default,
// UTC ISO-like with --utc or JUJU_STATUS_ISO_TIME=true.
type timeFormatter struct{ iso bool }

func (f timeFormatter) since(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if f.iso {
		return t.UTC().Format("2006-01-02 15:04:05Z")
	}
	return t.Local().Format("02 Jan 2006 15:04:05Z07:00")
}

func (f timeFormatter) timestamp(t time.Time) string {
	if f.iso {
		return t.UTC().Format("15:04:05")
	}
	return t.Local().Format("15:04:05Z07:00")
}

func (f timeFormatter) info(s state.Status) fmtStatusInfo {
	return fmtStatusInfo{Current: s.Current, Message: s.Message, Since: f.since(s.Since)}
}

// agentLost reports whether the model runs hooks and its agent process has
// died (a pid that is gone or reused; a zombie counts as dead).
func agentLost(m *state.Model) bool {
	return m.AllowHost && m.Agent != nil && !proc.Running(m.Agent.PID, m.Agent.StartTicks)
}

// unitWorkload returns the workload status juju status shows for a unit: a
// failed hook shows as error "hook failed: <hook>".
func unitWorkload(u *state.Unit) state.Status {
	if u.HookError != "" {
		return state.Status{Current: "error", Message: fmt.Sprintf("hook failed: %q", u.HookError), Since: u.HookErrorSince}
	}
	return u.Workload
}

// appStatus returns the application status: the one the leader set, or
// the one derived from the units' workload statuses with Juju's own
// severity rules.
func appStatus(a *state.Application) state.Status {
	if !a.Status.IsZero() {
		return a.Status
	}
	infos := make([]corestatus.StatusInfo, 0, len(a.Units))
	for _, name := range a.UnitNames() {
		w := unitWorkload(a.Units[name])
		since := w.Since
		infos = append(infos, corestatus.StatusInfo{Status: corestatus.Status(w.Current), Message: w.Message, Since: &since})
	}
	d := corestatus.DeriveStatus(infos)
	out := state.Status{Current: string(d.Status), Message: d.Message}
	if d.Since != nil {
		out.Since = *d.Since
	} else {
		out.Since = a.Created
	}
	return out
}

// appVersion returns the workload version of the unit whose version was
// set most recently.
func appVersion(a *state.Application) string {
	var v string
	var since time.Time
	for _, u := range a.Units {
		if u.WorkloadVersion != "" && (v == "" || u.WorkloadVersionSince.After(since)) {
			v, since = u.WorkloadVersion, u.WorkloadVersionSince
		}
	}
	return v
}

// UnitPorts returns the unit's opened ports (all endpoints) as Juju
// renders them, sorted by protocol, then port.
func UnitPorts(u *state.Unit) []string {
	seen := map[state.PortRange]bool{}
	var ranges []state.PortRange
	for _, rs := range u.Ports {
		for _, p := range rs {
			if !seen[p] {
				seen[p] = true
				ranges = append(ranges, p)
			}
		}
	}
	sort.Slice(ranges, func(i, j int) bool {
		a, b := ranges[i], ranges[j]
		if a.Protocol != b.Protocol {
			return a.Protocol < b.Protocol
		}
		if a.From != b.From {
			return a.From < b.From
		}
		return a.To < b.To
	})
	out := make([]string, len(ranges))
	for i, p := range ranges {
		out[i] = p.String()
	}
	return out
}

// buildStatus renders a model's state in Juju's status schema.
func buildStatus(m *state.Model, tf timeFormatter, now time.Time, patterns []string) fmtStatus {
	fs := fmtStatus{
		Model: fmtModel{
			Name: m.Name, Type: "iaas", Controller: state.ControllerName, Cloud: "localhost", Region: "localhost",
			Version: Version, Status: tf.info(m.Status), SLA: "unsupported",
		},
		Machines:     map[string]fmtMachine{},
		Applications: map[string]fmtApp{},
	}
	usedMachines := map[string]bool{}
	// A model whose agent has died shows its units' agents lost, as Juju
	// does when a unit agent stops talking to the controller
	// (apiserver/common/unitstatus.go), until the supervisor restarts it.
	lost := agentLost(m)
	for name, a := range m.Applications {
		appMatch := matchAny(patterns, name)
		fa := fmtApp{
			Charm:        a.CharmURL(),
			CharmOrigin:  "local",
			CharmName:    a.CharmName,
			CharmRev:     a.CharmRev,
			CharmVersion: a.CharmVersion,
			Exposed:      a.Exposed,
			Status:       tf.info(appStatus(a)),
			Version:      appVersion(a),
		}
		if a.Life == state.Dying {
			fa.Life = state.Dying
		}
		if a.Base.Name != "" {
			fa.Base = &fmtBase{Name: a.Base.Name, Channel: a.Base.Channel}
		}
		fa.Relations = appRelations(m, name)
		fa.EndpointBindings = map[string]string{"": "alpha"}
		for _, ep := range a.Endpoints {
			fa.EndpointBindings[ep] = "alpha"
		}
		for un, u := range a.Units {
			if !appMatch && !matchAny(patterns, un) {
				continue
			}
			if fa.Units == nil {
				fa.Units = map[string]fmtUnit{}
			}
			addr := ""
			if mc := m.Machines[u.Machine]; mc != nil {
				addr = mc.Address
			}
			agent := tf.info(u.Agent)
			agent.Version = Version
			if u.HookError != "" {
				agent = fmtStatusInfo{Current: "idle", Since: tf.since(u.HookErrorSince), Version: Version}
			}
			wl := tf.info(unitWorkload(u))
			if lost {
				agent = fmtStatusInfo{Current: "lost", Message: "agent is not communicating with the server", Since: tf.since(u.Agent.Since), Version: Version}
				wl = fmtStatusInfo{Current: "unknown", Message: fmt.Sprintf("agent lost, see 'juju show-status-log %s'", un), Since: wl.Since}
			}
			if u.Life == state.Dying {
				wl.Life = state.Dying
			}
			fa.Units[un] = fmtUnit{
				Workload:      wl,
				Juju:          agent,
				Leader:        a.Leader == un,
				Machine:       u.Machine,
				OpenPorts:     UnitPorts(u),
				PublicAddress: addr,
			}
			usedMachines[u.Machine] = true
		}
		if !appMatch && fa.Units == nil {
			continue
		}
		fs.Applications[name] = fa
	}
	for id, mc := range m.Machines {
		if len(patterns) > 0 && !usedMachines[id] && !matchAny(patterns, id) {
			continue
		}
		since := tf.since(mc.Created)
		agent := fmtStatusInfo{Current: "started", Since: since, Version: Version}
		inst := fmtStatusInfo{Current: "running", Message: "Running", Since: since}
		if !mc.Agent.IsZero() { // an LXD machine: statuses as its provisioner set them
			agent = fmtStatusInfo{Current: mc.Agent.Current, Message: mc.Agent.Message, Since: tf.since(mc.Agent.Since)}
			if mc.Agent.Current == "started" {
				agent.Version = Version
			}
			inst = fmtStatusInfo{Current: mc.Instance.Current, Message: mc.Instance.Message, Since: tf.since(mc.Instance.Since)}
		}
		var addrs []string
		if mc.Address != "" {
			addrs = []string{mc.Address}
		}
		instanceID := mc.InstanceID
		if instanceID == "" {
			instanceID = "pending"
		}
		fs.Machines[id] = fmtMachine{
			JujuStatus:         agent,
			Hostname:           mc.Hostname,
			DNSName:            mc.Address,
			IPAddresses:        addrs,
			InstanceID:         instanceID,
			MachineStatus:      inst,
			ModificationStatus: fmtStatusInfo{Current: "idle", Since: since},
			Base:               &fmtBase{Name: mc.Base.Name, Channel: mc.Base.Channel},
			Hardware:           mc.Hardware,
		}
	}
	for _, r := range m.SortedRelations() {
		fs.Relations = append(fs.Relations, tabularRelation(r))
	}
	fs.Controller = &fmtController{Timestamp: tf.timestamp(now)}
	return fs
}

// appRelations returns an application's relations as Juju's status shows
// them: by endpoint, the related applications sorted, each with the
// relation's interface and scope.
func appRelations(m *state.Model, app string) map[string][]fmtAppRelation {
	out := map[string][]fmtAppRelation{}
	for _, r := range m.RelationsOf(app) {
		ep, _ := r.Endpoint(app)
		other := r.Other(app)
		out[ep.Name] = append(out[ep.Name], fmtAppRelation{RelatedApp: other.App, Interface: ep.Interface, Scope: ep.Scope})
	}
	for name, rels := range out {
		sort.Slice(rels, func(i, j int) bool { return rels[i].RelatedApp < rels[j].RelatedApp })
		out[name] = rels
	}
	return out
}

// tabularRelation is r as a row of the relations section: "joining" until
// a unit entered it (in Juju, its leader sets "joined" then), "joined"
// after, a dying relation included (Juju's "broken" is for a dead one,
// which status no longer lists).
func tabularRelation(r *state.Relation) fmtRelation {
	var provider, requirer state.Endpoint
	for _, ep := range r.Endpoints {
		switch ep.Role {
		case state.RolePeer:
			provider, requirer = ep, ep
		case state.RoleProvider:
			provider = ep
		case state.RoleRequirer:
			requirer = ep
		}
	}
	row := fmtRelation{Provider: provider.String(), Requirer: requirer.String(), Interface: provider.Interface, Type: "regular", Status: "joined"}
	if r.IsPeer() {
		row.Type = "peer"
	}
	if len(r.InScope()) == 0 {
		row.Status = "joining"
	}
	return row
}

// matchAny reports whether name matches one of the status patterns (no
// patterns match everything).
func matchAny(patterns []string, name string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// writeTabularStatus prints the status as Juju's default tabular format:
// Model, App, Unit and Machine sections.
func writeTabularStatus(w io.Writer, s fmtStatus, relations bool) {
	tw := tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "Model\tController\tCloud/Region\tVersion\tSLA\tTimestamp")
	fmt.Fprintf(tw, "%s\t%s\t%s/%s\t%s\t%s\t%s\n", s.Model.Name, s.Model.Controller, s.Model.Cloud, s.Model.Region, s.Model.Version, s.Model.SLA, s.Controller.Timestamp)
	tw.Flush()
	if len(s.Applications) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
		fmt.Fprintln(tw, "App\tVersion\tStatus\tScale\tCharm\tChannel\tRev\tExposed\tMessage")
		names := slices.Sorted(maps.Keys(s.Applications))
		units := map[string]fmtUnit{}
		for _, n := range names {
			a := s.Applications[n]
			exposed := "no"
			if a.Exposed {
				exposed = "yes"
			}
			version := strings.Split(a.Version, "\n")[0]
			if len(version) > 15 {
				version = version[:12] + "..."
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\t%d\t%s\t%s\n", n, version, a.Status.Current, appScale(a), a.CharmName, a.CharmRev, exposed, truncateMessage(a.Status.Message))
			for un, u := range a.Units {
				units[un] = u
			}
		}
		tw.Flush()
		if len(units) > 0 {
			fmt.Fprintln(w)
			tw = tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
			fmt.Fprintln(tw, "Unit\tWorkload\tAgent\tMachine\tPublic address\tPorts\tMessage")
			un := make([]string, 0, len(units))
			for n := range units {
				un = append(un, n)
			}
			state.SortUnitNames(un)
			for _, n := range un {
				u := units[n]
				msg := u.Workload.Message
				if u.Juju.Current == "allocating" && msg == "" {
					msg = u.Juju.Message
				}
				if doing := agentDoing(u.Juju); doing != "" {
					msg = fmt.Sprintf("(%s) %s", doing, msg)
				}
				name := n
				if u.Leader {
					name += "*"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, u.Workload.Current, u.Juju.Current, u.Machine, u.PublicAddress, strings.Join(u.OpenPorts, ","), truncateMessage(msg))
			}
			tw.Flush()
		}
	}
	if len(s.Machines) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
		fmt.Fprintln(tw, "Machine\tState\tAddress\tInst id\tBase\tAZ\tMessage")
		ids := slices.Sorted(maps.Keys(s.Machines))
		for _, id := range ids {
			mc := s.Machines[id]
			base := ""
			if mc.Base != nil {
				base = mc.Base.Name + "@" + mc.Base.Channel
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\t%s\n", id, mc.JujuStatus.Current, mc.DNSName, mc.InstanceID, base, mc.MachineStatus.Message)
		}
		tw.Flush()
	}
	if relations && len(s.Relations) > 0 {
		rels := slices.Clone(s.Relations)
		sort.Slice(rels, func(i, j int) bool {
			if rels[i].Provider != rels[j].Provider {
				return rels[i].Provider < rels[j].Provider
			}
			return rels[i].Requirer < rels[j].Requirer
		})
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
		fmt.Fprintln(tw, "Integration provider\tRequirer\tInterface\tType\tMessage")
		for _, r := range rels {
			msg := ""
			if r.Status != "joined" {
				msg = r.Status
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Provider, r.Requirer, r.Interface, r.Type, msg)
		}
		tw.Flush()
	}
	if len(s.Applications) == 0 && len(s.Machines) == 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Model %q is empty.\n", s.Model.Name)
	}
}

// agentDoing returns the hook or action an executing agent runs, as
// Juju's tabular status finds it in the agent message: a unit hook's or a
// relation hook kind's name ("running install hook"), or an action's
// ("running action greet"). A relation hook's message names the endpoint
// ("running upstream-relation-joined hook for upstream/0"), which Juju's
// pattern does not match, so it shows nothing.
func agentDoing(agent fmtStatusInfo) string {
	if agent.Current != "executing" {
		return ""
	}
	if m := hookMessage.FindStringSubmatch(agent.Message); m != nil {
		return m[1]
	}
	if action, ok := strings.CutPrefix(agent.Message, "running action "); ok {
		return action
	}
	return ""
}

// hookMessage is Juju's pattern (cmd/juju/status/output_tabular.go).
var hookMessage = func() *regexp.Regexp {
	var names []string
	for _, h := range hooks.UnitHooks() {
		names = append(names, string(h))
	}
	for _, h := range hooks.RelationHooks() {
		names = append(names, string(h))
	}
	return regexp.MustCompile(fmt.Sprintf(`running (?P<hook>%s?) hook`, strings.Join(names, "|")))
}()

// writeShortStatus prints the one-line-per-unit summary format.
func writeShortStatus(w io.Writer, s fmtStatus) {
	var lines []string
	for _, a := range s.Applications {
		for un, u := range a.Units {
			lines = append(lines, fmt.Sprintf("- %s: %s (agent:%s, workload:%s) %s", un, u.PublicAddress, u.Juju.Current, u.Workload.Current, strings.Join(u.OpenPorts, ", ")))
		}
	}
	sort.Strings(lines)
	fmt.Fprintln(w)
	for _, l := range lines {
		fmt.Fprintln(w, strings.TrimRight(l, " "))
	}
}

// appScale is the Scale column: units whose agent runs, or "n/m".
func appScale(a fmtApp) string {
	current, desired := 0, 0
	for _, u := range a.Units {
		desired++
		if u.Workload.Current == "terminated" {
			continue
		}
		switch u.Juju.Current {
		case "executing", "idle", "running":
			current++
		}
	}
	if current == desired {
		return strconv.Itoa(current)
	}
	return fmt.Sprintf("%d/%d", current, desired)
}

// truncateMessage shortens long status messages as Juju's tabular output.
func truncateMessage(msg string) string {
	if len(msg) > 120 {
		return msg[:117] + "..."
	}
	return msg
}
