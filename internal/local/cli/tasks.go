package cli

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/juju/charm/v12"
	"github.com/juju/gnuflag"
	"github.com/juju/names/v5"
	"github.com/juju/utils/v3"
	"gopkg.in/yaml.v2"

	"github.com/canonical/jujutest/internal/local/model"
	"github.com/canonical/jujutest/internal/local/state"
)

// Unit references as Juju's action commands accept them.
var (
	validLeader       = regexp.MustCompile("^(" + names.ApplicationSnippet + ")/leader$")
	validUnitOrLeader = regexp.MustCompile("^(" + names.ApplicationSnippet + ")/(" + names.NumberSnippet + "|leader)$")
)

// taskOptions are the flags exec and run share.
type taskOptions struct {
	background bool
	wait       time.Duration
	utc        bool
	color      bool
	noColor    bool
	out        *output
}

func taskFlags(r *run, name string, defaultFormat string) (*gnuflag.FlagSet, *taskOptions) {
	fs := r.flags(name)
	o := &taskOptions{}
	fs.BoolVar(&o.background, "background", false, "Run the task in the background")
	fs.DurationVar(&o.wait, "wait", 0, "Maximum wait time for a task to complete")
	fs.BoolVar(&o.noColor, "no-color", false, "Disable ANSI color codes in output")
	fs.BoolVar(&o.color, "color", false, "Use ANSI color codes in output")
	fs.BoolVar(&o.utc, "utc", false, "Show times in UTC")
	o.out = outputFlags(fs, defaultFormat)
	return fs, o
}

// initWait applies Juju's rules for --wait and --background.
func (o *taskOptions) initWait(defaultWait time.Duration) error {
	if o.background && o.wait > 0 {
		return usagef("cannot specify both --wait and --background")
	}
	if !o.background && o.wait == 0 {
		o.wait = defaultWait
	}
	return nil
}

// enqueued is one task the command waits for.
type enqueued struct {
	id       string
	receiver string // unit name or machine id
	tag      string // unit-app-0 or machine-0
}

func (r *run) cmdExec(args []string) error {
	fs, o := taskFlags(r, "exec", "plain")
	modelRef := modelFlag(fs)
	var all, operator bool
	parallel := true
	var executionGroup string
	var machines, apps, units []string
	fs.BoolVar(&all, "all", false, "Run the commands on all the machines")
	fs.BoolVar(&operator, "operator", false, "Run the commands on the operator (k8s-only)")
	fs.BoolVar(&parallel, "parallel", true, "Run the commands in parallel without first acquiring a lock")
	fs.StringVar(&executionGroup, "execution-group", "", "Commands in the same execution group are run sequentially")
	fs.Var(commaStrings{&machines}, "machine", "One or more machine ids")
	fs.Var(commaStrings{&apps}, "a", "One or more application names")
	fs.Var(commaStrings{&apps}, "app", "")
	fs.Var(commaStrings{&apps}, "application", "")
	fs.Var(commaStrings{&units}, "u", "One or more unit ids")
	fs.Var(commaStrings{&units}, "unit", "")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	if err := o.out.check("plain", "json", "yaml"); err != nil {
		return err
	}
	if err := o.initWait(5 * time.Minute); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usagef("no commands specified")
	}
	command := execCommandLine(rest)
	if all {
		switch {
		case len(machines) > 0:
			return usagef("You cannot specify --all and individual machines")
		case len(apps) > 0:
			return usagef("You cannot specify --all and individual applications")
		case len(units) > 0:
			return usagef("You cannot specify --all and individual units")
		}
	} else if len(machines) == 0 && len(apps) == 0 && len(units) == 0 {
		return usagef("You must specify a target, either through --all, --machine, --application or --unit")
	}
	var nameErrors []string
	for _, id := range machines {
		if !names.IsValidMachine(id) {
			nameErrors = append(nameErrors, fmt.Sprintf("  %q is not a valid machine id", id))
		}
	}
	for _, a := range apps {
		if !names.IsValidApplication(a) {
			nameErrors = append(nameErrors, fmt.Sprintf("  %q is not a valid application name", a))
		}
	}
	for _, u := range units {
		if !validLeader.MatchString(u) && !names.IsValidUnit(u) {
			nameErrors = append(nameErrors, fmt.Sprintf("  %q is not a valid unit name", u))
		}
	}
	if len(nameErrors) > 0 {
		return usagef("The following exec targets are not valid:\n%s", strings.Join(nameErrors, "\n"))
	}
	if operator {
		return errors.New("only k8s models support the --operator flag")
	}

	var tasks []enqueued
	var opID, uuid string
	now := time.Now()
	var pruned []string // finished tasks dropped from the state
	err := r.updateModel(*modelRef, func(st *state.State, m *state.Model) error {
		uuid = m.UUID
		q, err := model.Exec(st, m, model.ExecRequest{
			All: all, Machines: machines, Apps: apps, Units: units,
			Command: command, Timeout: execTimeout(o), Now: now,
		})
		if err != nil {
			return err
		}
		if err := r.requireHost(m); err != nil {
			return err
		}
		opID, pruned, tasks = q.Operation, q.Pruned, enqueuedTasks(q)
		return nil
	})
	if err != nil {
		return err
	}
	r.store.RemoveTaskOutput(uuid, pruned) // only once the state no longer has them
	if err := r.ensureAgent(uuid); err != nil {
		return err
	}
	return r.waitAndReport(uuid, opID, tasks, o, !r.verbose, "exec")
}

