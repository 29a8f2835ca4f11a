// Command pods lists the pods of a namespace through the SDK and watches
// them until every one is Running with an IP, printing names, phases and
// IPs: the project's demo (make demo).
//
//	go run ./examples/pods -url http://localhost:8001 -namespace demo -want 3 -manifest deployment.yaml
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
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/transport"
	"github.com/kube-for-go/kube/watch"
)

func main() {
	url := flag.String("url", transport.DefaultProxyURL, "kubectl proxy (or API server) URL")
	ns := flag.String("namespace", "default", "namespace to list")
	want := flag.Int("want", 1, "number of Running pods to wait for")
	timeout := flag.Duration("timeout", 2*time.Minute, "how long to wait")
	manifest := flag.String("manifest", "", "optional YAML manifest to create first (e.g. a Deployment)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, *url, *ns, *want, *manifest); err != nil {
		fmt.Fprintln(os.Stderr, "pods:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, ns string, want int, manifest string) error {
	cluster, err := kube.New(kube.Options{URL: url})
	if err != nil {
		return err
	}
	defer cluster.Close()
	if manifest != "" {
		data, err := os.ReadFile(manifest)
		if err != nil {
			return err
		}
		obj, err := cluster.Create(ctx, data, sdk.CreateOptions{})
		if err != nil {
			return err
		}
		fmt.Printf("Created %s\n", obj)
	}
	pods := cluster.Pods.In(ns)

	fmt.Printf("Pods in namespace %q now:\n", ns)
	running := map[string]bool{}
	for pod, err := range pods.All(ctx) {
		if err != nil {
			return err
		}
		show("  ", pod)
		if isRunning(pod) {
			running[pod.Name()] = true
		}
	}
	if len(running) >= want {
		fmt.Printf("%d pods Running\n", len(running))
		return nil
	}

	fmt.Printf("Watching until %d pods are Running:\n", want)
	for ev, err := range pods.Watch(ctx, watch.Options{InitialList: true}) {
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("only %d of %d pods Running before the deadline", len(running), want)
			}
			return err
		}
		if ev.Type == watch.Bookmark {
			continue
		}
		show(fmt.Sprintf("  %-8s ", ev.Type), ev.Object)
		if ev.Type != watch.Deleted && isRunning(ev.Object) {
			running[ev.Object.Name()] = true
		} else {
			delete(running, ev.Object.Name())
		}
		if len(running) >= want {
			fmt.Printf("%d pods Running\n", len(running))
			return nil
		}
	}
	return ctx.Err()
}

func isRunning(p *kinds.Pod) bool {
	phase, err := p.Status().Phase()
	_, ipErr := p.Status().IP()
	return err == nil && phase == kinds.PodRunning && ipErr == nil
}

func show(prefix string, p *kinds.Pod) {
	st := p.Status()
	phase, err := st.Phase()
	if err != nil {
		phase = "(no phase yet)"
	}
	ip := "(no IP yet)"
	if a, err := st.IP(); err == nil {
		ip = a.String()
	}
	ready := 0
	cs := st.Containers()
	for _, c := range cs {
		if c.Ready() {
			ready++
		}
	}
	fmt.Printf("%s%-32s %-10s %-15s ready %d/%d\n", prefix, p.Name(), phase, ip, ready, len(cs))
}
