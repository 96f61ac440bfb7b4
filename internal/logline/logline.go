// Package logline holds the local backend's debug-log records: how they are
// stored (JSON lines), filtered (juju debug-log's --level, --include,
// --exclude, --include-module, --exclude-module, --replay, --lines, --limit)
// and printed (juju debug-log's line format).
package logline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/juju/loggo"
	"github.com/juju/names/v5"
)

// Record is one debug-log record.
type Record struct {
	// Time is when the record was logged.
	Time time.Time `json:"time"`
	// Entity is the tag of the agent that logged it: "unit-tinyproxy-0",
	// "machine-0".
	Entity string `json:"entity"`
	// Level is the level name: TRACE, DEBUG, INFO, WARNING, ERROR or
	// CRITICAL.
	Level string `json:"level"`
	// Module is the logger module, e.g. "unit.tinyproxy/0.juju-log".
	Module string `json:"module"`
	// Message is the message text.
	Message string `json:"message"`
}

// UnitEntity returns the debug-log entity of a unit: "tinyproxy/0" gives
// "unit-tinyproxy-0". An invalid unit name is returned as "unit-" + name with
// "/" replaced, so it never panics.
func UnitEntity(unit string) string {
	if names.IsValidUnit(unit) {
		return names.NewUnitTag(unit).String()
	}
	return "unit-" + strings.ReplaceAll(unit, "/", "-")
}

// MachineEntity returns the debug-log entity of a machine: "0" gives
// "machine-0".
func MachineEntity(id string) string {
	if names.IsValidMachine(id) {
		return names.NewMachineTag(id).String()
	}
	return "machine-" + id
}

// Append writes r to w as one JSON line. Each call makes a single Write, so
// appends from several processes to a file opened with O_APPEND do not
// interleave.
func Append(w io.Writer, r Record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding log record: %w", err)
	}
	data = append(data, '\n')
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("writing log record: %w", err)
	}
	return nil
}

// FormatOptions are juju debug-log's display flags.
type FormatOptions struct {
	// Date shows the date as well as the time (--date).
	Date bool
	// Ms shows times to the millisecond (--ms).
	Ms bool
	// Location is the time zone to show times in; nil means time.Local
	// (--utc passes time.UTC).
	Location *time.Location
}

// Format renders r as juju debug-log prints it (without colour):
// "unit-tinyproxy-0: 13:35:00 INFO unit.tinyproxy/0.juju-log msg".
func Format(r Record, opts FormatOptions) string {
	layout := "15:04:05"
	if opts.Date {
		layout = "2006-01-02 15:04:05"
	}
	if opts.Ms {
		layout += ".000"
	}
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	return fmt.Sprintf("%s: %s %s %s %s", r.Entity, r.Time.In(loc).Format(layout), r.Level, r.Module, r.Message)
}

// Write writes r to w in Format's form, followed by a newline.
func Write(w io.Writer, r Record, opts FormatOptions) error {
	_, err := io.WriteString(w, Format(r, opts)+"\n")
	return err
}

// ParseLevel checks a --level value as juju debug-log does and returns the
// canonical level name ("warn" gives "WARNING").
func ParseLevel(s string) (string, error) {
	level, ok := loggo.ParseLevel(s)
	if !ok || level < loggo.TRACE || level > loggo.ERROR {
		return "", fmt.Errorf("level value %q is not one of %q, %q, %q, %q, %q",
			s, loggo.TRACE, loggo.DEBUG, loggo.INFO, loggo.WARNING, loggo.ERROR)
	}
	return level.String(), nil
}

// levelValue returns the numeric severity of a level name (0 if unknown).
func levelValue(name string) loggo.Level {
	level, _ := loggo.ParseLevel(name)
	return level
}

