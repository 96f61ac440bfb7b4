// Package jujutesttest provides test doubles for package jujutest, in the
// spirit of net/http/httptest: a fake Runner that answers CLI calls with
// canned results for exact argument lists, and a fake Clock that lets Wait
// run its polls without sleeping.
//
// A typical unit test of code built on jujutest:
//
//	r := jujutesttest.NewRunner(t)
//	r.HandleOutput([]string{"status", "--model", "m", "--format", "json"}, statusJSON)
//	j := &jujutest.Juju{Model: "m", Runner: r, Clock: jujutesttest.NewClock()}
//	st, err := j.Status(ctx)
//	...
//	calls := r.Calls() // what was run, with stdin and deadline
//
// Any command that was not registered fails the test, so a test states every
// command the code under test may run.
package jujutesttest
