package watch

import (
	"math"
	"math/rand/v2"
	"time"
)

// Options configure Watch, NewWatcher, NewStore and WaitFor. The zero
// value watches changes from now with the default backoff and idle timeout.
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
	// TimeoutSeconds asks the server to end each connection after this
	// long (the watch resumes transparently); 0 = the server's default
	// (30 to 60 minutes).
	TimeoutSeconds int64
	// IdleTimeout: a connection on which no event (bookmarks included)
	// arrives for this long is closed and replaced, resuming from the last
	// resourceVersion. 0 means DefaultIdleTimeout; negative disables it.
	IdleTimeout time.Duration
	// NoStreamingList makes InitialList (and relists) use paginated lists
	// instead of the server's streaming initial list (sendInitialEvents).
	NoStreamingList bool
	// Backoff between retries; the zero value means the defaults.
	Backoff Backoff
	// OnRetry, if set, is called before each wait for a retry with the
	// error that caused it and the computed wait (logging, tests).
	OnRetry func(err error, wait time.Duration)
	// Clock is the time source for waits and timeouts; nil means the real
	// clock. Tests inject a fake one.
	Clock Clock
	// Rand returns the random numbers in [0, 1) used for jitter; nil means
	// math/rand/v2.Float64.
	Rand func() float64
}

// DefaultIdleTimeout is the default Options.IdleTimeout: two and a half
// times the interval at which the API server sends bookmarks to idle
// watches (about a minute).
const DefaultIdleTimeout = 150 * time.Second

// Backoff is the retry policy of a watch loop: the n-th consecutive retry
// waits Initial·Factor^(n-1), capped at Max, reduced by up to Jitter of
// itself at random. After a connection stays healthy for ResetAfter the
// count starts again. Zero fields mean the defaults (500ms, 30s, 2, 0.5,
// 2m).
type Backoff struct {
	Initial    time.Duration
	Max        time.Duration
	Factor     float64
	Jitter     float64 // in (0, 1]: the fraction of the delay that is random
	ResetAfter time.Duration
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
	if b.Factor < 1 {
		b.Factor = 2
	}
	if b.Jitter <= 0 || b.Jitter > 1 {
		b.Jitter = 0.5
	}
	if b.ResetAfter <= 0 {
		b.ResetAfter = 2 * time.Minute
	}
	return b
}

// Delay returns the wait before the n-th consecutive retry (n ≥ 1), given
// r in [0, 1) from a random source: a value in
// [d·(1-Jitter), d] where d = min(Max, Initial·Factor^(n-1)). With r = 1
// there is no jitter.
func (b Backoff) Delay(n int, r float64) time.Duration {
	b = b.withDefaults()
	if n < 1 {
		n = 1
	}
	d := float64(b.Initial) * math.Pow(b.Factor, float64(n-1))
	if d > float64(b.Max) || math.IsInf(d, 0) || math.IsNaN(d) {
		d = float64(b.Max)
	}
	r = min(max(r, 0), 1)
	return time.Duration(d * (1 - b.Jitter*(1-r)))
}

// Clock is the time source of a watch loop.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d, unless stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a timer started by Clock.AfterFunc.
type Timer interface {
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
}

type realClock struct{}

func (realClock) Now() time.Time                            { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

func (o Options) clock() Clock {
	if o.Clock != nil {
		return o.Clock
	}
	return realClock{}
}

func (o Options) rand() float64 {
	if o.Rand != nil {
		return o.Rand()
	}
	return rand.Float64()
}

func (o Options) idleTimeout() time.Duration {
	switch {
	case o.IdleTimeout < 0:
		return 0
	case o.IdleTimeout == 0:
		return DefaultIdleTimeout
	}
	return o.IdleTimeout
}
