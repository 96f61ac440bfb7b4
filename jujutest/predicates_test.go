package jujutest_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/canonical/jujutest/jujutest"
)

// model builds a status from app -> app status, and unit -> workload and
// agent statuses; "principal/0>sub/0" puts sub/0 under principal/0, and
// an app named in subordinateTo is a subordinate of the other apps.
func model(apps map[string]string, units map[string][2]string, subordinateTo map[string][]string) *jujutest.Status {
	st := &jujutest.Status{Apps: map[string]jujutest.AppStatus{}}
	for name, cur := range apps {
		st.Apps[name] = jujutest.AppStatus{AppStatus: jujutest.StatusInfo{Current: cur}, SubordinateTo: subordinateTo[name],
			Units: map[string]jujutest.UnitStatus{}}
	}
	// Principal units first, so that subordinates attach to them.
	names := slices.Collect(maps.Keys(units))
	slices.SortFunc(names, func(a, b string) int { return strings.Count(a, ">") - strings.Count(b, ">") })
	for _, name := range names {
		s := units[name]
		u := jujutest.UnitStatus{WorkloadStatus: jujutest.StatusInfo{Current: s[0]}, JujuStatus: jujutest.StatusInfo{Current: s[1]}}
		principal, sub, isSub := cut(name, ">")
		if !isSub {
			app, _, _ := cut(name, "/")
			st.Apps[app].Units[name] = u
			continue
		}
		app, _, _ := cut(principal, "/")
		pu := st.Apps[app].Units[principal]
		if pu.Subordinates == nil {
			pu.Subordinates = map[string]jujutest.UnitStatus{}
		}
		pu.Subordinates[sub] = u
		st.Apps[app].Units[principal] = pu
	}
	return st
}

