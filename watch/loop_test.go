package watch_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// TestWatchScripted drives the watch loop through a real sdk View against
// scripted server answers and checks the events delivered, the requests
// made (resume points) and the computed retry waits.
func TestWatchScripted(t *testing.T) {
	a11 := pod("a", "u1", "11")
	clockAdvance := func(c *fakeClock, d time.Duration, s step) step {
		return func(w http.ResponseWriter, r *http.Request) { c.Advance(d); s(w, r) }
	}
	type tc struct {
		reason string
		opts   watch.Options
		steps  func(c *fakeClock) []step
		n      int // events to collect
		want   []string
		reqs   []string        // the first requests made
		waits  []time.Duration // computed retry waits (Rand = 1: no jitter)
	}
	cases := []tc{{
		reason: "the server ends the watch cleanly (timeout): resume from the last resourceVersion at once",
		steps: func(*fakeClock) []step {
			return []step{list("10"), stream(false, frame("ADDED", a11)), stream(true, frame("MODIFIED", pod("a", "u1", "12")))}
		},
		n: 2, want: []string{"ADDED a@11", "MODIFIED a@12"},
		reqs: []string{"now", "watch rv=10", "watch rv=11"},
	}, {
		reason: "the connection drops in the middle of a frame: resume after backoff from the last complete event; the half event comes again",
		steps: func(*fakeClock) []step {
			m12 := frame("MODIFIED", pod("a", "u1", "12"))
			return []step{list("10"), dropMidFrame(m12, frame("ADDED", a11)), stream(true, m12)}
		},
		n: 2, want: []string{"ADDED a@11", "MODIFIED a@12"},
		reqs:  []string{"now", "watch rv=10", "watch rv=11"},
		waits: []time.Duration{500 * time.Millisecond},
	}, {
		reason: "the body ends inside a JSON frame (truncated frame): resume like a dropped connection",
		steps: func(*fakeClock) []step {
			m12 := frame("MODIFIED", pod("a", "u1", "12"))
			return []step{list("10"), truncated(m12, frame("ADDED", a11)), stream(true, m12)}
		},
		n: 2, want: []string{"ADDED a@11", "MODIFIED a@12"},
		reqs:  []string{"now", "watch rv=10", "watch rv=11"},
		waits: []time.Duration{500 * time.Millisecond},
	}, {
		reason: "410 Gone answering the watch: relist at once and deliver the difference (Modified b, Added c, Deleted a as a tombstone)",
		opts:   watch.Options{InitialList: true, NoStreamingList: true},
		steps: func(*fakeClock) []step {
			return []step{
				list("10", pod("a", "ua", "5"), pod("b", "ub", "6")),
				status(410, "Expired", 0),
				list("20", pod("b", "ub", "15"), pod("c", "uc", "16")),
				stream(true, frame("MODIFIED", pod("c", "uc", "21"))),
			}
		},
		n:    6,
		want: []string{"ADDED a@5", "ADDED b@6", "MODIFIED b@15", "ADDED c@16", "DELETED a@5", "MODIFIED c@21"},
		reqs: []string{"list", "watch rv=10", "list", "watch rv=20"},
	}, {
		reason: "410 as an in-stream ERROR event: relist; a name now held by a new object (new UID) is Deleted then Added",
		opts:   watch.Options{InitialList: true, NoStreamingList: true},
		steps: func(*fakeClock) []step {
			return []step{
				list("10", pod("a", "u1", "5")),
				stream(false, frame("MODIFIED", pod("a", "u1", "7")), frame("ERROR", statusJSON(410, "Expired", "too old resource version: 7 (9)"))),
				list("20", pod("a", "u2", "18")),
				stream(true, frame("DELETED", pod("a", "u2", "22"))),
			}
		},
		n:    5,
		want: []string{"ADDED a@5", "MODIFIED a@7", "DELETED a@7", "ADDED a@18", "DELETED a@22"},
		reqs: []string{"list", "watch rv=10", "list", "watch rv=20"},
	}, {
		reason: "the streaming initial list: Added events up to the initial-events-end bookmark, then changes on the same connection",
		opts:   watch.Options{InitialList: true},
		steps: func(*fakeClock) []step {
			return []step{stream(true, frame("ADDED", pod("a", "ua", "5")), frame("ADDED", pod("b", "ub", "6")), bookmark("10", true), frame("MODIFIED", pod("a", "ua", "11")))}
		},
		n: 3, want: []string{"ADDED a@5", "ADDED b@6", "MODIFIED a@11"},
		reqs: []string{"watch initial"},
	}, {
		reason: "the server rejects the streaming list (422): fall back to list + watch at once",
		opts:   watch.Options{InitialList: true},
		steps: func(*fakeClock) []step {
			return []step{status(422, "Invalid", 0), list("10", pod("a", "ua", "5")), stream(true, frame("MODIFIED", pod("a", "ua", "11")))}
		},
		n: 2, want: []string{"ADDED a@5", "MODIFIED a@11"},
		reqs: []string{"watch initial", "list", "watch rv=10"},
	}, {
		reason: "the streaming list ends before its end bookmark: start it again and deliver only the difference",
		opts:   watch.Options{InitialList: true},
		steps: func(*fakeClock) []step {
			return []step{
				stream(false, frame("ADDED", pod("a", "ua", "5"))),
				stream(true, frame("ADDED", pod("a", "ua", "5")), frame("ADDED", pod("b", "ub", "6")), bookmark("10", true), frame("DELETED", pod("a", "ua", "12"))),
			}
		},
		n: 3, want: []string{"ADDED a@5", "ADDED b@6", "DELETED a@12"},
		reqs: []string{"watch initial", "watch initial"},
	}, {
		reason: "429 with Retry-After: wait what the server asks, more than the backoff",
		steps: func(*fakeClock) []step {
			return []step{status(429, "TooManyRequests", 7), list("10"), stream(true, frame("ADDED", a11))}
		},
		n: 1, want: []string{"ADDED a@11"},
		reqs:  []string{"now", "now", "watch rv=10"},
		waits: []time.Duration{7 * time.Second},
	}, {
		reason: "503 on the watch: exponential backoff 0.5s, 1s, 2s, then Retry-After 5s",
		steps: func(*fakeClock) []step {
			return []step{list("10"), status(503, "ServiceUnavailable", 0), status(500, "InternalError", 0), status(502, "", 0), status(503, "", 5), stream(true, frame("ADDED", a11))}
		},
		n: 1, want: []string{"ADDED a@11"},
		reqs:  []string{"now", "watch rv=10", "watch rv=10", "watch rv=10", "watch rv=10", "watch rv=10"},
		waits: []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second},
	}, {
		reason: "after a connection stayed up longer than ResetAfter, the backoff starts again from Initial",
		steps: func(c *fakeClock) []step {
			return []step{list("10"), status(500, "", 0), status(500, "", 0),
				clockAdvance(c, 3*time.Minute, dropMidFrame(frame("ADDED", a11))),
				status(500, "", 0), stream(true, frame("ADDED", a11))}
		},
		n: 1, want: []string{"ADDED a@11"},
		waits: []time.Duration{500 * time.Millisecond, time.Second, 500 * time.Millisecond, time.Second},
	}, {
		reason: "a watch the server ends at once without any event is retried with backoff, not in a hot loop",
		steps: func(*fakeClock) []step {
			return []step{list("10"), stream(false), stream(false), stream(true, frame("ADDED", a11))}
		},
		n: 1, want: []string{"ADDED a@11"},
		waits: []time.Duration{500 * time.Millisecond, time.Second},
	}, {
		reason: "bookmarks move the resume point even when not delivered",
		steps: func(*fakeClock) []step {
			return []step{list("10"), stream(false, bookmark("12", false)), stream(true, frame("ADDED", pod("a", "u1", "13")))}
		},
		n: 1, want: []string{"ADDED a@13"},
		reqs: []string{"now", "watch rv=10", "watch rv=12"},
	}, {
		reason: "bookmarks are delivered with Options.Bookmarks",
		opts:   watch.Options{Bookmarks: true},
		steps: func(*fakeClock) []step {
			return []step{list("10"), stream(true, bookmark("12", false), frame("ADDED", pod("a", "u1", "13")))}
		},
		n: 2, want: []string{"BOOKMARK @12", "ADDED a@13"},
	}, {
		reason: "an explicit ResourceVersion is the first resume point (no list)",
		opts:   watch.Options{ResourceVersion: "7"},
		steps: func(*fakeClock) []step {
			return []step{stream(true, frame("MODIFIED", pod("a", "u1", "8")))}
		},
		n: 1, want: []string{"MODIFIED a@8"},
		reqs: []string{"watch rv=7"},
	}}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			t.Parallel()
			clock := &fakeClock{now: time.Unix(1e9, 0)}
			f := newFakeAPI(t, c.steps(clock)...)
			var waits []time.Duration
			opts := c.opts
			opts.Clock, opts.Rand, opts.IdleTimeout = clock, func() float64 { return 1 }, -1
			opts.OnRetry = func(err error, d time.Duration) { waits = append(waits, d) }
			opts.Backoff.ResetAfter = time.Minute
			evs, err := collect(f.pods().Watch(testCtx(t), opts), c.n)
			require.NoError(t, err, c.reason)
			assert.Equal(t, c.want, summary(evs), c.reason)
			if c.reqs != nil {
				got := f.described()
				require.GreaterOrEqual(t, len(got), len(c.reqs)-1, c.reason)
				assert.Equal(t, c.reqs[:min(len(c.reqs), len(got))], got[:min(len(c.reqs), len(got))], c.reason)
			}
			assert.Equal(t, c.waits, waits, c.reason)
		})
	}
}

