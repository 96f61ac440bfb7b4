// Command faketool is a recording stand-in for the Juju hook tools, used by
// the charm's dispatch test and benchmark: symlink it under each tool's
// name. Like a real tool, it finds its agent through the hook environment:
// JUJU_AGENT_SOCKET_ADDRESS names a directory (not a socket) holding its
// state. It appends its argv (each element Go-quoted) as a line to
// "calls"; if "fail-<tool>" exists it prints "ERROR <content>" to stderr and
// exits 1; otherwise config-get prints "config.json", opened-ports prints
// "opened-ports", is-leader prints "is-leader" and relation-ids prints
// "relation-ids", and other tools print
// nothing. It lives under testdata so `go install ./...` (charmcraft's go
// plugin) does not ship it.
package main

import (
	"os"
	"path/filepath"
	"strconv"
)

func main() {
	name := filepath.Base(os.Args[0])
	dir := os.Getenv("JUJU_AGENT_SOCKET_ADDRESS")
	if dir == "" {
		fail("JUJU_AGENT_SOCKET_ADDRESS not set")
	}
	line := strconv.Quote(name)
	for _, a := range os.Args[1:] {
		line += " " + strconv.Quote(a)
	}
	f, err := os.OpenFile(filepath.Join(dir, "calls"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		fail(err.Error())
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		fail(err.Error())
	}
	f.Close()
	if msg, err := os.ReadFile(filepath.Join(dir, "fail-"+name)); err == nil {
		fail(string(msg))
	}
	answers := map[string]string{"config-get": "config.json", "opened-ports": "opened-ports", "is-leader": "is-leader", "relation-ids": "relation-ids"}
	if file, ok := answers[name]; ok {
		if data, err := os.ReadFile(filepath.Join(dir, file)); err == nil {
			os.Stdout.Write(data)
		}
	}
}

func fail(msg string) {
	os.Stderr.WriteString("ERROR " + msg + "\n")
	os.Exit(1)
}
