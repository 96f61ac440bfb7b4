package state

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Environment variables that choose the data directory.
const (
	// EnvDataDir overrides the data directory.
	EnvDataDir = "JUJU_LOCAL_DATA"
	// EnvRuntimeDir overrides the private runtime directory (see
	// SocketDir) that holds fallback hook sockets and the claim on the
	// host machine. Data directories that share it share the host's claim:
	// tests give each sandbox its own.
	EnvRuntimeDir = "JUJU_LOCAL_RUNTIME_DIR"
)

// File names inside the data directory.
const (
	stateFile = "state.json"
	prevFile  = "state.prev.json" // the state before the last write
	lockFile  = "lock"
	modelsDir = "models"
)

// DefaultDir returns the data directory chosen by the environment (getenv is
// os.Getenv or a test double): $JUJU_LOCAL_DATA, else
// $XDG_DATA_HOME/juju-local, else $HOME/.local/share/juju-local.
func DefaultDir(getenv func(string) string) (string, error) {
	if d := getenv(EnvDataDir); d != "" {
		return filepath.Abs(d)
	}
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "juju-local"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", fmt.Errorf("cannot choose a data directory: set %s (or XDG_DATA_HOME or HOME)", EnvDataDir)
	}
	return filepath.Join(home, ".local", "share", "juju-local"), nil
}

// Store is the state document on disk with its lock. It is safe for use by
// several goroutines and processes at once.
type Store struct {
	dir string
	// LockWait bounds how long a read or update waits for the state lock
	// (zero means DefaultLockWait); past it, the error names the holder.
	LockWait time.Duration
	// Warnf, when set, is told when a damaged state document was replaced
	// by the previous good one.
	Warnf func(format string, args ...any)
	// RuntimeDir, when set, replaces the private runtime directory (see
	// SocketDir); OpenDefault sets it from $JUJU_LOCAL_RUNTIME_DIR.
	RuntimeDir string
}

// DefaultLockWait is how long a command waits for the state lock. Every
// holder keeps it for milliseconds, so a wait this long means a stuck
// process.
const DefaultLockWait = 30 * time.Second

// Open returns the store in dir, creating the directory if needed.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	return &Store{dir: dir}, nil
}

// OpenDefault opens the store the environment chooses (getenv is os.Getenv
// or a test double): the data directory of DefaultDir, and the runtime
// directory of $JUJU_LOCAL_RUNTIME_DIR when set.
func OpenDefault(getenv func(string) string) (*Store, error) {
	dir, err := DefaultDir(getenv)
	if err != nil {
		return nil, err
	}
	s, err := Open(dir)
	if err != nil {
		return nil, err
	}
	s.RuntimeDir = getenv(EnvRuntimeDir)
	return s, nil
}

// Dir returns the data directory.
func (s *Store) Dir() string { return s.dir }

// StatePath returns the path of the state document.
func (s *Store) StatePath() string { return filepath.Join(s.dir, stateFile) }

// ModelDir returns the directory of a model's files.
func (s *Store) ModelDir(uuid string) string { return filepath.Join(s.dir, modelsDir, uuid) }

// MaxTaskOutput bounds each of a task's stdout and stderr as stored; more
// is cut, with a note saying so.
const MaxTaskOutput = 16 << 20

// TaskOutputPath returns the file of one stream ("stdout" or "stderr") of
// a model's task.
func (s *Store) TaskOutputPath(uuid, taskID, stream string) string {
	return filepath.Join(s.ModelDir(uuid), "tasks", taskID+"."+stream)
}

// SaveTaskOutput stores a task's output beside the state document, each
// stream bounded by MaxTaskOutput.
func (s *Store) SaveTaskOutput(uuid, taskID string, stdout, stderr []byte) error {
	if err := os.MkdirAll(filepath.Join(s.ModelDir(uuid), "tasks"), 0o750); err != nil {
		return fmt.Errorf("storing task output: %w", err)
	}
	for stream, data := range map[string][]byte{"stdout": stdout, "stderr": stderr} {
		if len(data) > MaxTaskOutput {
			data = append(data[:MaxTaskOutput:MaxTaskOutput], fmt.Sprintf("\n[juju-local: %s cut at %d MiB]\n", stream, MaxTaskOutput>>20)...)
		}
		path := s.TaskOutputPath(uuid, taskID, stream)
		if err := os.WriteFile(path+".tmp", data, LogFileMode); err != nil {
			os.Remove(path + ".tmp")
			return fmt.Errorf("storing task output: %w", err)
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			return fmt.Errorf("storing task output: %w", err)
		}
	}
	return nil
}

// LoadTaskOutput fills t.Stdout and t.Stderr from the stored output; a
// task with none stored keeps them empty.
func (s *Store) LoadTaskOutput(uuid string, t *Task) error {
	for _, f := range []struct {
		stream string
		dst    *string
	}{{"stdout", &t.Stdout}, {"stderr", &t.Stderr}} {
		data, err := os.ReadFile(s.TaskOutputPath(uuid, t.ID, f.stream))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("reading task output: %w", err)
		}
		*f.dst = string(data)
	}
	return nil
}

