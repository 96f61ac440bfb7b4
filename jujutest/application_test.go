package jujutest_test

import (
	"testing"

	"github.com/canonical/jujutest/jujutest"
)

func TestAddUnit(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "add-unit --model m app", "")
	okCall(r, "add-unit --model m app --attach-storage d/0,d/1 --num-units 2 --to 0,lxd:1", "")
	ctx := cmdCtx(t)
	if err := j.AddUnit(ctx, "app", nil); err != nil {
		t.Fatal(err)
	}
	if err := j.AddUnit(ctx, "app", &jujutest.AddUnitOptions{
		AttachStorage: []string{"d/0", "d/1"}, NumUnits: 2, To: []string{"0", "lxd:1"},
	}); err != nil {
		t.Fatal(err)
	}
	wantErrContains(t, j.AddUnit(ctx, "", nil), "application is empty")
	wantErrContains(t, j.AddUnit(ctx, "app", &jujutest.AddUnitOptions{NumUnits: -2}), "NumUnits is -2")
	if n := len(r.Calls()); n != 2 {
		t.Errorf("ran %d commands, want 2", n)
	}
}

func TestRemoveUnit(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "remove-unit --model m --no-prompt app/1 app/2", "")
	okCall(r, "remove-unit --model m --no-prompt app --destroy-storage --force --no-wait --num-units 2", "")
	ctx := cmdCtx(t)
	if err := j.RemoveUnit(ctx, []string{"app/1", "app/2"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := j.RemoveUnit(ctx, []string{"app"}, &jujutest.RemoveUnitOptions{
		DestroyStorage: true, Force: true, NoWait: true, NumUnits: 2,
	}); err != nil {
		t.Fatal(err)
	}
	wantErrContains(t, j.RemoveUnit(ctx, nil, nil), "no units")
}

func TestRemoveApplication(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "remove-application --model m --no-prompt a b", "")
	okCall(r, "remove-application --model m --no-prompt a --destroy-storage --force --no-wait", "")
	ctx := cmdCtx(t)
	if err := j.RemoveApplication(ctx, []string{"a", "b"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := j.RemoveApplication(ctx, []string{"a"}, &jujutest.RemoveApplicationOptions{
		DestroyStorage: true, Force: true, NoWait: true,
	}); err != nil {
		t.Fatal(err)
	}
	wantErrContains(t, j.RemoveApplication(ctx, nil, nil), "no applications")
}

func TestExposeUnexpose(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "expose --model m app", "")
	okCall(r, "expose --model m app --endpoints www,api --to-spaces public --to-cidrs 10.0.0.0/8,192.168.0.0/16", "")
	okCall(r, "unexpose --model m app", "")
	okCall(r, "unexpose --model m app --endpoints www", "")
	ctx := cmdCtx(t)
	if err := j.Expose(ctx, "app", nil); err != nil {
		t.Fatal(err)
	}
	if err := j.Expose(ctx, "app", &jujutest.ExposeOptions{
		Endpoints: []string{"www", "api"}, ToSpaces: []string{"public"}, ToCIDRs: []string{"10.0.0.0/8", "192.168.0.0/16"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := j.Unexpose(ctx, "app", nil); err != nil {
		t.Fatal(err)
	}
	if err := j.Unexpose(ctx, "app", &jujutest.UnexposeOptions{Endpoints: []string{"www"}}); err != nil {
		t.Fatal(err)
	}
	if n := len(r.Calls()); n != 4 {
		t.Errorf("ran %d commands, want 4", n)
	}
}

func TestTrust(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "trust --model m app", "")
	okCall(r, "trust --model m app --remove --scope cluster", "")
	ctx := cmdCtx(t)
	if err := j.Trust(ctx, "app", nil); err != nil {
		t.Fatal(err)
	}
	if err := j.Trust(ctx, "app", &jujutest.TrustOptions{Remove: true, Scope: "cluster"}); err != nil {
		t.Fatal(err)
	}
}

func TestIntegrateAndRemoveRelation(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "integrate --model m app db:database", "")
	okCall(r, "integrate --model m app other.db --via 10.0.0.0/8,10.1.0.0/16", "")
	okCall(r, "remove-relation --model m app db", "")
	okCall(r, "remove-relation --model m app db --force", "")
	ctx := cmdCtx(t)
	if err := j.Integrate(ctx, "app", "db:database", nil); err != nil {
		t.Fatal(err)
	}
	if err := j.Integrate(ctx, "app", "other.db", &jujutest.IntegrateOptions{Via: []string{"10.0.0.0/8", "10.1.0.0/16"}}); err != nil {
		t.Fatal(err)
	}
	if err := j.RemoveRelation(ctx, "app", "db", nil); err != nil {
		t.Fatal(err)
	}
	if err := j.RemoveRelation(ctx, "app", "db", &jujutest.RemoveRelationOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	wantErrContains(t, j.Integrate(ctx, "app", "", nil), "want two applications")
	wantErrContains(t, j.RemoveRelation(ctx, "", "db", nil), "want two applications")
	if n := len(r.Calls()); n != 4 {
		t.Errorf("ran %d commands, want 4", n)
	}
}
