package model_test

import (
	"strings"
	"testing"

	"github.com/juju/charm/v12"

	"github.com/canonical/jujutest/internal/local/model"
	"github.com/canonical/jujutest/internal/local/state"
)

// newModel returns a model with one application per metadata document.
func newModel(t *testing.T, metas map[string]string) *state.Model {
	t.Helper()
	m := &state.Model{Life: state.Alive, Applications: map[string]*state.Application{}}
	for name, doc := range metas {
		meta, err := charm.ReadMeta(strings.NewReader("summary: s\ndescription: d\n" + doc))
		if err != nil {
			t.Fatalf("metadata of %s: %v", name, err)
		}
		a := &state.Application{Name: name, Life: state.Alive, Relations: model.CharmEndpoints(name, meta), Units: map[string]*state.Unit{}}
		m.Applications[name] = a
		model.AddPeerRelations(m, a)
	}
	return m
}

const (
	proxyMeta = "name: proxy\nrequires:\n  upstream:\n    interface: http\n    limit: 1\n  cache:\n    interface: http\n"
	webMeta   = "name: web\nprovides:\n  website:\n    interface: http\npeers:\n  ring:\n    interface: web-ring\n"
	logMeta   = "name: log\nrequires:\n  info:\n    interface: juju-info\n  source:\n    interface: syslog\n"
)

func TestIntegrate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		eps  [2]string
		key  string
		err  string
	}{
		{name: "explicit", eps: [2]string{"proxy:upstream", "web"}, key: "proxy:upstream web:website"},
		{name: "either order", eps: [2]string{"web:website", "proxy:cache"}, key: "proxy:cache web:website"},
		{name: "ambiguous", eps: [2]string{"proxy", "web"},
			err: `ambiguous relation: "proxy web" could refer to "proxy:cache web:website"; "proxy:upstream web:website"`},
		// juju-info is implicit: it is left out when it makes a choice
		// ambiguous, and chosen when it is the only match.
		{name: "implicit", eps: [2]string{"log", "web"}, key: "log:info web:juju-info"},
		{name: "no match", eps: [2]string{"proxy", "log:source"}, err: "no relations found"},
		{name: "peer endpoint", eps: [2]string{"web:ring", "proxy"}, err: "no relations found"},
		{name: "unknown app", eps: [2]string{"proxy", "nope"}, err: `application "nope" not found`},
		{name: "unknown endpoint", eps: [2]string{"proxy:x", "web"}, err: `application "proxy" has no "x" relation`},
		{name: "bad endpoint", eps: [2]string{":x", "web"}, err: `invalid endpoint ":x"`},
		{name: "old state", eps: [2]string{"proxy", "old"},
			err: `application "old" was deployed by an older juju-local, which did not record its relation endpoints: remove and deploy it again`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newModel(t, map[string]string{"proxy": proxyMeta, "web": webMeta, "log": logMeta})
			m.Applications["old"] = &state.Application{Name: "old", Life: state.Alive}
			r, err := model.Integrate(m, model.IntegrateRequest{Endpoints: tc.eps})
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("Integrate(%q) = %v, want error %q", tc.eps, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Key() != tc.key || r.Life != state.Alive || m.Relation(r.ID) != r {
				t.Errorf("Integrate(%q) = %q (life %s), want %q", tc.eps, r.Key(), r.Life, tc.key)
			}
		})
	}
}

func TestRelationRules(t *testing.T) {
	t.Parallel()
	m := newModel(t, map[string]string{"proxy": proxyMeta, "web": webMeta, "web2": webMeta})
	peers := m.RelationsOf("web")
	if len(peers) != 1 || !peers[0].IsPeer() || peers[0].Key() != "web:ring" {
		t.Fatalf("web's relations after deploy = %v, want its peer relation", peers)
	}
	r, err := model.Integrate(m, model.IntegrateRequest{Endpoints: [2]string{"proxy:upstream", "web"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = model.Integrate(m, model.IntegrateRequest{Endpoints: [2]string{"web", "proxy:upstream"}})
	if _, ok := err.(*model.AlreadyExistsError); !ok {
		t.Errorf("second integrate: %v, want AlreadyExistsError", err)
	}
	_, err = model.Integrate(m, model.IntegrateRequest{Endpoints: [2]string{"proxy:upstream", "web2"}})
	if want := `cannot add relation "proxy:upstream web2:website": establishing a new relation for proxy:upstream would exceed its maximum relation limit of 1`; err == nil || err.Error() != want {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := model.RemoveRelation(m, model.RemoveRelationRequest{Endpoints: []string{"web2", "proxy"}}); err == nil ||
		err.Error() != `relation matching "web2 proxy" not found` {
		t.Errorf("remove unknown: %v", err)
	}
	// A relation with a unit in its scope dies; one with none goes.
	r.Unit("proxy/0").Created = true
	if _, err := model.RemoveRelation(m, model.RemoveRelationRequest{Endpoints: []string{"web", "proxy"}}); err != nil {
		t.Fatal(err)
	}
	if m.Relation(r.ID) == nil || r.Life != state.Dying {
		t.Fatalf("relation with a unit in scope: life %s", r.Life)
	}
	_, err = model.Integrate(m, model.IntegrateRequest{Endpoints: [2]string{"proxy:upstream", "web"}})
	if e, ok := err.(*model.AlreadyExistsError); !ok || !e.Dying {
		t.Errorf("integrate while dying: %v", err)
	}
	m.LeaveRelations("proxy/0")
	if m.Relation(r.ID) != nil {
		t.Errorf("dying relation with no unit left was kept")
	}
	// Removing an application kills its relations.
	r2, err := model.Integrate(m, model.IntegrateRequest{Endpoints: [2]string{"proxy:upstream", "web2"}})
	if err != nil {
		t.Fatal(err)
	}
	r2.Unit("web2/0").Created = true
	model.RemoveApplication(m, model.RemoveApplicationRequest{Names: []string{"proxy"}})
	if r2.Life != state.Dying || m.Applications["proxy"] != nil {
		t.Errorf("after remove-application: relation life %s, app %v", r2.Life, m.Applications["proxy"])
	}
}
