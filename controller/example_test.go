package controller_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/controller"
)

// A worker loop over a Queue: a key added several times while queued is
// processed once; a failed key comes back after its backoff.
func ExampleQueue() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q := controller.NewQueue[string](controller.QueueOptions{})
	q.Add("default/web")
	q.Add("default/api")
	q.Add("default/web") // already queued: no second entry
	failed := false
	for q.Len() > 0 || q.Delayed() > 0 {
		key, err := q.Get(ctx)
		if err != nil {
			log.Fatal(err)
		}
		if key == "default/api" && !failed {
			failed = true
			fmt.Println("failed:", key)
			q.Retry(key) // again after about 5ms
		} else {
			fmt.Println("processed:", key)
			q.Forget(key)
		}
		q.Done(key)
	}
	q.ShutDown()
	// Output:
	// processed: default/web
	// failed: default/api
	// processed: default/api
}

// Two replicas of a program run this; one leads at a time. The ctx given
// to OnStartedLeading ends when leadership ends, which stops the work.
func ExampleLeaderElector() {
	cluster, err := kube.New(kube.Options{})
	if err != nil {
		log.Fatal(err)
	}
	host, _ := os.Hostname()
	le, err := controller.NewLeaderElector(cluster.Client, controller.LeaderElectionOptions{
		Namespace: "default", Name: "my-controller", Identity: host,
		ReleaseOnCancel: true, // hand over at once on a graceful shutdown
		OnStartedLeading: func(ctx context.Context) {
			<-ctx.Done() // run the controller here: c.Run(ctx)
		},
		OnStoppedLeading: func() { log.Print("no longer leading") },
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := le.Run(context.Background()); err != nil {
		log.Print(err) // ErrLeadershipLost: exit, and let the restart stand again
	}
}
