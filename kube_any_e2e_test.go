package kube_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
)

func anyCluster(t *testing.T) (*testutil.Cluster, *kube.Cluster, context.Context) {
	t.Helper()
	tc := testutil.Shared(t)
	c, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return tc, c, ctx
}

const anyKindsYAML = `apiVersion: v1
kind: Namespace
metadata:
  name: NS
  labels:
    e2e: any-kinds
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: NS
data:
  mode: fast
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: NS
spec:
  selector: {app: web}
  ports:
  - port: 8080
    targetPort: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: NS
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.example/web:1.2
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: NS
spec:
  serviceName: web
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: registry.example/db:9
---
apiVersion: batch/v1
kind: Job
metadata:
  name: once
  namespace: NS
spec:
  backoffLimit: 3
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: once
        image: registry.example/once:1
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: NS
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: nightly
            image: registry.example/nightly:1
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: NS
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: web}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: NS
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: NS
subjects:
- kind: ServiceAccount
  name: default
  namespace: NS
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
`

// TestE2EApplyAnyKind: a multi-document YAML of ten kinds, most of them
// never registered, applies in one call; each object is read back through
// the generic As path (typed or untyped, whichever the SDK knows) and
// through a dynamic view, with its real field values.
func TestE2EApplyAnyKind(t *testing.T) {
	tc, c, ctx := anyCluster(t)
	ns := tc.Namespace(t)
	yaml := strings.ReplaceAll(anyKindsYAML, "NS", ns)
	objs, err := c.ApplyManifests(ctx, []byte(yaml), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "e2e-any"}})
	require.NoError(t, err)
	require.Len(t, objs, 10)

	checks := []struct {
		kind, resource string
		path           []string
		want           any
	}{
		{"Namespace", "namespaces", []string{"metadata", "labels", "e2e"}, "any-kinds"},
		{"ConfigMap", "configmaps", []string{"data", "mode"}, "fast"},
		{"Service", "services", []string{"spec", "ports", "0", "port"}, int64(8080)},
		{"Deployment", "deployments.apps", []string{"spec", "replicas"}, int64(2)},
		{"StatefulSet", "statefulsets.apps", []string{"spec", "serviceName"}, "web"},
		{"Job", "jobs.batch", []string{"spec", "backoffLimit"}, int64(3)},
		{"CronJob", "cronjobs.batch", []string{"spec", "schedule"}, "0 3 * * *"},
		{"PodDisruptionBudget", "poddisruptionbudgets.policy", []string{"spec", "minAvailable"}, int64(1)},
		{"Role", "roles.rbac.authorization.k8s.io", []string{"rules", "0", "resources", "0"}, "configmaps"},
		{"RoleBinding", "rolebindings.rbac.authorization.k8s.io", []string{"roleRef", "name"}, "reader"},
	}
	for i, ck := range checks {
		obj := objs[i]
		u, err := sdk.As[sdk.Unstructured](obj)
		require.NoError(t, err, ck.kind)
		assert.Equal(t, ck.kind, obj.Descriptor().Info().Kind, ck.kind)
		got, ok := u.Status().Get(ck.path...)
		assert.True(t, ok, "%s: %v is set", ck.kind, ck.path)
		assert.Equal(t, ck.want, got, "%s: %v as applied", ck.kind, ck.path)
		assert.NotEmpty(t, obj.UID(), ck.kind)

		v, err := c.Dynamic(ctx, ck.resource)
		require.NoError(t, err, ck.kind)
		if v.APIResource().Namespaced {
			v = v.In(ns)
		}
		back, err := v.Get(ctx, obj.Name())
		require.NoError(t, err, ck.kind)
		got, _ = back.Status().Get(ck.path...)
		assert.Equal(t, ck.want, got, "%s read back through a dynamic view", ck.kind)
		assert.Equal(t, obj.UID(), back.UID(), ck.kind)
	}
	// A registered kind comes back typed; As reaches it without a type switch.
	dep, err := sdk.As[kinds.DeploymentStatus](objs[3])
	require.NoError(t, err)
	assert.Equal(t, "web", dep.Name())
	// And an untyped item of a registered kind converts to the typed one.
	untyped, err := sdk.As[sdk.Unstructured](objs[3])
	require.NoError(t, err)
	again, err := sdk.As[kinds.DeploymentStatus](untyped)
	require.NoError(t, err)
	assert.Equal(t, dep.UID(), again.UID())

	// Create works the same way, for a kind nothing registers.
	cm, err := c.Create(ctx, map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "created"}, "data": map[string]any{"k": "v"}}, sdk.CreateOptions{Namespace: ns})
	require.NoError(t, err)
	cmu, err := sdk.As[sdk.Unstructured](cm)
	require.NoError(t, err)
	k, _ := cmu.Status().String("data", "k")
	assert.Equal(t, "v", k)

	// A kind the server does not serve is a ManifestError naming it.
	_, err = c.Apply(ctx, "apiVersion: nosuch.example/v1\nkind: Thing\nmetadata:\n  name: t\n", sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "e2e-any"}, Namespace: ns})
	var me *sdk.ManifestError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "kind", me.Field)
	assert.ErrorIs(t, err, sdk.ErrUnknownResource)
	assert.Contains(t, err.Error(), "nosuch.example/v1 Thing")
}

