package charmpack

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// elfMachines is the ELF machine of each Juju architecture.
var elfMachines = map[string]elf.Machine{
	"amd64":   elf.EM_X86_64,
	"arm64":   elf.EM_AARCH64,
	"armhf":   elf.EM_ARM,
	"ppc64el": elf.EM_PPC64,
	"riscv64": elf.EM_RISCV,
	"s390x":   elf.EM_S390,
}

// killGrace is how long Pack waits for the go command's output pipes to close
// after the process group was killed on cancellation.
const killGrace = 5 * time.Second

// stderrTail is how much of go build's standard error a BuildError keeps.
const stderrTail = 16 << 10

// buildDispatch runs go build for one architecture, writing the binary to out, and
// checks that the result is a static Linux executable for that architecture.
func buildDispatch(ctx context.Context, p *project, opts *Options, arch archInfo, out string) error {
	goCmd := opts.Go
	if goCmd == "" {
		goCmd = "go"
	}
	pkg := opts.Package
	if pkg == "" {
		pkg = "."
	}
	args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, pkg}

	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = p.dir
	env := append(os.Environ(), "GOWORK=off")
	env = append(env, opts.Env...)
	env = append(env, "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch.goarch)
	if arch.goarm != "" {
		env = append(env, "GOARM="+arch.goarm)
	}
	cmd.Env = env
	setProcessGroup(cmd)
	cmd.WaitDelay = killGrace

	tail := &tailBuffer{max: stderrTail}
	cmd.Stdout = opts.Stdout
	cmd.Stderr = tail
	if opts.Stderr != nil {
		cmd.Stderr = io.MultiWriter(tail, opts.Stderr)
	}

	runErr := cmd.Run()
	if ctxErr := ctx.Err(); ctxErr != nil {
		runErr = ctxErr
	}
	if runErr != nil {
		return &BuildError{Arch: arch.juju, Dir: p.dir, Args: append([]string{goCmd}, args...), Output: tail.String(), Err: runErr}
	}
	return checkDispatch(out, pkg, arch.juju)
}

// checkDispatch returns an error unless path is a statically linked Linux
// executable for the Juju architecture arch.
func checkDispatch(path, pkg, arch string) error {
	f, err := elf.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("charmpack: go build wrote no binary for %q: it must be a main package", pkg)
	}
	if err != nil {
		if head, _ := readHead(path, 8); string(head) == "!<arch>\n" {
			return fmt.Errorf("charmpack: %q is not a main package: dispatch must be built from the charm's main package", pkg)
		}
		return fmt.Errorf("charmpack: dispatch built from %q is not an ELF executable: %w", pkg, err)
	}
	defer f.Close()
	if want := elfMachines[arch]; f.Machine != want {
		return fmt.Errorf("charmpack: dispatch built from %q is for %v, want %v (%s)", pkg, f.Machine, want, arch)
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("charmpack: dispatch built from %q is an ELF %v, not an executable", pkg, f.Type)
	}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return fmt.Errorf("charmpack: dispatch built from %q is dynamically linked (it has an ELF interpreter); check that GOFLAGS does not force cgo or -linkshared", pkg)
		}
	}
	return nil
}

// readHead returns the first n bytes of a file, or fewer if it is shorter.
func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	m, err := io.ReadFull(f, b)
	return b[:m], err
}

// tailBuffer is an io.Writer that keeps the last max bytes written to it.
// It is safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

// Write implements io.Writer.
func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

// String returns what the buffer holds.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// lockedWriter serialises writes to w, so that concurrent builds can share
// Options.Stdout and Options.Stderr.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

// Write implements io.Writer.
func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// tempBuildDir makes a directory for build output, removed by the returned func.
func tempBuildDir() (string, func(), error) {
	dir, err := os.MkdirTemp("", "charmpack-")
	if err != nil {
		return "", nil, fmt.Errorf("charmpack: %w", err)
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}

// binPath is where buildDispatch writes the binary for arch inside dir.
func binPath(dir, arch string) string {
	return filepath.Join(dir, arch, "dispatch")
}
