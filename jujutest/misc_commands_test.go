package jujutest_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/jujutesttest"
)

func TestDebugLog(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "debug-log --model m --no-tail", "line\n")
	okCall(r, "debug-log --model m --no-tail --limit 1000 --replay --level ERROR --include app --include machine-0 --exclude app/1 --include-module unit --exclude-module juju.worker", "")
	okCall(r, "debug-log --model m --no-tail --lines 50", "")
	ctx := cmdCtx(t)
	out, err := j.DebugLog(ctx, nil)
	if err != nil || out != "line\n" {
		t.Fatalf("DebugLog = %q, %v", out, err)
	}
	if _, err := j.DebugLog(ctx, &jujutest.DebugLogOptions{
		Limit: 1000, Replay: true, Level: "ERROR",
		Include: []string{"app", "machine-0"}, Exclude: []string{"app/1"},
		IncludeModule: []string{"unit"}, ExcludeModule: []string{"juju.worker"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.DebugLog(ctx, &jujutest.DebugLogOptions{Lines: 50}); err != nil {
		t.Fatal(err)
	}
	_, err = j.DebugLog(ctx, &jujutest.DebugLogOptions{Limit: -1})
	wantErrContains(t, err, "Limit is -1")
	// Every call ends the log rather than following it.
	for _, args := range r.Args() {
		if !strings.Contains(strings.Join(args, " "), "--no-tail") {
			t.Errorf("debug-log ran without --no-tail: %q", args)
		}
	}
}

func TestOffer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		model string
		app   string
		opts  jujutest.OfferOptions
		want  string
	}{
		{"m", "db", jujutest.OfferOptions{Endpoints: []string{"database"}}, "offer m.db:database"},
		{"m", "db", jujutest.OfferOptions{Endpoints: []string{"database", "admin"}, Name: "pg"}, "offer m.db:database,admin pg"},
		{"ctl:bob/m", "db", jujutest.OfferOptions{Endpoints: []string{"database"}}, "offer --controller ctl bob/m.db:database"},
		{"ctl:m", "db", jujutest.OfferOptions{Endpoints: []string{"database"}, Controller: "other"}, "offer --controller other m.db:database"},
		{"m", "other.db", jujutest.OfferOptions{Endpoints: []string{"database"}}, "offer other.db:database"},
		{"", "db", jujutest.OfferOptions{Endpoints: []string{"database"}}, "offer db:database"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			r := jujutesttest.NewRunner(t)
			j := &jujutest.Juju{Model: tt.model, Runner: r}
			okCall(r, tt.want, "")
			if err := j.Offer(cmdCtx(t), tt.app, &tt.opts); err != nil {
				t.Fatal(err)
			}
		})
	}
	j, r := cmdJuju(t)
	wantErrContains(t, j.Offer(cmdCtx(t), "db", nil), "no endpoints")
	noCalls(t, r)
}

func TestConsume(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "consume --model m other.pg", "")
	okCall(r, "consume --model m ctl:bob/other.pg db", "")
	ctx := cmdCtx(t)
	if err := j.Consume(ctx, "other.pg", nil); err != nil {
		t.Fatal(err)
	}
	if err := j.Consume(ctx, "other.pg", &jujutest.ConsumeOptions{Alias: "db", Controller: "ctl", Owner: "bob"}); err != nil {
		t.Fatal(err)
	}
}

func TestBootstrap(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	var (
		mu    sync.Mutex
		lines []string
	)
	j := &jujutest.Juju{Model: "m", Runner: r, Logf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}}
	r.Handle(cmdArgs("bootstrap lxd ctl --no-switch"), jujutest.Result{Stderr: []byte("Creating Juju controller \"ctl\"\nBootstrap complete\n")})
	want := []string{
		"bootstrap", "lxd", "ctl", "--no-switch",
		"--bootstrap-base", "ubuntu@22.04",
		"--bootstrap-constraints", "cores=2", "--bootstrap-constraints", "mem=4G",
		"--config", "test-mode=true",
		"--constraints", "arch=amd64",
		"--credential", "cred",
		"--force",
		"--model-default", "automatically-retry-hooks=false",
		"--storage-pool", "name=fast", "--storage-pool", "type=lxd",
		"--to", "zone=a",
		"--metadata-source", "/srv/streams",
	}
	r.HandleOutput(want, "")
	before := time.Now()
	if err := j.Bootstrap(t.Context(), "lxd", "ctl", nil); err != nil {
		t.Fatal(err)
	}
	if d := r.Calls()[0].Deadline; d.Before(before.Add(jujutest.DefaultBootstrapTimeout - time.Second)) {
		t.Errorf("deadline %v is less than DefaultBootstrapTimeout away", d)
	}
	mu.Lock()
	joined := strings.Join(lines, "\n")
	mu.Unlock()
	if !strings.Contains(joined, "bootstrap: Bootstrap complete") {
		t.Errorf("Logf did not receive bootstrap's progress; got:\n%s", joined)
	}
	if err := j.Bootstrap(cmdCtx(t), "lxd", "ctl", &jujutest.BootstrapOptions{
		BootstrapBase:        "ubuntu@22.04",
		BootstrapConstraints: map[string]any{"mem": "4G", "cores": 2},
		Config:               map[string]any{"test-mode": true},
		Constraints:          map[string]any{"arch": "amd64"},
		Credential:           "cred",
		Force:                true,
		ModelDefaults:        map[string]any{"automatically-retry-hooks": false},
		StoragePool:          map[string]string{"name": "fast", "type": "lxd"},
		To:                   "zone=a",
		MetadataSource:       "/srv/streams",
	}); err != nil {
		t.Fatal(err)
	}
	wantErrContains(t, j.Bootstrap(cmdCtx(t), "lxd", "", nil), "controller name is empty")
}

func TestAddMachine(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "add-machine --model m", "")
	r.HandleOutput([]string{"add-machine", "--model", "m", "lxd:0", "--base", "ubuntu@24.04",
		"--constraints", "cores=2", "--constraints", "virt-type=virtual-machine",
		"--disks", "ebs,10G ebs,20G", "-n", "2", "--private-key", "/k", "--public-key", "/k.pub"}, "")
	ctx := cmdCtx(t)
	if err := j.AddMachine(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := j.AddMachine(ctx, &jujutest.AddMachineOptions{
		Target: "lxd:0", Base: "ubuntu@24.04",
		Constraints: map[string]any{"virt-type": "virtual-machine", "cores": 2},
		Disks:       []string{"ebs,10G", "ebs,20G"}, NumMachines: 2,
		PrivateKey: "/k", PublicKey: "/k.pub",
	}); err != nil {
		t.Fatal(err)
	}
}

func TestSSHKeys(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	r.HandleOutput([]string{"add-ssh-key", "--model", "m", "ssh-ed25519 AAAA a@x", "ssh-ed25519 BBBB b@x"}, "")
	okCall(r, "remove-ssh-key --model m a@x 12:34:56", "")
	ctx := cmdCtx(t)
	if err := j.AddSSHKey(ctx, "ssh-ed25519 AAAA a@x", "ssh-ed25519 BBBB b@x"); err != nil {
		t.Fatal(err)
	}
	if err := j.RemoveSSHKey(ctx, "a@x", "12:34:56"); err != nil {
		t.Fatal(err)
	}
	wantErrContains(t, j.AddSSHKey(ctx), "no keys")
	wantErrContains(t, j.RemoveSSHKey(ctx), "no keys")
}
