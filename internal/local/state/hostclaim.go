package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// hostClaimFile and hostLockFile live in the private runtime directory
// (SocketDir: /run/juju-local for root), shared by every data directory of
// this user.
const (
	hostClaimFile = "host.claim"
	hostLockFile  = "host.lock"
)

// HostClaim records the model that holds this host as its machine. The
// host is one machine: two models placing units on it would share one
// workload (one tinyproxy, one /etc/tinyproxy), so one model holds it
// until it is destroyed.
type HostClaim struct {
	// DataDir is the holding model's data directory.
	DataDir string `json:"data-dir"`
	// ModelUUID and Model identify the holding model ("admin/name").
	ModelUUID string `json:"model-uuid"`
	Model     string `json:"model"`
}

// HostHeldError is returned when another model holds the host.
type HostHeldError struct {
	// Holder is the model that holds the host.
	Holder HostClaim
}

func (e *HostHeldError) Error() string {
	return fmt.Sprintf("machine 0 (this host) is already used by model %q (data directory %s): "+
		"the host is one machine, and units of two models would share its workload; "+
		"destroy that model first (juju-local destroy-model --no-prompt %s with JUJU_LOCAL_DATA=%s)",
		e.Holder.Model, e.Holder.DataDir, ModelRefName(e.Holder.Model), e.Holder.DataDir)
}

// HostClaimPath returns the file that records which model holds the host.
func (s *Store) HostClaimPath() string { return filepath.Join(s.SocketDir(), hostClaimFile) }

// ClaimHost makes model uuid of this store (whose current state is st: the
// caller holds the state lock) the holder of the host. It succeeds when no
// model holds it, when this model already does, or when the holder no
// longer has a machine (its model was destroyed, its data directory
// removed); otherwise it returns a *HostHeldError naming the holder. A
// holder whose state cannot be read is taken to still hold the host.
func (s *Store) ClaimHost(ctx context.Context, st *State, uuid string) error {
	m := st.Models[uuid]
	if m == nil {
		return fmt.Errorf("model %s not found", uuid)
	}
	if err := s.prepareRuntimeDir("host claim"); err != nil {
		return err
	}
	unlock, err := lockFileAt(ctx, filepath.Join(s.SocketDir(), hostLockFile), true, s.LockWait)
	if err != nil {
		return err
	}
	defer unlock()
	me := HostClaim{DataDir: s.dir, ModelUUID: uuid, Model: m.Owner + "/" + m.Name}
	held, err := s.readHostClaim()
	if err != nil {
		return err
	}
	if held != nil && *held != me && s.claimInUse(*held, st) {
		return &HostHeldError{Holder: *held}
	}
	if held != nil && *held == me {
		return nil
	}
	data, err := json.Marshal(me)
	if err != nil {
		return fmt.Errorf("encoding the host claim: %w", err)
	}
	return writeFileAtomic(s.HostClaimPath(), data, 0o600)
}

// ReleaseHost gives the host up if model uuid of this store holds it. A
// damaged claim is left for ClaimHost to report: destroying a model never
// fails on it.
func (s *Store) ReleaseHost(ctx context.Context, uuid string) error {
	if _, err := os.Lstat(s.SocketDir()); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	unlock, err := lockFileAt(ctx, filepath.Join(s.SocketDir(), hostLockFile), true, s.LockWait)
	if err != nil {
		return err
	}
	defer unlock()
	held, err := s.readHostClaim()
	if err != nil || held == nil || held.DataDir != s.dir || held.ModelUUID != uuid {
		return nil
	}
	if err := os.Remove(s.HostClaimPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("releasing the host: %w", err)
	}
	return nil
}

// readHostClaim returns the recorded claim, or nil when there is none. An
// unreadable claim is an error: it is not ours to discard.
func (s *Store) readHostClaim() (*HostClaim, error) {
	data, err := os.ReadFile(s.HostClaimPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the host claim: %w", err)
	}
	c := &HostClaim{}
	if err := json.Unmarshal(data, c); err != nil || c.DataDir == "" || c.ModelUUID == "" {
		return nil, fmt.Errorf("the host claim %s is damaged (%q): remove it if no model of juju-local uses this host", s.HostClaimPath(), data)
	}
	return c, nil
}

// claimInUse reports whether the holder's model still exists with a
// machine. Its state is st when it lives in this store (whose lock the
// caller holds); another store's state is read without its lock (writes
// are atomic renames).
func (s *Store) claimInUse(c HostClaim, st *State) bool {
	if c.DataDir != s.dir {
		other := &Store{dir: c.DataDir}
		if _, err := os.Stat(other.StatePath()); errors.Is(err, fs.ErrNotExist) {
			return false
		}
		var err error
		if st, _, err = other.decode(); err != nil {
			return true
		}
	}
	m := st.Models[c.ModelUUID]
	return m != nil && len(m.Machines) > 0
}

// writeFileAtomic writes data to path through a temporary file and a
// rename, so that readers see the old or the new content, never a part.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), perm)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
