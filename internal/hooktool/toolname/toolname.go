// Package toolname lists the names of the hook tools the local backend
// implements. It imports nothing but the standard library, so that the
// juju-local front binary (internal/local/front), which must start fast, can
// tell a hook-tool invocation from a command without linking the tools
// themselves (internal/hooktool).
package toolname

import "slices"

// names lists the tools, sorted.
var names = []string{
	"action-fail",
	"action-get",
	"action-log",
	"action-set",
	"application-version-set",
	"close-port",
	"config-get",
	"is-leader",
	"juju-log",
	"leader-get",
	"leader-set",
	"network-get",
	"open-port",
	"opened-ports",
	"relation-get",
	"relation-ids",
	"relation-list",
	"relation-set",
	"state-delete",
	"state-get",
	"state-set",
	"status-get",
	"status-set",
	"unit-get",
}

// Names returns the hook-tool names, sorted. The returned slice is a copy.
func Names() []string { return slices.Clone(names) }

// Is reports whether name is a hook tool's name.
func Is(name string) bool {
	_, found := slices.BinarySearch(names, name)
	return found
}