// execTimeout is how long the agent lets an exec command run: the --wait
// time plus a grace period, so that the waiting CLI reports the timeout
// first, as Juju's does (0 = no limit).
func execTimeout(o *taskOptions) time.Duration {
	if o.background || o.wait <= 0 {
		return 0
	}
	return o.wait + 2*time.Second
}

// enqueuedTasks are the tasks of q, as waitAndReport follows them.
func enqueuedTasks(q *model.Queued) []enqueued {
	out := make([]enqueued, len(q.Tasks))
	for i, t := range q.Tasks {
		out[i] = enqueued{id: t.ID, receiver: t.Receiver.Name, tag: t.Receiver.Tag}
	}
	return out
}

func (r *run) cmdRun(args []string) error {
	fs, o := taskFlags(r, "run", "plain")
	modelRef := modelFlag(fs)
	var paramsFile string
	var stringArgs bool
	fs.StringVar(&paramsFile, "params", "", "Path to yaml-formatted params file")
	fs.BoolVar(&stringArgs, "string-args", false, "Use raw string values of CLI args")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	if err := o.out.check("plain", "json", "yaml"); err != nil {
		return err
	}
	if err := o.initWait(60 * time.Second); err != nil {
		return err
	}
	rest := fs.Args()
	nameRule := charm.GetActionNameRule()
	var receivers []string
	var actionName string
	appNames := map[string]bool{}
	for _, arg := range rest {
		if s := validUnitOrLeader.FindStringSubmatch(arg); s != nil {
			appNames[s[1]] = true
			receivers = append(receivers, arg)
		} else if nameRule.MatchString(arg) {
			actionName = arg
			break
		} else {
			return usagef("invalid unit or action name %q", arg)
		}
	}
	if len(receivers) == 0 {
		return usagef("no unit specified")
	}
	if actionName == "" {
		return usagef("no action specified")
	}
	if len(appNames) > 1 {
		return usagef("all units must be of the same application")
	}
	var kvArgs [][]string
	for _, arg := range rest[len(receivers)+1:] {
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			return usagef("argument %q must be of the form key.key.key...=value", arg)
		}
		keys := strings.Split(k, ".")
		for _, key := range keys {
			if !nameRule.MatchString(key) {
				return usagef("key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens", key)
			}
		}
		kvArgs = append(kvArgs, append(keys, v))
	}
	params := map[string]any{}
	if paramsFile != "" {
		m, err := readYAMLMap(paramsFile, r.stdin)
		if err != nil {
			return err
		}
		params = conformYAML(m).(map[string]any)
	}
	for _, kv := range kvArgs {
		keys, raw := kv[:len(kv)-1], kv[len(kv)-1]
		var value any = raw
		if !stringArgs {
			if err := yaml.Unmarshal([]byte(raw), &value); err != nil {
				return err
			}
		}
		addValueToMap(keys, conformYAML(value), params)
	}

	_, m, err := r.readModel(*modelRef)
	if err != nil {
		return err
	}
	// Validate the action against the charm's actions.yaml, per unit, as
	// Juju's server does when it enqueues the tasks.
	var tasks []enqueued
	var enqueueErrs []string
	var opID string
	now := time.Now()
	specs := map[string]*charm.Actions{}
	for app := range appNames {
		if a := m.Applications[app]; a != nil {
			ch, err := charm.ReadCharmArchive(a.Archive)
			if err != nil {
				return err
			}
			specs[app] = ch.Actions()
		}
	}
	var pruned []string // finished tasks dropped from the state
	err = r.updateModel(*modelRef, func(st *state.State, m *state.Model) error {
		q := model.Run(st, m, model.RunRequest{Units: receivers, Action: actionName, Params: params, Specs: specs, Now: now})
		opID, pruned, tasks, enqueueErrs = q.Operation, q.Pruned, enqueuedTasks(q), q.Errors
		if len(tasks) > 0 {
			return r.requireHost(m)
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.store.RemoveTaskOutput(m.UUID, pruned) // only once the state no longer has them
	if len(tasks) == 0 {
		r.infof("Operation %s failed to schedule any tasks:\n%s", opID, strings.Join(enqueueErrs, "\n"))
		return nil
	}
	if err := r.ensureAgent(m.UUID); err != nil {
		return err
	}
	if len(enqueueErrs) > 0 {
		r.infof("Some actions could not be scheduled:\n%s\n", strings.Join(enqueueErrs, "\n"))
		r.infof("")
	}
	return r.waitAndReport(m.UUID, opID, tasks, o, false, "run")
}

// waitAndReport prints progress, waits for the tasks and prints their
// results as Juju's exec and run do; a task with a non-zero return code
// makes the command fail after printing.
func (r *run) waitAndReport(uuid, opID string, tasks []enqueued, o *taskOptions, hideProgress bool, cmd string) error {
	progress := func(format string, args ...any) {
		if !hideProgress {
			r.infof(format, args...)
		}
	}
	plural := ""
	if len(tasks) > 1 {
		plural = "s"
	}
	if !o.background {
		progress("Running operation %s with %d task%s", opID, len(tasks), plural)
		for _, t := range tasks {
			progress("  - task %s on %s", t.id, t.tag)
		}
		progress("")
	}
	if o.background {
		if len(tasks) == 1 {
			r.infof("Scheduled operation %s with task %s", opID, tasks[0].id)
			r.infof("Check operation status with 'juju show-operation %s'", opID)
			r.infof("Check task status with 'juju show-task %s'", tasks[0].id)
			return nil
		}
		r.infof("Scheduled operation %s with %d tasks", opID, len(tasks))
		info := map[string]any{}
		for _, t := range tasks {
			info[t.receiver] = map[string]string{"id": t.id}
		}
		data, _ := yaml.Marshal(info)
		if _, err := r.stdout.Write(data); err != nil {
			return err
		}
		r.infof("Check operation status with 'juju show-operation %s'", opID)
		r.infof("Check task status with 'juju show-task <id>'")
		return nil
	}

	deadline := time.Now().Add(o.wait)
	if o.wait < 0 {
		deadline = time.Time{}
	}
	info := map[string]any{}
	failed := map[string]int{}
	logsShown := 0
	for i, t := range tasks {
		progress("Waiting for task %s...", t.id)
		task, err := r.waitTask(uuid, t.id, deadline, func(tk *state.Task) {
			if i != 0 || len(tasks) != 1 || cmd != "run" {
				return
			}
			for ; logsShown < len(tk.Log); logsShown++ {
				l := tk.Log[logsShown]
				ts := l.Time.Local()
				if o.utc {
					ts = l.Time.UTC()
				}
				r.infof("%s %s", ts.Format("15:04:05"), l.Message)
			}
		})
		if i == 0 && logsShown > 0 {
			progress("")
		}
		if err != nil {
			if errors.Is(err, errTaskTimeout) {
				var pending []string
				for _, rest := range tasks[i:] {
					pending = append(pending, readableTag(rest.tag))
				}
				sort.Strings(pending)
				return fmt.Errorf("timed out waiting for results from: %s", strings.Join(pending, ", "))
			}
			return err
		}
		if err := r.store.LoadTaskOutput(uuid, task); err != nil {
			return err
		}
		res, code := formatTaskResult(task, t, o.utc)
		info[t.receiver] = res
		if code >= 1 {
			failed[t.id] = code
		}
	}
	w, closeFn, err := r.writer(o.out)
	if err != nil {
		return err
	}
	switch o.out.format {
	case "json", "yaml":
		if err := r.write(&output{format: o.out.format, path: ""}, info); err != nil {
			return err
		}
	default:
		if cmd == "exec" {
			printExecPlain(w, info)
		} else {
			printRunPlain(w, info)
		}
	}
	if err := closeFn(); err != nil {
		return err
	}
	if len(failed) > 0 {
		plural := ""
		if len(failed) > 1 {
			plural = "s"
		}
		var list []string
		for id, code := range failed {
			list = append(list, fmt.Sprintf(" - id %q with return code %d", id, code))
		}
		sort.Strings(list)
		return fmt.Errorf("the following task%s failed:\n%s\n\nuse 'juju show-task' to inspect the failure%s\n",
			plural, strings.Join(list, "\n"), plural)
	}
	return nil
}

// readableTag renders a tag as Juju's names.ReadableString: "unit
// app/0", "machine 0".
func readableTag(tag string) string {
	if rest, ok := strings.CutPrefix(tag, "machine-"); ok {
		return "machine " + rest
	}
	if rest, ok := strings.CutPrefix(tag, "unit-"); ok {
		i := strings.LastIndexByte(rest, '-')
		if i > 0 {
			return "unit " + rest[:i] + "/" + rest[i+1:]
		}
	}
	return tag
}

// errTaskTimeout is returned by waitTask when --wait runs out.
var errTaskTimeout = errors.New("maximum wait time reached")

// waitTask polls the state until the task is done or the deadline passes,
// calling seen with each snapshot of the task.
func (r *run) waitTask(uuid, id string, deadline time.Time, seen func(*state.Task)) (*state.Task, error) {
	delay := 20 * time.Millisecond
	for {
		st, err := r.store.Read(r.ctx)
		if err != nil {
			return nil, err
		}
		m := st.Models[uuid]
		if m == nil {
			return nil, errors.New("model was destroyed while waiting for the task")
		}
		t := m.Tasks[id]
		if t == nil {
			return nil, fmt.Errorf("task %s not found", id)
		}
		seen(t)
		if t.Done() {
			return t, nil
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return nil, errTaskTimeout
		}
		select {
		case <-r.ctx.Done():
			return nil, r.ctx.Err()
		case <-time.After(delay):
		}
		if delay < 200*time.Millisecond {
			delay = delay * 3 / 2
		}
	}
}

// formatTaskResult renders a finished task as Juju's formatActionResult,
// and returns its return code (-1 when there is none).
func formatTaskResult(t *state.Task, e enqueued, utc bool) (map[string]any, int) {
	res := map[string]any{"id": t.ID, "status": t.Status}
	if strings.HasPrefix(e.tag, "unit-") {
		res["unit"] = e.receiver
	} else {
		res["machine"] = e.receiver
	}
	if t.Message != "" {
		res["message"] = t.Message
	}
	results := map[string]any{}
	for k, v := range t.Results {
		results[k] = v
	}
	if t.Stdout != "" {
		results["stdout"] = strings.ReplaceAll(t.Stdout, "\r\n", "\n")
	}
	if t.Stderr != "" {
		results["stderr"] = strings.ReplaceAll(t.Stderr, "\r\n", "\n")
	}
	code := t.ReturnCode
	if t.Status == state.TaskAborted && t.Completed.IsZero() {
		code = -1
	} else {
		results["return-code"] = code
	}
	res["results"] = results
	if len(t.Log) > 0 {
		var logs []string
		for _, l := range t.Log {
			logs = append(logs, fmt.Sprintf("%s %s", timeString(l.Time, utc), l.Message))
		}
		res["log"] = logs
	}
	timing := map[string]string{}
	for k, v := range map[string]time.Time{"enqueued": t.Enqueued, "started": t.Started, "completed": t.Completed} {
		if !v.IsZero() {
			timing[k] = timeString(v, utc)
		}
	}
	res["timing"] = timing
	return res, code
}

// timeString renders a time as Go's Time.String in local time (UTC with
// --utc), as Juju's task output does.
func timeString(t time.Time, utc bool) string {
	if utc {
		t = t.UTC()
	} else {
		t = t.Local()
	}
	// Juju keeps task times at the database's millisecond precision.
	return t.Truncate(time.Millisecond).String()
}

// printExecPlain prints exec's plain output: each target's stdout then
// stderr, prefixed by its name when there are several.
func printExecPlain(w io.Writer, info map[string]any) {
	outputs := map[string]string{}
	var keys []string
	for name, v := range info {
		keys = append(keys, name)
		meta, _ := v.(map[string]any)
		results, _ := meta["results"].(map[string]any)
		if s, ok := results["stdout"].(string); ok {
			outputs[name] += forceNewline(s)
		}
		if s, ok := results["stderr"].(string); ok {
			outputs[name] += forceNewline(s)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return state.LessUnitName(keys[i], keys[j]) })
	for _, name := range keys {
		if len(outputs) > 1 {
			fmt.Fprintf(w, "%s:\n", name)
		}
		fmt.Fprint(w, outputs[name])
		if len(outputs) > 1 {
			fmt.Fprintln(w)
		}
	}
}

func forceNewline(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}

// printRunPlain prints run's plain output as Juju's printPlainOutput.
func printRunPlain(w io.Writer, info map[string]any) {
	type entry struct {
		id, status, message, output string
		hasMessage                  bool
	}
	entries := map[string]entry{}
	var stdout, stderr string
	for k, v := range info {
		meta, _ := v.(map[string]any)
		e := entry{status: fmt.Sprint(meta["status"]), id: fmt.Sprint(meta["id"])}
		if msg, ok := meta["message"]; ok {
			e.message, e.hasMessage = fmt.Sprint(msg), true
		}
		if results, ok := meta["results"].(map[string]any); ok {
			rest := map[string]any{}
			for rk, rv := range results {
				rk = strings.ToLower(rk)
				if rk == "stdout" && rv != "" {
					stdout = fmt.Sprint(rv)
				}
				if rk == "stderr" && rv != "" {
					stderr = fmt.Sprint(rv)
				}
				switch rk {
				case "return-code", "stdout", "stderr", "stdout-encoding", "stderr-encoding":
				default:
					rest[rk] = rv
				}
			}
			if len(rest) > 0 {
				data, _ := yaml.Marshal(rest)
				e.output = string(data)
			}
		} else {
			e.output = fmt.Sprintf("Task %s %s\n", e.id, e.status)
		}
		entries[k] = e
	}
	if len(entries) > 1 {
		m := map[string]any{}
		for k, e := range entries {
			em := map[string]any{"id": e.id, "output": e.output, "status": e.status}
			if e.hasMessage {
				em["message"] = e.message
			}
			m[k] = em
		}
		data, _ := yaml.Marshal(m)
		_, _ = w.Write(data) // like the Fprintf lines below: a broken stdout has nowhere to report to
	} else {
		for _, e := range entries {
			if e.status == state.TaskFailed {
				fmt.Fprintf(w, "Action id %s failed: %s\n", e.id, e.message)
			}
			fmt.Fprintln(w, e.output)
		}
	}
	if stdout != "" {
		fmt.Fprintln(w, strings.Trim(stdout, "\n"))
	}
	if stderr != "" {
		fmt.Fprintln(w, strings.Trim(stderr, "\n"))
	}
}

// commaStrings is a comma-separated list flag with the semantics of Juju's
// cmd.StringsValue: each use replaces the list with the value split at
// commas (so the last --unit wins, and "a," gives an empty, invalid name).
type commaStrings struct{ p *[]string }

// Set implements gnuflag.Value.
func (v commaStrings) Set(s string) error {
	*v.p = strings.Split(s, ",")
	return nil
}

// String implements gnuflag.Value.
func (v commaStrings) String() string {
	if v.p == nil {
		return ""
	}
	return strings.Join(*v.p, ",")
}

// execCommandLine is the command line exec runs, as Juju's exec builds it:
// a single argument is used as it is (it may hold a whole shell command,
// e.g. "hostname; ls -l"); several arguments are joined by
// utils.CommandString, which double-quotes the ones that need it.
func execCommandLine(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return utils.CommandString(args...)
}

// addValueToMap sets a dotted key path in target, as Juju's run does.
func addValueToMap(keys []string, value any, target map[string]any) {
	next := target
	for i, k := range keys {
		if i == len(keys)-1 {
			next[k] = value
			return
		}
		m, ok := next[k].(map[string]any)
		if !ok {
			m = map[string]any{}
			next[k] = m
		}
		next = m
	}
}

// conformYAML turns YAML's map[any]any into map[string]any, recursively.
func conformYAML(v any) any {
	switch t := v.(type) {
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[fmt.Sprint(k)] = conformYAML(val)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[k] = conformYAML(val)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = conformYAML(val)
		}
		return out
	}
	return v
}
