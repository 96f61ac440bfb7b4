package jujutest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Version is a Juju version, such as 3.6.11-genericlinux-amd64, as
// "juju version" prints it.
type Version struct {
	// Major and Minor are the first two numbers (3 and 6 in 3.6.11).
	Major int
	Minor int
	// Patch is the patch number, or the pre-release number after Tag
	// (3 in 3.7-beta3).
	Patch int
	// Tag is the pre-release tag, such as "beta"; empty for a release.
	Tag string
	// Build is the build number (4 in 3.6.11.4); usually 0.
	Build int
	// Release is the operating system, such as "ubuntu" or
	// "genericlinux"; empty when not given.
	Release string
	// Arch is the architecture, such as "amd64"; empty when not given.
	Arch string
	// GitCommit is the commit the CLI was built from, when known.
	GitCommit string
}

// versionRE matches major.minor.patch[.build] or major.minor-tagpatch[.build],
// optionally followed by -release-arch.
var versionRE = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+)|-([a-z]+)(\d+))(?:\.(\d+))?(?:-([a-z0-9]+)-([a-z0-9]+))?$`)

// ParseVersion parses a Juju version in one of the forms
// 3.6.11-genericlinux-amd64, 3.6.11.4-ubuntu-amd64 (with a build number),
// 3.7-beta3-ubuntu-amd64 (a pre-release) or 3.7-beta3.4-ubuntu-amd64; the
// -release-arch suffix is optional.
func ParseVersion(s string) (Version, error) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("invalid Juju version %q: want major.minor.patch[.build] or major.minor-tagN[.build], optionally followed by -release-arch (3.6.11-ubuntu-amd64)", s)
	}
	num := func(s string) int {
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil { // only digits match; too many of them
			return -1
		}
		return n
	}
	v := Version{
		Major:   num(m[1]),
		Minor:   num(m[2]),
		Patch:   num(m[3]),
		Tag:     m[4],
		Build:   num(m[6]),
		Release: m[7],
		Arch:    m[8],
	}
	if v.Tag != "" {
		v.Patch = num(m[5])
	}
	if v.Major < 0 || v.Minor < 0 || v.Patch < 0 || v.Build < 0 {
		return Version{}, fmt.Errorf("invalid Juju version %q: number out of range", s)
	}
	return v, nil
}

// String formats the version as Juju does; ParseVersion(v.String())
// gives v back (without GitCommit).
func (v Version) String() string {
	var b strings.Builder
	if v.Tag == "" {
		fmt.Fprintf(&b, "%d.%d.%d", v.Major, v.Minor, v.Patch)
	} else {
		fmt.Fprintf(&b, "%d.%d-%s%d", v.Major, v.Minor, v.Tag, v.Patch)
	}
	if v.Build > 0 {
		fmt.Fprintf(&b, ".%d", v.Build)
	}
	if v.Release != "" || v.Arch != "" {
		fmt.Fprintf(&b, "-%s-%s", v.Release, v.Arch)
	}
	return b.String()
}

// Compare returns -1, 0 or +1 as v is older than, the same as or newer
// than o. It orders by major, minor, then pre-release tag (a release is
// newer than any of its pre-releases; tags compare alphabetically), patch
// and build. Release, Arch and GitCommit do not take part.
func (v Version) Compare(o Version) int {
	if c := cmp.Compare(v.Major, o.Major); c != 0 {
		return c
	}
	if c := cmp.Compare(v.Minor, o.Minor); c != 0 {
		return c
	}
	if v.Tag != o.Tag {
		switch {
		case v.Tag == "":
			return 1
		case o.Tag == "":
			return -1
		default:
			return cmp.Compare(v.Tag, o.Tag)
		}
	}
	if c := cmp.Compare(v.Patch, o.Patch); c != 0 {
		return c
	}
	return cmp.Compare(v.Build, o.Build)
}

// Less reports whether v is older than o.
func (v Version) Less(o Version) bool { return v.Compare(o) < 0 }

// AtLeast reports whether v is o or newer, as in
// v.AtLeast(Version{Major: 3, Minor: 6}).
func (v Version) AtLeast(o Version) bool { return v.Compare(o) >= 0 }

// Version runs "juju version --format json --all" and returns the CLI's
// version.
func (j *Juju) Version(ctx context.Context) (Version, error) {
	out, err := j.run(ctx, call{args: []string{"version", "--format", "json", "--all"}, noModel: true})
	if err != nil {
		return Version{}, err
	}
	var all struct {
		Version   string `json:"version"`
		GitCommit string `json:"git-commit"`
	}
	data := []byte(strings.TrimSpace(out))
	if len(data) > 0 && data[0] == '"' { // a CLI that ignores --all
		err = json.Unmarshal(data, &all.Version)
	} else {
		err = json.Unmarshal(data, &all)
	}
	if err != nil {
		return Version{}, fmt.Errorf("juju version: parsing output: %w", err)
	}
	v, err := ParseVersion(all.Version)
	if err != nil {
		return Version{}, fmt.Errorf("juju version: %w", err)
	}
	v.GitCommit = all.GitCommit
	return v, nil
}
