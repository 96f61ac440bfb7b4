package charmpack

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/juju/charm/v12"
	"gopkg.in/yaml.v3"
)

// charmcraftFile is the project file Pack reads.
const charmcraftFile = "charmcraft.yaml"

// archInfo maps a Juju (charmcraft) architecture to the Go toolchain's names.
type archInfo struct {
	juju   string // name used by Juju, charmcraft and in the .charm file name
	goarch string // GOARCH
	goarm  string // GOARM, for 32-bit ARM only
}

// archTable lists the architectures charmcraft can build for, sorted by Juju name.
var archTable = [...]archInfo{
	{juju: "amd64", goarch: "amd64"},
	{juju: "arm64", goarch: "arm64"},
	{juju: "armhf", goarch: "arm", goarm: "7"},
	{juju: "ppc64el", goarch: "ppc64le"},
	{juju: "riscv64", goarch: "riscv64"},
	{juju: "s390x", goarch: "s390x"},
}

// lookupArch returns the table entry for a Juju architecture name.
func lookupArch(juju string) (archInfo, bool) {
	for _, a := range archTable {
		if a.juju == juju {
			return a, true
		}
	}
	return archInfo{}, false
}

// jujuArchOf returns the Juju architecture for a GOARCH value.
func jujuArchOf(goarch string) (string, bool) {
	for _, a := range archTable {
		if a.goarch == goarch {
			return a.juju, true
		}
	}
	return "", false
}

// knownArches returns the Juju names of archTable, for error messages.
func knownArches() string {
	names := make([]string, len(archTable))
	for i, a := range archTable {
		names[i] = a.juju
	}
	return strings.Join(names, ", ")
}

// metadataKeys are the charmcraft.yaml keys that charmcraft copies unchanged into
// metadata.yaml. title and links are handled separately (renamed or flattened).
var metadataKeys = [...]string{
	"assumes", "charm-user", "containers", "description", "devices", "extra-bindings",
	"name", "peers", "provides", "requires", "resources", "storage", "subordinate",
	"summary", "terms",
}

// project is a parsed charm project: what charmcraft.yaml asks for, and the Juju
// files generated from it, already checked with Juju's own readers.
type project struct {
	dir      string
	path     string   // charmcraft.yaml
	name     string   // charm name
	base     string   // e.g. "ubuntu@24.04"
	osName   string   // e.g. "ubuntu"
	channel  string   // e.g. "24.04"
	arches   []string // Juju architectures of the platforms, sorted, unique
	metadata []byte   // metadata.yaml
	config   []byte   // config.yaml; nil when the charm has no config
	actions  []byte   // actions.yaml; nil when the charm has no actions
}

// loadProject reads and checks dir/charmcraft.yaml and the legacy metadata.yaml,
// config.yaml and actions.yaml beside it, as charmcraft does.
func loadProject(dir string) (*project, error) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	path := filepath.Join(dir, charmcraftFile)
	p := &project{dir: dir, path: path}
	fail := func(format string, args ...any) error {
		return &ProjectError{Path: path, Err: fmt.Errorf(format, args...)}
	}

	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fail("%w: the project directory must be a charm project, holding %s and the charm's go.mod",
			fs.ErrNotExist, charmcraftFile)
	}
	if err != nil {
		return nil, &ProjectError{Path: path, Err: err}
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fail("not valid YAML (a mapping of charmcraft keys is expected): %w", err)
	}
	if doc == nil {
		return nil, fail("empty: it must hold at least type, name, summary, description, base and platforms")
	}

	if t, ok := doc["type"]; ok && t != "charm" {
		return nil, fail("type %v is not supported: only \"type: charm\" can be packed", t)
	}

	if err := p.readBase(doc); err != nil {
		return nil, &ProjectError{Path: path, Err: err}
	}
	if err := p.readPlatforms(doc); err != nil {
		return nil, &ProjectError{Path: path, Err: err}
	}
	if err := p.readMetadata(doc); err != nil {
		return nil, err
	}
	if p.config, err = p.readPart(doc, "config", "config.yaml"); err != nil {
		return nil, err
	}
	if p.config != nil {
		if _, err := charm.ReadConfig(bytes.NewReader(p.config)); err != nil {
			return nil, fail("config is not valid for Juju (option types: string, int, float, boolean, secret; defaults must match the type): %w", err)
		}
	}
	if p.actions, err = p.readPart(doc, "actions", "actions.yaml"); err != nil {
		return nil, err
	}
	if p.actions != nil {
		if _, err := charm.ReadActionsYaml(p.name, bytes.NewReader(p.actions)); err != nil {
			return nil, fail("actions are not valid for Juju: %w", err)
		}
	}

	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return nil, &ProjectError{Path: filepath.Join(dir, "go.mod"), Err: fmt.Errorf(
			"the charm project must be a Go module, with its go.mod beside charmcraft.yaml: %w", err)}
	}
	return p, nil
}

