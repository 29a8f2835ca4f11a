package sdk

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/watch"
)

// Tests of the read-ahead (prefetch.go): prefetch and prefetchedStream
// directly, then through View.All and OpenWatch over httpmock. Waits are
// bounded: the time-sensitive tests run in a synctest bubble, where a
// hang is a reported deadlock and a goroutine left behind fails the test.

// prefetchResult is what a loop over prefetch saw.
type prefetchResult struct {
	items    []int
	errs     []error
	afterErr int // values yielded after the first error
}

// runPrefetch ranges over prefetch(ctx, produce) to the end, recording
// every value yielded.
func runPrefetch(ctx context.Context, produce func(context.Context, func(int) bool, func(io.Reader) io.Reader) error) prefetchResult {
	var res prefetchResult
	seq := func(yield func(int, error) bool) { prefetch(ctx, yield, produce) }
	for v, err := range seq {
		switch {
		case len(res.errs) > 0:
			res.afterErr++
		case err != nil:
			res.errs = append(res.errs, err)
		default:
			res.items = append(res.items, v)
		}
	}
	return res
}

func seqInts(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestPrefetchOrderAndCompleteness(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		reason    string
		n         int
		err       error
		readEvery int // read one byte through wrap after every readEvery items (0: never)
	}{
		{reason: "an empty list yields nothing", n: 0},
		{reason: "an empty list that fails yields the error alone", n: 0, err: errBoom},
		{reason: "one item, less than a batch, is flushed at the end", n: 1},
		{reason: "one item then the error, in that order", n: 1, err: errBoom},
		{reason: "one short of a batch", n: 63, err: errBoom},
		{reason: "exactly one batch: the error goes in a batch of its own", n: 64, err: errBoom},
		{reason: "exactly one batch without error", n: 64},
		{reason: "a batch and one", n: 65},
		{reason: "a batch and one, then the error", n: 65, err: errBoom},
		{reason: "many batches, more than the channel holds", n: 1000},
		{reason: "many batches then the error", n: 1000, err: errBoom},
		{reason: "reads between items flush partial batches without reordering", n: 1000, err: errBoom, readEvery: 7},
		{reason: "a read after every item", n: 65, readEvery: 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("n=%d/err=%v/read=%d", tt.n, tt.err, tt.readEvery), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var returned atomic.Bool
				res := runPrefetch(t.Context(), func(ctx context.Context, emit func(int) bool, wrap func(io.Reader) io.Reader) error {
					defer returned.Store(true)
					body := wrap(strings.NewReader(strings.Repeat("x", tt.n+1)))
					var b [1]byte
					for i := range tt.n {
						if !emit(i) {
							return errors.New("emit returned false though the loop reads everything")
						}
						if tt.readEvery > 0 && (i+1)%tt.readEvery == 0 {
							if _, err := body.Read(b[:]); err != nil {
								return err
							}
						}
					}
					return tt.err
				})
				assert.True(t, returned.Load(), tt.reason+": prefetch returned before produce")
				assert.Equal(t, seqInts(tt.n), append([]int{}, res.items...), tt.reason)
				if tt.err == nil {
					assert.Empty(t, res.errs, tt.reason)
				} else {
					require.Len(t, res.errs, 1, tt.reason)
					assert.ErrorIs(t, res.errs[0], tt.err, tt.reason)
				}
				assert.Zero(t, res.afterErr, tt.reason+": nothing after the error")
			})
		})
	}
}

