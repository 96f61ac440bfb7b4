package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/juju/names/v5"

	"github.com/canonical/jujutest/internal/local/state"
)

// logLevels orders Juju's log levels.
var logLevels = map[string]int{"TRACE": 1, "DEBUG": 2, "INFO": 3, "WARNING": 4, "ERROR": 5, "CRITICAL": 6}

// intFlag is an int flag that knows whether it was set.
type intFlag struct {
	v   int
	set bool
}

func (f *intFlag) Set(s string) error {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		return fmt.Errorf("invalid value %q: expected a number", s)
	}
	f.v, f.set = n, true
	return nil
}

func (f *intFlag) String() string { return fmt.Sprint(f.v) }

// logFilter selects debug-log records as Juju's log streaming does.
type logFilter struct {
	level         int
	includeEntity []string
	excludeEntity []string
	includeModule []string
	excludeModule []string
}

// parseEntity turns an --include/--exclude value into a tag pattern:
// app -> unit-app-*, app/0 -> unit-app-0, 0 -> machine-0.
func parseEntity(e string) string {
	switch {
	case strings.Contains(e, "*"):
		return e
	case strings.HasPrefix(e, "unit-") || strings.HasPrefix(e, "machine-") || strings.HasPrefix(e, "application-"):
		if rest, ok := strings.CutPrefix(e, "application-"); ok {
			return "unit-" + rest + "-*"
		}
		return e
	case names.IsValidMachine(e):
		return "machine-" + e
	case names.IsValidUnit(e):
		return state.UnitTag(e)
	case names.IsValidApplication(e):
		return "unit-" + e + "-*"
	}
	return e
}

// globMatch matches a pattern where * matches any run of characters.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

