package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// relDispatch is the dispatch of the relation test charms: it logs each
// hook as hook@remote-unit (>departing unit), publishes data from the
// provider and reports what the requirer sees in its status.
const relDispatch = `#!/bin/sh
hook="${JUJU_DISPATCH_PATH#*/}"
echo "$hook@$JUJU_REMOTE_UNIT${JUJU_DEPARTING_UNIT:+>$JUJU_DEPARTING_UNIT}" >> "$JUJU_CHARM_DIR/../hooks.log"
case "$hook" in
  start) status-set active ready ;;
  web-relation-joined)
    relation-set hostname="h-${JUJU_UNIT_NAME#*/}" port=80
    [ "$(is-leader)" = True ] && relation-set --app url=http://prov.example/
    ;;
  backend-relation-departed)
    echo "departed-data:$(relation-get hostname "$JUJU_REMOTE_UNIT")" >> "$JUJU_CHARM_DIR/../hooks.log"
    status-set active "url=$(relation-get --app url) units=$(relation-list | tr '\n' ,) $JUJU_RELATION_ID"
    ;;
  backend-relation-changed)
    status-set active "url=$(relation-get --app url) units=$(relation-list | tr '\n' ,) $JUJU_RELATION_ID"
    ;;
  backend-relation-broken)
    status-set active "ids=$(relation-ids backend | tr '\n' ,)"
    ;;
  web-relation-broken)
    # Beside the units' directories, which go with the units.
    echo "$JUJU_UNIT_NAME:web-ids:$(relation-ids web | tr '\n' ,)" >> "$JUJU_CHARM_DIR/../../ids.log"
    ;;
esac
exit 0
`

func relCharms(t *testing.T) (prov, req string) {
	dir := t.TempDir()
	prov = writeCharm(t, dir, "prov", map[string]string{
		"metadata.yaml": "name: prov\nsummary: s\ndescription: d\nprovides:\n  web:\n    interface: http\npeers:\n  peers:\n    interface: prov-peers\n",
		"dispatch":      relDispatch,
	})
	req = writeCharm(t, dir, "req", map[string]string{
		"metadata.yaml": "name: req\nsummary: s\ndescription: d\nrequires:\n  backend:\n    interface: http\n    limit: 1\n",
		"dispatch":      relDispatch,
	})
	return prov, req
}

// before reports whether a comes before b in log.
func before(log []string, a, b string) bool {
	i, j := slices.Index(log, a), slices.Index(log, b)
	return i >= 0 && j > i
}

func workloadMessage(app string, want string) func(jsonStatus) bool {
	return func(s jsonStatus) bool {
		a, ok := s.Applications[app]
		if !ok {
			return false
		}
		for _, u := range a.Units {
			if u.Workload.Message != want || u.Juju.Current != "idle" {
				return false
			}
		}
		return len(a.Units) > 0
	}
}

