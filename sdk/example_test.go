package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// fakeAPIServer serves two pods and a 404, enough for offline examples.
func fakeAPIServer() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/namespaces/default/pods", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9"},"items":[%s,%s]}`,
			podJSON("default", "web-1", "7", "Running"), podJSON("default", "web-2", "8", "Pending"))
	})
	mux.HandleFunc("GET /api/v1/namespaces/default/pods/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, statusBody(404, "NotFound", `pods "`+r.PathValue("name")+`" not found`))
	})
	return httptest.NewServer(mux)
}

func ExampleView_All() {
	srv := fakeAPIServer()
	defer srv.Close()
	c, _ := sdk.New(sdk.Options{URL: srv.URL})
	pods := sdk.NewView(c, kinds.PodKind).In("default")
	for pod, err := range pods.All(context.Background()) {
		if err != nil {
			fmt.Println(err)
			return
		}
		phase, err := pod.Status().Phase()
		if err != nil {
			fmt.Println(pod.Name(), err)
			continue
		}
		ip, err := pod.Status().IP()
		if err != nil {
			fmt.Println(pod.Name(), phase, "(no IP yet)")
			continue
		}
		fmt.Println(pod.Name(), phase, ip)
	}
	// Output:
	// web-1 Running 10.0.0.7
	// web-2 Pending 10.0.0.7
}

func ExampleView_Get_notFound() {
	srv := fakeAPIServer()
	defer srv.Close()
	c, _ := sdk.New(sdk.Options{URL: srv.URL})
	_, err := sdk.NewView(c, kinds.PodKind).In("default").Get(context.Background(), "nope")
	fmt.Println(errors.Is(err, sdk.ErrNotFound))
	var ae *sdk.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.Code, ae.Reason, ae.Message)
	}
	// Output:
	// true
	// 404 NotFound pods "nope" not found
}

func ExampleView_Get_namespaceError() {
	c, _ := sdk.New(sdk.Options{})
	// Pods are namespaced: the global view cannot fetch one by name. The
	// error comes before any request.
	_, err := sdk.NewView(c, kinds.PodKind).Get(context.Background(), "web")
	var ne *sdk.NamespaceError
	fmt.Println(errors.As(err, &ne))
	// Output: true
}

func ExampleParseManifest() {
	m, err := sdk.ParseManifest(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
`)
	fmt.Println(m.APIVersion, m.Kind, m.Namespace, m.Name, err)
	_, err = sdk.ParseManifest(map[string]any{"apiVersion": "v1", "kind": "Pod"})
	fmt.Println(err)
	// Output:
	// apps/v1 Deployment shop web <nil>
	// kube: manifest: metadata: missing
}

func ExampleJoinPath() {
	p, _ := sdk.JoinPath("api/v1", "namespaces", "default", "pods", "foo")
	fmt.Println(p)
	p, _ = sdk.JoinPath("/api/v1/namespaces/default") // an object's link
	fmt.Println(p)
	// Output:
	// /api/v1/namespaces/default/pods/foo
	// /api/v1/namespaces/default
}
