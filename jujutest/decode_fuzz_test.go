package jujutest_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/canonical/jujutest/jujutest"
)

// The reference decoder: encoding/json into types equivalent to the public
// ones, each embedding its public type and overriding the fields that can
// hold {"status-error": ...}, with the status-error folding done after
// decoding. ParseStatus must agree with it on every document: the same
// *Status, or both an error.

// refInfo is a StatusInfo that may be a status-error.
type refInfo struct {
	jujutest.StatusInfo
	StatusError *string `json:"status-error"`
}

func (r refInfo) fold() jujutest.StatusInfo {
	if r.StatusError != nil {
		return jujutest.StatusInfo{Current: jujutest.StatusFailed, Message: *r.StatusError}
	}
	return r.StatusInfo
}

type refModel struct {
	jujutest.ModelStatus
	Info        refInfo `json:"model-status"`
	StatusError *string `json:"status-error"`
}

func (r refModel) fold() jujutest.ModelStatus {
	m := r.ModelStatus
	m.ModelStatus = r.Info.fold()
	if r.StatusError != nil {
		m.ModelStatus = refInfo{StatusError: r.StatusError}.fold()
	}
	return m
}

type refMachine struct {
	jujutest.MachineStatus
	Juju         refInfo               `json:"juju-status"`
	Machine      refInfo               `json:"machine-status"`
	Modification refInfo               `json:"modification-status"`
	Containers   map[string]refMachine `json:"containers"`
	StatusError  *string               `json:"status-error"`
}

func (r refMachine) fold() jujutest.MachineStatus {
	if r.StatusError != nil {
		failed := refInfo{StatusError: r.StatusError}.fold()
		return jujutest.MachineStatus{JujuStatus: failed, MachineStatus: failed}
	}
	m := r.MachineStatus
	m.JujuStatus = r.Juju.fold()
	m.MachineStatus = r.Machine.fold()
	m.ModificationStatus = r.Modification.fold()
	m.Containers = foldMap(r.Containers)
	return m
}

type refUnit struct {
	jujutest.UnitStatus
	Workload     refInfo            `json:"workload-status"`
	Juju         refInfo            `json:"juju-status"`
	Subordinates map[string]refUnit `json:"subordinates"`
	StatusError  *string            `json:"status-error"`
}

func (r refUnit) fold() jujutest.UnitStatus {
	if r.StatusError != nil {
		failed := refInfo{StatusError: r.StatusError}.fold()
		return jujutest.UnitStatus{WorkloadStatus: failed, JujuStatus: failed}
	}
	u := r.UnitStatus
	u.WorkloadStatus = r.Workload.fold()
	u.JujuStatus = r.Juju.fold()
	u.Subordinates = foldMap(r.Subordinates)
	return u
}

type refApp struct {
	jujutest.AppStatus
	Info        refInfo            `json:"application-status"`
	Units       map[string]refUnit `json:"units"`
	StatusError *string            `json:"status-error"`
}

func (r refApp) fold() jujutest.AppStatus {
	if r.StatusError != nil {
		return jujutest.AppStatus{AppStatus: refInfo{StatusError: r.StatusError}.fold()}
	}
	a := r.AppStatus
	a.AppStatus = r.Info.fold()
	a.Units = foldMap(r.Units)
	return a
}

type refRemoteApp struct {
	jujutest.RemoteAppStatus
	Info        refInfo `json:"application-status"`
	StatusError *string `json:"status-error"`
}

func (r refRemoteApp) fold() jujutest.RemoteAppStatus {
	if r.StatusError != nil {
		return jujutest.RemoteAppStatus{AppStatus: refInfo{StatusError: r.StatusError}.fold()}
	}
	a := r.RemoteAppStatus
	a.AppStatus = r.Info.fold()
	return a
}

type refOffer struct {
	jujutest.OfferStatus
	StatusError *string `json:"status-error"`
}

