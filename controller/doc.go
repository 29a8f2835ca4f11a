// Package controller is the toolkit for writing Kubernetes controllers on
// the SDK's typed views and caches:
//
//   - Controller[S] reconciles the objects of one primary kind: it caches
//     them (a watch.Store), turns changes that pass its predicates, changes
//     of owned objects (by their controller ownerReference) and of other
//     watched kinds into Requests, and runs a Reconciler with N workers,
//     never two at once for the same object, retrying failures with
//     backoff;
//   - Queue[K] is the work queue underneath, usable on its own;
//   - LeaderElector runs one active replica among several, on a
//     coordination.k8s.io/v1 Lease, the way Kubernetes' own components do.
//
// A controller that annotates the Deployments labelled team=x:
//
//	var c *controller.Controller[kinds.DeploymentStatus]
//	c, err := controller.New(cluster.Deployments.In(ns).View.Filter(selector.Set{"team": "x"}, nil),
//		controller.ReconcilerFunc(func(ctx context.Context, req controller.Request) (controller.Result, error) {
//			d, ok := c.Get(req) // the cached object; absent once deleted
//			if !ok {
//				return controller.Result{}, nil
//			}
//			_, err := d.SetAnnotation(ctx, "example.com/seen", "true")
//			return controller.Result{}, err // an error retries with backoff
//		}),
//		controller.Options{Workers: 4, Predicates: []controller.Predicate{controller.GenerationChanged()}})
//	if err != nil {
//		return err
//	}
//	controller.Owns(c, cluster.Services.In(ns).View) // a change to an owned Service reconciles its Deployment
//	return c.Run(ctx) // until ctx ends, then drains
//
// examples/controller is a complete program, with leader election.
//
// # Guarantees
//
// A Request is reconciled at least once after the last change that
// enqueued it, and never by two workers at once. Changes that arrive while
// an object is being reconciled are coalesced into one more
// reconciliation after it. No wait is unbounded: Run's shutdown drains
// within Options.DrainTimeout, the leader gives up within RenewDeadline of
// its last renewal, and every request has the client's timeouts.
package controller
