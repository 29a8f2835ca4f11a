// Command watch shows the watch package against a cluster: a typed watch
// loop over the pods of a namespace, then a WaitFor that creates nothing
// but waits until every pod listed is Ready (or one fails), and a Store
// serving a label query from memory.
//
//	go run ./examples/watch -url http://localhost:8001 -namespace default -events 5
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/selector"
	"github.com/kube-for-go/kube/transport"
	"github.com/kube-for-go/kube/watch"
)

func main() {
	url := flag.String("url", transport.DefaultProxyURL, "kubectl proxy (or API server) URL")
	ns := flag.String("namespace", "default", "namespace to watch")
	events := flag.Int("events", 5, "number of events to print before moving on")
	labels := flag.String("l", "", "label selector for the store query, e.g. app=web")
	timeout := flag.Duration("timeout", time.Minute, "how long the whole run may take")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, *url, *ns, *events, *labels); err != nil {
		fmt.Fprintln(os.Stderr, "watch:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, ns string, n int, labels string) error {
	cluster, err := kube.New(kube.Options{URL: url})
	if err != nil {
		return err
	}
	defer cluster.Close()
	pods := cluster.Pods.In(ns)

	// 1. A typed watch loop: the current pods as ADDED events, then the
	// changes. It resumes, relists and backs off by itself; it ends only
	// with a permanent error or the context's.
	fmt.Printf("First %d events of pods in %q:\n", n, ns)
	seen := 0
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	for ev, err := range pods.Watch(wctx, watch.Options{InitialList: true}) {
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				fmt.Println("  (no more events before the deadline)")
				break
			}
			return err
		}
		phase, err := ev.Object.Status().Phase()
		if err != nil {
			phase = "-"
		}
		fmt.Printf("  %-8s %-40s %-10s rv %s\n", ev.Type, ev.Object.Name(), phase, ev.Object.Version())
		if seen++; seen == n {
			break // closes the connection at once
		}
	}

	// 2. A Store: list + watch kept in sync, queries served from memory.
	store := watch.NewStore(pods.Source(), watch.StoreOptions{})
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go store.Run(sctx)
	if err := store.WaitForSync(ctx); err != nil {
		return err
	}
	sel := selector.Everything()
	if labels != "" {
		if sel, err = selector.Parse(labels); err != nil {
			return err
		}
	}
	cached, err := store.List(sel)
	if err != nil {
		return err
	}
	fmt.Printf("Store: %d pods cached, %d match %q\n", store.Len(), len(cached), sel.String())

	// 3. WaitFor, like kubectl wait: each matching pod Ready, failing
	// early if it fails.
	for _, p := range cached {
		pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		got, err := watch.WaitFor(pctx, pods.ObjectSource(p.Name()), watch.Or(kinds.PodIsReady(), kinds.PodFailure()))
		cancel()
		switch {
		case errors.Is(err, kinds.ErrPodFailed):
			fmt.Printf("  %s failed: %v\n", p.Name(), err)
		case err != nil:
			fmt.Printf("  %s not Ready: %v\n", p.Name(), err)
		default:
			fmt.Printf("  %s Ready (rv %s)\n", got.Name(), got.Version())
		}
	}
	return nil
}
