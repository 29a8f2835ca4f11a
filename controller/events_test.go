package controller

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// fakeEvents is an in-memory events.k8s.io/v1 API: POST creates, a merge
// PATCH of series updates. With hang set, every request waits for its
// ctx (a bounded wait: the recorder's flush timeout ends it).
type fakeEvents struct {
	mu      sync.Mutex
	objs    map[string]map[string]any // "ns/name"
	creates int
	patches int
	hang    bool
}

func (f *fakeEvents) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	f.mu.Lock()
	hang := f.hang
	f.mu.Unlock()
	if hang {
		<-req.Context().Done()
		return nil, req.Context().Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	rest, ok := strings.CutPrefix(req.URL.Path, "/apis/events.k8s.io/v1/namespaces/")
	if !ok {
		return status(http.StatusNotFound, "NotFound", "no route "+req.URL.Path), nil
	}
	ns, name, _ := strings.Cut(rest, "/events")
	name = strings.TrimPrefix(name, "/")
	var o map[string]any
	if err := json.Unmarshal(body, &o); err != nil && req.Method != http.MethodGet {
		return status(http.StatusBadRequest, "BadRequest", err.Error()), nil
	}
	switch req.Method {
	case http.MethodPost:
		n := o["metadata"].(map[string]any)["name"].(string)
		f.objs[ns+"/"+n] = o
		f.creates++
		return answer(http.StatusCreated, o)
	case http.MethodPatch:
		cur := f.objs[ns+"/"+name]
		if cur == nil {
			return status(http.StatusNotFound, "NotFound", "events "+name+" not found"), nil
		}
		cur["series"] = o["series"]
		f.patches++
		return answer(http.StatusOK, cur)
	}
	return status(http.StatusMethodNotAllowed, "MethodNotAllowed", req.Method), nil
}

func (f *fakeEvents) counts() (creates, patches int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.creates, f.patches
}

// seriesCounts returns the series.count of every event by reason (1 for
// an event without a series).
func (f *fakeEvents) seriesCounts() map[string][]float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string][]float64{}
	for _, o := range f.objs {
		n := 1.0
		if s, ok := o["series"].(map[string]any); ok {
			n = s["count"].(float64)
		}
		r := o["reason"].(string)
		out[r] = append(out[r], n)
	}
	return out
}

func newTestRecorder(t *testing.T, f *fakeEvents, opts EventRecorderOptions) *EventRecorder {
	c, err := sdk.New(sdk.Options{URL: "http://fake.invalid", Transport: f})
	require.NoError(t, err)
	if opts.Controller == "" {
		opts.Controller = "example.com/test"
	}
	opts.Instance = "test-1"
	r, err := NewEventRecorder(c, opts)
	require.NoError(t, err)
	return r
}

