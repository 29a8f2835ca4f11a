package watch_test

import (
	"context"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// wantWait is a retry wait the loop should report through OnRetry: a
// backoff step d (jittered into [d/2, d] by the default Jitter), or an
// exact wait (a server's Retry-After, or 0 for an immediate relist).
type wantWait struct {
	d     time.Duration
	exact bool
}

func backoff(d time.Duration) wantWait { return wantWait{d: d} }
func exactly(d time.Duration) wantWait { return wantWait{d: d, exact: true} }

func checkWaits(t *testing.T, want []wantWait, got []time.Duration, reason string) {
	t.Helper()
	require.Len(t, got, len(want), "%s: waits %v", reason, got)
	for i, w := range want {
		if w.exact {
			assert.Equal(t, w.d, got[i], "%s: wait %d", reason, i)
		} else {
			assert.True(t, got[i] >= w.d/2 && got[i] <= w.d, "%s: wait %d is %s, want in [%s, %s]", reason, i, got[i], w.d/2, w.d)
		}
	}
}

// TestWatchScripted drives the watch loop through a real sdk View against
// scripted server answers and checks the events delivered, the requests
// made (resume points), the retry waits reported, and that the loop
// really waited them (fake time in a synctest bubble: the elapsed time is
// exactly the sum of the waits, plus what the script itself spent).
func TestWatchScripted(t *testing.T) {
	a11 := pod("a", "u1", "11")
	type tc struct {
		reason string
		opts   watch.Options
		steps  []step
		n      int // events to collect
		want   []string
		reqs   []string // the first requests made
		waits  []wantWait
		extra  time.Duration // time the script spends on its own
	}
	cases := []tc{{
		reason: "the server ends the watch cleanly (timeout): resume from the last resourceVersion at once",
		steps:  []step{list("10"), stream(false, frame("ADDED", a11)), stream(true, frame("MODIFIED", pod("a", "u1", "12")))},
		n:      2, want: []string{"ADDED a@11", "MODIFIED a@12"},
		reqs: []string{"now", "watch rv=10", "watch rv=11"},
	}, {
		reason: "the connection drops in the middle of a frame: resume after backoff from the last complete event; the half event comes again",
		steps: []step{list("10"), dropMidFrame(frame("MODIFIED", pod("a", "u1", "12")), frame("ADDED", a11)),
			stream(true, frame("MODIFIED", pod("a", "u1", "12")))},
		n: 2, want: []string{"ADDED a@11", "MODIFIED a@12"},
		reqs:  []string{"now", "watch rv=10", "watch rv=11"},
		waits: []wantWait{backoff(500 * time.Millisecond)},
	}, {
		reason: "the body ends inside a JSON frame (truncated frame): resume like a dropped connection",
		steps: []step{list("10"), truncated(frame("MODIFIED", pod("a", "u1", "12")), frame("ADDED", a11)),
			stream(true, frame("MODIFIED", pod("a", "u1", "12")))},
		n: 2, want: []string{"ADDED a@11", "MODIFIED a@12"},
		reqs:  []string{"now", "watch rv=10", "watch rv=11"},
		waits: []wantWait{backoff(500 * time.Millisecond)},
	}, {
		reason: "410 Gone answering the watch: relist at once and deliver the difference (Modified b, Added c, Deleted a as a tombstone)",
		opts:   watch.Options{InitialList: true, LoopOptions: watch.LoopOptions{NoStreamingList: true}},
		steps: []step{
			list("10", pod("a", "ua", "5"), pod("b", "ub", "6")),
			status(410, "Expired", 0),
			list("20", pod("b", "ub", "15"), pod("c", "uc", "16")),
			stream(true, frame("MODIFIED", pod("c", "uc", "21"))),
		},
		n:     6,
		want:  []string{"ADDED a@5", "ADDED b@6", "MODIFIED b@15", "ADDED c@16", "DELETED a@5", "MODIFIED c@21"},
		reqs:  []string{"list", "watch rv=10", "list", "watch rv=20"},
		waits: []wantWait{exactly(0)},
	}, {
		reason: "410 as an in-stream ERROR event: relist; a name now held by a new object (new UID) is Deleted then Added",
		opts:   watch.Options{InitialList: true, LoopOptions: watch.LoopOptions{NoStreamingList: true}},
		steps: []step{
			list("10", pod("a", "u1", "5")),
			stream(false, frame("MODIFIED", pod("a", "u1", "7")), frame("ERROR", statusJSON(410, "Expired", "too old resource version: 7 (9)"))),
			list("20", pod("a", "u2", "18")),
			stream(true, frame("DELETED", pod("a", "u2", "22"))),
		},
		n:     5,
		want:  []string{"ADDED a@5", "MODIFIED a@7", "DELETED a@7", "ADDED a@18", "DELETED a@22"},
		reqs:  []string{"list", "watch rv=10", "list", "watch rv=20"},
		waits: []wantWait{exactly(0)},
	}, {
		reason: "the streaming initial list: Added events up to the initial-events-end bookmark, then changes on the same connection",
		opts:   watch.Options{InitialList: true},
		steps:  []step{stream(true, frame("ADDED", pod("a", "ua", "5")), frame("ADDED", pod("b", "ub", "6")), bookmark("10", true), frame("MODIFIED", pod("a", "ua", "11")))},
		n:      3, want: []string{"ADDED a@5", "ADDED b@6", "MODIFIED a@11"},
		reqs: []string{"watch initial"},
	}, {
		reason: "the server rejects the streaming list (422): fall back to list + watch at once",
		opts:   watch.Options{InitialList: true},
		steps:  []step{status(422, "Invalid", 0), list("10", pod("a", "ua", "5")), stream(true, frame("MODIFIED", pod("a", "ua", "11")))},
		n:      2, want: []string{"ADDED a@5", "MODIFIED a@11"},
		reqs:  []string{"watch initial", "list", "watch rv=10"},
		waits: []wantWait{exactly(0)},
	}, {
		reason: "the streaming list ends before its end bookmark: start it again and deliver only the difference",
		opts:   watch.Options{InitialList: true},
		steps: []step{
			stream(false, frame("ADDED", pod("a", "ua", "5"))),
			stream(true, frame("ADDED", pod("a", "ua", "5")), frame("ADDED", pod("b", "ub", "6")), bookmark("10", true), frame("DELETED", pod("a", "ua", "12"))),
		},
		n: 3, want: []string{"ADDED a@5", "ADDED b@6", "DELETED a@12"},
		reqs: []string{"watch initial", "watch initial"},
	}, {
		reason: "a server that ignores sendInitialEvents sends a bookmark without the end annotation: fall back to list + watch, and a deletion is not lost",
		opts:   watch.Options{InitialList: true},
		steps: []step{
			stream(true, frame("ADDED", pod("a", "ua", "5")), frame("ADDED", pod("b", "ub", "6")), bookmark("10", false), frame("DELETED", pod("a", "ua", "11"))),
			list("11", pod("b", "ub", "6")),
			stream(true, frame("MODIFIED", pod("b", "ub", "12"))),
		},
		n: 4, want: []string{"ADDED a@5", "ADDED b@6", "DELETED a@5", "MODIFIED b@12"},
		reqs:  []string{"watch initial", "list", "watch rv=11"},
		waits: []wantWait{exactly(0)},
	}, {
		reason: "a server that ignores sendInitialEvents streams a deletion after its synthetic Added events: fall back, and deliver it",
		opts:   watch.Options{InitialList: true},
		steps: []step{
			stream(true, frame("ADDED", pod("a", "ua", "5")), frame("ADDED", pod("b", "ub", "6")), frame("DELETED", pod("a", "ua", "11"))),
			list("11", pod("b", "ub", "6")),
			stream(true, frame("ADDED", pod("c", "uc", "12"))),
		},
		n: 4, want: []string{"ADDED a@5", "ADDED b@6", "DELETED a@5", "ADDED c@12"},
		reqs:  []string{"watch initial", "list", "watch rv=11"},
		waits: []wantWait{exactly(0)},
	}, {
		reason: "a server that ignores sendInitialEvents and sends no bookmarks: after two streaming lists without their end, fall back to list + watch",
		opts:   watch.Options{InitialList: true},
		steps: []step{
			stream(false, frame("ADDED", pod("a", "ua", "5"))),
			stream(false, frame("ADDED", pod("a", "ua", "5"))),
			list("10", pod("a", "ua", "5")),
			stream(true, frame("MODIFIED", pod("a", "ua", "11"))),
		},
		n: 2, want: []string{"ADDED a@5", "MODIFIED a@11"},
		reqs:  []string{"watch initial", "watch initial", "list", "watch rv=10"},
		waits: []wantWait{exactly(0)},
	}, {
		reason: "429 with Retry-After: wait what the server asks, more than the backoff",
		steps:  []step{status(429, "TooManyRequests", 7), list("10"), stream(true, frame("ADDED", a11))},
		n:      1, want: []string{"ADDED a@11"},
		reqs:  []string{"now", "now", "watch rv=10"},
		waits: []wantWait{exactly(7 * time.Second)},
	}, {
		reason: "503 on the watch: exponential backoff 0.5s, 1s, 2s, then Retry-After 5s",
		steps:  []step{list("10"), status(503, "ServiceUnavailable", 0), status(500, "InternalError", 0), status(502, "", 0), status(503, "", 5), stream(true, frame("ADDED", a11))},
		n:      1, want: []string{"ADDED a@11"},
		reqs:  []string{"now", "watch rv=10", "watch rv=10", "watch rv=10", "watch rv=10", "watch rv=10"},
		waits: []wantWait{backoff(500 * time.Millisecond), backoff(time.Second), backoff(2 * time.Second), exactly(5 * time.Second)},
	}, {
		reason: "after a connection stayed up longer than ResetAfter, the backoff starts again from Initial",
		opts:   watch.Options{LoopOptions: watch.LoopOptions{ResetAfter: time.Minute}},
		steps: []step{list("10"), status(500, "", 0), status(500, "", 0),
			func(w http.ResponseWriter, r *http.Request) {
				hdr(w)
				time.Sleep(90 * time.Second) // up for 90s, less than the idle timeout
				dropMidFrame(frame("ADDED", a11))(w, r)
			},
			status(500, "", 0), stream(true, frame("ADDED", a11))},
		n: 1, want: []string{"ADDED a@11"},
		waits: []wantWait{backoff(500 * time.Millisecond), backoff(time.Second), backoff(500 * time.Millisecond), backoff(time.Second)},
		extra: 90 * time.Second,
	}, {
		reason: "a watch the server ends at once without any event is retried with backoff, not in a hot loop",
		steps:  []step{list("10"), stream(false), stream(false), stream(true, frame("ADDED", a11))},
		n:      1, want: []string{"ADDED a@11"},
		waits: []wantWait{backoff(500 * time.Millisecond), backoff(time.Second)},
	}, {
		reason: "bookmarks move the resume point even when not delivered",
		steps:  []step{list("10"), stream(false, bookmark("12", false)), stream(true, frame("ADDED", pod("a", "u1", "13")))},
		n:      1, want: []string{"ADDED a@13"},
		reqs: []string{"now", "watch rv=10", "watch rv=12"},
	}, {
		reason: "bookmarks are delivered with Options.Bookmarks",
		opts:   watch.Options{Bookmarks: true},
		steps:  []step{list("10"), stream(true, bookmark("12", false), frame("ADDED", pod("a", "u1", "13")))},
		n:      2, want: []string{"BOOKMARK @12", "ADDED a@13"},
	}, {
		reason: "an explicit ResourceVersion is the first resume point (no list)",
		opts:   watch.Options{ResourceVersion: "7"},
		steps:  []step{stream(true, frame("MODIFIED", pod("a", "u1", "8")))},
		n:      1, want: []string{"MODIFIED a@8"},
		reqs: []string{"watch rv=7"},
	}}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := newFakeAPI(t, c.steps...)
				var waits []time.Duration
				opts := c.opts
				opts.OnRetry = func(err error, d time.Duration) { waits = append(waits, d) }
				start := time.Now()
				evs, err := collect(f.pods().Watch(testCtx(t), opts), c.n)
				elapsed := time.Since(start)
				require.NoError(t, err, c.reason)
				assert.Equal(t, c.want, summary(evs), c.reason)
				if c.reqs != nil {
					got := f.described()
					require.GreaterOrEqual(t, len(got), len(c.reqs)-1, c.reason)
					assert.Equal(t, c.reqs[:min(len(c.reqs), len(got))], got[:min(len(c.reqs), len(got))], c.reason)
				}
				checkWaits(t, c.waits, waits, c.reason)
				var sum time.Duration
				for _, w := range waits {
					sum += w
				}
				assert.Equal(t, sum+c.extra, elapsed, "%s: the loop waits what it reports, no more", c.reason)
			})
		})
	}
}

