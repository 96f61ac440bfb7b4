package hostlock

import (
	"fmt"
	"net"
	"os"
	"testing"
)

func TestLockExcludesOthersAndIsReleased(t *testing.T) {
	t.Parallel()
	// A name of its own, so that it does not contend with host tests
	// running in other processes.
	name := fmt.Sprintf("%s-test-%d", name, os.Getpid())
	t.Run("held", func(t *testing.T) {
		lock(t, name)
		if l, err := net.Listen("unix", name); err == nil {
			l.Close()
			t.Fatal("a second holder could take the lock")
		}
	})
	// The subtest's cleanup released it: it can be taken again at once.
	l, err := net.Listen("unix", name)
	if err != nil {
		t.Fatalf("lock not released after the holder's cleanup: %v", err)
	}
	l.Close()
}
