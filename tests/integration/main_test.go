//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest/lxdartifacts"
)

// TestMain checks, on the local backend, that the suite leaves no LXD
// container behind: every container that exists after the tests and did
// not before fails the run.
func TestMain(m *testing.M) {
	if !isLocal() {
		os.Exit(m.Run())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	before, err := lxdartifacts.Containers(ctx)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: listing LXD containers: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	after, err := lxdartifacts.Containers(ctx)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: listing LXD containers: %v\n", err)
		os.Exit(1)
	}
	var left []string
	for _, c := range after {
		if !slices.Contains(before, c) {
			left = append(left, c)
		}
	}
	if len(left) > 0 {
		fmt.Fprintf(os.Stderr, "integration: the suite left LXD containers behind: %v\n", left)
		code = 1
	} else if after != nil {
		fmt.Println("integration: no LXD container left behind")
	}
	os.Exit(code)
}
