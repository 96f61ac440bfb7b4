package hooks

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidateReportsEveryInvalidOptionInOrder(t *testing.T) {
	t.Parallel()
	err := Config{Slug: "Foo", Upstream: "ftp://x/"}.Validate()
	var first *InvalidConfigError
	if !errors.As(err, &first) || first.Option != "slug" || first.Value != "Foo" {
		t.Fatalf("errors.As gives %+v, want the slug error first", first)
	}
	if !strings.Contains(err.Error(), `invalid upstream "ftp://x/"`) {
		t.Fatalf("err = %q, want the upstream error too", err)
	}
	if err := (Config{Slug: "a-1", Upstream: "http://x/"}).Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
}

func TestSlugRegexIsAnchored(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"foo\n", "\nfoo", "foo bar", "FOO", "foo.bar", "é"} {
		if (Config{Slug: s, Upstream: "http://x/"}).Validate() == nil {
			t.Errorf("slug %q accepted", s)
		}
	}
}

func TestStatusMessageIsOneLine(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"a\nb", "a\rb", "\x00", "\u2028", "\xff", strings.Repeat("é", 80)} {
		msg := (&InvalidConfigError{Option: "slug", Value: v}).StatusMessage()
		if strings.ContainsAny(msg, "\n\r\x00\u2028") || !utf8.ValidString(msg) {
			t.Errorf("StatusMessage for %q = %q, want one valid printable line", v, msg)
		}
	}
	msg := (&InvalidConfigError{Option: "slug", Value: "foo_bar"}).StatusMessage()
	if want := "Invalid slug: 'foo_bar'. Slug must match the regex [a-z0-9-]+"; msg != want {
		t.Errorf("StatusMessage = %q, want %q", msg, want)
	}
	// Shown as typed: quotes and backslashes stay; only what cannot be on
	// one line is escaped.
	for v, want := range map[string]string{
		`x"`:        `x"`,
		`it's`:      `it's`,
		`a\b`:       `a\b`,
		"a\nb":      `a\nb`,
		"tab\there": `tab\there`,
		"\xff!":     `\xff!`,
		"é ü":       "é ü",
	} {
		got := (&InvalidConfigError{Option: "slug", Value: v}).StatusMessage()
		if wantMsg := "Invalid slug: '" + want + "'. Slug must match the regex [a-z0-9-]+"; got != wantMsg {
			t.Errorf("StatusMessage for %q = %q, want %q", v, got, wantMsg)
		}
	}
}

// FuzzValidSlug checks the hand-written slug check against the regex that
// charmcraft.yaml states.
func FuzzValidSlug(f *testing.F) {
	re := regexp.MustCompile(`^[a-z0-9-]+$`)
	for _, s := range []string{"", "example", "foo-1", "foo_bar", "foo/bar", "foo\n", "-", "A", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validSlug(s), re.MatchString(s); got != want {
			t.Fatalf("validSlug(%q) = %v, regex says %v", s, got, want)
		}
	})
}
