// Command scale scales a Deployment and waits until the new number of
// replicas is available, like `kubectl scale` followed by `kubectl rollout
// status`.
//
//	kubectl proxy &
//	go run ./examples/scale -namespace default -name web -replicas 5
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

func main() {
	url := flag.String("url", "http://localhost:8001", "URL of the API server or of kubectl proxy")
	namespace := flag.String("namespace", "default", "namespace of the Deployment")
	name := flag.String("name", "", "name of the Deployment (required)")
	replicas := flag.Int("replicas", 1, "desired number of replicas")
	timeout := flag.Duration("timeout", 5*time.Minute, "how long to wait for the replicas")
	flag.Parse()
	if *name == "" || *replicas < 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := run(ctx, *url, *namespace, *name, int32(*replicas)); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, url, namespace, name string, replicas int32) error {
	cluster, err := kube.New(kube.Options{URL: url})
	if err != nil {
		return err
	}
	defer cluster.Close()
	deployments := cluster.Deployments.In(namespace)

	d, err := deployments.Scale(ctx, name, replicas, sdk.WriteOptions{})
	if err != nil {
		return err
	}
	fmt.Printf("scaled %s to %d replicas\n", d, replicas)
	if ready(d, replicas) {
		fmt.Println("all replicas available")
		return nil
	}
	// Watch the Deployment from the snapshot's version until the
	// controller reports the rollout of its generation complete.
	for ev, err := range d.Watch(ctx) {
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", name, err)
		}
		if ready(ev.Object, replicas) {
			fmt.Println("all replicas available")
			return nil
		}
		n, err := ev.Object.Status().AvailableReplicas()
		if err != nil {
			fmt.Println("waiting for the controller to report status")
			continue
		}
		fmt.Printf("%d of %d replicas available\n", n, replicas)
	}
	return fmt.Errorf("waiting for %s: the watch ended", name)
}

// ready reports whether d's controller has acted on its latest generation
// and every desired replica is available.
func ready(d *kinds.Deployment, replicas int32) bool {
	st := d.Status()
	n, err := st.ObservedReplicas()
	return err == nil && n == int64(replicas) && st.Available(d.Meta().Generation)
}