func TestPrefetchEarlyBreak(t *testing.T) {
	tests := []struct {
		reason  string
		k       int  // items taken before the break
		blocked bool // produce blocks in a read of a body that ends with ctx (like an HTTP body)
	}{
		{reason: "break on the first item", k: 1},
		{reason: "break inside the first batch", k: 10},
		{reason: "break on a batch boundary", k: 64},
		{reason: "break after several batches", k: 300},
		{reason: "break while produce waits for the network", k: 3, blocked: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("k=%d/blocked=%v", tt.k, tt.blocked), func(t *testing.T) {
			// The bubble fails the test if any goroutine outlives it.
			synctest.Test(t, func(t *testing.T) {
				var returned atomic.Bool
				var prodCtx context.Context
				seq := func(yield func(int, error) bool) {
					prefetch(t.Context(), yield, func(ctx context.Context, emit func(int) bool, wrap func(io.Reader) io.Reader) error {
						defer returned.Store(true)
						prodCtx = ctx
						if tt.blocked {
							pr, pw := io.Pipe()
							go func() {
								<-ctx.Done()
								pw.CloseWithError(ctx.Err())
							}()
							for i := range tt.k + 2 {
								if !emit(i) {
									return nil
								}
							}
							_, err := io.ReadAll(wrap(pr))
							return err
						}
						for i := 0; ; i++ {
							if ctx.Err() != nil {
								return ctx.Err()
							}
							if !emit(i) {
								return nil
							}
						}
					})
				}
				var got []int
				for v, err := range seq {
					require.NoError(t, err)
					got = append(got, v)
					if len(got) == tt.k {
						break
					}
				}
				assert.True(t, returned.Load(), tt.reason+": produce has returned when the loop ends")
				require.NotNil(t, prodCtx)
				assert.ErrorIs(t, prodCtx.Err(), context.Canceled, tt.reason+": produce's ctx is cancelled")
				assert.Equal(t, seqInts(tt.k), got, tt.reason)
			})
		})
	}
}

func TestPrefetchFlushesBeforeRead(t *testing.T) {
	// produce decodes one item, then waits for more of the body: the item
	// must reach the loop while the read waits. If it did not, the loop
	// and the reader would wait on each other and the bubble would report
	// a deadlock instead of hanging.
	synctest.Test(t, func(t *testing.T) {
		pr, pw := io.Pipe()
		var written atomic.Bool
		seq := func(yield func(int, error) bool) {
			prefetch(t.Context(), yield, func(ctx context.Context, emit func(int) bool, wrap func(io.Reader) io.Reader) error {
				if !emit(7) {
					return nil
				}
				b, err := io.ReadAll(wrap(pr))
				if err != nil {
					return err
				}
				n, err := strconv.Atoi(string(b))
				if err != nil {
					return err
				}
				emit(n)
				return nil
			})
		}
		var got []int
		for v, err := range seq {
			require.NoError(t, err)
			got = append(got, v)
			if v == 7 {
				assert.False(t, written.Load(), "the first item arrives before the body has more")
				written.Store(true)
				go func() {
					_, err := pw.Write([]byte("42"))
					pw.CloseWithError(err)
				}()
			}
		}
		assert.Equal(t, []int{7, 42}, got)
	})
}

func TestPrefetchBackpressure(t *testing.T) {
	// A loop that lets the reader run as far as it can after every item:
	// what was emitted but not consumed stays within the batch being
	// built, the batches waiting and the one the loop is on.
	synctest.Test(t, func(t *testing.T) {
		var emitted atomic.Int64
		seq := func(yield func(int, error) bool) {
			prefetch(t.Context(), yield, func(ctx context.Context, emit func(int) bool, wrap func(io.Reader) io.Reader) error {
				for i := range 100000 {
					emitted.Add(1)
					if !emit(i) {
						return nil
					}
				}
				return nil
			})
		}
		consumed, maxAhead := 0, int64(0)
		for v, err := range seq {
			require.NoError(t, err)
			require.Equal(t, consumed, v)
			consumed++
			synctest.Wait() // the reader is blocked: it ran as far ahead as it may
			maxAhead = max(maxAhead, emitted.Load()-int64(consumed))
			if consumed == 1000 {
				break
			}
		}
		assert.LessOrEqual(t, maxAhead, int64((prefetchBatches+2)*prefetchBatch), "read-ahead is bounded")
		assert.Greater(t, maxAhead, int64(prefetchBatches*prefetchBatch), "the reader does read ahead while the loop is busy")
	})
}

