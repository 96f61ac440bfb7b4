package jujutest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest/charmpack"
)

// Environment variables read by the fixtures.
const (
	// EnvCLI names the juju CLI binary TempModel uses when its template
	// Juju sets none (for example the local backend, juju-local).
	EnvCLI = "JUJUTEST_CLI"
	// EnvKeepModels, set to 1 (or true), keeps the models of TempModel
	// instead of destroying them; their names are logged.
	EnvKeepModels = "JUJUTEST_KEEP_MODELS"
	// EnvArtifacts is the directory under which TempModel saves
	// artifacts of failed tests, one subdirectory per test and model.
	// The default is $TMPDIR/jujutest-artifacts.
	EnvArtifacts = "JUJUTEST_ARTIFACTS"
)

// Fixture bounds.
const (
	// TempModelDestroyTimeout bounds the forced destroy-model run when a
	// TempModel's test ends. A destroy that takes longer is logged and
	// left behind rather than hanging the test run.
	TempModelDestroyTimeout = 10 * time.Minute
	// artifactsTimeout bounds all the commands that save artifacts.
	artifactsTimeout = 5 * time.Minute
	// artifactsLogLimit is the number of debug-log lines saved.
	artifactsLogLimit = 10000
	// artifactsMaxUnits caps the units passed to one show-unit.
	artifactsMaxUnits = 200
)

// TempModelOption adjusts TempModel.
type TempModelOption func(*tempModelConfig)

type tempModelConfig struct {
	collectors []ArtifactCollector
	base       Juju
	prefix     string
	add        AddModelOptions
	keep       bool
	artifacts  string
	getenv     func(string) string
}

// WithModelPrefix sets the start of the model name (default "jujutest"):
// the model is named <prefix>-<8 random hex digits>.
func WithModelPrefix(prefix string) TempModelOption {
	return func(c *tempModelConfig) { c.prefix = prefix }
}

// WithModelOptions sets the add-model options: cloud, controller, config,
// credential, owner.
func WithModelOptions(opts AddModelOptions) TempModelOption {
	return func(c *tempModelConfig) {
		c.add = opts
		c.add.Config = maps.Clone(opts.Config)
	}
}

// WithTemplate makes the returned Juju a copy of j (binary, runner,
// timeouts, clock, logger) with Model set to the new model. Without it,
// TempModel uses a zero Juju with the binary from $JUJUTEST_CLI and
// Logf = t.Logf. When j has no CLIBinary, $JUJUTEST_CLI still applies;
// when it has no Logf, t.Logf is used.
func WithTemplate(j *Juju) TempModelOption {
	return func(c *tempModelConfig) { c.base = *j }
}

// WithKeepModel keeps the model when the test ends, as $JUJUTEST_KEEP_MODELS
// does for every model.
func WithKeepModel() TempModelOption {
	return func(c *tempModelConfig) { c.keep = true }
}

// WithArtifactsDir sets the directory under which artifacts of a failed
// test are saved, instead of $JUJUTEST_ARTIFACTS or its default.
func WithArtifactsDir(dir string) TempModelOption {
	return func(c *tempModelConfig) { c.artifacts = dir }
}

// ArtifactCollector saves more artifacts of a failed test's model into
// dir, the directory SaveArtifacts wrote to; st is the model's status
// (nil when it could not be read). Package lxdartifacts has one for models
// whose machines are LXD containers on this host.
type ArtifactCollector func(ctx context.Context, dir string, st *Status) error

// WithArtifactCollector adds a collector that runs after SaveArtifacts
// when the test failed; its error is logged.
func WithArtifactCollector(c ArtifactCollector) TempModelOption {
	return func(cfg *tempModelConfig) { cfg.collectors = append(cfg.collectors, c) }
}

