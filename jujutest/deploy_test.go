package jujutest_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/jujutesttest"
)

func TestDeployDefaults(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "deploy --model m tinyproxy", "")
	if err := j.Deploy(cmdCtx(t), "tinyproxy", nil); err != nil {
		t.Fatal(err)
	}
	if n := r.Count(cmdArgs("deploy --model m tinyproxy")); n != 1 {
		t.Errorf("ran deploy %d times, want 1", n)
	}
}

func TestDeployNoModel(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	j := &jujutest.Juju{Runner: r}
	okCall(r, "deploy tinyproxy", "")
	if err := j.Deploy(cmdCtx(t), "tinyproxy", &jujutest.DeployOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestDeployAllOptions(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	want := []string{
		"deploy", "--model", "m", "postgresql", "db",
		"--attach-storage", "pgdata/0,pgdata/1",
		"--base", "ubuntu@22.04",
		"--bind", "alpha db=beta public=gamma",
		"--channel", "14/edge",
		"--config", "debug=true", "--config", "name=x y", "--config", "port=5432", "--config", "ratio=0.5", "--config", "verbose=false",
		"--constraints", "arch=amd64", "--constraints", "mem=4096", "--constraints", "tags=a,b",
		"--force",
		"--num-units", "3",
		"--overlay", "o1.yaml", "--overlay", "o2.yaml",
		"--resource", "image=postgres:14", "--resource", "snap=7",
		"--revision", "42",
		"--storage", "logs=tmpfs,1G", "--storage", "pgdata=10G",
		"--to", "0,lxd:1",
		"--trust",
	}
	r.HandleOutput(want, "")
	err := j.Deploy(cmdCtx(t), "postgresql", &jujutest.DeployOptions{
		App:           "db",
		AttachStorage: []string{"pgdata/0", "pgdata/1"},
		Base:          "ubuntu@22.04",
		Bind:          map[string]string{"public": "gamma", "": "alpha", "db": "beta"},
		Channel:       "14/edge",
		Config:        map[string]any{"port": 5432, "debug": true, "verbose": false, "name": "x y", "ratio": 0.5},
		Constraints:   map[string]any{"mem": 4096, "arch": "amd64", "tags": []string{"a", "b"}},
		Force:         true,
		NumUnits:      3,
		Overlays:      []string{"o1.yaml", "o2.yaml"},
		Resources:     map[string]string{"snap": "7", "image": "postgres:14"},
		Revision:      42,
		Storage:       map[string]string{"pgdata": "10G", "logs": "tmpfs,1G"},
		To:            []string{"0", "lxd:1"},
		Trust:         true,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeployLocalCharmPaths(t *testing.T) {
	t.Parallel()
	tests := []struct{ charm, arg string }{
		{"./tinyproxy_amd64.charm", "./tinyproxy_amd64.charm"},
		{"../build/tinyproxy_amd64.charm", "../build/tinyproxy_amd64.charm"},
		{"/abs/tinyproxy_amd64.charm", "/abs/tinyproxy_amd64.charm"},
		{"tinyproxy_amd64.charm", "./tinyproxy_amd64.charm"},
		{"build/tinyproxy_amd64.charm", "./build/tinyproxy_amd64.charm"},
		{"tinyproxy", "tinyproxy"},
		{"ch:tinyproxy", "ch:tinyproxy"},
	}
	for _, tt := range tests {
		t.Run(tt.charm, func(t *testing.T) {
			t.Parallel()
			j, r := cmdJuju(t)
			r.HandleOutput([]string{"deploy", "--model", "m", tt.arg}, "")
			if err := j.Deploy(cmdCtx(t), tt.charm, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDeployLocalResourceFile(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	res := filepath.Join(t.TempDir(), "config.tar")
	if err := os.WriteFile(res, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	// juju is not a snap here, so the file is used where it is.
	r.HandleOutput([]string{"deploy", "--model", "m", "./app.charm", "--resource", "cfg=" + res}, "")
	if err := j.Deploy(cmdCtx(t), "./app.charm", &jujutest.DeployOptions{Resources: map[string]string{"cfg": res}}); err != nil {
		t.Fatal(err)
	}
}

func TestDeployTimeout(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "deploy --model m tinyproxy", "")
	before := time.Now()
	if err := j.Deploy(t.Context(), "tinyproxy", &jujutest.DeployOptions{Timeout: 90 * time.Second}); err != nil {
		t.Fatal(err)
	}
	d := r.Calls()[0].Deadline
	if d.Before(before.Add(89*time.Second)) || d.After(time.Now().Add(91*time.Second)) {
		t.Errorf("deadline %v is not about 90s after %v", d, before)
	}

	// Without a timeout, deploy gets DefaultDeployTimeout, longer than
	// the general command timeout.
	j2, r2 := cmdJuju(t)
	okCall(r2, "deploy --model m tinyproxy", "")
	ctx := t.Context()
	before = time.Now()
	if err := j2.Deploy(ctx, "tinyproxy", nil); err != nil {
		t.Fatal(err)
	}
	d = r2.Calls()[0].Deadline
	if d.Before(before.Add(jujutest.DefaultDeployTimeout - time.Second)) {
		t.Errorf("deadline %v is less than DefaultDeployTimeout after %v", d, before)
	}
}

func TestDeployErrors(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	wantErrContains(t, j.Deploy(cmdCtx(t), "", nil), "no charm given")
	wantErrContains(t, j.Deploy(cmdCtx(t), "x", &jujutest.DeployOptions{NumUnits: -1}), "must be zero")
	noCalls(t, r)

	failCall(r, "deploy --model m nope", 1, "", "ERROR cannot resolve charm or bundle \"nope\"\n")
	err := j.Deploy(cmdCtx(t), "nope", nil)
	var cliErr *jujutest.CLIError
	if !errors.As(err, &cliErr) || cliErr.ExitCode != 1 {
		t.Fatalf("got %v, want a *CLIError with exit code 1", err)
	}
	wantErrContains(t, err, "cannot resolve charm")
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "refresh --model m app", "")
	if err := j.Refresh(cmdCtx(t), "app", nil); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"refresh", "--model", "m", "app",
		"--base", "ubuntu@24.04",
		"--channel", "latest/edge",
		"--config", "a=1",
		"--force", "--force-base", "--force-units",
		"--path", "./new.charm",
		"--resource", "r=3",
		"--revision", "9",
		"--storage", "s=1G",
		"--trust",
	}
	r.HandleOutput(want, "")
	err := j.Refresh(cmdCtx(t), "app", &jujutest.RefreshOptions{
		Base:      "ubuntu@24.04",
		Channel:   "latest/edge",
		Config:    map[string]any{"a": 1},
		Force:     true,
		Path:      "./new.charm",
		Resources: map[string]string{"r": "3"},
		Revision:  9,
		Storage:   map[string]string{"s": "1G"},
		Trust:     true,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantErrContains(t, j.Refresh(cmdCtx(t), "", nil), "application is empty")
}
