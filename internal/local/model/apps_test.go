package model_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canonical/jujutest/internal/local/model"
	"github.com/canonical/jujutest/internal/local/state"
)

func emptyModel(provider string) *state.Model {
	return &state.Model{Name: "m", Life: state.Alive, Provider: provider,
		Applications: map[string]*state.Application{}, Machines: map[string]*state.Machine{}}
}

func TestAddApplicationOnLXD(t *testing.T) {
	t.Parallel()
	m := emptyModel(state.ProviderLXD)
	now := time.Now()
	lxd := model.Placement{Image: "juju/debian@12/amd64", Base: state.Base{Name: "debian", Channel: "12"}}
	units, err := model.AddApplication(m, model.AddApplicationRequest{App: &state.Application{Name: "web"}, Units: 2, Placement: lxd, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	a := m.Applications["web"]
	if strings.Join(units, " ") != "web/0 web/1" || a.Leader != "web/0" || a.Units["web/1"].Machine != "1" ||
		m.Machines["1"].Image != lxd.Image || m.Machines["1"].Agent.Current != "pending" {
		t.Fatalf("units %q, app %+v, machines %+v", units, a, m.Machines)
	}
	// --to places on existing machines first, then makes new ones.
	lxd.To = "0"
	added, err := model.AddUnit(m, model.AddUnitRequest{App: "web", Units: 2, Placement: lxd, Now: now})
	if err != nil || m.Applications["web"].Units[added[0]].Machine != "0" || m.Applications["web"].Units[added[1]].Machine != "2" {
		t.Fatalf("add-unit --to 0 -n 2: %q, %v", added, err)
	}
	for _, tc := range []struct{ to, err string }{
		{"0,1,2", "cannot place 2 units on 3 placement directives"},
		{"9", "cannot deploy to machine 9: machine 9 not found"},
		{"lxd:0", `juju-local places units on existing machines or new ones, not on "lxd:0"`},
	} {
		lxd.To = tc.to
		if _, err := model.AddUnit(m, model.AddUnitRequest{App: "web", Units: 2, Placement: lxd, Now: now}); err == nil || err.Error() != tc.err {
			t.Errorf("--to %s: %v, want %q", tc.to, err, tc.err)
		}
	}
	if _, err := model.AddApplication(m, model.AddApplicationRequest{App: &state.Application{Name: "web"}, Units: 1, Placement: lxd}); err == nil ||
		!strings.HasPrefix(err.Error(), `cannot add application "web": application already exists`) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := model.AddApplication(m, model.AddApplicationRequest{App: &state.Application{Name: "Web_1"}, Units: 1}); err == nil ||
		!strings.HasPrefix(err.Error(), `cannot add application "Web_1": `) {
		t.Errorf("bad name: %v", err)
	}
	model.RemoveApplication(m, model.RemoveApplicationRequest{Names: []string{"web"}})
	if _, err := model.AddUnit(m, model.AddUnitRequest{App: "web", Units: 1, Placement: lxd}); err == nil ||
		err.Error() != `cannot add unit to application "web": application is not alive` {
		t.Errorf("add-unit to a dying app: %v", err)
	}
}

func TestAddApplicationOnHost(t *testing.T) {
	t.Parallel()
	m := emptyModel(state.ProviderHost)
	host := &state.Machine{ID: "0", Address: "127.0.0.1", InstanceID: "manual:"}
	for _, app := range []string{"a", "b"} {
		if _, err := model.AddApplication(m, model.AddApplicationRequest{App: &state.Application{Name: app}, Units: 1, Placement: model.Placement{Host: host}}); err != nil {
			t.Fatal(err)
		}
	}
	if len(m.Machines) != 1 || len(m.UnitsOn("0")) != 2 || m.Machines["0"] == host {
		t.Errorf("host model: machines %+v, units on 0: %d (the host machine must be a copy)", m.Machines, len(m.UnitsOn("0")))
	}
	if rev := model.UploadCharm(m, "a"); rev != 0 {
		t.Errorf("first upload revision %d", rev)
	}
	if rev := model.UploadCharm(m, "a"); rev != 1 {
		t.Errorf("second upload revision %d", rev)
	}
}