// TempModel adds a uniquely named model for the test and returns a Juju
// targeting it, with Logf = t.Logf so that commands and Wait transitions
// show in the test log.
//
// When the test ends (t.Cleanup), TempModel first saves artifacts if the
// test failed: "juju status" as YAML and JSON, the last 10,000 lines of
// "juju debug-log" and "juju show-unit" of every unit, into
// $JUJUTEST_ARTIFACTS/<test>/<model> (default
// $TMPDIR/jujutest-artifacts/<test>/<model>), and logs the directory.
// Then it destroys the model with --force --destroy-storage, bounded by
// TempModelDestroyTimeout (a failure or timeout is logged, not fatal),
// unless $JUJUTEST_KEEP_MODELS is 1 or WithKeepModel was given, in which
// case it logs the model's name and leaves it.
//
// Each call makes its own model, so parallel tests (t.Parallel) can each
// have one.
func TempModel(t testing.TB, opts ...TempModelOption) *Juju {
	t.Helper()
	cfg := tempModelConfig{prefix: "jujutest", getenv: os.Getenv}
	for _, o := range opts {
		o(&cfg)
	}
	j := cfg.base
	if j.CLIBinary == "" {
		j.CLIBinary = cfg.getenv(EnvCLI)
	}
	if j.Logf == nil {
		j.Logf = t.Logf
	}
	if keep := cfg.getenv(EnvKeepModels); keep == "1" || strings.EqualFold(keep, "true") {
		cfg.keep = true
	}
	if cfg.artifacts == "" {
		cfg.artifacts = cfg.getenv(EnvArtifacts)
	}
	if cfg.artifacts == "" {
		cfg.artifacts = filepath.Join(os.TempDir(), "jujutest-artifacts")
	}

	var token [4]byte
	_, _ = rand.Read(token[:]) // crypto/rand.Read never fails
	name := cfg.prefix + "-" + hex.EncodeToString(token[:])
	nj, err := j.AddModel(t.Context(), name, &cfg.add)
	if err != nil {
		t.Fatalf("TempModel: %v", err)
	}
	t.Logf("TempModel: added model %s", nj.Model)

	t.Cleanup(func() {
		if t.Failed() {
			ctx, cancel := context.WithTimeout(context.Background(), artifactsTimeout)
			dir := filepath.Join(cfg.artifacts, sanitizeName(t.Name()), name)
			if err := nj.SaveArtifacts(ctx, dir); err != nil {
				t.Logf("TempModel: saving artifacts of model %s: %v", nj.Model, err)
			}
			if len(cfg.collectors) > 0 {
				st, err := nj.Status(ctx)
				if err != nil {
					st = nil
				}
				for _, c := range cfg.collectors {
					if err := c(ctx, dir, st); err != nil {
						t.Logf("TempModel: collecting artifacts of model %s: %v", nj.Model, err)
					}
				}
			}
			cancel()
			t.Logf("TempModel: test failed; artifacts of model %s are in %s", nj.Model, dir)
		}
		if cfg.keep {
			t.Logf("TempModel: keeping model %s", nj.Model)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), TempModelDestroyTimeout)
		defer cancel()
		err := nj.DestroyModel(ctx, nj.Model, &DestroyModelOptions{
			DestroyStorage: true,
			Force:          true,
			CommandTimeout: TempModelDestroyTimeout,
		})
		if err != nil {
			t.Logf("TempModel: WARNING: destroying model %s failed; it may be left behind: %v", nj.Model, err)
			return
		}
		t.Logf("TempModel: destroyed model %s", nj.Model)
	})
	return nj
}

// SaveArtifacts writes what a person needs to understand a failure in the
// model into dir (created if needed): status.yaml and status.json ("juju
// status"), debug-log.txt (the last 10,000 lines of "juju debug-log
// --replay") and show-unit.yaml ("juju show-unit" of every unit, up to
// 200). It saves what it can and returns the errors of what it could not,
// joined; each file that could not be produced holds its error instead.
func (j *Juju) SaveArtifacts(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("saving artifacts: %w", err)
	}
	var errs []error
	save := func(file string, out string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", file, err))
			out += fmt.Sprintf("\njujutest: could not get %s: %v\n", file, err)
		}
		if werr := os.WriteFile(filepath.Join(dir, file), []byte(out), 0o644); werr != nil {
			errs = append(errs, werr)
		}
	}
	out, err := j.run(ctx, call{args: []string{"status", "--format", "yaml"}})
	save("status.yaml", out, err)
	res, err := j.runResult(ctx, call{args: []string{"status", "--format", "json"}})
	save("status.json", string(res.Stdout), err)
	var units []string
	if err == nil {
		if st, perr := ParseStatus(res.Stdout); perr == nil {
			for _, app := range slices.Sorted(maps.Keys(st.Apps)) {
				units = append(units, sortedUnitNames(st.Units(app))...)
			}
		}
	}
	out, err = j.run(ctx, call{args: []string{"debug-log", "--replay", "--no-tail", "--limit", fmt.Sprint(artifactsLogLimit)}})
	save("debug-log.txt", out, err)
	if len(units) > 0 {
		units = units[:min(len(units), artifactsMaxUnits)]
		out, err = j.run(ctx, call{args: append([]string{"show-unit", "--format", "yaml"}, units...)})
		save("show-unit.yaml", out, err)
	}
	return errors.Join(errs...)
}

// sanitizeName turns a test name into a directory name: letters, digits,
// '-', '_' and '.' are kept, anything else (such as the '/' of subtests)
// becomes '_'.
func sanitizeName(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, name)
}

// PackCharm packs the charm project in projectDir (the directory holding
// charmcraft.yaml and the charm's go.mod) for this machine's architecture
// with charmpack, into a directory removed when the test ends, and returns
// the path of the .charm file. It fails the test if packing fails.
func PackCharm(t testing.TB, projectDir string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), packTimeout)
	defer cancel()
	path, err := charmpack.Pack(ctx, charmpack.Options{ProjectDir: projectDir, OutputDir: t.TempDir()})
	if err != nil {
		t.Fatalf("PackCharm: %v", err)
	}
	return path
}

// packTimeout bounds PackCharm; the first build of a charm downloads and
// compiles its dependencies.
const packTimeout = 15 * time.Minute
