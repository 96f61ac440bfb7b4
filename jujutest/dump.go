package jujutest

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// String returns a readable, indented dump of the status that leaves out
// zero values, with map entries in sorted order. Small structs such as
// StatusInfo print on one line:
//
//	Apps:
//	  tinyproxy:
//	    Charm: local:tinyproxy-0
//	    AppStatus: {Current: active, Since: 15 Oct 2025 13:35:10Z}
func (s *Status) String() string {
	if s == nil {
		return "<nil>"
	}
	var b strings.Builder
	dumpFields(&b, reflect.ValueOf(*s), 0)
	return strings.TrimSuffix(b.String(), "\n")
}

// String returns the unit dump in the format of Status.String.
func (u UnitStatus) String() string { return dumpString(u) }

// String returns the application dump in the format of Status.String.
func (a AppStatus) String() string { return dumpString(a) }

// String returns the machine dump in the format of Status.String.
func (m MachineStatus) String() string { return dumpString(m) }

func dumpString(v any) string {
	var b strings.Builder
	dumpFields(&b, reflect.ValueOf(v), 0)
	return strings.TrimSuffix(b.String(), "\n")
}

// dumpFields writes the non-zero fields of struct v, one per line.
func dumpFields(b *strings.Builder, v reflect.Value, depth int) {
	t := v.Type()
	for i := range t.NumField() {
		f := v.Field(i)
		if !t.Field(i).IsExported() || isEmpty(f) {
			continue
		}
		dumpEntry(b, t.Field(i).Name, f, depth)
	}
}

// dumpEntry writes "name: value" or "name:" followed by an indented block.
func dumpEntry(b *strings.Builder, name string, v reflect.Value, depth int) {
	indent := strings.Repeat("  ", depth)
	if isFlat(v) {
		fmt.Fprintf(b, "%s%s: %s\n", indent, name, flat(v))
		return
	}
	fmt.Fprintf(b, "%s%s:\n", indent, name)
	switch v.Kind() {
	case reflect.Struct:
		dumpFields(b, v, depth+1)
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.String(), b.String()) })
		for _, k := range keys {
			dumpEntry(b, quoteIfNeeded(k.String()), v.MapIndex(k), depth+1)
		}
	case reflect.Slice:
		for i := range v.Len() {
			dumpEntry(b, "-", v.Index(i), depth+1)
		}
	}
}

// isFlat reports whether v prints on one line: scalars, slices of scalars,
// and structs whose fields are all scalars.
func isFlat(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if k := v.Field(i).Kind(); k == reflect.Struct || k == reflect.Map || k == reflect.Slice {
				return false
			}
		}
		return true
	case reflect.Slice:
		k := v.Type().Elem().Kind()
		return k != reflect.Struct && k != reflect.Map && k != reflect.Slice
	case reflect.Map:
		return false
	default:
		return true
	}
}

func flat(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return quoteIfNeeded(v.String())
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = flat(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Struct:
		var parts []string
		t := v.Type()
		for i := range t.NumField() {
			if f := v.Field(i); t.Field(i).IsExported() && !isEmpty(f) {
				parts = append(parts, t.Field(i).Name+": "+flat(f))
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		return fmt.Sprint(v.Interface())
	}
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		return v.Len() == 0
	default:
		return v.IsZero()
	}
}

func quoteIfNeeded(s string) string {
	if s == "" || strings.TrimSpace(s) != s || strings.ContainsAny(s, "\n\t") {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// Equal reports whether s and o describe the same state. The controller's
// timestamp, which changes on every call, is ignored, and so is the
// difference between a nil and an empty map or slice.
func (s *Status) Equal(o *Status) bool {
	if s == nil || o == nil {
		return s == o
	}
	a, b := *s, *o
	a.Controller, b.Controller = ControllerStatus{}, ControllerStatus{}
	return deepEqual(reflect.ValueOf(a), reflect.ValueOf(b))
}

// deepEqual is reflect.DeepEqual for the status types, with nil and empty
// maps and slices equal.
func deepEqual(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if !deepEqual(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() || !deepEqual(a.MapIndex(k), bv) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !deepEqual(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	default:
		return a.Interface() == b.Interface()
	}
}
