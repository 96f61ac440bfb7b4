package jujutest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/canonical/jujutest/jujutest"
)

func TestAddCloudDefinition(t *testing.T) {
	t.Parallel()
	j, r, files := fileJuju(t)
	// Cloud commands do not target a model.
	okCall(r, "add-cloud mycloud --client --controller ctl --credential cred --force --target-controller jaas --file FILE", "")
	err := j.AddCloud(cmdCtx(t), "mycloud", &jujutest.AddCloudOptions{
		Definition: map[string]any{"clouds": map[string]any{"mycloud": map[string]any{
			"type": "lxd", "auth-types": []string{"certificate"}, "endpoint": "https://10.0.0.1:8443",
		}}},
		Client: true, Controller: "ctl", Credential: "cred", Force: true, TargetController: "jaas",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "clouds:\n    mycloud:\n        auth-types:\n            - certificate\n        endpoint: https://10.0.0.1:8443\n        type: lxd\n"
	if got := files.only(t).Content; got != want {
		t.Errorf("cloud file =\n%s\nwant\n%s", got, want)
	}
}

func TestAddCloudFile(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	path := filepath.Join(t.TempDir(), "clouds.yaml")
	if err := os.WriteFile(path, []byte("clouds: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.HandleOutput([]string{"add-cloud", "c", "--client", "--file", path}, "")
	if err := j.AddCloud(cmdCtx(t), "c", &jujutest.AddCloudOptions{File: path, Client: true}); err != nil {
		t.Fatal(err)
	}
}

func TestAddCloudBadInput(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	ctx := cmdCtx(t)
	def := map[string]any{"clouds": map[string]any{}}
	wantErrContains(t, j.AddCloud(ctx, "c", &jujutest.AddCloudOptions{Definition: def}), "set Client, Controller or both")
	wantErrContains(t, j.AddCloud(ctx, "c", nil), "set Client, Controller or both")
	wantErrContains(t, j.AddCloud(ctx, "c", &jujutest.AddCloudOptions{Client: true}), "no definition")
	wantErrContains(t, j.AddCloud(ctx, "c", &jujutest.AddCloudOptions{Client: true, Definition: def, File: "x"}), "not both")
	wantErrContains(t, j.AddCloud(ctx, "", &jujutest.AddCloudOptions{Client: true, Definition: def}), "cloud is empty")
	noCalls(t, r)
}

func TestUpdateCloud(t *testing.T) {
	t.Parallel()
	j, r, files := fileJuju(t)
	okCall(r, "update-cloud c --controller ctl -f FILE", "")
	if err := j.UpdateCloud(cmdCtx(t), "c", &jujutest.UpdateCloudOptions{
		Controller: "ctl", Definition: map[string]any{"clouds": map[string]any{"c": map[string]any{"type": "maas"}}},
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := files.only(t).Content, "clouds:\n    c:\n        type: maas\n"; got != want {
		t.Errorf("cloud file = %q, want %q", got, want)
	}
}

func TestAddCredential(t *testing.T) {
	t.Parallel()
	j, r, files := fileJuju(t)
	okCall(r, "add-credential c --client --region r1 --file FILE", "")
	if err := j.AddCredential(cmdCtx(t), "c", &jujutest.AddCredentialOptions{
		Client: true, Region: "r1",
		Credential: map[string]any{"credentials": map[string]any{"c": map[string]any{"me": map[string]any{"auth-type": "oauth1", "maas-oauth": "k"}}}},
	}); err != nil {
		t.Fatal(err)
	}
	want := "credentials:\n    c:\n        me:\n            auth-type: oauth1\n            maas-oauth: k\n"
	if got := files.only(t).Content; got != want {
		t.Errorf("credential file = %q, want %q", got, want)
	}
}
