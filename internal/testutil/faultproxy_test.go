package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fault proxy's tests need no cluster: the upstream is a small fake
// API server. No handler blocks: each writes its whole answer and returns.
// Timing is only ever asserted as a lower bound (a stall cannot end before
// its duration), never as an upper bound on the machine's speed.

const watchFrames = 6

// frame returns the i-th frame of the fake watch stream.
func frame(i int) []byte {
	return fmt.Appendf(nil, `{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p-%d","namespace":"ns","resourceVersion":"%d"}}}`+"\n", i, 100+i)
}

var listBody = []byte(`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"99"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}` + "\n")

type fakeUpstream struct {
	*httptest.Server
	calls atomic.Int32
	last  atomic.Pointer[http.Request]
	body  atomic.Pointer[[]byte]
}

func newFakeUpstream(t *testing.T, bigFrame int) *fakeUpstream {
	u := &fakeUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.calls.Add(1)
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		u.last.Store(r)
		u.body.Store(&b)
		switch {
		case r.Method == http.MethodGet && r.URL.Query().Get("watch") == "true":
			w.Header().Set("Content-Type", "application/json")
			if bigFrame > 0 {
				fmt.Fprintf(w, `{"type":"ADDED","object":{"pad":"%s"}}`+"\n", strings.Repeat("x", bigFrame))
			}
			for i := 0; i < watchFrames; i++ {
				w.Write(frame(i))
				w.(http.Flusher).Flush()
			}
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/namespaces/ns/pods":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(len(listBody)))
			w.Write(listBody)
		case r.Method == http.MethodPost:
			w.Header().Set("X-Upstream", "yes")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, "%s %s?%s %s %s", r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Test"), b)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(u.Close)
	return u
}

func newTestProxy(t *testing.T, upstream string, opts FaultProxyOptions) *FaultProxy {
	p, err := NewFaultProxy(upstream, opts)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, p.Close(), "every handler returned") })
	return p
}

// freshClient never reuses connections, so the transport never retries a
// request on its own after a cut: what the test sees is what the proxy did.
func freshClient() *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
}

