package kubefake_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kubefake"
)

const crd = `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
"spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList"},
"versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},"selectableFields":[{"jsonPath":".spec.color"}],
"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}`

func TestCRDRegistersItsKind(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	code, o := do(t, srv, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "application/json", crd)
	require.Equal(t, 201, code, o)
	w := `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"color":"red","sizes":[1,2]}}`
	code, o = do(t, srv, "POST", "/apis/example.com/v1/namespaces/default/widgets", "application/json", w)
	require.Equal(t, 201, code, o)
	assert.EqualValues(t, 1, dig(o, "metadata.generation"))
	code, o = do(t, srv, "GET", "/apis/example.com/v1/namespaces/default/widgets?fieldSelector=spec.color%3Dred", "", "")
	require.Equal(t, 200, code, o)
	assert.Equal(t, []string{"w1"}, itemNames(o))
	assert.Equal(t, "Widget", dig(o["items"].([]any)[0], "kind"), "custom resources keep their kind in lists")
	code, o = do(t, srv, "PATCH", "/apis/example.com/v1/namespaces/default/widgets/w1", "application/strategic-merge-patch+json", `{"spec":{"color":"blue"}}`)
	assert.Equal(t, 415, code, "strategic merge patch is for built-in kinds only")
	assert.Equal(t, "UnsupportedMediaType", o["reason"])
	code, o = do(t, srv, "PATCH", "/apis/example.com/v1/namespaces/default/widgets/w1/status", "application/merge-patch+json", `{"status":{"ok":true},"spec":{"color":"green"}}`)
	require.Equal(t, 200, code, o)
	assert.Equal(t, "red", dig(o, "spec.color"), "the status subresource keeps the spec")
	assert.EqualValues(t, 1, dig(o, "metadata.generation"))
	code, _ = do(t, srv, "GET", "/apis/example.com/v1", "", "")
	assert.Equal(t, 200, code, "discovery serves the new group")
	code, _ = do(t, srv, "DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com", "", "")
	require.Equal(t, 200, code)
	code, _ = do(t, srv, "GET", "/apis/example.com/v1/namespaces/default/widgets", "", "")
	assert.Equal(t, 404, code, "deleting the CRD removes its kind")
}

func TestRegister(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	require.NoError(t, srv.Register(&kubefake.Resource{Group: "example.com", Version: "v1", Resource: "gadgets", Kind: "Gadget"}))
	require.Error(t, srv.Register(&kubefake.Resource{Group: "example.com", Version: "v1", Resource: "Gadgets", Kind: "Gadget"}), "plural must be lowercase")
	require.NoError(t, srv.Add("apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n"))
	code, o := do(t, srv, "GET", "/apis/example.com/v1/gadgets/g", "", "")
	assert.Equal(t, 200, code, o)
	assert.Error(t, srv.Add("apiVersion: example.com/v1\nkind: Unknown\nmetadata:\n  name: g\n"))
}

func TestAddCreatesNamespaces(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	require.NoError(t, srv.Add(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "a", "namespace": "team"}}))
	code, _ := do(t, srv, "GET", "/api/v1/namespaces/team", "", "")
	assert.Equal(t, 200, code)
	code, o := do(t, srv, "POST", "/api/v1/namespaces/missing/configmaps", "application/json", `{"metadata":{"name":"a"}}`)
	assert.Equal(t, 404, code, "the API, unlike Add, needs the namespace")
	assert.Equal(t, "NotFound", o["reason"])
}

func TestDiscovery(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	tests := []struct {
		reason, path, accept string
		want                 string
	}{
		{"legacy core versions", "/api", "", `"versions":["v1"]`},
		{"legacy groups", "/apis", "", `"name":"apps"`},
		{"a group version's resources with subresources", "/apis/apps/v1", "", `"deployments/scale"`},
		{"aggregated v2", "/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", `"APIGroupDiscoveryList"`},
		{"version", "/version", "", `"gitVersion"`},
		{"health", "/healthz", "", `ok`},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL()+tt.path, nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			data, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, 200, resp.StatusCode)
			assert.Contains(t, string(data), tt.want)
		})
	}
}

