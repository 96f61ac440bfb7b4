package jujutest_test

import (
	"errors"
	"testing"

	"github.com/canonical/jujutest/jujutest"
)

func TestSSH(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "ssh --model m app/0 cat /etc/hostname", "juju-0\n")
	okCall(r, "ssh --model m --container charm --no-host-key-checks ubuntu@app/0 -o ConnectTimeout=5 ls /", "bin\n")
	ctx := cmdCtx(t)
	out, err := j.SSH(ctx, "app/0", "cat", "/etc/hostname")
	if err != nil || out != "juju-0\n" {
		t.Fatalf("SSH = %q, %v", out, err)
	}
	out, err = j.SSHWith(ctx, "app/0", jujutest.SSHOptions{
		Container: "charm", User: "ubuntu", NoHostKeyChecks: true, Options: []string{"-o", "ConnectTimeout=5"},
	}, "ls", "/")
	if err != nil || out != "bin\n" {
		t.Fatalf("SSHWith = %q, %v", out, err)
	}
}

func TestSSHRemoteExitCode(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	failCall(r, "ssh --model m 0 exit 3", 3, "", "")
	_, err := j.SSH(cmdCtx(t), "0", "exit", "3")
	var cliErr *jujutest.CLIError
	if !errors.As(err, &cliErr) || cliErr.ExitCode != 3 {
		t.Fatalf("got %v, want a *CLIError with the remote exit code 3", err)
	}
	_, err = j.SSH(cmdCtx(t), "0")
	wantErrContains(t, err, "no command")
}

func TestSCP(t *testing.T) {
	t.Parallel()
	j, r := cmdJuju(t)
	okCall(r, "scp --model m -- app/0:/etc/x ./x", "")
	okCall(r, "scp --model m --container web --no-host-key-checks -- -r ./dir app/0:/tmp/dir", "")
	ctx := cmdCtx(t)
	if err := j.SCP(ctx, "app/0:/etc/x", "./x", nil); err != nil {
		t.Fatal(err)
	}
	if err := j.SCP(ctx, "./dir", "app/0:/tmp/dir", &jujutest.SCPOptions{
		Container: "web", NoHostKeyChecks: true, Options: []string{"-r"},
	}); err != nil {
		t.Fatal(err)
	}
	wantErrContains(t, j.SCP(ctx, "", "x", nil), "want a source and a destination")
	if n := len(r.Calls()); n != 2 {
		t.Errorf("ran %d commands, want 2", n)
	}
}
