// Package scaler is the code under test of the sample module: it scales
// every Deployment of a namespace that matches a label selector.
//
// Its tests (scaler_e2e_test.go) run it against a real cluster with
// github.com/kube-for-go/kube/kubetest, where the Deployments' pods are
// really created, scheduled and run (by kwok); see the module's README.md.
package scaler

import (
	"context"
	"fmt"
	"slices"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
)

// ScaleLabelled sets the replicas of every Deployment in namespace that
// matches the label selector to replicas, and returns their names, sorted.
// It stops at the first Deployment it cannot scale, returning the names
// scaled so far with the error.
func ScaleLabelled(ctx context.Context, cluster *kube.Cluster, namespace, labels string, replicas int32) ([]string, error) {
	if replicas < 0 {
		return nil, fmt.Errorf("scaler: %d replicas", replicas)
	}
	sel, err := selector.Parse(labels)
	if err != nil {
		return nil, fmt.Errorf("scaler: selector %q: %w", labels, err)
	}
	deployments := cluster.Deployments.In(namespace)
	var names []string
	for d, err := range deployments.Filter(sel, nil).All(ctx) {
		if err != nil {
			return names, fmt.Errorf("scaler: list deployments in %s: %w", namespace, err)
		}
		names = append(names, d.Name())
	}
	slices.Sort(names)
	for i, name := range names {
		if _, err := deployments.Scale(ctx, name, replicas, sdk.WriteOptions{}); err != nil {
			return names[:i], fmt.Errorf("scaler: scale %s/%s: %w", namespace, name, err)
		}
	}
	return names, nil
}
