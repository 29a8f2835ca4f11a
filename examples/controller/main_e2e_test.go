package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/sdk"
)

func deployment(name, team string) map[string]any {
	return map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": name, "labels": map[string]any{"team": team}},
		"spec": map[string]any{
			"replicas": 0, // no pods: the test is about the controller, not the scheduler
			"selector": map[string]any{"matchLabels": map[string]any{"app": name}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app": name}},
				"spec":     map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}},
			},
		},
	}
}

// running is one run of the example controller.
type running struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

func startController(t *testing.T, url, ns string) *running {
	ctx, cancel := context.WithCancel(t.Context())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	go func() { r.done <- run(ctx, config{url: url, namespace: ns, workers: 4, log: log}) }()
	t.Cleanup(func() { _ = r.stop() })
	return r
}

// stop stops the controller and returns what run returned.
func (r *running) stop() error {
	r.once.Do(func() {
		r.cancel()
		select {
		case r.err = <-r.done:
		case <-time.After(time.Minute):
			r.err = errors.New("run did not return within a minute of its ctx's end")
		}
	})
	return r.err
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// converged checks that exactly the team=x Deployments in want are
// annotated and own a Service selecting their pods, and that no other
// Deployment has one.
func converged(ctx context.Context, k *kube.Cluster, ns string, want map[string]bool) error {
	deps, err := k.Deployments.In(ns).List(ctx)
	if err != nil {
		return err
	}
	svcs, err := k.Services.In(ns).List(ctx)
	if err != nil {
		return err
	}
	owned := map[string]string{} // service name -> controller uid
	for _, s := range svcs {
		for _, ref := range s.Meta().OwnerReferences {
			if ref.Controller && ref.Kind == "Deployment" {
				owned[s.Name()] = ref.UID
			}
		}
	}
	var missing []string
	for _, d := range deps {
		x := want[d.Name()]
		_, annotated := d.Meta().Annotations.Get(annotation)
		if x && (!annotated || owned[d.Name()] != d.UID()) {
			missing = append(missing, d.Name())
		}
		if !x && (annotated || owned[d.Name()] != "") {
			return fmt.Errorf("%s is not team=x but was reconciled", d.Name())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%d not converged, e.g. %s", len(missing), missing[0])
	}
	for name := range want {
		if owned[name] == "" {
			return fmt.Errorf("%s has no Service", name)
		}
	}
	return nil
}

func eventually(t *testing.T, within time.Duration, what string, cond func(ctx context.Context) error) time.Duration {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), within)
	defer cancel()
	testutil.Eventually(t, ctx, what, func() error { return cond(ctx) })
	return time.Since(start)
}

