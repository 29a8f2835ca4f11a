package kubefake_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kube-for-go/kube/kubefake"
)

// FuzzServer sends random requests: the server never panics and always
// answers with an HTTP status. The request's context is already cancelled,
// so watches end at once.
func FuzzServer(f *testing.F) {
	seeds := []struct{ method, path, query, ctype, body string }{
		{"GET", "/api/v1/namespaces/default/configmaps", "labelSelector=a%3Db,c+in+(d)&fieldSelector=metadata.name%3Dx&limit=1", "", ""},
		{"GET", "/api/v1/namespaces/default/configmaps", "watch=true&resourceVersion=1&allowWatchBookmarks=true", "", ""},
		{"GET", "/api/v1/namespaces/default/configmaps", "watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true", "", ""},
		{"POST", "/api/v1/namespaces/default/configmaps", "", "application/json", `{"metadata":{"name":"a","finalizers":["x"]},"data":{"k":"v"}}`},
		{"PUT", "/api/v1/namespaces/default/configmaps/seed", "", "application/json", `{"metadata":{"name":"seed","resourceVersion":"1"}}`},
		{"PATCH", "/api/v1/namespaces/default/configmaps/seed", "", "application/json-patch+json", `[{"op":"add","path":"/data/x","value":"1"},{"op":"move","from":"/data","path":"/x"}]`},
		{"PATCH", "/api/v1/namespaces/default/configmaps/seed", "", "application/merge-patch+json", `{"data":null}`},
		{"PATCH", "/apis/apps/v1/namespaces/default/deployments/seed", "", "application/strategic-merge-patch+json", `{"spec":{"template":{"spec":{"containers":[{"name":"c","$patch":"delete"}]}}}}`},
		{"PATCH", "/apis/apps/v1/namespaces/default/deployments/seed", "fieldManager=m&force=true", "application/apply-patch+yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: seed\nspec:\n  replicas: 3\n"},
		{"PUT", "/apis/apps/v1/namespaces/default/deployments/seed/scale", "", "application/json", `{"spec":{"replicas":2}}`},
		{"DELETE", "/api/v1/namespaces/default/configmaps/seed", "", "application/json", `{"propagationPolicy":"Foreground","preconditions":{"uid":"x"}}`},
		{"DELETE", "/api/v1/namespaces/default/configmaps", "labelSelector=x", "", ""},
		{"GET", "/apis", "", "", ""},
		{"GET", "/api/v1/namespaces/default/pods", "continue=eyJydiI6MSwic3RhcnQiOiJ4In0&limit=1", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.ctype, s.body)
	}
	srv, err := kubefake.New(kubefake.Options{InProcess: true, Objects: []any{seedObjects}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f.Fuzz(func(t *testing.T, method, path, query, ctype, body string) {
		req := httptest.NewRequest(http.MethodGet, "/", strings.NewReader(body)).WithContext(ctx)
		req.Method = method
		req.URL.Path = path
		req.URL.RawQuery = query
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code < 100 || rec.Code > 599 {
			t.Fatalf("%s %s?%s: status %d", method, path, query, rec.Code)
		}
		if rec.Code == http.StatusInternalServerError && strings.Contains(rec.Body.String(), "internal error while serving") {
			t.Fatalf("%s %s?%s %q: the handler panicked", method, path, query, body)
		}
	})
}

const seedObjects = `
apiVersion: v1
kind: ConfigMap
metadata: {name: seed, namespace: default}
data: {k: v}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: seed, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: seed}}
  template:
    metadata: {labels: {app: seed}}
    spec: {containers: [{name: c, image: x}]}
`
