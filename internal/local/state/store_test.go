package state_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/canonical/jujutest/internal/local/state"
)

// TestUpdateIsAtomicAndExclusive runs many concurrent read-modify-write
// updates: none is lost, and readers never see a broken document.
func TestUpdateIsAtomicAndExclusive(t *testing.T) {
	t.Parallel()
	s, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := s.Update(ctx, func(st *state.State) error {
					st.NewID()
					return nil
				}); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := s.Read(ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	st, err := s.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.NextID != writers*each {
		t.Errorf("NextID = %d, want %d (lost updates)", st.NextID, writers*each)
	}
	entries, _ := os.ReadDir(s.Dir())
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// TestFailedUpdateWritesNothing checks that an update whose function fails
// leaves the document unchanged.
func TestFailedUpdateWritesNothing(t *testing.T) {
	t.Parallel()
	s, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Update(ctx, func(st *state.State) error { st.CurrentModel = "a"; return nil }); err != nil {
		t.Fatal(err)
	}
	boom := os.ErrInvalid
	if err := s.Update(ctx, func(st *state.State) error { st.CurrentModel = "b"; return boom }); err != boom {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	st, err := s.Read(ctx)
	if err != nil || st.CurrentModel != "a" {
		t.Errorf("CurrentModel = %q (%v), want a", st.CurrentModel, err)
	}
}

// TestLockWaitIsBounded checks that a blocked lock gives up when the
// context ends.
func TestLockWaitIsBounded(t *testing.T) {
	t.Parallel()
	s, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	held := make(chan struct{})
	holderDone := make(chan struct{})
	go func() {
		defer close(holderDone)
		_ = s.Update(context.Background(), func(*state.State) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = s.Read(ctx)
	close(release)
	// The holder writes the state once released: let it finish before
	// t.TempDir is removed.
	<-holderDone
	if err == nil || !strings.Contains(err.Error(), "waiting for the state lock") {
		t.Errorf("Read under a held lock = %v, want a lock timeout", err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"JUJU_LOCAL_DATA": "/x/y", "XDG_DATA_HOME": "/d", "HOME": "/h"}, "/x/y"},
		{map[string]string{"XDG_DATA_HOME": "/d", "HOME": "/h"}, "/d/juju-local"},
		{map[string]string{"HOME": "/h"}, "/h/.local/share/juju-local"},
	} {
		got, err := state.DefaultDir(env(tc.env))
		if err != nil || got != filepath.Clean(tc.want) {
			t.Errorf("DefaultDir(%v) = %q, %v; want %q", tc.env, got, err, tc.want)
		}
	}
	if _, err := state.DefaultDir(env(nil)); err == nil {
		t.Error("DefaultDir with no HOME: no error")
	}
}

func TestSocketPathFitsUnixLimit(t *testing.T) {
	t.Parallel()
	s, err := state.Open(filepath.Join(t.TempDir(), strings.Repeat("long-directory-name/", 4)))
	if err != nil {
		t.Fatal(err)
	}
	if p := s.SocketPath(state.NewUUID()); len(p) >= 100 {
		t.Errorf("socket path %q is %d bytes", p, len(p))
	}
}

// TestStuckLockNamesItsHolder checks that a command gives up on a lock held
// too long, without a deadline of its own, and names the holding process.
func TestStuckLockNamesItsHolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.LockWait = 200 * time.Millisecond
	// A flock on another open file of the lock conflicts even within one
	// process, so this test process is the stuck holder.
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.Read(context.Background())
	var lte *state.LockTimeoutError
	if !errors.As(err, &lte) {
		t.Fatalf("Read = %v, want a *LockTimeoutError", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Read waited %v with a 200ms bound", d)
	}
	want := fmt.Sprintf("pid %d (", os.Getpid())
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "held for more than 200ms") {
		t.Errorf("error = %q, want the holder %q... and the wait", err, want)
	}
}

// TestDamagedStateRecovers checks that a truncated state document is
// replaced by the previous good one, with a warning, and healed by the
// next update.
func TestDamagedStateRecovers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	s.Warnf = func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) }
	for _, name := range []string{"a", "b"} {
		if err := s.Update(context.Background(), func(st *state.State) error {
			st.Models[name] = &state.Model{Name: name}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(s.StatePath())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.StatePath(), data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := s.Read(context.Background())
	if err != nil {
		t.Fatalf("Read of a truncated state: %v", err)
	}
	// The previous good state is the one before the last write: model a.
	if st.Models["a"] == nil || st.Models["b"] != nil {
		t.Errorf("recovered models = %v, want just a", st.Models)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "the last change may be lost") {
		t.Errorf("warnings = %q", warnings)
	}
	// An update heals the document, and keeps no damaged one as previous.
	if err := s.Update(context.Background(), func(st *state.State) error {
		st.Models["c"] = &state.Model{Name: "c"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	warnings = nil
	st, err = s.Read(context.Background())
	if err != nil || st.Models["a"] == nil || st.Models["c"] == nil || len(warnings) != 0 {
		t.Errorf("after healing: %v, models %v, warnings %q", err, st.Models, warnings)
	}
	if err := os.WriteFile(s.StatePath(), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(context.Background()); err != nil {
		t.Errorf("second damage: %v", err)
	}
	// Both damaged: a clear error, not an empty state.
	if err := os.WriteFile(filepath.Join(dir, "state.prev.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(context.Background()); err == nil || !strings.Contains(err.Error(), "no good previous state") {
		t.Errorf("both damaged: error = %v", err)
	}
}

// TestFallbackSocketDirIsPrivate checks that the short socket path of a
// long data directory lives in a directory that only this user can write,
// and that one another user prepared is refused.
func TestFallbackSocketDirIsPrivate(t *testing.T) {
	t.Parallel()
	s, err := state.Open(filepath.Join(t.TempDir(), strings.Repeat("long-directory-name/", 4)))
	if err != nil {
		t.Fatal(err)
	}
	s.RuntimeDir = filepath.Join(t.TempDir(), "rt")
	uuid := state.NewUUID()
	if got := filepath.Dir(s.SocketPath(uuid)); got != s.RuntimeDir {
		t.Fatalf("fallback socket in %s, want %s", got, s.RuntimeDir)
	}
	if err := s.PrepareSocket(uuid); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(s.RuntimeDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("socket dir: %v, mode %v; want 0700", err, fi.Mode().Perm())
	}
	// Opened up to others: refused.
	if err := os.Chmod(s.RuntimeDir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := s.PrepareSocket(uuid); err == nil || !strings.Contains(err.Error(), "must be 0700") {
		t.Errorf("world-writable socket dir: %v", err)
	}
	// A symlink planted in its place: refused.
	if err := os.Remove(s.RuntimeDir); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(t.TempDir(), s.RuntimeDir); err != nil {
		t.Fatal(err)
	}
	if err := s.PrepareSocket(uuid); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("symlinked socket dir: %v", err)
	}
	// Another user's directory (root can make one): refused.
	if os.Geteuid() != 0 {
		t.Log("not root: the other-owner case is not checked")
		return
	}
	othersDir := filepath.Join(t.TempDir(), "rt")
	if err := os.Mkdir(othersDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(othersDir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	long, err := state.Open(filepath.Join(t.TempDir(), strings.Repeat("long-directory-name/", 4)))
	if err != nil {
		t.Fatal(err)
	}
	long.RuntimeDir = othersDir
	if err := long.PrepareSocket(uuid); err == nil || !strings.Contains(err.Error(), "owned by uid 65534") {
		t.Errorf("socket dir of another user: %v", err)
	}
}
