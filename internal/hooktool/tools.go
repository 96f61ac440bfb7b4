package hooktool

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/juju/charm/v12"
	"github.com/juju/cmd/v3"
	"github.com/juju/gnuflag"
	"github.com/juju/juju/core/network"
	"github.com/juju/juju/core/quota"
	"github.com/juju/juju/core/status"
	"github.com/juju/loggo"
	"github.com/juju/utils/v3/keyvalues"
	"gopkg.in/yaml.v2"
)

// addOutputFlags adds --format smart|yaml|json (default smart) and
// -o/--output to f, as every output tool has them.
func addOutputFlags(out *cmd.Output, f *gnuflag.FlagSet) {
	out.AddFlags(f, "smart", cmd.DefaultFormatters.Formatters())
}

// info builds the cmd.Info of a tool. Juju's tools call flags "options" in
// messages ("option provided but not defined: --x") and help.
func info(name, args, purpose, doc string) *cmd.Info {
	return &cmd.Info{Name: name, Args: args, Purpose: purpose, Doc: strings.TrimSpace(doc), FlagKnownAs: "option"}
}

// ---- config-get ----

type configGetCommand struct {
	cmd.CommandBase
	ctx Context
	key string
	all bool
	out cmd.Output
}

func (c *configGetCommand) Info() *cmd.Info {
	return info("config-get", "[<key>]", "Print application configuration.", `
Without a key, prints the settings that have a value or a non-nil default;
with --all, every option including null ones. With a key, prints that
setting; a key that does not exist prints null and is not an error.`)
}

func (c *configGetCommand) SetFlags(f *gnuflag.FlagSet) {
	addOutputFlags(&c.out, f)
	f.BoolVar(&c.all, "a", false, "print all keys")
	f.BoolVar(&c.all, "all", false, "")
}

func (c *configGetCommand) Init(args []string) error {
	if len(args) == 0 {
		return nil
	}
	c.key = args[0]
	if c.key != "" && c.all {
		return fmt.Errorf("cannot use argument --all together with key %q", c.key)
	}
	return cmd.CheckEmpty(args[1:])
}

func (c *configGetCommand) Run(ctx *cmd.Context) error {
	settings, err := c.ctx.ConfigSettings()
	if err != nil {
		return err
	}
	if c.key != "" {
		return c.out.Write(ctx, settings[c.key])
	}
	value := make(map[string]any, len(settings))
	for k, v := range settings {
		if v != nil || c.all {
			value[k] = v
		}
	}
	return c.out.Write(ctx, value)
}

// ---- status-set ----

// settableStatuses are the statuses status-set accepts, in Juju's order.
var settableStatuses = []status.Status{status.Maintenance, status.Blocked, status.Waiting, status.Active}

type statusSetCommand struct {
	cmd.CommandBase
	ctx         Context
	status      string
	message     string
	application bool
}

func (c *statusSetCommand) Info() *cmd.Info {
	return info("status-set", "<maintenance | blocked | waiting | active> [message]", "Set status information.", `
Sets the unit's workload status, or with --application (leader only) the
application's status. Takes effect immediately.`)
}

func (c *statusSetCommand) SetFlags(f *gnuflag.FlagSet) {
	f.BoolVar(&c.application, "application", false, "set this status for the application to which the unit belongs if the unit is the leader")
}

func (c *statusSetCommand) Init(args []string) error {
	if len(args) < 1 {
		return errors.New("invalid args, require <status> [message]")
	}
	if !slices.Contains(settableStatuses, status.Status(args[0])) {
		return fmt.Errorf("invalid status %q, expected one of %v", args[0], settableStatuses)
	}
	c.status = args[0]
	if len(args) > 1 {
		c.message = args[1]
		return cmd.CheckEmpty(args[2:])
	}
	return nil
}

