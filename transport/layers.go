package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// originOf returns scheme://host:port of u, lower-cased and with the default
// port filled in, so that equivalent URLs compare equal.
func originOf(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// headerRT is the outermost layer: it sets the User-Agent and, for the
// configured server only, the impersonation headers.
type headerRT struct {
	next      http.RoundTripper
	origin    string
	userAgent string
	imp       Impersonation
}

func (t *headerRT) RoundTrip(req *http.Request) (*http.Response, error) {
	needUA := req.Header.Get("User-Agent") == ""
	needImp := !t.imp.IsZero() && originOf(req.URL) == t.origin
	if !needUA && !needImp {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	if needUA {
		r.Header.Set("User-Agent", t.userAgent)
	}
	if needImp {
		setImpersonation(r.Header, t.imp)
	}
	return t.next.RoundTrip(r)
}

func setImpersonation(h http.Header, im Impersonation) {
	for k := range h {
		if strings.HasPrefix(k, "Impersonate-") {
			delete(h, k)
		}
	}
	h.Set("Impersonate-User", im.UserName)
	if im.UID != "" {
		h.Set("Impersonate-Uid", im.UID)
	}
	for _, g := range im.Groups {
		h.Add("Impersonate-Group", g)
	}
	for k, vs := range im.Extra {
		// Header names cannot hold every character of an extra key, so the
		// key is percent-encoded, as the API server expects.
		name := "Impersonate-Extra-" + url.PathEscape(k)
		for _, v := range vs {
			h.Add(name, v)
		}
	}
}

// errResponseHeaderTimeout is the cause of a request cancelled because its
// response headers did not arrive in time.
var errResponseHeaderTimeout = errors.New("transport: timed out waiting for response headers")

// timeoutRT bounds the wait for response headers of ordinary requests. The
// timer stops when the headers arrive, so the body is never cut.
type timeoutRT struct {
	next http.RoundTripper
	d    time.Duration
}

func (t *timeoutRT) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.d <= 0 || IsStreaming(req.Context()) || isUpgrade(req) {
		return t.next.RoundTrip(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(t.d, func() { cancel(errResponseHeaderTimeout) })
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() {
		// The timer fired: report the timeout rather than "context canceled".
		if err == nil {
			resp.Body.Close()
		}
		cancel(nil)
		return nil, fmt.Errorf("%w after %v (%s %s): %w", errResponseHeaderTimeout, t.d, req.Method, req.URL.Path, context.DeadlineExceeded)
	}
	if err != nil {
		cancel(nil)
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancel(nil) }}
	return resp, nil
}

func isUpgrade(req *http.Request) bool {
	for _, v := range req.Header.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return true
			}
		}
	}
	return false
}