func cut(s, sep string) (string, string, bool) {
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

func TestPredicates(t *testing.T) {
	t.Parallel()
	// Principal p/0 and p/1 active; subordinate s/0 active, s/1 blocked.
	mixed := model(
		map[string]string{"p": "active", "s": "blocked"},
		map[string][2]string{
			"p/0": {"active", "idle"}, "p/1": {"active", "executing"},
			"p/0>s/0": {"active", "idle"}, "p/1>s/1": {"blocked", "idle"},
		},
		map[string][]string{"s": {"p"}},
	)
	allActive := model(
		map[string]string{"p": "active", "s": "active"},
		map[string][2]string{"p/0": {"active", "idle"}, "p/0>s/0": {"active", "idle"}},
		map[string][]string{"s": {"p"}},
	)
	// The app says active but a unit is in error.
	unitError := model(map[string]string{"a": "active"}, map[string][2]string{"a/0": {"active", "idle"}, "a/1": {"error", "idle"}}, nil)
	empty := &jujutest.Status{}

	tests := []struct {
		name string
		cond jujutest.Condition
		st   *jujutest.Status
		want bool
	}{
		{"AllActive all apps", jujutest.AllActive(), allActive, true},
		{"AllActive with blocked subordinate", jujutest.AllActive(), mixed, false},
		{"AllActive principal only", jujutest.AllActive("p"), mixed, true},
		{"AllActive subordinate unit blocked", jujutest.AllActive("s"), mixed, false},
		{"AllActive missing app", jujutest.AllActive("p", "missing"), mixed, false},
		{"AllActive empty model", jujutest.AllActive(), empty, true},
		{"AllActive unit error", jujutest.AllActive("a"), unitError, false},
		{"AllActive nil status", jujutest.AllActive(), nil, false},
		{"AllBlocked", jujutest.AllBlocked("s"), mixed, false},
		{"AllError", jujutest.AllError(), unitError, false},
		{"AllMaintenance", jujutest.AllMaintenance(), allActive, false},
		{"AllWaiting", jujutest.AllWaiting(), allActive, false},
		{"AnyBlocked subordinate unit", jujutest.AnyBlocked("s"), mixed, true},
		{"AnyBlocked principal", jujutest.AnyBlocked("p"), mixed, false},
		{"AnyBlocked missing ignored", jujutest.AnyBlocked("missing", "s"), mixed, true},
		{"AnyBlocked only missing", jujutest.AnyBlocked("missing"), mixed, false},
		{"AnyError unit", jujutest.AnyError(), unitError, true},
		{"AnyError none", jujutest.AnyError(), mixed, false},
		{"AnyActive", jujutest.AnyActive("s"), mixed, true},
		{"AnyMaintenance", jujutest.AnyMaintenance(), mixed, false},
		{"AnyWaiting", jujutest.AnyWaiting(), mixed, false},
		{"AnyError nil", jujutest.AnyError(), nil, false},
		{"AllAgentsIdle executing", jujutest.AllAgentsIdle(), mixed, false},
		{"AllAgentsIdle subordinate only", jujutest.AllAgentsIdle("s"), mixed, true},
		{"AllAgentsIdle missing", jujutest.AllAgentsIdle("missing"), mixed, false},
		{"AllAgentsIdle", jujutest.AllAgentsIdle(), allActive, true},
		{"UnitsExactly principal", jujutest.UnitsExactly("p", 2), mixed, true},
		{"UnitsExactly subordinate", jujutest.UnitsExactly("s", 2), mixed, true},
		{"UnitsExactly wrong", jujutest.UnitsExactly("p", 3), mixed, false},
		{"UnitsExactly missing zero", jujutest.UnitsExactly("missing", 0), mixed, true},
		{"UnitsAtLeast", jujutest.UnitsAtLeast("p", 1), mixed, true},
		{"UnitsAtLeast too many", jujutest.UnitsAtLeast("p", 3), mixed, false},
		{"UnitsAtLeast nil", jujutest.UnitsAtLeast("p", 0), nil, false},
		{"AppGone present", jujutest.AppGone("p"), mixed, false},
		{"AppGone absent", jujutest.AppGone("x"), mixed, true},
		{"And", jujutest.And(jujutest.AllActive("p"), jujutest.AnyBlocked("s")), mixed, true},
		{"And fails", jujutest.And(jujutest.AllActive("p"), jujutest.AllActive("s")), mixed, false},
		{"And empty", jujutest.And(), mixed, true},
		{"And nil status", jujutest.And(), nil, false},
		{"Or", jujutest.Or(jujutest.AllActive("s"), jujutest.AnyBlocked("s")), mixed, true},
		{"Or empty", jujutest.Or(), mixed, false},
		{"Not", jujutest.Not(jujutest.AllActive("s")), mixed, true},
		{"Not nil status", jujutest.Not(jujutest.AllActive("s")), nil, false},
	}
	for _, tc := range tests {
		if got := tc.cond(tc.st); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAppGoneWithLingeringSubordinate(t *testing.T) {
	t.Parallel()
	// The subordinate application entry is gone, one of its units is not.
	st := model(map[string]string{"p": "active"}, map[string][2]string{"p/0": {"active", "idle"}, "p/0>s/0": {"maintenance", "executing"}}, nil)
	if jujutest.AppGone("s")(st) {
		t.Error("AppGone(s) with unit s/0 still listed should be false")
	}
}

func TestPredicatesOnFixtures(t *testing.T) {
	t.Parallel()
	machine := parseFixture(t, "status-machine.json")
	if jujutest.AllActive()(machine) || !jujutest.AllActive("tinyproxy")(machine) || !jujutest.AnyBlocked()(machine) {
		t.Error("machine fixture: tinyproxy active, nrpe blocked")
	}
	errs := parseFixture(t, "status-errors.json")
	if !jujutest.AnyError("app")(errs) || jujutest.AllActive("sub")(errs) {
		t.Error("errors fixture: app in error; sub has a failed unit")
	}
}

func TestIsMethods(t *testing.T) {
	t.Parallel()
	for _, cur := range []string{"active", "blocked", "error", "maintenance", "waiting", "unknown"} {
		a := jujutest.AppStatus{AppStatus: jujutest.StatusInfo{Current: cur}}
		u := jujutest.UnitStatus{WorkloadStatus: jujutest.StatusInfo{Current: cur}, JujuStatus: jujutest.StatusInfo{Current: "active"}}
		got := []bool{a.IsActive(), a.IsBlocked(), a.IsError(), a.IsMaintenance(), a.IsWaiting()}
		gotU := []bool{u.IsActive(), u.IsBlocked(), u.IsError(), u.IsMaintenance(), u.IsWaiting()}
		for i, state := range []string{"active", "blocked", "error", "maintenance", "waiting"} {
			if got[i] != (cur == state) || gotU[i] != (cur == state) {
				t.Errorf("status %s: Is* for %s = app %v, unit %v", cur, state, got[i], gotU[i])
			}
		}
	}
}

func TestRelated(t *testing.T) {
	t.Parallel()
	// Juju 3.6's status of tinyproxy related to nrpe (a subordinate) on
	// juju-info, and the k8s fixture's app related to a consumed offer.
	machine := parseFixture(t, "status-machine.json")
	for _, tc := range []struct {
		app, endpoint, other string
		want                 bool
	}{
		{"tinyproxy", "juju-info", "nrpe", true},
		{"tinyproxy", "", "nrpe", true},
		{"nrpe", "general-info", "tinyproxy", true},
		{"tinyproxy", "upstream", "nrpe", false},
		{"tinyproxy", "", "nope", false},
		{"nope", "", "tinyproxy", false},
	} {
		if got := jujutest.Related(tc.app, tc.endpoint, tc.other)(machine); got != tc.want {
			t.Errorf("Related(%q, %q, %q) = %v, want %v", tc.app, tc.endpoint, tc.other, got, tc.want)
		}
	}
	if jujutest.Related("a", "", "b")(nil) {
		t.Error("Related on a nil status is true")
	}
	// A consumed offer lists the local applications by name.
	cmr := &jujutest.Status{
		Apps: map[string]jujutest.AppStatus{"web": {Relations: map[string][]jujutest.AppRelation{
			"db": {{RelatedApp: "pg", Interface: "pgsql", Scope: "global"}}}}},
		AppEndpoints: map[string]jujutest.RemoteAppStatus{"pg": {Relations: map[string][]string{"db": {"web"}}}},
	}
	if !jujutest.Related("web", "db", "pg")(cmr) || jujutest.Related("web", "db", "other")(cmr) {
		t.Error("Related across models: want web related to the offer pg only")
	}
	// Half a relation (one side listed) is not a relation.
	half := &jujutest.Status{Apps: map[string]jujutest.AppStatus{
		"a": {Relations: map[string][]jujutest.AppRelation{"x": {{RelatedApp: "b"}}}}, "b": {}}}
	if jujutest.Related("a", "", "b")(half) {
		t.Error("Related with only one side listing the relation is true")
	}
}
