package jujutest_test

import (
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/jujutesttest"
)

// fixture returns the named testdata file.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// parseFixture parses testdata/<name> as a status.
func parseFixture(t testing.TB, name string) *jujutest.Status {
	t.Helper()
	st, err := jujutest.ParseStatus(fixture(t, name))
	if err != nil {
		t.Fatalf("ParseStatus(%s): %v", name, err)
	}
	return st
}

func TestParseStatusMachineModel(t *testing.T) {
	t.Parallel()
	st := parseFixture(t, "status-machine.json")
	if st.Model.Name != "test" || st.Model.Type != "iaas" || st.Model.ModelStatus.Current != "available" || st.Model.SLA != "unsupported" {
		t.Errorf("Model = %+v", st.Model)
	}
	m0 := st.Machines["0"]
	if m0.JujuStatus.Current != "started" || m0.JujuStatus.Version != "3.6.11" || m0.DNSName != "10.97.1.23" ||
		m0.InstanceID != "juju-8d3a1f-0" || m0.Base != (jujutest.Base{Name: "ubuntu", Channel: "22.04"}) {
		t.Errorf("machine 0 = %+v", m0)
	}
	if nic := m0.NetworkInterfaces["eth0"]; !nic.IsUp || nic.MACAddress != "00:16:3e:aa:bb:cc" || !slices.Equal(nic.DNSNameservers, []string{"10.97.1.1"}) {
		t.Errorf("eth0 = %+v", nic)
	}
	if c := m0.Containers["0/lxd/0"]; c.MachineStatus.Current != "allocating" || c.MachineStatus.Message != "Creating container" {
		t.Errorf("container = %+v", c)
	}
	tp := st.Apps["tinyproxy"]
	if tp.Charm != "local:tinyproxy-0" || tp.CharmOrigin != "local" || tp.CharmName != "tinyproxy" || tp.CharmRev != 0 ||
		!tp.Exposed || tp.Version != "1.11.1" || !tp.IsActive() || tp.EndpointBindings[""] != "alpha" {
		t.Errorf("tinyproxy = %+v", tp)
	}
	if rel := tp.Relations["juju-info"]; len(rel) != 1 || rel[0] != (jujutest.AppRelation{RelatedApp: "nrpe", Interface: "juju-info", Scope: "container"}) {
		t.Errorf("relations = %+v", tp.Relations)
	}
	u0 := tp.Units["tinyproxy/0"]
	if !u0.Leader || u0.Machine != "0" || !slices.Equal(u0.OpenPorts, []string{"8000/tcp"}) || u0.PublicAddress != "10.97.1.23" ||
		!u0.IsActive() || u0.JujuStatus.Current != "idle" {
		t.Errorf("tinyproxy/0 = %+v", u0)
	}
	if tp.Units["tinyproxy/1"].Leader {
		t.Error("tinyproxy/1 should not be leader")
	}
	nrpe := st.Apps["nrpe"]
	if !nrpe.IsBlocked() || nrpe.CharmRev != 128 || nrpe.CharmChannel != "latest/stable" || !slices.Equal(nrpe.SubordinateTo, []string{"tinyproxy"}) || len(nrpe.Units) != 0 {
		t.Errorf("nrpe = %+v", nrpe)
	}
	if sub := u0.Subordinates["nrpe/0"]; sub.WorkloadStatus.Message != "Ready" || !sub.Leader {
		t.Errorf("nrpe/0 = %+v", sub)
	}
	if s := st.Storage.Storage["data/0"]; s.Kind != "filesystem" || s.Attachments.Units["tinyproxy/0"].Location != "/srv/data" {
		t.Errorf("storage = %+v", st.Storage)
	}
	if fs := st.Storage.Filesystems["0/0"]; fs.Size != 1024 || fs.Attachments.Machines["0"].MountPoint != "/srv/data" {
		t.Errorf("filesystem = %+v", fs)
	}
	if p := st.Machines["1"].LXDProfiles["juju-test-tinyproxy-0"]; p.Config["security.nesting"] != "true" || p.Devices["tun"]["type"] != "unix-char" {
		t.Errorf("lxd profile = %+v", p)
	}
	if v := st.Storage.Volumes["1"]; v.Size != 2048 || !v.Persistent || v.Attachments.Machines["1"].Device != "sdb" || v.Attachments.Units["tinyproxy/1"].Location != "/srv/logs" {
		t.Errorf("volume = %+v", v)
	}
	if st.Controller.Timestamp != "13:36:01Z" {
		t.Errorf("timestamp = %q", st.Controller.Timestamp)
	}
}