func (r refOffer) fold() jujutest.OfferStatus {
	if r.StatusError != nil {
		return jujutest.OfferStatus{Error: *r.StatusError}
	}
	return r.OfferStatus
}

type refStorageInfo struct {
	jujutest.StorageInfo
	Info refInfo `json:"status"`
}

func (r refStorageInfo) fold() jujutest.StorageInfo {
	s := r.StorageInfo
	s.Status = r.Info.fold()
	return s
}

type refFilesystem struct {
	jujutest.FilesystemInfo
	Info refInfo `json:"status"`
}

func (r refFilesystem) fold() jujutest.FilesystemInfo {
	f := r.FilesystemInfo
	f.Status = r.Info.fold()
	return f
}

type refVolume struct {
	jujutest.VolumeInfo
	Info refInfo `json:"status"`
}

func (r refVolume) fold() jujutest.VolumeInfo {
	v := r.VolumeInfo
	v.Status = r.Info.fold()
	return v
}

type refStorage struct {
	Storage     map[string]refStorageInfo `json:"storage"`
	Filesystems map[string]refFilesystem  `json:"filesystems"`
	Volumes     map[string]refVolume      `json:"volumes"`
}

type refStatus struct {
	jujutest.Status
	Model        refModel                `json:"model"`
	Machines     map[string]refMachine   `json:"machines"`
	Apps         map[string]refApp       `json:"applications"`
	AppEndpoints map[string]refRemoteApp `json:"application-endpoints"`
	Offers       map[string]refOffer     `json:"offers"`
	Storage      refStorage              `json:"storage"`
}

func foldMap[R interface{ fold() V }, V any](m map[string]R) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	for k, r := range m {
		out[k] = r.fold()
	}
	return out
}

// referenceParseStatus decodes data as ParseStatus documents it, with
// encoding/json: a JSON object, status-error entities folded in.
func referenceParseStatus(data []byte) (*jujutest.Status, error) {
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	var r refStatus
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	st := r.Status
	st.Model = r.Model.fold()
	st.Machines = foldMap(r.Machines)
	st.Apps = foldMap(r.Apps)
	st.AppEndpoints = foldMap(r.AppEndpoints)
	st.Offers = foldMap(r.Offers)
	st.Storage = jujutest.CombinedStorage{
		Storage:     foldMap(r.Storage.Storage),
		Filesystems: foldMap(r.Storage.Filesystems),
		Volumes:     foldMap(r.Storage.Volumes),
	}
	return &st, nil
}

// schemaKeys are the JSON keys of the status schema: the tags of the
// public types, and "status-error".
var schemaKeys = func() map[string]bool {
	keys := map[string]bool{"status-error": true}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		switch t.Kind() {
		case reflect.Map, reflect.Slice, reflect.Pointer:
			walk(t.Elem())
		case reflect.Struct:
			if seen[t] {
				return
			}
			seen[t] = true
			for i := range t.NumField() {
				f := t.Field(i)
				if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
					keys[name] = true
				}
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeFor[jujutest.Status]())
	return keys
}()

// foldedSchemaKeys maps each schema key, case-folded, to the key.
var foldedSchemaKeys = func() map[string]string {
	m := map[string]string{}
	for k := range schemaKeys {
		m[foldCase(k)] = k
	}
	return m
}()