func (c *statusSetCommand) Run(ctx *cmd.Context) error {
	s := Status{Status: c.status, Message: c.message}
	if !c.application {
		return c.ctx.SetUnitStatus(s)
	}
	leader, err := c.ctx.IsLeader()
	if err != nil {
		return fmt.Errorf("cannot determine leadership: %w", err)
	}
	if !leader {
		return ErrNotLeader
	}
	return c.ctx.SetApplicationStatus(s)
}

// ---- status-get ----

type statusGetCommand struct {
	cmd.CommandBase
	ctx         Context
	includeData bool
	application bool
	out         cmd.Output
}

func (c *statusGetCommand) Info() *cmd.Info {
	return info("status-get", "[--include-data] [--application]", "Print status information.", `
Prints the unit's workload status word; with --include-data, also its message
and data; with --application (leader only), the application's status and its
units' statuses.`)
}

func (c *statusGetCommand) SetFlags(f *gnuflag.FlagSet) {
	addOutputFlags(&c.out, f)
	f.BoolVar(&c.includeData, "include-data", false, "print all status data")
	f.BoolVar(&c.application, "application", false, "print status for all units of this application if this unit is the leader")
}

func (c *statusGetCommand) Init(args []string) error {
	return cmd.CheckEmpty(args)
}

// statusDetails renders one status as status-get shows it.
func statusDetails(s Status, includeData bool) map[string]any {
	details := map[string]any{"status": s.Status}
	if includeData {
		data := make(map[string]any, len(s.Data))
		for k, v := range s.Data {
			data[k] = v
		}
		details["status-data"] = data
		details["message"] = s.Message
	}
	return details
}

func (c *statusGetCommand) Run(ctx *cmd.Context) error {
	if !c.application {
		s, err := c.ctx.UnitStatus()
		if err != nil {
			return fmt.Errorf("finding workload status: %w", err)
		}
		if !c.includeData && c.out.Name() == "smart" {
			return c.out.Write(ctx, s.Status)
		}
		return c.out.Write(ctx, statusDetails(s, c.includeData))
	}
	leader, err := c.ctx.IsLeader()
	if err != nil {
		return fmt.Errorf("finding application status: cannot determine leadership: %w", err)
	}
	if !leader {
		return fmt.Errorf("finding application status: %w", ErrNotLeader)
	}
	as, err := c.ctx.ApplicationStatus()
	if err != nil {
		return fmt.Errorf("finding application status: %w", err)
	}
	if !c.includeData && c.out.Name() == "smart" {
		return c.out.Write(ctx, as.Application.Status)
	}
	details := statusDetails(as.Application, c.includeData)
	units := make(map[string]any, len(as.Units))
	for tag, s := range as.Units {
		units[tag] = statusDetails(s, c.includeData)
	}
	details["units"] = units
	return c.out.Write(ctx, map[string]any{"application-status": details})
}

// ---- application-version-set ----

type applicationVersionSetCommand struct {
	cmd.CommandBase
	ctx     Context
	version string
}

func (c *applicationVersionSetCommand) Info() *cmd.Info {
	return info("application-version-set", "<new-version>", "Specify which version of the application is deployed.", `
Records the version of the workload software, shown by juju status.`)
}

func (c *applicationVersionSetCommand) Init(args []string) error {
	if len(args) < 1 {
		return errors.New("no version specified")
	}
	c.version = args[0]
	return cmd.CheckEmpty(args[1:])
}

func (c *applicationVersionSetCommand) Run(ctx *cmd.Context) error {
	return c.ctx.SetWorkloadVersion(c.version)
}

// ---- juju-log ----

type jujuLogCommand struct {
	cmd.CommandBase
	ctx     Context
	message string
	debug   bool
	level   string
	format  string
}

func (c *jujuLogCommand) Info() *cmd.Info {
	return info("juju-log", "<message>", "Write a message to the juju log.", `
Logs the message under the module unit.<unit>.juju-log, at INFO unless
--debug or -l/--log-level says otherwise.`)
}

