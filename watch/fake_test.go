package watch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
)

// fakeAPI is a scripted API server: each request to the pods collection
// of namespace "ns" is answered by the next step of the script, framed the
// way kube-apiserver frames lists and watches. Requests beyond the script
// are held open without data until the client goes away (an idle watch).
// Tests drive it through a real sdk View, so the whole decode path runs.
//
// It serves in memory (memTransport), without a network, so tests run in
// a testing/synctest bubble: backoff, timeouts and stalls take no real
// time, and a handler blocked until its client goes away blocks durably.
type fakeAPI struct {
	t     *testing.T
	mu    sync.Mutex
	steps []step
	reqs  []url.Values
	gone  []chan struct{} // closed when the i-th request's client went away
	quit  chan struct{}   // closed at cleanup: ends held requests
}

type step func(w http.ResponseWriter, r *http.Request)

func newFakeAPI(t *testing.T, steps ...step) *fakeAPI {
	f := &fakeAPI{t: t, steps: steps, quit: make(chan struct{})}
	t.Cleanup(func() { close(f.quit) })
	return f
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/namespaces/ns/pods" {
		http.Error(w, "unexpected path "+r.URL.Path, http.StatusTeapot)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-f.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	r = r.WithContext(ctx)
	f.mu.Lock()
	i := len(f.reqs)
	f.reqs = append(f.reqs, r.URL.Query())
	gone := make(chan struct{})
	f.gone = append(f.gone, gone)
	var s step
	if i < len(f.steps) {
		s = f.steps[i]
	}
	f.mu.Unlock()
	defer close(gone)
	if s == nil {
		hold(w, r)
		return
	}
	s(w, r)
}

// requests returns the queries received so far.
func (f *fakeAPI) requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.reqs...)
}

// describe summarizes a request: "list", "now" (a list of one object),
// "watch rv=10", "watch initial".
func describe(q url.Values) string {
	if q.Get("watch") != "true" {
		if q.Get("limit") == "1" {
			return "now"
		}
		if c := q.Get("continue"); c != "" {
			return "list continue=" + c
		}
		return "list"
	}
	if q.Get("sendInitialEvents") == "true" {
		return "watch initial"
	}
	return "watch rv=" + q.Get("resourceVersion")
}

func (f *fakeAPI) described() []string {
	var out []string
	for _, q := range f.requests() {
		out = append(out, describe(q))
	}
	return out
}

