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
	req := model.RemoveRelationRequest{Force: force}
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