func (c *jujuLogCommand) SetFlags(f *gnuflag.FlagSet) {
	f.BoolVar(&c.debug, "debug", false, "log at debug level")
	f.StringVar(&c.level, "l", "INFO", "Send log message at the given level")
	f.StringVar(&c.level, "log-level", "INFO", "")
	f.StringVar(&c.format, "format", "", "deprecated format flag")
}

func (c *jujuLogCommand) Init(args []string) error {
	if len(args) == 0 {
		return errors.New("no message specified")
	}
	c.message = strings.Join(args, " ")
	return nil
}

func (c *jujuLogCommand) Run(ctx *cmd.Context) error {
	if c.format != "" {
		fmt.Fprintf(ctx.Stderr, "--format flag deprecated for command %q", "juju-log")
	}
	module := "unit." + c.ctx.UnitName() + ".juju-log"
	level := loggo.INFO
	if c.debug {
		level = loggo.DEBUG
	} else if c.level != "" {
		parsed, ok := loggo.ParseLevel(c.level)
		if !ok {
			msg := fmt.Sprintf("Specified log level of %q is not valid", c.level)
			if err := c.ctx.Log(loggo.WARNING.String(), module, msg); err != nil {
				return err
			}
			parsed = loggo.INFO
		}
		level = parsed
	}
	if level == loggo.UNSPECIFIED {
		// Juju's logger drops messages logged at the UNSPECIFIED level.
		return nil
	}
	msg := c.message
	if rel := c.ctx.HookRelation(); rel != "" {
		msg = rel + ": " + msg
	}
	return c.ctx.Log(level.String(), module, msg)
}

// ---- open-port / close-port ----

type portCommand struct {
	cmd.CommandBase
	ctx       Context
	open      bool
	portRange network.PortRange
	endpoints string
	format    string
}

func newPortCommand(c Context, open bool) *portCommand {
	return &portCommand{ctx: c, open: open}
}

const portArgs = "<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp"

func (c *portCommand) name() string {
	if c.open {
		return "open-port"
	}
	return "close-port"
}

func (c *portCommand) Info() *cmd.Info {
	if c.open {
		return info("open-port", portArgs, "Register a request to open a port or port range.", `
Requests that the port or range be opened, for all endpoints or those given by
--endpoints. The protocol defaults to tcp. Applied when the hook succeeds.`)
	}
	return info("close-port", portArgs, "Register a request to close a port or port range.", `
Requests that the port or range be closed, for all endpoints or those given by
--endpoints. The protocol defaults to tcp. Applied when the hook succeeds.`)
}

func (c *portCommand) SetFlags(f *gnuflag.FlagSet) {
	f.StringVar(&c.format, "format", "", "deprecated format flag")
	f.StringVar(&c.endpoints, "endpoints", "", "a comma-delimited list of application endpoints to target with this operation")
}

func (c *portCommand) Init(args []string) error {
	if len(args) == 0 {
		return errors.New("no port or range specified")
	}
	pr, err := network.ParsePortRange(strings.ToLower(args[0]))
	if err != nil {
		return err
	}
	c.portRange = pr
	return cmd.CheckEmpty(args[1:])
}

func (c *portCommand) Run(ctx *cmd.Context) error {
	if c.format != "" {
		fmt.Fprintf(ctx.Stderr, "--format flag deprecated for command %q", c.name())
	}
	op := c.ctx.ClosePortRange
	if c.open {
		op = c.ctx.OpenPortRange
	}
	pr := PortRange{FromPort: c.portRange.FromPort, ToPort: c.portRange.ToPort, Protocol: c.portRange.Protocol}
	if c.endpoints == "" {
		return op("", pr)
	}
	for _, endpoint := range strings.Split(c.endpoints, ",") {
		if err := op(strings.TrimSpace(endpoint), pr); err != nil {
			return err
		}
	}
	return nil
}

// ---- opened-ports ----

type openedPortsCommand struct {
	cmd.CommandBase
	ctx       Context
	endpoints bool
	out       cmd.Output
}

