package cli

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/juju/names/v5"

	"github.com/canonical/jujutest/internal/local/model"
	"github.com/canonical/jujutest/internal/local/state"
)

// endpointNameRE is Juju's endpoint-name pattern (names.RelationSnippet).
var endpointNameRE = regexp.MustCompile("^" + names.RelationSnippet + "$")

// checkEndpointArg checks an "app[:endpoint]" argument as Juju's
// integrate does before it calls the controller.
func checkEndpointArg(arg string) error {
	app := arg
	if i := strings.Index(arg, ":"); i != -1 {
		parts := strings.Split(arg, ":")
		if i == 0 || i == len(arg)-1 || len(parts) != 2 || !endpointNameRE.MatchString(parts[1]) {
			return fmt.Errorf("endpoint %q not valid", arg)
		}
		app = parts[0]
	}
	if !names.IsValidApplication(app) {
		return fmt.Errorf("application name %q not valid", app)
	}
	return nil
}

func (r *run) cmdIntegrate(args []string) error {
	fs := r.flags("integrate")
	modelRef := modelFlag(fs)
	var via string
	fs.StringVar(&via, "via", "", "For cross model relations, specify the egress subnets for outbound traffic")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) != 2 {
		return usagef("an integration must involve two applications")
	}
	for _, a := range rest {
		// An offer URL ("[controller:][user/]model.app") names an
		// application of another model; local application and endpoint
		// names have no dot. (Juju's crossmodel.ParseOfferURL would
		// bring macaroon packages into the backend for this one test.)
		if strings.Contains(a, ".") {
			return fmt.Errorf("juju-local does not model cross-model relations: %q is an offer URL; relate applications of the same model", a)
		}
		if err := checkEndpointArg(a); err != nil {
			return &usageError{err}
		}
	}
	if via != "" {
		return errors.New("integration via subnets for non cross model relations not supported")
	}
	var uuid string
	err := r.updateModel(*modelRef, func(_ *state.State, m *state.Model) error {
		uuid = m.UUID
		_, err := model.Integrate(m, model.IntegrateRequest{Endpoints: [2]string{rest[0], rest[1]}})
		return err
	})
	var exists *model.AlreadyExistsError
	if errors.As(err, &exists) {
		// Juju's integrate splits the controller's message at ": " and
		// points at status.
		return fmt.Errorf("%s: \n\nUse 'juju status --relations' to view the current relations.",
			strings.Join(strings.Split(err.Error(), ": "), "\n"))
	}
	if err != nil {
		return err
	}
	return r.ensureAgent(uuid)
}

func (r *run) cmdRemoveRelation(args []string) error {
	fs := r.flags("remove-relation")
	modelRef := modelFlag(fs)
	var force, noWait bool
	fs.BoolVar(&force, "force", false, "Force remove a relation")
	fs.BoolVar(&noWait, "no-wait", false, "Rush through relation removal without waiting for each individual step to complete")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	// --force is accepted for Juju's syntax; it changes nothing here: a
	// relation hook that fails leaves its unit in error either way, as
	// the local backend does not retry hooks.
	req := model.RemoveRelationRequest{}
	switch len(rest) {
	case 1:
		id, err := strconv.Atoi(rest[0])
		if err != nil || id < 0 {
			return usagef("relation ID %q not valid", rest[0])
		}
		req.ID = id
	case 2:
		req.Endpoints = rest
	default:
		return usagef("a relation must involve two applications")
	}
	if noWait && !force {
		return errors.New("--no-wait without --force not valid")
	}
	var uuid string
	err := r.updateModel(*modelRef, func(_ *state.State, m *state.Model) error {
		uuid = m.UUID
		_, err := model.RemoveRelation(m, req)
		return err
	})
	if err != nil {
		return err
	}
	return r.ensureAgent(uuid)
}

// unitRelationData is one unit's part of a relation in show-unit.
type unitRelationData struct {
	InScope bool           `json:"in-scope" yaml:"in-scope"`
	Data    map[string]any `json:"data" yaml:"data"`
}

// relationData is one entry of show-unit's relation-info.
type relationData struct {
	RelationID      int                         `json:"relation-id" yaml:"relation-id"`
	Endpoint        string                      `json:"endpoint" yaml:"endpoint"`
	CrossModel      bool                        `json:"cross-model,omitempty" yaml:"cross-model,omitempty"`
	RelatedEndpoint string                      `json:"related-endpoint" yaml:"related-endpoint"`
	ApplicationData map[string]any              `json:"application-data" yaml:"application-data"`
	LocalUnit       *unitRelationData           `json:"local-unit,omitempty" yaml:"local-unit,omitempty"`
	RelatedUnits    map[string]unitRelationData `json:"related-units,omitempty" yaml:"related-units,omitempty"`
}

// relationInfo is show-unit's relation-info of unit, as Juju 3.6 builds
// it: for each relation of the unit's application, the related
// application's data and its units' (the unit itself shows as local-unit,
// which only a peer relation has), filtered by --endpoint,
// --related-unit and --app.
func relationInfo(m *state.Model, unit, endpoint, relatedUnit string, appOnly bool) []relationData {
	app := state.AppOfUnit(unit)
	var out []relationData
	for _, r := range m.RelationsOf(app) {
		ep, _ := r.Endpoint(app)
		if endpoint != "" && ep.Name != endpoint {
			continue
		}
		other := r.Other(app)
		rd := relationData{
			RelationID: r.ID, Endpoint: ep.Name, RelatedEndpoint: other.Name,
			ApplicationData: map[string]any{},
		}
		for k, v := range r.AppSettings(other.App) {
			rd.ApplicationData[k] = v
		}
		if appOnly {
			out = append(out, rd)
			continue
		}
		if oa := m.Applications[other.App]; oa != nil {
			for _, name := range oa.UnitNames() {
				if relatedUnit != "" && name != relatedUnit {
					continue
				}
				urd := unitRelationData{}
				if ru := r.Units[name]; ru.InScope() {
					urd.InScope = true
					urd.Data = map[string]any{}
					for k, v := range ru.Data.Data {
						urd.Data[k] = v
					}
				}
				if name == unit {
					// Juju's field is a struct with omitempty: a zero
					// one (out of scope, no data) is left out.
					if urd.InScope || urd.Data != nil {
						rd.LocalUnit = &urd
					}
					continue
				}
				if rd.RelatedUnits == nil {
					rd.RelatedUnits = map[string]unitRelationData{}
				}
				rd.RelatedUnits[name] = urd
			}
		}
		out = append(out, rd)
	}
	return out
}