func get(t *testing.T, ctx context.Context, url string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := freshClient().Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func allFrames() []byte {
	var b []byte
	for i := 0; i < watchFrames; i++ {
		b = append(b, frame(i)...)
	}
	return b
}

func TestFaultProxyBodyFaults(t *testing.T) {
	const watchPath = "/api/v1/namespaces/ns/pods?watch=true"
	const listPath = "/api/v1/namespaces/ns/pods"
	tests := []struct {
		reason  string
		path    string
		fault   Fault
		check   func(t *testing.T, body []byte)
		wantErr bool // the body ends with io.ErrUnexpectedEOF
	}{
		{
			reason:  "a cut after two frames delivers exactly those two frames, then the connection breaks",
			path:    watchPath,
			fault:   Fault{Kind: FaultCut, AfterFrames: 2},
			check:   func(t *testing.T, b []byte) { assert.Equal(t, string(join(frame(0), frame(1))), string(b)) },
			wantErr: true,
		},
		{
			reason: "a truncated frame: one whole frame, then the first half of the next, then the connection breaks",
			path:   watchPath,
			fault:  Fault{Kind: FaultTruncate, AfterFrames: 1},
			check: func(t *testing.T, b []byte) {
				half := frame(1)[:(len(frame(1))-1)/2]
				assert.Equal(t, string(join(frame(0), half)), string(b))
			},
			wantErr: true,
		},
		{
			reason: "a garbled frame keeps its length and newline, is not JSON, and the stream goes on intact",
			path:   watchPath,
			fault:  Fault{Kind: FaultGarble, AfterFrames: 1},
			check: func(t *testing.T, b []byte) {
				require.Len(t, b, len(allFrames()))
				lines := bytes.SplitAfter(b, []byte("\n"))
				require.Len(t, lines, watchFrames+1) // the last is empty
				assert.Equal(t, string(frame(0)), string(lines[0]))
				assert.Len(t, lines[1], len(frame(1)))
				assert.NotEqual(t, string(frame(1)), string(lines[1]))
				assert.False(t, json.Valid(lines[1]), "the garbled frame is not JSON: %q", lines[1])
				assert.Contains(t, string(lines[1]), "garbled by the fault proxy")
				for i := 2; i < watchFrames; i++ {
					assert.Equal(t, string(frame(i)), string(lines[i]))
				}
			},
		},
		{
			reason: "410 in the stream: an ERROR event with an Expired Status after one frame, then a clean end",
			path:   watchPath,
			fault:  Fault{Kind: FaultGoneInStream, AfterFrames: 1},
			check: func(t *testing.T, b []byte) {
				first, rest, ok := bytes.Cut(b, []byte("\n"))
				require.True(t, ok)
				assert.Equal(t, string(frame(0)), string(first)+"\n")
				var ev struct {
					Type   string
					Object struct {
						Kind, Status, Reason string
						Code                 int
					}
				}
				require.NoError(t, json.Unmarshal(rest, &ev))
				assert.Equal(t, "ERROR", ev.Type)
				assert.Equal(t, "Status", ev.Object.Kind)
				assert.Equal(t, "Failure", ev.Object.Status)
				assert.Equal(t, "Expired", ev.Object.Reason)
				assert.Equal(t, 410, ev.Object.Code)
				assert.True(t, bytes.HasSuffix(rest, []byte("}\n")), "one frame, newline-terminated")
			},
		},
		{
			reason:  "a stalled body after one frame: that frame, then (after the stall) the connection breaks",
			path:    watchPath,
			fault:   Fault{Kind: FaultStallBody, AfterFrames: 1, Stall: 50 * time.Millisecond},
			check:   func(t *testing.T, b []byte) { assert.Equal(t, string(frame(0)), string(b)) },
			wantErr: true,
		},
		{
			reason:  "a cut list: headers, no body, then the connection breaks",
			path:    listPath,
			fault:   Fault{Kind: FaultCut},
			check:   func(t *testing.T, b []byte) { assert.Empty(t, b) },
			wantErr: true,
		},
		{
			reason: "a truncated list: the first half of the list, which is not JSON",
			path:   listPath,
			fault:  Fault{Kind: FaultTruncate},
			check: func(t *testing.T, b []byte) {
				assert.Equal(t, string(listBody[:(len(listBody)-1)/2]), string(b))
				assert.False(t, json.Valid(b))
			},
			wantErr: true,
		},
		{
			reason: "a garbled list: same length, not JSON",
			path:   listPath,
			fault:  Fault{Kind: FaultGarble},
			check: func(t *testing.T, b []byte) {
				assert.Len(t, b, len(listBody))
				assert.False(t, json.Valid(b))
				assert.True(t, bytes.HasPrefix(b, listBody[:len(listBody)/2]), "the start is intact")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			up := newFakeUpstream(t, 0)
			p := newTestProxy(t, up.URL, FaultProxyOptions{})
			require.NoError(t, p.Script(tt.fault))
			start := time.Now()
			resp, body, err := get(t, context.Background(), p.URL()+tt.path)
			require.NotNil(t, resp, "headers arrive before a body fault")
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			if tt.wantErr {
				assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
			} else {
				assert.NoError(t, err)
			}
			tt.check(t, body)
			assert.Equal(t, map[FaultKind]int{tt.fault.Kind: 1}, p.Counts())
			assert.Equal(t, 0, p.Pending())
			if tt.fault.Stall > 0 {
				assert.GreaterOrEqual(t, time.Since(start), tt.fault.Stall, "a stall lasts its duration")
			}
			inj := p.Injections()
			require.Len(t, inj, 1)
			assert.Equal(t, "/api/v1/namespaces/ns/pods", inj[0].Path)
		})
	}
}

func TestFaultProxyStatusFaults(t *testing.T) {
	tests := []struct {
		reason string
		fault  Fault
		check  func(t *testing.T, resp *http.Response, body []byte)
	}{
		{
			reason: "429 with Retry-After and a TooManyRequests Status",
			fault:  Fault{Kind: FaultTooManyRequests, RetryAfter: 3},
			check: func(t *testing.T, resp *http.Response, body []byte) {
				assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
				assert.Equal(t, "3", resp.Header.Get("Retry-After"))
				assert.JSONEq(t, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"TooManyRequests",
					"message":"too many requests (injected by the fault proxy)","code":429,"details":{"retryAfterSeconds":3}}`, string(body))
			},
		},
		{
			reason: "429 without RetryAfter says 1 second",
			fault:  Fault{Kind: FaultTooManyRequests},
			check: func(t *testing.T, resp *http.Response, body []byte) {
				assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
				assert.Equal(t, "1", resp.Header.Get("Retry-After"))
			},
		},
		{
			reason: "a 502 with an HTML body",
			fault:  Fault{Kind: FaultServerError, Status: 502},
			check: func(t *testing.T, resp *http.Response, body []byte) {
				assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
				assert.Equal(t, "text/html", resp.Header.Get("Content-Type"))
				assert.True(t, strings.HasPrefix(string(body), "<html>"), "%q", body)
				assert.Contains(t, string(body), "<h1>502 Bad Gateway</h1>")
			},
		},
		{
			reason: "a 5xx without Status is a 503",
			fault:  Fault{Kind: FaultServerError},
			check: func(t *testing.T, resp *http.Response, body []byte) {
				assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
				assert.Contains(t, string(body), "<h1>503 Service Unavailable</h1>")
			},
		},
		{
			reason: "410 as a status with an Expired Status body",
			fault:  Fault{Kind: FaultGone},
			check: func(t *testing.T, resp *http.Response, body []byte) {
				assert.Equal(t, http.StatusGone, resp.StatusCode)
				assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
				assert.JSONEq(t, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"Expired",
					"message":"too old resource version (injected by the fault proxy)","code":410}`, string(body))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			up := newFakeUpstream(t, 0)
			p := newTestProxy(t, up.URL, FaultProxyOptions{})
			require.NoError(t, p.Script(tt.fault))
			resp, body, err := get(t, context.Background(), p.URL()+"/api/v1/namespaces/ns/pods?watch=true")
			require.NoError(t, err)
			tt.check(t, resp, body)
			assert.Equal(t, int32(0), up.calls.Load(), "the upstream is not asked")
			assert.Equal(t, map[FaultKind]int{tt.fault.Kind: 1}, p.Counts())

			// The next request passes through.
			resp, body, err = get(t, context.Background(), p.URL()+"/api/v1/namespaces/ns/pods?watch=true")
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, string(allFrames()), string(body))
		})
	}
}