func TestRelationLifecycle(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, true)
	prov, req := relCharms(t)
	e.must("add-model", "rel")
	e.must("deploy", prov, "-n", "2")
	e.must("deploy", req)
	e.waitStatus("rel", 30*time.Second, "both started", func(s jsonStatus) bool {
		return allIdle("prov", "active")(s) && allIdle("req", "active")(s)
	})

	// Juju's errors, from its integrate command and its state layer.
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"integrate", "req"}, 2, "ERROR an integration must involve two applications\n"},
		{[]string{"integrate", "req:", "prov"}, 2, "ERROR endpoint \"req:\" not valid\n"},
		{[]string{"integrate", "req", "admin/other.prov"}, 1,
			"ERROR juju-local does not model cross-model relations: \"admin/other.prov\" is an offer URL; relate applications of the same model\n"},
		{[]string{"integrate", "req", "nope"}, 1, "ERROR application \"nope\" not found\n"},
		{[]string{"integrate", "req:nope", "prov"}, 1, "ERROR application \"req\" has no \"nope\" relation\n"},
		{[]string{"integrate", "req:backend", "prov:peers"}, 1, "ERROR no relations found\n"},
		{[]string{"remove-relation", "req", "prov"}, 1, "ERROR relation matching \"req prov\" not found\n"},
		{[]string{"remove-relation", "0"}, 1, "ERROR cannot destroy relation \"prov:peers\": is a peer relation\n"},
		{[]string{"remove-relation", "x"}, 2, "ERROR relation ID \"x\" not valid\n"},
	} {
		if r := e.run(tc.args...); r.code != tc.code || r.stderr != tc.err {
			t.Errorf("%q: code %d stderr %q, want %d %q", tc.args, r.code, r.stderr, tc.code, tc.err)
		}
	}

	e.must("integrate", "req", "prov")
	e.waitStatus("rel", 30*time.Second, "requirer sees both units and the app data",
		workloadMessage("req", "url=http://prov.example/ units=prov/0,prov/1, backend:1"))

	r := e.run("integrate", "prov:web", "req:backend")
	if r.code != 1 || r.stderr != "ERROR cannot add relation \"req:backend prov:web\"\nrelation req:backend prov:web: \n\nUse 'juju status --relations' to view the current relations.\n" {
		t.Errorf("integrate again: code %d stderr %q", r.code, r.stderr)
	}
	e.must("deploy", prov, "prov2")
	if r := e.run("integrate", "req", "prov2"); r.code != 1 || r.stderr != "ERROR cannot add relation \"req:backend prov2:web\": establishing a new relation for req:backend would exceed its maximum relation limit of 1\n" {
		t.Errorf("over the limit: code %d stderr %q", r.code, r.stderr)
	}

	reqLog := e.hookLog("rel", "req/0")
	for _, order := range [][2]string{
		{"start@", "backend-relation-created@"},
		{"backend-relation-created@", "backend-relation-joined@prov/0"},
		{"backend-relation-joined@prov/0", "backend-relation-changed@prov/0"},
		{"backend-relation-joined@prov/1", "backend-relation-changed@prov/1"},
	} {
		if !before(reqLog, order[0], order[1]) {
			t.Errorf("req/0 ran %q, want %s before %s", reqLog, order[0], order[1])
		}
	}
	provLog := e.hookLog("rel", "prov/0")
	for _, order := range [][2]string{
		{"install@", "peers-relation-created@"},
		{"peers-relation-created@", "leader-elected@"},
		{"start@", "peers-relation-joined@prov/1"},
		{"web-relation-created@", "web-relation-joined@req/0"},
		{"web-relation-joined@req/0", "web-relation-changed@req/0"},
	} {
		if !before(provLog, order[0], order[1]) {
			t.Errorf("prov/0 ran %q, want %s before %s", provLog, order[0], order[1])
		}
	}

	// Status and show-unit, in Juju 3.6's formats.
	var st struct {
		Applications map[string]struct {
			Relations map[string][]map[string]string `json:"relations"`
		} `json:"applications"`
	}
	if err := json.Unmarshal([]byte(e.must("status", "--format", "json", "-m", "rel").stdout), &st); err != nil {
		t.Fatal(err)
	}
	if got := st.Applications["req"].Relations["backend"]; len(got) != 1 || got[0]["related-application"] != "prov" || got[0]["interface"] != "http" || got[0]["scope"] != "global" {
		t.Errorf("req relations = %v", st.Applications["req"].Relations)
	}
	if got := st.Applications["prov"].Relations["peers"]; len(got) != 1 || got[0]["related-application"] != "prov" {
		t.Errorf("prov relations = %v", st.Applications["prov"].Relations)
	}
	tab := e.must("status", "-m", "rel", "--relations").stdout
	if !strings.Contains(tab, "Integration provider") || !strings.Contains(tab, "prov:web") || !strings.Contains(tab, "req:backend") {
		t.Errorf("tabular relations section missing:\n%s", tab)
	}
	var su map[string]struct {
		RelationInfo []struct {
			ID              int               `json:"relation-id"`
			Endpoint        string            `json:"endpoint"`
			RelatedEndpoint string            `json:"related-endpoint"`
			AppData         map[string]string `json:"application-data"`
			RelatedUnits    map[string]struct {
				InScope bool              `json:"in-scope"`
				Data    map[string]string `json:"data"`
			} `json:"related-units"`
		} `json:"relation-info"`
	}
	if err := json.Unmarshal([]byte(e.must("show-unit", "req/0", "--format", "json", "-m", "rel").stdout), &su); err != nil {
		t.Fatal(err)
	}
	ri := su["req/0"].RelationInfo
	if len(ri) != 1 || ri[0].ID != 1 || ri[0].Endpoint != "backend" || ri[0].RelatedEndpoint != "web" ||
		ri[0].AppData["url"] != "http://prov.example/" || !ri[0].RelatedUnits["prov/1"].InScope ||
		ri[0].RelatedUnits["prov/1"].Data["hostname"] != "h-1" || ri[0].RelatedUnits["prov/1"].Data["ingress-address"] == "" {
		t.Errorf("show-unit relation-info = %+v", ri)
	}

	// A unit that goes leaves the relation first: both sides run
	// departed, naming the departing unit, and the unit runs broken.
	e.must("remove-unit", "prov/1", "--no-prompt")
	e.waitStatus("rel", 30*time.Second, "prov/1 to go and req/0 to see it",
		workloadMessage("req", "url=http://prov.example/ units=prov/0, backend:1"))
	if log := e.hookLog("rel", "req/0"); !slices.Contains(log, "backend-relation-departed@prov/1>prov/1") ||
		!slices.Contains(log, "departed-data:h-1") {
		t.Errorf("req/0 ran %q, want departed for prov/1, reading its data", log)
	}
	// In a peer relation the unit's own bag shows as local-unit (YAML,
	// show-unit's default format).
	if y := e.must("show-unit", "prov/0", "-m", "rel").stdout; !strings.Contains(y, "- relation-id: 0\n    endpoint: peers\n    related-endpoint: peers\n") ||
		!strings.Contains(y, "    local-unit:\n      in-scope: true\n      data:\n") {
		t.Errorf("show-unit prov/0 (YAML):\n%s", y)
	}
	// Juju calls a relation broken (and relation-ids leaves it out) only
	// when it is dying with no remote unit left: prov/1 went on its own,
	// so in its broken hook the relation is still listed.
	idsLog := func() []string {
		data, _ := os.ReadFile(filepath.Join(e.store().ModelDir(e.modelUUID("rel")), "agents", "ids.log"))
		return strings.Fields(string(data))
	}
	if log := idsLog(); !slices.Contains(log, "prov/1:web-ids:web:1,") {
		t.Errorf("broken hooks saw relation-ids %q, want prov/1's to list web:1", log)
	}
	e.must("remove-relation", "req", "prov")
	e.waitStatus("rel", 30*time.Second, "requirer saw the relation break", workloadMessage("req", "ids="))
	e.waitStatus("rel", 30*time.Second, "prov/0's broken hook", func(jsonStatus) bool {
		return slices.ContainsFunc(idsLog(), func(l string) bool { return strings.HasPrefix(l, "prov/0:") })
	})
	if log := idsLog(); !slices.Contains(log, "prov/0:web-ids:") {
		t.Errorf("broken hooks saw relation-ids %q, want prov/0's to leave out the removed relation", log)
	}
	reqLog = e.hookLog("rel", "req/0")
	if n := len(reqLog); n < 3 || reqLog[n-1] != "backend-relation-broken@" ||
		reqLog[n-3] != "backend-relation-departed@prov/0>prov/0" {
		t.Errorf("req/0 after remove-relation ran %q", reqLog)
	}
	e.waitStatus("rel", 30*time.Second, "the relation to go", func(s jsonStatus) bool {
		var st struct {
			Applications map[string]struct {
				Relations map[string]any `json:"relations"`
			} `json:"applications"`
		}
		raw := e.must("status", "--format", "json", "-m", "rel").stdout
		_ = json.Unmarshal([]byte(raw), &st)
		_, still := st.Applications["prov"].Relations["web"]
		return len(st.Applications["req"].Relations) == 0 && !still
	})
	// The relation can be made again.
	e.must("integrate", "req", "prov2")
	e.waitStatus("rel", 30*time.Second, "requirer relates to prov2",
		workloadMessage("req", "url=http://prov.example/ units=prov2/0, backend:3"))
	// Removing an application ends its relations: the other side departs
	// and breaks, and the relation goes.
	e.must("remove-application", "prov2", "--no-prompt")
	e.waitStatus("rel", 30*time.Second, "prov2 to go and req to break", func(s jsonStatus) bool {
		_, still := s.Applications["prov2"]
		return !still && workloadMessage("req", "ids=")(s)
	})
	if log := e.hookLog("rel", "req/0"); log[len(log)-1] != "backend-relation-broken@" ||
		log[len(log)-3] != "backend-relation-departed@prov2/0>prov2/0" {
		t.Errorf("req/0 after remove-application ran %q", log)
	}
	st2, err := e.store().Read(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if m := st2.ModelByName("rel"); len(m.RelationsOf("req")) != 0 {
		t.Errorf("req still has relations after prov2 went: %+v", m.RelationsOf("req"))
	}
}