// ParseEntity turns an --include/--exclude argument into the entity pattern
// juju debug-log sends: an application "app" gives "unit-app-*", a unit
// "app/0" gives "unit-app-0", a machine "0" gives "machine-0"; tags and
// patterns containing "*" are kept as they are.
func ParseEntity(s string) string {
	tag, err := names.ParseTag(s)
	switch {
	case strings.Contains(s, "*"):
		return s
	case err == nil && (tag.Kind() == names.ApplicationTagKind || tag.Kind() == names.MachineTagKind || tag.Kind() == names.UnitTagKind):
		return tag.String()
	case names.IsValidMachine(s):
		return names.NewMachineTag(s).String()
	case names.IsValidUnit(s):
		return names.NewUnitTag(s).String()
	case names.IsValidApplication(s):
		return names.UnitTagKind + "-" + s + "-*"
	default:
		return s
	}
}

// DefaultLines is how many recent records juju debug-log shows when neither
// --replay, --lines nor --limit is given.
const DefaultLines = 10

// Filter selects records as juju debug-log's options do. The zero value
// selects every record.
type Filter struct {
	// Level is the minimum level name ("" = all levels).
	Level string
	// IncludeEntity and ExcludeEntity are entity patterns as returned by
	// ParseEntity ("*" matches any run of characters).
	IncludeEntity, ExcludeEntity []string
	// IncludeModule and ExcludeModule are modules; a module also matches
	// its sub-modules ("unit.app/0" matches "unit.app/0.juju-log").
	IncludeModule, ExcludeModule []string
	// Replay starts from the first record; otherwise only the last Lines
	// (or Limit) matching records are returned.
	Replay bool
	// Lines is the number of recent records to show when not replaying
	// (--lines / -n). Zero means none, unless Limit is set.
	Lines int
	// Limit is the maximum number of records to return (--limit); zero
	// means no limit. Without Replay it selects the last Limit records, as
	// Juju's server does.
	Limit int
}

// Matcher is a compiled Filter's record predicate.
type Matcher struct {
	minLevel                     loggo.Level
	includeEntity, excludeEntity *regexp.Regexp
	includeModule, excludeModule *regexp.Regexp
}

// Matcher compiles the filter's record predicate (level, entities, modules).
func (f Filter) Matcher() (*Matcher, error) {
	m := &Matcher{}
	if f.Level != "" {
		name, err := ParseLevel(f.Level)
		if err != nil {
			return nil, err
		}
		m.minLevel = levelValue(name)
	}
	var err error
	if m.includeEntity, err = entityPattern(f.IncludeEntity); err != nil {
		return nil, err
	}
	if m.excludeEntity, err = entityPattern(f.ExcludeEntity); err != nil {
		return nil, err
	}
	if m.includeModule, err = modulePattern(f.IncludeModule); err != nil {
		return nil, err
	}
	if m.excludeModule, err = modulePattern(f.ExcludeModule); err != nil {
		return nil, err
	}
	return m, nil
}

func entityPattern(entities []string) (*regexp.Regexp, error) {
	if len(entities) == 0 {
		return nil, nil
	}
	parts := make([]string, len(entities))
	for i, e := range entities {
		parts[i] = strings.ReplaceAll(regexp.QuoteMeta(e), regexp.QuoteMeta("*"), ".*")
	}
	return regexp.Compile(`^(` + strings.Join(parts, "|") + `)$`)
}

func modulePattern(modules []string) (*regexp.Regexp, error) {
	if len(modules) == 0 {
		return nil, nil
	}
	parts := make([]string, len(modules))
	for i, m := range modules {
		parts[i] = regexp.QuoteMeta(m)
	}
	return regexp.Compile(`^(` + strings.Join(parts, "|") + `)(\..+)?$`)
}

