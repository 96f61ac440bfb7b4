package jujutest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Helpers that turn option values into CLI arguments. Map entries are
// emitted in sorted key order so that a command line is deterministic.

// cliValue formats one config or constraint value as the CLI expects it:
// bools as true/false, floats without a needless exponent or trailing
// zeros, string lists joined with commas, anything else with %v.
func cliValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32)
	case []string:
		return strings.Join(v, ",")
	case fmt.Stringer:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}

// keyValues returns "k=v" for each entry of m, sorted by key.
func keyValues[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+cliValue(m[k]))
	}
	return out
}

// repeatFlag returns flag followed by each value, one pair per value:
// repeatFlag("--config", ["a=1", "b=2"]) is
// ["--config", "a=1", "--config", "b=2"].
func repeatFlag(flag string, values []string) []string {
	out := make([]string, 0, 2*len(values))
	for _, v := range values {
		out = append(out, flag, v)
	}
	return out
}

// argList accumulates CLI arguments; its methods skip zero values so that
// an options struct's zero value adds nothing.
type argList []string

func (a *argList) add(args ...string) { *a = append(*a, args...) }

// str adds flag and v when v is not empty.
func (a *argList) str(flag, v string) {
	if v != "" {
		a.add(flag, v)
	}
}

// boolean adds flag when v is true.
func (a *argList) boolean(flag string, v bool) {
	if v {
		a.add(flag)
	}
}

// integer adds flag and n when n is not zero.
func (a *argList) integer(flag string, n int) {
	if n != 0 {
		a.add(flag, strconv.Itoa(n))
	}
}

// list adds flag and the values joined with commas, when there are any.
func (a *argList) list(flag string, values []string) {
	if len(values) > 0 {
		a.add(flag, strings.Join(values, ","))
	}
}

// kvFlags adds flag k=v to a once per entry of m, sorted by key.
func kvFlags[V any](a *argList, flag string, m map[string]V) {
	a.add(repeatFlag(flag, keyValues(m))...)
}

// duration adds flag and d in seconds ("90s"), when d is positive.
func (a *argList) duration(flag string, d time.Duration) {
	if d > 0 {
		a.add(flag, formatSeconds(d))
	}
}

// formatSeconds formats d as a number of seconds with an "s" suffix, a form
// both Go's time.ParseDuration and Juju accept.
func formatSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

// checkNotNegative reports a negative count or duration as bad input.
func checkNotNegative[N int | time.Duration](what string, n N) error {
	if n < 0 {
		return fmt.Errorf("%s is %v; it must be zero (Juju's default) or positive", what, n)
	}
	return nil
}

// longTimeout returns the timeout for a command that can legitimately run
// long: explicit if set, otherwise the larger of def and the Juju's own
// command timeout.
func (j *Juju) longTimeout(explicit, def time.Duration) time.Duration {
	if explicit > 0 {
		return explicit
	}
	return max(def, j.commandTimeout())
}

// commandTimeout is the timeout of a call that sets none.
func (j *Juju) commandTimeout() time.Duration {
	if j.CommandTimeout > 0 {
		return j.CommandTimeout
	}
	return DefaultCommandTimeout
}

// Default timeouts of commands that take longer than most.
const (
	// DefaultDeployTimeout bounds deploy and refresh, which upload the
	// charm and its resources, when neither the options nor
	// Juju.CommandTimeout ask for longer.
	DefaultDeployTimeout = 20 * time.Minute

	// DefaultBootstrapTimeout bounds bootstrap, which provisions a
	// controller machine, when neither the options nor
	// Juju.CommandTimeout ask for longer.
	DefaultBootstrapTimeout = 45 * time.Minute

	// taskWaitMargin is added to a juju exec/run --wait so that Juju's own
	// timeout, with its clearer message, fires before the process is
	// killed.
	taskWaitMargin = time.Minute
)

// required reports an empty required argument as bad input.
func required(command, what, v string) error {
	if v == "" {
		return fmt.Errorf("juju %s: %s is empty", command, what)
	}
	return nil
}