func (c *openedPortsCommand) Info() *cmd.Info {
	return info("opened-ports", "", "List all ports or port ranges opened by the unit.", `
Lists the unit's opened ports as <port>/<protocol> or <from>-<to>/<protocol>;
with --endpoints, each followed by the endpoints it applies to ("*" = all).
Ports opened by the running hook are not listed until it succeeds.`)
}

func (c *openedPortsCommand) SetFlags(f *gnuflag.FlagSet) {
	addOutputFlags(&c.out, f)
	f.BoolVar(&c.endpoints, "endpoints", false, "display the list of target application endpoints for each port range")
}

func (c *openedPortsCommand) Init(args []string) error {
	return cmd.CheckEmpty(args)
}

func (c *openedPortsCommand) Run(ctx *cmd.Context) error {
	opened, err := c.ctx.OpenedPortRanges()
	if err != nil {
		return err
	}
	grouped := make(network.GroupedPortRanges, len(opened))
	for endpoint, ranges := range opened {
		for _, r := range ranges {
			grouped[endpoint] = append(grouped[endpoint], network.PortRange{FromPort: r.FromPort, ToPort: r.ToPort, Protocol: r.Protocol})
		}
	}
	if !c.endpoints {
		unique := grouped.UniquePortRanges()
		results := make([]string, len(unique))
		for i, pr := range unique {
			results[i] = pr.String()
		}
		return c.out.Write(ctx, results)
	}
	byRange := make(map[network.PortRange][]string)
	for endpoint, ranges := range grouped {
		for _, pr := range ranges {
			if !slices.Contains(byRange[pr], endpoint) {
				byRange[pr] = append(byRange[pr], endpoint)
			}
		}
	}
	ranges := make([]network.PortRange, 0, len(byRange))
	for pr := range byRange {
		ranges = append(ranges, pr)
	}
	network.SortPortRanges(ranges)
	results := make([]string, len(ranges))
	for i, pr := range ranges {
		endpoints := byRange[pr]
		descr := "*"
		if !slices.Contains(endpoints, "") {
			sort.Strings(endpoints)
			descr = strings.Join(endpoints, ", ")
		}
		results[i] = fmt.Sprintf("%s (%s)", pr, descr)
	}
	return c.out.Write(ctx, results)
}

// ---- relation-ids ----

type relationIDsCommand struct {
	cmd.CommandBase
	ctx      Context
	endpoint string
	out      cmd.Output
}

func (c *relationIDsCommand) Info() *cmd.Info {
	return info("relation-ids", "<name>", "List all relation IDs with the given relation name.", `
Only relation ids for relations which are not broken are included.`)
}

func (c *relationIDsCommand) SetFlags(f *gnuflag.FlagSet) {
	addOutputFlags(&c.out, f)
}

func (c *relationIDsCommand) Init(args []string) error {
	if r := c.ctx.HookRelation(); r != "" {
		c.endpoint, _, _ = strings.Cut(r, ":")
	}
	if len(args) > 0 {
		c.endpoint, args = args[0], args[1:]
	}
	if c.endpoint == "" {
		return errors.New("no endpoint name specified")
	}
	return cmd.CheckEmpty(args)
}

func (c *relationIDsCommand) Run(ctx *cmd.Context) error {
	ids, err := c.ctx.RelationIDs(c.endpoint)
	if err != nil {
		return err
	}
	return c.out.Write(ctx, ids)
}

// ---- is-leader ----

type isLeaderCommand struct {
	cmd.CommandBase
	ctx Context
	out cmd.Output
}

func (c *isLeaderCommand) Info() *cmd.Info {
	return info("is-leader", "", "Print application leadership status.", `
Prints True if this unit is its application's leader, else False.`)
}

func (c *isLeaderCommand) SetFlags(f *gnuflag.FlagSet) {
	addOutputFlags(&c.out, f)
}

func (c *isLeaderCommand) Run(ctx *cmd.Context) error {
	leader, err := c.ctx.IsLeader()
	if err != nil {
		return fmt.Errorf("leadership status unknown: %w", err)
	}
	return c.out.Write(ctx, leader)
}