// RemoveTaskOutput removes the stored output of tasks.
func (s *Store) RemoveTaskOutput(uuid string, taskIDs []string) {
	for _, id := range taskIDs {
		for _, stream := range []string{"stdout", "stderr"} {
			_ = os.Remove(s.TaskOutputPath(uuid, id, stream))
		}
	}
}

// LogFileMode is the mode of the debug-log and the agent's output: hook
// output can carry config values and secrets, so other users may not read
// them (Juju keeps its logs 0640 too).
const LogFileMode os.FileMode = 0o640

// LogPath returns the path of a model's debug-log file.
func (s *Store) LogPath(uuid string) string { return filepath.Join(s.ModelDir(uuid), "debug.log") }

// AgentLogPath returns the path the agent's own stdout/stderr go to.
func (s *Store) AgentLogPath(uuid string) string {
	return filepath.Join(s.ModelDir(uuid), "agent.out")
}

// UnitDir returns a unit's agent directory (it holds the unit's charm dir).
func (s *Store) UnitDir(uuid, unit string) string {
	return filepath.Join(s.ModelDir(uuid), "agents", UnitTag(unit))
}

// RunningDir returns the directory where a model's agent records the
// process groups of the hooks and commands it is running (one file per
// group, named after its id, holding the leader's start time in clock
// ticks), so that destroy-model can kill them even if the agent is gone.
func (s *Store) RunningDir(uuid string) string { return filepath.Join(s.ModelDir(uuid), "running") }

// ToolsDir returns the directory of hook-tool links for a model.
func (s *Store) ToolsDir(uuid string) string { return filepath.Join(s.ModelDir(uuid), "tools") }

// ArchivePath returns where a model keeps a charm archive.
func (s *Store) ArchivePath(uuid, charm string, rev int) string {
	return filepath.Join(s.ModelDir(uuid), "charms", fmt.Sprintf("%s-%d.charm", charm, rev))
}

// SocketPath returns the hook-tool socket path of a model's agent. Unix
// socket paths are limited to 107 bytes, so a long data directory falls
// back to a short path in a directory only this user can write (see
// SocketDir): a predictable name in a world-writable directory could be
// taken first by another user, and the agent could not start.
func (s *Store) SocketPath(uuid string) string {
	p := filepath.Join(s.ModelDir(uuid), "agent.socket")
	if len(p) < 100 {
		return p
	}
	sum := sha256.Sum256([]byte(p))
	return filepath.Join(s.SocketDir(), hex.EncodeToString(sum[:8])+".socket")
}

// SocketDir is the private runtime directory, which holds the fallback
// socket paths and the host claim (see ClaimHost):
// RuntimeDir when set, else /run/juju-local for root, else
// $XDG_RUNTIME_DIR/juju-local, else juju-local-<uid> in the temporary
// directory.
func (s *Store) SocketDir() string {
	switch {
	case s.RuntimeDir != "":
		return s.RuntimeDir
	case os.Geteuid() == 0:
		return "/run/juju-local"
	case os.Getenv("XDG_RUNTIME_DIR") != "":
		return filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "juju-local")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("juju-local-%d", os.Geteuid()))
}

// PrepareSocket makes the directory of a model's socket ready: for a
// fallback path, it creates SocketDir with mode 0700 and refuses one that
// is not a directory of this user's that no one else can write (a symlink,
// another owner, group or other write bits), as tmux and OpenSSH do.
func (s *Store) PrepareSocket(uuid string) error {
	dir := filepath.Dir(s.SocketPath(uuid))
	if dir != s.SocketDir() {
		return nil // inside the model's own directory
	}
	return s.prepareRuntimeDir("socket")
}

// prepareRuntimeDir creates SocketDir with mode 0700 if needed and refuses
// one that is not a directory of this user's that no one else can write
// (a symlink, another owner, group or other write bits). what names its
// use in errors.
func (s *Store) prepareRuntimeDir(what string) error {
	dir := s.SocketDir()
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating the %s directory: %w", what, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("checking the %s directory: %w", what, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return fmt.Errorf("%s directory %s is not a directory (%v): remove it and try again", what, dir, fi.Mode().Type())
	case !ok || int(st.Uid) != os.Geteuid():
		return fmt.Errorf("%s directory %s is owned by uid %d, not by this user (%d): someone else created it; remove it and try again", what, dir, st.Uid, os.Geteuid())
	case fi.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("%s directory %s has mode %v: others may replace what is in it; it must be 0700 (chmod 700 %s)", what, dir, fi.Mode().Perm(), dir)
	}
	return nil
}

// lock takes the flock on the state's lock file, shared or exclusive.
func (s *Store) lock(ctx context.Context, exclusive bool) (func(), error) {
	return lockFileAt(ctx, filepath.Join(s.dir, lockFile), exclusive, s.LockWait)
}

