package charmpack

import (
	"fmt"
	"strings"
)

// ProjectError reports a charm project that cannot be packed: charmcraft.yaml is
// missing, is not valid YAML, or describes something Juju would not accept.
type ProjectError struct {
	// Path is the file at fault, usually ProjectDir/charmcraft.yaml.
	Path string
	// Err says what is wrong and what is accepted.
	Err error
}

// Error implements error.
func (e *ProjectError) Error() string {
	return fmt.Sprintf("charmpack: %s: %v", e.Path, e.Err)
}

// Unwrap returns the underlying error.
func (e *ProjectError) Unwrap() error { return e.Err }

// ArchError reports an architecture that the project does not build for.
type ArchError struct {
	// Arch is the architecture asked for.
	Arch string
	// Accepted lists the architectures of the project's platforms.
	Accepted []string
	// Path is the charmcraft.yaml whose platforms were consulted.
	Path string
}

// Error implements error.
func (e *ArchError) Error() string {
	return fmt.Sprintf("charmpack: architecture %q is not one of the platforms in %s (accepted: %s)",
		e.Arch, e.Path, strings.Join(e.Accepted, ", "))
}

// BuildError reports a failed go build of the dispatch binary.
type BuildError struct {
	// Arch is the Juju architecture being built for.
	Arch string
	// Dir is the directory go build ran in (the project directory).
	Dir string
	// Args is the go command line.
	Args []string
	// Output is the tail of the go command's standard error.
	Output string
	// Err is the error from running the command.
	Err error
}

// Error implements error.
func (e *BuildError) Error() string {
	msg := fmt.Sprintf("charmpack: building dispatch for %s in %s failed (%s): %v",
		e.Arch, e.Dir, strings.Join(e.Args, " "), e.Err)
	if out := strings.TrimSpace(e.Output); out != "" {
		msg += "\n" + out
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *BuildError) Unwrap() error { return e.Err }
