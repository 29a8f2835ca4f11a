package scaler_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/usertest/scaler"
	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/kubetest"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
)

func deployment(name, tier string, replicas int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  labels: {tier: %[2]s}
spec:
  replicas: %[3]d
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec: {containers: [{name: app, image: example.com/%[1]s:1}]}
`, name, tier, replicas)
}

// runningPods counts the pods of app that run and are ready.
func runningPods(ctx context.Context, k *kube.Cluster, ns, app string) (int, error) {
	n := 0
	for p, err := range k.Pods.In(ns).Filter(selector.MustParse("app="+app), nil).All(ctx) {
		if err != nil {
			return 0, err
		}
		if phase, _ := p.Status().Phase(); phase == kinds.PodRunning && p.Status().Ready() && p.Meta().DeletionTimestamp == nil {
			n++
		}
	}
	return n, nil
}

func TestE2EScaleLabelled(t *testing.T) {
	tc := kubetest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns := tc.Namespace(t)
	k := tc.Client(t)
	for _, d := range []struct {
		name, tier string
	}{{"web", "front"}, {"api", "front"}, {"db", "back"}} {
		_, err := k.Create(ctx, deployment(d.name, d.tier, 1), sdk.CreateOptions{Namespace: ns})
		require.NoError(t, err)
	}

	names, err := scaler.ScaleLabelled(ctx, k, ns, "tier=front", 3)
	require.NoError(t, err)
	assert.Equal(t, []string{"api", "web"}, names)

	// The pods really run: the Deployment controller, the ReplicaSet
	// controller, the scheduler and kwok's kubelet all took part.
	want := map[string]int{"web": 3, "api": 3, "db": 1}
	for app, n := range want {
		kubetest.Eventually(t, ctx, fmt.Sprintf("%d running pods of %s", n, app), func() error {
			got, err := runningPods(ctx, k, ns, app)
			if err != nil {
				return err
			}
			if got != n {
				return fmt.Errorf("%d running", got)
			}
			return nil
		})
	}
}

func TestE2EScaleLabelledNeedsTheScaleSubresource(t *testing.T) {
	tc := kubetest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns := tc.Namespace(t)
	_, err := tc.Client(t).Create(ctx, deployment("web", "front", 1), sdk.CreateOptions{Namespace: ns})
	require.NoError(t, err)
	// ScaleLabelled lists the Deployments, patches their scale subresource,
	// and (sdk's ScaleView.Scale) reads each scaled Deployment back.
	read := kubetest.Rule{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"list", "get"}}
	scale := kubetest.Rule{APIGroups: []string{"apps"}, Resources: []string{"deployments/scale"}, Verbs: []string{"patch"}}

	tests := []struct {
		reason  string
		rules   []kubetest.Rule
		want    error
		replica int32
	}{
		{"reading Deployments is not enough to scale them", []kubetest.Rule{read}, sdk.ErrForbidden, 2},
		{"patching the scale subresource is what scaling adds", []kubetest.Rule{read, scale}, nil, 2},
		{"without list nothing is found to scale", []kubetest.Rule{scale}, sdk.ErrForbidden, 2},
	}
	for i, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			sa := tc.ServiceAccountClient(t, ns, fmt.Sprintf("scaler-%d", i), tt.rules...)
			names, err := scaler.ScaleLabelled(ctx, sa, ns, "tier=front", tt.replica)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				assert.Empty(t, names)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []string{"web"}, names)
		})
	}
}

// A plain unit test next to the end-to-end ones: no cluster is contacted.
func TestScaleLabelledRejectsBadInput(t *testing.T) {
	k, err := kube.New(kube.Options{URL: "http://127.0.0.1:1"})
	require.NoError(t, err)
	defer k.Close()
	ctx := context.Background()
	_, err = scaler.ScaleLabelled(ctx, k, "default", "tier in (", 1)
	require.ErrorContains(t, err, "selector", "a bad selector")
	_, err = scaler.ScaleLabelled(ctx, k, "default", "tier=front", -1)
	require.ErrorContains(t, err, "-1 replicas", "negative replicas")
}
