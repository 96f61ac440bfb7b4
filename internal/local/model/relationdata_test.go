package model_test

import (
	"errors"
	"maps"
	"testing"

	"github.com/canonical/jujutest/internal/local/model"
	"github.com/canonical/jujutest/internal/local/state"
)

func TestRelationDataRules(t *testing.T) {
	t.Parallel()
	m := newModel(t, map[string]string{"proxy": proxyMeta, "web": webMeta})
	for _, name := range []string{"web/0", "web/1", "proxy/0"} {
		a := m.Applications[state.AppOfUnit(name)]
		a.Units[name] = &state.Unit{Name: name, Life: state.Alive}
		if a.Leader == "" {
			a.Leader = name
		}
	}
	r, err := model.Integrate(m, model.IntegrateRequest{Endpoints: [2]string{"proxy:upstream", "web"}})
	if err != nil {
		t.Fatal(err)
	}
	// The leader writes its application's bag and its own; a minion only
	// its own.
	if err := model.WriteRelationData(m, r, "web/0", map[string]string{"port": "80"}, map[string]string{"url": "http://web/"}); err != nil {
		t.Fatal(err)
	}
	if err := model.WriteRelationData(m, r, "web/1", nil, map[string]string{"url": "http://other/"}); !errors.Is(err, model.ErrPermissionDenied) {
		t.Errorf("minion writing its app's bag: %v", err)
	}
	if v := r.AppData["web"].Version; v != 1 {
		t.Errorf("app bag version %d after one change", v)
	}
	if err := model.WriteRelationData(m, r, "web/0", map[string]string{"port": "80"}, nil); err != nil || r.Units["web/0"].Data.Version != 1 {
		t.Errorf("rewriting the same value moved the version: %v, %d", err, r.Units["web/0"].Data.Version)
	}
	for _, tc := range []struct {
		reader, name string
		app          bool
		want         map[string]string
		err          string
	}{
		{"proxy/0", "web", true, map[string]string{"url": "http://web/"}, ""},
		{"proxy/0", "web/0", false, map[string]string{"port": "80"}, ""},
		{"web/0", "web", true, map[string]string{"url": "http://web/"}, ""},
		{"web/1", "web", true, nil, "permission denied"},
		{"proxy/0", "other", true, nil, `application "other" is not in relation "proxy:upstream web:website"`},
		{"proxy/0", "web/1", false, nil, `cannot read settings for unit "web/1" in relation "proxy:upstream web:website": settings not found`},
		{"proxy/0", "proxy/0", false, nil, ""},
	} {
		got, err := model.ReadRelationData(m, r, tc.reader, tc.name, tc.app)
		if (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) || !maps.Equal(got, tc.want) {
			t.Errorf("%s reads %s (app %v): %v, %v; want %v, %q", tc.reader, tc.name, tc.app, got, err, tc.want, tc.err)
		}
	}
}
