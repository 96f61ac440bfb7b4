package cli

import (
	"fmt"
	"time"

	corebase "github.com/juju/juju/core/base"
	"github.com/juju/names/v5"

	"github.com/canonical/jujutest/internal/local/model"
	"github.com/canonical/jujutest/internal/local/state"
)

// defaultMachineBase is the base add-machine uses without --base, Juju
// 3.6's default LTS.
const defaultMachineBase = "ubuntu@24.04"

// cmdAddMachine is "juju add-machine [-n N] [--base b]": new machines of
// an LXD model, each a container the agent provisions. Host models have
// their one machine.
func (r *run) cmdAddMachine(args []string) error {
	fs := r.flags("add-machine")
	modelRef := modelFlag(fs)
	n := 1
	var baseFlag, series, constraints, disks, privateKey, publicKey string
	fs.IntVar(&n, "n", 1, "The number of machines to add")
	fs.StringVar(&baseFlag, "base", "", "The base on which to add the machine")
	fs.StringVar(&series, "series", "", "The series on which to add the machine (deprecated)")
	fs.StringVar(&constraints, "constraints", "", "Machine constraints that overwrite those available from 'juju model-constraints' and provider's defaults")
	fs.StringVar(&disks, "disks", "", "Storage constraints for disks to attach to the machine(s)")
	fs.StringVar(&privateKey, "private-key", "", "Path to the private key to use during the connection")
	fs.StringVar(&publicKey, "public-key", "", "Path to the public key to add to the remote authorized keys")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	if rest := fs.Args(); len(rest) > 0 {
		return fmt.Errorf("juju-local adds new machines only, not %q (placement directives and manual machines are not modelled)", rest[0])
	}
	if n < 1 {
		return usagef("--num-machines must be a positive integer")
	}
	if baseFlag != "" && series != "" {
		return usagef("--series and --base cannot be specified together")
	}
	b := defaultMachineBase
	if baseFlag != "" {
		b = baseFlag
	}
	base, err := corebase.ParseBaseFromString(b)
	if err != nil {
		return usagef("%v", err)
	}
	_, target, err := r.readModel(*modelRef)
	if err != nil {
		return err
	}
	if !target.IsLXD() {
		return fmt.Errorf("juju-local's host models have one machine, \"0\" (this host): use an LXD model (make lxd) to add machines")
	}
	image, real, err := r.lxdImage(target, base)
	if err != nil {
		return err
	}
	var ids []string
	var uuid string
	err = r.updateModel(*modelRef, func(st *state.State, m *state.Model) error {
		uuid = m.UUID
		ids, err = model.AddMachines(m, model.AddMachinesRequest{N: n, Image: image, Base: real, Now: time.Now()})
		return err
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		r.infof("created machine %s", id)
	}
	return r.ensureAgent(uuid)
}

// cmdRemoveMachine is "juju remove-machine <id>...": a machine with units
// is refused unless --force, which removes its units too; the agent then
// deletes its container.
func (r *run) cmdRemoveMachine(args []string) error {
	fs := r.flags("remove-machine")
	modelRef := modelFlag(fs)
	var noPrompt, force, noWait, keepInstance, dryRun bool
	fs.BoolVar(&noPrompt, "no-prompt", false, "Do not ask for confirmation")
	fs.BoolVar(&force, "force", false, "Completely remove a machine and all its dependencies")
	fs.BoolVar(&noWait, "no-wait", false, "Rush through machine removal without waiting for each individual step to complete")
	fs.BoolVar(&keepInstance, "keep-instance", false, "Do not stop the running cloud instance")
	fs.BoolVar(&dryRun, "dry-run", false, "Print what this command would be removed without removing")
	if err := r.parse(fs, args); err != nil {
		return err
	}
	ids := fs.Args()
	if len(ids) == 0 {
		return usagef("no machines specified")
	}
	for _, id := range ids {
		if !names.IsValidMachine(id) {
			return usagef("invalid machine id %q", id)
		}
	}
	if noWait && !force {
		return usagef("--no-wait without --force not valid")
	}
	if keepInstance {
		return fmt.Errorf("juju-local does not keep instances: --keep-instance is not supported")
	}
	_, m, err := r.readModel(*modelRef)
	if err != nil {
		return err
	}
	results := make([]removal, len(ids))
	for i, id := range ids {
		results[i].name = "machine " + id
		switch {
		case m.Machines[id] == nil:
			results[i].err = fmt.Errorf("removing machine failed: machine %s not found", id)
		case !m.IsLXD():
			results[i].err = fmt.Errorf("removing machine failed: machine %s is this host, which juju-local's host models keep", id)
		default:
			units := m.UnitsOn(id)
			if len(units) > 0 && !force {
				results[i].err = fmt.Errorf("removing machine failed: machine %s has unit %q assigned", id, units[0].Name)
			}
			for _, u := range units {
				results[i].units = append(results[i].units, u.Name)
			}
		}
	}
	if done, err := r.confirmRemoval(results, dryRun, noPrompt, "machine"); done || err != nil {
		return err
	}
	var uuid string
	err = r.updateModel(*modelRef, func(st *state.State, m *state.Model) error {
		uuid = m.UUID
		for i, id := range ids {
			if results[i].err == nil {
				model.RemoveMachine(m, id)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return r.finishRemoval(uuid, results, !noPrompt)
}
