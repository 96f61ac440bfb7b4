package cli

import (
	"reflect"
	"testing"

	"github.com/juju/gnuflag"
)

// TestExecCommandLine checks exec's command line as Juju builds it: one
// argument as it is, several joined and quoted by utils.CommandString.
func TestExecCommandLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"echo hi; hostname"}, "echo hi; hostname"},
		{[]string{`echo "$HOME"`}, `echo "$HOME"`},
		{[]string{"echo", "hi"}, "echo hi"},
		{[]string{"echo", "a b", "$HOME", `say "x"`, `back\slash`, "tab\there"},
			`echo "a b" "\$HOME" "say \"x\"" "back\\slash" "tab	here"`},
		{[]string{"ls", "-l", "/tmp"}, "ls -l /tmp"},
		{[]string{"printf", ""}, "printf "},
	} {
		if got := execCommandLine(tc.args); got != tc.want {
			t.Errorf("execCommandLine(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

// TestCommaStrings checks the target flags' semantics, Juju's
// cmd.StringsValue: the value is split at commas and the last use wins.
func TestCommaStrings(t *testing.T) {
	t.Parallel()
	var units []string
	fs := gnuflag.NewFlagSet("exec", gnuflag.ContinueOnError)
	fs.Var(commaStrings{&units}, "u", "")
	fs.Var(commaStrings{&units}, "unit", "")
	if err := fs.Parse(true, []string{"-u", "a/0,a/1", "--unit", "b/0,"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"b/0", ""}; !reflect.DeepEqual(units, want) {
		t.Errorf("units = %q, want %q", units, want)
	}
}