// TestMissingHookTool checks that a tool the backend does not provide is
// not on the hook's PATH, as on a Juju machine with no such tool: the
// shell reports it, and a charm that checks fails its hook visibly.
func TestMissingHookTool(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, true)
	ch := writeCharm(t, t.TempDir(), "needy", map[string]string{
		"metadata.yaml": "name: needy\nsummary: s\ndescription: d\n",
		"dispatch":      "#!/bin/sh\nset -e\n[ \"${JUJU_DISPATCH_PATH#*/}\" = install ] && goal-state --format=json\nexit 0\n",
	})
	e.must("add-model", "m")
	e.must("deploy", ch)
	s := e.waitStatus("m", 30*time.Second, "the install hook to fail", func(s jsonStatus) bool {
		u, ok := s.Applications["needy"].Units["needy/0"]
		return ok && u.Workload.Current == "error"
	})
	if msg := s.Applications["needy"].Units["needy/0"].Workload.Message; msg != `hook failed: "install"` {
		t.Errorf("workload message %q", msg)
	}
	log := e.must("debug-log", "--replay", "--no-tail", "-m", "m").stdout
	if !strings.Contains(log, "goal-state: not found") {
		t.Errorf("debug-log does not show the shell's error:\n%s", log)
	}
}

// TestLeaderSettings checks leader-set and leader-get: the leader writes
// at once, the other units run leader-settings-changed and read the
// value; a non-leader may not write.
func TestLeaderSettings(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, true)
	ch := writeCharm(t, t.TempDir(), "ldr", map[string]string{
		"metadata.yaml": "name: ldr\nsummary: s\ndescription: d\n",
		"dispatch": "#!/bin/sh\ncase \"${JUJU_DISPATCH_PATH#*/}\" in\n" +
			"  start) status-set active ready ;;\n" +
			"  leader-settings-changed) status-set active \"k=$(leader-get k)\" ;;\nesac\n",
	})
	e.must("add-model", "m")
	e.must("deploy", ch, "-n", "2")
	e.waitStatus("m", 30*time.Second, "both started", allIdle("ldr", "active"))
	e.must("exec", "--unit", "ldr/leader", "--", "leader-set", "k=v1")
	e.waitStatus("m", 30*time.Second, "the minion to see k", func(s jsonStatus) bool {
		u := s.Applications["ldr"].Units["ldr/1"]
		return u.Workload.Message == "k=v1" && u.Juju.Current == "idle"
	})
	if r := e.run("exec", "--unit", "ldr/1", "--format", "json", "--", "leader-set", "k=v2"); r.code != 1 ||
		!strings.Contains(r.stdout, "cannot write leadership settings: cannot write settings: not the leader") {
		t.Errorf("leader-set on a minion: code %d stdout %s stderr %s", r.code, r.stdout, r.stderr)
	}
	if out := e.must("exec", "--unit", "ldr/1", "--", "leader-get", "k").stdout; out != "v1\n" {
		t.Errorf("leader-get on the minion = %q", out)
	}
}

