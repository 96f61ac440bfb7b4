package unit

import (
	"regexp"
	"strings"
	"testing"

	"github.com/canonical/jujutest/charm/hooks"
	"github.com/canonical/jujutest/charm/tinyproxy"
)

// The five directives the config file may hold, each alone on its line;
// values only inside their quotes.
var (
	pidFileLine     = regexp.MustCompile(`^PidFile "[^"]+"$`)
	reversePathLine = regexp.MustCompile(`^ReversePath "/([^"]*)/" "([^"]*)"$`)
)

// FuzzConfigRender checks the validation + rendering path: whatever config
// the charm accepts renders a file of exactly the five expected directives,
// with slug and upstream only inside their quotes. The seeds run as a
// normal test with `go test`; `go test -fuzz=FuzzConfigRender` explores.
func FuzzConfigRender(f *testing.F) {
	for _, seed := range [][2]string{
		{"example", "http://www.example.com/"},
		{"foo-1", "https://10.0.0.1:8443/api/"},
		{"foo_bar", "http://x/"},
		{"foo/bar", "http://x/"},
		{"", ""},
		{"a", `http://x/" "http://evil/`},
		{"a", "http://x/\nUpstream http evil:80"},
		{"a\nPort 9", "http://x/"},
		{"a", "http://x/\r\nReverseOnly No"},
		{"a", "http://x/\u2028Port 1"},
		{"a", "http://x/\x85"},
		{"a", "ftp://x/"},
		{"a", `http://x/\"`},
		{"a", "http://user:pass@x:80/p?q=\"#f"},
	} {
		f.Add(seed[0], seed[1])
	}
	tp := &tinyproxy.Tinyproxy{}
	f.Fuzz(func(t *testing.T, slug, upstream string) {
		if (hooks.Config{Slug: slug, Upstream: upstream}).Validate() != nil {
			return // rejected values never reach the file
		}
		content, err := tp.Render(slug, upstream)
		if err != nil {
			t.Fatalf("accepted config (%q, %q) does not render: %v", slug, upstream, err)
		}
		if !strings.HasSuffix(content, "\n") {
			t.Fatalf("config does not end with a newline: %q", content)
		}
		lines := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
		if len(lines) != 5 {
			t.Fatalf("config has %d lines, want 5:\n%s", len(lines), content)
		}
		fixed := map[int]string{1: "Port 8000", 2: "Timeout 600", 3: "ReverseOnly Yes"}
		for i, want := range fixed {
			if lines[i] != want {
				t.Fatalf("line %d = %q, want %q", i+1, lines[i], want)
			}
		}
		if !pidFileLine.MatchString(lines[0]) {
			t.Fatalf("line 1 = %q, want a PidFile directive", lines[0])
		}
		m := reversePathLine.FindStringSubmatch(lines[4])
		if m == nil || m[1] != slug || m[2] != upstream {
			t.Fatalf("line 5 = %q, want ReversePath \"/%s/\" \"%s\"", lines[4], slug, upstream)
		}
		if strings.ContainsAny(content, "\r\x00") {
			t.Fatalf("config holds a control character: %q", content)
		}
	})
}