func TestFaultProxyStallHeadersEndsAfterItsDuration(t *testing.T) {
	up := newFakeUpstream(t, 0)
	p := newTestProxy(t, up.URL, FaultProxyOptions{})
	const stall = 50 * time.Millisecond
	require.NoError(t, p.Script(Fault{Kind: FaultStallHeaders, Stall: stall}))
	start := time.Now()
	resp, _, err := get(t, context.Background(), p.URL()+"/api/v1/namespaces/ns/pods")
	assert.Nil(t, resp, "no response at all")
	require.Error(t, err, "the connection is closed after the stall")
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.GreaterOrEqual(t, time.Since(start), stall)
	assert.Equal(t, int32(0), up.calls.Load(), "the stalled request never reaches the upstream")
	assert.Equal(t, map[FaultKind]int{FaultStallHeaders: 1}, p.Counts())
}

// Stalls that would last an hour end when the client goes away or when
// the proxy is closed: no handler outlives its client or the proxy.
func TestFaultProxyStallsEndWithTheClientOrTheProxy(t *testing.T) {
	tests := []struct {
		reason  string
		kind    FaultKind
		byClose bool
	}{
		{"stalled headers end when the client gives up", FaultStallHeaders, false},
		{"a stalled body ends when the client gives up", FaultStallBody, false},
		{"stalled headers end when the proxy closes", FaultStallHeaders, true},
		{"a stalled body ends when the proxy closes", FaultStallBody, true},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			up := newFakeUpstream(t, 0)
			p := newTestProxy(t, up.URL, FaultProxyOptions{})
			require.NoError(t, p.Script(Fault{Kind: tt.kind, AfterFrames: 2, Stall: time.Hour}))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type result struct {
				resp *http.Response
				body []byte
				err  error
			}
			done := make(chan result, 1)
			go func() {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL()+"/api/v1/namespaces/ns/pods?watch=true", nil)
				resp, err := freshClient().Do(req)
				if err != nil {
					done <- result{err: err}
					return
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				done <- result{resp, b, err}
			}()
			wait, stop := context.WithTimeout(context.Background(), 30*time.Second)
			defer stop()
			Eventually(t, wait, "the stall to begin", func() error {
				if p.Counts()[tt.kind] != 1 {
					return fmt.Errorf("counts %v", p.Counts())
				}
				return nil
			})
			if tt.byClose {
				require.NoError(t, p.Close(), "Close ends the stall and every handler returns")
			} else {
				cancel()
			}
			var r result
			select {
			case r = <-done:
			case <-wait.Done():
				t.Fatal("the client did not return after the stall ended")
			}
			require.Error(t, r.err)
			if !tt.byClose {
				assert.ErrorIs(t, r.err, context.Canceled)
			}
			if tt.kind == FaultStallBody && r.resp != nil {
				assert.Equal(t, string(join(frame(0), frame(1))), string(r.body), "the frames before the stall arrived")
			}
			Eventually(t, wait, "the handler to return", func() error {
				if n := p.running(); n != 0 {
					return fmt.Errorf("%d handlers running", n)
				}
				return nil
			})
		})
	}
}

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestFaultProxyPassesRequestsThrough(t *testing.T) {
	up := newFakeUpstream(t, 0)
	p := newTestProxy(t, up.URL, FaultProxyOptions{})
	req, err := http.NewRequest(http.MethodPost, p.URL()+"/api/v1/namespaces/ns/pods?dryRun=All&fieldManager=x", strings.NewReader(`{"kind":"Pod"}`))
	require.NoError(t, err)
	req.Header.Set("X-Test", "header")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "yes", resp.Header.Get("X-Upstream"))
	assert.Equal(t, `POST /api/v1/namespaces/ns/pods?dryRun=All&fieldManager=x header {"kind":"Pod"}`, string(body))
	assert.Empty(t, up.last.Load().Header.Get("Accept-Encoding"), "the upstream is asked for an uncompressed body")
	assert.Empty(t, p.Counts())
	assert.Equal(t, map[RequestClass]int{RequestWrite: 1}, p.Requests())

	_, list, err := get(t, context.Background(), p.URL()+"/api/v1/namespaces/ns/pods")
	require.NoError(t, err)
	assert.Equal(t, string(listBody), string(list))

	// Escapes in the path and the query reach the upstream unchanged.
	const target = "/api/v1/namespaces/ns/pods/with%20space%2Fslash?labelSelector=a%3Db&x=%2B"
	_, _, err = get(t, context.Background(), p.URL()+target)
	require.NoError(t, err)
	assert.Equal(t, target, up.last.Load().RequestURI)
}

