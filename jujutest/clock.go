package jujutest

import (
	"context"
	"time"
)

// Clock is the time source Wait uses to measure its timeout and to pause
// between polls. Tests inject a fake (see jujutesttest.Clock) so that they
// can count polls without sleeping.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep pauses for d or until ctx ends, whichever comes first, and
	// returns ctx.Err() in the latter case.
	Sleep(ctx context.Context, d time.Duration) error
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (j *Juju) clock() Clock {
	if j.Clock != nil {
		return j.Clock
	}
	return realClock{}
}
