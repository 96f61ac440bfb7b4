package jujutest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/jujutesttest"
)

// exampleStatus is a small status document, as "juju status --format
// json" prints it.
const exampleStatus = `{"model":{"name":"demo","type":"iaas","controller":"lxd","cloud":"localhost","version":"3.6.11",` +
	`"model-status":{"current":"available"}},"machines":{"0":{"juju-status":{"current":"started"}}},` +
	`"applications":{"tinyproxy":{"charm":"local:tinyproxy-0","charm-origin":"local","charm-name":"tinyproxy",` +
	`"charm-rev":0,"exposed":false,"application-status":{"current":"active"},"units":{"tinyproxy/0":{` +
	`"workload-status":{"current":"active"},"juju-status":{"current":"idle"},"leader":true,"machine":"0",` +
	`"open-ports":["8000/tcp"],"public-address":"10.0.0.2"}},"version":"1.11.1"}},"controller":{"timestamp":"12:00:00Z"}}`

// errorStatus is exampleStatus after a failed install hook.
var errorStatus = strings.ReplaceAll(exampleStatus, `"current":"active"`, `"current":"error","message":"hook failed: \"install\""`)

// cannedCLI stands in for the juju CLI in these examples: it answers the
// known command lines with canned output, as jujutesttest.Runner does in
// unit tests, and fails any other. When echo is set, it prints each command
// line it runs. Real code leaves Juju.Runner nil to run the juju CLI.
func cannedCLI(echo bool, outputs map[string]jujutest.Result) jujutest.Runner {
	return jujutest.RunnerFunc(func(ctx context.Context, cmd jujutest.Command) (jujutest.Result, error) {
		line := strings.Join(cmd.Args, " ")
		if echo {
			fmt.Println("$ juju", line)
		}
		res, ok := outputs[line]
		if !ok {
			return jujutest.Result{Stderr: []byte("ERROR unexpected command " + line + "\n"), ExitCode: 2}, nil
		}
		return res, nil
	})
}

// stdout is a successful command's result.
func stdout(s string) jujutest.Result { return jujutest.Result{Stdout: []byte(s)} }

func ExampleJuju_Status() {
	juju := &jujutest.Juju{
		Model:  "demo",
		Runner: cannedCLI(false, map[string]jujutest.Result{"status --model demo --format json": stdout(exampleStatus)}),
	}
	st, err := juju.Status(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	app := st.Apps["tinyproxy"]
	unit := app.Units["tinyproxy/0"]
	fmt.Println(app.AppStatus.Current, app.Version)
	fmt.Println(unit.WorkloadStatus.Current, unit.Leader, unit.OpenPorts)
	fmt.Println(jujutest.AllActive("tinyproxy")(st))
	// Output:
	// active 1.11.1
	// active true [8000/tcp]
	// true
}

func ExampleJuju_Wait() {
	juju := &jujutest.Juju{
		Model:  "demo",
		Runner: cannedCLI(false, map[string]jujutest.Result{"status --model demo --format json": stdout(exampleStatus)}),
		Logf:   func(format string, args ...any) { fmt.Printf(format+"\n", args...) },
		// A fake clock makes the polls instant; real code leaves Clock nil.
		Clock: jujutesttest.NewClock(),
	}
	ready := jujutest.And(jujutest.AllActive("tinyproxy"), jujutest.AllAgentsIdle("tinyproxy"), jujutest.UnitsExactly("tinyproxy", 1))
	st, err := juju.Wait(context.Background(), ready,
		jujutest.WithError(jujutest.AnyError()),
		jujutest.WithTimeout(time.Minute))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Apps["tinyproxy"].AppStatus)
	// Output:
	// wait: +0s tinyproxy: active
	// wait: +0s tinyproxy/0: active
	// wait: ready after 0s (1 polls)
	// active
}

