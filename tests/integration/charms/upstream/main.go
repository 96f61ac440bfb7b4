// Command upstream is the dispatch of the upstream test charm: its install
// and config-changed hooks (re)start a small HTTP server, detached, that
// serves a fixed page; its website relation hooks publish the unit's
// address and port (the http interface's fields), or the configured url as
// the application's data. The server is this same binary run as
// "dispatch serve <port>", left running in the background.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Page is the text the server answers every path with, followed by the
// path.
const Page = "hello from the upstream charm"

// pidFile holds the server's pid.
const pidFile = "/var/run/upstream-charm.pid"

func main() {
	if len(os.Args) == 3 && os.Args[1] == "serve" {
		serve(os.Args[2])
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	event := filepath.Base(os.Getenv("JUJU_DISPATCH_PATH"))
	if err := run(ctx, event); err != nil {
		_ = tool(ctx, nil, "juju-log", "--log-level=ERROR", "--", fmt.Sprintf("%s: %v", event, err))
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// serve answers every request with the page.
func serve(port string) {
	err := http.ListenAndServe(":"+port, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s: %s\n", Page, r.URL.Path)
	}))
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

type config struct {
	Port int    `json:"port"`
	URL  string `json:"url"`
}

func run(ctx context.Context, event string) error {
	var cfg config
	if err := tool(ctx, &cfg, "config-get", "--all", "--format=json"); err != nil {
		return err
	}
	switch event {
	case "install", "start", "config-changed", "upgrade-charm":
		if err := restart(ctx, cfg.Port); err != nil {
			return err
		}
		if err := tool(ctx, nil, "open-port", strconv.Itoa(cfg.Port)+"/tcp"); err != nil {
			return err
		}
		if err := publishAll(ctx, cfg); err != nil {
			return err
		}
	case "website-relation-created", "website-relation-joined":
		if err := publish(ctx, os.Getenv("JUJU_RELATION_ID"), cfg); err != nil {
			return err
		}
	case "stop":
		stop()
	}
	return tool(ctx, nil, "status-set", "active", "serving on port "+strconv.Itoa(cfg.Port))
}

// restart stops a running server and starts one on port in the
// background, and waits until it listens. It stays in the hook's process
// group, so that the backend can stop it with the model even when no stop
// hook runs.
func restart(ctx context.Context, port int) error {
	stop()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "serve", strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
		return err
	}
	_ = cmd.Process.Release()
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("the server did not listen on port %d: %w", port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the server named by the pid file, if any, and waits (at most
// 5 s) until it has exited, so that the next one can take its port: until
// then the old one still accepts connections.
func stop() {
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 1 {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		for deadline := time.Now().Add(5 * time.Second); running(pid) && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
	}
	_ = os.Remove(pidFile)
}

// running reports whether pid is a live process: not gone, and not a
// zombie that its parent (init, once the hook that started it exited)
// has yet to reap.
func running(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := strings.LastIndexByte(string(data), ')')
	return i < 0 || i+2 >= len(data) || data[i+2] != 'Z'
}

// publishAll publishes on every website relation.
func publishAll(ctx context.Context, cfg config) error {
	var ids []string
	if err := tool(ctx, &ids, "relation-ids", "--format=json", "--", "website"); err != nil {
		return err
	}
	for _, id := range ids {
		if err := publish(ctx, id, cfg); err != nil {
			return err
		}
	}
	return nil
}

// publish sets the unit's hostname and port on relation id, and the url
// as the application's data (only the leader may; an empty url removes
// it).
func publish(ctx context.Context, id string, cfg config) error {
	if id == "" {
		return errors.New("no relation id")
	}
	var addr string
	if err := tool(ctx, &addr, "unit-get", "private-address", "--format=json"); err != nil {
		return err
	}
	if err := tool(ctx, nil, "relation-set", "-r", id, "hostname="+addr, "port="+strconv.Itoa(cfg.Port)); err != nil {
		return err
	}
	var leader bool
	if err := tool(ctx, &leader, "is-leader", "--format=json"); err != nil || !leader {
		return err
	}
	return tool(ctx, nil, "relation-set", "-r", id, "--app", "url="+cfg.URL)
}

// tool runs a hook tool; with v set, it decodes the tool's JSON output
// into v.
func tool(ctx context.Context, v any, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			return fmt.Errorf("%s: decoding %q: %w", name, out, err)
		}
	}
	return nil
}