// TestE2EExample runs the example controller on the shared cluster: it
// converges from scratch, after its own restart (changes made while it was
// down are reconciled), under churn of 300 Deployments, and the garbage
// collector removes the Services it owns with their Deployments.
func TestE2EExample(t *testing.T) {
	tc := testutil.Shared(t)
	ns := tc.Namespace(t)
	k, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { k.Close() })
	ctx := t.Context()
	deps := k.Deployments.In(ns)
	want := map[string]bool{}
	for _, d := range []struct{ name, team string }{{"web", "x"}, {"api", "x"}, {"db", "x"}, {"other", "y"}} {
		_, err := deps.Create(ctx, deployment(d.name, d.team), sdk.CreateOptions{})
		require.NoError(t, err)
		if d.team == "x" {
			want[d.name] = true
		}
	}

	// From scratch.
	c := startController(t, tc.ProxyURL, ns)
	took := eventually(t, time.Minute, "converged from scratch", func(ctx context.Context) error { return converged(ctx, k, ns, want) })
	t.Logf("convergence: from scratch (3 Deployments): %s", took)

	// Changes while it is down: a new Deployment, an owned Service
	// deleted, a Deployment relabelled into the set, one's selector changed.
	require.ErrorIs(t, c.stop(), context.Canceled)
	_, err = deps.Create(ctx, deployment("late", "x"), sdk.CreateOptions{})
	require.NoError(t, err)
	require.NoError(t, k.Services.In(ns).Delete(ctx, "api", sdk.DeleteOptions{}))
	_, err = deps.Patch(ctx, "other", sdk.MergePatch, map[string]any{"metadata": map[string]any{"labels": map[string]any{"team": "x"}}}, sdk.PatchOptions{})
	require.NoError(t, err)
	want["late"], want["other"] = true, true
	startController(t, tc.ProxyURL, ns) // runs until the test ends (cleanup stops it)
	took = eventually(t, time.Minute, "converged after a restart", func(ctx context.Context) error { return converged(ctx, k, ns, want) })
	t.Logf("convergence: after its restart (3 changes made while down): %s", took)

	// Churn: 300 Deployments created at once (10 writers), then 100 of
	// them deleted while the controller works.
	const churn = 300
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, churn)
	names := make(chan string)
	for range 10 {
		wg.Go(func() {
			for n := range names {
				if _, err := deps.Create(ctx, deployment(n, "x"), sdk.CreateOptions{}); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range churn {
		name := fmt.Sprintf("churn-%03d", i)
		want[name] = true
		names <- name
	}
	close(names)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	created := time.Since(start)
	took = eventually(t, 3*time.Minute, "converged under churn", func(ctx context.Context) error { return converged(ctx, k, ns, want) })
	t.Logf("convergence: churn of %d Deployments: created in %s, all converged %s after the last creation", churn, created, took)

	// Garbage collection: deleting Deployments deletes their Services.
	gone := []string{"web", "churn-000", "churn-150"}
	for _, n := range gone {
		require.NoError(t, deps.Delete(ctx, n, sdk.DeleteOptions{}))
		delete(want, n)
	}
	took = eventually(t, 2*time.Minute, "owned Services garbage collected", func(ctx context.Context) error {
		for _, n := range gone {
			if _, err := k.Services.In(ns).Get(ctx, n); !errors.Is(err, sdk.ErrNotFound) {
				return fmt.Errorf("service %s still there (%v)", n, err)
			}
		}
		return converged(ctx, k, ns, want)
	})
	t.Logf("convergence: garbage collection of %d owned Services: %s", len(gone), took)
	out, err := tc.Kubectl(ctx, "", "get", "events", "-n", ns, "--field-selector", "involvedObject.name=late")
	require.NoError(t, err)
	require.Contains(t, out, "Reconciled", "the example records events")
}

// TestE2EExampleAPIServerRestart runs the example controller on a private
// cluster (restarting the shared one would disturb other tests), kills
// kube-apiserver under it and starts it again: the controller's watches
// recover, and changes made after the restart are reconciled.
func TestE2EExampleAPIServerRestart(t *testing.T) {
	startCtx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	tc, err := testutil.Start(startCtx, testutil.StartOptions{Nodes: 1})
	require.NoError(t, err, "start a private cluster")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("private cluster log tails:\n%s", tc.LogTails(20))
		}
		tc.Stop()
	})
	ctx := t.Context()
	ns := "restart"
	_, err = tc.Kubectl(ctx, "", "create", "namespace", ns)
	require.NoError(t, err)
	k, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { k.Close() })
	deps := k.Deployments.In(ns)
	want := map[string]bool{"web": true, "api": true}
	for n := range want {
		_, err := deps.Create(ctx, deployment(n, "x"), sdk.CreateOptions{})
		require.NoError(t, err)
	}
	c := startController(t, tc.ProxyURL, ns)
	eventually(t, time.Minute, "converged before the restart", func(ctx context.Context) error { return converged(ctx, k, ns, want) })

	restartCtx, cancelRestart := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelRestart()
	require.NoError(t, tc.RestartAPIServer(restartCtx))
	restarted := time.Now()
	_, err = deps.Create(ctx, deployment("late", "x"), sdk.CreateOptions{})
	require.NoError(t, err)
	require.NoError(t, k.Services.In(ns).Delete(ctx, "api", sdk.DeleteOptions{}))
	want["late"] = true
	eventually(t, 2*time.Minute, "converged after the apiserver restart", func(ctx context.Context) error { return converged(ctx, k, ns, want) })
	t.Logf("convergence: after an apiserver restart (2 changes after it): %s", time.Since(restarted))
	select {
	case err := <-c.done:
		t.Fatalf("the controller stopped: %v", err)
	default:
	}
	require.ErrorIs(t, c.stop(), context.Canceled)
}