// A frame longer than MaxFrame passes through in pieces, and frames are
// still counted at newlines: the garbled frame is the one after it.
func TestFaultProxyLongFrames(t *testing.T) {
	const big = 3 << 20
	up := newFakeUpstream(t, big)
	p := newTestProxy(t, up.URL, FaultProxyOptions{MaxFrame: 64 << 10})
	require.NoError(t, p.Script(Fault{Kind: FaultGarble, AfterFrames: 1}))
	_, body, err := get(t, context.Background(), p.URL()+"/api/v1/namespaces/ns/pods?watch=true")
	require.NoError(t, err)
	lines := bytes.SplitAfter(body, []byte("\n"))
	require.Len(t, lines, watchFrames+2)
	assert.Equal(t, fmt.Sprintf(`{"type":"ADDED","object":{"pad":"%s"}}`+"\n", strings.Repeat("x", big)), string(lines[0]), "the long frame is intact")
	assert.False(t, json.Valid(lines[1]), "the frame after it is garbled")
	assert.Len(t, lines[1], len(frame(0)))
	assert.Equal(t, string(frame(1)), string(lines[2]))
}

func TestFaultProxyScript(t *testing.T) {
	up := newFakeUpstream(t, 0)
	p := newTestProxy(t, up.URL, FaultProxyOptions{})
	require.NoError(t, p.Script(
		Fault{Kind: FaultTooManyRequests, On: RequestList},
		Fault{Kind: FaultCut, On: RequestWatch, AfterFrames: 100}, // more frames than the stream has
	))
	assert.Equal(t, 2, p.Pending())

	// The watch does not match the 429 (lists only); it takes the cut,
	// which cannot strike (6 frames): it goes back to the script.
	_, body, err := get(t, context.Background(), p.URL()+"/api/v1/namespaces/ns/pods?watch=true")
	require.NoError(t, err)
	assert.Equal(t, string(allFrames()), string(body))
	assert.Empty(t, p.Counts(), "a fault that could not strike is not counted")
	assert.Equal(t, 2, p.Pending())

	resp, _, err := get(t, context.Background(), p.URL()+"/api/v1/namespaces/ns/pods")
	require.NoError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "the list takes the 429")
	assert.Equal(t, map[FaultKind]int{FaultTooManyRequests: 1}, p.Counts())
	assert.Equal(t, 1, p.Pending())
	assert.Equal(t, map[RequestClass]int{RequestWatch: 1, RequestList: 1}, p.Requests())
}

