package jujutest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// SecretURI identifies a secret: "secret:<id>", or "secret://<model
// uuid>/<id>" for a secret of another model. Methods that take a SecretURI
// also accept a user secret's name, which Juju resolves in the model.
type SecretURI string

// String returns the URI.
func (u SecretURI) String() string { return string(u) }

// UniqueIdentifier returns the secret's id, the part after "secret:" or
// after the model UUID; a value of neither form is returned unchanged.
func (u SecretURI) UniqueIdentifier() string {
	s := string(u)
	if rest, ok := strings.CutPrefix(s, "secret://"); ok {
		if i := strings.LastIndexByte(rest, '/'); i >= 0 {
			return rest[i+1:]
		}
		return rest
	}
	if rest, ok := strings.CutPrefix(s, "secret:"); ok {
		return rest
	}
	return s
}

// ParseSecretURI checks that s is a secret URI, "secret:<id>" or
// "secret://<model uuid>/<id>", where the id is lowercase letters and
// digits, and returns it as a SecretURI.
func ParseSecretURI(s string) (SecretURI, error) {
	bad := func(why string) (SecretURI, error) {
		return "", fmt.Errorf("invalid secret URI %q: %s; want secret:<id> or secret://<model-uuid>/<id>", s, why)
	}
	var id string
	if rest, ok := strings.CutPrefix(s, "secret://"); ok {
		uuid, tail, found := strings.Cut(rest, "/")
		if !found || uuid == "" {
			return bad("no model UUID")
		}
		id = tail
	} else if rest, ok := strings.CutPrefix(s, "secret:"); ok {
		id = rest
	} else {
		return bad(`no "secret:" prefix`)
	}
	if id == "" {
		return bad("empty id")
	}
	for _, r := range id {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return bad(fmt.Sprintf("id contains %q", r))
		}
	}
	return SecretURI(s), nil
}

// Secret describes a secret, from "juju secrets" or "juju show-secret".
type Secret struct {
	// URI identifies the secret ("secret:" and the id Juju keys it by).
	URI SecretURI
	// Revision is the latest revision.
	Revision int
	// Checksum is the latest revision's checksum; shown with Reveal by
	// Juju 3.6 and later.
	Checksum string
	// Owner is the owning application or unit, or "<model>" for a user
	// secret.
	Owner string
	// Name is a user secret's name.
	Name string
	// Label is a charm secret's label.
	Label string
	// Description is the secret's description (--info).
	Description string
	// Rotation is the rotation policy, such as "never" or "hourly".
	Rotation string
	// Expires and Rotates are the next expiry and rotation times; zero
	// when not set.
	Expires time.Time
	Rotates time.Time
	// Created and Updated are when the secret was created and last
	// updated.
	Created time.Time
	Updated time.Time
	// Error is Juju's error reading the secret, if any.
	Error string
	// Access lists the grants, from show-secret.
	Access []SecretAccess
	// Revisions lists the revisions, from show-secret with Revisions.
	Revisions []SecretRevision
	// Content holds the secret's key/value content, from show-secret with
	// Reveal; nil otherwise.
	Content map[string]string
}

// SecretAccess is one grant of a secret.
type SecretAccess struct {
	Target string `json:"target"` // who is granted, such as "application-app"
	Scope  string `json:"scope"`  // what the grant is tied to, such as a relation
	Role   string `json:"role"`   // "view" or "manage"
}

// SecretRevision describes one revision of a secret.
type SecretRevision struct {
	Revision int       `json:"revision"` // the revision number
	Backend  string    `json:"backend"`  // the backend holding it, if not the internal one
	Created  time.Time `json:"created"`  // when it was created
	Updated  time.Time `json:"updated"`  // when it was last updated
	Expires  time.Time `json:"expires"`  // when it expires; zero if never
}

