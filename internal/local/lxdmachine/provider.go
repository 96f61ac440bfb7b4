// Package lxdmachine gives the local backend machines that are LXD system
// containers, through LXD's Go client (github.com/canonical/lxd/client).
// Provider creates and deletes containers as Juju's LXD provider names
// them (juju-<model uuid short>-<machine id>, from Juju's own
// core/instance namespace); Machine runs hooks, actions and commands
// inside a container behind the machine.Machine seam.
package lxdmachine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/canonical/jujutest/internal/local/machine"
	lxd "github.com/canonical/lxd/client"
	"github.com/canonical/lxd/shared/api"
	"github.com/juju/juju/core/instance"
)

// Socket paths where LXD listens, the Debian package's first (see Socket
// for $LXD_DIR).
var defaultSockets = []string{"/var/lib/lxd/unix.socket", "/var/snap/lxd/common/lxd/unix.socket"}

// NotRunningError reports that no LXD daemon answers.
type NotRunningError struct {
	// Err is the last connection error.
	Err error
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("no LXD daemon answers (%v): prepare and start one with `make lxd` (LXD from Debian's archive, a storage pool, a bridge and the images)", e.Err)
}

func (e *NotRunningError) Unwrap() error { return e.Err }

// ImageMissingError reports that no local image is aliased for a base.
type ImageMissingError struct {
	// Alias is the alias looked for, e.g. "juju/ubuntu@22.04/amd64".
	Alias string
}

func (e *ImageMissingError) Error() string {
	return fmt.Sprintf("no LXD image with alias %q: build one (`make lxd` builds juju/debian@12/<arch>), "+
		"or let the model use the Debian 12 image for every base: juju model-config %s=debian@12", e.Alias, ImageBaseKey)
}

// ImageBaseKey is the model config key (a juju-local extension) that
// makes a model's machines use the image of another base, e.g.
// "debian@12" for an ubuntu charm where no ubuntu image can be built.
const ImageBaseKey = "juju-local-image-base"

// Pool is the storage pool containers are made in when it exists (`make
// lxd` creates it, on btrfs where it can); else the default profile's.
const Pool = "juju-local"

// PoolKey is the model config key (a juju-local extension) naming another
// storage pool for the model's containers.
const PoolKey = "juju-local-storage-pool"

// ImageAlias returns Juju's local alias of the image for a base
// ("ubuntu@22.04") and architecture ("amd64"): "juju/ubuntu@22.04/amd64".
func ImageAlias(base, arch string) string { return "juju/" + base + "/" + arch }

// Provider creates and deletes containers.
type Provider struct {
	srv lxd.InstanceServer
}

// Close closes the connection to the daemon; machines the provider made
// stop working.
func (p *Provider) Close() { p.srv.Disconnect() }

// Socket returns the LXD socket the environment names (getenv is
// os.Getenv or a test double): $LXD_DIR/unix.socket, or "" for the usual
// places.
func Socket(getenv func(string) string) string {
	if dir := getenv("LXD_DIR"); dir != "" {
		return dir + "/unix.socket"
	}
	return ""
}

// Connect connects to the LXD daemon at socket ("" = the usual places,
// the Debian package's and the snap's), or returns a *NotRunningError.
func Connect(ctx context.Context, socket string) (*Provider, error) {
	candidates := defaultSockets
	if socket != "" {
		candidates = []string{socket}
	}
	var lastErr error
	for _, path := range candidates {
		if _, err := os.Stat(path); err != nil {
			lastErr = err
			continue
		}
		srv, err := connectBounded(ctx, path)
		if err == nil {
			return &Provider{srv: srv}, nil
		}
		lastErr = err
	}
	return nil, &NotRunningError{Err: lastErr}
}

// connectWait bounds how long Connect waits for the daemon to answer.
const connectWait = 10 * time.Second

