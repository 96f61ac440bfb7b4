package jujutest

import (
	"fmt"
	"regexp"
	"strings"
)

// ModelRef is a model reference as the CLI's --model flag takes it:
// [controller:][user/]model.
type ModelRef struct {
	// Controller is the controller name; empty means the current one.
	Controller string
	// User is the model's owner (its qualifier); empty means the current
	// user.
	User string
	// Model is the model's name.
	Model string
}

// modelNameRE is Juju's rule for model names.
var modelNameRE = regexp.MustCompile(`^[a-z0-9]+[a-z0-9-]*$`)

// ParseModelRef parses [controller:][user/]model. The model name must be
// lowercase letters, digits and hyphens, starting with a letter or digit,
// as Juju requires.
func ParseModelRef(s string) (ModelRef, error) {
	bad := func(why string) (ModelRef, error) {
		return ModelRef{}, fmt.Errorf("invalid model reference %q: %s; want [controller:][user/]model", s, why)
	}
	var r ModelRef
	rest := s
	if c, m, ok := strings.Cut(rest, ":"); ok {
		if c == "" {
			return bad("empty controller name")
		}
		r.Controller, rest = c, m
	}
	if u, m, ok := strings.Cut(rest, "/"); ok {
		if u == "" {
			return bad("empty user name")
		}
		r.User, rest = u, m
	}
	if strings.ContainsAny(rest, ":/") {
		return bad("too many separators")
	}
	if rest == "" {
		return bad("empty model name")
	}
	if !modelNameRE.MatchString(rest) {
		return bad("model names may only contain lowercase letters, digits and hyphens")
	}
	r.Model = rest
	return r, nil
}

// String formats the reference as [controller:][user/]model.
func (r ModelRef) String() string {
	s := r.Model
	if r.User != "" {
		s = r.User + "/" + s
	}
	if r.Controller != "" {
		s = r.Controller + ":" + s
	}
	return s
}

// Same reports whether r and o can name the same model: the model names
// are equal, and so are the controllers and the users wherever both
// references give one ("m" and "ctl:admin/m" can; "a:m" and "b:m" cannot).
func (r ModelRef) Same(o ModelRef) bool {
	if r.Model != o.Model {
		return false
	}
	if r.Controller != "" && o.Controller != "" && r.Controller != o.Controller {
		return false
	}
	return r.User == "" || o.User == "" || r.User == o.User
}

// SameModel reports whether the references a and b, each
// [controller:][user/]model, can name the same model; see ModelRef.Same.
// A reference that does not parse is the same only as an identical string.
func SameModel(a, b string) bool {
	ra, errA := ParseModelRef(a)
	rb, errB := ParseModelRef(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ra.Same(rb)
}
