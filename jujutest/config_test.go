package jujutest_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/jujutesttest"
)

const configJSON = `{"application":"tinyproxy","application-config":{"trust":{"default":false,"description":"trust","source":"default","type":"bool","value":false}},` +
	`"charm":"tinyproxy","settings":{` +
	`"port":{"default":8888,"description":"p","source":"user","type":"int","value":8000},` +
	`"slug":{"default":"example","description":"s","source":"default","type":"string","value":"example"},` +
	`"ratio":{"default":1,"description":"r","source":"default","type":"float","value":1},` +
	`"debug":{"description":"d","source":"user","type":"boolean","value":true},` +
	`"password":{"description":"pw","source":"user","type":"secret","value":"secret:abc"},` +
	`"upstream":{"description":"u","source":"unset","type":"string"}}}`

var configArgs = []string{"config", "--model", "m", "--format", "json", "tinyproxy"}

func TestConfig(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.HandleOutput(configArgs, configJSON)
	j := &jujutest.Juju{Model: "m", Runner: r}
	got, err := j.Config(t.Context(), "tinyproxy")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"port": 8000, "slug": "example", "ratio": 1.0, "debug": true, "password": jujutest.SecretURI("secret:abc")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Config = %#v, want %#v", got, want)
	}
	app, err := j.AppConfig(t.Context(), "tinyproxy")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(app, map[string]any{"trust": false}) {
		t.Errorf("AppConfig = %#v", app)
	}
	if _, err := j.Config(t.Context(), ""); err == nil {
		t.Error("Config with no app: want an error")
	}
}

func TestSetAndResetConfig(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.HandleOutput([]string{"config", "--model", "m", "tinyproxy", "debug=false", "port=8001", "ratio=0.5", "slug=a b"}, "")
	r.HandleOutput([]string{"config", "--model", "m", "tinyproxy", "--reset", "port,slug"}, "")
	j := &jujutest.Juju{Model: "m", Runner: r, DisableChangeTracking: true}
	ctx := t.Context()
	if err := j.SetConfig(ctx, "tinyproxy", map[string]any{"slug": "a b", "port": 8001, "debug": false, "ratio": 0.5}); err != nil {
		t.Fatal(err)
	}
	if err := j.ResetConfig(ctx, "tinyproxy", "port", "slug"); err != nil {
		t.Fatal(err)
	}
	// Nothing to do runs nothing.
	if err := j.SetConfig(ctx, "tinyproxy", nil); err != nil {
		t.Fatal(err)
	}
	if err := j.ResetConfig(ctx, "tinyproxy"); err != nil {
		t.Fatal(err)
	}
	if n := len(r.Calls()); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
	for _, err := range []error{
		j.SetConfig(ctx, "tinyproxy", map[string]any{"a=b": 1}),
		j.ResetConfig(ctx, "tinyproxy", "a,b"),
		j.SetConfig(ctx, "", map[string]any{"a": 1}),
	} {
		if err == nil || !strings.Contains(err.Error(), "juju config") {
			t.Errorf("bad input: error = %v", err)
		}
	}
}

func TestTempConfigRestores(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.HandleOutput(configArgs, configJSON)
	set := []string{"config", "--model", "m", "tinyproxy", "port=9000", "slug=changed", "upstream=http://x/"}
	restore := []string{"config", "--model", "m", "tinyproxy", "port=8000"}
	reset := []string{"config", "--model", "m", "tinyproxy", "--reset", "slug,upstream"}
	r.HandleOutput(set, "")
	r.HandleOutput(restore, "")
	r.HandleOutput(reset, "")
	j := &jujutest.Juju{Model: "m", Runner: r, DisableChangeTracking: true}
	t.Run("inner", func(t *testing.T) {
		j.TempConfig(t, "tinyproxy", map[string]any{"port": 9000, "slug": "changed", "upstream": "http://x/"})
		if got := r.Args(); len(got) != 2 || !slices.Equal(got[1], set) {
			t.Errorf("calls during the test = %q", got)
		}
	})
	got := r.Args()
	if len(got) != 4 || !slices.Equal(got[2], restore) || !slices.Equal(got[3], reset) {
		t.Errorf("calls = %q; want the user value set back, then the defaulted and unset keys reset", got)
	}
}
