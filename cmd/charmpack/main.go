// Command charmpack packs a Go machine charm into .charm archives without
// charmcraft, and prints the path of each archive it wrote.
//
// Usage:
//
//	charmpack [-project dir] [-out dir] [-arch amd64,arm64|all] [-v] [-timeout 5m]
//
// It reads <project>/charmcraft.yaml, builds a static dispatch binary per
// architecture with the go command and writes <name>_<arch>.charm into -out. See
// package github.com/canonical/jujutest/jujutest/charmpack.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/canonical/jujutest/jujutest/charmpack"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command with its arguments and output streams; it returns the exit
// status: 0 on success, 1 when packing failed, 2 for bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("charmpack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	project := fs.String("project", "charm", "charm project `dir`ectory (holds charmcraft.yaml and go.mod)")
	out := fs.String("out", ".", "output `dir`ectory for <name>_<arch>.charm")
	arch := fs.String("arch", "", "comma-separated Juju `arch`itectures (e.g. amd64,arm64), or \"all\" for every platform in charmcraft.yaml; default: this machine's")
	goCmd := fs.String("go", "", "go `command` to build with (default: go on PATH)")
	verbose := fs.Bool("v", false, "show the go command's output")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this `duration`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: charmpack [-project dir] [-out dir] [-arch amd64,arm64|all] [-v] [-timeout 10m]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "charmpack: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return 2
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "charmpack: -timeout must be positive, got %v\n", *timeout)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	opts := charmpack.Options{ProjectDir: *project, OutputDir: *out, Go: *goCmd}
	if *verbose {
		opts.Stdout, opts.Stderr = stderr, stderr
	}
	var paths []string
	var err error
	switch a := strings.TrimSpace(*arch); a {
	case "":
		var path string
		path, err = charmpack.Pack(ctx, opts)
		paths = []string{path}
	case "all":
		paths, err = charmpack.PackAll(ctx, opts)
	default:
		var arches []string
		for _, s := range strings.Split(a, ",") {
			if s = strings.TrimSpace(s); s != "" {
				arches = append(arches, s)
			}
		}
		paths, err = charmpack.PackAll(ctx, opts, arches...)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			fmt.Fprintf(stderr, "charmpack: gave up after -timeout %v\n", *timeout)
		}
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return 0
}
