// Package jujutest drives the juju CLI from Go tests of charms, in the way
// Jubilant does for Python: one client type, one method per juju command,
// typed status, predicates and a Wait loop.
//
// # A short tour
//
// A test gets a fresh model, deploys, waits and checks:
//
//	func TestDeploy(t *testing.T) {
//		t.Parallel()
//		juju := jujutest.TempModel(t) // destroyed when the test ends
//		charm := jujutest.PackCharm(t, "../../charm")
//		ctx := t.Context()
//		if err := juju.Deploy(ctx, charm, nil); err != nil {
//			t.Fatal(err)
//		}
//		st, err := juju.Wait(ctx, jujutest.AllActive("tinyproxy"),
//			jujutest.WithError(jujutest.AnyError()), jujutest.WithTimeout(10*time.Minute))
//		if err != nil {
//			t.Fatal(err) // names the units in error, or shows the last status
//		}
//		t.Log(st.Apps["tinyproxy"].Version)
//	}
//
// Juju is the client. Its zero value runs "juju" from PATH against the
// current model; Model targets another model ("--model" is inserted after
// the subcommand), CLIBinary another binary. Every method takes a context,
// and every CLI call is bounded by Juju.CommandTimeout (or a per-command
// default): on timeout or cancellation the CLI's whole process group is
// killed and reaped. A non-zero exit gives a *CLIError with the exit code,
// stdout and stderr. CLI and CLIWith run any other command.
//
// Each juju command has a method taking a context and, where the command
// has flags, an options struct whose zero value (or nil) means Juju's
// defaults: Deploy, Refresh, AddUnit, Integrate, Config, SetConfig and
// ResetConfig, Exec and ExecAll, Run (actions), secrets, models, SSH and
// SCP, DebugLog and more. Exec and Run return a *Task; a task that did not
// succeed also returns a *TaskError carrying it, since "juju run" exits 0
// for a failed action.
//
// Status runs "juju status --format json" and returns a *Status of plain
// structs: Apps, their Units (Status.Units includes subordinates),
// Machines, and so on. An entity Juju could not read is reported with
// status "failed" rather than as an error.
//
// A Condition is a predicate over a *Status: AllActive, AllBlocked,
// AllError, AllMaintenance, AllWaiting, their Any* forms, AllAgentsIdle,
// UnitsExactly, UnitsAtLeast and AppGone, combined with And, Or and Not.
// Wait polls status until its ready condition holds on consecutive polls
// (WithSuccesses), fails fast when WithError's condition holds (a
// *WaitError naming the units in error), retries a failing "juju status"
// a few times, and on timeout returns a *TimeoutError with the last status.
// It logs status transitions, not every poll, through Juju.Logf.
//
// Fixtures take a testing.TB: TempModel creates a uniquely named model,
// saves status and debug-log to an artifacts directory when the test fails
// and destroys the model at the end; TempConfig sets charm config for one
// test; PackCharm packs a charm project. They honour JUJUTEST_CLI,
// JUJUTEST_KEEP_MODELS and JUJUTEST_ARTIFACTS.
//
// # Testing code built on jujutest
//
// Juju.Runner and Juju.Clock are the seams for unit tests: package
// jujutesttest provides a fake Runner answering exact argument lists with
// canned output, and a fake Clock with which Wait polls without sleeping.
package jujutest
