package jujutest

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Change tracking: how Wait knows the state from before a change.
//
// A mutating call (deploy, config, add-unit, integrate...) first reads the
// status of the applications it concerns, then makes the change, and
// records what each concerned unit's agent ("juju-status") looked like
// before it. Wait then does not return until every recorded change has
// reached its units, whatever the ready condition says. This is "watch for
// X, then modify X": the only order that is not racy.
//
// The signals, from how Juju 3.6's uniter and state move agent status
// (internal/worker/uniter/operation/runhook.go, uniter.go, agent.go;
// state/status.go):
//
//   - Before each hook other than update-status, each action and each
//     "juju exec", the uniter sets the agent to "executing" with a message
//     ("running config-changed hook"); when nothing is left to do it sets
//     "idle". The uniter skips a set that repeats its last one, and state
//     keeps "since" when a status is set to what it already is, so "since"
//     moves only on a real transition. update-status runs without a
//     transition, so a periodic hook never looks like a change.
//   - A unit has reached the change once its agent status (current,
//     message, since) differs from the one before the change and it is not
//     executing: the change's hook has run to its end, so the workload
//     status is the one that hook set. A unit seen executing has only
//     started (a charm that sets no maintenance status during
//     config-changed still shows its old "active" then). A unit that was
//     already executing before the change (a hook of an earlier change)
//     is the same case: the change's hook is queued behind the running
//     one, and the uniter goes idle only when nothing is queued. That
//     holds only if the running hook is still running when the change
//     lands: one that ends in between (a charm sets "active" before its
//     start hook returns, so AllActive can hold while the hook runs on)
//     leaves an idle from before the change that looks like one after it.
//     So the call first polls status, for at most settleWindow, until no
//     concerned unit is executing, and takes that as the baseline.
//   - A new unit (deploy, add-unit) has reached it once its agent has left
//     "allocating": the uniter has started and runs the change's hooks
//     before it goes idle.
//   - A unit that went away has reached it: nothing is left to wait for.
//   - A config, reset or trust call that leaves the effective settings as
//     they were (compared with "juju config" before and after) fires no
//     config-changed in Juju (the config hash is unchanged), so it records
//     nothing. Model config changes fire no hooks, and exec and run return
//     only once the unit has run the command, so none of them holds a Wait
//     back.
//
// Clock skew: both "since" and the controller timestamp come from the
// controller's clock, and this code only compares them with each other
// (never with the local clock), so a test machine whose clock is off does
// not matter. Juju prints both to the second, so a status set in the same
// second as the snapshot could hide a whole hook that ran within that
// second (the status would be the same string again). When a concerned
// unit's since is in the same second as the snapshot's controller
// timestamp, the call polls status again (for at most about a second)
// until the controller's clock has moved on, so that any status set after
// the change has a different since.
//
// Juju 4: the rule above was read from Juju 3.6's source only (the module
// this project builds against). It relies on nothing but the status
// fields Juju 4.0 still prints (juju-status current, message, since; the
// controller timestamp), and the stale state Jubilant users hit on Juju 4
// (canonical/jubilant#409: Wait passing on the state from before an event)
// is what it rules out; the 4.0 and 4.1/edge CI jobs check it there. A
// deploy waits for its units, not only for the application to show.

// agentMark is a unit agent's status as status prints it.
type agentMark struct{ current, message, since string }

func markOf(u UnitStatus) agentMark {
	return agentMark{u.JujuStatus.Current, u.JujuStatus.Message, u.JujuStatus.Since}
}

func (m agentMark) String() string {
	s := m.current
	if m.message != "" {
		s += " (" + m.message + ")"
	}
	if m.since != "" {
		s += " since " + m.since
	}
	return s
}

// change is one mutating call whose effect Wait must see.
type change struct {
	// what describes the call, for logs: "config tinyproxy".
	what string
	// before holds the agent status of each concerned unit that existed
	// before the change and has not reached it yet.
	before map[string]agentMark
	// known lists every unit of the concerned apps before the change, so
	// that new ones can be told apart.
	known map[string]bool
	// newUnits is, per app, how many new units must appear (deploy,
	// add-unit); appear lists apps that must merely show up.
	newUnits map[string]int
	appear   []string
}

