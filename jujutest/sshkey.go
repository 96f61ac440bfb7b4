package jujutest

import (
	"context"
	"fmt"
)

// AddSSHKey runs "juju add-ssh-key" to authorize public keys, each a full
// "ssh-ed25519 AAAA... comment" line, on the model's machines.
func (j *Juju) AddSSHKey(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return fmt.Errorf("juju add-ssh-key: no keys given")
	}
	_, err := j.run(ctx, call{args: append([]string{"add-ssh-key"}, keys...)})
	return err
}

// RemoveSSHKey runs "juju remove-ssh-key" for keys identified by
// fingerprint or comment.
func (j *Juju) RemoveSSHKey(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return fmt.Errorf("juju remove-ssh-key: no keys given")
	}
	_, err := j.run(ctx, call{args: append([]string{"remove-ssh-key"}, ids...)})
	return err
}
