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

	"github.com/juju/cmd/v3"
)

// The transport speaks Juju's own hook-tool protocol: net/rpc with gob
// encoding over a unix socket, method "Jujuc.Main", Request in, Response out.
// Gob matches fields by name, so Juju's jujuc binary can talk to Server and
// ClientMain can talk to a Juju unit agent.

// Environment variables the hook-tool client reads, as Juju sets them.
const (
	// EnvContextID names the hook context the tool runs in.
	EnvContextID = "JUJU_CONTEXT_ID"
	// EnvSocketAddress is the path of the agent's unix socket.
	EnvSocketAddress = "JUJU_AGENT_SOCKET_ADDRESS"
	// EnvSocketNetwork is the socket's network; only "unix" is supported.
	EnvSocketNetwork = "JUJU_AGENT_SOCKET_NETWORK"
	// EnvAgentToken is the agent token (empty for local execution).
	EnvAgentToken = "JUJU_AGENT_TOKEN"
)

// Client timeouts.
const (
	// DialTimeout bounds connecting to the agent's socket.
	DialTimeout = 10 * time.Second
	// CallTimeout bounds one tool call, from dial to response.
	CallTimeout = time.Minute
)

// maxSocketPath is the longest path a unix socket address may have on Linux
// (sun_path is 108 bytes including the terminating NUL).
const maxSocketPath = 107

// rpcMethod is the net/rpc method the client calls.
const rpcMethod = "Jujuc.Main"

// Request is one hook-tool invocation sent to the agent. Field names match
// Juju's jujuc request.
type Request struct {
	// ContextId is the JUJU_CONTEXT_ID of the hook (the spelling is part
	// of Juju's gob wire format).
	ContextId string
	// Dir is the absolute working directory of the tool process.
	Dir string
	// CommandName is the tool's name, e.g. "config-get".
	CommandName string
	// Args are the tool's arguments, not including its name.
	Args []string
	// StdinSet reports whether Stdin carries the tool's standard input.
	StdinSet bool
	// Stdin is the tool's standard input, when StdinSet.
	Stdin []byte
	// Token is the agent token (JUJU_AGENT_TOKEN); empty locally.
	Token string
}

// Response is the result of one hook-tool invocation. Field names match
// Juju's exec response.
type Response struct {
	// Code is the tool's exit code.
	Code int
	// Stdout is what the tool wrote to standard output.
	Stdout []byte
	// Stderr is what the tool wrote to standard error.
	Stderr []byte
}

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
	if err := s.rpc.RegisterName("Jujuc", &service{server: s}); err != nil {
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
// "Jujuc.Main".
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

// Call sends one request to the server listening at socketPath and returns
// its response. When the tool needs standard input that req does not carry,
// Call reads stdin (if not nil) and sends the request again with it, as
// Juju's client does; stdin is not read otherwise.
func Call(ctx context.Context, socketPath string, req Request, stdin io.Reader) (Response, error) {
	d := net.Dialer{Timeout: DialTimeout}
	conn, err := d.DialContext(ctx, "unix", socketPath)
	if err != nil {
		return Response{}, fmt.Errorf("connecting to the unit agent: %w", err)
	}
	client := rpc.NewClient(conn)
	defer client.Close()
	resp, err := call(ctx, client, req)
	if err != nil && err.Error() == ErrNoStdin.Error() && stdin != nil {
		data, rerr := io.ReadAll(stdin)
		if rerr != nil {
			return Response{}, fmt.Errorf("cannot read stdin: %w", rerr)
		}
		req.Stdin, req.StdinSet = data, true
		resp, err = call(ctx, client, req)
	}
	return resp, err
}

// call makes one bounded RPC.
func call(ctx context.Context, client *rpc.Client, req Request) (Response, error) {
	var resp Response
	c := client.Go(rpcMethod, req, &resp, make(chan *rpc.Call, 1))
	select {
	case <-c.Done:
		if c.Error != nil {
			var serverErr rpc.ServerError
			if errors.As(c.Error, &serverErr) {
				return Response{}, errors.New(string(serverErr))
			}
			return Response{}, c.Error
		}
		return resp, nil
	case <-ctx.Done():
		_ = client.Close()
		return Response{}, fmt.Errorf("waiting for the unit agent to run %s: %w", req.CommandName, ctx.Err())
	}
}

// ClientMain is the main function of a hook tool process: the juju-local
// binary calls it when it is invoked under a tool's name (argv[0]'s base
// name, see IsTool). It sends the invocation to the agent named by the
// environment (JUJU_CONTEXT_ID, JUJU_AGENT_SOCKET_ADDRESS,
// JUJU_AGENT_SOCKET_NETWORK), copies the tool's output to stdout and stderr,
// and returns the tool's exit code. A missing variable gives
// "ERROR <NAME> not set" and exit code 1, as Juju's jujuc does.
func ClientMain(args []string) int {
	ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
	defer cancel()
	return RunClient(ctx, args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
}

// RunClient is ClientMain with its inputs and outputs given: args[0] is the
// tool's name (or a path to it), getenv looks up the environment, and stdin
// is read only if the tool asks for it.
func RunClient(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	code, err := runClient(ctx, args, getenv, stdin, stdout, stderr)
	if err != nil {
		cmd.WriteError(stderr, err)
	}
	return code
}

func runClient(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 {
		return 2, errors.New("no hook tool name given")
	}
	lookup := func(name string) (string, error) {
		if v := getenv(name); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("%s not set", name)
	}
	contextID, err := lookup(EnvContextID)
	if err != nil {
		return 1, err
	}
	dir, err := os.Getwd()
	if err != nil {
		return 1, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return 1, err
	}
	socketPath, err := lookup(EnvSocketAddress)
	if err != nil {
		return 1, err
	}
	network, err := lookup(EnvSocketNetwork)
	if err != nil {
		return 1, err
	}
	if network != "unix" {
		return 1, fmt.Errorf("unsupported %s %q: juju-local agents listen on unix sockets only", EnvSocketNetwork, network)
	}
	req := Request{
		ContextId:   contextID,
		Dir:         dir,
		CommandName: filepath.Base(args[0]),
		Args:        args[1:],
		Token:       getenv(EnvAgentToken),
	}
	resp, err := Call(ctx, socketPath, req, stdin)
	if err != nil {
		return 1, err
	}
	_, _ = stdout.Write(resp.Stdout)
	_, _ = stderr.Write(resp.Stderr)
	return resp.Code, nil
}
