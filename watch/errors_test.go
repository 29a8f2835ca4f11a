package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// status is an APIStatus for tests.
type status struct {
	code   int
	reason string
	after  time.Duration
	err    error // what it wraps
}

func (s *status) Error() string             { return fmt.Sprintf("status %d %s", s.code, s.reason) }
func (s *status) StatusCode() int           { return s.code }
func (s *status) StatusReason() string      { return s.reason }
func (s *status) RetryAfter() time.Duration { return s.after }
func (s *status) Unwrap() error             { return s.err }

type timeoutErr struct{ timeout bool }

func (e timeoutErr) Error() string { return "timeout?" }
func (e timeoutErr) Timeout() bool { return e.timeout }

func TestExpiredAndTemporary(t *testing.T) {
	cases := []struct {
		reason             string
		code               int
		statusReason       string
		expired, temporary bool
	}{
		{"410 Gone is expired", 410, "Gone", true, false},
		{"410 without a reason is expired", 410, "", true, false},
		{"reason Expired with another code (an in-stream Status) is expired", 500, "Expired", true, true},
		{"429 is temporary", 429, "TooManyRequests", false, true},
		{"reason TooManyRequests alone is temporary", 0, "TooManyRequests", false, true},
		{"500 is temporary", 500, "InternalError", false, true},
		{"503 without a reason is temporary", 503, "", false, true},
		{"504 is temporary", 504, "", false, true},
		{"599, the last 5xx, is temporary", 599, "", false, true},
		{"600 is not a 5xx", 600, "", false, false},
		{"reason ServerTimeout is temporary", 200, "ServerTimeout", false, true},
		{"reason Timeout is temporary", 0, "Timeout", false, true},
		{"404 is neither", 404, "NotFound", false, false},
		{"403 is neither", 403, "Forbidden", false, false},
		{"400 is neither", 400, "BadRequest", false, false},
		{"409 Conflict is neither", 409, "Conflict", false, false},
	}
	for _, c := range cases {
		assert.Equal(t, c.expired, Expired(c.code, c.statusReason), "Expired: %s", c.reason)
		assert.Equal(t, c.temporary, Temporary(c.code, c.statusReason), "Temporary: %s", c.reason)
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		reason string
		err    error
		want   errClass
		after  time.Duration
	}{
		{"410 relists", &status{code: 410}, expired, 0},
		{"Expired wins over Temporary", fmt.Errorf("wrapped: %w", &status{code: 500, reason: "Expired"}), expired, 0},
		{"429 with Retry-After is retried after it", &status{code: 429, after: 7 * time.Second}, temporary, 7 * time.Second},
		{"a negative Retry-After counts as none", &status{code: 503, after: -time.Second}, temporary, 0},
		{"403 is permanent", &status{code: 403}, permanent, 0},
		{"a 403 wrapping a broken connection is still permanent: the answer decides", &status{code: 403, err: io.ErrUnexpectedEOF}, permanent, 0},
		{"an APIStatus without an answer is classified by what it wraps: a broken connection", &status{err: io.ErrUnexpectedEOF}, broken, 0},
		{"an APIStatus without an answer wrapping nothing known is permanent", &status{err: errors.New("boom")}, permanent, 0},
		{"a clean end", io.EOF, broken, 0},
		{"a truncated frame that is also malformed data: resume, no relist", fmt.Errorf("%w: %w", ErrMalformed, io.ErrUnexpectedEOF), broken, 0},
		{"a net.Error (connection refused)", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, broken, 0},
		{"an error whose Timeout reports true (the sdk's stalled-request timeout)", fmt.Errorf("x: %w", timeoutErr{true}), broken, 0},
		{"an error whose Timeout reports false is not a timeout", timeoutErr{false}, permanent, 0},
		{"a deadline of the Source's own", context.DeadlineExceeded, broken, 0},
		{"the loop's own stall", &TimeoutError{Op: "list", After: time.Minute}, broken, 0},
		{"malformed data", fmt.Errorf("decode: %w", ErrMalformed), malformed, 0},
		{"an empty end", errEmptyEnd, broken, 0},
		{"anything else is permanent", errors.New("misconfigured view"), permanent, 0},
		{"a cancellation that is not the caller's is permanent", context.Canceled, permanent, 0},
	}
	for _, c := range cases {
		got, after := classify(c.err)
		assert.Equal(t, c.want, got, c.reason)
		assert.Equal(t, c.after, after, c.reason)
	}
}

func TestTimeoutError(t *testing.T) {
	err := &TimeoutError{Op: "open watch", After: time.Minute}
	assert.Equal(t, "watch: open watch: no progress for 1m0s (abandoned; retrying)", err.Error())
	var ne interface{ Timeout() bool }
	assert.True(t, errors.As(error(err), &ne) && ne.Timeout())
}
