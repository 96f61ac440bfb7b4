package hooks

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
)

// UpstreamEndpoint is the charm's requires endpoint (interface http, limit
// 1) whose remote application is the proxy's upstream.
const UpstreamEndpoint = "upstream"

// RelationUpstream is an upstream URL published over the upstream
// relation.
type RelationUpstream struct {
	// Relation is the relation's id, e.g. "upstream:3"; App the remote
	// application.
	Relation, App string
	// URL is the upstream URL, built from the remote data.
	URL string
}

// relationUpstream reads the upstream from the http relation, if one
// exists and its remote side has published: the application's "url", else
// the first remote unit (by name) with a "url", or with "hostname" and
// "port" (the http interface's unit fields), as http://<hostname>:<port>/.
// It returns nil when there is no relation or no data yet: the config's
// upstream applies.
func (c *Charm) relationUpstream(ctx context.Context) (*RelationUpstream, error) {
	ids, err := c.Tools.RelationIDs(ctx, UpstreamEndpoint)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	id := ids[0] // limit 1
	app, err := c.Tools.RelationApp(ctx, id)
	if err != nil {
		return nil, err
	}
	if app != "" {
		data, err := c.Tools.RelationGet(ctx, id, app, true)
		if err != nil {
			return nil, err
		}
		if u := data["url"]; u != "" {
			return &RelationUpstream{Relation: id, App: app, URL: u}, nil
		}
	}
	units, err := c.Tools.RelationUnits(ctx, id)
	if err != nil {
		return nil, err
	}
	sort.Strings(units)
	for _, unit := range units {
		data, err := c.Tools.RelationGet(ctx, id, unit, false)
		if err != nil {
			return nil, err
		}
		if app == "" {
			app, _, _ = strings.Cut(unit, "/")
		}
		if u := data["url"]; u != "" {
			return &RelationUpstream{Relation: id, App: app, URL: u}, nil
		}
		if h, p := data["hostname"], data["port"]; h != "" && p != "" {
			return &RelationUpstream{Relation: id, App: app, URL: "http://" + net.JoinHostPort(h, p) + "/"}, nil
		}
	}
	return nil, nil
}

// source describes where an invalid upstream came from, for its status
// message: "" for the config option.
func (r *RelationUpstream) source() string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("relation %s (%s)", r.Relation, r.App)
}
