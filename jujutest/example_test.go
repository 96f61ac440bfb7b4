package jujutest_test

import (
	"context"
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

// cannedCLI stands in for the juju CLI in these examples: it prints
// canned output for known command lines, as a fake in a unit test would.
// Real code leaves Juju.Runner nil.
func cannedCLI(outputs map[string]string) jujutest.Runner {
	return jujutest.RunnerFunc(func(ctx context.Context, cmd jujutest.Command) (jujutest.Result, error) {
		line := strings.Join(cmd.Args, " ")
		out, ok := outputs[line]
		if !ok {
			return jujutest.Result{Stderr: []byte("ERROR unknown command " + line + "\n"), ExitCode: 2}, nil
		}
		return jujutest.Result{Stdout: []byte(out)}, nil
	})
}

func ExampleJuju_Status() {
	juju := &jujutest.Juju{
		Model:  "demo",
		Runner: cannedCLI(map[string]string{"status --model demo --format json": exampleStatus}),
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
		Runner: cannedCLI(map[string]string{"status --model demo --format json": exampleStatus}),
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
	// wait: ready after 2s (3 polls)
	// active
}

func ExampleJuju_Config() {
	juju := &jujutest.Juju{
		Model: "demo",
		Runner: cannedCLI(map[string]string{
			"config --model demo --format json tinyproxy": `{"application":"tinyproxy","charm":"tinyproxy","settings":{` +
				`"slug":{"default":"example","source":"default","type":"string","value":"example"},` +
				`"port":{"default":8000,"source":"default","type":"int","value":8000}}}`,
			"config --model demo tinyproxy debug=true slug=demo": "",
		}),
	}
	ctx := context.Background()
	cfg, err := juju.Config(ctx, "tinyproxy")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg["slug"], cfg["port"].(int)+1)
	// Keys are passed in sorted order, bools as true/false.
	err = juju.SetConfig(ctx, "tinyproxy", map[string]any{"slug": "demo", "debug": true})
	fmt.Println(err)
	// Output:
	// example 8001
	// <nil>
}

func ExampleJuju_AddModel() {
	juju := &jujutest.Juju{Runner: cannedCLI(map[string]string{
		"add-model --no-switch demo --controller lxd":                  "",
		"destroy-model lxd:demo --no-prompt --destroy-storage --force": "",
	})}
	ctx := context.Background()
	demo, err := juju.AddModel(ctx, "demo", &jujutest.AddModelOptions{Controller: "lxd"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(demo.Model)
	err = demo.DestroyModel(ctx, demo.Model, &jujutest.DestroyModelOptions{DestroyStorage: true, Force: true})
	fmt.Println(err)
	// Output:
	// lxd:demo
	// <nil>
}

// TempModel gives each test its own model, destroyed when the test ends;
// when the test fails, status and debug-log are saved first.
func ExampleTempModel() {
	testDeploy := func(t *testing.T) {
		t.Parallel()
		juju := jujutest.TempModel(t, jujutest.WithModelPrefix("tinyproxy"))
		juju.WaitTimeout = 10 * time.Minute
		juju.TempConfig(t, "tinyproxy", map[string]any{"slug": "demo"}) // restored at the end
		if _, err := juju.Wait(t.Context(), jujutest.AllActive()); err != nil {
			t.Fatal(err)
		}
	}
	_ = testDeploy
}