func TestPrefetchParentCancelled(t *testing.T) {
	tests := []struct {
		reason string
		onStop string // what produce does once emit returns false
	}{
		{reason: "produce returns nil when emit fails, as readPages does", onStop: "nil"},
		{reason: "produce returns its ctx's error", onStop: "ctxerr"},
		{reason: "produce returns nil only after the loop drained some batches: the list must not end as if complete", onStop: "slow"},
		{reason: "produce returns its ctx's error after the loop drained some batches", onStop: "slowctxerr"},
	}
	for _, tt := range tests {
		t.Run(tt.onStop, func(t *testing.T) {
			// The end of produce races with the loop taking batches:
			// repeat, so that either order is seen.
			for range 20 {
				synctest.Test(t, func(t *testing.T) {
					parent, cancel := context.WithCancel(t.Context())
					defer cancel()
					release := make(chan struct{})
					slow := strings.HasPrefix(tt.onStop, "slow")
					var returned atomic.Bool
					seq := func(yield func(int, error) bool) {
						prefetch(parent, yield, func(ctx context.Context, emit func(int) bool, wrap func(io.Reader) io.Reader) error {
							defer returned.Store(true)
							for i := 0; ; i++ {
								if emit(i) {
									continue
								}
								if slow {
									<-release
								}
								if strings.HasSuffix(tt.onStop, "ctxerr") {
									return ctx.Err()
								}
								return nil
							}
						})
					}
					var got []int
					var errs []error
					after := 0
					for v, err := range seq {
						switch {
						case len(errs) > 0:
							after++
							continue
						case err != nil:
							errs = append(errs, err)
							continue
						}
						got = append(got, v)
						switch len(got) {
						case 1:
							synctest.Wait() // the reader is blocked handing over
							cancel()
							synctest.Wait()
						case 200:
							if slow {
								close(release) // the channel has room again
							}
						}
					}
					assert.True(t, returned.Load(), tt.reason+": produce returned")
					require.Len(t, errs, 1, tt.reason+": the loop is told the list is incomplete")
					assert.ErrorIs(t, errs[0], context.Canceled, tt.reason)
					assert.Zero(t, after, tt.reason+": nothing after the error")
					assert.Equal(t, seqInts(len(got)), got, tt.reason+": items in order, none skipped")
				})
			}
		})
	}
}

func TestPrefetchPanicIsReraisedOnTheLoopsGoroutine(t *testing.T) {
	errValue := errors.New("an error value")
	tests := []struct {
		reason string
		n      int // items emitted before the panic
		value  any
	}{
		{reason: "a panic before any item", n: 0, value: "boom-value"},
		{reason: "items before the panic are delivered first", n: 100, value: "boom-value"},
		{reason: "the panic's value is kept as is (an error)", n: 3, value: errValue},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				seq := func(yield func(int, error) bool) {
					prefetch(t.Context(), yield, func(ctx context.Context, emit func(int) bool, wrap func(io.Reader) io.Reader) error {
						for i := range tt.n {
							emit(i)
						}
						panic(tt.value)
					})
				}
				var got []int
				var errs []error
				recovered := func() (r any) {
					defer func() { r = recover() }()
					for v, err := range seq {
						if err != nil {
							errs = append(errs, err)
							continue
						}
						got = append(got, v)
					}
					return nil
				}()
				assert.Equal(t, tt.value, recovered, tt.reason)
				assert.Empty(t, errs, tt.reason+": a panic is not turned into an error")
				assert.Equal(t, seqInts(tt.n), append([]int{}, got...), tt.reason)
			})
		})
	}
}

// lineStream is a watch.Stream of the integers of a body, one a line. A
// line "panic" panics, a line "fail" is errLineFail.
type lineStream struct {
	r    *bufio.Reader
	body io.Closer
}

var errLineFail = errors.New("line stream failed")

func openLines(body io.Closer) func(io.Reader) watch.Stream[int] {
	return func(r io.Reader) watch.Stream[int] { return &lineStream{r: bufio.NewReaderSize(r, 16), body: body} }
}

func (s *lineStream) Next() (watch.Event[int], error) {
	line, err := s.r.ReadString('\n')
	if err == io.EOF && line == "" {
		return watch.Event[int]{}, io.EOF
	}
	if err != nil {
		return watch.Event[int]{}, fmt.Errorf("line stream: %w", err)
	}
	switch line = strings.TrimSpace(line); line {
	case "panic":
		panic("stream panic")
	case "fail":
		return watch.Event[int]{}, errLineFail
	}
	v, err := strconv.Atoi(line)
	return watch.Event[int]{Type: watch.Added, Object: v}, err
}

func (s *lineStream) Close() error { return s.body.Close() }