// Match reports whether r passes the level, entity and module filters.
func (m *Matcher) Match(r Record) bool {
	if m.minLevel > loggo.UNSPECIFIED && levelValue(r.Level) < m.minLevel {
		return false
	}
	if m.includeEntity != nil && !m.includeEntity.MatchString(r.Entity) {
		return false
	}
	if m.excludeEntity != nil && m.excludeEntity.MatchString(r.Entity) {
		return false
	}
	if m.includeModule != nil && !m.includeModule.MatchString(r.Module) {
		return false
	}
	if m.excludeModule != nil && m.excludeModule.MatchString(r.Module) {
		return false
	}
	return true
}

// Read reads JSON-line records from r and returns those f selects, in
// order, together with the number of bytes read up to the end of the last
// complete line: a follower (debug-log without --no-tail) can continue from
// that offset with a Filter that has Replay set. An incomplete last line
// (being written) is not consumed; a malformed complete line is an error
// naming its line number.
func Read(r io.Reader, f Filter) ([]Record, int64, error) {
	m, err := f.Matcher()
	if err != nil {
		return nil, 0, err
	}
	keep := 0 // 0 = unlimited (replay) or none
	switch {
	case f.Replay:
	case f.Limit > 0:
		keep = f.Limit
	case f.Lines > 0:
		keep = f.Lines
	default:
		// Not replaying and no backlog: nothing from history.
		n, err := consumed(r)
		return nil, n, err
	}
	var out []Record
	var offset int64
	br := bufio.NewReaderSize(r, 64*1024)
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			break // incomplete or empty last line: not consumed
		}
		if err != nil {
			return nil, 0, fmt.Errorf("reading log records: %w", err)
		}
		offset += int64(len(line))
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, 0, fmt.Errorf("log record on line %d: %w", lineNo, err)
		}
		if !m.Match(rec) {
			continue
		}
		if f.Replay {
			out = append(out, rec)
			if f.Limit > 0 && len(out) == f.Limit {
				// Stop consuming here: the caller continues after it.
				return out, offset, nil
			}
			continue
		}
		out = append(out, rec)
		if len(out) > keep {
			out = out[1:]
		}
	}
	return out, offset, nil
}

// consumed returns the length of r up to the end of its last complete line.
func consumed(r io.Reader) (int64, error) {
	var n, pending int64
	buf := make([]byte, 64*1024)
	for {
		k, err := r.Read(buf)
		for _, b := range buf[:k] {
			pending++
			if b == '\n' {
				n += pending
				pending = 0
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, fmt.Errorf("reading log records: %w", err)
		}
	}
}

// LoggingConfig is a model's logging-config ("<root>=INFO;unit=DEBUG"): the
// minimum level a module's records need to be recorded at all. Juju's default
// is "<root>=INFO", under which hook output logged at DEBUG is dropped.
type LoggingConfig struct {
	levels map[string]loggo.Level
}

// DefaultLoggingConfig is Juju's default model logging-config.
const DefaultLoggingConfig = "<root>=INFO"

// ParseLoggingConfig parses a logging-config value with Juju's own parser.
func ParseLoggingConfig(s string) (LoggingConfig, error) {
	cfg, err := loggo.ParseConfigString(s)
	if err != nil {
		return LoggingConfig{}, fmt.Errorf("invalid logging-config %q: %w", s, err)
	}
	levels := make(map[string]loggo.Level, len(cfg))
	for module, level := range cfg {
		levels[module] = level
	}
	return LoggingConfig{levels: levels}, nil
}

// Enabled reports whether a record of the given level and module is logged:
// the most specific configured ancestor module's level applies ("<root>"
// when none; INFO when not even that is configured).
func (c LoggingConfig) Enabled(module, level string) bool {
	min := loggo.INFO
	if root, ok := c.levels[""]; ok { // loggo's key for <root>
		min = root
	}
	for m := strings.ToLower(module); m != ""; {
		if l, ok := c.levels[m]; ok {
			min = l
			break
		}
		i := strings.LastIndex(m, ".")
		if i < 0 {
			break
		}
		m = m[:i]
	}
	return levelValue(level) >= min
}
