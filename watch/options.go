package watch

import (
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// Options configure Watch and NewWatcher (the sdk's View.Watch and
// View.Watcher). The zero value watches changes from now with the default
// LoopOptions.
type Options struct {
	// ResourceVersion to start after. "" starts from now: the loop reads
	// the collection's current resourceVersion (a list of one object) and
	// watches from there. Ignored with InitialList.
	ResourceVersion string
	// InitialList sends the current state as Added events first, then the
	// changes after it.
	InitialList bool
	// Bookmarks passes Bookmark events to the consumer. The loop always
	// asks the server for bookmarks (they keep its resume point fresh and
	// show the connection is alive); this only says whether you see them.
	Bookmarks bool
	// LoopOptions tune the loop's requests and recovery.
	LoopOptions
}

// LoopOptions tune the list-and-watch loop under every entry point: they
// are part of Options (Watch, NewWatcher), StoreOptions (Store) and the
// options of WaitForOpts. The zero value means the defaults; every wait of
// the loop has a bound, so no value makes it wait forever.
type LoopOptions struct {
	// TimeoutSeconds asks the server to end each watch connection after
	// this long (the loop resumes transparently); 0 = the server's default
	// (30 to 60 minutes).
	TimeoutSeconds int64
	// IdleTimeout: a watch connection on which no event (bookmarks
	// included) arrives for this long is closed and replaced, resuming
	// from the last resourceVersion. ≤ 0 means DefaultIdleTimeout. During
	// a streaming initial list the bound is min(IdleTimeout,
	// RequestTimeout): a server that honours sendInitialEvents sends the
	// initial events without pause.
	IdleTimeout time.Duration
	// RequestTimeout bounds each call the loop makes to its Source: every
	// Source.ListPage (a list page's headers and whole body) and every
	// Source.OpenWatch until it returns (the response headers of a watch).
	// A call still running then is abandoned (its context is cancelled)
	// and retried with backoff, reported as a *TimeoutError. ≤ 0 means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// NoStreamingList makes initial lists and relists use paginated lists
	// instead of the server's streaming initial list (sendInitialEvents),
	// even when the Source is a StreamingLister.
	NoStreamingList bool
	// Backoff between retries; the zero value means the defaults.
	Backoff Backoff
	// ResetAfter: a step that lasted at least this long (typically a watch
	// connection that stayed up) counts as healthy, and the next retry's
	// backoff starts again from Backoff.Initial. ≤ 0 means
	// DefaultResetAfter.
	ResetAfter time.Duration
	// OnRetry, if set, is called from the loop's goroutine for every
	// error the loop recovers from, before it waits wait (0: it retries at
	// once) and retries, resumes or relists (see the package's Recovery
	// section). Use it to log, or to count failures. It must not block.
	OnRetry func(err error, wait time.Duration)
}

// Defaults of LoopOptions.
const (
	// DefaultIdleTimeout is the default LoopOptions.IdleTimeout: two and a
	// half times the interval at which the API server sends bookmarks to
	// idle watches (about a minute).
	DefaultIdleTimeout = 150 * time.Second
	// DefaultRequestTimeout is the default LoopOptions.RequestTimeout.
	DefaultRequestTimeout = 60 * time.Second
	// DefaultResetAfter is the default LoopOptions.ResetAfter.
	DefaultResetAfter = 2 * time.Minute
)

func (o LoopOptions) withDefaults() LoopOptions {
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.ResetAfter <= 0 {
		o.ResetAfter = DefaultResetAfter
	}
	o.Backoff = o.Backoff.withDefaults()
	return o
}

// Backoff is the retry policy of the SDK, for every loop that retries a
// failed attempt (the watch loop; optimistic-concurrency retries): the
// n-th consecutive retry waits d = min(Max, Initial·Factor^(n-1)),
// randomised by Jitter to a value in [d·(1−Jitter), d], so that many
// clients failing together do not retry together. Zero (or out of range)
// fields mean the defaults: Initial 500ms, Max 30s, Factor 2, Jitter 0.5.
type Backoff struct {
	// Initial is the wait before the first retry.
	Initial time.Duration
	// Max caps every wait (before jitter).
	Max time.Duration
	// Factor multiplies the wait at each further retry; < 1 means 2.
	Factor float64
	// Jitter in (0, 1] is the fraction of the wait that is random: a wait
	// d becomes a random value in [d·(1−Jitter), d].
	Jitter float64
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = 500 * time.Millisecond
	}
	if b.Max <= 0 {
		b.Max = 30 * time.Second
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Factor < 1 || math.IsNaN(b.Factor) || math.IsInf(b.Factor, 0) {
		b.Factor = 2
	}
	if !(b.Jitter > 0 && b.Jitter <= 1) {
		b.Jitter = 0.5
	}
	return b
}

// Delay returns the wait before the n-th consecutive retry (n ≥ 1; a
// smaller n counts as 1), given r in [0, 1] from a random source: a value
// in [d·(1−Jitter), d] where d = min(Max, Initial·Factor^(n-1)). r = 1
// gives d (no jitter), r = 0 gives d·(1−Jitter).
func (b Backoff) Delay(n int, r float64) time.Duration {
	b = b.withDefaults()
	if n < 1 {
		n = 1
	}
	d := float64(b.Initial) * math.Pow(b.Factor, float64(n-1))
	if d > float64(b.Max) || math.IsInf(d, 0) || math.IsNaN(d) {
		d = float64(b.Max)
	}
	if math.IsNaN(r) {
		r = 1
	}
	r = min(max(r, 0), 1)
	return time.Duration(d * (1 - b.Jitter*(1-r)))
}

// Sleep waits the n-th retry's delay, Delay(n, r) with r drawn at random,
// or until ctx is done: it returns nil after the wait, ctx's error if ctx
// ends first.
func (b Backoff) Sleep(ctx context.Context, n int) error {
	return sleep(ctx, b.Delay(n, rand.Float64()))
}

// sleep waits d or until ctx is done (ctx's error).
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