// foldCase maps each rune of s to the smallest rune it folds to, so that
// foldCase(a) == foldCase(b) exactly when strings.EqualFold(a, b), the
// comparison encoding/json matches keys with.
func foldCase(s string) string {
	var b strings.Builder
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

// outsideComparison reports why a valid JSON document is outside what the
// two decoders are meant to agree on, or "" if it is not. encoding/json
// matches object keys without regard to case, ParseStatus matches them
// exactly; the two treat a key repeated in one object differently (a map
// value is replaced by one and merged by the other). Juju writes neither,
// and JSON leaves the meaning of duplicate keys to each decoder (RFC 8259,
// section 4). For case, only keys of the schema matter: other keys are
// skipped or are map keys.
func outsideComparison(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	why, err := walkKeys(dec)
	if err != nil {
		return "" // invalid JSON: both decoders must fail
	}
	return why
}

// walkKeys reads one value from dec and checks its object keys, as
// outsideComparison describes.
func walkKeys(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	delim, ok := tok.(json.Delim)
	if !ok || delim != '{' && delim != '[' {
		return "", nil
	}
	seen := map[string]bool{}
	var why string
	for dec.More() {
		if delim == '{' {
			tok, err := dec.Token()
			if err != nil {
				return "", err
			}
			key, _ := tok.(string)
			if k, ok := foldedSchemaKeys[foldCase(key)]; ok && k != key && why == "" {
				why = fmt.Sprintf("key %q differs from %q only in case", key, k)
			}
			if seen[key] && why == "" {
				why = fmt.Sprintf("key %q repeated in one object", key)
			}
			seen[key] = true
		}
		w, err := walkKeys(dec)
		if err != nil {
			return "", err
		}
		why = cmp.Or(why, w)
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return "", err
	}
	return why, nil
}

// FuzzParseStatus checks ParseStatus against encoding/json (see
// referenceParseStatus): on every input both must return the same
// *Status, or both fail. The seeds are the testdata fixtures, a generated
// model with subordinates, random documents covering the whole schema
// (status-error entities, nulls, escapes, unknown keys) and edge cases of
// the JSON grammar. Run the fuzzer with
//
//	go test -run XXX -fuzz FuzzParseStatus -fuzztime 2m ./jujutest/
func FuzzParseStatus(f *testing.F) {
	files, err := filepath.Glob("testdata/status-*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no status fixtures: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(bigStatusJSON(f, 3))
	rng := rand.New(rand.NewPCG(3, 14))
	for range 40 {
		f.Add(randomStatusJSON(f, rng))
	}
	for _, s := range decodeEdgeCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if why := outsideComparison(data); why != "" {
			t.Skip(why)
		}
		got, gotErr := jujutest.ParseStatus(data)
		want, wantErr := referenceParseStatus(data)
		in := data
		if len(in) > 600 {
			in = append(in[:600:600], "..."...)
		}
		switch {
		case gotErr != nil && wantErr != nil:
		case gotErr != nil:
			t.Fatalf("ParseStatus failed where encoding/json did not: %v\ninput: %q", gotErr, in)
		case wantErr != nil:
			t.Fatalf("ParseStatus accepted a document encoding/json rejects (%v)\ninput: %q", wantErr, in)
		case !reflect.DeepEqual(got, want):
			t.Fatalf("ParseStatus differs from encoding/json\ninput: %q\n%s", in, statusDiff(got, want))
		}
	})
}

// decodeEdgeCases are seeds at the edges of the JSON grammar and of the
// status-error folding.
var decodeEdgeCases = []string{
	`{}`, ` {} `, `null`, `[]`, `{"model":null,"machines":null,"applications":{}}`,
	`{"applications":{"a":{"charm-rev":-0,"scale":12,"exposed":true}}}`,
	`{"applications":{"a":{"charm-rev":01}}}`,
	`{"applications":{"a":{"charm-rev":+1}}}`,
	`{"applications":{"a":{"charm-rev":1.0}}}`,
	`{"applications":{"a":{"charm-rev":1e2}}}`,
	`{"applications":{"a":{"charm-rev":9223372036854775808}}}`,
	`{"storage":{"volumes":{"0":{"size":18446744073709551615}}}}`,
	`{"storage":{"volumes":{"0":{"size":-1}}}}`,
	`{"x":[1,-1.5e+3,0.0,-0,1E-2],"y":{"z":[[],{},"",null,true,false]}}`,
	`{"x":.5}`, `{"x":1.}`, `{"x":-}`, `{"x":1e}`, `{"x":00}`, `{"x":0x1}`,
	`{"model":{"name":"caf\u00e9 \ud83d\ude00 \ud800 \"q\" \\ \/"}}`,
	"{\"model\":{\"name\":\"raw \xff\xfe bytes\"}}",
	"{\"machines\":{\"\xc3\x28\":{}}}",
	"{\"model\":{\"name\":\"tab\there\"}}",
	`{"applications":{"a":{"status-error":null,"charm":"c"}}}`,
	`{"applications":{"a":{"status-error":"","charm":"c"}}}`,
	`{"applications":{"a":{"application-status":{"status-error":null,"current":"active"}}}}`,
	`{"offers":{"o":{"status-error":"gone","application":"a"}}}`,
	`{"model":{"status-error":"m","name":"n","model-status":{"current":"x"}}}`,
	`{"applications":{"a":{"units":{"a/0":{"subordinates":{"s/0":{"status-error":"s"}}}}}}}`,
	`{"applications":{"a":{"exposed":"true"}}}`,
	`{"applications":[]}`, `{"machines":{"0":[]}}`, `{"model":"m"}`,
	`{"model":{}} {}`, `{"model":{}`, `{"model" {}}`, `{"model":{},}`, `{,}`,
}