// TestWatchPermanentErrors checks that errors retrying cannot fix end the
// loop with the server's error after a single attempt.
func TestWatchPermanentErrors(t *testing.T) {
	cases := []struct {
		reason   string
		code     int
		sentinel error
	}{
		{"403: the user may not watch the resource", 403, sdk.ErrForbidden},
		{"401: the credentials are not accepted", 401, sdk.ErrUnauthorized},
		{"404: the server does not serve the resource type", 404, sdk.ErrNotFound},
		{"400: the request is malformed", 400, sdk.ErrBadRequest},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, list("10"), status(c.code, "", 0), stream(true))
			retried := false
			evs, err := collect(f.pods().Watch(testCtx(t), watch.Options{OnRetry: func(error, time.Duration) { retried = true }}), 1)
			require.Error(t, err, c.reason)
			assert.Empty(t, evs)
			assert.ErrorIs(t, err, c.sentinel, c.reason)
			var ae *sdk.APIError
			require.ErrorAs(t, err, &ae, c.reason)
			assert.Equal(t, c.code, ae.StatusCode)
			var se *watch.StatusError
			require.ErrorAs(t, err, &se, c.reason)
			assert.Equal(t, c.code, se.Code)
			assert.False(t, retried, c.reason)
			assert.Equal(t, []string{"now", "watch rv=10"}, f.described(), c.reason)
		})
	}
}

