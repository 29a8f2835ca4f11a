package kubefake_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kube-for-go/kube/kubefake"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
)

const exampleObjects = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1"}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: shop
  labels: {app: worker}
spec:
  replicas: 1
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers: [{name: worker, image: "busybox"}]
`

func Example() {
	srv, err := kubefake.New(kubefake.Options{Objects: []any{exampleObjects}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	cluster := srv.Client()
	ctx := context.Background()

	// Reads and selectors work as against a real server.
	for d, err := range cluster.Deployments.In("shop").Filter(selector.Expr("app=web"), nil).All(ctx) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(d.Name(), d.Meta().Generation)
	}

	// Scaling through the scale subresource bumps the generation.
	if _, err := cluster.Deployments.In("shop").Scale(ctx, "web", 5, sdk.WriteOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	d, _ := cluster.Deployments.In("shop").Get(ctx, "web")
	fmt.Println(d.Name(), d.Meta().Generation)

	// Scripted faults: the next get of a deployment answers 503 with a
	// Retry-After, as an overloaded server would.
	srv.Fail(kubefake.Match{Verb: "get", Resource: "deployments"}, 1, 503, 2*time.Second)
	_, err = cluster.Deployments.In("shop").Get(ctx, "web")
	var apiErr *sdk.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Code, apiErr.Reason, apiErr.RetryAfter())
	}
	// Output:
	// web 1
	// web 2
	// 503 ServiceUnavailable 2s
}