func testDeployment(t *testing.T, name string) *kinds.Deployment {
	return decodeItem(t, kinds.DeploymentKind, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"`+name+`","namespace":"ns","uid":"uid-`+name+`","resourceVersion":"7"}}`)
}

func TestEventRecorderSeries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeEvents{objs: map[string]map[string]any{}}
		r := newTestRecorder(t, f, EventRecorderOptions{})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		d := testDeployment(t, "web")

		for range 3 {
			r.Eventf(d, nil, EventNormal, "Annotated", "Reconcile", "set %s", "x")
			time.Sleep(time.Second)
		}
		synctest.Wait()
		assert.Equal(t, map[string][]float64{"Annotated": {3}}, f.seriesCounts(), "three repeats are one event with series.count 3")
		creates, patches := f.counts()
		assert.Equal(t, 1, creates)
		assert.Equal(t, 2, patches)

		r.Eventf(d, nil, EventWarning, "Failed", "Reconcile", "boom")
		time.Sleep(DefaultEventSeriesWindow + time.Second)
		r.Eventf(d, nil, EventNormal, "Annotated", "Reconcile", "again")
		synctest.Wait()
		assert.Equal(t, map[string][]float64{"Annotated": {1, 3}, "Failed": {1}}, sortCounts(f.seriesCounts()),
			"another reason is another event; a repeat after the window starts a new one")

		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
		st := r.Stats()
		assert.Equal(t, EventStats{Created: 3, Aggregated: 2, Patched: 2}, st)

		f.mu.Lock()
		var ev map[string]any
		for _, o := range f.objs {
			if o["reason"] == "Failed" {
				ev = o
			}
		}
		f.mu.Unlock()
		assert.Equal(t, "Warning", ev["type"])
		assert.Equal(t, "example.com/test", ev["reportingController"])
		assert.Equal(t, "test-1", ev["reportingInstance"])
		assert.Equal(t, map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "ns", "name": "web", "uid": "uid-web", "resourceVersion": "7"}, ev["regarding"])
		assert.Equal(t, "ns", ev["metadata"].(map[string]any)["namespace"])
	})
}

func sortCounts(m map[string][]float64) map[string][]float64 {
	for _, v := range m {
		if len(v) == 2 && v[0] > v[1] {
			v[0], v[1] = v[1], v[0]
		}
	}
	return m
}

func TestEventRecorderRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeEvents{objs: map[string]map[string]any{}}
		r := newTestRecorder(t, f, EventRecorderOptions{Burst: 2, Refill: time.Minute, SeriesFlush: 10 * time.Second})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		d, other := testDeployment(t, "web"), testDeployment(t, "db")

		for _, reason := range []string{"A", "B", "C", "D"} {
			r.Eventf(d, nil, EventNormal, reason, "Reconcile", "")
		}
		r.Eventf(other, nil, EventNormal, "A", "Reconcile", "")
		synctest.Wait()
		creates, _ := f.counts()
		assert.Equal(t, 3, creates, "two for web (its burst), one for db (its own bucket)")
		assert.Equal(t, int64(2), r.Stats().RateLimited)

		r.Eventf(d, nil, EventNormal, "A", "Reconcile", "") // a repeat, with no token: folded, written later
		synctest.Wait()
		_, patches := f.counts()
		assert.Equal(t, 0, patches, "no token: not written yet")
		time.Sleep(10 * time.Second)
		synctest.Wait()
		_, patches = f.counts()
		assert.Equal(t, 1, patches, "the series is written at the next flush")

		time.Sleep(time.Minute) // one token back
		r.Eventf(d, nil, EventNormal, "E", "Reconcile", "")
		synctest.Wait()
		creates, _ = f.counts()
		assert.Equal(t, 4, creates, "the bucket refills")
		cancel()
		<-done
	})
}

func TestEventRecorderNeverBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeEvents{objs: map[string]map[string]any{}, hang: true}
		r := newTestRecorder(t, f, EventRecorderOptions{Buffer: 3, FlushTimeout: 5 * time.Second})
		d := testDeployment(t, "web")
		start := time.Now()
		for i := range 10 {
			r.Eventf(d, nil, EventNormal, "R"+string(rune('a'+i)), "Reconcile", "")
		}
		assert.Zero(t, time.Since(start), "Eventf returns at once with no one writing")
		assert.Equal(t, int64(7), r.Stats().Dropped, "what the buffer cannot hold is dropped and counted")

		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		start = time.Now()
		require.ErrorIs(t, r.Run(ctx), context.Canceled)
		assert.Equal(t, 5*time.Second, time.Since(start), "a hung server holds the shutdown flush for FlushTimeout, no longer")
		r.Eventf(d, nil, EventNormal, "Late", "Reconcile", "")
		assert.Equal(t, EventStats{Dropped: 10, Failed: 1}, r.Stats(), "the flush gives up on the hung write; what it left and later events are dropped")
	})
}

func TestEventRecorderFlushesOnShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeEvents{objs: map[string]map[string]any{}}
		r := newTestRecorder(t, f, EventRecorderOptions{})
		d := testDeployment(t, "web")
		r.Eventf(d, nil, EventNormal, "A", "Reconcile", "")
		r.Eventf(d, nil, EventNormal, "A", "Reconcile", "")
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		require.ErrorIs(t, r.Run(ctx), context.Canceled)
		assert.Equal(t, map[string][]float64{"A": {2}}, f.seriesCounts(), "buffered events are written before Run returns")
	})
}

func TestEventRecorderInvalid(t *testing.T) {
	f := &fakeEvents{objs: map[string]map[string]any{}}
	r := newTestRecorder(t, f, EventRecorderOptions{})
	d := testDeployment(t, "web")
	tests := []struct {
		reason      string
		regarding   sdk.Object
		typ         EventType
		why, action string
	}{
		{reason: "no regarding object", regarding: nil, typ: EventNormal, why: "A", action: "B"},
		{reason: "an unknown type", regarding: d, typ: "Info", why: "A", action: "B"},
		{reason: "no reason", regarding: d, typ: EventNormal, why: "", action: "B"},
		{reason: "no action", regarding: d, typ: EventNormal, why: "A", action: ""},
		{reason: "a reason over 128 bytes", regarding: d, typ: EventNormal, why: strings.Repeat("a", 129), action: "B"},
	}
	for i, tt := range tests {
		r.Eventf(tt.regarding, nil, tt.typ, tt.why, tt.action, "")
		assert.Equal(t, int64(i+1), r.Stats().Invalid, tt.reason)
	}
	assert.Len(t, r.ch, 0, "nothing invalid is queued")

	r.Eventf(d, nil, EventNormal, "A", "B", strings.Repeat("é", 600))
	ev := <-r.ch
	assert.LessOrEqual(t, len(ev.note), 1024, "the note is cut at the API's 1 kB")
	assert.True(t, strings.HasPrefix(strings.Repeat("é", 600), ev.note), "on a rune boundary")

	_, err := NewEventRecorder(nil, EventRecorderOptions{Controller: "x"})
	require.ErrorIs(t, err, ErrInvalidOptions)
	_, err = NewEventRecorder(&sdk.Client{}, EventRecorderOptions{})
	require.ErrorIs(t, err, ErrInvalidOptions, "the reporting controller is required")
}