func lines(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%d\n", i)
	}
	return b.String()
}

// ended reports whether the stream's goroutine has ended.
func ended[T any](s *prefetchedStream[T]) bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// nextAll calls Next until an error (at most limit times).
func nextAll(t *testing.T, s watch.Stream[int], limit int) ([]int, error) {
	t.Helper()
	var got []int
	for range limit {
		ev, err := s.Next()
		if err != nil {
			return got, err
		}
		got = append(got, ev.Object)
	}
	t.Fatalf("no error after %d events", limit)
	return got, nil
}

func TestPrefetchedStreamDeliversEventsThenEOF(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 1000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				body := io.NopCloser(strings.NewReader(lines(n)))
				st := newPrefetchedStream(body, openLines(body))
				got, err := nextAll(t, st, n+1)
				assert.Equal(t, seqInts(n), append([]int{}, got...), "every event, in order, before the end")
				assert.Equal(t, io.EOF, err, "a clean end is io.EOF itself, after the events")
				_, err = st.Next()
				assert.Equal(t, io.EOF, err, "Next after the end returns the end again")
				require.NoError(t, st.Close())
				assert.True(t, ended(st))
			})
		})
	}
}

func TestPrefetchedStreamFinalErrorRepeats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		body := io.NopCloser(strings.NewReader("0\n1\n2\nfail\n3\n"))
		st := newPrefetchedStream(body, openLines(body))
		defer st.Close()
		got, err := nextAll(t, st, 10)
		assert.Equal(t, []int{0, 1, 2}, got, "the events before the error, none after")
		require.ErrorIs(t, err, errLineFail)
		for range 3 {
			_, again := st.Next()
			assert.Equal(t, err, again, "Next after the final error returns it again")
		}
	})
}

// closeCounter counts the closes of a pipe's reading end.
type closeCounter struct {
	*io.PipeReader
	n atomic.Int32
}

func (c *closeCounter) Close() error { c.n.Add(1); return c.PipeReader.Close() }

func TestPrefetchedStreamCloseInterruptsNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		body := &closeCounter{PipeReader: pr}
		st := newPrefetchedStream(body, openLines(body))
		go pw.Write([]byte("5\n"))
		ev, err := st.Next()
		require.NoError(t, err)
		assert.Equal(t, 5, ev.Object, "an event arrives while the reader waits for more")

		errc := make(chan error, 1)
		go func() {
			_, err := st.Next()
			errc <- err
		}()
		synctest.Wait() // Next waits, and so does the reader, on an empty pipe
		assert.False(t, ended(st))
		require.NoError(t, st.Close())
		assert.True(t, ended(st), "Close returns after the reading goroutine ended")
		assert.Error(t, <-errc, "the waiting Next returns an error")
		assert.EqualValues(t, 1, body.n.Load(), "the body is closed once")

		require.NoError(t, st.Close(), "a second Close is harmless")
		assert.EqualValues(t, 1, body.n.Load())
		_, err = st.Next()
		assert.Error(t, err, "Next after Close is an error")
	})
}

func TestPrefetchedStreamConcurrentClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		body := &closeCounter{PipeReader: pr}
		st := newPrefetchedStream(body, openLines(body))
		errc := make(chan error, 2)
		for range 2 {
			go func() { errc <- st.Close() }()
		}
		require.NoError(t, <-errc)
		require.NoError(t, <-errc)
		assert.True(t, ended(st))
		assert.EqualValues(t, 1, body.n.Load(), "the body is closed once")
	})
}

func TestPrefetchedStreamCloseWhileHandingOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 5000
		pr, pw := io.Pipe()
		body := &closeCounter{PipeReader: pr}
		go func() {
			_, err := pw.Write([]byte(lines(n)))
			pw.CloseWithError(err)
		}()
		st := newPrefetchedStream(body, openLines(body))
		synctest.Wait() // nobody reads: the reader is blocked handing over
		assert.False(t, ended(st))
		require.NoError(t, st.Close())
		assert.True(t, ended(st), "Close returns after the reading goroutine ended")
		got, err := nextAll(t, st, n+1)
		assert.Less(t, len(got), n, "reading stopped at Close")
		assert.Equal(t, seqInts(len(got)), append([]int{}, got...), "what was read ahead is delivered in order")
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "then an error that says the stream ended early")
		_, again := st.Next()
		assert.Error(t, again)
	})
}