// TestE2ECRDMidRun: a CustomResourceDefinition installed while a client
// runs (after it read discovery) is usable by the same client on the next
// call; its dynamic view lists, watches and patches, with the status
// subresource the CRD declares.
func TestE2ECRDMidRun(t *testing.T) {
	tc, c, ctx := anyCluster(t)
	ns := tc.Namespace(t)
	group := "e2e" + strings.ReplaceAll(ns[len(ns)-6:], "-", "") + ".kube-for-go.test"
	crdName := "gadgets." + group

	// The client reads discovery before the CRD exists.
	_, err := c.Dynamic(ctx, "gadgets."+group)
	require.ErrorIs(t, err, sdk.ErrUnknownResource)

	crd := fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %s
spec:
  group: %s
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget, shortNames: [gdg]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
          status:
            type: object
            properties:
              ready: {type: boolean}
`, crdName, group)
	_, err = c.Apply(ctx, crd, sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "e2e-any"}})
	require.NoError(t, err, "a CRD applies with no registration")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if v, err := c.Dynamic(ctx, "customresourcedefinitions.apiextensions.k8s.io"); err == nil {
			_ = v.Delete(ctx, crdName, sdk.DeleteOptions{})
		}
	})
	crds, err := c.Dynamic(ctx, "crd")
	require.NoError(t, err)
	_, err = watch.WaitFor(ctx, crds.ObjectSource(crdName), watch.Match(func(it *sdk.Item[sdk.Unstructured]) bool {
		conds, _ := it.Status().Slice("status", "conditions")
		for _, cnd := range conds {
			m, _ := cnd.(map[string]any)
			if m["type"] == "Established" && m["status"] == "True" {
				return true
			}
		}
		return false
	}))
	require.NoError(t, err, "the CRD is established")

	// The next call of the same client creates an object of the new kind.
	obj, err := c.Create(ctx, fmt.Sprintf("apiVersion: %s/v1\nkind: Gadget\nmetadata:\n  name: g1\nspec:\n  size: 3\n", group), sdk.CreateOptions{Namespace: ns})
	require.NoError(t, err, "the same client uses a CRD installed after it read discovery")
	g1, err := sdk.As[sdk.Unstructured](obj)
	require.NoError(t, err)
	size, _ := g1.Status().Int("spec", "size")
	assert.Equal(t, int64(3), size)

	gadgets, err := c.Dynamic(ctx, "gdg")
	require.NoError(t, err, "by its short name")
	assert.Equal(t, sdk.APIResource{Group: group, Version: "v1", Versions: []string{"v1"}, Resource: "gadgets", Singular: "gadget", Kind: "Gadget", Namespaced: true,
		Verbs: gadgets.APIResource().Verbs, ShortNames: []string{"gdg"}, Categories: gadgets.APIResource().Categories, Subresources: []string{"status"}}, gadgets.APIResource())
	gadgets = gadgets.In(ns)
	list, err := gadgets.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "g1", list[0].Name())

	// Watch, then patch: the watch sees the change.
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	events := gadgets.Watch(wctx, watch.Options{ResourceVersion: list[0].Version()})
	patched, err := gadgets.Patch(ctx, "g1", sdk.MergePatch, map[string]any{"spec": map[string]any{"size": 5}}, sdk.PatchOptions{})
	require.NoError(t, err)
	size, _ = patched.Status().Int("spec", "size")
	assert.Equal(t, int64(5), size)
	seen := false
	for ev, err := range events {
		require.NoError(t, err)
		if ev.Object != nil && ev.Object.Version() == patched.Version() {
			size, _ := ev.Object.Status().Int("spec", "size")
			assert.Equal(t, int64(5), size)
			seen = true
			break
		}
	}
	assert.True(t, seen, "the watch saw the patch")

	// The status subresource the CRD declares; no scale subresource.
	st, err := gadgets.PatchStatus(ctx, "g1", sdk.MergePatch, map[string]any{"status": map[string]any{"ready": true}}, sdk.PatchOptions{})
	require.NoError(t, err)
	ready, _ := st.Status().Bool("status", "ready")
	assert.True(t, ready)
	_, err = gadgets.GetScale(ctx, "g1")
	assert.ErrorIs(t, err, sdk.ErrNoSubresource)
	var ne *sdk.NamespaceError
	_, err = gadgets.View.In(ns).Get(ctx, "g1")
	require.NoError(t, err)
	clusterCRDs, err := c.Dynamic(ctx, "crd")
	require.NoError(t, err)
	_, err = clusterCRDs.In(ns).Get(ctx, crdName)
	assert.ErrorAs(t, err, &ne, "CRDs are cluster-scoped, as discovery says")

	require.NoError(t, gadgets.Delete(ctx, "g1", sdk.DeleteOptions{}))
}

// TestE2EDynamicConfigMaps: a dynamic view by short name lists with
// pagination, watches and patches.
func TestE2EDynamicConfigMaps(t *testing.T) {
	tc, c, ctx := anyCluster(t)
	ns := tc.Namespace(t)
	cms, err := c.Dynamic(ctx, "cm")
	require.NoError(t, err)
	assert.Equal(t, "configmaps", cms.Resource())
	v := cms.In(ns)
	for i := range 5 {
		_, err := v.Create(ctx, map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": fmt.Sprintf("c%d", i), "labels": map[string]any{"set": "dyn"}}, "data": map[string]any{"i": fmt.Sprint(i)}}, sdk.CreateOptions{})
		require.NoError(t, err)
	}
	var names []string
	for it, err := range v.PageSize(2).All(ctx) {
		require.NoError(t, err)
		if it.Labels().Has("set") {
			names = append(names, it.Name())
		}
	}
	assert.Equal(t, []string{"c0", "c1", "c2", "c3", "c4"}, names, "three pages of two")

	store := watch.NewStore(v.Source(), watch.StoreOptions{})
	sctx, scancel := context.WithCancel(ctx)
	defer scancel()
	go store.Run(sctx)
	require.NoError(t, store.WaitForSync(ctx))
	_, err = v.Patch(ctx, "c2", sdk.MergePatch, map[string]any{"data": map[string]any{"i": "twenty"}}, sdk.PatchOptions{})
	require.NoError(t, err)
	got, err := watch.WaitFor(ctx, v.ObjectSource("c2"), watch.Match(func(it *sdk.Item[sdk.Unstructured]) bool {
		s, _ := it.Status().String("data", "i")
		return s == "twenty"
	}))
	require.NoError(t, err)
	assert.Equal(t, "c2", got.Name())
	testutil.Eventually(t, ctx, "the store sees the patch", func() error {
		it, ok := store.Get(ns + "/c2")
		if !ok {
			return errors.New("c2 not in the store")
		}
		if s, _ := it.Status().String("data", "i"); s != "twenty" {
			return fmt.Errorf("c2 has i=%q", s)
		}
		return nil
	})
	_, err = v.Apply(ctx, map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c9"}, "data": map[string]any{"i": "9"}}, sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "e2e-any"}})
	require.NoError(t, err)
	deleted, err := v.DeleteCollection(ctx, sdk.DeleteOptions{})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(deleted), 6)
}

// TestE2EProxyRaw: the low-level proxy reads text, metrics, the version
// and a service proxy subpath; Get of a text answer says to use GetRaw.
func TestE2EProxyRaw(t *testing.T) {
	tc, c, ctx := anyCluster(t)
	p := c.Proxy()
	health, err := p.GetRaw(ctx, "/healthz", nil)
	require.NoError(t, err)
	assert.Equal(t, "ok", string(health))
	_, err = p.Get(ctx, "/healthz", nil)
	var de *sdk.DecodeError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "GetRaw")
	ver, err := p.Get(ctx, "/version", nil)
	require.NoError(t, err)
	assert.Contains(t, ver["gitVersion"], "v1.")
	metrics, err := p.GetRaw(ctx, "/metrics", nil)
	require.NoError(t, err)
	assert.Contains(t, string(metrics), "# TYPE apiserver_request_total")
	body, err := p.Stream(ctx, "/metrics", nil)
	require.NoError(t, err)
	head := make([]byte, 64)
	n, err := io.ReadFull(body, head)
	body.Close()
	require.NoError(t, err)
	assert.Equal(t, 64, n)

	// A service whose endpoint is a server of this test: its proxy subpath.
	// The API server proxies only to the IP of the pod an endpoint names,
	// so a kwok pod is given this machine's address as its IP.
	ip := hostIP(t)
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	require.NoError(t, err)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "backend %s", r.URL.Path)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	port := ln.Addr().(*net.TCPAddr).Port
	ns := tc.Namespace(t)
	apply := sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "e2e-any"}, Namespace: ns}
	_, err = c.Apply(ctx, fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: backend\nspec:\n  nodeName: %s\n  containers:\n  - name: b\n    image: b\n", tc.Nodes[0]), apply)
	require.NoError(t, err)
	testutil.Eventually(t, ctx, "kwok gives the pod an IP", func() error {
		pod, err := c.Pods.In(ns).Get(ctx, "backend")
		if err != nil {
			return err
		}
		_, err = pod.Status().IP()
		return err
	})
	_, err = c.Pods.In(ns).PatchStatus(ctx, "backend", sdk.MergePatch, map[string]any{"status": map[string]any{"podIP": ip, "podIPs": []any{map[string]any{"ip": ip}}}}, sdk.PatchOptions{})
	require.NoError(t, err)
	_, err = c.ApplyManifests(ctx, []byte(fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: backend
spec:
  ports:
  - name: http
    port: 80
    targetPort: %[2]d
---
apiVersion: v1
kind: Endpoints
metadata:
  name: backend
subsets:
- addresses:
  - ip: %[1]s
    targetRef: {kind: Pod, name: backend, namespace: %[3]s}
  ports:
  - name: http
    port: %[2]d
`, ip, port, ns)), apply)
	require.NoError(t, err)
	path, err := sdk.JoinPath("api/v1", "namespaces", ns, "services", "backend:http", "proxy", "sub", "path")
	require.NoError(t, err)
	var got []byte
	pctx, pcancel := context.WithTimeout(ctx, time.Minute)
	defer pcancel()
	testutil.Eventually(t, pctx, "the service proxy reaches the backend", func() error {
		got, err = p.GetRaw(ctx, path, nil)
		return err
	})
	assert.Equal(t, "backend /sub/path", string(got))
}