// ---- unit-get ----

type unitGetCommand struct {
	cmd.CommandBase
	ctx Context
	key string
	out cmd.Output
}

func (c *unitGetCommand) Info() *cmd.Info {
	return info("unit-get", "<setting>", "Print public-address or private-address.", `
Prints the unit's address; <setting> is private-address or public-address.`)
}

func (c *unitGetCommand) SetFlags(f *gnuflag.FlagSet) {
	addOutputFlags(&c.out, f)
}

func (c *unitGetCommand) Init(args []string) error {
	if len(args) == 0 {
		return errors.New("no setting specified")
	}
	if args[0] != "private-address" && args[0] != "public-address" {
		return fmt.Errorf("unknown setting %q", args[0])
	}
	c.key = args[0]
	return cmd.CheckEmpty(args[1:])
}

func (c *unitGetCommand) Run(ctx *cmd.Context) error {
	if c.key == "public-address" {
		addr, err := c.ctx.PublicAddress()
		if err != nil {
			return err
		}
		return c.out.Write(ctx, addr)
	}
	// As Juju: the first address of the default binding, else the unit's
	// private address.
	ni, err := c.ctx.NetworkInfo("", -1)
	if err == nil && len(ni.BindAddresses) > 0 && len(ni.BindAddresses[0].Addresses) > 0 {
		first := ni.BindAddresses[0].Addresses[0]
		if first.Hostname != "" {
			return c.out.Write(ctx, first.Hostname)
		}
		return c.out.Write(ctx, first.Address)
	}
	addr, err := c.ctx.PrivateAddress()
	if err != nil {
		return err
	}
	return c.out.Write(ctx, addr)
}

// ---- network-get ----

type networkGetCommand struct {
	cmd.CommandBase
	ctx            Context
	binding        string
	relation       *int
	primaryAddress bool
	bindAddress    bool
	ingressAddress bool
	egressSubnets  bool
	keys           []string
	out            cmd.Output
}

// relationIDValue is the gnuflag.Value of network-get's -r/--relation.
type relationIDValue struct {
	ctx   Context
	id    int
	value string
}

func (v *relationIDValue) String() string { return v.value }

func (v *relationIDValue) Set(value string) error {
	trimmed := value
	if i := strings.LastIndex(trimmed, ":"); i != -1 {
		trimmed = trimmed[i+1:]
	}
	id, err := strconv.Atoi(trimmed)
	if err != nil {
		return errors.New("invalid relation id")
	}
	if _, err := v.ctx.Relation(id); err != nil {
		return err
	}
	v.id, v.value = id, value
	return nil
}

// relationID returns the numeric id of a "<endpoint>:<id>" relation.
func relationID(rel string) (int, bool) {
	if rel == "" {
		return 0, false
	}
	i := strings.LastIndex(rel, ":")
	id, err := strconv.Atoi(rel[i+1:])
	return id, err == nil
}

func (c *networkGetCommand) Info() *cmd.Info {
	return info("network-get", "<binding-name> [--ingress-address] [--bind-address] [--egress-subnets]", "Get network config.", `
Prints the network configuration of the unit for the binding (endpoint or
extra-binding); the flags select single values.`)
}

func (c *networkGetCommand) SetFlags(f *gnuflag.FlagSet) {
	addOutputFlags(&c.out, f)
	f.BoolVar(&c.primaryAddress, "primary-address", false, "(deprecated) get the primary address for the binding")
	f.BoolVar(&c.bindAddress, "bind-address", false, "get the address for the binding on which the unit should listen")
	f.BoolVar(&c.ingressAddress, "ingress-address", false, "get the ingress address for the binding")
	f.BoolVar(&c.egressSubnets, "egress-subnets", false, "get the egress subnets for the binding")
	c.relation = relationFlag(c.ctx, f)
}

