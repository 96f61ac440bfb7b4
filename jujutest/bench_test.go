package jujutest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
)

// bigStatusJSON returns a "juju status --format json" document for a model
// with n tinyproxy units on n machines, each unit with an nrpe subordinate:
// the shape of /work/shared/bench/bigstatus.py (about 880 KB for n=1000).
func bigStatusJSON(tb testing.TB, n int) []byte {
	tb.Helper()
	const since = "25 Nov 2026 09:02:30Z"
	st := func(cur, msg string) map[string]any {
		m := map[string]any{"current": cur, "since": since}
		if msg != "" {
			m["message"] = msg
		}
		return m
	}
	agent := func(cur string) map[string]any {
		m := st(cur, "")
		m["version"] = "3.6.11"
		return m
	}
	base := map[string]any{"name": "ubuntu", "channel": "24.04"}
	machines := map[string]any{}
	units := map[string]any{}
	for i := range n {
		addr := fmt.Sprintf("10.71.%d.%d", i/250, i%250+2)
		machines[fmt.Sprint(i)] = map[string]any{
			"juju-status": agent("started"), "hostname": fmt.Sprintf("juju-4b1f22-%d", i),
			"dns-name": addr, "ip-addresses": []string{addr}, "instance-id": fmt.Sprintf("juju-4b1f22-%d", i),
			"machine-status": st("running", "Running"), "modification-status": st("idle", ""), "base": base,
		}
		u := map[string]any{
			"workload-status": st("active", ""), "juju-status": agent("idle"), "machine": fmt.Sprint(i),
			"open-ports": []string{"8000/tcp"}, "public-address": addr,
			"subordinates": map[string]any{fmt.Sprintf("nrpe/%d", i): map[string]any{
				"workload-status": st("active", ""), "juju-status": agent("idle"), "public-address": addr,
			}},
		}
		if i == 0 {
			u["leader"] = true
		}
		units[fmt.Sprintf("tinyproxy/%d", i)] = u
	}
	doc := map[string]any{
		"model": map[string]any{"name": "big", "type": "iaas", "controller": "lxd", "cloud": "localhost",
			"region": "localhost", "version": "3.6.11", "model-status": st("available", ""), "sla": "unsupported"},
		"machines": machines,
		"applications": map[string]any{
			"tinyproxy": map[string]any{"charm": "local:tinyproxy-0", "base": base, "charm-origin": "local",
				"charm-name": "tinyproxy", "charm-rev": 0, "exposed": true, "application-status": st("active", ""),
				"relations": map[string]any{"juju-info": []any{map[string]any{"related-application": "nrpe", "interface": "juju-info", "scope": "container"}}},
				"units":     units, "version": "1.11.1", "endpoint-bindings": map[string]string{"": "alpha"}},
			"nrpe": map[string]any{"charm": "nrpe", "base": base, "charm-origin": "charmhub", "charm-name": "nrpe",
				"charm-rev": 128, "charm-channel": "latest/stable", "exposed": false, "application-status": st("active", ""),
				"subordinate-to": []string{"tinyproxy"}, "endpoint-bindings": map[string]string{"": "alpha"}},
		},
		"storage":    map[string]any{},
		"controller": map[string]any{"timestamp": "09:02:31Z"},
	}
	data, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestBigStatus(t *testing.T) {
	t.Parallel()
	st, err := jujutest.ParseStatus(bigStatusJSON(t, 50))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(st.Units("nrpe")); n != 50 {
		t.Errorf("nrpe has %d units, want 50", n)
	}
	if !jujutest.AllActive()(st) || !jujutest.AllAgentsIdle()(st) {
		t.Errorf("big status should be all active and idle:\n%s", st)
	}
}

// BenchmarkStatusParse measures the in-process part of Status on a
// 1,000-unit model (each unit with a subordinate, about 880 KB): parsing
// plus AllActive and AllAgentsIdle.
func BenchmarkStatusParse(b *testing.B) {
	data := bigStatusJSON(b, 1000)
	b.SetBytes(int64(len(data)))
	benchStatus(b, func() (*jujutest.Status, error) { return jujutest.ParseStatus(data) })
}

// BenchmarkStatusCLI measures Juju.Status through a stand-in CLI (a shell
// script that cats the 1,000-unit document) plus AllActive and
// AllAgentsIdle: the side-by-side comparison with Jubilant's status().
func BenchmarkStatusCLI(b *testing.B) {
	dir := b.TempDir()
	doc := filepath.Join(dir, "status.json")
	if err := os.WriteFile(doc, bigStatusJSON(b, 1000), 0o644); err != nil {
		b.Fatal(err)
	}
	cli := filepath.Join(dir, "juju")
	if err := os.WriteFile(cli, []byte("#!/bin/sh\nexec cat "+doc+"\n"), 0o755); err != nil {
		b.Fatal(err)
	}
	j := &jujutest.Juju{Model: "big", CLIBinary: cli}
	ctx := context.Background()
	benchStatus(b, func() (*jujutest.Status, error) { return j.Status(ctx) })
}

// benchStatus times getStatus followed by AllActive and AllAgentsIdle, and
// reports the median time per operation in milliseconds as "median-ms",
// which the comparison with Jubilant's benchmark script (a median) uses.
func benchStatus(b *testing.B, getStatus func() (*jujutest.Status, error)) {
	b.ReportAllocs()
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		st, err := getStatus()
		if err != nil {
			b.Fatal(err)
		}
		if !jujutest.AllActive()(st) || !jujutest.AllAgentsIdle()(st) {
			b.Fatal("want all active and idle")
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2])/float64(time.Millisecond), "median-ms")
}

