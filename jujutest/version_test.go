package jujutest_test

import (
	"testing"

	"github.com/canonical/jujutest/jujutest"
)

func TestParseVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want jujutest.Version
	}{
		{"3.6.11-genericlinux-amd64", jujutest.Version{Major: 3, Minor: 6, Patch: 11, Release: "genericlinux", Arch: "amd64"}},
		{"1.2.3.4-ubuntu-arm64", jujutest.Version{Major: 1, Minor: 2, Patch: 3, Build: 4, Release: "ubuntu", Arch: "arm64"}},
		{"1.2-beta3-ubuntu-amd64", jujutest.Version{Major: 1, Minor: 2, Tag: "beta", Patch: 3, Release: "ubuntu", Arch: "amd64"}},
		{"1.2-beta3.4-ubuntu-amd64", jujutest.Version{Major: 1, Minor: 2, Tag: "beta", Patch: 3, Build: 4, Release: "ubuntu", Arch: "amd64"}},
		{"4.0.0", jujutest.Version{Major: 4}},
		{"3.7-rc1", jujutest.Version{Major: 3, Minor: 7, Tag: "rc", Patch: 1}},
	}
	for _, tt := range tests {
		got, err := jujutest.ParseVersion(tt.in)
		if err != nil {
			t.Errorf("ParseVersion(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseVersion(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseVersion(%q).String() = %q, want the input back", tt.in, s)
		}
	}
	for _, bad := range []string{"", "3", "3.6", "3.6.x", "v3.6.11", "3.6.11-ubuntu", "3.6-beta", "3.6.11-ubuntu-amd64-extra", "99999999999999999999.1.1"} {
		if v, err := jujutest.ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) = %+v, want an error", bad, v)
		}
	}
}

func TestVersionCompare(t *testing.T) {
	t.Parallel()
	ordered := []string{
		"2.9.50",
		"3.5.7",
		"3.6-beta1",
		"3.6-beta2",
		"3.6-rc1",
		"3.6.0",
		"3.6.0.1",
		"3.6.11",
		"4.0.0",
	}
	for i, a := range ordered {
		va, err := jujutest.ParseVersion(a)
		if err != nil {
			t.Fatal(err)
		}
		for k, b := range ordered {
			vb, _ := jujutest.ParseVersion(b)
			want := 0
			if i < k {
				want = -1
			} else if i > k {
				want = 1
			}
			if got := va.Compare(vb); got != want {
				t.Errorf("%s.Compare(%s) = %d, want %d", a, b, got, want)
			}
			if got := va.Less(vb); got != (want < 0) {
				t.Errorf("%s.Less(%s) = %v", a, b, got)
			}
			if got := va.AtLeast(vb); got != (want >= 0) {
				t.Errorf("%s.AtLeast(%s) = %v", a, b, got)
			}
		}
	}
	// Release and architecture do not order versions.
	x, _ := jujutest.ParseVersion("3.6.11-ubuntu-amd64")
	y, _ := jujutest.ParseVersion("3.6.11-genericlinux-arm64")
	if x.Compare(y) != 0 {
		t.Errorf("versions differing only in release and arch compare %d, want 0", x.Compare(y))
	}
}

func TestJujuVersion(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t) // version ignores the model
	okCall(r, "version --format json --all", `{"version":"3.6.11-genericlinux-amd64","git-commit":"17876b9","git-tree-state":"clean","compiler":"gc","go-version":"go1.24.6","official":true,"grade":"production"}`+"\n")
	v, err := j.Version(cmdCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	want := jujutest.Version{Major: 3, Minor: 6, Patch: 11, Release: "genericlinux", Arch: "amd64", GitCommit: "17876b9"}
	if v != want {
		t.Errorf("Version = %+v, want %+v", v, want)
	}
}

func TestJujuVersionPlainString(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "version --format json --all", `"3.6.11-ubuntu-amd64"`+"\n")
	v, err := j.Version(cmdCtx(t))
	if err != nil || v.String() != "3.6.11-ubuntu-amd64" {
		t.Errorf("Version = %v, %v", v, err)
	}

	j2, r2 := cmdJuju(t)
	okCall(r2, "version --format json --all", `{"version":"banana"}`)
	_, err = j2.Version(cmdCtx(t))
	wantErrContains(t, err, `invalid Juju version "banana"`)
}