// connectBounded connects to the socket, giving up after connectWait or
// when ctx ends (the client keeps the context it connects with for every
// later request, so it cannot carry the bound itself).
func connectBounded(ctx context.Context, path string) (lxd.InstanceServer, error) {
	type result struct {
		srv lxd.InstanceServer
		err error
	}
	ch := make(chan result, 1)
	go func() {
		srv, err := lxd.ConnectLXDUnix(path, nil)
		ch <- result{srv, err}
	}()
	select {
	case r := <-ch:
		return r.srv, r.err
	case <-time.After(connectWait):
		return nil, fmt.Errorf("%s did not answer within %s", path, connectWait)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ContainerName returns the name (and host name, and instance id) Juju's
// LXD provider gives machine id of the model: juju-<short uuid>-<id>.
func ContainerName(modelUUID, machineID string) (string, error) {
	ns, err := instance.NewNamespace(modelUUID)
	if err != nil {
		return "", err
	}
	return ns.Hostname(machineID)
}

// ContainerPrefix returns the name prefix of a model's containers.
func ContainerPrefix(modelUUID string) (string, error) {
	ns, err := instance.NewNamespace(modelUUID)
	if err != nil {
		return "", err
	}
	return ns.Prefix(), nil
}

// ImageBase returns the base an image says it is ("debian"/"12"), from
// its os and version properties; an *ImageMissingError when no image has
// the alias.
func (p *Provider) ImageBase(alias string) (machine.Base, error) {
	entry, _, err := p.srv.GetImageAlias(alias)
	if err != nil {
		if api.StatusErrorCheck(err, http.StatusNotFound) {
			return machine.Base{}, &ImageMissingError{Alias: alias}
		}
		return machine.Base{}, fmt.Errorf("looking up image %q: %w", alias, err)
	}
	img, _, err := p.srv.GetImage(entry.Target)
	if err != nil {
		return machine.Base{}, fmt.Errorf("reading image %q: %w", alias, err)
	}
	b := machine.Base{Name: strings.ToLower(img.Properties["os"]), Channel: img.Properties["version"]}
	if b.Name == "" || b.Channel == "" {
		return machine.Base{}, fmt.Errorf("image %q has no os and version properties", alias)
	}
	return b, nil
}

// addressWait bounds how long Launch waits for a started container's
// address.
const addressWait = 60 * time.Second

// Launch creates container name from the image aliased alias, tagged with
// the model's UUID as Juju tags it, in storage pool pool ("" = Pool if it
// exists, else the default profile's), starts it and waits (bounded) until
// it has an IPv4 address on eth0. It returns the address.
func (p *Provider) Launch(ctx context.Context, name, alias, pool, modelUUID string) (string, error) {
	devices := map[string]map[string]string{}
	if pool == "" {
		if _, _, err := p.srv.GetStoragePool(Pool); err == nil {
			pool = Pool
		}
	}
	if pool != "" {
		devices["root"] = map[string]string{"type": "disk", "path": "/", "pool": pool}
	}
	req := api.InstancesPost{
		Name:   name,
		Type:   api.InstanceTypeContainer,
		Source: api.InstanceSource{Type: "image", Alias: alias},
		Start:  true,
		InstancePut: api.InstancePut{
			Devices: devices,
			Config: map[string]string{
				"user.juju-model": modelUUID,
				// The minbase image has no cloud-init; a read-only /sys
				// keeps systemd-networkd from waiting for udev.
				"raw.lxc": "lxc.mount.auto = sys:ro",
			},
		},
	}
	op, err := p.srv.CreateInstance(req)
	if err != nil {
		return "", fmt.Errorf("creating container %s: %w", name, err)
	}
	if err := op.WaitContext(ctx); err != nil {
		return "", fmt.Errorf("creating container %s: %w", name, err)
	}
	// LXD 5.0 ignores Start in the request (it came with LXD 5.3's
	// instance_create_start): start it explicitly.
	if st, _, err := p.srv.GetInstanceState(name); err == nil && st.StatusCode != api.Running {
		op, err := p.srv.UpdateInstanceState(name, api.InstanceStatePut{Action: "start", Timeout: -1}, "")
		if err != nil {
			return "", fmt.Errorf("starting container %s: %w", name, err)
		}
		if err := op.WaitContext(ctx); err != nil {
			return "", fmt.Errorf("starting container %s: %w", name, err)
		}
	}
	deadline := time.Now().Add(addressWait)
	for {
		st, _, err := p.srv.GetInstanceState(name)
		if err != nil {
			return "", fmt.Errorf("reading container %s: %w", name, err)
		}
		if addr := ipv4(st, "eth0"); addr != "" {
			return addr, nil
		}
		if st.StatusCode != api.Running {
			return "", fmt.Errorf("container %s is %s, not running", name, st.Status)
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("container %s has no IPv4 address on eth0 after %s", name, addressWait)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ipv4 returns the global IPv4 address of a container's interface.
func ipv4(st *api.InstanceState, iface string) string {
	for _, a := range st.Network[iface].Addresses {
		if a.Family == "inet" && a.Scope == "global" {
			return a.Address
		}
	}
	return ""
}

// Status reports a container's state: "" when it does not exist, else
// LXD's status ("Running", "Stopped", ...).
func (p *Provider) Status(name string) (string, error) {
	st, _, err := p.srv.GetInstanceState(name)
	if err != nil {
		if api.StatusErrorCheck(err, http.StatusNotFound) {
			return "", nil
		}
		return "", err
	}
	return st.Status, nil
}

// Delete stops (forcibly) and deletes container name; a missing one is
// not an error.
func (p *Provider) Delete(ctx context.Context, name string) error {
	st, _, err := p.srv.GetInstanceState(name)
	if err != nil {
		if api.StatusErrorCheck(err, http.StatusNotFound) {
			return nil
		}
		return fmt.Errorf("reading container %s: %w", name, err)
	}
	if st.StatusCode == api.Running || st.StatusCode == api.Frozen {
		op, err := p.srv.UpdateInstanceState(name, api.InstanceStatePut{Action: "stop", Force: true, Timeout: -1}, "")
		if err != nil {
			return fmt.Errorf("stopping container %s: %w", name, err)
		}
		if err := op.WaitContext(ctx); err != nil {
			return fmt.Errorf("stopping container %s: %w", name, err)
		}
	}
	op, err := p.srv.DeleteInstance(name)
	if err != nil {
		if api.StatusErrorCheck(err, http.StatusNotFound) {
			return nil
		}
		return fmt.Errorf("deleting container %s: %w", name, err)
	}
	if err := op.WaitContext(ctx); err != nil {
		return fmt.Errorf("deleting container %s: %w", name, err)
	}
	return nil
}

// List returns the names of the containers whose name starts with prefix.
func (p *Provider) List(prefix string) ([]string, error) {
	names, err := p.srv.GetInstanceNames(api.InstanceTypeContainer)
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out, nil
}

// DeleteAll deletes every container whose name starts with prefix (a
// model's), and returns the errors of those it could not delete.
func (p *Provider) DeleteAll(ctx context.Context, prefix string) error {
	names, err := p.List(prefix)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		errs = append(errs, p.Delete(ctx, n))
	}
	return errors.Join(errs...)
}

// Gateway returns the IPv4 address of the bridge the default profile's
// eth0 is on: the containers' DHCP and DNS server.
func (p *Provider) Gateway() (string, error) {
	prof, _, err := p.srv.GetProfile("default")
	if err != nil {
		return "", fmt.Errorf("reading the default profile: %w", err)
	}
	netName := prof.Devices["eth0"]["network"]
	if netName == "" {
		netName = prof.Devices["eth0"]["parent"]
	}
	if netName == "" {
		return "", errors.New("the default profile has no eth0 on a network: run `make lxd`")
	}
	n, _, err := p.srv.GetNetwork(netName)
	if err != nil {
		return "", fmt.Errorf("reading network %s: %w", netName, err)
	}
	addr, _, _ := strings.Cut(n.Config["ipv4.address"], "/")
	if addr == "" {
		return "", fmt.Errorf("network %s has no IPv4 address", netName)
	}
	return addr, nil
}
