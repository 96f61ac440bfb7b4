package jujutest_test

import (
	"archive/zip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/canonical/jujutest/jujutest"
)

func TestPackCharm(t *testing.T) {
	t.Parallel()
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("the test project has no platform for %s", runtime.GOARCH)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/packme\n\ngo 1.24.0\n",
		"main.go": "package main\n\nfunc main() {}\n",
		"charmcraft.yaml": `type: charm
name: packme
title: Pack me
summary: A charm packed by jujutest's tests.
description: A charm whose dispatch does nothing.
base: ubuntu@24.04
platforms:
  amd64:
  arm64:
parts:
  charm:
    plugin: go
    source: .
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := jujutest.PackCharm(t, dir)
	if want := "packme_" + runtime.GOARCH + ".charm"; filepath.Base(path) != want {
		t.Errorf("PackCharm = %s, want a file named %s", path, want)
	}
	if strings.HasPrefix(path, dir) {
		t.Errorf("PackCharm wrote into the project directory: %s", path)
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	found := false
	for _, f := range z.File {
		found = found || f.Name == "dispatch"
	}
	if !found {
		t.Error("the packed charm has no dispatch")
	}
}
