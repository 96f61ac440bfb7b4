package jujutest

import "context"

// DebugLogOptions are the options of DebugLog. The zero value returns the
// last 10 lines of the model's log, Juju's default.
type DebugLogOptions struct {
	// Limit returns at most this many lines (--limit).
	Limit int
	// Lines starts this many lines before the end of the log (--lines).
	// Juju rejects it together with Limit or Replay.
	Lines int
	// Replay starts from the beginning of the log (--replay).
	Replay bool
	// Level is the lowest level shown: TRACE, DEBUG, INFO, WARNING or
	// ERROR (--level).
	Level string
	// Include and Exclude select entities: an application (all its
	// units), a unit or a machine (--include, --exclude).
	Include []string
	Exclude []string
	// IncludeModule and ExcludeModule select logging modules, such as
	// "juju.worker.uniter" (--include-module, --exclude-module).
	IncludeModule []string
	ExcludeModule []string
}

// DebugLog runs "juju debug-log --no-tail" and returns the log lines.
// It never follows the log, so it returns once the lines asked for are
// printed. A nil opts means the defaults.
func (j *Juju) DebugLog(ctx context.Context, opts *DebugLogOptions) (string, error) {
	if opts == nil {
		opts = &DebugLogOptions{}
	}
	if err := checkNotNegative("juju debug-log: Limit", opts.Limit); err != nil {
		return "", err
	}
	if err := checkNotNegative("juju debug-log: Lines", opts.Lines); err != nil {
		return "", err
	}
	a := argList{"debug-log", "--no-tail"}
	a.integer("--limit", opts.Limit)
	a.integer("--lines", opts.Lines)
	a.boolean("--replay", opts.Replay)
	a.str("--level", opts.Level)
	a.add(repeatFlag("--include", opts.Include)...)
	a.add(repeatFlag("--exclude", opts.Exclude)...)
	a.add(repeatFlag("--include-module", opts.IncludeModule)...)
	a.add(repeatFlag("--exclude-module", opts.ExcludeModule)...)
	return j.run(ctx, call{args: a})
}
