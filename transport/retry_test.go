package transport_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/kube-for-go/kube/transport"
)

// trackedBody records whether a response body was closed.
type trackedBody struct {
	io.Reader
	mu     sync.Mutex
	closed bool
}

func (b *trackedBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return nil
}

func (b *trackedBody) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// step is one scripted answer of the mock server: a status (with an
// optional Retry-After) or an error.
type step struct {
	status     int
	retryAfter string
	err        error
}

var (
	errReset = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	errDial  = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
)

func TestRetry(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name       string
		method     string
		body       string
		noGetBody  bool
		policy     transport.RetryPolicy
		deadline   time.Duration // 0: none
		steps      []step
		wantCalls  int
		wantStatus int // 0: an error is expected
		wantSleeps [][2]time.Duration
		reason     string
	}{{
		name: "get-503-then-ok", method: "GET",
		steps:     []step{{status: 503}, {status: 503}, {status: 200}},
		wantCalls: 3, wantStatus: 200,
		wantSleeps: [][2]time.Duration{{125 * ms, 250 * ms}, {250 * ms, 500 * ms}},
		reason:     "GET is retried on 503 with exponential backoff and jitter in [d/2, d]",
	}, {
		name: "get-504-exhausted", method: "GET",
		steps:     []step{{status: 504}, {status: 504}, {status: 504}, {status: 504}, {status: 200}},
		wantCalls: 4, wantStatus: 504,
		wantSleeps: [][2]time.Duration{{125 * ms, 250 * ms}, {250 * ms, 500 * ms}, {500 * ms, time.Second}},
		reason:     "the default policy makes 4 attempts and returns the last response",
	}, {
		name: "backoff-capped", method: "GET",
		policy:    transport.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Second, MaxDelay: 1500 * ms},
		steps:     []step{{status: 503}, {status: 503}, {status: 503}, {status: 200}},
		wantCalls: 4, wantStatus: 200,
		wantSleeps: [][2]time.Duration{{500 * ms, time.Second}, {750 * ms, 1500 * ms}, {750 * ms, 1500 * ms}},
		reason:     "the backoff is capped at MaxDelay",
	}, {
		name: "retry-after-seconds", method: "GET",
		steps:     []step{{status: 429, retryAfter: "3"}, {status: 200}},
		wantCalls: 2, wantStatus: 200,
		wantSleeps: [][2]time.Duration{{3 * time.Second, 3 * time.Second}},
		reason:     "Retry-After in seconds is honoured exactly",
	}, {
		name: "retry-after-too-long", method: "GET",
		steps:     []step{{status: 429, retryAfter: "60"}, {status: 200}},
		wantCalls: 1, wantStatus: 429,
		reason: "a Retry-After beyond MaxDelay is returned to the caller rather than cut short",
	}, {
		name: "retry-after-beyond-deadline", method: "GET", deadline: 2 * time.Second,
		steps:     []step{{status: 429, retryAfter: "5"}, {status: 200}},
		wantCalls: 1, wantStatus: 429,
		reason: "no sleep that would outlast the context deadline",
	}, {
		name: "get-connection-reset", method: "GET",
		steps:     []step{{err: errReset}, {status: 200}},
		wantCalls: 2, wantStatus: 200,
		wantSleeps: [][2]time.Duration{{125 * ms, 250 * ms}},
		reason:     "an idempotent request is retried after a reset connection",
	}, {
		name: "disabled", method: "GET", policy: transport.RetryPolicy{MaxAttempts: 1},
		steps:     []step{{status: 503}, {status: 200}},
		wantCalls: 1, wantStatus: 503,
		reason: "MaxAttempts 1 turns retries off",
	}, {
		name: "get-500", method: "GET",
		steps:     []step{{status: 500}, {status: 200}},
		wantCalls: 1, wantStatus: 500,
		reason: "500 is not retried",
	}, {
		name: "post-503", method: "POST", body: "{}",
		steps:     []step{{status: 503}, {status: 201}},
		wantCalls: 1, wantStatus: 503,
		reason: "a write is not retried on 503: the server may have processed it",
	}, {
		name: "post-reset", method: "POST", body: "{}",
		steps:     []step{{err: errReset}, {status: 201}},
		wantCalls: 1,
		reason:    "a write is not retried after a reset: the server may have processed it",
	}, {
		name: "post-429", method: "POST", body: `{"kind":"ConfigMap"}`,
		steps:     []step{{status: 429}, {status: 201}},
		wantCalls: 2, wantStatus: 201,
		wantSleeps: [][2]time.Duration{{125 * ms, 250 * ms}},
		reason:     "429 means the write was rejected before processing; the body is replayed",
	}, {
		name: "patch-dial-error", method: "PATCH", body: `{"x":1}`,
		steps:     []step{{err: errDial}, {status: 200}},
		wantCalls: 2, wantStatus: 200,
		wantSleeps: [][2]time.Duration{{125 * ms, 250 * ms}},
		reason:     "a dial error means the write never reached the server",
	}, {
		name: "delete-503", method: "DELETE",
		steps:     []step{{status: 503}, {status: 200}},
		wantCalls: 1, wantStatus: 503,
		reason: "DELETE is treated as a write",
	}, {
		name: "post-429-unreplayable", method: "POST", body: "{}", noGetBody: true,
		steps:     []step{{status: 429}, {status: 201}},
		wantCalls: 1, wantStatus: 429,
		reason: "a body without GetBody cannot be sent twice",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				calls := 0
				var bodies []*trackedBody
				var received []string
				var at []time.Time // when each attempt arrived, on the bubble's clock
				mock := httpmock.NewMockTransport()
				mock.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
					mu.Lock()
					defer mu.Unlock()
					at = append(at, time.Now())
					if r.Body != nil {
						b, _ := io.ReadAll(r.Body)
						received = append(received, string(b))
					}
					s := tc.steps[calls]
					calls++
					if s.err != nil {
						return nil, s.err
					}
					body := &trackedBody{Reader: strings.NewReader("status body")}
					bodies = append(bodies, body)
					resp := &http.Response{StatusCode: s.status, Header: http.Header{}, Body: body, Request: r}
					if s.retryAfter != "" {
						resp.Header.Set("Retry-After", s.retryAfter)
					}
					return resp, nil
				})
				rt := mustRT(t, &transport.Config{Server: "https://kube.test", Base: mock, Retry: tc.policy, QPS: transport.NoRateLimit})

				ctx := context.Background()
				if tc.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.deadline)
					defer cancel()
				}
				var body io.Reader
				if tc.body != "" {
					body = bytes.NewBufferString(tc.body)
				}
				req, _ := http.NewRequestWithContext(ctx, tc.method, "https://kube.test/api/v1/namespaces/default/configmaps", body)
				if tc.noGetBody {
					req.GetBody = nil
					req.Body = io.NopCloser(strings.NewReader(tc.body))
				}
				resp, err := rt.RoundTrip(req)
				if tc.wantStatus == 0 {
					if err == nil {
						resp.Body.Close()
						t.Fatalf("got status %d, want an error (%s)", resp.StatusCode, tc.reason)
					}
				} else {
					if err != nil {
						t.Fatalf("RoundTrip: %v (%s)", err, tc.reason)
					}
					if resp.StatusCode != tc.wantStatus {
						t.Errorf("status %d, want %d (%s)", resp.StatusCode, tc.wantStatus, tc.reason)
					}
					resp.Body.Close()
				}
				mu.Lock()
				defer mu.Unlock()
				if calls != tc.wantCalls {
					t.Errorf("%d attempts, want %d (%s)", calls, tc.wantCalls, tc.reason)
				}
				for i := 0; i < len(bodies)-1; i++ {
					if !bodies[i].isClosed() {
						t.Errorf("the body of discarded response %d was not closed", i)
					}
				}
				for i, b := range received {
					if b != tc.body {
						t.Errorf("attempt %d sent body %q, want %q", i+1, b, tc.body)
					}
				}
				var sleeps []time.Duration
				for i := 1; i < len(at); i++ {
					sleeps = append(sleeps, at[i].Sub(at[i-1]))
				}
				if len(sleeps) != len(tc.wantSleeps) {
					t.Fatalf("slept %v, want %d sleeps in %v (%s)", sleeps, len(tc.wantSleeps), tc.wantSleeps, tc.reason)
				}
				for i, s := range sleeps {
					if s < tc.wantSleeps[i][0] || s > tc.wantSleeps[i][1] {
						t.Errorf("sleep %d = %v, want within %v (%s)", i, s, tc.wantSleeps[i], tc.reason)
					}
				}
			})
		})
	}
}

func TestRetryWaitRespectsContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		mock := httpmock.NewMockTransport()
		mock.RegisterNoResponder(httpmock.NewStringResponder(503, "busy"))
		rt := mustRT(t, &transport.Config{Server: "https://kube.test", Base: mock, QPS: transport.NoRateLimit,
			Retry: transport.RetryPolicy{BaseDelay: time.Hour, MaxDelay: time.Hour}})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Minute, cancel) // well within the backoff of at least 30 minutes
		start := time.Now()
		_, err := get(t, rt, ctx, "https://kube.test/api")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled while waiting to retry", err)
		}
		if d := time.Since(start); d != time.Minute {
			t.Errorf("RoundTrip returned after %v, want exactly when the context was cancelled (1m)", d)
		}
		if n := mock.GetTotalCallCount(); n != 1 {
			t.Errorf("%d attempts, want 1", n)
		}
	})
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name      string
		qps       float64
		burst     int
		streaming bool
		requests  int
		want      []time.Duration // the waits of the requests that waited
		reason    string
	}{
		{"burst-then-rate", 10, 2, false, 5, []time.Duration{100 * ms, 100 * ms, 100 * ms}, "2 requests pass at once, then one per 100ms"},
		{"within-burst", 10, 5, false, 5, nil, "requests within the burst never wait"},
		{"defaults", 0, 0, false, 101, []time.Duration{20 * ms}, "DefaultQPS 50 and DefaultBurst 100"},
		{"disabled", transport.NoRateLimit, 0, false, 200, nil, "NoRateLimit turns the limiter off"},
		{"streaming-exempt", 1, 1, true, 5, nil, "watch and log streams are never limited"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				mock := httpmock.NewMockTransport()
				mock.RegisterNoResponder(httpmock.NewStringResponder(200, "{}"))
				rt := mustRT(t, &transport.Config{Server: "https://kube.test", Base: mock, QPS: tc.qps, Burst: tc.burst})
				ctx := context.Background()
				if tc.streaming {
					ctx = transport.Streaming(ctx)
				}
				var got []time.Duration
				for range tc.requests {
					start := time.Now()
					resp, err := get(t, rt, ctx, "https://kube.test/api")
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if d := time.Since(start); d > 0 {
						got = append(got, d)
					}
				}
				if len(got) != len(tc.want) {
					t.Fatalf("waited %v, want %v (%s)", got, tc.want, tc.reason)
				}
				for i := range got {
					if d := got[i] - tc.want[i]; d < -ms || d > ms {
						t.Errorf("wait %d = %v, want %v (%s)", i, got[i], tc.want[i], tc.reason)
					}
				}
			})
		})
	}
}

func TestRateLimitRespectsContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		mock := httpmock.NewMockTransport()
		mock.RegisterNoResponder(httpmock.NewStringResponder(200, "{}"))
		rt := mustRT(t, &transport.Config{Server: "https://kube.test", Base: mock, QPS: 1, Burst: 1})
		resp, err := get(t, rt, context.Background(), "https://kube.test/api")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()

		// The next token is a second away; a deadline 100ms away fails at once.
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = get(t, rt, ctx, "https://kube.test/api")
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 0 {
			t.Errorf("got %v after %v, want DeadlineExceeded without waiting", err, time.Since(start))
		}

		// Cancelling the context ends the wait.
		ctx, cancel = context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		start = time.Now()
		_, err = get(t, rt, ctx, "https://kube.test/api")
		if !errors.Is(err, context.Canceled) || time.Since(start) != 300*time.Millisecond {
			t.Errorf("got %v after %v, want context.Canceled after 300ms", err, time.Since(start))
		}
		if n := mock.GetTotalCallCount(); n != 1 {
			t.Errorf("%d requests reached the server, want 1", n)
		}

		// The cancelled wait gave its token back: after a second, one
		// request passes at once.
		time.Sleep(time.Second)
		start = time.Now()
		if _, err := get(t, rt, context.Background(), "https://kube.test/api"); err != nil || time.Since(start) != 0 {
			t.Errorf("after a second: %v after waiting %v, want an immediate answer", err, time.Since(start))
		}
	})
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		mock := httpmock.NewMockTransport()
		mock.RegisterNoResponder(httpmock.NewStringResponder(503, "busy").Then(httpmock.NewStringResponder(200, "{}")))
		logger, logs := transport.CaptureLogger()
		rt := mustRT(t, &transport.Config{Server: "https://kube.test", Base: mock, Logger: logger})
		resp, err := get(t, rt, context.Background(), "https://kube.test/api/v1/pods?labelSelector=a")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		out := logs.String()
		for _, want := range []string{`msg="kube request retry"`, "status=503", `msg="kube request"`, "method=GET", "path=/api/v1/pods", "status=200", "retries=1", "duration="} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
		}
	})
}
