// Package controller is the toolkit for writing Kubernetes controllers on
// the SDK: a work queue of keys (Queue) and leader election on
// coordination.k8s.io/v1 Leases (LeaderElector).
//
// A worker loop over a Queue:
//
//	q := controller.NewQueue[string](controller.QueueOptions{})
//	q.Add("default/web")
//	for {
//		key, err := q.Get(ctx)
//		if err != nil {
//			return // the queue was shut down, or ctx ended
//		}
//		if err := reconcile(ctx, key); err != nil {
//			q.Retry(key) // again later, with per-key backoff
//		} else {
//			q.Forget(key)
//		}
//		q.Done(key)
//	}
package controller