func TestWatchMalformedObjectIsPermanent(t *testing.T) {
	f := newFakeAPI(t, list("10"), stream(true, `{"type":"ADDED","object":{"kind":"Service","apiVersion":"v1","metadata":{"name":"x"}}}`+"\n"))
	_, err := collect(f.pods().Watch(testCtx(t), watch.Options{}), 1)
	var de *sdk.DecodeError
	require.ErrorAs(t, err, &de, "an object of the wrong kind cannot be fixed by resuming")
}

func TestWatchBreakClosesStream(t *testing.T) {
	ctx := testCtx(t)
	f := newFakeAPI(t, list("10"), stream(true, frame("ADDED", pod("a", "u1", "11"))))
	evs, err := collect(f.pods().Watch(ctx, watch.Options{}), 1)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.NoError(t, f.waitGone(ctx, 1), "breaking out of the loop must close the watch request")
}

func TestWatchCancelYieldsContextError(t *testing.T) {
	ctx := testCtx(t)
	f := newFakeAPI(t, list("10"), stream(true, frame("ADDED", pod("a", "u1", "11"))))
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var last error
	n := 0
	for _, err := range f.pods().Watch(wctx, watch.Options{}) {
		if err != nil {
			last = err
			break
		}
		n++
		cancel()
	}
	assert.Equal(t, 1, n)
	assert.ErrorIs(t, last, context.Canceled, "the context's error is yielded last")
	require.NoError(t, f.waitGone(ctx, 1))
}