// A Wait right after a change does not return on the status from before
// it: SetConfig read the unit's agent status first, and Wait passes over
// the stale "active", and the "active" while config-changed runs, until
// the agent has run the hook to its end.
func ExampleJuju_Wait_changeTracking() {
	configBefore := `{"application":"tinyproxy","settings":{"slug":{"source":"default","type":"string","value":"example"}}}`
	configAfter := `{"application":"tinyproxy","settings":{"slug":{"source":"user","type":"string","value":"demo"}}}`
	idle := func(since string) string {
		return strings.Replace(exampleStatus, `"juju-status":{"current":"idle"}`, `"juju-status":{"current":"idle","since":"`+since+`"}`, 1)
	}
	polls := []string{
		idle("07 Dec 2026 11:59:58Z"), // read by SetConfig, before the change
		idle("07 Dec 2026 11:59:58Z"), // stale: config-changed has not run yet
		strings.Replace(exampleStatus, `"juju-status":{"current":"idle"}`,
			`"juju-status":{"current":"executing","message":"running config-changed hook","since":"07 Dec 2026 12:00:00Z"}`, 1),
		idle("07 Dec 2026 12:00:00Z"),
	}
	config := configBefore
	juju := &jujutest.Juju{
		Model: "demo",
		Runner: jujutest.RunnerFunc(func(ctx context.Context, cmd jujutest.Command) (jujutest.Result, error) {
			switch line := strings.Join(cmd.Args, " "); line {
			case "status --model demo tinyproxy --format json", "status --model demo --format json":
				out := polls[0]
				if len(polls) > 1 {
					polls = polls[1:]
				}
				return stdout(out), nil
			case "config --model demo --format json tinyproxy":
				return stdout(config), nil
			case "config --model demo tinyproxy slug=demo":
				config = configAfter
				return stdout(""), nil
			default:
				return jujutest.Result{Stderr: []byte("ERROR unexpected command " + line + "\n"), ExitCode: 2}, nil
			}
		}),
		Logf: func(format string, args ...any) {
			if strings.HasPrefix(format, "wait:") {
				fmt.Printf(format+"\n", args...)
			}
		},
		Clock: jujutesttest.NewClock(),
	}
	ctx := context.Background()
	if err := juju.SetConfig(ctx, "tinyproxy", map[string]any{"slug": "demo"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("pending changes:", juju.PendingChanges())
	st, err := juju.Wait(ctx, jujutest.And(jujutest.AllActive("tinyproxy"), jujutest.AllAgentsIdle("tinyproxy")))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Units("tinyproxy")["tinyproxy/0"].JujuStatus.Since, "pending changes:", juju.PendingChanges())
	// Output:
	// pending changes: 1
	// wait: +0s tinyproxy: active
	// wait: +0s tinyproxy/0: active
	// wait: +0s waiting for tracked changes: config tinyproxy: tinyproxy/0 (agent still idle since 07 Dec 2026 11:59:58Z)
	// wait: +30ms config tinyproxy: reached its units
	// wait: ready after 30ms (3 polls)
	// 07 Dec 2026 12:00:00Z pending changes: 0
}

// When the error condition holds, Wait stops at once with a *WaitError that
// names the units in error.
func ExampleJuju_Wait_errorCondition() {
	juju := &jujutest.Juju{
		Model:  "demo",
		Runner: cannedCLI(false, map[string]jujutest.Result{"status --model demo --format json": stdout(errorStatus)}),
		Clock:  jujutesttest.NewClock(),
	}
	_, err := juju.Wait(context.Background(), jujutest.AllActive(), jujutest.WithError(jujutest.AnyError("tinyproxy")))
	var waitErr *jujutest.WaitError
	if errors.As(err, &waitErr) {
		fmt.Println(err)
		fmt.Println(waitErr.Status.Units("tinyproxy")["tinyproxy/0"].JujuStatus.Current)
	}
	// Output:
	// wait: error condition met after 0s (1 polls): app tinyproxy is error (hook failed: "install"); unit tinyproxy/0 is error (hook failed: "install")
	// idle
}

func ExampleJuju_Config() {
	juju := &jujutest.Juju{
		Model: "demo",
		Runner: cannedCLI(false, map[string]jujutest.Result{
			"config --model demo --format json tinyproxy": stdout(`{"application":"tinyproxy","charm":"tinyproxy","settings":{` +
				`"slug":{"default":"example","source":"default","type":"string","value":"example"},` +
				`"port":{"default":8000,"source":"user","type":"int","value":8080},` +
				`"upstream":{"source":"unset","type":"string"}}}`),
		}),
	}
	cfg, err := juju.Config(context.Background(), "tinyproxy")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Values are typed by the option's type; unset options are left out.
	fmt.Println(cfg["slug"], cfg["port"].(int)+1, len(cfg))
	// Output:
	// example 8081 2
}

func ExampleJuju_SetConfig() {
	juju := &jujutest.Juju{
		// Without this, SetConfig also reads the config and status before
		// the change, for Wait (see ExampleJuju_Wait_changeTracking).
		DisableChangeTracking: true,
		Model:                 "demo",
		Runner: cannedCLI(true, map[string]jujutest.Result{
			"config --model demo tinyproxy debug=true ratio=0.5 slug=demo": stdout(""),
			"config --model demo tinyproxy --reset debug,slug":             stdout(""),
		}),
	}
	ctx := context.Background()
	// Keys go in sorted order, bools as true/false. In a test,
	// juju.TempConfig(t, app, values) does this and restores the previous
	// values when the test ends.
	err := juju.SetConfig(ctx, "tinyproxy", map[string]any{"slug": "demo", "debug": true, "ratio": 0.5})
	fmt.Println(err)
	err = juju.ResetConfig(ctx, "tinyproxy", "debug", "slug")
	fmt.Println(err)
	// Output:
	// $ juju config --model demo tinyproxy debug=true ratio=0.5 slug=demo
	// <nil>
	// $ juju config --model demo tinyproxy --reset debug,slug
	// <nil>
}

func ExampleJuju_Deploy() {
	juju := &jujutest.Juju{
		Model: "demo",
		Runner: cannedCLI(true, map[string]jujutest.Result{
			"deploy --model demo tinyproxy proxy --channel latest/edge --config slug=demo --constraints mem=2G --num-units 2 --trust": stdout(""),
		}),
	}
	// A local charm, such as the path PackCharm returns, is deployed the
	// same way. Deploy does not wait: follow it with Wait.
	err := juju.Deploy(context.Background(), "tinyproxy", &jujutest.DeployOptions{
		App:         "proxy",
		Channel:     "latest/edge",
		Config:      map[string]any{"slug": "demo"},
		Constraints: map[string]any{"mem": "2G"},
		NumUnits:    2,
		Trust:       true,
	})
	fmt.Println(err)
	// Output:
	// $ juju deploy --model demo tinyproxy proxy --channel latest/edge --config slug=demo --constraints mem=2G --num-units 2 --trust
	// <nil>
}

func ExampleJuju_Exec() {
	juju := &jujutest.Juju{
		Model: "demo",
		Runner: cannedCLI(false, map[string]jujutest.Result{
			"exec --model demo --format json --unit tinyproxy/0 -- cat /etc/hostname": stdout(
				`{"tinyproxy/0":{"id":"4","results":{"return-code":0,"stdout":"juju-4b1f22-0\n"},"status":"completed","unit":"tinyproxy/0"}}`),
			// A command that exits non-zero: Juju exits 1 and still prints the task.
			"exec --model demo --format json --unit tinyproxy/0 -- systemctl is-active tinyproxy": {
				Stdout:   []byte(`{"tinyproxy/0":{"id":"5","results":{"return-code":3,"stdout":"inactive\n"},"status":"completed","unit":"tinyproxy/0"}}`),
				Stderr:   []byte("ERROR the following task failed:\n - id \"5\" with return code 3\n"),
				ExitCode: 1,
			},
		}),
	}
	ctx := context.Background()
	task, err := juju.Exec(ctx, "tinyproxy/0", "cat", "/etc/hostname")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", task.Stdout)

	task, err = juju.Exec(ctx, "tinyproxy/0", "systemctl", "is-active", "tinyproxy")
	var taskErr *jujutest.TaskError
	if errors.As(err, &taskErr) {
		fmt.Println(task.ReturnCode, strings.TrimSpace(task.Stdout))
		fmt.Println(err)
	}
	// Output:
	// "juju-4b1f22-0\n"
	// 3 inactive
	// task 5 on tinyproxy/0 failed: status "completed", return code 3
	// stdout: inactive
}

// A model per test, as TempModel makes one: add a uniquely named model,
// work in it, save artifacts if the test failed, and destroy it with
// --force --destroy-storage. TempModel(t) runs these steps, the last ones
// in t.Cleanup; here the steps run by hand against a stand-in CLI.
func Example_modelPerTest() {
	juju := &jujutest.Juju{
		Runner: cannedCLI(true, map[string]jujutest.Result{
			"add-model --no-switch jujutest-4b1f22aa":                               stdout(""),
			"deploy --model jujutest-4b1f22aa tinyproxy":                            stdout(""),
			"status --model jujutest-4b1f22aa --format json":                        stdout(exampleStatus),
			"destroy-model jujutest-4b1f22aa --no-prompt --destroy-storage --force": stdout(""),
		}),
		Clock: jujutesttest.NewClock(),
	}
	ctx := context.Background()
	model, err := juju.AddModel(ctx, "jujutest-4b1f22aa", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		err := model.DestroyModel(ctx, model.Model, &jujutest.DestroyModelOptions{DestroyStorage: true, Force: true})
		fmt.Println("destroyed:", err == nil)
	}()
	if err := model.Deploy(ctx, "tinyproxy", nil); err != nil {
		fmt.Println(err)
		return
	}
	st, err := model.Wait(ctx, jujutest.AllActive("tinyproxy"), jujutest.WithSuccesses(1))
	if err != nil {
		// TempModel would save status and debug-log here:
		// model.SaveArtifacts(ctx, dir).
		fmt.Println(err)
		return
	}
	fmt.Println("tinyproxy is", st.Apps["tinyproxy"].AppStatus.Current)
	// Output:
	// $ juju add-model --no-switch jujutest-4b1f22aa
	// $ juju deploy --model jujutest-4b1f22aa tinyproxy
	// $ juju status --model jujutest-4b1f22aa --format json
	// tinyproxy is active
	// $ juju destroy-model jujutest-4b1f22aa --no-prompt --destroy-storage --force
	// destroyed: true
}

// TempModel gives each test its own model, destroyed when the test ends;
// when the test fails, status and debug-log are saved first. This example
// needs a Juju controller, so it is compiled but not run; Example
// (ModelPerTest) runs the same steps against a stand-in CLI.
func ExampleTempModel() {
	testDeploy := func(t *testing.T) {
		t.Parallel()
		juju := jujutest.TempModel(t, jujutest.WithModelPrefix("tinyproxy"))
		juju.WaitTimeout = 10 * time.Minute
		charm := jujutest.PackCharm(t, "../charm")
		if err := juju.Deploy(t.Context(), charm, nil); err != nil {
			t.Fatal(err)
		}
		juju.TempConfig(t, "tinyproxy", map[string]any{"slug": "demo"}) // restored at the end
		if _, err := juju.Wait(t.Context(), jujutest.AllActive("tinyproxy"), jujutest.WithError(jujutest.AnyError())); err != nil {
			t.Fatal(err)
		}
	}
	_ = testDeploy // run by "go test" as a TestDeploy function
}

// Integrate relates two applications; Wait then returns once both sides
// have run their relation hooks and status lists the relation.
func ExampleJuju_Integrate() {
	app := func(name, since, relations string) string {
		return `"` + name + `":{"charm":"local:` + name + `-0","charm-origin":"local","charm-name":"` + name + `",` +
			`"charm-rev":0,"exposed":false,"application-status":{"current":"active"},` + relations +
			`"units":{"` + name + `/0":{"workload-status":{"current":"active"},` +
			`"juju-status":{"current":"idle","since":"` + since + `"},"leader":true,"machine":"0"}}}`
	}
	status := func(since, proxyRel, upRel string) string {
		return `{"model":{"name":"demo","type":"iaas","controller":"lxd","cloud":"localhost","version":"3.6.11",` +
			`"model-status":{"current":"available"}},"machines":{},"applications":{` +
			app("tinyproxy", since, proxyRel) + "," + app("upstream", since, upRel) + `}}`
	}
	polls := []string{
		status("07 Dec 2026 11:59:58Z", "", ""), // read by Integrate, before the change
		status("07 Dec 2026 12:00:01Z",
			`"relations":{"upstream":[{"related-application":"upstream","interface":"http","scope":"global"}]},`,
			`"relations":{"website":[{"related-application":"tinyproxy","interface":"http","scope":"global"}]},`),
	}
	juju := &jujutest.Juju{
		Model: "demo",
		Runner: jujutest.RunnerFunc(func(ctx context.Context, cmd jujutest.Command) (jujutest.Result, error) {
			line := strings.Join(cmd.Args, " ")
			switch {
			case strings.HasPrefix(line, "status "):
				out := polls[0]
				if len(polls) > 1 {
					polls = polls[1:]
				}
				return stdout(out), nil
			case line == "integrate --model demo tinyproxy:upstream upstream:website":
				return stdout(""), nil
			}
			return jujutest.Result{Stderr: []byte("ERROR unexpected command " + line + "\n"), ExitCode: 2}, nil
		}),
		Clock: jujutesttest.NewClock(),
	}
	ctx := context.Background()
	if err := juju.Integrate(ctx, "tinyproxy:upstream", "upstream:website", nil); err != nil {
		fmt.Println(err)
		return
	}
	ready := jujutest.And(jujutest.Related("tinyproxy", "upstream", "upstream"), jujutest.AllAgentsIdle("tinyproxy", "upstream"))
	st, err := juju.Wait(ctx, ready)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Apps["tinyproxy"].Relations["upstream"][0].RelatedApp, "pending changes:", juju.PendingChanges())
	// Output:
	// upstream pending changes: 0
}