func (c *networkGetCommand) Init(args []string) error {
	if len(args) < 1 {
		return errors.New("no arguments specified")
	}
	c.binding = args[0]
	if c.binding == "" {
		return errors.New("no binding name specified")
	}
	if c.bindAddress {
		c.keys = append(c.keys, "bind-address")
	}
	if c.ingressAddress {
		c.keys = append(c.keys, "ingress-address")
	}
	if c.egressSubnets {
		c.keys = append(c.keys, "egress-subnets")
	}
	return cmd.CheckEmpty(args[1:])
}

func (c *networkGetCommand) Run(ctx *cmd.Context) error {
	ni, err := c.ctx.NetworkInfo(c.binding, *c.relation)
	if err != nil {
		return err
	}
	if len(ni.BindAddresses) == 0 {
		return fmt.Errorf("no network config found for binding %q", c.binding)
	}
	noAddresses := fmt.Errorf("no addresses attached to space for binding %q", c.binding)
	if c.primaryAddress {
		if len(c.keys) > 0 {
			return errors.New("--primary-address must be the only flag specified")
		}
		if len(ni.BindAddresses[0].Addresses) == 0 {
			return noAddresses
		}
		return c.out.Write(ctx, ni.BindAddresses[0].Addresses[0].Address)
	}
	if len(c.keys) == 0 {
		return c.out.Write(ctx, networkDisplay(ni))
	}
	values := make(map[string]any)
	if c.egressSubnets {
		values["egress-subnets"] = ni.EgressSubnets
	}
	if c.ingressAddress {
		switch {
		case len(ni.IngressAddresses) > 0:
			values["ingress-address"] = ni.IngressAddresses[0]
		case len(ni.BindAddresses[0].Addresses) > 0:
			values["ingress-address"] = ni.BindAddresses[0].Addresses[0].Address
		default:
			return noAddresses
		}
	}
	if c.bindAddress {
		if len(ni.BindAddresses[0].Addresses) == 0 {
			return noAddresses
		}
		values["bind-address"] = ni.BindAddresses[0].Addresses[0].Address
	}
	if len(c.keys) == 1 {
		return c.out.Write(ctx, values[c.keys[0]])
	}
	return c.out.Write(ctx, values)
}

// The network-get output schema (the YAML form also carries Juju's legacy
// duplicate keys).
type (
	addressDisplay struct {
		Hostname string `json:"hostname" yaml:"hostname"`
		Value    string `json:"value" yaml:"value"`
		CIDR     string `json:"cidr" yaml:"cidr"`
		Address  string `json:"-" yaml:"address"`
	}
	interfaceDisplay struct {
		MACAddress          string           `json:"mac-address" yaml:"mac-address"`
		InterfaceName       string           `json:"interface-name" yaml:"interface-name"`
		Addresses           []addressDisplay `json:"addresses" yaml:"addresses"`
		LegacyMACAddress    string           `json:"-" yaml:"macaddress"`
		LegacyInterfaceName string           `json:"-" yaml:"interfacename"`
	}
	networkInfoDisplay struct {
		BindAddresses    []interfaceDisplay `json:"bind-addresses,omitempty" yaml:"bind-addresses,omitempty"`
		EgressSubnets    []string           `json:"egress-subnets,omitempty" yaml:"egress-subnets,omitempty"`
		IngressAddresses []string           `json:"ingress-addresses,omitempty" yaml:"ingress-addresses,omitempty"`
	}
)

func networkDisplay(ni NetworkInfo) networkInfoDisplay {
	d := networkInfoDisplay{
		BindAddresses:    make([]interfaceDisplay, len(ni.BindAddresses)),
		EgressSubnets:    append([]string{}, ni.EgressSubnets...),
		IngressAddresses: append([]string{}, ni.IngressAddresses...),
	}
	for i, b := range ni.BindAddresses {
		id := interfaceDisplay{
			MACAddress:          b.MACAddress,
			InterfaceName:       b.InterfaceName,
			Addresses:           make([]addressDisplay, len(b.Addresses)),
			LegacyMACAddress:    b.MACAddress,
			LegacyInterfaceName: b.InterfaceName,
		}
		for j, a := range b.Addresses {
			id.Addresses[j] = addressDisplay{Hostname: a.Hostname, Value: a.Address, CIDR: a.CIDR, Address: a.Address}
		}
		d.BindAddresses[i] = id
	}
	return d
}