// cancelOnClose releases the per-request context when the body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// limiter is a token bucket: it holds up to burst tokens, refilled at qps
// per second, and each request takes one. A request that finds none takes a
// reservation on a future token and sleeps until then.
type limiter struct {
	qps   float64
	burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newLimiter(qps float64, burst int) *limiter {
	return &limiter{qps: qps, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

// wait blocks until the request may proceed or ctx is done. It fails at
// once when the wait would outlast ctx's deadline.
func (l *limiter) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	now := time.Now()
	if elapsed := now.Sub(l.last); elapsed > 0 {
		l.tokens = min(l.burst, l.tokens+elapsed.Seconds()*l.qps)
		l.last = now
	}
	l.tokens--
	var d time.Duration
	if l.tokens < 0 {
		d = time.Duration(-l.tokens / l.qps * float64(time.Second))
	}
	if d > 0 {
		if dl, ok := ctx.Deadline(); ok && now.Add(d).After(dl) {
			l.tokens++
			l.mu.Unlock()
			return fmt.Errorf("transport: client-side rate limit: waiting %v would exceed the context deadline: %w", d, context.DeadlineExceeded)
		}
	}
	l.mu.Unlock()
	if d <= 0 {
		return nil
	}
	if err := sleep(ctx, d); err != nil {
		l.mu.Lock()
		l.tokens++
		l.mu.Unlock()
		return err
	}
	return nil
}

// rateLimitRT applies the client-side limiter to each attempt of every
// request not marked with Streaming.
type rateLimitRT struct {
	next    http.RoundTripper
	limiter *limiter
}

func (t *rateLimitRT) RoundTrip(req *http.Request) (*http.Response, error) {
	if !IsStreaming(req.Context()) {
		if err := t.limiter.wait(req.Context()); err != nil {
			closeBody(req)
			return nil, err
		}
	}
	return t.next.RoundTrip(req)
}

// tlsErrRT turns certificate verification failures of the base transport
// into a *TLSError naming the server.
type tlsErrRT struct{ next http.RoundTripper }

func (t *tlsErrRT) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil && isTLSVerificationError(err) {
		return nil, &TLSError{Server: req.URL.Host, Err: err}
	}
	return resp, err
}

// retryRT retries failed attempts according to a RetryPolicy and logs each
// request once it is finished.
type retryRT struct {
	next   http.RoundTripper
	policy RetryPolicy         // with defaults applied
	logger *slog.Logger        // may be nil
	jitter func(n int64) int64 // rand.Int64N unless a test sets it
}

func (t *retryRT) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	start := time.Now()
	r := req
	for attempt := 1; ; attempt++ {
		resp, err := t.next.RoundTrip(r)
		delay, ok := t.shouldRetry(req, resp, err, attempt)
		if ok {
			if dl, has := ctx.Deadline(); has && time.Now().Add(delay).After(dl) {
				ok = false
			}
		}
		var next *http.Request
		if ok {
			var rerr error
			if next, rerr = rewind(req); rerr != nil {
				ok = false
			}
		}
		if !ok {
			t.log(ctx, req, resp, err, attempt-1, start)
			return resp, err
		}
		if t.logger != nil {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			attrs := []slog.Attr{slog.String("method", req.Method), slog.String("path", req.URL.Path), slog.Int("attempt", attempt), slog.Duration("delay", delay)}
			if err != nil {
				attrs = append(attrs, slog.String("error", err.Error()))
			} else {
				attrs = append(attrs, slog.Int("status", status))
			}
			t.logger.LogAttrs(ctx, slog.LevelInfo, "kube request retry", attrs...)
		}
		if resp != nil {
			discard(resp)
		}
		if serr := sleep(ctx, delay); serr != nil {
			closeBody(next)
			t.log(ctx, req, nil, serr, attempt-1, start)
			return nil, serr
		}
		r = next
	}
}

func (t *retryRT) log(ctx context.Context, req *http.Request, resp *http.Response, err error, retries int, start time.Time) {
	if t.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	attrs = append(attrs, slog.Duration("duration", time.Since(start)), slog.Int("retries", retries))
	t.logger.LogAttrs(ctx, slog.LevelDebug, "kube request", attrs...)
}

// shouldRetry decides whether to retry after attempt and how long to wait.
func (t *retryRT) shouldRetry(req *http.Request, resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if attempt >= t.policy.MaxAttempts || !replayable(req) || req.Context().Err() != nil {
		return 0, false
	}
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead || req.Method == http.MethodOptions
	if err != nil {
		switch {
		case neverSent(err):
		case idempotent && connectionLost(err):
		default:
			return 0, false
		}
		return t.backoff(attempt), true
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
	case http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if !idempotent {
			return 0, false
		}
	default:
		return 0, false
	}
	if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		if ra > t.policy.MaxDelay {
			return 0, false
		}
		return ra, true
	}
	return t.backoff(attempt), true
}

// backoff returns d = min(MaxDelay, Base·2^(attempt-1)) with a jitter of
// 0.5: a random delay in [d·(1−0.5), d].
func (t *retryRT) backoff(attempt int) time.Duration {
	d := t.policy.BaseDelay
	for i := 1; i < attempt && d < t.policy.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, t.policy.MaxDelay)
	half := int64(d / 2)
	if half <= 0 {
		return d
	}
	j := t.jitter
	if j == nil {
		j = rand.Int64N
	}
	return time.Duration(half + j(half+1))
}

// retryAfter parses a Retry-After value in seconds or as an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(0, at.Sub(now)), true
	}
	return 0, false
}

// neverSent reports whether err shows the request never reached the server:
// the connection (or the proxy connection) could not be opened.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect") {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// connectionLost reports whether an established connection broke before the
// response arrived; the server may or may not have seen the request.
func connectionLost(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
