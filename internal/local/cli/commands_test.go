package cli_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, false)
	want := "3.6.11-ubuntu-" + runtime.GOARCH
	if r := e.must("version"); r.stdout != want+"\n" {
		t.Errorf("version = %q, want %q", r.stdout, want+"\n")
	}
	if r := e.must("--version"); r.stdout != want+"\n" {
		t.Errorf("--version = %q", r.stdout)
	}
	if r := e.must("version", "--format", "json"); r.stdout != `"`+want+`"`+"\n" {
		t.Errorf("version --format json = %q", r.stdout)
	}
	r := e.must("version", "--all", "--format", "json")
	var all map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &all); err != nil || all["version"] != want {
		t.Errorf("version --all = %q (%v)", r.stdout, err)
	}
}

// TestBadInput checks Juju's answers (message and exit code) to bad
// commands, flags and arguments that need no running agent.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, false)
	e.must("add-model", "m")
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.charm")
	if err := os.WriteFile(corrupt, []byte("this is not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := tinyCharmFiles()
	delete(files, "dispatch")
	noDispatch := writeCharm(t, dir, "nodispatch", files)
	noMeta := writeCharm(t, dir, "nometa", map[string]string{"dispatch": "#!/bin/sh\n"})
	charm := tinyCharm(t)

	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"xyzzy"}, 1, "ERROR juju: \"xyzzy\" is not a juju command. See \"juju --help\".\n\nDid you mean:\n\t"},
		{[]string{"pseudopseudohypoparathyroidism"}, 1, "ERROR unrecognized command: juju pseudopseudohypoparathyroidism\n"},
		{[]string{"consume", "a"}, 2, `ERROR juju-local does not implement "consume"`},
		{[]string{"status", "--cheese"}, 2, "ERROR option provided but not defined: --cheese\n"},
		{[]string{"status", "-m", "nope"}, 1, "ERROR model juju-local:admin/nope not found\n"},
		{[]string{"status", "-m", "juju-local:admin/nope"}, 1, "ERROR model juju-local:admin/nope not found\n"},
		{[]string{"--cheese", "status"}, 2, "ERROR option provided but not defined: --cheese\n"},
		{[]string{"add-model"}, 2, "ERROR juju: no model name was passed. See \"juju add-model --help\".\n\nDid you mean:\n\tjuju add-model <model name>\n"},
		{[]string{"config", "-m", "nope", "app"}, 1, "ERROR model juju-local:admin/nope not found\n"},
		{[]string{"deploy", "-m", "nope", charm}, 1, "ERROR model juju-local:admin/nope not found\n"},
		{[]string{"exec", "-m", "nope", "--all", "--", "true"}, 1, "ERROR model juju-local:admin/nope not found\n"},
		{[]string{"debug-log", "-m", "nope", "--no-tail"}, 1, "ERROR model juju-local:admin/nope not found\n"},
		{[]string{"destroy-model", "m", "-y"}, 2, "ERROR option provided but not defined: -y\n"},
		{[]string{"exec", "--unit", "nope/0,", "--", "true"}, 2, "ERROR The following exec targets are not valid:\n  \"\" is not a valid unit name\n"},
		{[]string{"version", "--format", "xml"}, 2, `ERROR invalid value "xml" for option --format: unknown format "xml"`},
		{[]string{"add-model", "Bad_Name"}, 2, `ERROR "Bad_Name" is not a valid name: model names may only contain lowercase letters, digits and hyphens`},
		{[]string{"add-model", "m"}, 1, `ERROR failed to create new model: model "m" for admin already exists`},
		{[]string{"destroy-model", "m", "--timeout", "1s"}, 2, "ERROR --timeout can only be used with --force (dangerous)\n"},
		{[]string{"destroy-model", "m", "--no-wait"}, 1, "ERROR --no-wait without --force not valid\n"},
		{[]string{"destroy-model", "m"}, 1, "ERROR model destruction: aborted\n"},
		{[]string{"destroy-model", "nope", "--no-prompt"}, 1, "ERROR model juju-local:admin/nope not found\n"},
		{[]string{"deploy", "tiny"}, 1, `deploys local charms only`},
		{[]string{"deploy", "./does-not-exist.charm"}, 1, `ERROR no charm was found at "./does-not-exist.charm"`},
		{[]string{"deploy", corrupt}, 1, `ERROR invalid charm or bundle provided at "` + corrupt + `"`},
		{[]string{"deploy", noDispatch}, 1, `ERROR invalid charm "tiny": has no hooks nor dispatch file`},
		{[]string{"deploy", noMeta}, 1, `archive file "metadata.yaml" not found`},
		{[]string{"deploy", charm, "--config", "nope=1"}, 1, `ERROR unknown option "nope"`},
		{[]string{"deploy", charm, "--config", "port=abc"}, 1, `ERROR option "port" expected int, got "abc"`},
		{[]string{"deploy", charm, "--base", "ubuntu"}, 2, `expected base string to contain os and channel separated by '@'`},
		{[]string{"deploy", charm}, 1, "JUJU_LOCAL_ALLOW_HOST=1"},
		{[]string{"deploy"}, 2, "ERROR no charm or bundle specified\n"},
		{[]string{"deploy", charm, "Bad"}, 2, `ERROR invalid application name "Bad", unexpected uppercase character`},
		{[]string{"deploy", charm, "-n", "0"}, 2, "ERROR --num-units must be a positive integer\n"},
		{[]string{"config", "nope"}, 1, `ERROR application "nope" not found`},
		{[]string{"config"}, 2, "ERROR no application name specified\n"},
		{[]string{"add-unit", "nope"}, 1, `ERROR application "nope" not found`},
		{[]string{"remove-unit", "nope/0", "--no-prompt"}, 1, `ERROR removing unit nope/0 failed: unit "nope/0" does not exist`},
		{[]string{"remove-application", "nope", "--no-prompt"}, 1, `ERROR removing application nope failed: application "nope" not found`},
		{[]string{"exec", "--", "true"}, 2, "ERROR You must specify a target, either through --all, --machine, --application or --unit\n"},
		{[]string{"exec", "--unit", "nope/0", "--", "true"}, 1, `ERROR unit "nope/0" not found`},
		{[]string{"run", "nope/0"}, 2, "ERROR no action specified\n"},
		{[]string{"debug-log", "--tail", "--no-tail"}, 2, "ERROR setting --tail and --no-tail not valid\n"},
		{[]string{"debug-log", "--limit", "1", "--lines", "2"}, 2, "ERROR setting --limit and --lines not valid\n"},
		{[]string{"debug-log", "--level", "LOUD"}, 2, `ERROR level value "LOUD" is not one of`},
		{[]string{"model-config", "nope-key"}, 1, `ERROR "nope-key" is not a key of the currently targeted model: "admin/m"`},
		{[]string{"model-config", "update-status-hook-interval=soon"}, 1, "invalid update status hook interval in model configuration"},
		{[]string{"show-unit", "nope/0"}, 1, `ERROR unit "nope/0" not found`},
		{[]string{"expose", "nope"}, 1, `ERROR application "nope" not found`},
	} {
		r := e.run(tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("juju %s:\n got exit %d, stderr %q\nwant exit %d, stderr containing %q",
				strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.stderr)
		}
	}
}

