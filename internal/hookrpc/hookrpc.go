// Package hookrpc is the client side and wire format of the hook-tool
// transport: a hook-tool process sends its invocation to the unit agent over
// a unix socket and prints the agent's answer.
//
// The protocol is Juju's own: net/rpc with gob encoding, method
// "Jujuc.Main", Request in, Response out. Gob matches fields by name, so
// Juju's jujuc binary can talk to our server (hooktool.Server) and this
// client can talk to a Juju unit agent.
//
// The package imports only the standard library, so a hook-tool binary built
// from it alone starts fast.
package hookrpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"os"
	"path/filepath"
	"time"
)

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
	// CallTimeout bounds one tool invocation in ClientMain, from dial to
	// response.
	CallTimeout = time.Minute
)

// Method is the net/rpc service method the client calls.
const Method = "Jujuc.Main"

// ServiceName is the net/rpc service name a server registers.
const ServiceName = "Jujuc"

// NoStdinMessage is the error text with which the server asks the client to
// send the request again with its standard input (Juju's text).
const NoStdinMessage = "hook tool requires stdin, none supplied"

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

// Call sends one request to the agent listening at socketPath and returns
// its response. When the tool needs standard input that req does not carry,
// Call reads stdin (if not nil) and sends the request again with it, as
// Juju's client does; stdin is not read otherwise. An error the server
// returns (a bad request) is returned with the server's text.
func Call(ctx context.Context, socketPath string, req Request, stdin io.Reader) (Response, error) {
	d := net.Dialer{Timeout: DialTimeout}
	conn, err := d.DialContext(ctx, "unix", socketPath)
	if err != nil {
		return Response{}, fmt.Errorf("connecting to the unit agent: %w", err)
	}
	client := rpc.NewClient(conn)
	defer client.Close()
	resp, err := call(ctx, client, req)
	if err != nil && err.Error() == NoStdinMessage && stdin != nil {
		data, rerr := io.ReadAll(stdin)
		if rerr != nil {
			return Response{}, fmt.Errorf("cannot read stdin: %w", rerr)
		}
		req.Stdin, req.StdinSet = data, true
		resp, err = call(ctx, client, req)
	}
	return resp, err
}

// call makes one RPC bounded by ctx.
func call(ctx context.Context, client *rpc.Client, req Request) (Response, error) {
	var resp Response
	c := client.Go(Method, req, &resp, make(chan *rpc.Call, 1))
	select {
	case <-c.Done:
		if c.Error != nil {
			var serverErr rpc.ServerError
			if errors.As(c.Error, &serverErr) {
				return Response{}, errors.New(string(serverErr))
			}
			return Response{}, fmt.Errorf("calling the unit agent: %w", c.Error)
		}
		return resp, nil
	case <-ctx.Done():
		_ = client.Close()
		return Response{}, fmt.Errorf("waiting for the unit agent to run %s: %w", req.CommandName, ctx.Err())
	}
}

// ClientMain is the main function of a hook-tool process: a binary calls it
// when it is invoked under a tool's name (argv[0]'s base name). It sends the
// invocation to the agent named by the environment (JUJU_CONTEXT_ID,
// JUJU_AGENT_SOCKET_ADDRESS, JUJU_AGENT_SOCKET_NETWORK), copies the tool's
// output to stdout and stderr, and returns the tool's exit code. A missing
// variable gives "ERROR <NAME> not set" and exit code 1, as Juju's jujuc does.
// The whole call is bounded by CallTimeout.
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
		fmt.Fprintf(stderr, "ERROR %s\n", err)
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
	if _, err := stdout.Write(resp.Stdout); err != nil {
		return 1, err
	}
	if _, err := stderr.Write(resp.Stderr); err != nil {
		return 1, err
	}
	return resp.Code, nil
}
