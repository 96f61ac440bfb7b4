package jujutest

import (
	"context"
	"strings"
)

// AddMachineOptions are the options of AddMachine. The zero value adds one
// machine with the model's default base and constraints.
type AddMachineOptions struct {
	// Target is where to add the machine: a container type such as "lxd",
	// a container on a machine such as "lxd:0", "ssh:user@host" for a
	// manual machine, or a zone "zone=us-east-1a". Empty means a new
	// machine.
	Target string
	// Base is the machine's base, such as "ubuntu@22.04" (--base).
	Base string
	// Constraints constrain the machine, one --constraints k=v each.
	Constraints map[string]any
	// Disks are storage constraints for extra disks, such as "ebs,10G"
	// (--disks, space separated).
	Disks []string
	// NumMachines is how many machines to add (-n). Zero means Juju's
	// default, 1.
	NumMachines int
	// PrivateKey and PublicKey are SSH key files for a manual machine
	// (--private-key, --public-key).
	PrivateKey string
	PublicKey  string
}

// AddMachine runs "juju add-machine". It does not wait for the machine to
// start. A nil opts means the defaults.
func (j *Juju) AddMachine(ctx context.Context, opts *AddMachineOptions) error {
	if opts == nil {
		opts = &AddMachineOptions{}
	}
	if err := checkNotNegative("juju add-machine: NumMachines", opts.NumMachines); err != nil {
		return err
	}
	a := argList{"add-machine"}
	if opts.Target != "" {
		a.add(opts.Target)
	}
	a.str("--base", opts.Base)
	kvFlags(&a, "--constraints", opts.Constraints)
	a.str("--disks", strings.Join(opts.Disks, " "))
	a.integer("-n", opts.NumMachines)
	a.str("--private-key", opts.PrivateKey)
	a.str("--public-key", opts.PublicKey)
	_, err := j.run(ctx, call{args: a})
	return err
}
