package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
)

func deploymentManifest(name, team string) map[string]any {
	return map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": name, "labels": map[string]any{"team": team}},
		"spec": map[string]any{
			"replicas": 1,
			"selector": map[string]any{"matchLabels": map[string]any{"app": name}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app": name}},
				"spec":     map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}},
			},
		},
	}
}

// e2eReconciler annotates team=x Deployments, counts calls per object,
// checks no object is reconciled twice at once, and fails the first call
// for "flaky".
type e2eReconciler struct {
	t        *testing.T
	c        *Controller[kinds.DeploymentStatus]
	mu       sync.Mutex
	calls    map[string]int
	missing  map[string]int
	inFlight sync.Map // key -> *atomic.Int32
	overlap  atomic.Int32
}

func (r *e2eReconciler) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[key]
}

func (r *e2eReconciler) Reconcile(ctx context.Context, req Request) (Result, error) {
	v, _ := r.inFlight.LoadOrStore(req.String(), new(atomic.Int32))
	n := v.(*atomic.Int32)
	if n.Add(1) != 1 {
		r.overlap.Add(1)
	}
	defer n.Add(-1)
	r.mu.Lock()
	r.calls[req.String()]++
	first := r.calls[req.String()] == 1
	r.mu.Unlock()

	d, ok := r.c.Get(req)
	if !ok {
		r.mu.Lock()
		r.missing[req.String()]++
		r.mu.Unlock()
		return Result{}, nil // deleted: nothing to clean up (owned objects are garbage collected)
	}
	if req.Name == "flaky" && first {
		return Result{}, errors.New("transient failure")
	}
	if _, ok := d.Meta().Annotations.Get("example.com/reconciled"); ok {
		return Result{}, nil
	}
	_, err := d.SetAnnotation(ctx, "example.com/reconciled", "true")
	return Result{}, err
}

func TestE2EController(t *testing.T) {
	tc := testutil.Shared(t)
	ns := tc.Namespace(t)
	k, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { k.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	deps := k.Deployments.In(ns)
	for _, d := range []struct{ name, team string }{{"web", "x"}, {"api", "x"}, {"flaky", "x"}, {"other", "y"}} {
		_, err := deps.Create(ctx, deploymentManifest(d.name, d.team), sdk.CreateOptions{})
		require.NoError(t, err)
	}

	r := &e2eReconciler{t: t, calls: map[string]int{}, missing: map[string]int{}}
	c, err := New(deps.View.Filter(selector.Set{"team": "x"}, nil), r, Options{
		Workers:    3,
		Predicates: []Predicate{GenerationChanged()},
		Queue:      QueueOptions{Backoff: DefaultRetryBackoff},
	})
	require.NoError(t, err)
	r.c = c
	require.NoError(t, Owns(c, k.Services.In(ns).View))

	runCtx, stop := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- c.Run(runCtx) }()
	testutil.Eventually(t, ctx, "caches synced", func() error {
		if !c.Ready() {
			return errors.New("not ready")
		}
		return nil
	})

	key := func(name string) string { return ns + "/" + name }
	annotated := func(name string) error {
		d, err := deps.Get(ctx, name)
		if err != nil {
			return err
		}
		if d.Meta().Annotations.Value("example.com/reconciled") != "true" {
			return errors.New(name + " not annotated yet")
		}
		return nil
	}
	for _, name := range []string{"web", "api", "flaky"} {
		testutil.Eventually(t, ctx, name+" annotated", func() error { return annotated(name) })
	}
	testutil.Eventually(t, ctx, "the failing reconcile of flaky to be retried", func() error {
		if n := r.count(key("flaky")); n < 2 {
			return fmt.Errorf("flaky reconciled %d times", n)
		}
		return nil
	})
	assert.Equal(t, 0, r.count(key("other")), "the view's label selector excludes team=y")
	d, err := deps.Get(ctx, "other")
	require.NoError(t, err)
	assert.Equal(t, "", d.Meta().Annotations.Value("example.com/reconciled"))

	// A label change and a status change keep the generation: filtered.
	before := r.count(key("web"))
	_, err = deps.Patch(ctx, "web", sdk.MergePatch, map[string]any{"metadata": map[string]any{"labels": map[string]any{"extra": "1"}}}, sdk.PatchOptions{})
	require.NoError(t, err)
	_, err = deps.PatchStatus(ctx, "web", sdk.MergePatch, map[string]any{"status": map[string]any{"collisionCount": 7}}, sdk.PatchOptions{})
	require.NoError(t, err)
	testutil.Eventually(t, ctx, "the cache sees the status change", func() error {
		if it, ok := c.Get(Request{ns, "web"}); ok {
			if n, err := it.Status().CollisionCount(); err == nil && n == 7 && it.Meta().Labels.Value("extra") == "1" {
				return nil
			}
		}
		return errors.New("not yet")
	})

	// A spec change bumps the generation: reconciled again. It is also the
	// barrier for the check above: api's event comes after web's two on
	// the same watch, so once api is reconciled, web's were filtered.
	beforeAPI := r.count(key("api"))
	_, err = deps.Patch(ctx, "api", sdk.MergePatch, map[string]any{"spec": map[string]any{"replicas": 2}}, sdk.PatchOptions{})
	require.NoError(t, err)
	testutil.Eventually(t, ctx, "api reconciled after a spec change", func() error {
		if r.count(key("api")) <= beforeAPI {
			return errors.New("not yet")
		}
		return nil
	})
	assert.Equal(t, before, r.count(key("web")), "label and status changes are filtered by GenerationChanged")

	// An owned Service (controller reference to web) enqueues web.
	web, err := deps.Get(ctx, "web")
	require.NoError(t, err)
	before = r.count(key("web"))
	_, err = k.Services.In(ns).Create(ctx, map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": "web", "ownerReferences": []any{map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": web.UID(), "controller": true,
		}}},
		"spec": map[string]any{"ports": []any{map[string]any{"port": 80}}},
	}, sdk.CreateOptions{})
	require.NoError(t, err)
	_, err = k.Services.In(ns).Create(ctx, map[string]any{
		"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "orphan"},
		"spec": map[string]any{"ports": []any{map[string]any{"port": 80}}},
	}, sdk.CreateOptions{})
	require.NoError(t, err)
	testutil.Eventually(t, ctx, "web reconciled for its owned Service", func() error {
		if r.count(key("web")) <= before {
			return errors.New("not yet")
		}
		return nil
	})

	// A deleted primary is reconciled once more, and is gone from the cache.
	require.NoError(t, deps.Delete(ctx, "flaky", sdk.DeleteOptions{}))
	testutil.Eventually(t, ctx, "flaky reconciled after deletion", func() error {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.missing[key("flaky")] == 0 {
			return errors.New("not yet")
		}
		return nil
	})

	stop()
	select {
	case err := <-runErr:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(DefaultDrainTimeout + 5*time.Second):
		t.Fatal("Run did not return after its ctx ended")
	}
	assert.Zero(t, r.overlap.Load(), "an object was reconciled twice at once")
	assert.Equal(t, 0, r.count(key("orphan")), "an orphan Service enqueues nothing")
}

