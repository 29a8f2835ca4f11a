// Command controller is a small controller built with package controller:
// for every Deployment labelled team=x in a namespace it ensures an
// annotation and an owned Service (created or updated by server-side
// apply, with a controller reference so the garbage collector deletes it
// with its Deployment). Changes that keep a Deployment's generation
// (status updates) do not wake it; a change to an owned Service does.
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
	url := flag.String("url", transport.DefaultProxyURL, "kubectl proxy (or API server) URL")
	ns := flag.String("namespace", "default", "namespace to reconcile")
	workers := flag.Int("workers", 2, "parallel reconciliations")
	elect := flag.Bool("leader-elect", false, "run only while holding the lease team-x-controller")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log, *url, *ns, *workers, *elect); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("controller stopped", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, url, ns string, workers int, elect bool) error {
	cluster, err := kube.New(kube.Options{URL: url})
	if err != nil {
		return err
	}
	defer cluster.Close()

	r := &reconciler{services: cluster.Services.In(ns).View, log: log}
	c, err := controller.New(cluster.Deployments.In(ns).View.Filter(selector.Set{"team": "x"}, nil), r, controller.Options{
		Name:       "team-x",
		Workers:    workers,
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
	if !elect {
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
	log      *slog.Logger
}

func (r *reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
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
		r.log.Warn("no matchLabels: no Service", "object", req.String())
		return controller.Result{}, nil
	}
	_, err := r.services.Apply(ctx, map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{
			"name": d.Name(), "namespace": d.Namespace(),
			"ownerReferences": []any{map[string]any{
				"apiVersion": "apps/v1", "kind": "Deployment", "name": d.Name(), "uid": d.UID(),
				"controller": true, "blockOwnerDeletion": true,
			}},
		},
		"spec": map[string]any{
			"selector": matchLabels,
			"ports":    []any{map[string]any{"name": "http", "port": 80}},
		},
	}, sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: fieldManager}, Force: true})
	if err != nil {
		return controller.Result{}, err
	}
	r.log.Info("reconciled", "object", req.String())
	return controller.Result{}, nil
}