// ---- action-get ----

type actionGetCommand struct {
	cmd.CommandBase
	ctx  Context
	keys []string
	out  cmd.Output
}

func (c *actionGetCommand) Info() *cmd.Info {
	return info("action-get", "[<key>[.<key>.<key>...]]", "Get action parameters.", `
Prints the running action's parameters, or the one named by a dotted key.`)
}

func (c *actionGetCommand) SetFlags(f *gnuflag.FlagSet) {
	addOutputFlags(&c.out, f)
}

func (c *actionGetCommand) Init(args []string) error {
	if len(args) > 0 {
		if err := cmd.CheckEmpty(args[1:]); err != nil {
			return err
		}
		c.keys = strings.Split(args[0], ".")
	}
	return nil
}

// lookupPath follows keys through nested maps.
func lookupPath(keys []string, m map[string]any) any {
	var cur any = m
	for _, k := range keys {
		switch typed := cur.(type) {
		case map[string]any:
			cur = typed[k]
		case map[any]any:
			cur = typed[k]
		default:
			return nil
		}
	}
	return cur
}

func (c *actionGetCommand) Run(ctx *cmd.Context) error {
	params, err := c.ctx.ActionParams()
	if err != nil {
		return err
	}
	if len(c.keys) == 0 {
		if params == nil {
			params = map[string]any{}
		}
		return c.out.Write(ctx, params)
	}
	return c.out.Write(ctx, lookupPath(c.keys, params))
}

// ---- action-set ----

// reservedActionKeys are the result keys Juju keeps for itself.
var reservedActionKeys = []string{"stdout", "stdout-encoding", "stderr", "stderr-encoding"}

type actionSetCommand struct {
	cmd.CommandBase
	ctx     Context
	results [][]string // each: key path..., value
}

func (c *actionSetCommand) Info() *cmd.Info {
	return info("action-set", "<key>=<value> [<key>=<value> ...]", "Set action results.", `
Sets results of the running action; dotted keys nest. Keys are lowercase
letters, digits and hyphens; values are strings.`)
}

func (c *actionSetCommand) Init(args []string) error {
	keyRule := charm.GetActionNameRule()
	for _, arg := range args {
		key, value, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("argument %q must be of the form key...=value", arg)
		}
		path := strings.Split(key, ".")
		for _, k := range path {
			if !keyRule.MatchString(k) {
				return fmt.Errorf("key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens", k)
			}
			if slices.Contains(reservedActionKeys, k) {
				return fmt.Errorf("cannot set reserved action key %q", k)
			}
		}
		c.results = append(c.results, append(path, value))
	}
	return nil
}

func (c *actionSetCommand) Run(ctx *cmd.Context) error {
	for _, r := range c.results {
		if err := c.ctx.SetActionResult(r[:len(r)-1], r[len(r)-1]); err != nil {
			return err
		}
	}
	return nil
}

// ---- action-fail ----

type actionFailCommand struct {
	cmd.CommandBase
	ctx     Context
	message string
}

func (c *actionFailCommand) Info() *cmd.Info {
	return info("action-fail", "[\"<failure message>\"]", "Set action fail status with message.", `
Marks the running action as failed; the hook keeps running.`)
}

func (c *actionFailCommand) Init(args []string) error {
	if len(args) == 0 {
		c.message = "action failed without reason given, check action for errors"
		return nil
	}
	c.message = args[0]
	return cmd.CheckEmpty(args[1:])
}

func (c *actionFailCommand) Run(ctx *cmd.Context) error {
	return c.ctx.FailAction(c.message)
}

// ---- action-log ----

type actionLogCommand struct {
	cmd.CommandBase
	ctx     Context
	message string
}

