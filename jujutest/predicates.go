package jujutest

import (
	"maps"
	"slices"
	"strings"
)

// Condition is a predicate over a model's status, used by Wait. A
// Condition must be safe to call with a nil *Status (it then reports
// false, as every Condition in this package does) and must not modify the
// status.
type Condition func(*Status) bool

// allStatus reports whether every selected app, and every unit of it
// (subordinates included), has workload status want. With no apps, every
// app in the model is selected (and a model with no apps passes). A
// selected app missing from the model fails.
func allStatus(want string, apps []string) Condition {
	return func(s *Status) bool {
		if s == nil {
			return false
		}
		for _, app := range selected(s, apps) {
			a, ok := s.Apps[app]
			if !ok || a.AppStatus.Current != want {
				return false
			}
			if !s.eachUnit(app, func(_ string, u UnitStatus) bool { return u.WorkloadStatus.Current == want }) {
				return false
			}
		}
		return true
	}
}

// anyStatus reports whether any selected app, or any unit of it, has
// workload status want. Selected apps missing from the model are ignored.
func anyStatus(want string, apps []string) Condition {
	return func(s *Status) bool {
		if s == nil {
			return false
		}
		for _, app := range selected(s, apps) {
			a, ok := s.Apps[app]
			if !ok {
				continue
			}
			if a.AppStatus.Current == want {
				return true
			}
			if !s.eachUnit(app, func(_ string, u UnitStatus) bool { return u.WorkloadStatus.Current != want }) {
				return true
			}
		}
		return false
	}
}

func selected(s *Status, apps []string) []string {
	if len(apps) > 0 {
		return apps
	}
	return slices.Collect(maps.Keys(s.Apps))
}

// AllActive reports whether the given apps (all apps if none are given)
// and all their units, subordinates included, are active. An app missing
// from the model makes it false.
func AllActive(apps ...string) Condition { return allStatus(StatusActive, slices.Clone(apps)) }

// AllBlocked is AllActive for the blocked status.
func AllBlocked(apps ...string) Condition { return allStatus(StatusBlocked, slices.Clone(apps)) }

// AllError is AllActive for the error status.
func AllError(apps ...string) Condition { return allStatus(StatusError, slices.Clone(apps)) }

// AllMaintenance is AllActive for the maintenance status.
func AllMaintenance(apps ...string) Condition {
	return allStatus(StatusMaintenance, slices.Clone(apps))
}

// AllWaiting is AllActive for the waiting status.
func AllWaiting(apps ...string) Condition { return allStatus(StatusWaiting, slices.Clone(apps)) }

// AnyActive reports whether any of the given apps (all apps if none are
// given) or any of their units, subordinates included, is active. Apps
// missing from the model are ignored.
func AnyActive(apps ...string) Condition { return anyStatus(StatusActive, slices.Clone(apps)) }

// AnyBlocked is AnyActive for the blocked status.
func AnyBlocked(apps ...string) Condition { return anyStatus(StatusBlocked, slices.Clone(apps)) }

// AnyError is AnyActive for the error status. It is the usual error
// condition of Wait.
func AnyError(apps ...string) Condition { return anyStatus(StatusError, slices.Clone(apps)) }

// AnyMaintenance is AnyActive for the maintenance status.
func AnyMaintenance(apps ...string) Condition {
	return anyStatus(StatusMaintenance, slices.Clone(apps))
}

// AnyWaiting is AnyActive for the waiting status.
func AnyWaiting(apps ...string) Condition { return anyStatus(StatusWaiting, slices.Clone(apps)) }

// AllAgentsIdle reports whether the unit agents of the given apps (all
// apps if none are given), subordinates included, are all idle. Unlike the
// other predicates it looks at each unit's JujuStatus, not the workload.
// An app missing from the model makes it false.
func AllAgentsIdle(apps ...string) Condition {
	apps = slices.Clone(apps)
	return func(s *Status) bool {
		if s == nil {
			return false
		}
		for _, app := range selected(s, apps) {
			if _, ok := s.Apps[app]; !ok {
				return false
			}
			if !s.eachUnit(app, func(_ string, u UnitStatus) bool { return u.JujuStatus.Current == StatusIdle }) {
				return false
			}
		}
		return true
	}
}

// UnitsExactly reports whether app has exactly n units (subordinates
// included, as Status.Units counts them). A missing app has zero units.
func UnitsExactly(app string, n int) Condition {
	return func(s *Status) bool { return s != nil && countUnits(s, app) == n }
}

// UnitsAtLeast reports whether app has at least n units (subordinates
// included, as Status.Units counts them).
func UnitsAtLeast(app string, n int) Condition {
	return func(s *Status) bool { return s != nil && countUnits(s, app) >= n }
}

func countUnits(s *Status, app string) int {
	n := 0
	s.eachUnit(app, func(string, UnitStatus) bool { n++; return true })
	return n
}

// AppGone reports whether app is no longer in the model: neither the
// application nor any unit of it (a subordinate unit can outlive its
// application entry for a moment while it is being removed).
func AppGone(app string) Condition {
	return func(s *Status) bool {
		if s == nil {
			return false
		}
		if _, ok := s.Apps[app]; ok {
			return false
		}
		prefix := app + "/"
		for _, a := range s.Apps {
			for _, u := range a.Units {
				for name := range u.Subordinates {
					if strings.HasPrefix(name, prefix) {
						return false
					}
				}
			}
		}
		return true
	}
}

// Related reports whether app is related to other, as status shows it on
// both applications: app's endpoint (any endpoint when "") lists other,
// and one of other's endpoints lists app. Status lists a relation from
// `juju integrate` until it is removed, before its hooks have run; pair
// Related with AllActive or AllAgentsIdle to wait for those.
func Related(app, endpoint, other string) Condition {
	return func(s *Status) bool {
		if s == nil {
			return false
		}
		a, ok := s.Apps[app]
		if !ok {
			return false
		}
		lists := func(rels map[string][]AppRelation, ep, name string) bool {
			for e, rs := range rels {
				if ep != "" && e != ep {
					continue
				}
				for _, r := range rs {
					if r.RelatedApp == name {
						return true
					}
				}
			}
			return false
		}
		if !lists(a.Relations, endpoint, other) {
			return false
		}
		if o, ok := s.Apps[other]; ok {
			return lists(o.Relations, "", app)
		}
		// A remote application (consumed offer) lists local apps by name.
		if r, ok := s.AppEndpoints[other]; ok {
			for _, names := range r.Relations {
				if slices.Contains(names, app) {
					return true
				}
			}
		}
		return false
	}
}

// And reports whether every condition holds (true when there are none,
// false for a nil status). It stops at the first that does not.
func And(conds ...Condition) Condition {
	conds = slices.Clone(conds)
	return func(s *Status) bool {
		if s == nil {
			return false
		}
		for _, c := range conds {
			if c == nil || !c(s) {
				return false
			}
		}
		return true
	}
}

// Or reports whether any condition holds (false when there are none). It
// stops at the first that does.
func Or(conds ...Condition) Condition {
	conds = slices.Clone(conds)
	return func(s *Status) bool {
		if s == nil {
			return false
		}
		for _, c := range conds {
			if c != nil && c(s) {
				return true
			}
		}
		return false
	}
}

// Not negates c. It is false for a nil status, like every Condition.
func Not(c Condition) Condition {
	return func(s *Status) bool {
		if s == nil {
			return false
		}
		return c == nil || !c(s)
	}
}
