package jujutest_test

import (
	"reflect"
	"testing"
)

func TestModelConfig(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "model-config --model m --format json", `{"agent-version":{"Value":"3.6.11","Source":"model"},`+
		`"automatically-retry-hooks":{"Value":false,"Source":"model"},`+
		`"update-status-hook-interval":{"Value":"5m","Source":"default"},`+
		`"num-provision-workers":{"Value":16,"Source":"default"},`+
		`"ratio":{"Value":0.25,"Source":"default"},`+
		`"resource-tags":{"Value":null,"Source":"default"}}`+"\n")
	got, err := j.ModelConfig(cmdCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"agent-version":               "3.6.11",
		"automatically-retry-hooks":   false,
		"update-status-hook-interval": "5m",
		"num-provision-workers":       16,
		"ratio":                       0.25,
		"resource-tags":               nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ModelConfig = %#v, want %#v", got, want)
	}
}

func TestModelConfigBadOutput(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "model-config --model m --format json", "not json")
	_, err := j.ModelConfig(cmdCtx(t))
	wantErrContains(t, err, "parsing output")
}

func TestSetAndResetModelConfig(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "model-config --model m automatically-retry-hooks=false logging-config=<root>=DEBUG update-status-hook-interval=10s", "")
	okCall(r, "model-config --model m --reset logging-config,update-status-hook-interval", "")
	ctx := cmdCtx(t)
	if err := j.SetModelConfig(ctx, map[string]any{
		"update-status-hook-interval": "10s",
		"automatically-retry-hooks":   false,
		"logging-config":              "<root>=DEBUG",
	}); err != nil {
		t.Fatal(err)
	}
	if err := j.ResetModelConfig(ctx, "logging-config", "update-status-hook-interval"); err != nil {
		t.Fatal(err)
	}
	wantErrContains(t, j.SetModelConfig(ctx, nil), "no values")
	wantErrContains(t, j.ResetModelConfig(ctx), "no keys")
	if n := len(r.Calls()); n != 2 {
		t.Errorf("ran %d commands, want 2", n)
	}
}

func TestModelConstraints(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "model-constraints --model m --format json", `{"arch":"amd64","mem":4096,"tags":["a","b"],"allocate-public-ip":true}`+"\n")
	got, err := j.ModelConstraints(cmdCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"arch": "amd64", "mem": 4096, "tags": []any{"a", "b"}, "allocate-public-ip": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ModelConstraints = %#v, want %#v", got, want)
	}

	j2, r2 := cmdJuju(t)
	okCall(r2, "model-constraints --model m --format json", "{}\n")
	got, err = j2.ModelConstraints(cmdCtx(t))
	if err != nil || len(got) != 0 || got == nil {
		t.Errorf("ModelConstraints of an unconstrained model = %#v, %v; want an empty map", got, err)
	}
}

func TestSetModelConstraints(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "set-model-constraints --model m arch=arm64 cores=2 tags=x,y", "")
	okCall(r, "set-model-constraints --model m", "")
	ctx := cmdCtx(t)
	if err := j.SetModelConstraints(ctx, map[string]any{"cores": 2, "arch": "arm64", "tags": []string{"x", "y"}}); err != nil {
		t.Fatal(err)
	}
	if err := j.SetModelConstraints(ctx, nil); err != nil {
		t.Fatal(err)
	}
}