func TestWatchIdleTimeoutReconnects(t *testing.T) {
	ctx := testCtx(t)
	// Request 1 is a watch that never sends anything (a dead connection);
	// the loop must give up on it and resume from the same point.
	f := newFakeAPI(t, list("10"), hold, stream(true, frame("ADDED", pod("a", "u1", "11"))))
	evs, err := collect(f.pods().Watch(ctx, watch.Options{IdleTimeout: 50 * time.Millisecond, Backoff: watch.Backoff{Initial: time.Millisecond}}), 1)
	require.NoError(t, err)
	assert.Equal(t, []string{"ADDED a@11"}, summary(evs))
	assert.Equal(t, []string{"now", "watch rv=10", "watch rv=10"}, f.described())
	require.NoError(t, f.waitGone(ctx, 1), "the idle connection is closed")
}

func TestWatchIteratorIsSingleUse(t *testing.T) {
	f := newFakeAPI(t, list("10"), stream(true, frame("ADDED", pod("a", "u1", "11"))))
	seq := f.pods().Watch(testCtx(t), watch.Options{})
	_, err := collect(seq, 1)
	require.NoError(t, err)
	_, err = collect(seq, 1)
	assert.ErrorIs(t, err, watch.ErrReused)
}

func TestWatcherNext(t *testing.T) {
	ctx := testCtx(t)
	release := make(chan struct{})
	f := newFakeAPI(t, list("10"), func(w http.ResponseWriter, r *http.Request) {
		<-release
		stream(true, frame("ADDED", pod("a", "u1", "11")))(w, r)
	})
	w := f.pods().Watcher(ctx, watch.Options{})
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err := w.Next(short)
	cancel()
	assert.ErrorIs(t, err, context.DeadlineExceeded, "no event in time")
	close(release)
	ev, err := w.Next(ctx)
	require.NoError(t, err, "the watcher stays usable after a deadline")
	assert.Equal(t, "a", ev.Object.Name())
	require.NoError(t, w.Close())
	require.NoError(t, w.Close(), "Close twice")
	_, err = w.Next(ctx)
	assert.ErrorIs(t, err, watch.ErrClosed)
	require.NoError(t, f.waitGone(ctx, 1), "Close releases the connection")
}

func TestWatcherFinalError(t *testing.T) {
	ctx := testCtx(t)
	f := newFakeAPI(t, list("10"), status(403, "Forbidden", 0))
	w := f.pods().Watcher(ctx, watch.Options{})
	defer w.Close()
	_, err := w.Next(ctx)
	assert.ErrorIs(t, err, sdk.ErrForbidden)
	_, err = w.Next(ctx)
	assert.ErrorIs(t, err, watch.ErrClosed, "the final error is returned once")
}

func TestBackoffDelay(t *testing.T) {
	b := watch.Backoff{Initial: time.Second, Max: 10 * time.Second, Factor: 2, Jitter: 0.5}
	cases := []struct {
		reason string
		n      int
		r      float64
		want   time.Duration
	}{
		{"first retry, no jitter (r=1)", 1, 1, time.Second},
		{"first retry, full jitter (r=0) halves the delay", 1, 0, 500 * time.Millisecond},
		{"third retry doubles twice", 3, 1, 4 * time.Second},
		{"capped at Max", 5, 1, 10 * time.Second},
		{"capped at Max far beyond (no overflow)", 500, 1, 10 * time.Second},
		{"jitter applies after the cap", 9, 0.5, 7500 * time.Millisecond},
		{"n < 1 counts as the first retry", 0, 1, time.Second},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, b.Delay(c.n, c.r), c.reason)
	}
	assert.Equal(t, 500*time.Millisecond, watch.Backoff{}.Delay(1, 1), "zero value: defaults")
	assert.Equal(t, 30*time.Second, watch.Backoff{}.Delay(100, 1), "zero value: default cap")
}
