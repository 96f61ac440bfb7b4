package hooks

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxShown is how many bytes of an invalid value a status message shows.
const maxShown = 100

// Config is the charm's configuration, as config-get reports it (Juju
// fills in the defaults from charmcraft.yaml).
type Config struct {
	Slug     string `json:"slug"`     // path of the reverse proxy: /<slug>/
	Upstream string `json:"upstream"` // absolute http or https URL
	// UpstreamSource is where Upstream came from when not the config
	// option (see RelationUpstream); it is not a config option.
	UpstreamSource string `json:"-"`
}

// InvalidConfigError says which option has an invalid value and what is
// accepted. Validate returns it (joined, one per invalid option).
type InvalidConfigError struct {
	Option string // "slug" or "upstream"
	Value  string // the rejected value
	// Source is where the value came from when not the config option,
	// e.g. "relation upstream:3 (backend)".
	Source string
}

// Error returns e.g. `invalid slug "foo_bar": must match the regex [a-z0-9-]+`.
func (e *InvalidConfigError) Error() string {
	return fmt.Sprintf("invalid %s %s: %s", e.Option, strconv.Quote(e.Value), e.rule())
}

func (e *InvalidConfigError) rule() string {
	switch e.Option {
	case "slug":
		return "must match the regex [a-z0-9-]+"
	case "upstream":
		return "must be an absolute http or https URL with a host, and no quotes, white space or control characters"
	}
	return "invalid value"
}

// StatusMessage returns the blocked status message for the error, e.g.
// "Invalid slug: 'foo_bar'. Slug must match the regex [a-z0-9-]+". The
// value is shown on one line: control characters, quotes and backslashes
// are escaped Go-style, and a long value is cut.
func (e *InvalidConfigError) StatusMessage() string {
	switch e.Option {
	case "slug":
		return fmt.Sprintf("Invalid slug: '%s'. Slug must match the regex [a-z0-9-]+", displayValue(e.Value))
	case "upstream":
		from := ""
		if e.Source != "" {
			from = " from " + e.Source
		}
		return fmt.Sprintf("Invalid upstream%s: '%s'. Upstream must be an absolute http or https URL, without quotes or spaces", from, displayValue(e.Value))
	}
	return fmt.Sprintf("Invalid %s: '%s'", e.Option, displayValue(e.Value))
}

// displayValue makes v safe to show inside a one-line status message: it
// is shown as the user typed it (quotes and backslashes included), with
// only what cannot be shown on one line escaped Go-style (control
// characters such as newlines, other non-printable characters, invalid
// UTF-8), and a long value cut.
func displayValue(v string) string {
	cut := false
	if len(v) > maxShown {
		v, cut = v[:maxShown], true
		for !utf8.ValidString(v) && len(v) > maxShown-utf8.UTFMax {
			v = v[:len(v)-1]
		}
	}
	var b strings.Builder
	for i, w := 0, 0; i < len(v); i += w {
		r, size := utf8.DecodeRuneInString(v[i:])
		w = size
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, v[i])
		case r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r) // '\n', '\x00', '\u2028'
			b.WriteString(q[1 : len(q)-1])
		}
	}
	if cut {
		b.WriteString("...")
	}
	return b.String()
}

// Validate checks every option and returns nil, or the *InvalidConfigError
// of each invalid option joined (slug first); use errors.As to get the first.
func (c Config) Validate() error {
	var errs []error
	for _, e := range c.problems() {
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// problems returns the invalid options in a fixed order: slug, upstream.
func (c Config) problems() []*InvalidConfigError {
	var p []*InvalidConfigError
	if !validSlug(c.Slug) {
		p = append(p, &InvalidConfigError{Option: "slug", Value: c.Slug})
	}
	if !validUpstream(c.Upstream) {
		p = append(p, &InvalidConfigError{Option: "upstream", Value: c.Upstream, Source: c.UpstreamSource})
	}
	return p
}

// validSlug reports whether s matches ^[a-z0-9-]+$, the rule charmcraft.yaml
// states (a loop rather than a regexp: compiling one costs every hook, even
// a no-op one, about a millisecond here).
func validSlug(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		default:
			return false
		}
	}
	return true
}

// validUpstream accepts an absolute http or https URL with a host and
// nothing that could leave the quoted string in tinyproxy's config file:
// no quotes, backslashes, white space, or non-printable characters.
func validUpstream(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	if strings.ContainsFunc(s, func(r rune) bool {
		return r == '"' || r == '\'' || r == '\\' || unicode.IsSpace(r) || !unicode.IsPrint(r)
	}) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.Hostname() == "" {
		return false
	}
	// url.Parse lowercases the scheme; "http:/x" and "http:x" have no "//".
	if prefix := u.Scheme + "://"; len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return false
	}
	return u.Scheme == "http" || u.Scheme == "https"
}