func TestModels(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, false)
	if r := e.run("status"); r.code != 1 || !strings.Contains(r.stderr, "No model in focus") {
		t.Errorf("status without a model: exit %d, %q", r.code, r.stderr)
	}
	r := e.must("add-model", "first")
	if !strings.Contains(r.stderr, "Added 'first' model") {
		t.Errorf("add-model stderr = %q", r.stderr)
	}
	e.must("add-model", "second", "--no-switch", "--config", "update-status-hook-interval=1m")
	var models struct {
		Models []struct {
			Name      string `json:"name"`
			ShortName string `json:"short-name"`
			UUID      string `json:"model-uuid"`
			Type      string `json:"model-type"`
			Life      string `json:"life"`
		} `json:"models"`
		Current string `json:"current-model"`
	}
	out := e.must("models", "--format", "json").stdout
	if err := json.Unmarshal([]byte(out), &models); err != nil {
		t.Fatal(err)
	}
	if len(models.Models) != 2 || models.Current != "first" {
		t.Fatalf("models = %s", out)
	}
	for _, m := range models.Models {
		if m.Name != "admin/"+m.ShortName || len(m.UUID) != 36 || m.Type != "iaas" || m.Life != "alive" {
			t.Errorf("model entry %+v", m)
		}
	}
	if models.Models[0].UUID == models.Models[1].UUID {
		t.Error("model UUIDs are not unique")
	}
	if v := e.must("model-config", "-m", "second", "update-status-hook-interval").stdout; v != "1m\n" {
		t.Errorf("update-status-hook-interval = %q", v)
	}
	// An empty model's status has Juju's top-level shape.
	st := e.must("status", "--format", "json").stdout
	for _, key := range []string{`"model":{"name":"first","type":"iaas"`, `"machines":{}`, `"applications":{}`, `"storage":{}`, `"controller":{"timestamp":`} {
		if !strings.Contains(st, key) {
			t.Errorf("status JSON lacks %s: %s", key, st)
		}
	}
	// destroy-model prompts for the model's name on stdin.
	if r := e.runStdin("second\n", "destroy-model", "second"); r.code != 0 {
		t.Fatalf("destroy-model with confirmation: %d %s", r.code, r.stderr)
	}
	e.must("destroy-model", "first", "--no-prompt")
	if out := e.must("models", "--format", "json").stdout; out != `{"models":[]}`+"\n" {
		t.Errorf("models after destroy = %s", out)
	}
	entries, _ := os.ReadDir(filepath.Join(e.dir, "models"))
	if len(entries) != 0 {
		t.Errorf("model files left behind: %v", entries)
	}
}

