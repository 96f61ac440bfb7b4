package jujutest_test

import (
	"testing"

	"github.com/canonical/jujutest/jujutest"
)

func TestParseModelRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    jujutest.ModelRef
		wantErr string
	}{
		{in: "m", want: jujutest.ModelRef{Model: "m"}},
		{in: "admin/m", want: jujutest.ModelRef{User: "admin", Model: "m"}},
		{in: "ctl:m", want: jujutest.ModelRef{Controller: "ctl", Model: "m"}},
		{in: "ctl:admin/jubilant-abc123", want: jujutest.ModelRef{Controller: "ctl", User: "admin", Model: "jubilant-abc123"}},
		{in: "my.ctl-1:bob@external/m2", want: jujutest.ModelRef{Controller: "my.ctl-1", User: "bob@external", Model: "m2"}},
		{in: "", wantErr: "empty model name"},
		{in: "ctl:", wantErr: "empty model name"},
		{in: ":m", wantErr: "empty controller name"},
		{in: "/m", wantErr: "empty user name"},
		{in: "a:b:c", wantErr: "too many separators"},
		{in: "u/v/m", wantErr: "too many separators"},
		{in: "My_Model", wantErr: "lowercase letters, digits and hyphens"},
		{in: "-m", wantErr: "lowercase letters, digits and hyphens"},
	}
	for _, tt := range tests {
		got, err := jujutest.ParseModelRef(tt.in)
		if tt.wantErr != "" {
			if err == nil {
				t.Errorf("ParseModelRef(%q) = %+v, want an error", tt.in, got)
				continue
			}
			wantErrContains(t, err, tt.wantErr)
			continue
		}
		if err != nil {
			t.Errorf("ParseModelRef(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseModelRef(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if got.String() != tt.in {
			t.Errorf("ParseModelRef(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestSameModel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"m", "m", true},
		{"m", "n", false},
		{"m", "ctl:admin/m", true},
		{"ctl:m", "admin/m", true},
		{"a:m", "b:m", false},
		{"admin/m", "bob/m", false},
		{"ctl:admin/m", "ctl:admin/m", true},
		{"ctl:admin/m", "ctl:bob/m", false},
		{"Bad", "Bad", true},
		{"Bad", "bad", false},
	}
	for _, tt := range tests {
		if got := jujutest.SameModel(tt.a, tt.b); got != tt.want {
			t.Errorf("SameModel(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := jujutest.SameModel(tt.b, tt.a); got != tt.want {
			t.Errorf("SameModel(%q, %q) = %v, want %v (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}