// reached reports whether st shows the change everywhere, updating c to
// forget the units that have reached it. When it has not, it says what is
// still awaited.
func (c *change) reached(st *Status) (bool, string) {
	var waiting []string
	for _, name := range slices.Sorted(maps.Keys(c.before)) {
		was := c.before[name]
		u, ok := findUnit(st, name)
		if !ok {
			delete(c.before, name) // gone: nothing to wait for
			continue
		}
		// Moved on, and not in the middle of a hook: a unit seen executing
		// has started the change's hook but may not have finished it, and
		// its workload status is not yet the one the hook will set.
		if now := markOf(u); now != was && now.current != StatusExecuting {
			delete(c.before, name)
			continue
		}
		waiting = append(waiting, fmt.Sprintf("%s (agent still %s)", name, was))
	}
	for _, app := range slices.Sorted(maps.Keys(c.newUnits)) {
		want := c.newUnits[app]
		started := 0
		for name, u := range st.Units(app) {
			if !c.known[name] && u.JujuStatus.Current != "" && u.JujuStatus.Current != StatusAllocating {
				started++
			}
		}
		if started >= want {
			delete(c.newUnits, app)
			continue
		}
		waiting = append(waiting, fmt.Sprintf("%d of %d new units of %s started", started, want, app))
	}
	for _, app := range slices.Clone(c.appear) {
		if _, ok := st.Apps[app]; ok {
			c.appear = slices.DeleteFunc(c.appear, func(a string) bool { return a == app })
			continue
		}
		waiting = append(waiting, "application "+app+" to appear")
	}
	if len(waiting) == 0 {
		return true, ""
	}
	return false, strings.Join(waiting, ", ")
}

// findUnit finds a unit, principal or subordinate, by name.
func findUnit(st *Status, name string) (UnitStatus, bool) {
	if st == nil {
		return UnitStatus{}, false
	}
	app, _, ok := strings.Cut(name, "/")
	if !ok {
		return UnitStatus{}, false
	}
	if u, ok := st.Units(app)[name]; ok {
		return u, true
	}
	return UnitStatus{}, false
}

// changeLog holds the changes not yet seen to reach their units, by model.
// It is shared by copies of a Juju, which is what a test that copies a Juju
// to change its logger expects; Wait looks only at its own model's changes.
type changeLog struct {
	mu      sync.Mutex
	pending map[string][]*change
}

func (l *changeLog) add(model string, c *change) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending == nil {
		l.pending = map[string][]*change{}
	}
	l.pending[model] = append(l.pending[model], c)
}

// observe checks the model's pending changes against st, forgets those
// that have reached their units, and returns what the rest still await.
// Each reached change is passed to done.
func (l *changeLog) observe(model string, st *Status, done func(*change)) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var waiting []string
	kept := l.pending[model][:0]
	for _, c := range l.pending[model] {
		ok, why := c.reached(st)
		if ok {
			done(c)
			continue
		}
		kept = append(kept, c)
		waiting = append(waiting, c.what+": "+why)
	}
	if len(kept) == 0 {
		delete(l.pending, model)
	} else {
		l.pending[model] = kept
	}
	return waiting
}

// forgetApps drops what pending changes of the model await from apps
// that are being removed: their units will never start.
func (l *changeLog) forgetApps(model string, apps []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.pending[model] {
		c.appear = slices.DeleteFunc(c.appear, func(a string) bool { return slices.Contains(apps, a) })
		for _, app := range apps {
			delete(c.newUnits, app)
		}
	}
}

// count returns how many changes of the model are pending.
func (l *changeLog) count(model string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending[model])
}

// changes returns j's change log, creating it on first use.
func (j *Juju) changes() *changeLog {
	if l, ok := j.tracked.Load().(*changeLog); ok {
		return l
	}
	j.tracked.CompareAndSwap(nil, &changeLog{})
	return j.tracked.Load().(*changeLog)
}

