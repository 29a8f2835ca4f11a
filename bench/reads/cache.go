package reads

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/watch"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// The informer-sized readers fill a cache of every pod (list, then watch)
// and read it once synced: the SDK's watch.Store and client-go's
// SharedInformer. Both visit the pods sorted by "namespace/name" (the
// Store's order; the informer's store is sorted the same way here), so the
// expected digest is of the fixture's pods in that order (SortByKey).

// SyncTimeout bounds the wait for a cache to sync.
const SyncTimeout = 10 * time.Minute

// SortByKey sorts records by "namespace/name", the order of the cache
// readers.
func SortByKey(rs []Record) {
	slices.SortFunc(rs, func(a, b Record) int {
		return cmp.Compare(watch.Key(a.Namespace, a.Name), watch.Key(b.Namespace, b.Name))
	})
}

// SDKStore fills a watch.Store of every pod (watch.NewStore of the pods'
// Source with the default StoreOptions: managedFields trimmed), waits until
// it synced, visits every cached pod, and returns with the store still
// running; stop ends it.
func SDKStore(ctx context.Context, c *kube.Cluster, visit Visitor) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	store := watch.NewStore(c.Pods.View.Source(), watch.StoreOptions{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		store.Run(ctx)
	}()
	stop = func() { cancel(); <-done }
	sctx, scancel := context.WithTimeout(ctx, SyncTimeout)
	defer scancel()
	if err := store.WaitForSync(sctx); err != nil {
		stop()
		return nil, fmt.Errorf("sdk: store: %w", err)
	}
	var p Pod
	for _, pod := range store.All() {
		if err := readSDK(&p, pod); err != nil {
			stop()
			return nil, err
		}
		visit(&p)
	}
	return stop, nil
}

// ClientGoInformer fills client-go's SharedInformer cache of every pod
// (informers.NewSharedInformerFactory(cs, 0).Core().V1().Pods().Informer(),
// no transform: the objects as decoded), waits until it synced, visits
// every cached pod sorted by key, and returns with the informer still
// running; stop ends it.
func ClientGoInformer(ctx context.Context, cs kubernetes.Interface, visit Visitor) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	factory := informers.NewSharedInformerFactory(cs, 0)
	inf := factory.Core().V1().Pods().Informer()
	done := make(chan struct{})
	go func() {
		defer close(done)
		inf.Run(ctx.Done())
	}()
	stop = func() { cancel(); <-done }
	sctx, scancel := context.WithTimeout(ctx, SyncTimeout)
	defer scancel()
	if !cache.WaitForCacheSync(sctx.Done(), inf.HasSynced) {
		stop()
		return nil, fmt.Errorf("client-go: informer did not sync within %s", SyncTimeout)
	}
	keys := inf.GetStore().ListKeys()
	slices.Sort(keys)
	var p Pod
	for _, k := range keys {
		obj, ok, err := inf.GetStore().GetByKey(k)
		if err != nil || !ok {
			stop()
			return nil, fmt.Errorf("client-go: informer lost %s: %v", k, err)
		}
		pod, isPod := obj.(*corev1.Pod)
		if !isPod {
			stop()
			return nil, fmt.Errorf("client-go: informer holds %T", obj)
		}
		readClientGo(&p, pod)
		visit(&p)
	}
	return stop, nil
}
