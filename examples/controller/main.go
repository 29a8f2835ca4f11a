// Command controller is a small controller built with package controller:
// for every Deployment labelled team=x in a namespace it ensures an
// annotation and an owned Service (created or updated by server-side
// apply with controller.CreateOrUpdate, with a controller reference set by
// controller.SetControllerReference so the garbage collector deletes it
// with its Deployment), and records an event (kubectl get events). Changes
// that keep a Deployment's generation (status updates) do not wake it; a
// change to an owned Service does.
//
// Run it against kubectl proxy, then label a Deployment:
//
//	go run ./examples/controller -url http://localhost:8001 -namespace default
//	kubectl label deployment web team=x
//	kubectl get service web -o yaml   # created, owned by the Deployment
//
// With -leader-elect, run it twice: one replica reconciles, the other waits
// on the Lease "team-x-controller" and takes over when the first stops
// (at once on Ctrl-C, which releases the lease; within the lease duration
// if it is killed).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/controller"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
	"github.com/kube-for-go/kube/transport"
)

const (
	annotation   = "example.com/team-x"
	fieldManager = "team-x-controller"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.url, "url", transport.DefaultProxyURL, "kubectl proxy (or API server) URL")
	flag.StringVar(&cfg.namespace, "namespace", "default", "namespace to reconcile")
	flag.IntVar(&cfg.workers, "workers", 2, "parallel reconciliations")
	flag.BoolVar(&cfg.elect, "leader-elect", false, "run only while holding the lease team-x-controller")
	flag.Parse()
	cfg.log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil && !errors.Is(err, context.Canceled) {
		cfg.log.Error("controller stopped", "err", err)
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	url, namespace string
	workers        int
	elect          bool
	log            *slog.Logger
}

// run runs the controller until ctx ends.
func run(ctx context.Context, cfg config) error {
	cluster, err := kube.New(kube.Options{URL: cfg.url})
	if err != nil {
		return err
	}
	defer cluster.Close()
	log, ns := cfg.log, cfg.namespace

	events, err := controller.NewEventRecorder(cluster.Client, controller.EventRecorderOptions{Controller: "example.com/team-x", Logger: log})
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait() // the recorder flushes its events when ctx ends
	wg.Go(func() { _ = events.Run(ctx) })

	r := &reconciler{services: cluster.Services.In(ns).View, events: events}
	c, err := controller.New(cluster.Deployments.In(ns).View.Filter(selector.Set{"team": "x"}, nil), r, controller.Options{
		Name:       "team-x",
		Workers:    cfg.workers,
		Predicates: []controller.Predicate{controller.GenerationChanged()},
		Resync:     10 * time.Minute,
		Logger:     log,
	})
	if err != nil {
		return err
	}
	r.c = c
	if err := controller.Owns(c, cluster.Services.In(ns).View); err != nil {
		return err
	}
	if !cfg.elect {
		return c.Run(ctx)
	}

	host, _ := os.Hostname()
	le, err := controller.NewLeaderElector(cluster.Client, controller.LeaderElectionOptions{
		Namespace: ns, Name: "team-x-controller",
		Identity:        fmt.Sprintf("%s-%d", host, os.Getpid()),
		ReleaseOnCancel: true,
		OnStartedLeading: func(ctx context.Context) {
			if err := c.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("controller stopped", "err", err)
			}
		},
		OnNewLeader: func(id string) { log.Info("leader", "identity", id) },
		Logger:      log,
	})
	if err != nil {
		return err
	}
	return le.Run(ctx)
}

// reconciler ensures the annotation and the owned Service of one
// Deployment.
type reconciler struct {
	c        *controller.Controller[kinds.DeploymentStatus]
	services *sdk.View[kinds.ServiceStatus]
	events   *controller.EventRecorder
}

func (r *reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	log := controller.LoggerFrom(ctx) // keyed by the Deployment
	d, ok := r.c.Get(req)
	if !ok || d.Meta().DeletionTimestamp != nil {
		return controller.Result{}, nil // gone: the garbage collector deletes its Service
	}
	if _, ok := d.Meta().Annotations.Get(annotation); !ok {
		if _, err := d.SetAnnotation(ctx, annotation, "managed"); err != nil {
			return controller.Result{}, err
		}
	}
	selector, _ := d.Spec()["selector"].(map[string]any)
	matchLabels, _ := selector["matchLabels"].(map[string]any)
	if len(matchLabels) == 0 {
		r.events.Eventf(d, nil, controller.EventWarning, "NoSelector", "CreateService", "spec.selector has no matchLabels: no Service")
		log.Warn("no matchLabels: no Service")
		return controller.Result{}, nil
	}
	svc := map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": d.Name()},
		"spec": map[string]any{
			"selector": matchLabels,
			"ports":    []any{map[string]any{"name": "http", "port": 80}},
		},
	}
	// The Deployment controls its Service: the garbage collector deletes
	// the Service with it, and changes to the Service reconcile it (Owns).
	if err := controller.SetControllerReference(d, r.services.Kind(), svc); err != nil {
		return controller.Result{}, err
	}
	if _, err := controller.CreateOrUpdate(ctx, r.services, svc, fieldManager); err != nil {
		return controller.Result{}, err
	}
	r.events.Eventf(d, nil, controller.EventNormal, "Reconciled", "EnsureService", "Service %s ensured", d.Name())
	log.Info("reconciled")
	return controller.Result{}, nil
}
