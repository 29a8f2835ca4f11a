package controller

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// fakeDeployments serves a fixed list of Deployments in namespace "ns" and
// watches that send nothing until their request ends (never a hang: the
// body ends with the request's ctx). Streaming lists are refused, so the
// store lists.
type fakeDeployments struct{ names []string }

func (f fakeDeployments) RoundTrip(req *http.Request) (*http.Response, error) {
	json := func(code int, body string) *http.Response {
		return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
	}
	q := req.URL.Query()
	switch {
	case req.URL.Path == "/apis/apps/v1":
		return json(200, `{"kind":"APIResourceList","resources":[{"name":"deployments","namespaced":true,"kind":"Deployment"}]}`), nil
	case q.Get("watch") == "true" && q.Get("sendInitialEvents") != "":
		return json(400, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"BadRequest","code":400}`), nil
	case q.Get("watch") == "true":
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: ctxBody{req.Context()}}, nil
	}
	items := make([]string, len(f.names))
	for i, n := range f.names {
		items[i] = fmt.Sprintf(`{"metadata":{"name":%q,"namespace":"ns","uid":"u-%s","resourceVersion":"5","generation":1}}`, n, n)
	}
	return json(200, `{"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{"resourceVersion":"10"},"items":[`+strings.Join(items, ",")+`]}`), nil
}

// ctxBody is a response body that yields nothing until ctx ends.
type ctxBody struct{ ctx context.Context }

func (b ctxBody) Read([]byte) (int, error) {
	<-b.ctx.Done()
	return 0, b.ctx.Err()
}
func (b ctxBody) Close() error { return nil }

func runTestController(t *testing.T, names []string, r Reconciler, opts Options) (*Controller[kinds.DeploymentStatus], context.CancelFunc, chan error) {
	client, err := sdk.New(sdk.Options{URL: "http://fake.invalid", Transport: fakeDeployments{names}})
	require.NoError(t, err)
	c, err := New(sdk.NewView(client, kinds.DeploymentKind).In("ns"), r, opts)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	return c, cancel, done
}

func TestControllerDrainsOnShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var order []string
		var ctxErrs atomic.Int32
		r := ReconcilerFunc(func(ctx context.Context, req Request) (Result, error) {
			time.Sleep(time.Second) // work that takes a while
			if ctx.Err() != nil {
				ctxErrs.Add(1)
			}
			mu.Lock()
			order = append(order, req.Name)
			mu.Unlock()
			if req.Name == "later" {
				return Result{RequeueAfter: time.Hour}, nil
			}
			return Result{}, nil
		})
		c, cancel, done := runTestController(t, []string{"a", "b", "later"}, r, Options{Workers: 1})
		synctest.Wait()
		assert.True(t, c.Ready(), "ready once the cache synced")
		time.Sleep(1500 * time.Millisecond) // "a" done, "b" in flight
		start := time.Now()
		cancel()
		err := <-done
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, []string{"a", "b", "later"}, order, "queued requests are reconciled during the drain")
		assert.Zero(t, ctxErrs.Load(), "reconciliations keep a live ctx during the drain")
		assert.Equal(t, 1500*time.Millisecond, time.Since(start), "Run returns once the drain is done")
	})
}

func TestControllerDrainTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cancelled atomic.Int32
		r := ReconcilerFunc(func(ctx context.Context, req Request) (Result, error) {
			<-ctx.Done() // a reconciliation that only stops when told
			cancelled.Add(1)
			return Result{}, ctx.Err()
		})
		_, cancel, done := runTestController(t, []string{"stuck"}, r, Options{DrainTimeout: 5 * time.Second})
		synctest.Wait()
		start := time.Now()
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
		assert.Equal(t, 5*time.Second, time.Since(start), "the drain is bounded by DrainTimeout")
		assert.Equal(t, int32(1), cancelled.Load(), "the reconciliation's ctx was cancelled at the timeout")
	})
}

func TestControllerAtMostOneInFlightPerKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var inFlight, overlap, calls atomic.Int32
		var cp atomic.Pointer[Controller[kinds.DeploymentStatus]]
		r := ReconcilerFunc(func(ctx context.Context, req Request) (Result, error) {
			if inFlight.Add(1) != 1 {
				overlap.Add(1)
			}
			defer inFlight.Add(-1)
			calls.Add(1)
			for range 3 {
				cp.Load().Queue().Add(req) // changes arriving while it is reconciled
			}
			time.Sleep(time.Second)
			return Result{}, nil
		})
		client, err := sdk.New(sdk.Options{URL: "http://fake.invalid", Transport: fakeDeployments{[]string{"one"}}})
		require.NoError(t, err)
		c, err := New(sdk.NewView(client, kinds.DeploymentKind).In("ns"), r, Options{Workers: 4})
		require.NoError(t, err)
		cp.Store(c)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx) }()
		time.Sleep(1500 * time.Millisecond)
		assert.Equal(t, int32(2), calls.Load(), "adds during a reconciliation coalesce into one more, after it")
		assert.Zero(t, overlap.Load(), "never two reconciliations of one key at once, with 4 workers")
		cancel()
		<-done
	})
}

func TestControllerResync(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		calls := map[string]int{}
		r := ReconcilerFunc(func(ctx context.Context, req Request) (Result, error) {
			mu.Lock()
			calls[req.Name]++
			mu.Unlock()
			return Result{}, nil
		})
		_, cancel, done := runTestController(t, []string{"a", "b"}, r, Options{Resync: 10 * time.Second, Workers: 2})
		time.Sleep(25 * time.Second)
		cancel()
		<-done
		assert.Equal(t, map[string]int{"a": 3, "b": 3}, calls, "once at start, then every Resync without any event")
	})
}