// readBase reads the base key, e.g. "ubuntu@24.04", checked with Juju's base parser.
func (p *project) readBase(doc map[string]any) error {
	raw, ok := doc["base"]
	if !ok {
		if _, legacy := doc["bases"]; legacy {
			return errors.New("the legacy \"bases\" key is not supported: use base (e.g. base: ubuntu@24.04) and platforms")
		}
		return errors.New("base is required, e.g. base: ubuntu@24.04")
	}
	s, ok := raw.(string)
	if !ok {
		return fmt.Errorf("base must be a string of the form <os>@<channel>, e.g. ubuntu@24.04, not %v", raw)
	}
	if _, err := charm.ParseBase(s); err != nil {
		return fmt.Errorf("base %q is not valid (accepted form: <os>@<channel>, e.g. ubuntu@24.04): %w", s, err)
	}
	p.base = s
	p.osName, p.channel, _ = strings.Cut(s, "@")
	return nil
}

// readPlatforms reads the platforms key. A platform is either an architecture name
// with no value (amd64:) or a mapping with build-for: [<arch>] or
// build-for: [<base>:<arch>] where <base> is the project's base.
func (p *project) readPlatforms(doc map[string]any) error {
	raw, ok := doc["platforms"]
	if !ok {
		return fmt.Errorf("platforms is required, e.g. platforms: {amd64: , arm64: } (architectures: %s)", knownArches())
	}
	platforms, ok := raw.(map[string]any)
	if !ok || len(platforms) == 0 {
		return fmt.Errorf("platforms must be a non-empty mapping of platform names, e.g. {amd64: , arm64: } (architectures: %s)", knownArches())
	}
	for name, v := range platforms {
		arch := name
		if v != nil {
			spec, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("platform %q must be empty or a mapping with build-for", name)
			}
			bf, ok := spec["build-for"].([]any)
			if !ok || len(bf) != 1 {
				return fmt.Errorf("platform %q: build-for must list exactly one target, <arch> or %s:<arch>", name, p.base)
			}
			target, ok := bf[0].(string)
			if !ok {
				return fmt.Errorf("platform %q: build-for target %v is not a string", name, bf[0])
			}
			if b, a, found := strings.Cut(target, ":"); found {
				if b != p.base {
					return fmt.Errorf("platform %q builds for base %q, but only the project's base %q is supported", name, b, p.base)
				}
				target = a
			}
			arch = target
		}
		if _, ok := lookupArch(arch); !ok || !charm.IsValidArchitecture(arch) {
			return fmt.Errorf("platform %q: unknown architecture %q (accepted: %s)", name, arch, knownArches())
		}
		if !slices.Contains(p.arches, arch) {
			p.arches = append(p.arches, arch)
		}
	}
	slices.Sort(p.arches)
	return nil
}