// wireSecret is one entry of "juju secrets/show-secret --format json".
type wireSecret struct {
	Revision    int              `json:"revision"`
	Checksum    string           `json:"checksum"`
	Expires     time.Time        `json:"expires"`
	Rotation    string           `json:"rotation"`
	Rotates     time.Time        `json:"rotates"`
	Owner       string           `json:"owner"`
	Description string           `json:"description"`
	Name        string           `json:"name"`
	Label       string           `json:"label"`
	Created     time.Time        `json:"created"`
	Updated     time.Time        `json:"updated"`
	Error       string           `json:"error"`
	Access      []SecretAccess   `json:"access"`
	Revisions   []SecretRevision `json:"revisions"`
	Content     *struct {
		Data map[string]string `json:"Data"`
	} `json:"content"`
}

// parseSecrets parses secrets keyed by id, sorted by URI.
func parseSecrets(out string) ([]Secret, error) {
	var raw map[string]wireSecret
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		return nil, err
	}
	secrets := make([]Secret, 0, len(raw))
	for _, id := range slices.Sorted(maps.Keys(raw)) {
		w := raw[id]
		s := Secret{
			URI:         SecretURI("secret:" + id),
			Revision:    w.Revision,
			Checksum:    w.Checksum,
			Owner:       w.Owner,
			Name:        w.Name,
			Label:       w.Label,
			Description: w.Description,
			Rotation:    w.Rotation,
			Expires:     w.Expires,
			Rotates:     w.Rotates,
			Created:     w.Created,
			Updated:     w.Updated,
			Error:       w.Error,
			Access:      w.Access,
			Revisions:   w.Revisions,
		}
		if w.Content != nil {
			s.Content = w.Content.Data
			if s.Content == nil {
				s.Content = map[string]string{}
			}
		}
		secrets = append(secrets, s)
	}
	return secrets, nil
}

// AddSecretOptions are the options of AddSecret.
type AddSecretOptions struct {
	// Info is the secret's description (--info).
	Info string
}

// AddSecret runs "juju add-secret" to create a user secret named name with
// content, passed as a YAML file so that no value appears on a command
// line, and returns its URI. A nil opts means the defaults.
func (j *Juju) AddSecret(ctx context.Context, name string, content map[string]string, opts *AddSecretOptions) (SecretURI, error) {
	if opts == nil {
		opts = &AddSecretOptions{}
	}
	if err := required("add-secret", "name", name); err != nil {
		return "", err
	}
	if len(content) == 0 {
		return "", fmt.Errorf("juju add-secret %s: no content; a secret needs at least one key", name)
	}
	files := j.tempFiles()
	defer files.cleanup()
	path, err := files.writeYAML("secret.yaml", content)
	if err != nil {
		return "", fmt.Errorf("juju add-secret %s: %w", name, err)
	}
	a := argList{"add-secret", name}
	a.str("--info", opts.Info)
	a.add("--file", path)
	out, err := j.run(ctx, call{args: a})
	if err != nil {
		return "", err
	}
	uri := SecretURI(strings.TrimSpace(out))
	if uri == "" {
		return "", fmt.Errorf("juju add-secret %s: no secret URI in the output", name)
	}
	return uri, nil
}

// UpdateSecretOptions are the options of UpdateSecret. The zero value
// changes only the content.
type UpdateSecretOptions struct {
	// Info sets the description (--info).
	Info string
	// Name renames the secret (--name).
	Name string
	// AutoPrune, when set, turns automatic pruning of unused revisions on
	// or off (--auto-prune).
	AutoPrune *bool
}

// UpdateSecret runs "juju update-secret" to give the secret identified by
// id (a URI or name) new content, which becomes a new revision. A nil
// content leaves the content as is, to change only the options. A nil
// opts means the defaults.
func (j *Juju) UpdateSecret(ctx context.Context, id SecretURI, content map[string]string, opts *UpdateSecretOptions) error {
	if opts == nil {
		opts = &UpdateSecretOptions{}
	}
	if err := required("update-secret", "secret", string(id)); err != nil {
		return err
	}
	files := j.tempFiles()
	defer files.cleanup()
	a := argList{"update-secret", string(id)}
	a.str("--info", opts.Info)
	a.str("--name", opts.Name)
	if opts.AutoPrune != nil {
		a.add(fmt.Sprintf("--auto-prune=%t", *opts.AutoPrune))
	}
	if content != nil {
		path, err := files.writeYAML("secret.yaml", content)
		if err != nil {
			return fmt.Errorf("juju update-secret %s: %w", id, err)
		}
		a.add("--file", path)
	}
	_, err := j.run(ctx, call{args: a})
	return err
}

