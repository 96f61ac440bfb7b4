// Package hooks is the tinyproxy charm's logic: it maps a Juju event to a
// handler, reconciles the workload through the Workload interface, and
// after every event sets one unit status chosen by priority (blocked >
// maintenance > waiting > active; on a tie, the first added wins), as ops'
// collect-status does.
//
// Port 8000/tcp follows tinyproxy: the hooks that start or stop it (start,
// config-changed, stop) end with open-port if it runs, else close-port;
// both are idempotent in Juju. Other hooks, such as update-status, touch
// no port, so a no-op hook costs three hook-tool calls (config-get,
// relation-ids for the upstream relation, and status-set).
//
// The upstream is the config option's, unless the upstream relation (an
// http interface, limit 1) publishes one: the remote application's "url",
// else a remote unit's "url", or "hostname" and "port". It is validated as
// the option is; when the relation departs, the option applies again.
//
// It is the Go port of the charm in the Ops machine-charm tutorial. Hook
// tools come in through *hooktools.Tools and the workload through
// Workload, so tests pass fakes (see package charmtest); nothing is global.
package hooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/canonical/jujutest/charm/hooktools"
)

// Port is the port tinyproxy listens on and the charm opens.
const Port = 8000

// Defaults for the bounded waits of a Charm whose fields are zero. The
// tutorial checks 3 times, 1 s apart; we wait as long but check more often,
// because tinyproxy is usually ready within 50 ms.
const (
	DefaultStartTimeout = 3 * time.Second
	DefaultStopTimeout  = 3 * time.Second
	DefaultPollInterval = 100 * time.Millisecond
)

// The status messages the charm sets, besides the invalid-config ones.
const (
	MessageNotInstalled = "Waiting for tinyproxy to be installed"
	MessageNotRunning   = "Waiting for tinyproxy to start"
)

// Workload is what the charm needs from tinyproxy on the machine;
// *tinyproxy.Tinyproxy implements it.
type Workload interface {
	// IsInstalled reports whether the tinyproxy executable is available.
	IsInstalled() bool
	// Install installs the pinned tinyproxy package.
	Install(ctx context.Context) error
	// Version returns the installed tinyproxy's version.
	Version(ctx context.Context) (string, error)
	// EnsureConfig writes the config file if it differs and reports
	// whether it wrote.
	EnsureConfig(slug, upstream string) (changed bool, err error)
	// IsRunning reports whether a tinyproxy process is alive.
	IsRunning() bool
	// Ready returns nil when tinyproxy is running, can take SIGUSR1 and
	// listens on its port; otherwise an error saying what is missing.
	Ready(ctx context.Context) error
	// Start starts tinyproxy (it may not be ready yet when Start returns).
	Start(ctx context.Context) error
	// Reload makes the running tinyproxy re-read its config file.
	Reload() error
	// Stop stops tinyproxy.
	Stop(ctx context.Context) error
	// Uninstall removes tinyproxy and its files.
	Uninstall(ctx context.Context) error
}

// Charm handles one Juju event per Run call.
type Charm struct {
	Tools    *hooktools.Tools // the unit's hook tools
	Workload Workload         // tinyproxy on this machine
	// Sleep waits for d or until ctx is done; nil uses a real timer.
	// Tests pass a fake clock.
	Sleep        func(ctx context.Context, d time.Duration) error
	StartTimeout time.Duration // 0: DefaultStartTimeout
	StopTimeout  time.Duration // 0: DefaultStopTimeout
	PollInterval time.Duration // 0: DefaultPollInterval
}

// Run handles event (e.g. "install", "config-changed"; unknown events
// have no handler), opens or closes the port after start, config-changed
// and stop, and sets the unit status. If the handler fails, Run logs the
// error with juju-log at ERROR and returns it without setting a status, as
// ops does: the hook fails.
func (c *Charm) Run(ctx context.Context, event string) error {
	err := c.run(ctx, event)
	if err != nil {
		err = fmt.Errorf("%s hook: %w", event, err)
		if logErr := c.Tools.JujuLog(ctx, hooktools.LevelError, err.Error()); logErr != nil {
			err = errors.Join(err, logErr)
		}
	}
	return err
}

func (c *Charm) run(ctx context.Context, event string) error {
	var cfg Config
	if err := c.Tools.ConfigGet(ctx, &cfg); err != nil {
		return fmt.Errorf("reading config: %w", err)
	}
	// An upstream published over the relation overrides the option.
	rel, err := c.relationUpstream(ctx)
	if err != nil {
		return fmt.Errorf("reading the %s relation: %w", UpstreamEndpoint, err)
	}
	if rel != nil {
		cfg.Upstream, cfg.UpstreamSource = rel.URL, rel.source()
	}
	setPort := false
	switch event {
	case "install":
		err = c.onInstall(ctx)
	case "start", "config-changed",
		UpstreamEndpoint + "-relation-created", UpstreamEndpoint + "-relation-joined",
		UpstreamEndpoint + "-relation-changed", UpstreamEndpoint + "-relation-departed",
		UpstreamEndpoint + "-relation-broken":
		setPort = true
		err = c.configureAndRun(ctx, cfg)
	case "stop":
		setPort = true
		err = c.onStop(ctx)
	case "remove":
		err = c.Workload.Uninstall(ctx)
	}
	if err != nil {
		return err
	}
	running := c.Workload.IsRunning()
	if setPort {
		port := hooktools.Port{Number: Port, Protocol: "tcp"}
		if running {
			err = c.Tools.OpenPort(ctx, port)
		} else {
			err = c.Tools.ClosePort(ctx, port)
		}
		if err != nil {
			return err
		}
	}
	status := c.collectStatus(cfg, running)
	if status.Name == hooktools.StatusActive && rel != nil {
		status.Message = "upstream from " + rel.App
	}
	return c.Tools.StatusSet(ctx, status)
}