// PendingChanges returns how many mutating calls made through j (or a copy
// of it) on its model have not yet been seen by a Wait to reach their
// units. Wait does not return while it is above zero, unless given
// WithoutChangeTracking.
func (j *Juju) PendingChanges() int {
	return j.changes().count(j.Model)
}

// tracking reports whether j records changes.
func (j *Juju) tracking() bool { return !j.DisableChangeTracking }

// snapshotWindow bounds how long a mutating call polls status for the
// controller's clock to move past the second of a concerned unit's last
// agent transition (see the comment at the top of this file).
const snapshotWindow = 1500 * time.Millisecond

// settleWindow bounds how long a mutating call waits for a concerned
// unit's running hook to end before it makes the change (see the comment
// at the top of this file).
const settleWindow = 5 * time.Second

// snapshot reads the status of apps just before a change, as the
// baseline of the change's tracking: once no concerned unit is executing
// (for at most settleWindow) and the controller's clock is past the
// second of their last transition (for at most snapshotWindow). It
// returns nil, having logged why, when status cannot be read: the change
// then goes untracked.
func (j *Juju) snapshot(ctx context.Context, what string, apps []string) *Status {
	clock := j.clock()
	start := clock.Now()
	pause := 20 * time.Millisecond
	for {
		st, err := j.status(ctx, StatusOptions{Apps: apps}, true)
		if err != nil {
			j.logf("change tracking: %s: cannot read status before the change, so Wait cannot tell states from before it: %v", what, err)
			return nil
		}
		elapsed := clock.Now().Sub(start)
		busy := executingUnit(st, apps)
		switch {
		case busy != "" && elapsed >= settleWindow:
			j.logf("change tracking: %s: %s still runs a hook after %s; making the change anyway (if that hook ends before the change lands, Wait cannot tell its idle from one after the change)", what, busy, settleWindow)
			return st
		case busy == "" && (!sameSecond(st, apps) || elapsed >= snapshotWindow):
			return st
		}
		if err := clock.Sleep(ctx, pause); err != nil {
			return st
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// executingUnit returns a unit of apps whose agent is executing, or "".
func executingUnit(st *Status, apps []string) string {
	for _, app := range apps {
		units := st.Units(app)
		for _, name := range slices.Sorted(maps.Keys(units)) {
			if units[name].JujuStatus.Current == StatusExecuting {
				return name
			}
		}
	}
	return ""
}

// sameSecond reports whether a unit of apps that is not executing had its
// agent status set in the second of st's controller timestamp.
func sameSecond(st *Status, apps []string) bool {
	now, ok := secondOfDay(st.Controller.Timestamp, timestampLayouts)
	if !ok {
		return false
	}
	for _, app := range apps {
		for _, u := range st.Units(app) {
			if u.JujuStatus.Current == StatusExecuting {
				continue
			}
			if since, ok := secondOfDay(u.JujuStatus.Since, sinceLayouts); ok && since == now {
				return true
			}
		}
	}
	return false
}

// The layouts Juju prints times with (cmd/juju/common/format.go): local
// time by default, UTC with --utc or JUJU_STATUS_ISO_TIME.
var (
	sinceLayouts     = [...]string{"02 Jan 2006 15:04:05Z07:00", "2006-01-02 15:04:05Z"}
	timestampLayouts = [...]string{"15:04:05Z07:00", "15:04:05"}
)

// secondOfDay parses a status time and returns its second of the day in
// UTC; false when s is empty or in no known layout.
func secondOfDay[L ~[2]string](s string, layouts L) (int, bool) {
	if s == "" {
		return 0, false
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return t.Hour()*3600 + t.Minute()*60 + t.Second(), true
		}
	}
	return 0, false
}

// newUnitsChange builds a change that n new units of app must reach: the
// units in the snapshot are known, so that the new ones can be told apart.
func newUnitsChange(what string, st *Status, app string, n int) *change {
	c := &change{what: what, known: map[string]bool{}, newUnits: map[string]int{app: n}}
	for name := range st.Units(app) {
		c.known[name] = true
	}
	return c
}

// unitsChange builds a change concerning the existing units of apps (and,
// with units, only those units) from a snapshot.
func unitsChange(what string, st *Status, apps []string, units []string) *change {
	c := &change{what: what, before: map[string]agentMark{}, known: map[string]bool{}}
	for _, app := range apps {
		for name, u := range st.Units(app) {
			c.known[name] = true
			if len(units) == 0 || slices.Contains(units, name) {
				c.before[name] = markOf(u)
			}
		}
	}
	return c
}

// trackedCall runs a mutating CLI call with change tracking: it reads the
// status of apps, runs c, and on success records the change that build
// returns from the snapshot (nil records nothing).
func (j *Juju) trackedCall(ctx context.Context, what string, apps []string, c call, build func(st *Status) *change) error {
	if !j.tracking() {
		_, err := j.run(ctx, c)
		return err
	}
	st := j.snapshot(ctx, what, apps)
	if _, err := j.run(ctx, c); err != nil {
		return err
	}
	if st == nil {
		return nil
	}
	if c := build(st); c != nil {
		j.changes().add(j.Model, c)
	}
	return nil
}

// trackedConfigCall is trackedCall for calls whose effect is a change of
// application settings (config, reset, trust): it also reads the app's
// config before and after, and records nothing when the effective values
// did not change, since Juju then fires no config-changed.
func (j *Juju) trackedConfigCall(ctx context.Context, what, app string, c call) error {
	var before *configOutput
	if j.tracking() {
		var err error
		if before, err = j.configOutput(ctx, app); err != nil {
			// Reading the config failed: the change itself will say why.
			_, err := j.run(ctx, c)
			return err
		}
	}
	return j.trackedCall(ctx, what, []string{app}, c, func(st *Status) *change {
		after, err := j.configOutput(ctx, app)
		if err == nil && sameSettings(before, after) {
			j.logf("change tracking: %s leaves the settings as they were: Juju fires no config-changed, so there is nothing to wait for", what)
			return nil
		}
		return unitsChange(what, st, []string{app}, nil)
	})
}

// sameSettings reports whether two config outputs hold the same effective
// values, charm settings and application config alike.
func sameSettings(a, b *configOutput) bool {
	eq := func(x, y map[string]configSetting) bool {
		return maps.EqualFunc(x, y, func(s, t configSetting) bool { return jsonEqual(s.Value, t.Value) })
	}
	return eq(a.Settings, b.Settings) && eq(a.AppConfig, b.AppConfig)
}

// jsonEqual compares two JSON values by meaning, not by spelling.
func jsonEqual(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return bytes.Equal(xs, ys)
}

// relationApps returns the local application names of integrate's
// arguments ("app" or "app:endpoint"); offer URLs are left out.
func relationApps(args ...string) []string {
	var apps []string
	for _, a := range args {
		if strings.Contains(a, "/") || strings.Contains(a, ".") {
			continue // an offer URL or a cross-model name: no local units
		}
		name, _, _ := strings.Cut(a, ":")
		if name != "" && !slices.Contains(apps, name) {
			apps = append(apps, name)
		}
	}
	return apps
}

// maxMetadataSize bounds the metadata.yaml read from a charm to learn its
// name.
const maxMetadataSize = 1 << 20

// localCharmInfo reads the name and subordinate flag of a local charm, an
// archive or a directory, from its metadata.yaml (or charmcraft.yaml).
func localCharmInfo(path string) (name string, subordinate bool, err error) {
	var data []byte
	if fi, statErr := os.Stat(path); statErr == nil && fi.IsDir() {
		for _, f := range []string{"metadata.yaml", "charmcraft.yaml"} {
			if data, err = readLimited(filepath.Join(path, f)); err == nil {
				break
			}
		}
	} else {
		data, err = zipMetadata(path)
	}
	if err != nil {
		return "", false, err
	}
	var meta struct {
		Name        string `yaml:"name"`
		Subordinate bool   `yaml:"subordinate"`
	}
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return "", false, fmt.Errorf("charm metadata: %w", err)
	}
	if meta.Name == "" {
		return "", false, fmt.Errorf("charm metadata has no name")
	}
	return meta.Name, meta.Subordinate, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxMetadataSize))
}

func zipMetadata(path string) ([]byte, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	f, err := z.Open("metadata.yaml")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxMetadataSize))
}
