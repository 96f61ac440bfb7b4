package hooktool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/canonical/jujutest/internal/hookrpc"
)

// maxSocketPath is the longest path a unix socket address may have on Linux
// (sun_path is 108 bytes including the terminating NUL).
const maxSocketPath = 107

// Request and Response are the wire types of the transport (see hookrpc).
type (
	// Request is one hook-tool invocation; see hookrpc.Request.
	Request = hookrpc.Request
	// Response is the result of one invocation; see hookrpc.Response.
	Response = hookrpc.Response
)

// Server serves hook-tool requests on a unix socket for the contexts
// registered with it. Create it with NewServer; its methods are safe for
// concurrent use. Calls for one registered context run one at a time, as in
// Juju's unit agent; calls for different contexts run concurrently.
type Server struct {
	path     string
	listener net.Listener
	rpc      *rpc.Server

	mu       sync.Mutex
	contexts map[string]*registration
	conns    map[net.Conn]struct{}
	closed   bool

	wg sync.WaitGroup
}

// registration is one registered context with its call lock.
type registration struct {
	mu  sync.Mutex
	ctx Context
}

// NewServer listens on a unix socket at socketPath and serves hook-tool
// requests until Close. A stale socket file left by a dead server is
// replaced; a socket that still answers is an error.
func NewServer(socketPath string) (*Server, error) {
	if len(socketPath) > maxSocketPath {
		return nil, fmt.Errorf("hook tool socket path is %d bytes long, the limit for a unix socket is %d: %s", len(socketPath), maxSocketPath, socketPath)
	}
	if err := removeStaleSocket(socketPath); err != nil {
		return nil, err
	}
	l, err := net.Listen("unix", socketPath)
	if err != nil {
		return nil, fmt.Errorf("listening on hook tool socket: %w", err)
	}
	s := &Server{
		path:     socketPath,
		listener: l,
		rpc:      rpc.NewServer(),
		contexts: make(map[string]*registration),
		conns:    make(map[net.Conn]struct{}),
	}
	if err := s.rpc.RegisterName(hookrpc.ServiceName, &service{server: s}); err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("registering hook tool service: %w", err)
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// removeStaleSocket removes a socket file nothing listens on any more.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking hook tool socket: %w", err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("hook tool socket path %s exists and is not a socket", path)
	}
	if conn, err := net.DialTimeout("unix", path, time.Second); err == nil {
		_ = conn.Close()
		return fmt.Errorf("hook tool socket %s is in use by another server", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("removing stale hook tool socket: %w", err)
	}
	return nil
}

// Path returns the socket's path, the value of JUJU_AGENT_SOCKET_ADDRESS.
func (s *Server) Path() string { return s.path }

// accept serves connections until the listener is closed.
func (s *Server) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.listener.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.rpc.ServeConn(conn) // closes conn when done
			s.mu.Lock()
			delete(s.conns, conn)
			s.mu.Unlock()
		}()
	}
}

// Register makes c the context of the hook-tool requests that carry context
// ID id, until the returned function is called (it is idempotent). Registering
// an ID that is already registered replaces the earlier context.
func (s *Server) Register(id string, c Context) (unregister func()) {
	reg := &registration{ctx: c}
	s.mu.Lock()
	s.contexts[id] = reg
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.contexts[id] == reg {
				delete(s.contexts, id)
			}
			s.mu.Unlock()
		})
	}
}

// Close stops listening, removes the socket file, closes open connections
// and waits for calls in progress to finish. It is safe to call more than
// once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	err := s.listener.Close() // also unlinks the socket file
	for conn := range s.conns {
		_ = conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// lookup returns the registration of a context ID.
func (s *Server) lookup(id string) *registration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.contexts[id]
}

// service is the net/rpc receiver; its only exported method is Main.
type service struct {
	server *Server
}

// Main runs one hook tool for a client. It is the net/rpc method
// hookrpc.Method.
func (svc *service) Main(req Request, resp *Response) error {
	if req.CommandName == "" {
		return errors.New("bad request: command not specified")
	}
	if !filepath.IsAbs(req.Dir) {
		return errors.New("bad request: Dir is not absolute")
	}
	if !IsTool(req.CommandName) {
		return fmt.Errorf("bad request: unknown command: %s", req.CommandName)
	}
	reg := svc.server.lookup(req.ContextId)
	if reg == nil {
		return fmt.Errorf("bad request: unknown context id %q", req.ContextId)
	}
	var stdin io.Reader
	if req.StdinSet {
		stdin = bytes.NewReader(req.Stdin)
	}
	var stdout, stderr bytes.Buffer
	reg.mu.Lock()
	code, err := run(context.Background(), reg.ctx, req.Dir, req.CommandName, req.Args, stdin, &stdout, &stderr)
	reg.mu.Unlock()
	if !req.StdinSet && errors.Is(err, ErrNoStdin) {
		return ErrNoStdin
	}
	resp.Code = code
	resp.Stdout = stdout.Bytes()
	resp.Stderr = stderr.Bytes()
	return nil
}

// ClientMain is the main function of a hook-tool process; see
// hookrpc.ClientMain. cmd/juju-local calls it when argv[0]'s base name is a
// tool name (IsTool).
func ClientMain(args []string) int {
	return hookrpc.ClientMain(args)
}
