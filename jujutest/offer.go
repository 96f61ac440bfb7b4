package jujutest

import (
	"context"
	"fmt"
	"strings"
)

// OfferOptions are the options of Offer. Endpoints is required.
type OfferOptions struct {
	// Endpoints are the application's endpoints to offer; at least one.
	Endpoints []string
	// Name is the offer's name. Empty means the application's name.
	Name string
	// Controller is the controller of the model (--controller). Empty
	// means the controller in Juju.Model, or the current controller.
	Controller string
}

// Offer runs "juju offer" to offer app's endpoints to other models. app is
// an application in Juju.Model, or model.app for another model. Unlike
// Jubilant, a controller in Juju.Model is passed as --controller rather
// than ignored (Jubilant #231).
func (j *Juju) Offer(ctx context.Context, app string, opts *OfferOptions) error {
	if opts == nil || len(opts.Endpoints) == 0 {
		return fmt.Errorf("juju offer %s: no endpoints; set OfferOptions.Endpoints to at least one endpoint", app)
	}
	if err := required("offer", "application", app); err != nil {
		return err
	}
	controller := opts.Controller
	if !strings.Contains(app, ".") && j.Model != "" {
		ref, err := ParseModelRef(j.Model)
		if err != nil {
			return fmt.Errorf("juju offer %s: %w", app, err)
		}
		model := ref.Model
		if ref.User != "" {
			model = ref.User + "/" + model
		}
		app = model + "." + app
		if controller == "" {
			controller = ref.Controller
		}
	}
	a := argList{"offer"}
	a.str("--controller", controller)
	a.add(app + ":" + strings.Join(opts.Endpoints, ","))
	if opts.Name != "" {
		a.add(opts.Name)
	}
	_, err := j.run(ctx, call{args: a, noModel: true})
	return err
}

// ConsumeOptions are the options of Consume.
type ConsumeOptions struct {
	// Alias is the local name of the remote application. Empty means the
	// offer's name.
	Alias string
	// Controller and Owner, when set, qualify the offer URL as
	// controller:owner/model.offer.
	Controller string
	Owner      string
}

// Consume runs "juju consume" to add the offer at offerURL,
// [controller:][owner/]model.offer, to Juju.Model as a remote application
// that can then be integrated. A nil opts means the defaults.
func (j *Juju) Consume(ctx context.Context, offerURL string, opts *ConsumeOptions) error {
	if opts == nil {
		opts = &ConsumeOptions{}
	}
	if err := required("consume", "offer URL", offerURL); err != nil {
		return err
	}
	if opts.Owner != "" {
		offerURL = opts.Owner + "/" + offerURL
	}
	if opts.Controller != "" {
		offerURL = opts.Controller + ":" + offerURL
	}
	a := argList{"consume", offerURL}
	if opts.Alias != "" {
		a.add(opts.Alias)
	}
	_, err := j.run(ctx, call{args: a})
	return err
}