func TestFaultProxyScriptRejectsBadFaults(t *testing.T) {
	tests := []struct {
		reason string
		fault  Fault
		want   string
	}{
		{"an unknown kind", Fault{Kind: "boom"}, `unknown fault kind "boom"`},
		{"an in-stream 410 on a list", Fault{Kind: FaultGoneInStream, On: RequestList}, "cannot strike list requests"},
		{"a garbled write", Fault{Kind: FaultGarble, On: RequestWrite | RequestWatch}, "cannot strike write requests"},
		{"a 5xx that is not 5xx", Fault{Kind: FaultServerError, Status: 404}, "status 404 is not 5xx"},
		{"a negative frame count", Fault{Kind: FaultCut, AfterFrames: -1}, "negative parameter"},
	}
	p := newTestProxy(t, "http://127.0.0.1:1", FaultProxyOptions{})
	for _, tt := range tests {
		err := p.Script(tt.fault)
		if assert.Error(t, err, tt.reason) {
			assert.Contains(t, err.Error(), tt.want, tt.reason)
		}
	}
	assert.Equal(t, 0, p.Pending(), "nothing was queued")
}

func TestNewFaultProxyRejectsBadOptions(t *testing.T) {
	tests := []struct {
		reason, upstream string
		opts             FaultProxyOptions
		want             string
	}{
		{"not a URL", "127.0.0.1:8001", FaultProxyOptions{}, "is not an http(s) URL"},
		{"a rate above 1", "http://127.0.0.1:1", FaultProxyOptions{Rate: 1.5}, "rate 1.5 is not in [0, 1]"},
		{"an unknown kind in the budget", "http://127.0.0.1:1", FaultProxyOptions{Budget: map[FaultKind]int{"x": 1}}, `unknown fault kind "x"`},
		{"a negative budget", "http://127.0.0.1:1", FaultProxyOptions{Budget: map[FaultKind]int{FaultCut: -1}}, "negative budget"},
	}
	for _, tt := range tests {
		_, err := NewFaultProxy(tt.upstream, tt.opts)
		if assert.Error(t, err, tt.reason) {
			assert.Contains(t, err.Error(), tt.want, tt.reason)
		}
	}
}

// Random faults are bounded by the budget, strike only the classes their
// kind allows by default, and are the same for the same seed.
func TestFaultProxyRandom(t *testing.T) {
	run := func(seed uint64) ([]string, map[FaultKind]int, []int) {
		up := newFakeUpstream(t, 0)
		p := newTestProxy(t, up.URL, FaultProxyOptions{
			Seed: seed, Rate: 1,
			Budget: map[FaultKind]int{FaultTooManyRequests: 2, FaultServerError: 3, FaultGoneInStream: 5},
		})
		var codes []int
		for i := 0; i < 10; i++ {
			resp, body, err := get(t, context.Background(), p.URL()+"/api/v1/namespaces/ns/pods")
			require.NoError(t, err)
			codes = append(codes, resp.StatusCode)
			if resp.StatusCode == http.StatusOK {
				assert.Equal(t, string(listBody), string(body), "requests without a fault pass through intact")
			}
		}
		var seq []string
		for _, in := range p.Injections() {
			assert.Equal(t, RequestList, in.Class)
			seq = append(seq, fmt.Sprintf("%s/%d/%d", in.Fault.Kind, in.Fault.Status, in.Fault.RetryAfter))
		}
		return seq, p.Counts(), codes
	}
	seq, counts, codes := run(7)
	// With rate 1 the first five requests take the whole budget of kinds
	// that may strike lists; an in-stream 410 never strikes a list.
	assert.Equal(t, map[FaultKind]int{FaultTooManyRequests: 2, FaultServerError: 3}, counts)
	for i, c := range codes {
		if i < 5 {
			assert.True(t, c == 429 || (c >= 500 && c <= 504), "request %d: %d", i, c)
		} else {
			assert.Equal(t, http.StatusOK, c, "request %d: the budget is spent", i)
		}
	}
	seq2, _, codes2 := run(7)
	assert.Equal(t, seq, seq2, "the same seed gives the same faults")
	assert.Equal(t, codes, codes2)
}