func (c *actionLogCommand) Info() *cmd.Info {
	return info("action-log", "<message>", "Record a progress message for the current action.", `
Records a progress message of the running action, immediately.`)
}

func (c *actionLogCommand) Init(args []string) error {
	if len(args) == 0 {
		return errors.New("no message specified")
	}
	c.message = strings.Join(args, " ")
	return nil
}

func (c *actionLogCommand) Run(ctx *cmd.Context) error {
	return c.ctx.LogAction(c.message)
}

// ---- state-get ----

type stateGetCommand struct {
	cmd.CommandBase
	ctx    Context
	key    string
	strict bool
	out    cmd.Output
}

func (c *stateGetCommand) Info() *cmd.Info {
	return info("state-get", "[<key>]", "Print charm data from server side charm state.", `
Prints the value of a charm-state key (empty when missing, an error with
--strict), or all keys when no key or "-" is given.`)
}

func (c *stateGetCommand) SetFlags(f *gnuflag.FlagSet) {
	addOutputFlags(&c.out, f)
	f.BoolVar(&c.strict, "strict", false, "Return an error if the requested key does not exist")
}

func (c *stateGetCommand) Init(args []string) error {
	if len(args) == 0 {
		return nil
	}
	if c.key = args[0]; c.key == "-" {
		c.key = ""
	}
	return cmd.CheckEmpty(args[1:])
}

func (c *stateGetCommand) Run(ctx *cmd.Context) error {
	state, err := c.ctx.CharmState()
	if err != nil {
		return err
	}
	if c.key == "" {
		if state == nil {
			state = map[string]string{}
		}
		return c.out.Write(ctx, state)
	}
	value, ok := state[c.key]
	if !ok && c.strict {
		return fmt.Errorf("%q not found", c.key)
	}
	return c.out.Write(ctx, value)
}

// ---- state-set ----

type stateSetCommand struct {
	cmd.CommandBase
	ctx    Context
	values map[string]string
	file   cmd.FileVar
}

func (c *stateSetCommand) Info() *cmd.Info {
	return info("state-set", "key=value [key=value ...]", "Set server-side-state values.", `
Sets charm-state keys from key=value arguments and/or a YAML map of strings
given with --file (a path, or - for standard input); arguments win.`)
}

func (c *stateSetCommand) SetFlags(f *gnuflag.FlagSet) {
	c.file.SetStdin()
	f.Var(&c.file, "file", "file containing key-value pairs")
}

func (c *stateSetCommand) Init(args []string) error {
	if len(args) == 0 {
		return nil
	}
	values, err := keyvalues.Parse(args, true)
	if err != nil {
		return err
	}
	c.values = values
	return nil
}

func (c *stateSetCommand) Run(ctx *cmd.Context) error {
	values := c.values
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
		fromFile := make(map[string]string)
		if err := yaml.Unmarshal(data, fromFile); err != nil {
			return err
		}
		for k, v := range c.values {
			fromFile[k] = v
		}
		values = fromFile
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := quota.CheckTupleSize(k, values[k], quota.MaxCharmStateKeySize, quota.MaxCharmStateValueSize); err != nil {
			return err
		}
		if err := c.ctx.SetCharmState(k, values[k]); err != nil {
			return err
		}
	}
	return nil
}

// ---- state-delete ----

type stateDeleteCommand struct {
	cmd.CommandBase
	ctx Context
	key string
}

func (c *stateDeleteCommand) Info() *cmd.Info {
	return info("state-delete", "<key>", "Delete server-side-state key value pairs.", `
Deletes a charm-state key.`)
}

func (c *stateDeleteCommand) Init(args []string) error {
	if len(args) == 0 {
		return nil
	}
	c.key = args[0]
	return cmd.CheckEmpty(args[1:])
}

func (c *stateDeleteCommand) Run(ctx *cmd.Context) error {
	if c.key == "" {
		return nil
	}
	return c.ctx.DeleteCharmState(c.key)
}
