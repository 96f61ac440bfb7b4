package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/juju/names/v5"

	"github.com/canonical/jujutest/internal/local/statusview"
	"github.com/canonical/jujutest/internal/logline"
)

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
	if level != "" {
		lv, err := logline.ParseLevel(level)
		if err != nil {
			return &usageError{err}
		}
		level = lv
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
	filter := logline.Filter{
		Level:         level,
		IncludeModule: includeModule,
		ExcludeModule: excludeModule,
		Replay:        replay,
		Lines:         lines.v,
		Limit:         limit.v,
	}
	if !lines.set && !limit.set && !replay {
		filter.Lines = logline.DefaultLines
	}
	for _, e := range include {
		filter.IncludeEntity = append(filter.IncludeEntity, logline.ParseEntity(e))
	}
	for _, e := range exclude {
		filter.ExcludeEntity = append(filter.ExcludeEntity, logline.ParseEntity(e))
	}
	opts := logline.FormatOptions{Date: date, Ms: ms}
	if utc {
		opts.Location = time.UTC
	}

	_, m, err := r.readModel(*model)
	if err != nil {
		return err
	}
	path := r.store.LogPath(m.UUID)
	recs, offset, err := readLogFrom(path, 0, filter)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if err := logline.Write(r.stdout, rec, opts); err != nil {
			return err
		}
	}
	if noTail {
		return nil
	}
	// Follow the log until interrupted or the model goes away.
	follow := filter
	follow.Replay, follow.Limit, follow.Lines = true, 0, 0
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return nil
		case <-ticker.C:
		}
		recs, n, err := readLogFrom(path, offset, follow)
		if err != nil {
			return err
		}
		offset += n
		for _, rec := range recs {
			if err := logline.Write(r.stdout, rec, opts); err != nil {
				return err
			}
		}
		st, err := r.store.Read(r.ctx)
		if err == nil && st.Models[m.UUID] == nil {
			return nil
		}
	}
}

// readLogFrom reads the records after offset in the log file that f
// selects, and how many bytes it consumed. A missing file has none.
func readLogFrom(path string, offset int64, f logline.Filter) ([]logline.Record, int64, error) {
	file, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	defer file.Close()
	if _, err := file.Seek(offset, io.SeekStart); err != nil {
		return nil, 0, err
	}
	return logline.Read(file, f)
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
		WorkloadVersion string         `json:"workload-version,omitempty" yaml:"workload-version,omitempty"`
		Machine         string         `json:"machine,omitempty" yaml:"machine,omitempty"`
		OpenedPorts     []string       `json:"opened-ports" yaml:"opened-ports"`
		PublicAddress   string         `json:"public-address,omitempty" yaml:"public-address,omitempty"`
		Charm           string         `json:"charm" yaml:"charm"`
		Leader          bool           `json:"leader" yaml:"leader"`
		Life            string         `json:"life,omitempty" yaml:"life,omitempty"`
		RelationInfo    []relationData `json:"relation-info,omitempty" yaml:"relation-info,omitempty"`
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
		ports := statusview.UnitPorts(u)
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
			RelationInfo:    relationInfo(m, name, endpoint, relatedUnit, appOnly),
		}
	}
	if out.format == "smart" {
		out.format = "yaml"
	}
	return r.write(out, result)
}
