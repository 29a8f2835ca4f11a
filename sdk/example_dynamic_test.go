package sdk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// fakeDiscoveryServer serves aggregated discovery of ConfigMaps and
// Deployments, one ConfigMap, and echoes what is applied.
func fakeDiscoveryServer() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, aggCore) })
	mux.HandleFunc("GET /apis", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, aggregated(aggApps)) })
	mux.HandleFunc("GET /apis/apps/v1", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"kind":"APIResourceList","groupVersion":"apps/v1","resources":[{"name":"deployments","namespaced":true,"kind":"Deployment"}]}`)
	})
	mux.HandleFunc("GET /api/v1/namespaces/default/configmaps/settings", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","namespace":"default","resourceVersion":"5"},"data":{"mode":"fast"}}`)
	})
	mux.HandleFunc("PATCH /apis/apps/v1/namespaces/default/deployments/web", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","resourceVersion":"6"},"spec":{"replicas":2}}`)
	})
	return httptest.NewServer(mux)
}

// A dynamic view reaches any resource the server serves, by the names
// kubectl accepts; its items are untyped.
func ExampleClient_Dynamic() {
	srv := fakeDiscoveryServer()
	defer srv.Close()
	c, _ := sdk.New(sdk.Options{URL: srv.URL})
	ctx := context.Background()
	cms, err := c.Dynamic(ctx, "cm")
	if err != nil {
		fmt.Println(err)
		return
	}
	cm, err := cms.In("default").Get(ctx, "settings")
	if err != nil {
		fmt.Println(err)
		return
	}
	mode, _ := cm.Status().String("data", "mode")
	fmt.Println(cms.APIResource().GroupResource(), cm.Name(), mode)
	// Output: configmaps settings fast
}

// As gives the typed item of any object Apply or Create returns, without
// a type switch.
func ExampleAs() {
	srv := fakeDiscoveryServer()
	defer srv.Close()
	c, _ := sdk.New(sdk.Options{URL: srv.URL})
	obj, err := c.Apply(context.Background(), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: 2\n",
		sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "example"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	dep, err := sdk.As[kinds.DeploymentStatus](obj) // typed: the kind is registered
	if err != nil {
		fmt.Println(err)
		return
	}
	u, _ := sdk.As[sdk.Unstructured](obj) // untyped works for any kind
	replicas, _ := u.Status().Int("spec", "replicas")
	fmt.Println(dep.Name(), dep.Version(), replicas)
	// Output: web 6 2
}