func (f *logFilter) match(rec state.LogRecord) bool {
	if f.level > 0 && logLevels[rec.Level] < f.level {
		return false
	}
	if len(f.includeEntity) > 0 {
		ok := false
		for _, p := range f.includeEntity {
			if globMatch(p, rec.Entity) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, p := range f.excludeEntity {
		if globMatch(p, rec.Entity) {
			return false
		}
	}
	if len(f.includeModule) > 0 {
		ok := false
		for _, m := range f.includeModule {
			if rec.Module == m || strings.HasPrefix(rec.Module, m+".") {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, m := range f.excludeModule {
		if rec.Module == m || strings.HasPrefix(rec.Module, m+".") {
			return false
		}
	}
	return true
}

// logFormatter renders records in Juju's debug-log line format:
// "unit-app-0: 13:35:00 INFO unit.app/0.juju-log msg".
type logFormatter struct {
	layout string
	tz     *time.Location
}

func (f logFormatter) write(w io.Writer, rec state.LogRecord) {
	ts := rec.Time.In(f.tz).Format(f.layout)
	fmt.Fprintf(w, "%s: %s %s %s %s\n", rec.Entity, ts, rec.Level, rec.Module, rec.Message)
}

func (r *run) cmdDebugLog(args []string) error {
	fs := r.flags("debug-log")
	model := modelFlag(fs)
	var include, exclude, includeModule, excludeModule, includeLabel, excludeLabel []string
	var level string
	var lines, limit intFlag
	var replay, noTail, tail, color, utc, location, date, ms, retry bool
	retryDelay := time.Second
	fs.Var(stringsValue{&include}, "i", "Only show log messages for these entities")
	fs.Var(stringsValue{&include}, "include", "")
	fs.Var(stringsValue{&exclude}, "x", "Do not show log messages for these entities")
	fs.Var(stringsValue{&exclude}, "exclude", "")
	fs.Var(stringsValue{&includeModule}, "include-module", "Only show log messages for these logging modules")
	fs.Var(stringsValue{&excludeModule}, "exclude-module", "Do not show log messages for these logging modules")
	fs.Var(stringsValue{&includeLabel}, "include-label", "Only show log messages for these logging labels")
	fs.Var(stringsValue{&excludeLabel}, "exclude-label", "Do not show log messages for these logging labels")
	fs.StringVar(&level, "l", "", "Log level to show, one of [TRACE, DEBUG, INFO, WARNING, ERROR]")
	fs.StringVar(&level, "level", "", "")
	fs.Var(&lines, "n", "Show this many of the most recent lines and continue to append new ones")
	fs.Var(&lines, "lines", "")
	fs.Var(&limit, "limit", "Show this many of the most recent logs and then exit")
	fs.BoolVar(&replay, "replay", false, "Show the entire log and continue to append new ones")
	fs.BoolVar(&noTail, "no-tail", false, "Show existing log messages and then exit")
	fs.BoolVar(&tail, "tail", false, "Show existing log messages and continue to append new ones")
	fs.BoolVar(&color, "color", false, "Force use of ANSI color codes")
	fs.BoolVar(&utc, "utc", false, "Show times in UTC")
	fs.BoolVar(&location, "location", false, "Show filename and line numbers")
	fs.BoolVar(&date, "date", false, "Show dates as well as times")
	fs.BoolVar(&ms, "ms", false, "Show times to millisecond precision")
	fs.BoolVar(&retry, "retry", false, "Retry connection on failure")
	fs.DurationVar(&retryDelay, "retry-delay", time.Second, "Retry delay between connection failure retries")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	filter := logFilter{}
	if level != "" {
		lv, ok := logLevels[strings.ToUpper(level)]
		if !ok || lv > logLevels["ERROR"] {
			return usagef("level value %q is not one of %q, %q, %q, %q, %q", level, "TRACE", "DEBUG", "INFO", "WARNING", "ERROR")
		}
		filter.level = lv
	}
	switch {
	case tail && noTail:
		return usagef("setting --tail and --no-tail not valid")
	case noTail && retry:
		return usagef("setting --no-tail and --retry not valid")
	case noTail && lines.set:
		return usagef("setting --no-tail and --lines not valid")
	case tail && limit.set:
		return usagef("setting --tail and --limit not valid")
	case limit.set && lines.set:
		return usagef("setting --limit and --lines not valid")
	case replay && lines.set:
		return usagef("setting --replay and --lines not valid")
	case retryDelay < 0:
		return usagef("negative retry delay not valid")
	}
	if err := noArgs(fs.Args()); err != nil {
		return err
	}
	if limit.set {
		noTail = true
	}
	backlog := lines.v
	if !lines.set && !limit.set && !replay {
		backlog = 10
	}
	for _, e := range include {
		filter.includeEntity = append(filter.includeEntity, parseEntity(e))
	}
	for _, e := range exclude {
		filter.excludeEntity = append(filter.excludeEntity, parseEntity(e))
	}
	filter.includeModule, filter.excludeModule = includeModule, excludeModule
	f := logFormatter{layout: "15:04:05", tz: time.Local}
	if date {
		f.layout = "2006-01-02 15:04:05"
	}
	if ms {
		f.layout += ".000"
	}
	if utc {
		f.tz = time.UTC
	}

	_, m, err := r.readModel(*model)
	if err != nil {
		return err
	}
	reader := state.NewLogReader(r.store.LogPath(m.UUID))
	recs, err := reader.Next()
	if err != nil {
		return err
	}
	var matched []state.LogRecord
	for _, rec := range recs {
		if filter.match(rec) {
			matched = append(matched, rec)
		}
	}
	switch {
	case limit.set && replay:
		if len(matched) > limit.v {
			matched = matched[:limit.v]
		}
	case limit.set:
		if len(matched) > limit.v {
			matched = matched[len(matched)-limit.v:]
		}
	case !replay:
		if len(matched) > backlog {
			matched = matched[len(matched)-backlog:]
		}
	}
	for _, rec := range matched {
		f.write(r.stdout, rec)
	}
	if noTail {
		return nil
	}
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return nil
		case <-ticker.C:
		}
		recs, err := reader.Next()
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if filter.match(rec) {
				f.write(r.stdout, rec)
			}
		}
		st, err := r.store.Read(r.ctx)
		if err == nil && st.Models[m.UUID] == nil {
			return nil
		}
	}
}

func (r *run) cmdShowUnit(args []string) error {
	fs := r.flags("show-unit")
	model := modelFlag(fs)
	var endpoint, relatedUnit string
	var appOnly bool
	fs.StringVar(&endpoint, "endpoint", "", "Only show relation data for the specified endpoint")
	fs.StringVar(&relatedUnit, "related-unit", "", "Only show relation data for the specified unit")
	fs.BoolVar(&appOnly, "app", false, "Only show application relation data")
	out := outputFlags(fs, "yaml")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	if err := out.check("yaml", "json", "smart"); err != nil {
		return err
	}
	units := fs.Args()
	if len(units) == 0 {
		return usagef("an unit name must be supplied")
	}
	for _, u := range units {
		if !names.IsValidUnit(u) {
			return usagef("invalid unit name %v", u)
		}
	}
	_, m, err := r.readModel(*model)
	if err != nil {
		return err
	}
	type unitInfo struct {
		WorkloadVersion string   `json:"workload-version,omitempty" yaml:"workload-version,omitempty"`
		Machine         string   `json:"machine,omitempty" yaml:"machine,omitempty"`
		OpenedPorts     []string `json:"opened-ports" yaml:"opened-ports"`
		PublicAddress   string   `json:"public-address,omitempty" yaml:"public-address,omitempty"`
		Charm           string   `json:"charm" yaml:"charm"`
		Leader          bool     `json:"leader" yaml:"leader"`
		Life            string   `json:"life,omitempty" yaml:"life,omitempty"`
	}
	result := map[string]unitInfo{}
	for _, name := range units {
		a, u := m.Unit(name)
		if u == nil {
			return fmt.Errorf("unit %q not found", name)
		}
		addr := ""
		if mc := m.Machines[u.Machine]; mc != nil {
			addr = mc.Address
		}
		ports := unitPorts(u)
		if ports == nil {
			ports = []string{}
		}
		result[name] = unitInfo{
			WorkloadVersion: u.WorkloadVersion,
			Machine:         u.Machine,
			OpenedPorts:     ports,
			PublicAddress:   addr,
			Charm:           a.CharmURL(),
			Leader:          a.Leader == name,
			Life:            u.Life,
		}
	}
	if out.format == "smart" {
		out.format = "yaml"
	}
	return r.write(out, result)
}