func TestPrefetchedStreamPanicIsReraisedByNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		body := io.NopCloser(strings.NewReader("0\n1\npanic\n2\n"))
		st := newPrefetchedStream(body, openLines(body))
		defer st.Close()
		var got []int
		recovered := func() (r any) {
			defer func() { r = recover() }()
			for range 10 {
				ev, err := st.Next()
				if err != nil {
					return err
				}
				got = append(got, ev.Object)
			}
			return nil
		}()
		assert.Equal(t, "stream panic", recovered, "Next raises the reader's panic")
		assert.Equal(t, []int{0, 1}, got, "after the events before it")
	})
}

// Through the real paths: View.All and OpenWatch over httpmock.

type pfPodStatus struct {
	FromStatus
	Phase string `json:"phase"`
}

var pfPodKind = MustKind[pfPodStatus](KindInfo{Kind: "Pod", Resource: "pods", Namespaced: true, APIPaths: []string{"api/v1"}})

const pfBase = "http://prefetch.test"

func pfPod(i int) string {
	return fmt.Sprintf(`{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p%04d","namespace":"ns","uid":"u%d","resourceVersion":"%d"},"spec":{"containers":[{"name":"c","image":"nginx"}]},"status":{"phase":"Running"}}`, i, i, i+1)
}

func pfView(t *testing.T, mt *httpmock.MockTransport) *View[pfPodStatus] {
	t.Helper()
	c, err := New(Options{URL: pfBase, Transport: mt})
	require.NoError(t, err)
	return NewView(c, pfPodKind)
}

// pfPager serves total pods in pages of the request's limit; the page
// holding the item cutItem (if any) is cut inside that item's name.
func pfPager(total, cutItem int) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		q := req.URL.Query()
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil || limit <= 0 {
			return httpmock.NewStringResponse(400, "bad limit"), nil
		}
		start := 0
		if c := q.Get("continue"); c != "" {
			if start, err = strconv.Atoi(c); err != nil {
				return httpmock.NewStringResponse(400, "bad continue"), nil
			}
		}
		end := min(start+limit, total)
		next := ""
		if end < total {
			next = strconv.Itoa(end)
		}
		items := make([]string, 0, end-start)
		for i := start; i < end; i++ {
			items = append(items, pfPod(i))
		}
		body := fmt.Sprintf(`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"999","continue":%q},"items":[%s]}`, next, strings.Join(items, ","))
		if cutItem >= start && cutItem < end {
			at := strings.Index(body, fmt.Sprintf(`"p%04d"`, cutItem))
			if at < 0 {
				return httpmock.NewStringResponse(500, "no such item"), nil
			}
			body = body[:at+3]
		}
		return httpmock.NewStringResponse(200, body), nil
	}
}

func TestPrefetchViewAllPages(t *testing.T) {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, pfBase+"/api/v1/pods", pfPager(300, -1))
	v := pfView(t, mt).PageSize(64)
	var names []string
	for it, err := range v.All(t.Context()) {
		require.NoError(t, err)
		names = append(names, it.Name())
	}
	want := make([]string, 300)
	for i := range want {
		want[i] = fmt.Sprintf("p%04d", i)
	}
	assert.Equal(t, want, names, "all 300 pods, in order, over 5 pages")
	assert.Equal(t, 5, mt.GetTotalCallCount())
}

func TestPrefetchViewAllTruncatedPage(t *testing.T) {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, pfBase+"/api/v1/pods", pfPager(300, 150))
	v := pfView(t, mt).PageSize(100)
	var names []string
	var errs []error
	after := 0
	for it, err := range v.All(t.Context()) {
		switch {
		case len(errs) > 0:
			after++
		case err != nil:
			errs = append(errs, err)
		default:
			names = append(names, it.Name())
		}
	}
	require.Len(t, names, 150, "the items before the cut are delivered")
	assert.Equal(t, "p0149", names[149])
	require.Len(t, errs, 1)
	var de *DecodeError
	require.ErrorAs(t, errs[0], &de)
	assert.Contains(t, de.Reason, "truncated")
	assert.Positive(t, de.Offset, "the error says where in the body")
	assert.Zero(t, after, "nothing after the error")
	// The third page was asked for ahead (the broken page's metadata came
	// before the cut); its items were not delivered (names above).
	assert.LessOrEqual(t, mt.GetTotalCallCount(), 3, "no page after the one asked for ahead")
}

