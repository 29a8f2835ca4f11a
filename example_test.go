package kube_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/kube-for-go/kube"
)

// A stand-in for kubectl proxy serving one namespace list.
func fakeProxy() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/namespaces" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `{"kind":"NamespaceList","apiVersion":"v1","metadata":{"resourceVersion":"5"},"items":[
			{"metadata":{"name":"default","resourceVersion":"3"},"status":{"phase":"Active"}},
			{"metadata":{"name":"kube-system","resourceVersion":"4"},"status":{"phase":"Active"}}]}`)
	}))
}

func Example() {
	proxy := fakeProxy() // in real life: kubectl proxy, and kube.Options{}
	defer proxy.Close()

	cluster, err := kube.New(kube.Options{URL: proxy.URL})
	if err != nil {
		panic(err)
	}
	defer cluster.Close()
	for ns, err := range cluster.Namespaces.All(context.Background()) {
		if err != nil {
			panic(err)
		}
		phase, err := ns.Status().Phase()
		if err != nil {
			panic(err)
		}
		fmt.Println(ns.Meta().Name, phase)
	}
	// Output:
	// default Active
	// kube-system Active
}
