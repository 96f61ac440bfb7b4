package jujutesttest

import (
	"context"
	"sync"
	"time"

	"github.com/canonical/jujutest/jujutest"
)

// Clock is a fake jujutest.Clock. Time stands still except when Sleep or
// Advance moves it: Sleep returns at once after adding its duration to the
// current time, so a Wait with a 3-minute timeout and a 1-second delay runs
// its 180 polls in microseconds. A Clock is safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

var _ jujutest.Clock = (*Clock)(nil)

// NewClock returns a Clock set to 2025-10-15 13:33:47 UTC.
func NewClock() *Clock {
	return &Clock{now: time.Date(2025, 10, 15, 13, 33, 47, 0, time.UTC)}
}

// Now implements jujutest.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep implements jujutest.Clock: unless ctx has already ended, it records
// d, advances the clock by d and returns nil without blocking.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return nil
}

// Advance moves the clock forward by d, as if that much time passed while
// a command ran. Use it from a HandlerFunc to simulate slow commands.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Sleeps returns the durations passed to Sleep so far, in order.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}