// TestE2EControllerWithLeaderElection runs two replicas of a controller
// under leader election: only the leader reconciles; when it stops without
// releasing the lease, the other replica takes over and reconciles.
func TestE2EControllerWithLeaderElection(t *testing.T) {
	tc := testutil.Shared(t)
	ns := tc.Namespace(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	type replica struct {
		id      string
		calls   atomic.Int32
		first   atomic.Int64 // unix nanos of the first reconciliation
		cancel  context.CancelFunc
		stopped chan struct{}
	}
	start := func(id string) *replica {
		rep := &replica{id: id, stopped: make(chan struct{})}
		k, err := kube.New(kube.Options{URL: tc.ProxyURL})
		require.NoError(t, err)
		t.Cleanup(func() { k.Close() })
		le, err := NewLeaderElector(k.Client, LeaderElectionOptions{
			Namespace: ns, Name: "ctrl", Identity: id,
			LeaseDuration: e2eLease, RenewDeadline: e2eRenew, RetryPeriod: e2eRetry,
			OnStartedLeading: func(ctx context.Context) {
				c, err := New(k.Deployments.In(ns).View, ReconcilerFunc(func(context.Context, Request) (Result, error) {
					rep.first.CompareAndSwap(0, time.Now().UnixNano())
					rep.calls.Add(1)
					return Result{}, nil
				}), Options{})
				if err != nil {
					t.Error(err)
					return
				}
				_ = c.Run(ctx)
			},
		})
		require.NoError(t, err)
		rctx, rcancel := context.WithCancel(ctx)
		rep.cancel = rcancel
		go func() {
			defer close(rep.stopped)
			_ = le.Run(rctx)
		}()
		t.Cleanup(func() { rcancel(); <-rep.stopped })
		return rep
	}
	a, b := start("replica-a"), start("replica-b")

	k, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { k.Close() })
	deps := k.Deployments.In(ns)
	_, err = deps.Create(ctx, deploymentManifest("web", "x"), sdk.CreateOptions{})
	require.NoError(t, err)
	testutil.Eventually(t, ctx, "one replica reconciles", func() error {
		if a.calls.Load()+b.calls.Load() == 0 {
			return errors.New("no reconciliation yet")
		}
		return nil
	})
	for i := range 3 {
		_, err = deps.Patch(ctx, "web", sdk.MergePatch, map[string]any{"spec": map[string]any{"replicas": i + 2}}, sdk.PatchOptions{})
		require.NoError(t, err)
	}
	leader, follower := a, b
	if b.calls.Load() > 0 {
		leader, follower = b, a
	}
	testutil.Eventually(t, ctx, "the leader reconciles the changes", func() error {
		if n := leader.calls.Load(); n < 2 {
			return fmt.Errorf("the leader reconciled %d times", n)
		}
		return nil
	})
	assert.Zero(t, follower.calls.Load(), "exactly one replica reconciles")

	stoppedAt := time.Now()
	leader.cancel() // no release: the follower waits for the lease to expire
	<-leader.stopped
	testutil.Eventually(t, ctx, "the follower takes over and reconciles", func() error {
		if follower.calls.Load() == 0 {
			return errors.New("not yet")
		}
		return nil
	})
	took := time.Unix(0, follower.first.Load()).Sub(stoppedAt)
	t.Logf("failover: controller replicas, without release, to the first reconciliation by the new leader: %s (LeaseDuration %s, RetryPeriod %s)", took, e2eLease, e2eRetry)
	assert.LessOrEqual(t, took, e2eLease+e2eRetry+e2eSlack+time.Second, "takeover within LeaseDuration+RetryPeriod, plus the cache sync")
}
