// Package hostlock serializes tests, in any package or process, that use or
// observe this machine's real tinyproxy (its package, pid file and port
// 8000): the host workload test changes that state, and the dispatch test
// derives its expected status from it. `go test ./...` runs packages in
// parallel processes, so an in-process mutex would not do; an flock does.
package hostlock

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// timeout bounds the wait for another test to release the lock (the host
// test installs a package with apt, which can take a while).
const timeout = 5 * time.Minute

// Lock takes the machine-wide tinyproxy lock for the rest of tb, releasing
// it in tb's cleanup. It fails tb if the lock is not free within 5 minutes.
func Lock(tb testing.TB) {
	tb.Helper()
	path := filepath.Join(os.TempDir(), "jujutest-tinyproxy-host.lock")
	// Read-only is enough for flock, and lets any user share the file.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY, 0o666)
	if err != nil {
		tb.Fatalf("hostlock: %v", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if err != syscall.EWOULDBLOCK || time.Now().After(deadline) {
			f.Close()
			tb.Fatalf("hostlock: locking %s: %v", path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Cleanup(func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close() // closing also releases the lock
	})
}