func TestParseStatusK8sModel(t *testing.T) {
	t.Parallel()
	st := parseFixture(t, "status-k8s.json")
	if st.Model.Type != "caas" || len(st.Machines) != 0 {
		t.Errorf("model %+v with %d machines", st.Model, len(st.Machines))
	}
	app := st.Apps["snappass-test"]
	if app.Scale != 2 || app.Address != "10.152.183.47" || app.ProviderID == "" || !app.IsWaiting() {
		t.Errorf("app = %+v", app)
	}
	if u := app.Units["snappass-test/0"]; u.Address != "10.1.94.70" || u.ProviderID != "snappass-test-0" || u.Machine != "" {
		t.Errorf("unit 0 = %+v", u)
	}
	if u := app.Units["snappass-test/1"]; !u.IsWaiting() || u.JujuStatus.Current != "allocating" {
		t.Errorf("unit 1 = %+v", u)
	}
	remote := st.AppEndpoints["db"]
	if remote.URL != "lxd:admin/test.postgresql" || remote.Endpoints["db"] != (jujutest.RemoteEndpoint{Interface: "pgsql", Role: "provider"}) ||
		!slices.Equal(remote.Relations["db"], []string{"snappass-test"}) || remote.AppStatus.Current != "active" {
		t.Errorf("remote app = %+v", remote)
	}
	offer := st.Offers["snappass"]
	if offer.App != "snappass-test" || offer.ActiveConnectedCount != 1 || offer.Endpoints["website"].Interface != "http" || offer.Error != "" {
		t.Errorf("offer = %+v", offer)
	}
}

func TestParseStatusErrors(t *testing.T) {
	t.Parallel()
	st := parseFixture(t, "status-errors.json")
	failed := func(msg string) jujutest.StatusInfo { return jujutest.StatusInfo{Current: "failed", Message: msg} }
	checks := []struct {
		what      string
		got, want jujutest.StatusInfo
	}{
		{"model", st.Model.ModelStatus, failed("cannot read model status")},
		{"machine 0 agent", st.Machines["0"].JujuStatus, failed("machine 0 not found")},
		{"machine 0 instance", st.Machines["0"].MachineStatus, failed("machine 0 not found")},
		{"machine 1 agent", st.Machines["1"].JujuStatus, failed("agent status unavailable")},
		{"container", st.Machines["1"].Containers["1/lxd/0"].JujuStatus, failed("container status unavailable")},
		{"app gone", st.Apps["gone"].AppStatus, failed(`application "gone" not found`)},
		{"unit app/1 workload", st.Apps["app"].Units["app/1"].WorkloadStatus, failed("unit app/1 not found")},
		{"unit app/1 agent", st.Apps["app"].Units["app/1"].JujuStatus, failed("unit app/1 not found")},
		{"subordinate sub/0", st.Apps["app"].Units["app/0"].Subordinates["sub/0"].WorkloadStatus, failed("unit sub/0 not found")},
		{"remote app", st.AppEndpoints["remote"].AppStatus, failed("remote application unavailable")},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.what, c.got, c.want)
		}
	}
	// The rest of a partly failed entity is kept.
	if m := st.Machines["1"]; m.MachineStatus.Current != "running" {
		t.Errorf("machine 1 machine-status = %+v, want running", m.MachineStatus)
	}
	if st.Model.Name != "broken" {
		t.Errorf("model name = %q", st.Model.Name)
	}
	if got := st.Offers["bad"].Error; got != "offer unavailable" {
		t.Errorf("offer error = %q", got)
	}
}

func TestParseStatusBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"empty", ``, "want an object, got nothing"},
		{"array", `[]`, "want an object, got an array"},
		{"null", `null`, "want an object, got null"},
		{"truncated", `{"model":{"name":"x"`, "unexpected EOF"},
		{"trailing", `{"model":{}} x`, "after top-level value"},
		{"wrong type", `{"applications":{"a":{"charm-rev":"x"}}}`, "unmarshal JSON string into Go int"},
		{"bad literal", `{"applications":{"a":{"exposed":tru}}}`, "in literal true"},
		{"missing colon", `{"model" {}}`, "expecting ':'"},
		{"bad skip", `{"unknown":[1,}`, "at start of value"},
	} {
		_, err := jujutest.ParseStatus([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ParseStatus(%q) error = %v, want one containing %q", tc.name, tc.in, err, tc.want)
		}
	}
}

