package watch

import (
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// APIStatus is implemented by errors that carry the server's Status
// answer: an HTTP error response, or an in-stream ERROR event. The loop
// finds it with errors.As and classifies it with Expired and Temporary;
// the sdk's *APIError implements it.
//
// An APIStatus whose StatusCode is 0 and StatusReason is "" carries no
// answer (the request failed before one arrived): the loop classifies it
// by the errors it wraps instead (see the package's Recovery section).
type APIStatus interface {
	error
	// StatusCode is the HTTP status code (410 for an expired
	// resourceVersion); 0 when no answer was received.
	StatusCode() int
	// StatusReason is Status.reason, e.g. "Expired".
	StatusReason() string
	// RetryAfter is the wait the server asked for, from the Retry-After
	// header or details.retryAfterSeconds; 0 if none.
	RetryAfter() time.Duration
}

// Expired reports whether a Status with this HTTP code and reason says
// that a resourceVersion or continue token is too old: 410 Gone, or the
// reason Expired or Gone. The watch loop then relists. It is the one rule
// of the SDK for this class (the sdk's ErrGone matches by it).
func Expired(code int, reason string) bool {
	return code == 410 || reason == "Expired" || reason == "Gone"
}

// Temporary reports whether a Status with this HTTP code and reason says
// that the same request may succeed later: 429 Too Many Requests, any 5xx,
// or the reason Timeout, ServerTimeout or TooManyRequests. The watch loop
// then retries with backoff, waiting at least the server's RetryAfter. It
// is the one rule of the SDK for this class.
func Temporary(code int, reason string) bool {
	switch reason {
	case "Timeout", "ServerTimeout", "TooManyRequests":
		return true
	}
	return code == 429 || code >= 500 && code <= 599
}

// ErrMalformed is matched (errors.Is) by the errors of a Source that
// received data it cannot decode: a malformed watch frame or list page,
// or an object that does not decode as the Source's type (the sdk's
// *DecodeError matches it). A stream that merely ends inside a frame is a
// broken connection, not malformed data (it wraps io.ErrUnexpectedEOF).
//
// The loop recovers from it by relisting with backoff; Watch and Watcher
// also hand it to their consumer as a non-final error, Store reports it
// through Store.Err and LoopOptions.OnRetry.
var ErrMalformed = errors.New("watch: malformed data from the server")

// TimeoutError says that a request of the loop made no progress in time,
// so the loop abandoned it (cancelling its context) and retries with
// backoff: a Source call that did not return within
// LoopOptions.RequestTimeout, or a watch connection on which nothing
// arrived within LoopOptions.IdleTimeout. It is reported through
// LoopOptions.OnRetry and Store.Err; it never ends a loop.
type TimeoutError struct {
	// Op is the abandoned step: "list" (Source.ListPage), "open watch"
	// (Source.OpenWatch until it returned) or "read watch" (no event on an
	// open connection).
	Op string
	// After is the bound that expired.
	After time.Duration
}

// Error says which step stalled and for how long.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("watch: %s: no progress for %s (abandoned; retrying)", e.Op, e.After)
}

// Timeout reports true: the error is a timeout, in the net.Error sense.
func (e *TimeoutError) Timeout() bool { return true }

// errClass is how the loop recovers from an error.
type errClass int

const (
	permanent errClass = iota // end the loop with the error
	expired                   // relist (the first at once, then with backoff)
	temporary                 // retry the step with backoff, at least the server's wait
	broken                    // resume with backoff: broken connection, timeout, stall
	malformed                 // report, relist with backoff
)

// classify says how the loop recovers from err, and the wait the server
// asked for.
func classify(err error) (errClass, time.Duration) {
	var st APIStatus
	if errors.As(err, &st) && (st.StatusCode() != 0 || st.StatusReason() != "") {
		code, reason := st.StatusCode(), st.StatusReason()
		switch {
		case Expired(code, reason):
			return expired, 0
		case Temporary(code, reason):
			return temporary, max(st.RetryAfter(), 0)
		}
		return permanent, 0
	}
	var ne net.Error
	var to interface{ Timeout() bool }
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errEmptyEnd),
		errors.As(err, &ne), errors.As(err, &to) && to.Timeout():
		return broken, 0
	case errors.Is(err, ErrMalformed):
		return malformed, 0
	}
	return permanent, 0
}