// hostIP returns an IPv4 address of this machine that is not loopback: the
// API server refuses to proxy to loopback addresses.
func hostIP(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Fatal("e2e: this machine has no non-loopback IPv4 address for a service endpoint")
	return ""
}

// TestE2EApplyCRDAndItsObjectsInOneStream: ApplyManifests applies a
// CustomResourceDefinition and, later in the same stream, objects of the
// kind it defines (waiting for the server to serve it); the stream's
// default namespace applies to its namespaced documents only, as with
// kubectl apply -n, so a cluster-scoped document beside them is fine.
func TestE2EApplyCRDAndItsObjectsInOneStream(t *testing.T) {
	tc, c, ctx := anyCluster(t)
	ns := tc.Namespace(t)
	group := "s" + strings.ReplaceAll(ns[len(ns)-6:], "-", "") + ".kube-for-go.test"
	crdName := "sprockets." + group
	stream := fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %[1]s
spec:
  group: %[2]s
  scope: Namespaced
  names: {plural: sprockets, singular: sprocket, kind: Sprocket}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              teeth: {type: integer}
---
apiVersion: %[2]s/v1
kind: Sprocket
metadata: {name: small}
spec: {teeth: 12}
---
apiVersion: %[2]s/v1
kind: Sprocket
metadata: {name: large}
spec: {teeth: 48}
`, crdName, group)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if v, err := c.Dynamic(ctx, "customresourcedefinitions.apiextensions.k8s.io"); err == nil {
			_ = v.Delete(ctx, crdName, sdk.DeleteOptions{})
		}
	})
	objs, err := c.ApplyManifests(ctx, []byte(stream), sdk.ApplyOptions{
		Namespace:    ns,
		WriteOptions: sdk.WriteOptions{FieldManager: "e2e-any"},
	})
	require.NoError(t, err)
	require.Len(t, objs, 3)
	assert.Equal(t, crdName, objs[0].Name())
	assert.Equal(t, "", objs[0].Namespace(), "the CRD is cluster-scoped: the stream's namespace does not apply to it")
	sprockets, err := c.Dynamic(ctx, "sprockets."+group)
	require.NoError(t, err)
	for i, want := range map[string]int64{"small": 12, "large": 48} {
		it, err := sprockets.In(ns).Get(ctx, i)
		require.NoError(t, err)
		teeth, ok := it.Status().Int("spec", "teeth")
		require.True(t, ok, i)
		assert.Equal(t, want, teeth, i)
	}

	// A kind nobody defines, after a CRD, still fails, within the bound.
	bad := fmt.Sprintf("%s---\napiVersion: %s/v1\nkind: Sprocket\nmetadata: {name: x}\n---\napiVersion: %s/v1\nkind: Nonexistent\nmetadata: {name: y}\n", stream[:strings.Index(stream, "---")], group, group)
	_, err = c.ApplyManifests(ctx, []byte(bad), sdk.ApplyOptions{Namespace: ns, WriteOptions: sdk.WriteOptions{FieldManager: "e2e-any"}})
	require.ErrorIs(t, err, sdk.ErrUnknownResource)
	var derr *sdk.DocumentError
	require.ErrorAs(t, err, &derr)
	assert.Equal(t, 3, derr.Document)
}