func TestFaultProxyRandomRate(t *testing.T) {
	up := newFakeUpstream(t, 0)
	p := newTestProxy(t, up.URL, FaultProxyOptions{Seed: 1, Rate: 0.3, Budget: map[FaultKind]int{FaultGone: 1000}})
	for i := 0; i < 200; i++ {
		resp, _, err := get(t, context.Background(), p.URL()+"/api/v1/namespaces/ns/pods?watch=true")
		require.NoError(t, err)
		assert.Contains(t, []int{200, 410}, resp.StatusCode)
	}
	n := p.Counts()[FaultGone]
	// 200 draws at 0.3: the mean is 60, the standard deviation 6.5.
	assert.True(t, n > 30 && n < 90, "%d faults for 200 requests at rate 0.3", n)
	assert.Equal(t, n, p.Total())
	p.SetRate(0)
	for i := 0; i < 20; i++ {
		resp, _, err := get(t, context.Background(), p.URL()+"/api/v1/namespaces/ns/pods?watch=true")
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "rate 0 stops random faults")
	}
	assert.Equal(t, n, p.Total())
}

func TestClassify(t *testing.T) {
	tests := []struct {
		reason, method, target string
		want                   RequestClass
	}{
		{"a namespaced list", "GET", "/api/v1/namespaces/ns/pods", RequestList},
		{"a cluster list", "GET", "/api/v1/nodes", RequestList},
		{"the namespaces list", "GET", "/api/v1/namespaces", RequestList},
		{"a group list", "GET", "/apis/apps/v1/namespaces/ns/deployments?limit=5", RequestList},
		{"a watch", "GET", "/api/v1/namespaces/ns/pods?watch=true&resourceVersion=5", RequestWatch},
		{"a watch with watch=1", "GET", "/apis/apps/v1/deployments?watch=1", RequestWatch},
		{"a deprecated watch path", "GET", "/api/v1/watch/namespaces/ns/pods", RequestWatch},
		{"a get", "GET", "/api/v1/namespaces/ns/pods/p", RequestGet},
		{"a namespace get", "GET", "/api/v1/namespaces/ns", RequestGet},
		{"a subresource get", "GET", "/api/v1/namespaces/ns/pods/p/log", RequestGet},
		{"a node get", "GET", "/api/v1/nodes/n", RequestGet},
		{"a create", "POST", "/api/v1/namespaces/ns/pods", RequestWrite},
		{"a patch", "PATCH", "/apis/apps/v1/namespaces/ns/deployments/d/scale", RequestWrite},
		{"a delete", "DELETE", "/api/v1/namespaces/ns/pods/p", RequestWrite},
		{"discovery", "GET", "/api/v1", RequestOther},
		{"group discovery", "GET", "/apis/apps/v1", RequestOther},
		{"version", "GET", "/version", RequestOther},
		{"readyz", "GET", "/readyz", RequestOther},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, tt.target, nil)
		assert.Equal(t, tt.want, classify(r), tt.reason)
	}
}

func TestRequestClassString(t *testing.T) {
	assert.Equal(t, "watch|list", (RequestWatch | RequestList).String())
	assert.Equal(t, "none", RequestClass(0).String())
	assert.Equal(t, "other", RequestOther.String())
}

func TestGarble(t *testing.T) {
	tests := []struct {
		reason string
		in     string
	}{
		{"a frame longer than the mark", `{"type":"ADDED","object":{"metadata":{"name":"a-rather-long-name-for-a-pod"}}}` + "\n"},
		{"a frame shorter than the mark", `{"a":1}` + "\n"},
		{"no newline", `{"type":"ADDED","object":{"metadata":{"name":"x"}}}`},
		{"a string-only frame", `"` + strings.Repeat("s", 80) + `"` + "\n"},
	}
	for _, tt := range tests {
		out := garble([]byte(tt.in))
		assert.Len(t, out, len(tt.in), tt.reason)
		assert.False(t, json.Valid(out), tt.reason)
		assert.Equal(t, strings.HasSuffix(tt.in, "\n"), bytes.HasSuffix(out, []byte("\n")), tt.reason)
		assert.Equal(t, 1, bytes.Count(out, []byte("\n"))+boolInt(!strings.HasSuffix(tt.in, "\n")), "no newline added: %s", tt.reason)
	}
	assert.Equal(t, "\n", string(garble([]byte("\n"))), "an empty frame stays empty")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