func TestPatches(t *testing.T) {
	dep := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},
"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"web","image":"x","ports":[{"containerPort":80}]}],"volumes":[{"name":"v","emptyDir":{}}]}}}}`
	tests := []struct {
		reason, ctype, patch string
		path                 string
		want                 any
		code                 int
	}{
		{"SMP merges containers by name", "application/strategic-merge-patch+json",
			`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"y"}]}}}}`, "spec.template.spec.containers", []any{map[string]any{"name": "web", "image": "y", "ports": []any{map[string]any{"containerPort": float64(80)}}}}, 200},
		{"SMP $patch: delete removes a volume", "application/strategic-merge-patch+json",
			`{"spec":{"template":{"spec":{"volumes":[{"name":"v","$patch":"delete"}]}}}}`, "spec.template.spec", map[string]any{"containers": []any{map[string]any{"name": "web", "image": "x", "ports": []any{map[string]any{"containerPort": float64(80)}}}}}, 200},
		{"SMP $patch: replace replaces a map", "application/strategic-merge-patch+json",
			`{"spec":{"selector":{"$patch":"replace","matchLabels":{"c":"d"}}}}`, "spec.selector", map[string]any{"matchLabels": map[string]any{"c": "d"}}, 200},
		{"SMP ports merge by containerPort", "application/strategic-merge-patch+json",
			`{"spec":{"template":{"spec":{"containers":[{"name":"web","ports":[{"containerPort":443}]}]}}}}`, "spec.template.spec.containers", []any{map[string]any{"name": "web", "image": "x", "ports": []any{map[string]any{"containerPort": float64(443)}, map[string]any{"containerPort": float64(80)}}}}, 200},
		{"merge patch replaces lists", "application/merge-patch+json",
			`{"spec":{"template":{"spec":{"containers":[{"name":"other","image":"z"}]}}}}`, "spec.template.spec.containers", []any{map[string]any{"name": "other", "image": "z"}}, 200},
		{"JSON patch copy and test", "application/json-patch+json",
			`[{"op":"copy","from":"/spec/replicas","path":"/metadata/labels/x"},{"op":"test","path":"/spec/replicas","value":1}]`, "metadata.labels", nil, 422},
		{"JSON patch on a bad pointer", "application/json-patch+json", `[{"op":"replace","path":"nope","value":1}]`, "", nil, 422},
		{"a patch may not rename", "application/merge-patch+json", `{"metadata":{"name":"e"}}`, "", nil, 400},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			srv := kubefake.MustNew(t, kubefake.Options{})
			code, o := do(t, srv, "POST", "/apis/apps/v1/namespaces/default/deployments", "application/json", dep)
			require.Equal(t, 201, code, o)
			code, o = do(t, srv, "PATCH", "/apis/apps/v1/namespaces/default/deployments/d", tt.ctype, tt.patch)
			require.Equal(t, tt.code, code, o)
			if tt.want != nil {
				assert.Equal(t, tt.want, dig(o, tt.path))
			}
		})
	}
}