// TestDestroyModelWithRelations destroys a model whose applications are
// related, without --force: every unit leaves its relations (departed,
// broken), then stops and is removed, and the command returns once all
// of it is done.
func TestDestroyModelWithRelations(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, true)
	prov, req := relCharms(t)
	e.must("add-model", "rel")
	e.must("deploy", prov)
	e.must("deploy", req)
	e.must("integrate", "req", "prov")
	e.waitStatus("rel", 30*time.Second, "the relation to settle",
		workloadMessage("req", "url=http://prov.example/ units=prov/0, backend:1"))
	reqDir := e.store().UnitDir(e.modelUUID("rel"), "req/0")
	logCopy := filepath.Join(t.TempDir(), "req.log")
	// The unit's directory goes with it: keep its hook log as it grows.
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if data, err := os.ReadFile(filepath.Join(reqDir, "hooks.log")); err == nil {
				_ = os.WriteFile(logCopy, data, 0o644)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	r := e.run("destroy-model", "rel", "--no-prompt")
	close(stop)
	<-done
	if r.code != 0 {
		t.Fatalf("destroy-model: exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(logCopy)
	if err != nil {
		t.Fatal(err)
	}
	log := strings.Fields(string(data))
	// A dying unit is the departing unit of its own departed hooks.
	if !before(log, "backend-relation-departed@prov/0>req/0", "backend-relation-broken@") {
		t.Errorf("req/0 ran %q, want departed (departing req/0) then broken", log)
	}
	if !before(log, "backend-relation-broken@", "stop@") {
		t.Errorf("req/0 ran %q, want broken before stop", log)
	}
}