// TestWatchPermanentErrors checks that errors retrying cannot fix end the
// loop with the server's error after a single attempt; the error carries
// the server's answer as a watch.APIStatus and as an *sdk.APIError.
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
			synctest.Test(t, func(t *testing.T) {
				f := newFakeAPI(t, list("10"), status(c.code, "", 0), stream(true))
				retried := false
				opts := watch.Options{LoopOptions: watch.LoopOptions{OnRetry: func(error, time.Duration) { retried = true }}}
				evs, err := collect(f.pods().Watch(testCtx(t), opts), 1)
				require.Error(t, err, c.reason)
				assert.Empty(t, evs)
				assert.ErrorIs(t, err, c.sentinel, c.reason)
				var ae *sdk.APIError
				require.ErrorAs(t, err, &ae, c.reason)
				assert.Equal(t, c.code, ae.Code)
				var st watch.APIStatus
				require.ErrorAs(t, err, &st, c.reason)
				assert.Equal(t, c.code, st.StatusCode())
				assert.False(t, retried, c.reason)
				assert.Equal(t, []string{"now", "watch rv=10"}, f.described(), c.reason)
			})
		})
	}
}

// TestWatchMalformedRecovers: data that does not decode is yielded as a
// non-final error matching watch.ErrMalformed (with the sdk's
// *DecodeError); a consumer that keeps ranging gets, after backoff, the
// difference of a relist, then later events.
func TestWatchMalformedRecovers(t *testing.T) {
	cases := []struct {
		reason string
		bad    string
	}{
		{"an object of another kind", `{"type":"MODIFIED","object":{"kind":"Service","apiVersion":"v1","metadata":{"name":"x"}}}` + "\n"},
		{"a frame that is not JSON", "garbage\n"},
		{"a frame that is not an object", `"hello"` + "\n"},
		{"an unknown event type", `{"type":"EXPLODED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a"}}}` + "\n"},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := newFakeAPI(t,
					list("10"),
					stream(true, frame("ADDED", pod("a", "ua", "11")), c.bad, frame("ADDED", pod("z", "uz", "12"))),
					stream(true, frame("ADDED", pod("a", "ua", "11")), frame("ADDED", pod("b", "ub", "15")), bookmark("20", true),
						frame("MODIFIED", pod("b", "ub", "21"))),
				)
				var retried []error
				opts := watch.Options{LoopOptions: watch.LoopOptions{OnRetry: func(err error, _ time.Duration) { retried = append(retried, err) }}}
				var got []string
				for ev, err := range f.pods().Watch(testCtx(t), opts) {
					if err != nil {
						require.ErrorIs(t, err, watch.ErrMalformed, c.reason)
						var de *sdk.DecodeError
						require.ErrorAs(t, err, &de, "%s: the sdk's details come along", c.reason)
						got = append(got, "error")
						continue
					}
					got = append(got, summary([]watch.Event[*kinds.Pod]{ev})...)
					if len(got) == 4 {
						break
					}
				}
				assert.Equal(t, []string{"ADDED a@11", "error", "ADDED b@15", "MODIFIED b@21"}, got,
					"%s: the event after the bad frame (z) is skipped; the relist delivers the difference (b; a is unchanged)", c.reason)
				assert.Equal(t, []string{"now", "watch rv=10", "watch initial"}, f.described(), "%s: the relist is a streaming list", c.reason)
				require.Len(t, retried, 1, c.reason)
				assert.ErrorIs(t, retried[0], watch.ErrMalformed, c.reason)
			})
		})
	}
}

