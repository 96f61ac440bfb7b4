package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// newProject writes a small charm project into a temporary directory.
func newProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/c\n\ngo 1.24.0\n",
		"main.go": "package main\n\nfunc main() {}\n",
		"charmcraft.yaml": "type: charm\nname: cli\nsummary: s\ndescription: d\n" +
			"base: ubuntu@24.04\nplatforms:\n  amd64:\n  arm64:\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRun(t *testing.T) {
	t.Parallel()
	project := newProject(t)
	for _, arch := range []string{"amd64,arm64", "all", " arm64 , amd64 "} {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			if code := run([]string{"-project", project, "-out", out, "-arch", arch}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
			}
			got := strings.Fields(stdout.String())
			slices.Sort(got)
			want := []string{filepath.Join(out, "cli_amd64.charm"), filepath.Join(out, "cli_arm64.charm")}
			if !slices.Equal(got, want) {
				t.Errorf("printed %q, want %q", got, want)
			}
			for _, p := range want {
				if _, err := os.Stat(p); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	project := newProject(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"-nope"}, 2, "flag provided but not defined"},
		{"extra argument", []string{"-project", project, "extra"}, 2, "unexpected arguments"},
		{"bad timeout", []string{"-project", project, "-timeout", "0s"}, 2, "-timeout must be positive"},
		{"unknown arch", []string{"-project", project, "-arch", "mips"}, 1, `architecture "mips" is not one of the platforms`},
		{"no project", []string{"-project", filepath.Join(project, "missing")}, 1, "charmcraft.yaml: file does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := run(append(tt.args, "-out", out), &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr.String(), tt.code, tt.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("printed %q on failure", stdout.String())
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("left %d files in the output directory", len(entries))
			}
		})
	}
}
