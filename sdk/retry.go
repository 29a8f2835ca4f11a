package sdk

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff says how often and how long to wait between the attempts of a
// retry loop. Each zero field takes the value of DefaultBackoff, so the zero
// Backoff is DefaultBackoff.
type Backoff struct {
	// Steps is the maximum number of attempts, the first included.
	Steps int
	// Initial is the wait after the first failed attempt.
	Initial time.Duration
	// Factor multiplies the wait after each further failure (at least 1).
	Factor float64
	// Max caps a single wait.
	Max time.Duration
	// Jitter adds a random fraction, up to Jitter, of each wait, so that
	// clients retrying together spread out.
	Jitter float64
}

// DefaultBackoff is five attempts, waiting 10ms, 20ms, 40ms and 80ms (plus
// up to 10% jitter) in between.
var DefaultBackoff = Backoff{Steps: 5, Initial: 10 * time.Millisecond, Factor: 2, Max: time.Second, Jitter: 0.1}

func (b Backoff) withDefaults() Backoff {
	d := DefaultBackoff
	if b.Steps > 0 {
		d.Steps = b.Steps
	}
	if b.Initial > 0 {
		d.Initial = b.Initial
	}
	if b.Factor >= 1 {
		d.Factor = b.Factor
	}
	if b.Max > 0 {
		d.Max = b.Max
	}
	if b.Jitter > 0 {
		d.Jitter = b.Jitter
	}
	return d
}

// delay returns the wait after failed attempt n (1-based).
func (b Backoff) delay(n int) time.Duration {
	d := float64(b.Initial)
	for i := 1; i < n; i++ {
		d *= b.Factor
		if d >= float64(b.Max) {
			d = float64(b.Max)
			break
		}
	}
	d = min(d, float64(b.Max))
	if b.Jitter > 0 {
		d += d * b.Jitter * rand.Float64()
	}
	return time.Duration(d)
}

// RetryOnConflict calls fn until it returns an error that does not match
// ErrConflict (nil included), waiting between attempts as b says (the zero
// Backoff is DefaultBackoff). fn must start from fresh state on every call,
// typically by fetching the object again and re-applying its change; a
// conflict means another writer changed the object since it was read.
// When every attempt conflicted, the error says so and still matches
// ErrConflict; when ctx ends while waiting, the error matches ctx.Err().
// Item.Modify is this loop around Fetch and Update.
func RetryOnConflict(ctx context.Context, b Backoff, fn func() error) error {
	b = b.withDefaults()
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !errors.Is(err, ErrConflict) {
			return err
		}
		if attempt >= b.Steps {
			return &Error{Op: "retry on conflict", Err: fmt.Errorf("gave up after %d attempts: %w", attempt, err)}
		}
		t := time.NewTimer(b.delay(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return &Error{Op: "retry on conflict", Err: fmt.Errorf("%w (after %d attempts, the last one: %v)", ctx.Err(), attempt, err)}
		case <-t.C:
		}
	}
}