// TestWatchMalformedStopsWhenTheConsumerStops: a consumer that stops at
// the malformed-data error ends the watch and its connection.
func TestWatchMalformedStopsWhenTheConsumerStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testCtx(t)
		f := newFakeAPI(t, list("10"), stream(true, "garbage\n"), list("20"))
		var last error
		for _, err := range f.pods().Watch(ctx, watch.Options{}) {
			last = err
			break
		}
		assert.ErrorIs(t, last, watch.ErrMalformed)
		require.NoError(t, f.waitGone(ctx, 1))
		synctest.Wait()
		assert.Equal(t, []string{"now", "watch rv=10"}, f.described(), "no relist after the consumer stopped")
	})
}

// TestWatchStalledRequestsAreAbandoned: a request whose headers or body
// stall is abandoned after LoopOptions.RequestTimeout (its connection is
// closed), reported as a *watch.TimeoutError and retried with backoff.
func TestWatchStalledRequestsAreAbandoned(t *testing.T) {
	a11 := frame("ADDED", pod("a", "u1", "11"))
	cases := []struct {
		reason  string
		opts    watch.Options
		steps   []step
		reqs    []string
		op      string
		timeout time.Duration
	}{
		{"the headers of the first list never arrive", watch.Options{},
			[]step{stallHeaders, list("10"), stream(true, a11)}, []string{"now", "now", "watch rv=10"}, "list", watch.DefaultRequestTimeout},
		{"the body of the first list stalls", watch.Options{LoopOptions: watch.LoopOptions{RequestTimeout: 5 * time.Second}},
			[]step{stallBody, list("10"), stream(true, a11)}, []string{"now", "now", "watch rv=10"}, "list", 5 * time.Second},
		{"the headers of a watch never arrive", watch.Options{},
			[]step{list("10"), stallHeaders, stream(true, a11)}, []string{"now", "watch rv=10", "watch rv=10"}, "open watch", watch.DefaultRequestTimeout},
		{"the headers of a streaming initial list never arrive", watch.Options{InitialList: true},
			[]step{stallHeaders, stream(true, a11, bookmark("11", true))}, []string{"watch initial", "watch initial"}, "open watch", watch.DefaultRequestTimeout},
		{"a paged initial list stalls", watch.Options{InitialList: true, LoopOptions: watch.LoopOptions{NoStreamingList: true}},
			[]step{stallBody, list("10", pod("a", "u1", "11")), hold}, []string{"list", "list"}, "list", watch.DefaultRequestTimeout},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				ctx := testCtx(t)
				f := newFakeAPI(t, c.steps...)
				var errs []error
				var waits []time.Duration
				opts := c.opts
				opts.OnRetry = func(err error, d time.Duration) { errs, waits = append(errs, err), append(waits, d) }
				start := time.Now()
				evs, err := collect(f.pods().Watch(ctx, opts), 1)
				require.NoError(t, err, c.reason)
				assert.Equal(t, []string{"ADDED a@11"}, summary(evs), c.reason)
				got := f.described()
				assert.Equal(t, c.reqs, got[:min(len(got), len(c.reqs))], c.reason)
				require.Len(t, errs, 1, c.reason)
				var te *watch.TimeoutError
				require.ErrorAs(t, errs[0], &te, c.reason)
				assert.Equal(t, c.op, te.Op, c.reason)
				assert.Equal(t, c.timeout, te.After, c.reason)
				assert.Equal(t, c.timeout+waits[0], time.Since(start), "%s: abandoned after the timeout, retried after the backoff", c.reason)
				require.NoError(t, f.waitGone(ctx, 0), "%s: the stalled request's connection is closed", c.reason)
			})
		})
	}
}

func TestWatchBreakClosesStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testCtx(t)
		f := newFakeAPI(t, list("10"), stream(true, frame("ADDED", pod("a", "u1", "11"))))
		evs, err := collect(f.pods().Watch(ctx, watch.Options{}), 1)
		require.NoError(t, err)
		require.Len(t, evs, 1)
		require.NoError(t, f.waitGone(ctx, 1), "breaking out of the loop must close the watch request")
	})
}

func TestWatchCancelYieldsContextError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
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
	})
}

func TestWatchIdleTimeoutReconnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testCtx(t)
		// Request 1 is a watch that never sends anything (a dead connection);
		// the loop must give up on it and resume from the same point.
		f := newFakeAPI(t, list("10"), hold, stream(true, frame("ADDED", pod("a", "u1", "11"))))
		var errs []error
		var waits []time.Duration
		opts := watch.Options{LoopOptions: watch.LoopOptions{OnRetry: func(err error, d time.Duration) { errs, waits = append(errs, err), append(waits, d) }}}
		start := time.Now()
		evs, err := collect(f.pods().Watch(ctx, opts), 1)
		require.NoError(t, err)
		assert.Equal(t, []string{"ADDED a@11"}, summary(evs))
		assert.Equal(t, []string{"now", "watch rv=10", "watch rv=10"}, f.described())
		require.NoError(t, f.waitGone(ctx, 1), "the idle connection is closed")
		require.Len(t, errs, 1)
		var te *watch.TimeoutError
		require.ErrorAs(t, errs[0], &te)
		assert.Equal(t, &watch.TimeoutError{Op: "read watch", After: watch.DefaultIdleTimeout}, te)
		assert.Equal(t, watch.DefaultIdleTimeout+waits[0], time.Since(start))
	})
}

