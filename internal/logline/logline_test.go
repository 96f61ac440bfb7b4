package logline_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/canonical/jujutest/internal/logline"
)

var t0 = time.Date(2025, 10, 15, 13, 35, 0, 123456789, time.UTC)

func TestFormat(t *testing.T) {
	t.Parallel()
	r := logline.Record{Time: t0, Entity: "unit-tinyproxy-0", Level: "INFO", Module: "unit.tinyproxy/0.juju-log", Message: "msg"}
	plus2 := time.FixedZone("X", 2*3600)
	for _, tc := range []struct {
		opts logline.FormatOptions
		want string
	}{
		{logline.FormatOptions{Location: time.UTC}, "unit-tinyproxy-0: 13:35:00 INFO unit.tinyproxy/0.juju-log msg"},
		{logline.FormatOptions{Location: time.UTC, Date: true}, "unit-tinyproxy-0: 2025-10-15 13:35:00 INFO unit.tinyproxy/0.juju-log msg"},
		{logline.FormatOptions{Location: time.UTC, Ms: true}, "unit-tinyproxy-0: 13:35:00.123 INFO unit.tinyproxy/0.juju-log msg"},
		{logline.FormatOptions{Location: plus2, Date: true, Ms: true}, "unit-tinyproxy-0: 2025-10-15 15:35:00.123 INFO unit.tinyproxy/0.juju-log msg"},
	} {
		if got := logline.Format(r, tc.opts); got != tc.want {
			t.Errorf("Format(%+v) = %q, want %q", tc.opts, got, tc.want)
		}
	}
	var buf bytes.Buffer
	if err := logline.Write(&buf, r, logline.FormatOptions{Location: time.UTC}); err != nil || buf.String() != "unit-tinyproxy-0: 13:35:00 INFO unit.tinyproxy/0.juju-log msg\n" {
		t.Errorf("Write: %q %v", buf.String(), err)
	}
}

func TestEntities(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"tinyproxy":        "unit-tinyproxy-*",
		"tinyproxy/0":      "unit-tinyproxy-0",
		"0":                "machine-0",
		"0/lxd/1":          "machine-0-lxd-1",
		"unit-tinyproxy-0": "unit-tinyproxy-0",
		"machine-3":        "machine-3",
		"unit-*":           "unit-*",
		"Bad_Name!":        "Bad_Name!",
	} {
		if got := logline.ParseEntity(in); got != want {
			t.Errorf("ParseEntity(%q) = %q, want %q", in, got, want)
		}
	}
	if got := logline.UnitEntity("my-app/12"); got != "unit-my-app-12" {
		t.Errorf("UnitEntity = %q", got)
	}
	if got := logline.MachineEntity("0"); got != "machine-0" {
		t.Errorf("MachineEntity = %q", got)
	}
}

func TestParseLevel(t *testing.T) {
	t.Parallel()
	if got, err := logline.ParseLevel("warn"); err != nil || got != "WARNING" {
		t.Errorf("warn: %q %v", got, err)
	}
	for _, bad := range []string{"CRITICAL", "loud", ""} {
		_, err := logline.ParseLevel(bad)
		want := `level value "` + bad + `" is not one of "TRACE", "DEBUG", "INFO", "WARNING", "ERROR"`
		if err == nil || err.Error() != want {
			t.Errorf("ParseLevel(%q) error = %v, want %s", bad, err, want)
		}
	}
}

// sample writes records 0..n-1 alternating between two units and levels.
func sample(t *testing.T) (*bytes.Buffer, []logline.Record) {
	t.Helper()
	var buf bytes.Buffer
	recs := []logline.Record{
		{Time: t0, Entity: "machine-0", Level: "INFO", Module: "juju.worker", Message: "m0"},
		{Time: t0, Entity: "unit-a-0", Level: "DEBUG", Module: "unit.a/0.install", Message: "a-debug"},
		{Time: t0, Entity: "unit-a-0", Level: "INFO", Module: "unit.a/0.juju-log", Message: "a-info"},
		{Time: t0, Entity: "unit-a-1", Level: "WARNING", Module: "unit.a/1.install", Message: "a1-warn"},
		{Time: t0, Entity: "unit-ab-0", Level: "ERROR", Module: "juju.worker.uniter.operation", Message: "ab-error"},
		{Time: t0, Entity: "unit-a-0", Level: "INFO", Module: "unit.a/0.juju-logger", Message: "a-other-module"},
	}
	for _, r := range recs {
		if err := logline.Append(&buf, r); err != nil {
			t.Fatal(err)
		}
	}
	return &buf, recs
}

func messages(recs []logline.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Message)
	}
	return out
}