func (c *Charm) onInstall(ctx context.Context) error {
	if c.Workload.IsInstalled() {
		return nil
	}
	if err := c.Workload.Install(ctx); err != nil {
		return err
	}
	version, err := c.Workload.Version(ctx)
	if err != nil {
		return err
	}
	if err := c.Tools.ApplicationVersionSet(ctx, version); err != nil {
		return err
	}
	return c.Tools.JujuLog(ctx, hooktools.LevelInfo, "installed tinyproxy "+version)
}

// configureAndRun makes tinyproxy run with the current config. An invalid
// config changes nothing (the status says why); a running proxy keeps its
// previous config.
func (c *Charm) configureAndRun(ctx context.Context, cfg Config) error {
	if cfg.Validate() != nil || !c.Workload.IsInstalled() {
		return nil
	}
	changed, err := c.Workload.EnsureConfig(cfg.Slug, cfg.Upstream)
	if err != nil {
		return err
	}
	if !c.Workload.IsRunning() {
		if err := c.Workload.Start(ctx); err != nil {
			return err
		}
		if err := c.waitReady(ctx, "start"); err != nil {
			return err
		}
		return c.Tools.JujuLog(ctx, hooktools.LevelInfo, "started tinyproxy")
	}
	if !changed {
		return nil
	}
	if err := c.Workload.Reload(); err != nil {
		return err
	}
	if err := c.waitReady(ctx, "reload"); err != nil {
		return err
	}
	return c.Tools.JujuLog(ctx, hooktools.LevelInfo, "config changed while tinyproxy was running: reloaded it")
}

func (c *Charm) waitReady(ctx context.Context, after string) error {
	timeout := or(c.StartTimeout, DefaultStartTimeout)
	return c.waitFor(ctx, timeout, func() error { return c.Workload.Ready(ctx) },
		func(last error) error {
			return fmt.Errorf("tinyproxy was not ready within %v after %s: %w", timeout, after, last)
		})
}

func (c *Charm) onStop(ctx context.Context) error {
	if err := c.Workload.Stop(ctx); err != nil {
		return err
	}
	timeout := or(c.StopTimeout, DefaultStopTimeout)
	stopped := func() error {
		if c.Workload.IsRunning() {
			return errors.New("still running")
		}
		return nil
	}
	return c.waitFor(ctx, timeout, stopped, func(error) error {
		return fmt.Errorf("tinyproxy was still running %v after stop", timeout)
	})
}

// waitFor checks cond now and after each poll interval until it returns
// nil or timeout has been slept; then it returns fail(last error).
func (c *Charm) waitFor(ctx context.Context, timeout time.Duration, cond func() error, fail func(last error) error) error {
	interval := or(c.PollInterval, DefaultPollInterval)
	var slept time.Duration
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if slept >= timeout {
			return fail(err)
		}
		if sleepErr := c.sleep(ctx, interval); sleepErr != nil {
			return fmt.Errorf("%w (wait cut short: %w)", fail(err), sleepErr)
		}
		slept += interval
	}
}

func (c *Charm) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func or(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// collectStatus proposes statuses in the tutorial's order and returns the
// one with the highest priority.
func (c *Charm) collectStatus(cfg Config, running bool) hooktools.Status {
	var sc StatusCollector
	for _, p := range cfg.problems() {
		sc.Add(hooktools.Status{Name: hooktools.StatusBlocked, Message: p.StatusMessage()})
	}
	if !c.Workload.IsInstalled() {
		sc.Add(hooktools.Status{Name: hooktools.StatusMaintenance, Message: MessageNotInstalled})
	}
	if !running {
		sc.Add(hooktools.Status{Name: hooktools.StatusMaintenance, Message: MessageNotRunning})
	}
	sc.Add(hooktools.Status{Name: hooktools.StatusActive})
	return sc.Status()
}

// StatusCollector keeps the highest-priority status added to it:
// blocked > maintenance > waiting > active; on a tie, the first added wins.
// Its zero value is empty.
type StatusCollector struct {
	best  hooktools.Status
	added bool
}

func priority(n hooktools.StatusName) int {
	switch n {
	case hooktools.StatusBlocked:
		return 4
	case hooktools.StatusMaintenance:
		return 3
	case hooktools.StatusWaiting:
		return 2
	case hooktools.StatusActive:
		return 1
	}
	return 0
}

// Add proposes s.
func (sc *StatusCollector) Add(s hooktools.Status) {
	if !sc.added || priority(s.Name) > priority(sc.best.Name) {
		sc.best, sc.added = s, true
	}
}

// Status returns the winning status; with nothing added, active.
func (sc *StatusCollector) Status() hooktools.Status {
	if !sc.added {
		return hooktools.Status{Name: hooktools.StatusActive}
	}
	return sc.best
}
