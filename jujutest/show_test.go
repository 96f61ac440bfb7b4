package jujutest_test

import (
	"reflect"
	"testing"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/jujutesttest"
)

const showModelJSON = `{"test":{"name":"admin/test","short-name":"test","model-uuid":"8d3a1f00-0000-4000-8000-000000000001",` +
	`"model-type":"iaas","controller-uuid":"c0ffee00-0000-4000-8000-000000000002","controller-name":"lxd","is-controller":false,` +
	`"owner":"admin","cloud":"localhost","region":"localhost","type":"lxd","life":"alive",` +
	`"status":{"current":"available","since":"1 minute ago"},` +
	`"users":{"admin":{"display-name":"admin","access":"admin","last-connection":"just now"}},` +
	`"machines":{"0":{"cores":2}},"agent-version":"3.6.11",` +
	`"credential":{"name":"localhost","owner":"admin","cloud":"localhost"},` +
	`"supported-features":[{"name":"juju","description":"the version of Juju used by the model","version":"3.6.11"}]}}`

func TestShowModel(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	// show-model takes the model as an argument, not --model.
	okCall(r, "show-model --format json m", showModelJSON)
	okCall(r, "show-model --format json ctl:bob/other", showModelJSON)
	info, err := j.ShowModel(cmdCtx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "admin/test" || info.ShortName != "test" || info.Type != "iaas" || info.ProviderType != "lxd" ||
		info.ControllerName != "lxd" || info.Status.Current != "available" || info.AgentVersion != "3.6.11" ||
		info.Users["admin"].Access != "admin" || info.Machines["0"].Cores != 2 || info.Credential.Name != "localhost" ||
		len(info.Features) != 1 || info.Features[0].Version != "3.6.11" {
		t.Errorf("ShowModel = %+v", info)
	}
	if _, err := j.ShowModel(cmdCtx(t), "ctl:bob/other"); err != nil {
		t.Fatal(err)
	}
}

func TestShowModelCurrent(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	j := &jujutest.Juju{Runner: r}
	okCall(r, "show-model --format json", showModelJSON)
	if _, err := j.ShowModel(cmdCtx(t), ""); err != nil {
		t.Fatal(err)
	}
}

const showUnitJSON = `{"app/0":{"workload-version":"1.11.0","machine":"0","opened-ports":["8888/tcp"],"public-address":"10.0.0.5",` +
	`"charm":"local:app-0","leader":true,"life":"alive","relation-info":[` +
	`{"relation-id":3,"endpoint":"db","related-endpoint":"database","application-data":{"host":"db.local"},` +
	`"local-unit":{"in-scope":true,"data":{"egress-subnets":"10.0.0.5/32","ingress-address":"10.0.0.5"}},` +
	`"related-units":{"db/0":{"in-scope":true,"data":{"password":"x"}}}},` +
	`{"relation-id":4,"endpoint":"peers","related-endpoint":"peers","cross-model":true,"application-data":{},"local-unit":{"in-scope":true,"data":{}}}]}}`

func TestShowUnit(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "show-unit --model m app/0 --format json", showUnitJSON)
	okCall(r, "show-unit --model m app/leader --format json", showUnitJSON)
	okCall(r, "show-unit --model m app/9 --format json", `{}`)
	info, err := j.ShowUnit(cmdCtx(t), "app/0")
	if err != nil {
		t.Fatal(err)
	}
	want := &jujutest.UnitInfo{
		WorkloadVersion: "1.11.0",
		Machine:         "0",
		OpenedPorts:     []string{"8888/tcp"},
		PublicAddress:   "10.0.0.5",
		Charm:           "local:app-0",
		Leader:          true,
		Life:            "alive",
		Relations: []jujutest.RelationInfo{
			{
				RelationID: 3, Endpoint: "db", RelatedEndpoint: "database",
				AppData:      map[string]string{"host": "db.local"},
				LocalUnit:    jujutest.RelationUnitData{InScope: true, Data: map[string]string{"egress-subnets": "10.0.0.5/32", "ingress-address": "10.0.0.5"}},
				RelatedUnits: map[string]jujutest.RelationUnitData{"db/0": {InScope: true, Data: map[string]string{"password": "x"}}},
			},
			{
				RelationID: 4, Endpoint: "peers", RelatedEndpoint: "peers", CrossModel: true,
				AppData:   map[string]string{},
				LocalUnit: jujutest.RelationUnitData{InScope: true, Data: map[string]string{}},
			},
		},
	}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("ShowUnit =\n%+v\nwant\n%+v", info, want)
	}
	if info, err := j.ShowUnit(cmdCtx(t), "app/leader"); err != nil || info.Machine != "0" {
		t.Errorf("ShowUnit(app/leader) = %+v, %v", info, err)
	}
	_, err = j.ShowUnit(cmdCtx(t), "app/9")
	wantErrContains(t, err, "unit not in the output")
}
