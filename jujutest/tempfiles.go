package jujutest

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// tempFiles holds the files that one CLI call receives by path: YAML it
// writes (secret content, action parameters, cloud definitions) and local
// files it copies (charms, resources, overlays).
//
// The juju snap is strictly confined: it can read only non-hidden files
// under the user's home directory, not /tmp. So when the CLI binary resolves
// to a path under /snap/, the files live in a fresh directory under
// ~/snap/juju/common, and local files elsewhere are copied there first.
// Otherwise they live in a fresh directory under os.TempDir and local files
// are used in place. The directory is created on first use; cleanup removes
// it.
type tempFiles struct {
	snap    bool   // the CLI is a confined snap
	home    string // the user's home directory; "" if unknown
	homeErr error  // why home is unknown
	dir     string // created on first use
}

// snapCommonDir is where the juju snap can read and write, relative to home.
const snapCommonDir = "snap/juju/common"

// tempFiles returns a tempFiles for one call of j's CLI binary.
func (j *Juju) tempFiles() *tempFiles {
	home, err := os.UserHomeDir()
	return newTempFiles(j.binary(), home, err)
}

func newTempFiles(binary, home string, homeErr error) *tempFiles {
	path := binary
	if p, err := exec.LookPath(binary); err == nil {
		path = p
	}
	return &tempFiles{snap: isSnapPath(path), home: home, homeErr: homeErr}
}

// isSnapPath reports whether an executable path belongs to a snap.
func isSnapPath(path string) bool {
	return strings.HasPrefix(path, "/snap/") || strings.Contains(path, "/snap/bin/")
}

// ensureDir creates the directory on first use and returns it.
func (f *tempFiles) ensureDir() (string, error) {
	if f.dir != "" {
		return f.dir, nil
	}
	base := "" // os.TempDir
	if f.snap {
		if f.home == "" {
			return "", fmt.Errorf("juju is a snap and can only read files under the home directory, which is unknown: %w", f.homeErr)
		}
		base = filepath.Join(f.home, snapCommonDir)
		if err := os.MkdirAll(base, 0o700); err != nil {
			return "", fmt.Errorf("creating directory for juju snap files: %w", err)
		}
	}
	dir, err := os.MkdirTemp(base, "jujutest-")
	if err != nil {
		return "", fmt.Errorf("creating temporary directory: %w", err)
	}
	f.dir = dir
	return dir, nil
}

// writeYAML encodes v as YAML into a new file named name and returns its
// path.
func (f *tempFiles) writeYAML(name string, v any) (string, error) {
	data, err := yaml.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encoding %s as YAML: %w", name, err)
	}
	dir, err := f.ensureDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("writing %s: %w", name, err)
	}
	return path, nil
}

// path returns a path for a new file named name inside the directory,
// for the CLI to write to.
func (f *tempFiles) path(name string) (string, error) {
	dir, err := f.ensureDir()
	if err != nil {
		return "", err
	}
	sub, err := os.MkdirTemp(dir, "out-")
	if err != nil {
		return "", fmt.Errorf("creating temporary directory: %w", err)
	}
	return filepath.Join(sub, filepath.Base(name)), nil
}

// stage returns a path under which the CLI can read the local file or
// directory at path: path itself unless the CLI is a snap that cannot read
// it, in which case a copy inside the directory (with the same base name).
func (f *tempFiles) stage(path string) (string, error) {
	if !f.snap || f.snapCanRead(path) {
		return path, nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("local file for juju: %w", err)
	}
	dst, err := f.path(path)
	if err != nil {
		return "", err
	}
	if err := copyPath(dst, path, info); err != nil {
		return "", err
	}
	return dst, nil
}

// copyPath copies the file or directory tree src, whose information is
// info, to dst, replacing a file already at dst.
func copyPath(dst, src string, info os.FileInfo) error {
	switch {
	case info.IsDir():
		if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
			return fmt.Errorf("copying %s: %w", src, err)
		}
		return nil
	case info.Mode().IsRegular():
		return copyFile(dst, src)
	default:
		return fmt.Errorf("copying %s: not a regular file or directory", src)
	}
}

// snapCanRead reports whether the juju snap can read path: a file under the
// home directory with no hidden directory on the way.
func (f *tempFiles) snapCanRead(path string) bool {
	if f.home == "" {
		return false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(f.home, abs)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
		return false
	}
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	return true
}

// cleanup removes the directory and everything in it.
func (f *tempFiles) cleanup() {
	if f.dir != "" {
		_ = os.RemoveAll(f.dir)
		f.dir = ""
	}
}

// copyFile copies the regular file src to dst, replacing its content if
// it exists.
func copyFile(dst, src string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copying file: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("copying file: %w", err)
	}
	defer func() {
		if cerr := out.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("copying file: %w", cerr)
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return nil
}