// BenchmarkWaitReaction measures how soon Wait returns after the model
// settles: a stand-in CLI (a shell script that cats a small status
// document) answers "waiting" until, at a known moment 300 ms into each
// wait, the document is atomically replaced by an active one. It reports
// the median delay from that moment to Wait's return as "reaction-ms"
// (target: <= 150 ms), and the spawn of the stand-in alone as
// "poll-floor-ms", the floor of any reaction.
func BenchmarkWaitReaction(b *testing.B) {
	dir := b.TempDir()
	doc := filepath.Join(dir, "status.json")
	waitingDoc := statusDoc("waiting:installing", "waiting:installing").Stdout
	activeDoc := statusDoc("active", "active").Stdout
	cli := filepath.Join(dir, "juju")
	if err := os.WriteFile(cli, []byte("#!/bin/sh\nexec cat "+doc+"\n"), 0o755); err != nil {
		b.Fatal(err)
	}
	put := func(data []byte) {
		tmp := doc + ".tmp"
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			b.Error(err)
			return
		}
		if err := os.Rename(tmp, doc); err != nil {
			b.Error(err)
		}
	}
	j := &jujutest.Juju{Model: "m", CLIBinary: cli}
	ctx := context.Background()

	var floor []time.Duration
	put(activeDoc)
	for range 10 {
		start := time.Now()
		if _, err := j.Status(ctx); err != nil {
			b.Fatal(err)
		}
		floor = append(floor, time.Since(start))
	}

	const settleAfter = 300 * time.Millisecond
	var reactions []time.Duration
	for b.Loop() {
		put(waitingDoc)
		settled := make(chan time.Time, 1)
		timer := time.AfterFunc(settleAfter, func() { put(activeDoc); settled <- time.Now() })
		if _, err := j.Wait(ctx, jujutest.AllActive("app"), jujutest.WithTimeout(30*time.Second)); err != nil {
			b.Fatal(err)
		}
		done := time.Now()
		timer.Stop()
		at := <-settled
		reactions = append(reactions, done.Sub(at))
	}
	median := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2]) / float64(time.Millisecond)
	}
	b.ReportMetric(median(reactions), "reaction-ms")
	b.ReportMetric(median(floor), "poll-floor-ms")
}