// TestDeployWithoutHooks checks what deploy records and prints, and the
// config command, in a model whose hooks never run (no opt-in needed for
// --allow-host=false; the model opts in but the test only reads state
// written by the CLI before the agent acts).
func TestConfigCommand(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, true)
	e.must("add-model", "m")
	charm := tinyCharm(t)
	cfgFile := filepath.Join(t.TempDir(), "cfg.yaml")
	if err := os.WriteFile(cfgFile, []byte("app:\n  port: 9000\n  msg: from-file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.must("deploy", charm, "app", "--config", cfgFile, "--config", "msg=from-flag")
	for _, want := range []string{`Located local charm "tiny", revision 0`, `Deploying "app" from local charm "tiny", revision 0 on `} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("deploy stderr lacks %q: %q", want, r.stderr)
		}
	}
	if v := e.must("config", "app", "msg").stdout; v != "from-flag\n" {
		t.Errorf("config app msg = %q", v)
	}
	if v := e.must("config", "app", "ratio").stdout; v != "\n" {
		t.Errorf("unset key = %q", v)
	}
	var cfg struct {
		Application string                    `json:"application"`
		Charm       string                    `json:"charm"`
		Settings    map[string]map[string]any `json:"settings"`
		AppConfig   map[string]map[string]any `json:"application-config"`
	}
	out := e.must("config", "app", "--format", "json").stdout
	if err := json.Unmarshal([]byte(out), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Application != "app" || cfg.Charm != "tiny" || cfg.AppConfig["trust"]["source"] != "default" {
		t.Errorf("config JSON = %s", out)
	}
	check := func(key, source string, value any) {
		t.Helper()
		s := cfg.Settings[key]
		if s["source"] != source || s["value"] != value {
			t.Errorf("setting %s = %v, want source %s value %v", key, s, source, value)
		}
	}
	check("msg", "user", "from-flag")
	check("port", "user", float64(9000))
	check("ratio", "unset", nil)
	if _, ok := cfg.Settings["ratio"]["value"]; ok {
		t.Errorf("unset setting has a value: %v", cfg.Settings["ratio"])
	}

	// Setting the default value reports source "default".
	e.must("config", "app", "port=8080")
	if !strings.Contains(e.must("config", "app").stdout, "port:\n    default: 8080\n    description: a port\n    source: default\n") {
		t.Errorf("config YAML after setting the default:\n%s", e.must("config", "app").stdout)
	}
	e.must("config", "app", "--reset", "msg,port")
	if v := e.must("config", "app", "msg").stdout; v != "hello\n" {
		t.Errorf("msg after reset = %q", v)
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"config", "app", "nope=1"}, 1, "ERROR parsing settings for application: unknown option \"nope\"\n"},
		{[]string{"config", "app", "port=abc"}, 1, "ERROR parsing settings for application: option \"port\" expected int, got \"abc\"\n"},
		{[]string{"config", "app", "nope"}, 1, "ERROR key \"nope\" not found in \"app\" application config or charm settings.\n"},
		{[]string{"config", "app", "--reset", "nope"}, 1, "ERROR updating application charm settings: unknown option \"nope\"\n"},
		{[]string{"config", "app", "--reset", "msg=1"}, 2, "ERROR --reset accepts a comma delimited set of keys \"a,b,c\", received: \"msg=1\"\n"},
		{[]string{"config", "app", "msg", "port"}, 2, "ERROR cannot specify multiple keys to get\n"},
		{[]string{"config", "app", "msg", "port=1"}, 2, "ERROR cannot get value and set key=value pairs simultaneously\n"},
		{[]string{"config", "app", "msg=a", "msg=b"}, 2, "ERROR key \"msg\" specified more than once\n"},
		{[]string{"config", "app", "msg=a", "--reset", "msg"}, 2, "ERROR cannot set and reset key \"msg\" simultaneously\n"},
		{[]string{"config", "app", "--file", cfgFile}, 1, "no settings found for \"app\""},
	} {
		if tc.args[len(tc.args)-1] == cfgFile {
			// A file keyed by another application name.
			if err := os.WriteFile(cfgFile, []byte("other:\n  msg: x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		r := e.run(tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("juju %s:\n got exit %d, stderr %q\nwant exit %d, stderr containing %q",
				strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.stderr)
		}
	}
	if r := e.run("deploy", charm, "app"); r.code != 1 || !strings.Contains(r.stderr, `cannot add application "app": application already exists`) {
		t.Errorf("deploying twice: %d %q", r.code, r.stderr)
	}
}

