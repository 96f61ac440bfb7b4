package jujutest

import (
	stdjson "encoding/json"
	"os"
	"testing"

	json "github.com/goccy/go-json"
)

func BenchmarkScratchGoccyPublic(b *testing.B) {
	data, _ := os.ReadFile("/tmp/big.json")
	for b.Loop() {
		var s Status
		if err := json.Unmarshal(data, &s); err != nil {
			b.Fatal(err)
		}
	}
}
func BenchmarkScratchStdPublic(b *testing.B) {
	data, _ := os.ReadFile("/tmp/big.json")
	for b.Loop() {
		var s Status
		if err := stdjson.Unmarshal(data, &s); err != nil {
			b.Fatal(err)
		}
	}
}
func BenchmarkScratchOurs(b *testing.B) {
	data, _ := os.ReadFile("/tmp/big.json")
	for b.Loop() {
		if _, err := ParseStatus(data); err != nil {
			b.Fatal(err)
		}
	}
}
