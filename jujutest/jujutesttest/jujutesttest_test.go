package jujutesttest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/canonical/jujutest/jujutest"
	"github.com/canonical/jujutest/jujutest/jujutesttest"
)

func TestRunnerExactArgv(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.Handle([]string{"config", "app"}, jujutest.Result{Stdout: []byte("out"), Stderr: []byte("err"), ExitCode: 3})
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	res, err := r.Run(ctx, jujutest.Command{Path: "juju", Args: []string{"config", "app"}, Stdin: []byte("in")})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Stdout) != "out" || string(res.Stderr) != "err" || res.ExitCode != 3 {
		t.Errorf("Run = %+v, want the registered result", res)
	}
	calls := r.Calls()
	if len(calls) != 1 {
		t.Fatalf("got %d calls, want 1", len(calls))
	}
	want, _ := ctx.Deadline()
	c := calls[0]
	if c.Path != "juju" || !slices.Equal(c.Args, []string{"config", "app"}) || c.Stdin != "in" || !c.Deadline.Equal(want) {
		t.Errorf("recorded %+v", c)
	}
	if n := r.Count([]string{"config", "app"}); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}
}

// recorder is a testing.TB that records Errorf instead of failing.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestRunnerUnexpectedFailsTest(t *testing.T) {
	t.Parallel()
	rec := &recorder{TB: t}
	r := jujutesttest.NewRunner(rec)
	r.HandleOutput([]string{"status"}, "{}")
	_, err := r.Run(context.Background(), jujutest.Command{Path: "juju", Args: []string{"status", "--format", "json"}})
	if err == nil {
		t.Fatal("unregistered argv: want an error")
	}
	if len(rec.errs) != 1 {
		t.Fatalf("test errors = %q, want one", rec.errs)
	}
}

func TestRunnerSequenceAndFunc(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	args := []string{"status", "--format", "json"}
	r.HandleSequence(args, jujutest.Result{Stdout: []byte("1")}, jujutest.Result{Stdout: []byte("2")})
	var got []string
	for range 3 {
		res, err := r.Run(context.Background(), jujutest.Command{Args: args})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(res.Stdout))
	}
	if !slices.Equal(got, []string{"1", "2", "2"}) {
		t.Errorf("sequence gave %q, want 1 2 2", got)
	}
	boom := errors.New("boom")
	r.HandleFunc([]string{"x"}, func(ctx context.Context, cmd jujutest.Command) (jujutest.Result, error) {
		return jujutest.Result{}, boom
	})
	if _, err := r.Run(context.Background(), jujutest.Command{Args: []string{"x"}}); !errors.Is(err, boom) {
		t.Errorf("HandleFunc error = %v, want boom", err)
	}
}

func TestRunnerConcurrent(t *testing.T) {
	t.Parallel()
	r := jujutesttest.NewRunner(t)
	r.HandleOutput([]string{"a"}, "a")
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.Run(context.Background(), jujutest.Command{Args: []string{"a"}}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(r.Args()); n != 20 {
		t.Errorf("recorded %d calls, want 20", n)
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	c := jujutesttest.NewClock()
	start := c.Now()
	if err := c.Sleep(context.Background(), time.Second); err != nil {
		t.Fatal(err)
	}
	c.Advance(2 * time.Second)
	if got := c.Now().Sub(start); got != 3*time.Second {
		t.Errorf("elapsed %v, want 3s", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on a canceled context = %v, want context.Canceled", err)
	}
	if got := c.Sleeps(); !slices.Equal(got, []time.Duration{time.Second}) {
		t.Errorf("Sleeps = %v, want [1s]", got)
	}
}
