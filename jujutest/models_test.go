package jujutest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/jujutesttest"
)

func TestAddModel(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.HandleOutput([]string{"add-model", "--no-switch", "a"}, "")
	r.HandleOutput([]string{"add-model", "--no-switch", "b", "localhost/localhost", "--controller", "ctl",
		"--config", "automatically-retry-hooks=false", "--config", "test-mode=true", "--credential", "cred", "--owner", "bob"}, "")
	logs := &logLines{}
	j := &jujutest.Juju{Model: "old", Runner: r, WaitTimeout: time.Minute, Logf: logs.logf}
	a, err := j.AddModel(t.Context(), "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Model != "a" || a.WaitTimeout != time.Minute || a.Runner != j.Runner || j.Model != "old" {
		t.Errorf("AddModel returned %+v; j.Model = %q", a, j.Model)
	}
	b, err := j.AddModel(t.Context(), "b", &jujutest.AddModelOptions{
		Cloud: "localhost/localhost", Controller: "ctl", Credential: "cred", Owner: "bob",
		Config: map[string]any{"test-mode": true, "automatically-retry-hooks": false},
	})
	if err != nil {
		t.Fatal(err)
	}
	if b.Model != "ctl:bob/b" {
		t.Errorf("Model = %q, want ctl:bob/b", b.Model)
	}
	for _, bad := range []string{"", "ctl:x", "UPPER", "a/b"} {
		if _, err := j.AddModel(t.Context(), bad, nil); err == nil || !strings.Contains(err.Error(), "invalid model name") {
			t.Errorf("AddModel(%q) error = %v", bad, err)
		}
	}
}

func TestDestroyModel(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.HandleOutput([]string{"destroy-model", "m", "--no-prompt"}, "")
	r.HandleOutput([]string{"destroy-model", "ctl:x", "--no-prompt", "--destroy-storage", "--force", "--no-wait", "--timeout", "30s"}, "")
	j := &jujutest.Juju{Model: "m", Runner: r}
	if err := j.DestroyModel(t.Context(), "", nil); err != nil {
		t.Fatal(err)
	}
	if err := j.DestroyModel(t.Context(), "ctl:x", &jujutest.DestroyModelOptions{DestroyStorage: true, Force: true, NoWait: true, Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	calls := r.Calls()
	if d := time.Until(calls[0].Deadline); d < 9*time.Minute {
		t.Errorf("destroy-model deadline in %v, want about DefaultDestroyModelTimeout", d)
	}
	for _, opts := range []*jujutest.DestroyModelOptions{
		{DestroyStorage: true, ReleaseStorage: true},
		{NoWait: true},
		{Timeout: time.Second},
	} {
		if err := j.DestroyModel(t.Context(), "m", opts); err == nil {
			t.Errorf("DestroyModel(%+v): want an error", *opts)
		}
	}
	if err := (&jujutest.Juju{Runner: r}).DestroyModel(t.Context(), "", nil); err == nil {
		t.Error("DestroyModel with no model: want an error")
	}
}

func TestModels(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.HandleOutput([]string{"models", "--format", "json", "--controller", "ctl"},
		`{"models":[{"name":"admin/test","short-name":"test","model-uuid":"u1","model-type":"iaas","controller-name":"ctl",`+
			`"owner":"admin","cloud":"localhost","region":"localhost","type":"lxd","life":"alive","status":{"current":"available"},`+
			`"access":"admin","last-connection":"just now","agent-version":"3.6.11"}],"current-model":"test"}`)
	j := &jujutest.Juju{Model: "ctl:test", Runner: r}
	models, err := j.Models(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 1 || models[0].ShortName != "test" || models[0].Status.Current != "available" || models[0].ProviderType != "lxd" || models[0].AgentVersion != "3.6.11" {
		t.Errorf("Models = %+v", models)
	}
}