func TestGarbageCollection(t *testing.T) {
	tests := []struct {
		reason, policy string
		ownerGone      bool
		dependent      int // status of a GET of the dependent afterwards
		grandchild     int
	}{
		{"background deletes dependents transitively", "Background", true, 404, 404},
		{"foreground deletes dependents, then the owner", "Foreground", true, 404, 404},
		{"orphan keeps dependents", "Orphan", true, 200, 200},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			srv := kubefake.MustNew(t, kubefake.Options{})
			_, owner := do(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"metadata":{"name":"owner"}}`)
			ref := func(name, uid string) string {
				return `{"metadata":{"name":"` + name + `","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"x","uid":"` + uid + `"}]}}`
			}
			_, dep := do(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", ref("dep", dig(owner, "metadata.uid").(string)))
			do(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", ref("grand", dig(dep, "metadata.uid").(string)))
			code, _ := do(t, srv, "DELETE", "/api/v1/namespaces/default/configmaps/owner", "application/json", `{"propagationPolicy":"`+tt.policy+`"}`)
			require.Equal(t, 200, code)
			code, _ = do(t, srv, "GET", "/api/v1/namespaces/default/configmaps/owner", "", "")
			assert.Equal(t, 404, code)
			code, o := do(t, srv, "GET", "/api/v1/namespaces/default/configmaps/dep", "", "")
			assert.Equal(t, tt.dependent, code)
			if code == 200 {
				assert.Nil(t, dig(o, "metadata.ownerReferences"), "orphaned")
			}
			code, _ = do(t, srv, "GET", "/api/v1/namespaces/default/configmaps/grand", "", "")
			assert.Equal(t, tt.grandchild, code)
		})
	}
}

func TestDeleteCollection(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	for _, n := range []string{"a", "b", "c"} {
		lbl := "keep"
		if n != "c" {
			lbl = "drop"
		}
		do(t, srv, "POST", "/api/v1/namespaces/default/secrets", "application/json", `{"metadata":{"name":"`+n+`","labels":{"x":"`+lbl+`"}}}`)
	}
	code, o := do(t, srv, "DELETE", "/api/v1/namespaces/default/secrets?labelSelector=x%3Ddrop", "", "")
	require.Equal(t, 200, code, o)
	_, o = do(t, srv, "GET", "/api/v1/namespaces/default/secrets", "", "")
	assert.Equal(t, []string{"c"}, itemNames(o))
}

func TestApplyRemovesFieldsAndForces(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	ap := func(mgr, q, data string) (int, map[string]any) {
		return do(t, srv, "PATCH", "/api/v1/namespaces/default/configmaps/a?fieldManager="+mgr+q, "application/apply-patch+yaml",
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n"+data)
	}
	code, _ := ap("m1", "", "  x: \"1\"\n  y: \"2\"\n")
	require.Equal(t, 201, code)
	code, o := ap("m1", "", "  x: \"1\"\n")
	require.Equal(t, 200, code)
	assert.Equal(t, map[string]any{"x": "1"}, o["data"], "a field the manager stopped applying is removed")
	code, o = ap("m2", "", "  x: \"9\"\n")
	require.Equal(t, 409, code)
	assert.Contains(t, o["message"], `conflict with "m1"`)
	code, o = ap("m2", "&force=true", "  x: \"9\"\n")
	require.Equal(t, 200, code)
	assert.Equal(t, map[string]any{"x": "9"}, o["data"])
	code, o = ap("m1", "", "  z: \"3\"\n")
	require.Equal(t, 200, code)
	assert.Equal(t, map[string]any{"x": "9", "z": "3"}, o["data"], "m1 no longer owns x: it stays")
}

func TestFinalizersAndDeletion(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	ch := watchLines(t, srv, t.Context(), "/api/v1/namespaces/default/configmaps?watch=true")
	do(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"metadata":{"name":"a","finalizers":["x/y"]}}`)
	code, o := do(t, srv, "DELETE", "/api/v1/namespaces/default/configmaps/a", "", "")
	require.Equal(t, 200, code)
	assert.NotNil(t, dig(o, "metadata.deletionTimestamp"))
	code, _ = do(t, srv, "PATCH", "/api/v1/namespaces/default/configmaps/a", "application/merge-patch+json", `{"metadata":{"finalizers":null}}`)
	require.Equal(t, 200, code)
	for _, want := range []string{"ADDED", "MODIFIED", "DELETED"} {
		typ, name := next(t, ch)
		assert.Equal(t, want, typ)
		assert.Equal(t, "a", name)
	}
}
