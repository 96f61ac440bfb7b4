package model

import (
	"errors"
	"fmt"
	"maps"

	"github.com/canonical/jujutest/internal/local/state"
)

// ErrPermissionDenied is Juju's error when a unit reads or writes a data
// bag it may not: its own application's, when it is not the leader.
var ErrPermissionDenied = errors.New("permission denied")

// ReadRelationData returns the data bag reader (a unit) sees in relation
// r: a unit's (app false) or an application's (app true). A unit reads
// every bag in the relation but its own application's, which only the
// leader may read; a departed unit's bag stays readable.
func ReadRelationData(m *state.Model, r *state.Relation, reader, name string, app bool) (map[string]string, error) {
	own := state.AppOfUnit(reader)
	if app {
		if name == own {
			if a := m.Applications[own]; a == nil || a.Leader != reader {
				return nil, ErrPermissionDenied
			}
		} else if !r.Involves(name) {
			return nil, fmt.Errorf("application %q is not in relation %q", name, r.Key())
		}
		return r.AppSettings(name), nil
	}
	ru := r.Units[name]
	if ru == nil {
		if name == reader {
			return nil, nil
		}
		return nil, fmt.Errorf("cannot read settings for unit %q in relation %q: settings not found", name, r.Key())
	}
	return maps.Clone(ru.Data.Data), nil
}

// WriteRelationData commits a hook's relation-set changes of writer (a
// unit) in relation r: its own bag, and its application's, which only the
// leader may write. An empty value deletes a key; a bag's version moves
// only when something changed.
func WriteRelationData(m *state.Model, r *state.Relation, writer string, unit, app map[string]string) error {
	own := state.AppOfUnit(writer)
	if len(app) > 0 {
		if a := m.Applications[own]; a == nil || a.Leader != writer {
			return ErrPermissionDenied
		}
		r.AppBag(own).Apply(app)
	}
	if len(unit) > 0 {
		r.Unit(writer).Data.Apply(unit)
	}
	return nil
}
