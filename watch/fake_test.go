package watch_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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
type fakeAPI struct {
	t     *testing.T
	srv   *httptest.Server
	mu    sync.Mutex
	steps []step
	reqs  []url.Values
	gone  []chan struct{} // closed when the i-th request's client went away
	quit  chan struct{}   // closed at cleanup: ends held requests
}

type step func(w http.ResponseWriter, r *http.Request)

func newFakeAPI(t *testing.T, steps ...step) *fakeAPI {
	f := &fakeAPI{t: t, steps: steps, quit: make(chan struct{})}
	f.srv = httptest.NewServer(f)
	t.Cleanup(func() {
		close(f.quit)
		f.srv.Close()
	})
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

// describe summarizes request i: "list", "list limit=1", "watch rv=10",
// "watch initial".
func describe(q url.Values) string {
	if q.Get("watch") != "true" {
		if q.Get("limit") == "1" {
			return "now"
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
	c, err := kube.New(kube.Options{URL: f.srv.URL})
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

func hold(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// fakeClock fires every timer at once, advancing its time by the timer's
// duration, and records the durations. Use it with IdleTimeout < 0.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) watch.Timer {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	go f()
	return firedTimer{}
}

type firedTimer struct{}

func (firedTimer) Stop() bool { return false }

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

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