func TestWatchIteratorIsSingleUse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeAPI(t, list("10"), stream(true, frame("ADDED", pod("a", "u1", "11"))))
		seq := f.pods().Watch(testCtx(t), watch.Options{})
		_, err := collect(seq, 1)
		require.NoError(t, err)
		_, err = collect(seq, 1)
		assert.ErrorIs(t, err, watch.ErrReused)
	})
}

func TestWatcherNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testCtx(t)
		release := make(chan struct{})
		f := newFakeAPI(t, list("10"), func(w http.ResponseWriter, r *http.Request) {
			hdr(w)
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
	})
}

func TestWatcherMalformedIsNotFinal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testCtx(t)
		f := newFakeAPI(t, list("10"), stream(true, "garbage\n"), stream(true, frame("ADDED", pod("a", "u1", "15")), bookmark("20", true)))
		w := f.pods().Watcher(ctx, watch.Options{})
		defer w.Close()
		_, err := w.Next(ctx)
		assert.ErrorIs(t, err, watch.ErrMalformed)
		ev, err := w.Next(ctx)
		require.NoError(t, err, "the watcher goes on after malformed data")
		assert.Equal(t, []string{"ADDED a@15"}, summary([]watch.Event[*kinds.Pod]{ev}))
	})
}

func TestWatcherFinalError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testCtx(t)
		f := newFakeAPI(t, list("10"), status(403, "Forbidden", 0))
		w := f.pods().Watcher(ctx, watch.Options{})
		defer w.Close()
		_, err := w.Next(ctx)
		assert.ErrorIs(t, err, sdk.ErrForbidden)
		_, err = w.Next(ctx)
		assert.ErrorIs(t, err, watch.ErrClosed, "the final error is returned once")
	})
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
	assert.Equal(t, time.Second, watch.Backoff{Initial: time.Second, Factor: -3, Jitter: 7}.Delay(1, 1), "out-of-range fields mean the defaults")
	assert.Equal(t, 500*time.Millisecond, watch.Backoff{Initial: time.Second, Jitter: 7}.Delay(1, 0), "out-of-range Jitter means 0.5")
}

func TestBackoffSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := watch.Backoff{Initial: time.Second, Max: 8 * time.Second}
		for n := 1; n <= 5; n++ {
			start := time.Now()
			require.NoError(t, b.Sleep(t.Context(), n))
			d := b.Delay(n, 1)
			elapsed := time.Since(start)
			assert.True(t, elapsed >= d/2 && elapsed <= d, "retry %d slept %s, want in [%s, %s]", n, elapsed, d/2, d)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		assert.ErrorIs(t, b.Sleep(ctx, 3), context.DeadlineExceeded, "ctx ends the sleep")
		assert.Equal(t, 100*time.Millisecond, time.Since(start))
	})
}
