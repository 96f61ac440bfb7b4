package proc_test

import (
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/canonical/jujutest/internal/local/proc"
)

// startGroup starts a shell script as the leader of its own process group
// and returns its pid and a channel closed once it is reaped.
func startGroup(t *testing.T, script string) (int, <-chan struct{}) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		select {
		case <-done: // reaped: the id may belong to another process now
		default:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	return cmd.Process.Pid, done
}

func TestRunningAndStopGroup(t *testing.T) {
	t.Parallel()
	pid, done := startGroup(t, "sleep 60 & sleep 60")
	st, err := proc.ReadStat(pid)
	if err != nil || st.PGID != pid || st.StartTicks == 0 {
		t.Fatalf("ReadStat = %+v, %v", st, err)
	}
	if !proc.Running(pid, st.StartTicks) || proc.Running(pid, st.StartTicks+1) {
		t.Error("Running does not tell the process by its start time")
	}
	deadline := time.Now().Add(5 * time.Second)
	// The shell and a background sleep (the shell may exec the last one).
	for len(proc.GroupMembers(pid)) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(proc.GroupMembers(pid)); n < 2 {
		t.Errorf("group has %d members, want at least 2", n)
	}
	// A recorded start time that does not match: the id belongs to
	// another process now, which StopGroup leaves alone.
	if err := proc.StopGroup(pid, st.StartTicks+1, time.Second); err != nil || !proc.Running(pid, st.StartTicks) {
		t.Fatalf("StopGroup with another start time: %v; running %v", err, proc.Running(pid, st.StartTicks))
	}
	if err := proc.StopGroup(pid, st.StartTicks, time.Second); err != nil {
		t.Fatal(err)
	}
	<-done
	if proc.Running(pid, 0) {
		t.Error("the group leader still runs")
	}
	if m := proc.GroupMembers(pid); len(m) != 0 {
		t.Errorf("group members left: %v", m)
	}
}

// TestKillGroup kills a group whose members ignore SIGTERM, including one
// forked while it kills.
func TestKillGroup(t *testing.T) {
	t.Parallel()
	pid, done := startGroup(t, "trap '' TERM; while true; do sleep 60 & wait; done")
	if !proc.KillGroup(pid, 5*time.Second) {
		t.Fatalf("group %d not gone: %v", pid, proc.GroupMembers(pid))
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the killed shell was not reaped")
	}
	if m := proc.GroupMembers(pid); len(m) != 0 {
		t.Errorf("group members left: %v", m)
	}
}
