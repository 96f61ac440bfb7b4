// Package proc reads process facts from /proc for the local backend: whether
// a process is still running (a zombie counts as gone: it no longer runs,
// even if kill(pid, 0) still succeeds), its start time (to tell a process
// from a later one that got the same pid), and its process group.
package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Stat is the part of /proc/<pid>/stat the backend uses.
type Stat struct {
	// State is the one-letter process state (R, S, D, Z, T, ...).
	State byte
	// PPID is the parent's pid.
	PPID int
	// PGID is the process group id.
	PGID int
	// StartTicks is the start time in clock ticks after boot.
	StartTicks uint64
}

// ReadStat reads /proc/<pid>/stat.
func ReadStat(pid int) (Stat, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Stat{}, err
	}
	// The command name (field 2) is in parentheses and may contain spaces
	// or parentheses: parse from the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return Stat{}, fmt.Errorf("parsing /proc/%d/stat: no command field", pid)
	}
	fields := strings.Fields(s[i+2:])
	// fields[0] is field 3 (state); field 22 (starttime) is fields[19].
	if len(fields) < 20 {
		return Stat{}, fmt.Errorf("parsing /proc/%d/stat: %d fields", pid, len(fields))
	}
	st := Stat{State: fields[0][0]}
	st.PPID, _ = strconv.Atoi(fields[1])
	st.PGID, _ = strconv.Atoi(fields[2])
	st.StartTicks, _ = strconv.ParseUint(fields[19], 10, 64)
	return st, nil
}

// Running reports whether pid names a live, non-zombie process, and, when
// startTicks is not zero, whether it is the same process that started at
// that time.
func Running(pid int, startTicks uint64) bool {
	if pid <= 0 {
		return false
	}
	st, err := ReadStat(pid)
	if err != nil {
		return false
	}
	if st.State == 'Z' || st.State == 'X' {
		return false
	}
	return startTicks == 0 || st.StartTicks == startTicks
}

// GroupMembers returns the pids of the live (non-zombie) processes in the
// process group pgid.
func GroupMembers(pgid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := ReadStat(pid)
		if err != nil || st.PGID != pgid || st.State == 'Z' || st.State == 'X' {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// StopGroup stops the process group whose id is pid, the pid of its leader
// started at startTicks (0 = do not check): SIGTERM to the group, a wait of
// up to grace for every member to go, then KillGroup with a further bounded
// wait. It returns an error if members are still running at the end. When
// pid now names another process (its start time differs), the group is
// long gone (Linux does not reuse the id of a live group) and nothing is
// signalled.
func StopGroup(pid int, startTicks uint64, grace time.Duration) error {
	if st, err := ReadStat(pid); err == nil && startTicks != 0 && st.StartTicks != startTicks {
		return nil
	}
	if Running(pid, startTicks) {
		_ = syscall.Kill(-pid, syscall.SIGTERM)
	}
	if waitGone(pid, grace) {
		return nil
	}
	if KillGroup(pid, KillWait) {
		return nil
	}
	return fmt.Errorf("process group %d still running after SIGKILL: %v", pid, GroupMembers(pid))
}

// KillWait bounds how long StopGroup waits for a group to die after
// SIGKILL.
const KillWait = 5 * time.Second

// KillGroup sends SIGKILL to the process group pgid, again to members that
// forked in the meantime, until no live (non-zombie) member is left or
// timeout passes; it reports whether the group is gone. Killed members that
// were reparented are reaped late by init; as zombies they count as gone.
func KillGroup(pgid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		if len(GroupMembers(pgid)) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitGone waits up to d for every member of group pgid to be gone.
func waitGone(pgid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if len(GroupMembers(pgid)) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
