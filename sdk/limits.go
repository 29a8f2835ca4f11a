package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Defaults of the bounds every request is held to (see Options).
const (
	// DefaultHeaderTimeout bounds the wait for a response's headers, for
	// every request including watches and log streams. The API server
	// answers within its own request timeout (one minute by default), so a
	// longer wait means the connection is dead (a half-open connection
	// through kubectl proxy, which sends no HTTP/2 pings, looks like this).
	DefaultHeaderTimeout = 70 * time.Second
	// DefaultBodyTimeout bounds how long a read of a response body may wait
	// for the next bytes, for every request that is not a stream (a watch
	// or a followed log is idle by nature; the watch loop has its own idle
	// timeout).
	DefaultBodyTimeout = 70 * time.Second
	// DefaultMaxObjectBytes bounds the size of one object, one error body
	// read in full, and one whole non-list answer. etcd refuses objects
	// over 1.5 MiB by default, so this leaves a wide margin while keeping a
	// hostile or broken server (a decompression bomb) from exhausting
	// memory.
	DefaultMaxObjectBytes = 64 << 20
)

// ErrTimeout is matched by the error of a request abandoned because the
// server stopped answering: its headers or the next bytes of its body did
// not arrive within the client's bounds (Options.HeaderTimeout,
// Options.BodyTimeout). The error is a *TimeoutError; the watch loop
// retries such errors.
var ErrTimeout = errors.New("kube: timeout")

// ErrTooLarge is matched by the error of an answer that exceeds
// Options.MaxObjectBytes.
var ErrTooLarge = errors.New("kube: answer too large")

// TimeoutError reports a request abandoned because the server stopped
// answering. It matches ErrTimeout and ErrKube, and its Timeout method
// reports true, like a net.Error.
type TimeoutError struct {
	// Phase is "headers" (no response headers arrived) or "body" (no bytes
	// of the body arrived).
	Phase string
	// After is the bound that was exceeded.
	After time.Duration
}

func (e *TimeoutError) Error() string {
	if e.Phase == "headers" {
		return fmt.Sprintf("no response headers within %v", e.After)
	}
	return fmt.Sprintf("the response body stalled: no data for %v", e.After)
}

// Timeout reports true: the request may succeed if tried again.
func (e *TimeoutError) Timeout() bool { return true }

// Is matches ErrTimeout and ErrKube.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout || target == ErrKube }

// limits are a client's bounds, resolved from Options.
type limits struct {
	header, body time.Duration // 0: no bound
	maxObject    int64
}

func newLimits(o Options) limits {
	l := limits{header: o.HeaderTimeout, body: o.BodyTimeout, maxObject: o.MaxObjectBytes}
	switch {
	case l.header == 0:
		l.header = DefaultHeaderTimeout
	case l.header < 0:
		l.header = 0
	}
	switch {
	case l.body == 0:
		l.body = DefaultBodyTimeout
	case l.body < 0:
		l.body = 0
	}
	if l.maxObject <= 0 {
		l.maxObject = DefaultMaxObjectBytes
	}
	return l
}

// guard holds one request to the client's bounds: it cancels the request's
// context when the headers, or (for a body read) the next bytes, do not
// arrive in time, and remembers which bound fired.
type guard struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	timer  *time.Timer
}

func newGuard(ctx context.Context) *guard {
	g := &guard{}
	g.ctx, g.cancel = context.WithCancelCause(ctx)
	return g
}

// arm starts the bound d (none if d is 0): when it expires before disarm,
// the request is cancelled with a *TimeoutError of phase.
func (g *guard) arm(d time.Duration, phase string) {
	if d <= 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.timer = time.AfterFunc(d, func() { g.cancel(&TimeoutError{Phase: phase, After: d}) })
}

func (g *guard) disarm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.timer != nil {
		g.timer.Stop()
		g.timer = nil
	}
}

// cause returns the *TimeoutError that cancelled the request, if one did.
func (g *guard) cause() *TimeoutError {
	var te *TimeoutError
	if errors.As(context.Cause(g.ctx), &te) {
		return te
	}
	return nil
}

// guardedBody is a response body whose reads are held to the body bound;
// closing it releases the request's context.
type guardedBody struct {
	rc    io.ReadCloser
	g     *guard
	idle  time.Duration
	once  sync.Once
	limit int64 // bytes left before ErrTooLarge; < 0: no limit
}

func (b *guardedBody) Read(p []byte) (int, error) {
	if b.limit == 0 {
		return 0, fmt.Errorf("%w: more than the limit of bytes", ErrTooLarge)
	}
	if b.limit > 0 && int64(len(p)) > b.limit {
		p = p[:b.limit]
	}
	b.g.arm(b.idle, "body")
	n, err := b.rc.Read(p)
	b.g.disarm()
	if b.limit > 0 {
		b.limit -= int64(n)
	}
	if err != nil && err != io.EOF {
		if te := b.g.cause(); te != nil {
			return n, te
		}
	}
	return n, err
}

func (b *guardedBody) Close() error {
	var err error
	b.once.Do(func() {
		err = b.rc.Close()
		b.g.cancel(context.Canceled)
	})
	return err
}
