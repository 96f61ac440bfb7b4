package jujutest

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// TestParseStatusMatchesEncodingJSON checks the hand-written decoder
// against encoding/json on the public types' JSON tags, for documents
// without status-error entries (where the two must agree exactly).
func TestParseStatusMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"testdata/status-machine.json", "testdata/status-k8s.json"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var want Status
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("%s: encoding/json: %v", f, err)
		}
		got, err := ParseStatus(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%s: ParseStatus differs from encoding/json:\n got %s\nwant %s", f, got, &want)
		}
	}
}