// GrantSecret runs "juju grant-secret" to let apps read the secret.
func (j *Juju) GrantSecret(ctx context.Context, id SecretURI, apps ...string) error {
	return j.grantRevoke(ctx, "grant-secret", id, apps)
}

// RevokeSecret runs "juju revoke-secret" to withdraw apps' access to the
// secret.
func (j *Juju) RevokeSecret(ctx context.Context, id SecretURI, apps ...string) error {
	return j.grantRevoke(ctx, "revoke-secret", id, apps)
}

func (j *Juju) grantRevoke(ctx context.Context, command string, id SecretURI, apps []string) error {
	if err := required(command, "secret", string(id)); err != nil {
		return err
	}
	if len(apps) == 0 {
		return fmt.Errorf("juju %s %s: no applications given", command, id)
	}
	_, err := j.run(ctx, call{args: []string{command, string(id), strings.Join(apps, ",")}})
	return err
}

// RemoveSecretOptions are the options of RemoveSecret. The zero value
// removes the whole secret.
type RemoveSecretOptions struct {
	// Revision removes only this revision (--revision).
	Revision int
}

// RemoveSecret runs "juju remove-secret". A nil opts means the defaults.
func (j *Juju) RemoveSecret(ctx context.Context, id SecretURI, opts *RemoveSecretOptions) error {
	if opts == nil {
		opts = &RemoveSecretOptions{}
	}
	if err := required("remove-secret", "secret", string(id)); err != nil {
		return err
	}
	a := argList{"remove-secret", string(id)}
	a.integer("--revision", opts.Revision)
	_, err := j.run(ctx, call{args: a})
	return err
}

// SecretsOptions are the options of Secrets. The zero value lists every
// secret in the model.
type SecretsOptions struct {
	// Owner lists only the secrets of this application or unit (--owner).
	Owner string
}

// Secrets runs "juju secrets --format json" and returns the secrets,
// sorted by URI. A nil opts means the defaults.
func (j *Juju) Secrets(ctx context.Context, opts *SecretsOptions) ([]Secret, error) {
	if opts == nil {
		opts = &SecretsOptions{}
	}
	a := argList{"secrets", "--format", "json"}
	a.str("--owner", opts.Owner)
	out, err := j.run(ctx, call{args: a})
	if err != nil {
		return nil, err
	}
	secrets, err := parseSecrets(out)
	if err != nil {
		return nil, fmt.Errorf("juju secrets: parsing output: %w", err)
	}
	return secrets, nil
}

// ShowSecretOptions are the options of ShowSecret. The zero value shows
// the latest revision's metadata, without content.
type ShowSecretOptions struct {
	// Reveal includes the content (--reveal).
	Reveal bool
	// Revision shows this revision instead of the latest (--revision).
	Revision int
	// Revisions includes the list of revisions (--revisions).
	Revisions bool
}

// ShowSecret runs "juju show-secret --format json" for the secret
// identified by id (a URI or name). A nil opts means the defaults.
func (j *Juju) ShowSecret(ctx context.Context, id SecretURI, opts *ShowSecretOptions) (*Secret, error) {
	if opts == nil {
		opts = &ShowSecretOptions{}
	}
	if err := required("show-secret", "secret", string(id)); err != nil {
		return nil, err
	}
	a := argList{"show-secret", string(id), "--format", "json"}
	a.boolean("--reveal", opts.Reveal)
	a.integer("--revision", opts.Revision)
	a.boolean("--revisions", opts.Revisions)
	out, err := j.run(ctx, call{args: a})
	if err != nil {
		return nil, err
	}
	secrets, err := parseSecrets(out)
	if err != nil {
		return nil, fmt.Errorf("juju show-secret %s: parsing output: %w", id, err)
	}
	if len(secrets) != 1 {
		return nil, fmt.Errorf("juju show-secret %s: output has %d secrets, want 1", id, len(secrets))
	}
	return &secrets[0], nil
}