func TestReadFilter(t *testing.T) {
	t.Parallel()
	buf, recs := sample(t)
	data := buf.Bytes()
	for _, tc := range []struct {
		name string
		f    logline.Filter
		want []string
	}{
		{"replay all", logline.Filter{Replay: true}, messages(recs)},
		{"default shows no history", logline.Filter{}, nil},
		{"lines", logline.Filter{Lines: 2}, []string{"ab-error", "a-other-module"}},
		{"limit without replay is the last N", logline.Filter{Limit: 2}, []string{"ab-error", "a-other-module"}},
		{"replay with limit is the first N", logline.Filter{Replay: true, Limit: 2}, []string{"m0", "a-debug"}},
		{"level", logline.Filter{Replay: true, Level: "warning"}, []string{"a1-warn", "ab-error"}},
		{"include app", logline.Filter{Replay: true, IncludeEntity: []string{logline.ParseEntity("a")}},
			[]string{"a-debug", "a-info", "a1-warn", "a-other-module"}},
		{"include unit and machine", logline.Filter{Replay: true, IncludeEntity: []string{logline.ParseEntity("a/1"), logline.ParseEntity("0")}},
			[]string{"m0", "a1-warn"}},
		{"exclude app", logline.Filter{Replay: true, ExcludeEntity: []string{logline.ParseEntity("a")}}, []string{"m0", "ab-error"}},
		{"include module and sub-modules only", logline.Filter{Replay: true, IncludeModule: []string{"unit.a/0.juju-log", "juju"}},
			[]string{"m0", "a-info", "ab-error"}},
		{"exclude module", logline.Filter{Replay: true, ExcludeModule: []string{"unit"}}, []string{"m0", "ab-error"}},
		{"filters then lines", logline.Filter{Lines: 1, IncludeEntity: []string{"unit-a-0"}, Level: "INFO"}, []string{"a-other-module"}},
	} {
		got, n, err := logline.Read(bytes.NewReader(data), tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(messages(got), tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, messages(got), tc.want)
		}
		if (!tc.f.Replay || tc.f.Limit <= 0) && n != int64(len(data)) {
			t.Errorf("%s: consumed %d of %d bytes", tc.name, n, len(data))
		}
	}
	got, _, err := logline.Read(bytes.NewReader(data), logline.Filter{Replay: true})
	if err != nil || !reflect.DeepEqual(got, recs) {
		t.Errorf("round trip: %+v, %v", got, err)
	}
	if _, _, err := logline.Read(bytes.NewReader(data), logline.Filter{Level: "loud"}); err == nil {
		t.Error("bad level accepted")
	}
}

// TestReadFollow checks the offset contract used to follow a growing file.
func TestReadFollow(t *testing.T) {
	t.Parallel()
	buf, _ := sample(t)
	data := buf.Bytes()
	partial := append(append([]byte{}, data...), []byte(`{"time":"2025-10-15T13:35:00Z","entity":"unit-a-0","le`)...)
	recs, n, err := logline.Read(bytes.NewReader(partial), logline.Filter{Replay: true})
	if err != nil || len(recs) != 6 || n != int64(len(data)) {
		t.Fatalf("partial last line: %d records, offset %d (want %d), %v", len(recs), n, len(data), err)
	}
	// Replay with a limit stops right after the last record returned.
	first, n1, err := logline.Read(bytes.NewReader(data), logline.Filter{Replay: true, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	rest, _, err := logline.Read(bytes.NewReader(data[n1:]), logline.Filter{Replay: true})
	if err != nil || len(first)+len(rest) != 6 || rest[0].Message != "a-info" {
		t.Errorf("continuing from offset %d: %q, %v", n1, messages(rest), err)
	}
	bad := append(append([]byte{}, data...), []byte("not json\n")...)
	if _, _, err := logline.Read(bytes.NewReader(bad), logline.Filter{Replay: true}); err == nil || !strings.Contains(err.Error(), "line 7") {
		t.Errorf("malformed line: %v", err)
	}
}

func TestLoggingConfig(t *testing.T) {
	t.Parallel()
	def, err := logline.ParseLoggingConfig(logline.DefaultLoggingConfig)
	if err != nil {
		t.Fatal(err)
	}
	if def.Enabled("unit.a/0.install", "DEBUG") || !def.Enabled("unit.a/0.install", "WARNING") || !def.Enabled("unit.a/0.juju-log", "INFO") {
		t.Error("default config: DEBUG hook output must be dropped, WARNING and INFO kept")
	}
	cfg, err := logline.ParseLoggingConfig("<root>=WARNING;unit=DEBUG;unit.a/0.juju-log=ERROR")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		module, level string
		want          bool
	}{
		{"unit.a/0.install", "DEBUG", true},
		{"unit.a/0.juju-log", "WARNING", false},
		{"unit.a/0.juju-log", "ERROR", true},
		{"juju.worker", "INFO", false},
		{"juju.worker", "WARNING", true},
		{"unitx", "DEBUG", false},
	} {
		if got := cfg.Enabled(tc.module, tc.level); got != tc.want {
			t.Errorf("Enabled(%q, %q) = %v, want %v", tc.module, tc.level, got, tc.want)
		}
	}
	if _, err := logline.ParseLoggingConfig("<root>=LOUD"); err == nil {
		t.Error("bad logging-config accepted")
	}
}