// TestParseStatusDepthLimit checks that objects and arrays may nest as
// deeply as encoding/json allows (10,000 levels, the document's own object
// included) and no deeper. The fuzz test would spend its time on documents
// this large, so they are checked here.
func TestParseStatusDepthLimit(t *testing.T) {
	t.Parallel()
	nested := func(open, close string, n int) []byte {
		return []byte(`{"a":` + strings.Repeat(open, n) + strings.Repeat(close, n) + `}`)
	}
	subordinates := func(n int) []byte {
		return []byte(`{"applications":{"a":{"units":{"a/0":` + strings.Repeat(`{"subordinates":{"s":`, n) + `{}` +
			strings.Repeat(`}}`, n) + `}}}}`)
	}
	for _, tc := range []struct {
		name string
		doc  []byte
		ok   bool
	}{
		{"arrays at the limit", nested("[", "]", 9999), true},
		{"arrays past the limit", nested("[", "]", 10000), false},
		{"objects past the limit", nested(`{"b":`, "}", 10000), false},
		{"subordinates at the limit", subordinates(4997), true},
		{"subordinates past the limit", subordinates(4998), false},
	} {
		_, err := jujutest.ParseStatus(tc.doc)
		_, refErr := referenceParseStatus(tc.doc)
		if (err == nil) != tc.ok || (refErr == nil) != tc.ok {
			t.Errorf("%s: ParseStatus error = %v, encoding/json error = %v; want success %v", tc.name, err, refErr, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "exceeded max depth") {
			t.Errorf("%s: error = %v, want one about nesting", tc.name, err)
		}
	}
}

// statusDiff shows where two statuses differ, as indented JSON (and as Go
// values when their JSON is the same, such as a nil and an empty map).
func statusDiff(got, want *jujutest.Status) string {
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	gl, wl := strings.Split(string(g), "\n"), strings.Split(string(w), "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		line := func(l []string) string {
			if i < len(l) {
				return l[i]
			}
			return "<end>"
		}
		if line(gl) != line(wl) {
			from := max(0, i-5)
			return fmt.Sprintf("first difference at line %d of the JSON:\n got: %s\nwant: %s\ncontext (got):\n%s",
				i+1, line(gl), line(wl), strings.Join(gl[from:min(i+1, len(gl))], "\n"))
		}
	}
	return fmt.Sprintf("same JSON; Go values:\n got: %#v\nwant: %#v", got, want)
}