// readMetadata produces metadata.yaml: the project's own metadata.yaml if it has
// one (then charmcraft.yaml may hold no metadata key), otherwise generated from
// charmcraft.yaml as charmcraft does (title becomes display-name, links are
// flattened). The result is checked with Juju's metadata reader.
func (p *project) readMetadata(doc map[string]any) error {
	errPath, source := p.path, "generated metadata.yaml"
	fail := func(format string, args ...any) error {
		return &ProjectError{Path: errPath, Err: fmt.Errorf(format, args...)}
	}
	legacyPath := filepath.Join(p.dir, "metadata.yaml")
	legacy, err := os.ReadFile(legacyPath)
	switch {
	case err == nil:
		for _, k := range append(metadataKeys[:], "title", "links") {
			if _, ok := doc[k]; ok {
				return fail("%q cannot be in %s when the project has a metadata.yaml: keep metadata in one of the two files", k, charmcraftFile)
			}
		}
		p.metadata = legacy
		errPath, source = legacyPath, "metadata.yaml"
	case errors.Is(err, fs.ErrNotExist):
		meta := map[string]any{}
		for _, k := range metadataKeys {
			if v, ok := doc[k]; ok {
				meta[k] = v
			}
		}
		if v, ok := doc["title"]; ok {
			meta["display-name"] = v
		}
		if err := flattenLinks(doc["links"], meta); err != nil {
			return fail("%w", err)
		}
		if p.metadata, err = marshalYAML(meta); err != nil {
			return fail("cannot write metadata.yaml: %w", err)
		}
	default:
		return &ProjectError{Path: legacyPath, Err: err}
	}

	if name, ok := charmName(p.metadata); ok && name == "" {
		return fail("name is required: the charm's name, e.g. name: tinyproxy")
	}
	m, err := charm.ReadMeta(bytes.NewReader(p.metadata))
	if err != nil {
		return fail("%s is not valid for Juju (name, summary and description are required): %w", source, err)
	}
	if !charm.IsValidName(m.Name) {
		return fail("name %q is not a valid charm name (lowercase letters and digits in hyphen-separated words, starting with a letter)", m.Name)
	}
	p.name = m.Name
	return nil
}

// charmName returns the name key of a metadata document, if it parses.
func charmName(metadata []byte) (string, bool) {
	var m struct {
		Name string `yaml:"name"`
	}
	if err := yaml.Unmarshal(metadata, &m); err != nil {
		return "", false
	}
	return m.Name, true
}

// flattenLinks copies charmcraft's links mapping into metadata.yaml's keys:
// documentation -> docs, contact -> maintainers (a list), issues, source, website.
func flattenLinks(raw any, meta map[string]any) error {
	if raw == nil {
		return nil
	}
	links, ok := raw.(map[string]any)
	if !ok {
		return fmt.Errorf("links must be a mapping (documentation, contact, issues, source, website), not %v", raw)
	}
	for k, v := range links {
		switch k {
		case "documentation":
			meta["docs"] = v
		case "contact":
			if s, ok := v.(string); ok {
				v = []any{s}
			}
			meta["maintainers"] = v
		case "issues", "source", "website":
			meta[k] = v
		default:
			return fmt.Errorf("unknown links key %q (accepted: documentation, contact, issues, source, website)", k)
		}
	}
	return nil
}

// readPart returns the YAML for one optional charm file: from charmcraft.yaml's
// key, or from the legacy file of that name beside it (not both), or nil.
func (p *project) readPart(doc map[string]any, key, file string) ([]byte, error) {
	legacyPath := filepath.Join(p.dir, file)
	legacy, err := os.ReadFile(legacyPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, &ProjectError{Path: legacyPath, Err: err}
	}
	v, inDoc := doc[key]
	switch {
	case legacy != nil && inDoc:
		return nil, &ProjectError{Path: p.path, Err: fmt.Errorf(
			"%q cannot be in %s when the project has a %s: keep it in one of the two files", key, charmcraftFile, file)}
	case legacy != nil:
		return legacy, nil
	case !inDoc:
		return nil, nil
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, &ProjectError{Path: p.path, Err: fmt.Errorf("%s must be a mapping, not %v", key, v)}
	}
	out, err := marshalYAML(v)
	if err != nil {
		return nil, &ProjectError{Path: p.path, Err: fmt.Errorf("cannot write %s: %w", file, err)}
	}
	return out, nil
}