// lockFileAt takes the flock on the file at path (creating it), shared or
// exclusive, for at most wait (zero means DefaultLockWait) or until ctx is
// done. The returned function releases it.
func lockFileAt(ctx context.Context, path string, exclusive bool, wait time.Duration) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if wait <= 0 {
		wait = DefaultLockWait
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	delay := 200 * time.Microsecond
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", f.Name(), err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for the state lock: %w", ctx.Err())
		case <-timer.C:
			holder := lockHolder(f)
			f.Close()
			return nil, &LockTimeoutError{Path: f.Name(), Wait: wait, Holder: holder}
		case <-time.After(delay):
		}
		if delay < 10*time.Millisecond {
			delay *= 2
		}
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// LockTimeoutError reports a state lock held for longer than the wait.
type LockTimeoutError struct {
	// Path is the lock file.
	Path string
	// Wait is how long the command waited.
	Wait time.Duration
	// Holder describes the process holding the lock ("pid 1234:
	// juju-local-core config ..."), or is empty when it cannot be told.
	Holder string
}

func (e *LockTimeoutError) Error() string {
	msg := fmt.Sprintf("the state lock %s has been held for more than %s", e.Path, e.Wait)
	if e.Holder != "" {
		msg += " by " + e.Holder
	}
	return msg + "; if that process is stuck, stop it and try again"
}

// lockHolder names the process holding a flock on f, from /proc/locks
// (whose lines are "1: FLOCK ADVISORY WRITE <pid> <maj>:<min>:<inode> ..."),
// or returns "" when it cannot tell.
func lockHolder(f *os.File) string {
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	data, err := os.ReadFile("/proc/locks")
	if err != nil {
		return ""
	}
	suffix := ":" + strconv.FormatUint(st.Ino, 10)
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 6 || fields[1] != "FLOCK" || !strings.HasSuffix(fields[5], suffix) {
			continue
		}
		pid := fields[4]
		cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		cmd := strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))
		if cmd == "" {
			return "pid " + pid
		}
		return "pid " + pid + " (" + cmd + ")"
	}
	return ""
}

// Read returns a snapshot of the state. A missing document reads as an
// empty state.
func (s *Store) Read(ctx context.Context) (*State, error) {
	unlock, err := s.lock(ctx, false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	st, _, err := s.load()
	return st, err
}

// Update runs fn on the current state under the exclusive lock and, if fn
// returns nil, writes the result atomically. fn's error is returned as is.
func (s *Store) Update(ctx context.Context, fn func(*State) error) error {
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return err
	}
	defer unlock()
	st, good, err := s.load()
	if err != nil {
		return err
	}
	if err := fn(st); err != nil {
		return err
	}
	return s.save(st, good)
}

// load reads and decodes the document; the caller holds the lock. A
// document that does not decode (truncated by a crash or a full disk, or
// edited by hand) is replaced by the previous good one, kept by save, with
// a warning: the last change may be lost, but every command, the agents
// and destroy-model keep working.
//
// It reports whether the document on disk was good, so that save keeps it
// as the previous state only then.
func (s *Store) load() (st *State, good bool, err error) {
	st, good, err = s.decode()
	if err == nil && st.Models == nil {
		st.Models = map[string]*Model{}
	}
	return st, good, err
}

func (s *Store) decode() (*State, bool, error) {
	data, err := os.ReadFile(s.StatePath())
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading state: %w", err)
	}
	st := &State{}
	good := true
	if err := json.Unmarshal(data, st); err != nil {
		prev, prevErr := os.ReadFile(filepath.Join(s.dir, prevFile))
		st, good = &State{}, false
		if prevErr != nil || json.Unmarshal(prev, st) != nil {
			return nil, false, &DamagedStateError{Path: s.StatePath(), Err: err}
		}
		if s.Warnf != nil {
			s.Warnf("decoding state %s: %v; using the previous state from %s: the last change may be lost", s.StatePath(), err, prevFile)
		}
	}
	if st.Version > SchemaVersion {
		return nil, false, fmt.Errorf("state %s has schema version %d; this juju-local understands up to %d", s.StatePath(), st.Version, SchemaVersion)
	}
	return st, good, nil
}

// save writes the document atomically; the caller holds the lock. When
// keepPrev is set (the document being replaced decoded), it is kept as the
// previous good state first: a hard link, no copy.
func (s *Store) save(st *State, keepPrev bool) error {
	st.Version = SchemaVersion
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, ".state-*.tmp")
	if err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("writing state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing state: %w", err)
	}
	if keepPrev {
		link := filepath.Join(s.dir, ".prev.tmp")
		_ = os.Remove(link)
		if err := os.Link(s.StatePath(), link); err == nil {
			_ = os.Rename(link, filepath.Join(s.dir, prevFile))
		}
	}
	if err := os.Rename(tmp.Name(), s.StatePath()); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing state: %w", err)
	}
	return nil
}

// newState returns an empty state with a fresh controller UUID.
func newState() *State {
	return &State{Version: SchemaVersion, ControllerUUID: NewUUID(), Models: map[string]*Model{}}
}

// NewUUID returns a random (version 4) UUID.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