// randomStatusJSON generates a status document that uses the whole schema,
// with status-error entities, nulls, escapes and unknown keys, from rng.
func randomStatusJSON(tb testing.TB, rng *rand.Rand) []byte {
	g := statusGen{rng}
	data, err := json.Marshal(g.status())
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

type statusGen struct{ rng *rand.Rand }

type obj = map[string]any

var genStrings = []string{
	"", "active", "blocked", "idle", "error", "hook failed: \"install\"", "tab\tand\nnewline",
	"café ü ∑ 🙂", "line\u2028sep", `back\slash`, "<html>&amp;", "10.0.0.1", "ubuntu", "24.04",
}

func (g statusGen) chance(p float64) bool { return g.rng.Float64() < p }

func (g statusGen) str() any {
	if g.chance(0.03) {
		return nil
	}
	return genStrings[g.rng.IntN(len(genStrings))]
}

// set puts each value in o, leaving out some keys.
func (g statusGen) set(o obj, kv ...any) obj {
	for i := 0; i < len(kv); i += 2 {
		if g.chance(0.8) {
			o[kv[i].(string)] = kv[i+1]
		}
	}
	if g.chance(0.1) {
		o["future-key"] = obj{"nested": []any{1, 2.5, "x", nil, true, obj{"deep": obj{}}}}
	}
	return o
}

func (g statusGen) strs() any {
	if g.chance(0.05) {
		return nil
	}
	out := []any{}
	for range g.rng.IntN(3) {
		out = append(out, g.str())
	}
	return out
}

func (g statusGen) info() any {
	switch {
	case g.chance(0.03):
		return nil
	case g.chance(0.08):
		return obj{"status-error": g.str()}
	}
	return g.set(obj{}, "current", g.str(), "message", g.str(), "reason", g.str(), "since", g.str(),
		"version", g.str(), "life", g.str())
}

func (g statusGen) entityError(o obj) obj {
	if g.chance(0.08) {
		return obj{"status-error": g.str()}
	}
	return o
}

func (g statusGen) mapOf(n int, name func(int) string, value func() any) any {
	if g.chance(0.05) {
		return nil
	}
	m := obj{}
	for i := range g.rng.IntN(n + 1) {
		m[name(i)] = value()
	}
	return m
}

func (g statusGen) base() any { return g.set(obj{}, "name", g.str(), "channel", g.str()) }

func (g statusGen) machine(depth int) any {
	m := g.set(obj{},
		"juju-status", g.info(), "hostname", g.str(), "dns-name", g.str(), "ip-addresses", g.strs(),
		"instance-id", g.str(), "display-name", g.str(), "machine-status", g.info(),
		"modification-status", g.info(), "base", g.base(), "constraints", g.str(), "hardware", g.str(),
		"controller-member-status", g.str(), "ha-primary", g.chance(0.5),
		"network-interfaces", g.mapOf(2, func(i int) string { return fmt.Sprintf("eth%d", i) }, func() any {
			return g.set(obj{}, "ip-addresses", g.strs(), "mac-address", g.str(), "gateway", g.str(),
				"dns-nameservers", g.strs(), "space", g.str(), "is-up", g.chance(0.5))
		}),
		"lxd-profiles", g.mapOf(1, func(i int) string { return fmt.Sprintf("profile-%d", i) }, func() any {
			return g.set(obj{}, "config", obj{"security.nesting": g.str()}, "description", g.str(),
				"devices", obj{"tun": obj{"type": g.str(), "path": "/dev/net/tun"}})
		}),
	)
	if depth < 2 {
		m["containers"] = g.mapOf(2, func(i int) string { return fmt.Sprintf("0/lxd/%d", i) }, func() any { return g.machine(depth + 1) })
	}
	return g.entityError(m)
}

func (g statusGen) unit(depth int) any {
	u := g.set(obj{},
		"workload-status", g.info(), "juju-status", g.info(), "leader", g.chance(0.5), "upgrading-from", g.str(),
		"machine", g.str(), "open-ports", g.strs(), "public-address", g.str(), "address", g.str(),
		"provider-id", g.str(), "branch", g.str(),
	)
	if depth == 0 {
		u["subordinates"] = g.mapOf(2, func(i int) string { return fmt.Sprintf("sub/%d", i) }, func() any { return g.unit(1) })
	}
	return g.entityError(u)
}

func (g statusGen) app() any {
	a := g.set(obj{},
		"charm", g.str(), "charm-origin", g.str(), "charm-name", g.str(), "charm-rev", g.rng.IntN(300)-10,
		"charm-channel", g.str(), "charm-version", g.str(), "charm-profile", g.str(), "can-upgrade-to", g.str(),
		"base", g.base(), "exposed", g.chance(0.5), "scale", g.rng.IntN(5), "provider-id", g.str(),
		"address", g.str(), "life", g.str(), "application-status", g.info(),
		"relations", g.mapOf(2, func(i int) string { return fmt.Sprintf("ep%d", i) }, func() any {
			return []any{g.set(obj{}, "related-application", g.str(), "interface", g.str(), "scope", g.str())}
		}),
		"subordinate-to", g.strs(),
		"units", g.mapOf(3, func(i int) string { return fmt.Sprintf("app/%d", i) }, func() any { return g.unit(0) }),
		"version", g.str(), "endpoint-bindings", obj{"": g.str(), "website": g.str()},
	)
	return g.entityError(a)
}

func (g statusGen) endpoints() any {
	return g.mapOf(2, func(i int) string { return fmt.Sprintf("ep%d", i) }, func() any {
		return g.set(obj{}, "interface", g.str(), "role", g.str())
	})
}

func (g statusGen) unitAttachments() any {
	return g.mapOf(2, func(i int) string { return fmt.Sprintf("app/%d", i) }, func() any {
		return g.set(obj{}, "machine", g.str(), "location", g.str(), "life", g.str())
	})
}

func (g statusGen) status() obj {
	ids := func(i int) string { return fmt.Sprint(i) }
	model := g.set(obj{}, "name", g.str(), "type", g.str(), "controller", g.str(), "cloud", g.str(),
		"region", g.str(), "version", g.str(), "upgrade-available", g.str(), "model-status", g.info(),
		"sla", g.str())
	if g.chance(0.08) {
		model["status-error"] = g.str() // the model keeps its other fields
	}
	return g.set(obj{},
		"model", model,
		"machines", g.mapOf(3, ids, func() any { return g.machine(0) }),
		"applications", g.mapOf(3, func(i int) string { return fmt.Sprintf("app%d", i) }, g.app),
		"application-endpoints", g.mapOf(2, func(i int) string { return fmt.Sprintf("remote%d", i) }, func() any {
			return g.entityError(g.set(obj{}, "url", g.str(), "endpoints", g.endpoints(), "life", g.str(),
				"application-status", g.info(), "relations", obj{"db": g.strs()}))
		}),
		"offers", g.mapOf(2, func(i int) string { return fmt.Sprintf("offer%d", i) }, func() any {
			return g.entityError(g.set(obj{}, "application", g.str(), "charm", g.str(),
				"total-connected-count", g.rng.IntN(5), "active-connected-count", g.rng.IntN(5),
				"endpoints", g.endpoints()))
		}),
		"storage", g.set(obj{},
			"storage", g.mapOf(2, func(i int) string { return fmt.Sprintf("data/%d", i) }, func() any {
				return g.set(obj{}, "kind", g.str(), "life", g.str(), "status", g.info(), "persistent", g.chance(0.5),
					"attachments", g.set(obj{}, "units", g.unitAttachments()))
			}),
			"filesystems", g.mapOf(2, ids, func() any {
				att := func() any {
					return g.mapOf(1, ids, func() any {
						return g.set(obj{}, "mount-point", g.str(), "read-only", g.chance(0.5), "life", g.str())
					})
				}
				return g.set(obj{}, "provider-id", g.str(), "volume", g.str(), "storage", g.str(),
					"attachments", g.set(obj{}, "machines", att(), "containers", att(), "units", g.unitAttachments()),
					"pool", g.str(), "size", g.rng.Uint64N(1<<40), "life", g.str(), "status", g.info())
			}),
			"volumes", g.mapOf(2, ids, func() any {
				att := func() any {
					return g.mapOf(1, ids, func() any {
						return g.set(obj{}, "device", g.str(), "device-link", g.str(), "bus-address", g.str(),
							"read-only", g.chance(0.5), "life", g.str())
					})
				}
				return g.set(obj{}, "provider-id", g.str(), "storage", g.str(),
					"attachments", g.set(obj{}, "machines", att(), "containers", att(), "units", g.unitAttachments()),
					"pool", g.str(), "hardware-id", g.str(), "wwn", g.str(), "size", g.rng.Uint64N(1<<40),
					"persistent", g.chance(0.5), "life", g.str(), "status", g.info())
			}),
		),
		"controller", g.set(obj{}, "timestamp", g.str()),
	)
}

// TestFuzzSeedsAreCompared checks that the fuzz seeds exercise what they
// are meant to: every generated document and fixture is inside the
// comparison, parses, and the generated ones include status-error entities.
func TestFuzzSeedsAreCompared(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 14))
	withErrors := 0
	for i := range 40 {
		data := randomStatusJSON(t, rng)
		if why := outsideComparison(data); why != "" {
			t.Errorf("generated document %d is outside the comparison: %s", i, why)
		}
		if _, err := jujutest.ParseStatus(data); err != nil {
			t.Errorf("generated document %d: %v", i, err)
		}
		if bytes.Contains(data, []byte(`"status-error"`)) {
			withErrors++
		}
	}
	if withErrors < 20 {
		t.Errorf("only %d of 40 generated documents have a status-error", withErrors)
	}
	for _, in := range []string{`{"Model":{}}`, `{"model":{"Name":"a"}}`, "{\"machines\":{\"0\":{\"\u212Aind\":1}}}", `{"model":{"name":"a","name":"b"}}`} {
		if outsideComparison([]byte(in)) == "" {
			t.Errorf("outsideComparison(%s) = \"\", want a reason", in)
		}
	}
	// Repeated map keys are left out too: encoding/json replaces the
	// value, ParseStatus merges it.
	if why := outsideComparison([]byte(`{"machines":{"0":{},"0":{"hostname":"h"}}}`)); why == "" {
		t.Error("a repeated map key is compared, want it left out")
	}
}