func TestParseStatusEscapesAndUnknownKeys(t *testing.T) {
	t.Parallel()
	in := `{"model":{"name":"m","new-key":{"a":[1,2.5e3,true,null,"x\"y"]}},"applications":{"a":{` +
		`"application-status":{"current":"blocked","message":"need \"db\" relation \u00e9\n"},"charm-rev":-1,"future":null}}}`
	st, err := jujutest.ParseStatus([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.Apps["a"].AppStatus.Message, "need \"db\" relation é\n"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if st.Apps["a"].CharmRev != -1 || st.Model.Name != "m" {
		t.Errorf("status = %+v", st)
	}
}

func TestStatusUnits(t *testing.T) {
	t.Parallel()
	st := parseFixture(t, "status-machine.json")
	if got := slices.Sorted(maps.Keys(st.Units("tinyproxy"))); !slices.Equal(got, []string{"tinyproxy/0", "tinyproxy/1"}) {
		t.Errorf("Units(tinyproxy) = %v", got)
	}
	subs := st.Units("nrpe")
	if got := slices.Sorted(maps.Keys(subs)); !slices.Equal(got, []string{"nrpe/0", "nrpe/1"}) {
		t.Errorf("Units(nrpe) = %v", got)
	}
	if !subs["nrpe/1"].IsBlocked() {
		t.Errorf("nrpe/1 = %+v", subs["nrpe/1"])
	}
	if st.Units("missing") != nil {
		t.Error("Units of a missing app should be nil")
	}
	var nilStatus *jujutest.Status
	if nilStatus.Units("x") != nil {
		t.Error("Units on a nil status should be nil")
	}
}

func TestStatusEqual(t *testing.T) {
	t.Parallel()
	a := parseFixture(t, "status-machine.json")
	b := parseFixture(t, "status-machine.json")
	b.Controller.Timestamp = "23:59:59Z"
	if !a.Equal(b) {
		t.Error("statuses differing only in timestamp should be equal")
	}
	u := b.Apps["tinyproxy"].Units["tinyproxy/1"]
	u.WorkloadStatus.Message = "changed"
	b.Apps["tinyproxy"].Units["tinyproxy/1"] = u
	if a.Equal(b) {
		t.Error("statuses with different unit messages should differ")
	}
	if !(&jujutest.Status{Apps: map[string]jujutest.AppStatus{}}).Equal(&jujutest.Status{}) {
		t.Error("nil and empty maps should be equal")
	}
	if a.Equal(nil) || !(*jujutest.Status)(nil).Equal(nil) {
		t.Error("nil handling")
	}
}

func TestStatusString(t *testing.T) {
	t.Parallel()
	s := parseFixture(t, "status-machine.json").String()
	for _, want := range []string{
		"Apps:\n  nrpe:\n",
		"    AppStatus: {Current: active, Since: 15 Oct 2025 13:35:10Z}\n",
		"        Leader: true\n",
		"        OpenPorts: [8000/tcp]\n",
		"    EndpointBindings:\n      \"\": alpha\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
	for _, unwanted := range []string{"Leader: false", "Exposed: false", "CharmRev: 0", "Offers"} {
		if strings.Contains(s, unwanted) {
			t.Errorf("String() has zero value %q:\n%s", unwanted, s)
		}
	}
	unit := parseFixture(t, "status-machine.json").Apps["tinyproxy"].Units["tinyproxy/1"].String()
	if !strings.HasPrefix(unit, "WorkloadStatus: {Current: active, Since: 15 Oct 2025 13:35:11Z}\n") || !strings.Contains(unit, "\nSubordinates:\n  nrpe/1:\n") {
		t.Errorf("UnitStatus.String() =\n%s", unit)
	}
	if got := (*jujutest.Status)(nil).String(); got != "<nil>" {
		t.Errorf("nil String() = %q", got)
	}
}

func TestStatusCommand(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.HandleOutput([]string{"status", "--model", "m", "--format", "json"}, string(fixture(t, "status-k8s.json")))
	r.HandleOutput([]string{"status", "--model", "m", "snappass-test", "--format", "json"}, string(fixture(t, "status-k8s.json")))
	j := &jujutest.Juju{Model: "m", Runner: r}
	st, err := j.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Model.Name != "k8s-test" {
		t.Errorf("model = %q", st.Model.Name)
	}
	if _, err := j.StatusWith(t.Context(), jujutest.StatusOptions{Apps: []string{"snappass-test"}}); err != nil {
		t.Fatal(err)
	}
	if n := len(r.Calls()); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
}

func TestStatusCommandErrors(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.Handle([]string{"status", "--format", "json"}, jujutest.Result{Stderr: []byte("ERROR model not found\n"), ExitCode: 1})
	j := &jujutest.Juju{Runner: r}
	_, err := j.Status(t.Context())
	var cliErr *jujutest.CLIError
	if !errors.As(err, &cliErr) || cliErr.ExitCode != 1 || !strings.Contains(err.Error(), "model not found") {
		t.Errorf("error = %v, want a *CLIError with the stderr line", err)
	}
	r.HandleOutput([]string{"status", "--format", "json"}, "not json")
	if _, err := j.Status(t.Context()); err == nil || !strings.Contains(err.Error(), "juju status: parsing status JSON") {
		t.Errorf("error = %v, want a parse error", err)
	}
}