// waitGone waits until the client of request i has gone away.
func (f *fakeAPI) waitGone(ctx context.Context, i int) error {
	for {
		f.mu.Lock()
		var ch chan struct{}
		if i < len(f.gone) {
			ch = f.gone[i]
		}
		f.mu.Unlock()
		if ch != nil {
			select {
			case <-ch:
				return nil
			case <-ctx.Done():
				return fmt.Errorf("request %d still open: %w", i, ctx.Err())
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("request %d never arrived: %w", i, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// pods returns a view of namespace "ns" of the fake server.
func (f *fakeAPI) pods() *sdk.View[kinds.PodStatus] {
	c, err := kube.New(kube.Options{URL: "http://fake-apiserver", Transport: memTransport{f}})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { c.Close() })
	return c.Pods.In("ns").View
}

// pod is the JSON of a pod; labels are "k=v" pairs.
func pod(name, uid, rv string, labels ...string) string {
	var ls []string
	for _, l := range labels {
		k, v, _ := strings.Cut(l, "=")
		ls = append(ls, fmt.Sprintf("%q:%q", k, v))
	}
	return fmt.Sprintf(`{"kind":"Pod","apiVersion":"v1","metadata":{"name":%q,"namespace":"ns","uid":%q,"resourceVersion":%q,"labels":{%s},"managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{}}}}]},"spec":{"containers":[{"name":"c","image":"busybox"}]},"status":{"phase":"Pending"}}`, name, uid, rv, strings.Join(ls, ","))
}

func frame(typ, obj string) string { return fmt.Sprintf(`{"type":%q,"object":%s}`+"\n", typ, obj) }

func bookmark(rv string, initialEnd bool) string {
	ann := ""
	if initialEnd {
		ann = `,"annotations":{"k8s.io/initial-events-end":"true"}`
	}
	return frame("BOOKMARK", fmt.Sprintf(`{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":%q%s}}`, rv, ann))
}

func statusJSON(code int, reason, msg string) string {
	return fmt.Sprintf(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":%q,"reason":%q,"code":%d}`, msg, reason, code)
}

// list answers a list request with items and the list's resourceVersion.
func list(rv string, items ...string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("watch") == "true" {
			http.Error(w, statusJSON(400, "BadRequest", "script expected a list, got a watch"), 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":%q},"items":[%s]}`, rv, strings.Join(items, ","))
	}
}

// listPage answers a list request with one page: items, the list's
// resourceVersion and a continue token.
func listPage(rv, cont string, items ...string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("watch") == "true" {
			http.Error(w, statusJSON(400, "BadRequest", "script expected a list, got a watch"), 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":%q,"continue":%q},"items":[%s]}`, rv, cont, strings.Join(items, ","))
	}
}

// stream answers a watch request with frames, flushing each, then ends
// the response cleanly (like the server's timeout) unless keepOpen.
func stream(keepOpen bool, frames ...string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("watch") != "true" {
			http.Error(w, statusJSON(400, "BadRequest", "script expected a watch, got a list"), 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		for _, fr := range frames {
			w.Write([]byte(fr))
			w.(http.Flusher).Flush()
		}
		if keepOpen {
			<-r.Context().Done()
		}
	}
}

// dropMidFrame sends frames, then the first half of half, then drops the
// connection without ending the chunked response.
func dropMidFrame(half string, frames ...string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		stream(false, frames...)(w, r)
		w.Write([]byte(half[:len(half)/2]))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
}

// truncated sends frames and the first half of half, then ends the
// response cleanly: the body ends inside a JSON frame.
func truncated(half string, frames ...string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		stream(false, frames...)(w, r)
		w.Write([]byte(half[:len(half)/2]))
	}
}

// status answers with an error Status; retryAfter > 0 sets Retry-After.
func status(code int, reason string, retryAfter int) step {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if retryAfter > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(retryAfter))
		}
		w.WriteHeader(code)
		fmt.Fprint(w, statusJSON(code, reason, "scripted"))
	}
}

// hdr sends the response headers of a successful watch.
func hdr(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	w.(http.Flusher).Flush()
}

func hold(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// collect ranges over seq until n events arrived (then breaks) or an error.
func collect[T any](seq func(func(watch.Event[T], error) bool), n int) ([]watch.Event[T], error) {
	var out []watch.Event[T]
	if n == 0 {
		return nil, nil
	}
	for ev, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, ev)
		if len(out) == n {
			break
		}
	}
	return out, nil
}

// summary is "TYPE name@rv" per event.
func summary(evs []watch.Event[*kinds.Pod]) []string {
	var out []string
	for _, ev := range evs {
		name, rv := "<nil>", ""
		if ev.Object != nil {
			name, rv = ev.Object.Name(), ev.Object.Version()
		}
		out = append(out, fmt.Sprintf("%s %s@%s", ev.Type, name, rv))
	}
	return out
}

// testCtx bounds a test; in a synctest bubble the bound is fake time, so
// a test that would hang fails at once with the context's error.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// stallHeaders never answers: the response headers never arrive.
func stallHeaders(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// stallBody sends the headers and the start of a list, then nothing.
func stallBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	io.WriteString(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"10"},"items":[`)
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// memTransport is an http.RoundTripper that serves requests with a
// handler in memory: the response streams through an io.Pipe as the
// handler writes and flushes. The handler's request context ends when the
// client closes the body or its request context ends; a handler that
// panics (http.ErrAbortHandler) breaks the connection: before the headers
// RoundTrip fails, after them the body ends with io.ErrUnexpectedEOF.
type memTransport struct{ h http.Handler }

func (m memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	pr, pw := io.Pipe()
	w := &memWriter{header: http.Header{}, pw: pw, ready: make(chan struct{})}
	sreq := req.Clone(ctx)
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	go func() {
		defer func() {
			if p := recover(); p != nil {
				w.mu.Lock()
				w.aborted = !w.sent
				w.mu.Unlock()
				w.WriteHeader(0)
				pw.CloseWithError(io.ErrUnexpectedEOF)
				return
			}
			w.WriteHeader(200)
			pw.Close()
		}()
		m.h.ServeHTTP(w, sreq)
	}()
	select {
	case <-w.ready:
	case <-req.Context().Done():
		cancel()
		pr.CloseWithError(req.Context().Err())
		return nil, req.Context().Err()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.aborted {
		cancel()
		return nil, errors.New("memtransport: connection reset by the server")
	}
	stop := context.AfterFunc(req.Context(), func() { pr.CloseWithError(req.Context().Err()) })
	return &http.Response{
		Status: fmt.Sprintf("%d %s", w.code, http.StatusText(w.code)), StatusCode: w.code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.sentHeader, Body: &memBody{pr: pr, done: func() { stop(); cancel() }}, Request: req,
		ContentLength: -1,
	}, nil
}

type memWriter struct {
	header     http.Header
	pw         *io.PipeWriter
	ready      chan struct{}
	mu         sync.Mutex
	sent       bool
	aborted    bool
	code       int
	sentHeader http.Header
}

func (w *memWriter) Header() http.Header { return w.header }

func (w *memWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sent {
		return
	}
	w.sent, w.code, w.sentHeader = true, code, w.header.Clone()
	close(w.ready)
}

func (w *memWriter) Write(p []byte) (int, error) {
	w.WriteHeader(200)
	return w.pw.Write(p)
}

func (w *memWriter) Flush() { w.WriteHeader(200) }

type memBody struct {
	pr   *io.PipeReader
	done func()
	once sync.Once
}

func (b *memBody) Read(p []byte) (int, error) { return b.pr.Read(p) }

func (b *memBody) Close() error {
	b.once.Do(func() {
		b.pr.Close()
		b.done()
	})
	return nil
}
