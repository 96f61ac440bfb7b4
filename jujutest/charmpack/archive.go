package charmpack

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/juju/charm/v12"
	"gopkg.in/yaml.v3"
)

// manifestVersion is written as charmcraft-version, so that anyone reading the
// manifest can tell the archive was not made by charmcraft.
const manifestVersion = "jujutest-charmpack"

// entry is one file of a charm archive.
type entry struct {
	name string
	mode fs.FileMode
	data []byte
}

// manifest is charmcraft's manifest.yaml, without the optional analysis and
// image-info keys, which Juju does not read.
type manifest struct {
	CharmcraftVersion   string         `yaml:"charmcraft-version"`
	CharmcraftStartedAt string         `yaml:"charmcraft-started-at"`
	Bases               []manifestBase `yaml:"bases"`
}

// manifestBase is one entry of manifest.yaml's bases.
type manifestBase struct {
	Name          string   `yaml:"name"`
	Channel       string   `yaml:"channel"`
	Architectures []string `yaml:"architectures"`
}

// manifestYAML renders manifest.yaml for one architecture.
func (p *project) manifestYAML(arch string, started time.Time) ([]byte, error) {
	return marshalYAML(manifest{
		CharmcraftVersion:   manifestVersion,
		CharmcraftStartedAt: started.UTC().Format(time.RFC3339Nano),
		Bases:               []manifestBase{{Name: p.osName, Channel: p.channel, Architectures: []string{arch}}},
	})
}

// entries returns the files of the charm for arch, sorted by name.
func (p *project) entries(arch string, dispatch []byte, started time.Time) ([]entry, error) {
	man, err := p.manifestYAML(arch, started)
	if err != nil {
		return nil, fmt.Errorf("charmpack: writing manifest.yaml: %w", err)
	}
	files := []entry{
		{name: "dispatch", mode: 0o755, data: dispatch},
		{name: "manifest.yaml", mode: 0o644, data: man},
		{name: "metadata.yaml", mode: 0o644, data: p.metadata},
	}
	if p.config != nil {
		files = append(files, entry{name: "config.yaml", mode: 0o644, data: p.config})
	}
	if p.actions != nil {
		files = append(files, entry{name: "actions.yaml", mode: 0o644, data: p.actions})
	}
	slices.SortFunc(files, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return files, nil
}

// writeArchive writes the charm for arch into a new hidden temporary file in
// outDir, checks it with Juju's charm reader, and returns the file's path. On
// error nothing is left in outDir.
func (p *project) writeArchive(outDir, arch string, dispatch []byte, mtime time.Time) (path string, err error) {
	files, err := p.entries(arch, dispatch, mtime)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(outDir, "."+charmFileName(p.name, arch)+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("charmpack: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()

	zw := zip.NewWriter(f)
	for _, e := range files {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: mtime.UTC()}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return "", fmt.Errorf("charmpack: writing %s: %w", f.Name(), err)
		}
		if _, err := w.Write(e.data); err != nil {
			return "", fmt.Errorf("charmpack: writing %s: %w", f.Name(), err)
		}
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("charmpack: writing %s: %w", f.Name(), err)
	}
	if err := f.Chmod(0o644); err != nil {
		return "", fmt.Errorf("charmpack: %w", err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("charmpack: writing %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("charmpack: writing %s: %w", f.Name(), err)
	}
	if err := checkArchive(f.Name(), p.name, arch); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// checkArchive reads the archive at path as Juju's client does before a deploy
// (charm.ReadCharm: metadata, manifest, config, actions, and the metadata format
// rules) and checks the manifest's base and that dispatch is executable.
func checkArchive(path, name, arch string) error {
	ch, err := charm.ReadCharm(path)
	if err != nil {
		return fmt.Errorf("charmpack: Juju rejects the packed charm: %w", err)
	}
	if got := ch.Meta().Name; got != name {
		return fmt.Errorf("charmpack: packed charm is named %q, want %q", got, name)
	}
	m := ch.Manifest()
	if m == nil || len(m.Bases) != 1 || !slices.Equal(m.Bases[0].Architectures, []string{arch}) {
		return fmt.Errorf("charmpack: packed charm's manifest bases are %+v, want one base for %s", m, arch)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("charmpack: %w", err)
	}
	defer zr.Close()
	for _, zf := range zr.File {
		if zf.Name == "dispatch" {
			if zf.Mode()&0o111 == 0 {
				return fmt.Errorf("charmpack: dispatch in %s is not executable (mode %v)", path, zf.Mode())
			}
			return nil
		}
	}
	return fmt.Errorf("charmpack: %s has no dispatch", path)
}

// charmFileName is the name of the archive for arch: <name>_<arch>.charm.
func charmFileName(name, arch string) string {
	return name + "_" + arch + ".charm"
}

// fileBytes reads a file, for the dispatch binary.
func fileBytes(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("charmpack: %w", err)
	}
	return b, nil
}

// outputPath is where the archive for arch goes in outDir.
func outputPath(outDir, name, arch string) string {
	return filepath.Join(outDir, charmFileName(name, arch))
}

// marshalYAML renders v as YAML with two-space indentation, as charmcraft does.
func marshalYAML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
