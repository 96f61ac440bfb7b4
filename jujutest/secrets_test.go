package jujutest_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
)

func TestSecretURI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		id      string
		wantErr string
	}{
		{"secret:d0ghbd3ktn6c7bq6bnp0", "d0ghbd3ktn6c7bq6bnp0", ""},
		{"secret://a7b9c7e2-1111-4d5e-8f00-123456789abc/d0ghbd3ktn6c7bq6bnp0", "d0ghbd3ktn6c7bq6bnp0", ""},
		{"d0ghbd3ktn6c7bq6bnp0", "d0ghbd3ktn6c7bq6bnp0", `no "secret:" prefix`},
		{"secret:", "", "empty id"},
		{"secret://uuid-only", "uuid-only", "no model UUID"},
		{"secret:ABC", "ABC", `id contains 'A'`},
	}
	for _, tt := range tests {
		if got := jujutest.SecretURI(tt.in).UniqueIdentifier(); got != tt.id {
			t.Errorf("SecretURI(%q).UniqueIdentifier() = %q, want %q", tt.in, got, tt.id)
		}
		uri, err := jujutest.ParseSecretURI(tt.in)
		if tt.wantErr == "" {
			if err != nil || uri.String() != tt.in {
				t.Errorf("ParseSecretURI(%q) = %q, %v", tt.in, uri, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("ParseSecretURI(%q) = %q, want an error", tt.in, uri)
			continue
		}
		wantErrContains(t, err, tt.wantErr)
	}
}

func TestAddSecret(t *testing.T) {
	t.Parallel()
	j, r, files := fileJuju(t)
	okCall(r, "add-secret --model m creds --info for-tests --file FILE", "secret:d0ghbd3ktn6c7bq6bnp0\n")
	uri, err := j.AddSecret(cmdCtx(t), "creds", map[string]string{"username": "admin", "password": "p: w#"}, &jujutest.AddSecretOptions{Info: "for-tests"})
	if err != nil {
		t.Fatal(err)
	}
	if uri != "secret:d0ghbd3ktn6c7bq6bnp0" {
		t.Errorf("AddSecret = %q", uri)
	}
	if want := "password: 'p: w#'\nusername: admin\n"; files.only(t).Content != want {
		t.Errorf("secret file = %q, want %q", files.only(t).Content, want)
	}
	_, err = j.AddSecret(cmdCtx(t), "creds", nil, nil)
	wantErrContains(t, err, "no content")
}

func TestUpdateSecret(t *testing.T) {
	t.Parallel()
	j, r, files := fileJuju(t)
	okCall(r, "update-secret --model m secret:abc --info new --name renamed --auto-prune=true --file FILE", "")
	okCall(r, "update-secret --model m creds --auto-prune=false", "")
	prune, noPrune := true, false
	ctx := cmdCtx(t)
	if err := j.UpdateSecret(ctx, "secret:abc", map[string]string{"k": "v2"}, &jujutest.UpdateSecretOptions{
		Info: "new", Name: "renamed", AutoPrune: &prune,
	}); err != nil {
		t.Fatal(err)
	}
	if got := files.only(t).Content; got != "k: v2\n" {
		t.Errorf("secret file = %q", got)
	}
	if err := j.UpdateSecret(ctx, "creds", nil, &jujutest.UpdateSecretOptions{AutoPrune: &noPrune}); err != nil {
		t.Fatal(err)
	}
}

func TestGrantRevokeRemoveSecret(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "grant-secret --model m secret:abc app1,app2", "")
	okCall(r, "revoke-secret --model m secret:abc app2", "")
	okCall(r, "remove-secret --model m secret:abc", "")
	okCall(r, "remove-secret --model m creds --revision 2", "")
	ctx := cmdCtx(t)
	if err := j.GrantSecret(ctx, "secret:abc", "app1", "app2"); err != nil {
		t.Fatal(err)
	}
	if err := j.RevokeSecret(ctx, "secret:abc", "app2"); err != nil {
		t.Fatal(err)
	}
	if err := j.RemoveSecret(ctx, "secret:abc", nil); err != nil {
		t.Fatal(err)
	}
	if err := j.RemoveSecret(ctx, "creds", &jujutest.RemoveSecretOptions{Revision: 2}); err != nil {
		t.Fatal(err)
	}
	wantErrContains(t, j.GrantSecret(ctx, "secret:abc"), "no applications")
	if n := len(r.Calls()); n != 4 {
		t.Errorf("ran %d commands, want 4", n)
	}
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "secrets --model m --format json --owner app", `{`+
		`"d1":{"revision":2,"owner":"app","label":"tls","rotation":"hourly","created":"2025-10-15T13:33:47Z","updated":"2025-10-15T14:00:00Z"},`+
		`"d0":{"revision":1,"owner":"<model>","name":"creds","description":"for tests","created":"2025-10-15T13:33:47Z","updated":"2025-10-15T13:33:47Z"}}`)
	got, err := j.Secrets(cmdCtx(t), &jujutest.SecretsOptions{Owner: "app"})
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2025, 10, 15, 13, 33, 47, 0, time.UTC)
	want := []jujutest.Secret{
		{URI: "secret:d0", Revision: 1, Owner: "<model>", Name: "creds", Description: "for tests", Created: created, Updated: created},
		{URI: "secret:d1", Revision: 2, Owner: "app", Label: "tls", Rotation: "hourly", Created: created, Updated: created.Add(26*time.Minute + 13*time.Second)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Secrets =\n%+v\nwant\n%+v", got, want)
	}
}

func TestShowSecretReveal(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "show-secret --model m creds --format json --reveal --revision 2 --revisions", `{"d0":{`+
		`"revision":2,"checksum":"abc123","owner":"<model>","name":"creds","created":"2025-10-15T13:33:47Z","updated":"2025-10-15T13:33:47Z",`+
		`"access":[{"target":"application-app","scope":"model-uuid","role":"view"}],`+
		`"revisions":[{"revision":1,"backend":"internal","created":"2025-10-15T13:33:47Z","updated":"2025-10-15T13:33:47Z"},{"revision":2,"created":"2025-10-15T13:33:47Z","updated":"2025-10-15T13:33:47Z"}],`+
		`"content":{"Data":{"password":"hunter2"}}}}`)
	s, err := j.ShowSecret(cmdCtx(t), "creds", &jujutest.ShowSecretOptions{Reveal: true, Revision: 2, Revisions: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.URI != "secret:d0" || s.Checksum != "abc123" || s.Content["password"] != "hunter2" {
		t.Errorf("ShowSecret = %+v", s)
	}
	if len(s.Revisions) != 2 || s.Revisions[0].Backend != "internal" || s.Revisions[1].Revision != 2 {
		t.Errorf("Revisions = %+v", s.Revisions)
	}
	if want := []jujutest.SecretAccess{{Target: "application-app", Scope: "model-uuid", Role: "view"}}; !reflect.DeepEqual(s.Access, want) {
		t.Errorf("Access = %+v, want %+v", s.Access, want)
	}
}

func TestShowSecretUnrevealed(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "show-secret --model m secret:d0 --format json", `{"d0":{"revision":1,"created":"2025-10-15T13:33:47Z","updated":"2025-10-15T13:33:47Z"}}`)
	okCall(r, "show-secret --model m secret:none --format json", `{}`)
	s, err := j.ShowSecret(cmdCtx(t), "secret:d0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Content != nil {
		t.Errorf("Content = %v, want nil without Reveal", s.Content)
	}
	_, err = j.ShowSecret(cmdCtx(t), "secret:none", nil)
	wantErrContains(t, err, "output has 0 secrets")
}
