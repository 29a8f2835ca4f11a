package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

func TestE2EEventRecorder(t *testing.T) {
	tc := testutil.Shared(t)
	ns := tc.Namespace(t)
	k, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { k.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	cm, err := sdk.NewView(k.Client, kinds.LeaseKind).In(ns).Create(ctx, map[string]any{
		"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": map[string]any{"name": "watched"},
	}, sdk.CreateOptions{})
	require.NoError(t, err)

	rec, err := NewEventRecorder(k.Client, EventRecorderOptions{Controller: "example.com/e2e", Instance: "e2e-1", SeriesFlush: time.Second})
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rec.Run(runCtx) }()
	for i := range 4 {
		rec.Eventf(cm, nil, EventNormal, "Synced", "Reconcile", "pass %d", i)
	}
	rec.Eventf(cm, nil, EventWarning, "Failed", "Reconcile", "once")

	// As a user would see them: kubectl get events -n ns.
	testutil.Eventually(t, ctx, "the events are listed by kubectl, aggregated", func() error {
		out, err := tc.Kubectl(ctx, "", "get", "events", "-n", ns, "-o", "json")
		if err != nil {
			return err
		}
		var list struct {
			Items []struct {
				Reason             string `json:"reason"`
				Type               string `json:"type"`
				ReportingComponent string `json:"reportingComponent"`
				InvolvedObject     struct{ Kind, Name string }
				Series             *struct {
					Count int `json:"count"`
				} `json:"series"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			return err
		}
		got := map[string]int{}
		for _, it := range list.Items {
			if it.ReportingComponent != "example.com/e2e" || it.InvolvedObject.Kind != "Lease" || it.InvolvedObject.Name != "watched" {
				continue
			}
			n := 1
			if it.Series != nil {
				n = it.Series.Count
			}
			got[it.Reason+"/"+it.Type] += n
			if it.Reason == "Synced" && it.Series == nil {
				return fmt.Errorf("Synced has no series yet")
			}
		}
		if got["Synced/Normal"] != 4 || got["Failed/Warning"] != 1 {
			return fmt.Errorf("events by reason: %v", got)
		}
		return nil
	})
	out, err := tc.Kubectl(ctx, "", "get", "events", "-n", ns)
	require.NoError(t, err)
	t.Logf("kubectl get events:\n%s", out)
	stop()
	require.ErrorIs(t, <-done, context.Canceled)
	st := rec.Stats()
	require.Equal(t, int64(2), st.Created, "%+v", st)
	require.Equal(t, int64(3), st.Aggregated, "%+v", st)
	require.Zero(t, st.Failed+st.Dropped+st.RateLimited, "%+v", st)
}
