package toolname_test

import (
	"slices"
	"testing"

	"github.com/canonical/jujutest/internal/hooktool/toolname"
)

func TestNames(t *testing.T) {
	t.Parallel()
	names := toolname.Names()
	if !slices.IsSorted(names) {
		t.Errorf("Names() is not sorted: %q", names)
	}
	for _, n := range names {
		if !toolname.Is(n) {
			t.Errorf("Is(%q) = false", n)
		}
	}
	for _, n := range []string{"", "jujuc", "juju-local", "status"} {
		if toolname.Is(n) {
			t.Errorf("Is(%q) = true", n)
		}
	}
	names[0] = "changed"
	if toolname.Names()[0] == "changed" {
		t.Error("Names() returns the package's own slice")
	}
}
