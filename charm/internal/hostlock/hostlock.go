// Package hostlock serializes tests, in any package or process, that use or
// observe this machine's real tinyproxy (its package, pid file and port
// 8000): the host workload test changes that state, and the dispatch test
// derives its expected status from it. `go test ./...` runs packages in
// parallel processes, so an in-process mutex would not do.
//
// The lock is a Linux abstract unix socket: binding its name succeeds for
// one holder at a time, machine-wide (per network namespace), creates no
// file, and is released by the kernel even if the holder is killed.
package hostlock

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

// name is the abstract socket name ("@" selects the abstract namespace).
const name = "@jujutest-tinyproxy-host"

// timeout bounds the wait for another test to release the lock (the host
// test installs a package with apt, which can take a while).
const timeout = 5 * time.Minute

// Lock takes the machine-wide tinyproxy lock for the rest of tb, releasing
// it in tb's cleanup. It fails tb if the lock is not free within 5 minutes.
func Lock(tb testing.TB) {
	tb.Helper()
	lock(tb, name)
}

func lock(tb testing.TB, name string) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		l, err := net.Listen("unix", name)
		if err == nil {
			tb.Cleanup(func() { l.Close() })
			return
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			tb.Fatalf("hostlock: %v", err)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("hostlock: another test held %s for more than %v", name, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