func TestPrefetchOpenWatchDeliversAll(t *testing.T) {
	const n = 300
	var frames strings.Builder
	for i := range n {
		frames.WriteString(`{"type":"ADDED","object":` + pfPod(i) + "}\n")
	}
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, pfBase+"/api/v1/pods", func(req *http.Request) (*http.Response, error) {
		if req.URL.Query().Get("watch") != "true" {
			return httpmock.NewStringResponse(400, "not a watch"), nil
		}
		return httpmock.NewStringResponse(200, frames.String()), nil
	})
	v := pfView(t, mt)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	st, err := v.Source().OpenWatch(ctx, watch.WatchOptions{ResourceVersion: "1"})
	require.NoError(t, err)
	defer st.Close()
	var names []string
	for range n + 1 {
		ev, err := st.Next()
		if err != nil {
			assert.Equal(t, io.EOF, err, "the stream ends cleanly after the events")
			break
		}
		assert.Equal(t, watch.Added, ev.Type)
		names = append(names, ev.Object.Name())
	}
	require.Len(t, names, n)
	for i, name := range names {
		require.Equal(t, fmt.Sprintf("p%04d", i), name, "events in order")
	}
	require.NoError(t, st.Close())
}

func TestPrefetchViewAllParentCancelled(t *testing.T) {
	// One page far larger than what may be read ahead: when the loop's
	// ctx ends after the first item, the reader cannot have finished, so
	// the loop must end with an error matching context.Canceled (and
	// never as if the list were complete). Repeated: the end of the
	// reader races with the loop taking batches.
	const total = 2000
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, pfBase+"/api/v1/pods", pfPager(total, -1))
	v := pfView(t, mt).PageSize(total)
	for range 10 {
		ctx, cancel := context.WithCancel(t.Context())
		n := 0
		var errs []error
		for it, err := range v.All(ctx) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			require.Empty(t, errs, "nothing after the error")
			require.Equal(t, fmt.Sprintf("p%04d", n), it.Name())
			if n++; n == 1 {
				cancel()
			}
		}
		cancel()
		assert.Less(t, n, total)
		require.Len(t, errs, 1, "the loop learns that the list is incomplete")
		assert.ErrorIs(t, errs[0], context.Canceled)
	}
}

func TestPrefetchStoppedErrorKeepsCause(t *testing.T) {
	errCause := errors.New("the operator gave up")
	tests := []struct {
		reason string
		cancel func(*testing.T, context.Context) context.Context
		is     []error
	}{
		{reason: "a plain cancel matches context.Canceled", is: []error{context.Canceled},
			cancel: func(t *testing.T, p context.Context) context.Context {
				ctx, cancel := context.WithCancel(p)
				cancel()
				return ctx
			}},
		{reason: "a cancel with a cause matches context.Canceled and the cause", is: []error{context.Canceled, errCause},
			cancel: func(t *testing.T, p context.Context) context.Context {
				ctx, cancel := context.WithCancelCause(p)
				cancel(errCause)
				return ctx
			}},
		{reason: "an expired deadline matches context.DeadlineExceeded", is: []error{context.DeadlineExceeded},
			cancel: func(t *testing.T, p context.Context) context.Context {
				ctx, cancel := context.WithDeadline(p, time.Unix(0, 0))
				t.Cleanup(cancel)
				return ctx
			}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			// produce reads ahead of a loop whose ctx has ended and
			// returns nil, as readPages does when emit fails.
			res := runPrefetch(tt.cancel(t, t.Context()), func(ctx context.Context, emit func(int) bool, wrap func(io.Reader) io.Reader) error {
				for i := 0; emit(i); i++ {
				}
				return nil
			})
			require.Len(t, res.errs, 1, tt.reason)
			for _, want := range tt.is {
				assert.ErrorIs(t, res.errs[0], want, tt.reason)
			}
			assert.Contains(t, res.errs[0].Error(), "list reading stopped", tt.reason)
		})
	}
}
