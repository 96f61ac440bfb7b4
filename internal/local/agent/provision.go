package agent

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/canonical/jujutest/internal/hooktool"
	"github.com/canonical/jujutest/internal/local/lxdmachine"
	"github.com/canonical/jujutest/internal/local/machine"
	"github.com/canonical/jujutest/internal/local/state"
)

// machines is the agent's provisioner side for LXD models: it creates the
// container of each new machine, deletes the container of each machine
// whose last unit went, and hands out each machine's machine.Machine.
type machines struct {
	a  *Agent
	mu sync.Mutex
	// provider is the LXD connection, made on first use.
	provider *lxdmachine.Provider
	// ready are the prepared containers, by machine id.
	ready map[string]*lxdmachine.Machine
	// busy are the machines being provisioned or deleted.
	busy map[string]bool
	// locks serialize hooks per machine, as Juju's machine lock does.
	locks map[string]*sync.Mutex
}

func newMachines(a *Agent) *machines {
	return &machines{a: a, ready: map[string]*lxdmachine.Machine{}, busy: map[string]bool{}, locks: map[string]*sync.Mutex{}}
}

// lock returns the hook lock of machine id.
func (ms *machines) lock(id string) *sync.Mutex {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	l := ms.locks[id]
	if l == nil {
		l = &sync.Mutex{}
		ms.locks[id] = l
	}
	return l
}

// connect returns the LXD provider, connecting on first use.
func (ms *machines) connect(ctx context.Context) (*lxdmachine.Provider, error) {
	ms.mu.Lock()
	p := ms.provider
	ms.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := lxdmachine.Connect(ctx, lxdmachine.Socket(ms.a.getenv))
	if err != nil {
		return nil, err
	}
	ms.mu.Lock()
	ms.provider = p
	ms.mu.Unlock()
	return p, nil
}