// TestDeployChecksCharmNameFirst checks that a charm whose name Juju
// refuses is refused before anything is written: neither a path outside
// the data directory nor a stored archive under it.
func TestDeployChecksCharmNameFirst(t *testing.T) {
	t.Parallel()
	// With hooks allowed, as in the report: only the name stops deploy.
	e := newTestEnv(t, true)
	e.must("add-model", "m")
	outside := t.TempDir()
	for _, name := range []string{strings.Repeat("../", 30) + strings.TrimPrefix(outside, "/") + "/pwned", "Foo", "-x", "a_b"} {
		files := tinyCharmFiles()
		files["metadata.yaml"] = strings.Replace(files["metadata.yaml"], "name: tiny", "name: "+name, 1)
		archive := writeCharm(t, t.TempDir(), "bad", files)
		r := e.run("deploy", "-m", "m", archive)
		want := fmt.Sprintf("ERROR name %q not valid\n", name)
		if r.code != 1 || r.stderr != want {
			t.Errorf("charm named %q: exit %d, stderr %q; want 1 and %q", name, r.code, r.stderr, want)
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("deploy wrote outside the data directory: %v", entries)
	}
	err := filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".charm") {
			t.Errorf("a refused charm was stored: %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestConfigFileAliasBomb checks that a YAML "billion laughs" document is
// refused quickly instead of expanding until memory runs out, and that an
// oversized file is refused with the limit.
func TestConfigFileAliasBomb(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, true)
	e.must("add-model", "m")
	e.must("deploy", tinyCharm(t), "app")
	var b strings.Builder
	b.WriteString("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	b.WriteString("app:\n  msg: *l9\n")
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.yaml")
	if err := os.WriteFile(bomb, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("app:\n  msg: "+strings.Repeat("x", 5<<20)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"config", "app", "--file", bomb}, "excessive aliasing"},
		{[]string{"deploy", tinyCharm(t), "other", "--config", bomb}, "excessive aliasing"},
		{[]string{"config", "app", "--file", big}, "larger than 4 MiB"},
	} {
		start := time.Now()
		r := e.run(tc.args...)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%v took %v", tc.args[:2], d)
		}
		if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", tc.args[:2], r.code, r.stderr, tc.want)
		}
	}
	if v := e.must("config", "app", "msg").stdout; v != "hello\n" {
		t.Errorf("msg after refused files = %q, want the default", v)
	}
}
