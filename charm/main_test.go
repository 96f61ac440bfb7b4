package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestEventName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		argv []string
		want string
	}{
		{"dispatch path", map[string]string{"JUJU_DISPATCH_PATH": "hooks/config-changed", "JUJU_HOOK_NAME": "other"}, []string{"./dispatch"}, "config-changed"},
		{"hook name", map[string]string{"JUJU_HOOK_NAME": "start"}, []string{"./dispatch"}, "start"},
		{"argv[0]", nil, []string{"/var/lib/juju/agents/unit-t-0/charm/hooks/install"}, "install"},
	} {
		got, err := eventName(tc.argv, func(k string) string { return tc.env[k] })
		if err != nil || got != tc.want {
			t.Errorf("%s: eventName = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	for _, p := range []string{"actions/backup", "hooks/", "hooks/a/b"} {
		if got, err := eventName(nil, func(k string) string {
			if k == "JUJU_DISPATCH_PATH" {
				return p
			}
			return ""
		}); err == nil {
			t.Errorf("eventName with JUJU_DISPATCH_PATH=%q = %q, want an error", p, got)
		}
	}
	if _, err := eventName(nil, func(string) string { return "" }); err == nil {
		t.Error("eventName with no env and no argv succeeded")
	}
}

func TestRunRejectsActions(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	env := map[string]string{"JUJU_DISPATCH_PATH": "actions/backup"}
	code := run([]string{"dispatch"}, func(k string) string { return env[k] }, &stderr)
	if code != 1 || !strings.HasPrefix(stderr.String(), "ERROR cannot dispatch \"actions/backup\"") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}