// TestParseStatusDecodesEveryField fills every field of every status type
// with a distinct value, through reflection on the public types, and
// checks that ParseStatus reads the encoding/json form back unchanged: a
// field added to a type but not to the decoder fails here.
func TestParseStatusDecodesEveryField(t *testing.T) {
	t.Parallel()
	var want jujutest.Status
	n := 0
	var fill func(v reflect.Value, depth int)
	fill = func(v reflect.Value, depth int) {
		n++
		switch v.Kind() {
		case reflect.String:
			v.SetString(fmt.Sprintf("s%d", n))
		case reflect.Int:
			v.SetInt(int64(n))
		case reflect.Uint64:
			v.SetUint(uint64(n) << 40)
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Slice:
			s := reflect.MakeSlice(v.Type(), 1, 1)
			fill(s.Index(0), depth)
			v.Set(s)
		case reflect.Map:
			if depth == 3 { // containers and subordinates nest
				return
			}
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e, depth+1)
			m := reflect.MakeMap(v.Type())
			m.SetMapIndex(reflect.ValueOf(fmt.Sprintf("k%d", n)), e)
			v.Set(m)
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).Tag.Get("json") != "status-error,omitempty" { // it replaces the offer
					fill(v.Field(i), depth)
				}
			}
		default:
			t.Fatalf("no filler for %s", v.Type())
		}
	}
	fill(reflect.ValueOf(&want).Elem(), 0)
	data, err := json.Marshal(&want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := jujutest.ParseStatus(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("ParseStatus lost fields:\n%s", statusDiff(got, &want))
	}
	if n < 300 {
		t.Errorf("filled only %d values; is the filler walking the types?", n)
	}
}
