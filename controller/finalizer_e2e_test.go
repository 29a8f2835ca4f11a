package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// TestE2EFinalizer runs a controller of Leases with a Finalizer: live
// Leases get the finalizer; deleting them runs cleanup exactly once each
// (also for the one whose first cleanup fails), and they disappear.
func TestE2EFinalizer(t *testing.T) {
	tc := testutil.Shared(t)
	ns := tc.Namespace(t)
	k, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { k.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	leases := sdk.NewView(k.Client, kinds.LeaseKind).In(ns)
	const name = "example.com/cleanup"

	var mu sync.Mutex
	cleanups := map[string]int{} // successful cleanups by object name
	attempts := map[string]int{}
	fin, err := NewFinalizer(name, func(ctx context.Context, l *kinds.Lease) error {
		mu.Lock()
		defer mu.Unlock()
		attempts[l.Name()]++
		if l.Name() == "flaky" && attempts[l.Name()] == 1 {
			return errors.New("the external system is down")
		}
		cleanups[l.Name()]++
		return nil
	}, sdk.RetryOptions{})
	require.NoError(t, err)

	var c *Controller[kinds.LeaseStatus]
	c, err = New(leases, ReconcilerFunc(func(ctx context.Context, req Request) (Result, error) {
		l, ok := c.Get(req)
		if !ok {
			return Result{}, nil
		}
		_, _, err := fin.Handle(ctx, l)
		return Result{}, err
	}), Options{Workers: 4, Queue: QueueOptions{Backoff: DefaultRetryBackoff}})
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })

	names := []string{"a", "b", "c", "flaky"}
	for _, n := range names {
		_, err := leases.Create(ctx, map[string]any{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": map[string]any{"name": n}}, sdk.CreateOptions{})
		require.NoError(t, err)
	}
	testutil.Eventually(t, ctx, "every lease has the finalizer", func() error {
		for _, n := range names {
			l, err := leases.Get(ctx, n)
			if err != nil {
				return err
			}
			if !HasFinalizer(l.Meta(), name) {
				return fmt.Errorf("%s has no finalizer yet", n)
			}
		}
		return nil
	})
	for _, n := range names {
		require.NoError(t, leases.Delete(ctx, n, sdk.DeleteOptions{}))
	}
	testutil.Eventually(t, ctx, "the leases disappear", func() error {
		for _, n := range names {
			if _, err := leases.Get(ctx, n); !errors.Is(err, sdk.ErrNotFound) {
				return fmt.Errorf("%s still there (%v)", n, err)
			}
		}
		return nil
	})
	// Let late events (the deletions) be reconciled before counting.
	testutil.Eventually(t, ctx, "the cache sees the deletions", func() error {
		if n := c.Store().Len(); n != 0 {
			return fmt.Errorf("%d leases cached", n)
		}
		return nil
	})
	require.NoError(t, c.Queue().Drain(ctx))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, map[string]int{"a": 1, "b": 1, "c": 1, "flaky": 1}, cleanups, "cleanup ran exactly once per object")
	assert.Equal(t, 2, attempts["flaky"], "the failed cleanup was retried once")
}