// get returns machine id of model m as a machine.Machine: the host for a
// host model; for an LXD model, its container once provisioned (nil
// before).
func (ms *machines) get(m *state.Model, id string) machine.Machine {
	if m == nil || !m.IsLXD() {
		return ms.a.host
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if lm := ms.ready[id]; lm != nil {
		return lm
	}
	return nil
}

// reconcile starts provisioning new machines and deleting dying ones.
func (ms *machines) reconcile(m *state.Model) {
	if !m.IsLXD() {
		return
	}
	for id, mc := range m.Machines {
		ms.mu.Lock()
		busy, ready := ms.busy[id], ms.ready[id] != nil
		ms.mu.Unlock()
		switch {
		case busy:
		case mc.Life == state.Dying || m.Life == state.Dying && len(m.UnitsOn(id)) == 0:
			ms.start(id, ms.remove)
		case mc.Agent.Current == "pending" && mc.Instance.Current != "provisioning error":
			ms.start(id, ms.provision)
		case mc.Agent.Current == "started" && !ready:
			ms.start(id, ms.adopt)
		}
	}
}

// start runs fn for machine id in the background, once at a time.
func (ms *machines) start(id string, fn func(ctx context.Context, id string)) {
	ms.mu.Lock()
	ms.busy[id] = true
	ms.mu.Unlock()
	ms.a.wg.Add(1)
	go func() {
		defer ms.a.wg.Done()
		fn(ms.a.workerContext(), id)
		ms.mu.Lock()
		delete(ms.busy, id)
		ms.mu.Unlock()
		ms.a.wakeAll()
	}()
}

// setMachine changes machine id in the state.
func (ms *machines) setMachine(ctx context.Context, id string, fn func(mc *state.Machine)) error {
	return ms.a.update(ctx, func(m *state.Model) error {
		if mc := m.Machines[id]; mc != nil {
			fn(mc)
		}
		return nil
	})
}

// provisionTries is how many times a machine's container is launched
// before the machine shows a provisioning error.
const provisionTries = 3

// provision creates, starts and prepares machine id's container, and
// records its facts, as Juju's provisioner does: machine-status
// "allocating" while it works, "running" once started, "provisioning
// error" with LXD's message when it fails.
func (ms *machines) provision(ctx context.Context, id string) {
	m := ms.a.model()
	if m == nil || m.Machines[id] == nil {
		return
	}
	image := m.Machines[id].Image
	name, err := lxdmachine.ContainerName(m.UUID, id)
	if err != nil {
		ms.provisionFailed(ctx, id, err)
		return
	}
	_ = ms.setMachine(ctx, id, func(mc *state.Machine) {
		mc.Instance = state.NewStatus("allocating", "Creating container", time.Now())
	})
	var lm *lxdmachine.Machine
	var addr string
	for try := 1; ; try++ {
		lm, addr, err = ms.launch(ctx, m, id, name, image)
		if err == nil || ctx.Err() != nil || try == provisionTries {
			break
		}
		ms.a.cfg.Logf("machine %s: %v; retrying", id, err)
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
	if err != nil {
		if ctx.Err() == nil {
			ms.provisionFailed(ctx, id, err)
		}
		return
	}
	facts := lm.Facts()
	now := time.Now()
	err = ms.setMachine(ctx, id, func(mc *state.Machine) {
		mc.Hostname, mc.InstanceID, mc.Address, mc.Hardware = name, name, addr, facts.Hardware
		mc.Instance = state.NewStatus("running", "Running", now)
		mc.Agent = state.NewStatus("started", "", now)
	})
	if err != nil {
		ms.a.cfg.Logf("machine %s: recording its facts: %v", id, err)
		return
	}
	ms.mu.Lock()
	ms.ready[id] = lm
	ms.mu.Unlock()
	ms.a.log("machine-"+id, "INFO", "juju.worker.provisioner", fmt.Sprintf("started machine %s as instance %s", id, name))
}

// launch makes one attempt at machine id's container: a leftover of an
// earlier attempt is deleted first.
func (ms *machines) launch(ctx context.Context, m *state.Model, id, name, image string) (*lxdmachine.Machine, string, error) {
	p, err := ms.connect(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := p.Delete(ctx, name); err != nil {
		return nil, "", err
	}
	start := time.Now()
	pool, _ := m.Config[lxdmachine.PoolKey].(string)
	addr, err := p.Launch(ctx, name, image, pool, m.UUID)
	if err != nil {
		return nil, "", err
	}
	launched := time.Now()
	lm, err := ms.prepare(ctx, p, id, name, addr)
	if err == nil {
		ms.a.cfg.Logf("machine %s: container %s launched in %v, prepared in %v", id, name,
			launched.Sub(start).Round(time.Millisecond), time.Since(launched).Round(time.Millisecond))
	}
	return lm, addr, err
}

// prepare makes the container ready for hooks.
func (ms *machines) prepare(ctx context.Context, p *lxdmachine.Provider, id, name, addr string) (*lxdmachine.Machine, error) {
	gw, err := p.Gateway()
	if err != nil {
		return nil, err
	}
	m := ms.a.model()
	facts := machine.Facts{ID: id, Hostname: name, InstanceID: name, Addresses: []string{addr}, Hardware: ms.a.host.Facts().Hardware}
	if m != nil && m.Machines[id] != nil {
		b := m.Machines[id].Base
		facts.Base = machine.Base{Name: b.Name, Channel: b.Channel}
	}
	lm := p.Machine(name, lxdmachine.Config{
		Facts: facts, ToolBinary: ms.a.toolClient(), ToolNames: hooktool.Names(),
		AgentSocket: ms.a.srv.Path(), Nameserver: gw,
	})
	if err := lm.Prepare(ctx); err != nil {
		return nil, err
	}
	return lm, nil
}

// adopt prepares the container of a machine provisioned before this agent
// started (the agent was restarted).
func (ms *machines) adopt(ctx context.Context, id string) {
	m := ms.a.model()
	if m == nil || m.Machines[id] == nil {
		return
	}
	mc := m.Machines[id]
	p, err := ms.connect(ctx)
	if err == nil {
		var status string
		switch status, err = p.Status(mc.InstanceID); {
		case err != nil:
		case status == "":
			err = fmt.Errorf("container %s is gone", mc.InstanceID)
		case status != "Running":
			err = fmt.Errorf("container %s is %s", mc.InstanceID, status)
		}
	}
	var lm *lxdmachine.Machine
	if err == nil {
		lm, err = ms.prepare(ctx, p, id, mc.InstanceID, mc.Address)
	}
	if err != nil {
		if ctx.Err() == nil {
			ms.a.cfg.Logf("machine %s: %v", id, err)
			_ = ms.setMachine(ctx, id, func(mc *state.Machine) {
				mc.Agent = state.NewStatus("down", "agent is not communicating with the server", time.Now())
				mc.Instance = state.NewStatus("unknown", err.Error(), time.Now())
			})
		}
		return
	}
	ms.mu.Lock()
	ms.ready[id] = lm
	ms.mu.Unlock()
}

// provisionFailed shows a machine's provisioning error as Juju does.
func (ms *machines) provisionFailed(ctx context.Context, id string, err error) {
	ms.a.cfg.Logf("machine %s: %v", id, err)
	ms.a.log("machine-"+id, "ERROR", "juju.worker.provisioner", fmt.Sprintf("cannot start instance for machine %q: %v", id, err))
	_ = ms.setMachine(ctx, id, func(mc *state.Machine) {
		mc.Instance = state.NewStatus("provisioning error", "Creating container: "+err.Error(), time.Now())
	})
}

// pollInterval is how often the agent checks that its containers still
// run, as Juju's instance poller does.
const pollInterval = 5 * time.Second

// poll checks each provisioned machine's container: one deleted or
// stopped behind the backend's back, or an LXD daemon that no longer
// answers, shows the machine down with the reason (and its units' agents
// lost, as Juju shows units of a dead machine); a container that answers
// again brings the machine back.
func (ms *machines) poll(ctx context.Context) {
	m := ms.a.model()
	if m == nil || !m.IsLXD() {
		return
	}
	p, perr := ms.connect(ctx)
	for id, mc := range m.Machines {
		if mc.InstanceID == "" || mc.Life == state.Dying || mc.Agent.Current == "pending" {
			continue
		}
		why := ""
		if perr != nil {
			why = perr.Error()
		} else if status, err := p.Status(mc.InstanceID); err != nil {
			why = "the LXD daemon does not answer: " + err.Error()
		} else if status == "" {
			why = fmt.Sprintf("instance %s not found", mc.InstanceID)
		} else if status != "Running" {
			why = fmt.Sprintf("instance %s is %s", mc.InstanceID, strings.ToLower(status))
		}
		switch down := mc.Agent.Current == "down"; {
		case why != "" && !down:
			ms.a.cfg.Logf("machine %s: %s", id, why)
			ms.mu.Lock()
			delete(ms.ready, id)
			ms.mu.Unlock()
			ms.setHealth(ctx, id, why)
		case why == "" && down && mc.Instance.Current == "unknown":
			ms.a.cfg.Logf("machine %s: its container answers again", id)
			ms.setHealth(ctx, id, "")
		}
	}
}

// setHealth shows machine id down for the reason why, with its units'
// agents lost, as Juju shows a machine whose agent went away; why "" shows
// it started again, and its lost units idle.
func (ms *machines) setHealth(ctx context.Context, id, why string) {
	const lost = "agent is not communicating with the server"
	now := time.Now()
	_ = ms.a.update(ctx, func(m *state.Model) error {
		mc := m.Machines[id]
		if mc == nil {
			return nil
		}
		if why != "" {
			mc.Agent = state.NewStatus("down", lost, now)
			mc.Instance = state.NewStatus("unknown", why, now)
		} else {
			mc.Agent = state.NewStatus("started", "", now)
			mc.Instance = state.NewStatus("running", "Running", now)
		}
		for _, u := range m.UnitsOn(id) {
			switch {
			case why != "":
				u.Agent = state.NewStatus("lost", lost, now)
			case u.Agent.Current == "lost":
				u.Agent = state.NewStatus("idle", "", now)
			}
		}
		return nil
	})
}

// remove deletes machine id's container and the machine.
func (ms *machines) remove(ctx context.Context, id string) {
	m := ms.a.model()
	if m == nil {
		return
	}
	name, err := lxdmachine.ContainerName(m.UUID, id)
	if err == nil {
		var p *lxdmachine.Provider
		if p, err = ms.connect(ctx); err == nil {
			err = p.Delete(ctx, name)
		}
	}
	if err != nil {
		ms.a.cfg.Logf("machine %s: deleting its container: %v", id, err)
		return
	}
	ms.mu.Lock()
	delete(ms.ready, id)
	ms.mu.Unlock()
	_ = ms.a.update(ctx, func(m *state.Model) error {
		delete(m.Machines, id)
		return nil
	})
}
