package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
	"github.com/kube-for-go/kube/transport"
	"github.com/kube-for-go/kube/watch"
)

// e2e returns the shared test cluster, a client through its kubectl proxy
// (the seed's connection model), a fresh namespace and a deadline context.
func e2e(t *testing.T) (*testutil.Cluster, *kube.Cluster, string, context.Context) {
	t.Helper()
	tc := testutil.Shared(t)
	c, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return tc, c, tc.Namespace(t), ctx
}

func kubectlJSON(t *testing.T, ctx context.Context, tc *testutil.Cluster, args ...string) map[string]any {
	t.Helper()
	out, err := tc.Kubectl(ctx, "", append(args, "-o", "json")...)
	require.NoError(t, err)
	m := map[string]any{}
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	return m
}

const rsManifest = `
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: auth-v3
  namespace: %s
  labels: {app: auth}
spec:
  replicas: 2
  selector:
    matchLabels: {app: auth}
  template:
    metadata:
      labels: {app: auth}
    spec:
      containers:
      - name: auth
        image: example/auth:v3
`

// TestE2ESeedQuickstart follows the seed's quickstart on the live cluster.
func TestE2ESeedQuickstart(t *testing.T) {
	tc, c, ns, ctx := e2e(t)
	created, err := c.Create(ctx, fmt.Sprintf(rsManifest, ns), sdk.CreateOptions{})
	require.NoError(t, err)
	require.IsType(t, &kinds.ReplicaSet{}, created)

	// Fetch the ReplicaSet by name.
	rs, err := c.ReplicaSets.In(ns).Get(ctx, "auth-v3")
	require.NoError(t, err)
	assert.Equal(t, "auth-v3", rs.Meta().Name)
	assert.Equal(t, ns, rs.Meta().Namespace)
	assert.Same(t, kinds.ReplicaSetKind, rs.Kind())
	assert.Equal(t, "replicasets", rs.Resource())

	// Namespace names include default.
	var names []string
	for n, err := range c.Namespaces.All(ctx) {
		require.NoError(t, err)
		names = append(names, n.Meta().Name)
	}
	assert.Contains(t, names, "default")
	assert.Contains(t, names, ns)

	// Setting a label returns a newer version of the item.
	require.False(t, rs.Labels().Has("mylabel"))
	curr, err := rs.SetLabel(ctx, "mylabel", "value")
	require.NoError(t, err)
	assert.Equal(t, "value", curr.Labels().Value("mylabel"))
	assert.NotEqual(t, rs.Meta().Version, curr.Meta().Version)
	assert.False(t, rs.Equal(curr))
	assert.False(t, rs.Labels().Has("mylabel"), "the old snapshot never changes")
	got := kubectlJSON(t, ctx, tc, "-n", ns, "get", "replicaset", "auth-v3")
	assert.Equal(t, "value", got["metadata"].(map[string]any)["labels"].(map[string]any)["mylabel"], "kubectl sees the label")
	back, err := curr.DeleteLabel(ctx, "mylabel")
	require.NoError(t, err)
	assert.False(t, back.Labels().Has("mylabel"))

	// Once the controller caught up, spec replicas equal observed replicas.
	testutil.Eventually(t, ctx, "observed replicas", func() error {
		rs, err := c.ReplicaSets.In(ns).Get(ctx, "auth-v3")
		if err != nil {
			return err
		}
		obs, err := rs.Status().ObservedReplicas()
		if err != nil {
			return err
		}
		if fmt.Sprint(rs.Spec()["replicas"]) != fmt.Sprint(obs) {
			return fmt.Errorf("spec %v, observed %d", rs.Spec()["replicas"], obs)
		}
		return nil
	})

	// Fetch gives the newest snapshot; Delete removes the object.
	newest, err := rs.Fetch(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, rs.Meta().Version, newest.Meta().Version)
	require.NoError(t, newest.Delete(ctx))
	testutil.Eventually(t, ctx, "the ReplicaSet to be gone", func() error {
		_, err := c.ReplicaSets.In(ns).Get(ctx, "auth-v3")
		if errors.Is(err, sdk.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("still there: %v", err)
	})
}

// TestE2ENineKinds lists every built-in kind through its view and finds
// what kubectl created.
func TestE2ENineKinds(t *testing.T) {
	tc, c, ns, ctx := e2e(t)
	manifests := fmt.Sprintf(`
apiVersion: v1
kind: Secret
metadata: {name: s1, namespace: %[1]s}
stringData: {password: hunter2}
---
apiVersion: v1
kind: Service
metadata: {name: svc1, namespace: %[1]s}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: dep1, namespace: %[1]s}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds1, namespace: %[1]s}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: busybox}]}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc1, namespace: %[1]s}
spec:
  replicas: 1
  selector: {app: legacy}
  template:
    metadata: {labels: {app: legacy}}
    spec: {containers: [{name: legacy, image: busybox}]}
`, ns)
	_, err := tc.Kubectl(ctx, manifests, "apply", "-f", "-")
	require.NoError(t, err)

	names := func(items []string) []string { sort.Strings(items); return items }
	collect := func(seq func(func(string, error) bool)) []string {
		var out []string
		for n, err := range seq {
			require.NoError(t, err)
			out = append(out, n)
		}
		return names(out)
	}
	nameSeq := func(all func(yield func(sdk.Object, error) bool)) func(func(string, error) bool) {
		return func(yield func(string, error) bool) {
			all(func(o sdk.Object, err error) bool {
				if err != nil {
					return yield("", err)
				}
				return yield(o.Meta().Name, nil)
			})
		}
	}
	testutil.Eventually(t, ctx, "pods of the deployment, daemonset and rc", func() error {
		pods, err := c.Pods.In(ns).List(ctx)
		if err != nil {
			return err
		}
		if len(pods) != 2+2+1 {
			return fmt.Errorf("%d pods", len(pods))
		}
		return nil
	})
	assert.Equal(t, []string{"s1"}, collect(nameSeq(objects(c.Secrets.In(ns)))))
	assert.Equal(t, []string{"svc1"}, collect(nameSeq(objects(c.Services.In(ns)))))
	assert.Equal(t, []string{"dep1"}, collect(nameSeq(objects(c.Deployments.In(ns)))))
	assert.Equal(t, []string{"ds1"}, collect(nameSeq(objects(c.DaemonSets.In(ns)))))
	assert.Equal(t, []string{"rc1"}, collect(nameSeq(objects(c.ReplicationControllers.In(ns)))))
	rsNames := collect(nameSeq(objects(c.ReplicaSets.In(ns))))
	require.Len(t, rsNames, 1)
	assert.True(t, strings.HasPrefix(rsNames[0], "dep1-"))
	assert.Len(t, collect(nameSeq(objects(c.Pods.In(ns)))), 5)
	nodes := collect(nameSeq(objects(c.Nodes)))
	assert.Equal(t, names(slices.Clone(tc.Nodes)), nodes)
	assert.Contains(t, collect(nameSeq(objects(c.Namespaces))), ns)

	// The global view sees the namespace's pods among all others.
	var inNS int
	for p, err := range c.Pods.All(ctx) {
		require.NoError(t, err)
		if p.Namespace() == ns {
			inNS++
		}
	}
	assert.Equal(t, 5, inNS)

	// Compare one object field by field with kubectl's view.
	svc, err := c.Services.In(ns).Get(ctx, "svc1")
	require.NoError(t, err)
	kc := kubectlJSON(t, ctx, tc, "-n", ns, "get", "service", "svc1")
	md := kc["metadata"].(map[string]any)
	assert.Equal(t, md["uid"], svc.Meta().UID)
	assert.Equal(t, md["resourceVersion"], svc.Meta().Version)
	ip, err := svc.Status().ClusterIP()
	require.NoError(t, err)
	assert.Equal(t, kc["spec"].(map[string]any)["clusterIP"], ip.String())
}

// lister is what every view type (View, StatusView, ScaleView, PodView) has.
type lister[S sdk.Status] interface {
	All(ctx context.Context) iter.Seq2[*sdk.Item[S], error]
}

// objects adapts a typed view's iterator to sdk.Object for table-like checks.
func objects[S sdk.Status](v lister[S]) func(yield func(sdk.Object, error) bool) {
	return func(yield func(sdk.Object, error) bool) {
		for it, err := range v.All(context.Background()) {
			if !yield(it, err) {
				return
			}
		}
	}
}

// TestE2EPaginationAndCustomKind declares ConfigMaps as a custom kind in a
// dozen lines and pages through 23 of them 5 at a time.
func TestE2EPaginationAndCustomKind(t *testing.T) {
	tc, c, ns, ctx := e2e(t)
	type configMapData struct {
		sdk.FromObject                   // the "status" type reads the top-level data member
		Data           map[string]string `json:"data"`
	}
	configMapKind := sdk.MustKind[configMapData](sdk.KindInfo{
		Kind: "ConfigMap", Resource: "configmaps", Namespaced: true,
		APIPaths: []string{"api/v1"},
	})
	cms := sdk.NewView(c.Client, configMapKind)
	var want []string
	for i := 0; i < 23; i++ {
		name := fmt.Sprintf("cm-%02d", i)
		want = append(want, name)
		_, err := cms.In(ns).Create(ctx, map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name, "labels": map[string]string{"parity": []string{"even", "odd"}[i%2]}},
			"data":     map[string]string{"i": fmt.Sprint(i)},
		}, sdk.CreateOptions{})
		require.NoError(t, err)
	}
	var got []string
	// The controller-manager adds kube-root-ca.crt to every namespace: select ours.
	for cm, err := range cms.In(ns).Filter(selector.Expr("parity"), nil).PageSize(5).All(ctx) {
		require.NoError(t, err)
		got = append(got, cm.Name())
		assert.Equal(t, strings.TrimLeft(strings.TrimPrefix(cm.Name(), "cm-"), "0"), strings.TrimLeft(cm.Status().Data["i"], "0"))
	}
	assert.Equal(t, want, got)
	odd, err := cms.In(ns).Filter(selector.Set{"parity": "odd"}, nil).List(ctx)
	require.NoError(t, err)
	assert.Len(t, odd, 11)
	out, err := tc.Kubectl(ctx, "", "-n", ns, "get", "configmaps", "-l", "parity=odd", "-o", "name")
	require.NoError(t, err)
	assert.Equal(t, 11, strings.Count(out, "configmap/"))
}

const crdManifest = `{
  "apiVersion": "apiextensions.k8s.io/v1",
  "kind": "CustomResourceDefinition",
  "metadata": {"name": "widgets.example.kube-for-go.dev"},
  "spec": {
    "group": "example.kube-for-go.dev",
    "scope": "Namespaced",
    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
    "versions": [{
      "name": "v1", "served": true, "storage": true,
      "subresources": {"status": {}},
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"size": {"type": "integer"}}},
        "status": {"type": "object", "properties": {"ready": {"type": "boolean"}, "observedSize": {"type": "integer"}}}
      }}}
    }]
  }
}`

// Widget is a custom kind declared in a dozen lines: a descriptor and a
// status struct give it the same View/Item/Watch API as the built-ins.
var widgetKind = sdk.MustKind[widgetStatus](sdk.KindInfo{
	Kind: "Widget", Resource: "widgets", Namespaced: true,
	APIPaths: []string{"apis/example.kube-for-go.dev/v1"},
})

type widgetStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	Ready        bool `json:"ready"`
	ObservedSize int  `json:"observedSize"`
}

func TestE2ECustomResource(t *testing.T) {
	_, c, ns, ctx := e2e(t)
	crdPath, err := sdk.JoinPath("apis/apiextensions.k8s.io/v1", "customresourcedefinitions")
	require.NoError(t, err)
	_, err = c.Proxy().Post(ctx, crdPath, nil, []byte(crdManifest))
	if err != nil && !errors.Is(err, sdk.ErrAlreadyExists) {
		require.NoError(t, err)
	}
	testutil.Eventually(t, ctx, "the CRD to be Established", func() error {
		crd, err := c.Proxy().Get(ctx, crdPath+"/widgets.example.kube-for-go.dev", nil)
		if err != nil {
			return err
		}
		st, _ := crd["status"].(map[string]any)
		conds, _ := st["conditions"].([]any)
		for _, x := range conds {
			m := x.(map[string]any)
			if m["type"] == "Established" && m["status"] == "True" {
				return nil
			}
		}
		return errors.New("not established")
	})
	require.NoError(t, sdk.Register(widgetKind))
	widgets := sdk.NewStatusView(c.Client, widgetKind).In(ns)

	// Watch with the initial state first, so the new widget arrives as
	// Added whether it is created before or after the watch starts.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := widgets.Watcher(wctx, watch.Options{InitialList: true})
	defer events.Close()

	var w *sdk.Item[widgetStatus]
	testutil.Eventually(t, ctx, "the widget API to accept objects", func() error {
		obj, err := c.Create(ctx, fmt.Sprintf(`{"apiVersion":"example.kube-for-go.dev/v1","kind":"Widget","metadata":{"name":"w1","namespace":%q,"labels":{"color":"blue"}},"spec":{"size":3}}`, ns), sdk.CreateOptions{})
		if err != nil {
			return err
		}
		w = obj.(*sdk.Item[widgetStatus])
		return nil
	})
	assert.EqualValues(t, 3, w.Spec()["size"])
	assert.False(t, w.Status().Ready)
	ev, err := events.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, watch.Added, ev.Type)
	assert.Equal(t, "w1", ev.Object.Name())

	// Set the status through the status subresource, read it typed.
	_, err = c.Proxy().Patch(ctx, w.Meta().Link+"/status", sdk.MergePatch, map[string]any{"status": map[string]any{"ready": true, "observedSize": 3}})
	require.NoError(t, err)
	got, err := widgets.Get(ctx, "w1")
	require.NoError(t, err)
	assert.True(t, got.Status().Ready)
	assert.Equal(t, 3, got.Status().ObservedSize)
	blue, err := widgets.Filter(selector.Expr("color=blue"), nil).List(ctx)
	require.NoError(t, err)
	require.Len(t, blue, 1)
	assert.Equal(t, got.Meta().UID, blue[0].Meta().UID)

	ev, err = events.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, watch.Modified, ev.Type)
	assert.True(t, ev.Object.Status().Ready, "the watch delivers the typed status")
	require.NoError(t, got.Delete(ctx))
}

// TestE2ESelectorsAgreeWithServer checks, for every label operator, that
// the server's filtering equals client-side Matches on the same pods, and
// that field selectors on pods by phase and node agree with the server.
func TestE2ESelectorsAgreeWithServer(t *testing.T) {
	tc, c, ns, ctx := e2e(t)
	labelSets := []map[string]string{
		{"app": "web", "tier": "front", "version": "1"},
		{"app": "web", "tier": "back", "version": "2"},
		{"app": "db", "tier": "back"},
		{"app": "cache", "version": "10"},
		{"env": "prod"},
	}
	for i, ls := range labelSets {
		node := tc.Nodes[i%len(tc.Nodes)]
		_, err := c.Create(ctx, map[string]any{
			"apiVersion": "v1", "kind": "Pod",
			"metadata": map[string]any{"name": fmt.Sprintf("p%d", i), "namespace": ns, "labels": ls},
			"spec":     map[string]any{"nodeName": node, "containers": []any{map[string]any{"name": "c", "image": "busybox"}}},
		}, sdk.CreateOptions{})
		require.NoError(t, err)
	}
	pods := c.Pods.In(ns)
	testutil.Eventually(t, ctx, "all pods Running", func() error {
		n, err := pods.Filter(nil, selector.FieldExpr("status.phase=Running")).List(ctx)
		if err != nil {
			return err
		}
		if len(n) != len(labelSets) {
			return fmt.Errorf("%d Running", len(n))
		}
		return nil
	})
	all, err := pods.List(ctx)
	require.NoError(t, err)
	for _, expr := range []string{
		"app=web", "app==web", "app!=web", "app in (web,db)", "app notin (web,db)",
		"tier", "!tier", "version>1", "version<2", "app=web,tier=back", "app,!version", "env in (prod),app notin (x)",
	} {
		sel, err := selector.Parse(expr)
		require.NoError(t, err, expr)
		var server, client []string
		fromServer, err := pods.Filter(sel, nil).List(ctx)
		require.NoError(t, err, expr)
		for _, p := range fromServer {
			server = append(server, p.Name())
		}
		for _, p := range all {
			if sel.Matches(p.Labels().Map()) {
				client = append(client, p.Name())
			}
		}
		sort.Strings(server)
		sort.Strings(client)
		assert.Equal(t, client, server, "selector %q", expr)
	}
	// Field selectors by node and phase agree with kubectl's answer.
	for _, node := range tc.Nodes {
		got, err := pods.Filter(nil, selector.Field("spec.nodeName").Equals(node)).List(ctx)
		require.NoError(t, err)
		out, err := tc.Kubectl(ctx, "", "-n", ns, "get", "pods", "--field-selector", "spec.nodeName="+node, "-o", "name")
		require.NoError(t, err)
		assert.Equal(t, strings.Count(out, "pod/"), len(got), node)
		for _, p := range got {
			assert.Contains(t, out, "pod/"+p.Name())
		}
	}
	pending, err := pods.Filter(nil, selector.FieldExpr("status.phase=Pending")).List(ctx)
	require.NoError(t, err)
	assert.Empty(t, pending)
}

// TestE2EErrorsFromTheServer checks error categories against real answers.
func TestE2EErrorsFromTheServer(t *testing.T) {
	tc, c, ns, ctx := e2e(t)
	_, err := c.Pods.In(ns).Get(ctx, "does-not-exist")
	assert.ErrorIs(t, err, sdk.ErrNotFound)
	var ae *sdk.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 404, ae.Code)
	assert.Equal(t, "NotFound", ae.Reason)
	assert.Contains(t, ae.Message, `"does-not-exist" not found`)

	m := fmt.Sprintf(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"dup","namespace":%q},"stringData":{"k":"v"}}`, ns)
	_, err = c.Create(ctx, m, sdk.CreateOptions{})
	require.NoError(t, err)
	_, err = c.Create(ctx, m, sdk.CreateOptions{})
	assert.ErrorIs(t, err, sdk.ErrAlreadyExists)
	assert.NotErrorIs(t, err, sdk.ErrConflict)

	_, err = c.Create(ctx, fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad","namespace":%q},"spec":{"containers":[]}}`, ns), sdk.CreateOptions{})
	assert.ErrorIs(t, err, sdk.ErrInvalid)

	// Direct HTTPS with an unprivileged token: 403; with a wrong token: 401.
	alice, err := kube.NewFromConfig(&transport.Config{Server: tc.ServerURL, BearerToken: transport.NewSecret(tc.Token(testutil.UserAlice)), TLS: transport.TLSConfig{CAFile: tc.CAFile}})
	require.NoError(t, err)
	_, err = alice.Secrets.In(ns).List(ctx)
	assert.ErrorIs(t, err, sdk.ErrForbidden)
	bogus := "bogus-token-0123456789"
	bad, err := kube.NewFromConfig(&transport.Config{Server: tc.ServerURL, BearerToken: transport.NewSecret(bogus), TLS: transport.TLSConfig{CAFile: tc.CAFile}})
	require.NoError(t, err)
	_, err = bad.Namespaces.List(ctx)
	assert.ErrorIs(t, err, sdk.ErrUnauthorized)
	assert.NotContains(t, err.Error(), bogus)

	// Manifest errors are found before any request.
	for _, tt := range []struct{ reason, manifest, field string }{
		{"no apiVersion", `{"kind":"Pod","metadata":{"name":"x"}}`, "apiVersion"},
		{"no kind", `{"apiVersion":"v1","metadata":{"name":"x"}}`, "kind"},
		{"no metadata", `{"apiVersion":"v1","kind":"Pod"}`, "metadata"},
		{"unknown kind", `{"apiVersion":"v1","kind":"Gadget","metadata":{"name":"x"}}`, "kind"},
	} {
		_, err := c.Create(ctx, tt.manifest, sdk.CreateOptions{Namespace: ns})
		var me *sdk.ManifestError
		require.ErrorAs(t, err, &me, tt.reason)
		assert.Equal(t, tt.field, me.Field, tt.reason)
	}
}

// TestE2EProxyLowLevel uses the seed's low-level proxy against the server.
func TestE2EProxyLowLevel(t *testing.T) {
	_, c, ns, ctx := e2e(t)
	p := c.Proxy()
	path, err := sdk.JoinPath("api/v1", "namespaces", ns, "configmaps")
	require.NoError(t, err)
	created, err := p.Post(ctx, path, nil, map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "low"}, "data": map[string]string{"a": "1"}})
	require.NoError(t, err)
	assert.Equal(t, "low", created["metadata"].(map[string]any)["name"])
	patched, err := p.Patch(ctx, path+"/low", sdk.StrategicMergePatch, map[string]any{"data": map[string]string{"b": "2"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": "1", "b": "2"}, patched["data"])
	got, err := p.Get(ctx, path+"/low", nil)
	require.NoError(t, err)
	assert.Equal(t, patched["metadata"].(map[string]any)["resourceVersion"], got["metadata"].(map[string]any)["resourceVersion"])
	_, err = p.Delete(ctx, path+"/low", nil, nil)
	require.NoError(t, err)
	_, err = p.Get(ctx, path+"/low", nil)
	assert.ErrorIs(t, err, sdk.ErrNotFound)

	// An item's link works as an absolute path with the proxy.
	nsItem, err := c.Namespaces.Get(ctx, ns)
	require.NoError(t, err)
	link, err := sdk.JoinPath(nsItem.Meta().Link)
	require.NoError(t, err)
	raw, err := p.Get(ctx, link, nil)
	require.NoError(t, err)
	assert.Equal(t, nsItem.Meta().UID, raw["metadata"].(map[string]any)["uid"])
}

// TestE2EWatchThroughView checks a basic typed watch loop and Item.Watch.
func TestE2EWatchThroughView(t *testing.T) {
	_, c, ns, ctx := e2e(t)
	secrets := c.Secrets.In(ns)
	s, err := c.Create(ctx, fmt.Sprintf(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"w","namespace":%q},"stringData":{"k":"v"}}`, ns), sdk.CreateOptions{})
	require.NoError(t, err)
	item := s.(*kinds.Secret)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan []watch.EventType, 1)
	go func() {
		var types []watch.EventType
		for ev, err := range item.Watch(wctx) {
			if err != nil {
				break
			}
			types = append(types, ev.Type)
			if ev.Type == watch.Deleted {
				break
			}
		}
		done <- types
	}()
	labelled, err := item.SetLabel(ctx, "x", "1")
	require.NoError(t, err)
	require.NoError(t, secrets.Delete(ctx, labelled.Name(), sdk.DeleteOptions{}))
	select {
	case types := <-done:
		assert.Equal(t, []watch.EventType{watch.Modified, watch.Deleted}, types)
	case <-ctx.Done():
		t.Fatal("watch did not see the changes")
	}
}

// TestE2EProxyWatch watches raw objects through the low-level proxy with a
// server-side field selector (the seed filtered fields on the client).
func TestE2EProxyWatch(t *testing.T) {
	_, c, ns, ctx := e2e(t)
	p := c.Proxy()
	path, err := sdk.JoinPath("api/v1", "namespaces", ns, "configmaps")
	require.NoError(t, err)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	got := make(chan map[string]any, 4)
	go func() {
		defer close(got)
		for ev, err := range p.Watch(wctx, path, map[string][]string{"fieldSelector": {"metadata.name=wanted"}}, watch.Options{InitialList: true}) {
			if err != nil {
				return
			}
			if ev.Type == watch.Added {
				got <- ev.Object
			}
		}
	}()
	for _, name := range []string{"other", "wanted"} {
		_, err := p.Post(ctx, path, nil, map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": name}})
		require.NoError(t, err)
	}
	select {
	case obj := <-got:
		assert.Equal(t, "wanted", obj["metadata"].(map[string]any)["name"], "the server filtered out the other object")
	case <-ctx.Done():
		t.Fatal("no event")
	}
}

// TestE2EWatchMissingNamespace: the seed promises a NamespaceError when a
// view of a namespace that does not exist is watched; the server itself
// answers an empty list and an endless watch.
func TestE2EWatchMissingNamespace(t *testing.T) {
	_, c, ns, ctx := e2e(t)
	missing := ns + "-missing"
	_, err := watch.WaitFor(ctx, c.Secrets.In(missing).Source(), watch.Exists[*kinds.Secret]())
	var nse *sdk.NamespaceError
	require.ErrorAs(t, err, &nse, "WaitFor on a missing namespace")
	assert.Equal(t, missing, nse.Namespace)

	for _, err := range c.Pods.In(missing).Watch(ctx, watch.Options{}) {
		require.ErrorAs(t, err, &nse, "Watch on a missing namespace ends with a NamespaceError")
		break
	}
	store := watch.NewStore(c.Pods.In(missing).Source(), watch.StoreOptions{})
	require.ErrorAs(t, store.Run(ctx), &nse, "a Store of a missing namespace stops with a NamespaceError")

	// An existing namespace watches normally: the check does not get in the way.
	sec, err := c.Secrets.In(ns).Create(ctx, map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "present"}}, sdk.CreateOptions{})
	require.NoError(t, err)
	got, err := watch.WaitFor(ctx, c.Secrets.In(ns).ObjectSource("present"), watch.Exists[*kinds.Secret]())
	require.NoError(t, err)
	assert.Equal(t, sec.UID(), got.UID())
}

// TestE2EProxyRaw reads answers that are not JSON objects: health text,
// the version document, Prometheus metrics as a stream, and a path that
// does not exist.
func TestE2EProxyRaw(t *testing.T) {
	_, c, _, ctx := e2e(t)
	p := c.Proxy()
	health, err := p.GetRaw(ctx, "/healthz", nil)
	require.NoError(t, err)
	assert.Equal(t, "ok", string(health))
	_, err = p.Get(ctx, "/healthz", nil)
	assert.ErrorAs(t, err, new(*sdk.DecodeError), "Get wants a JSON object; GetRaw takes anything")

	version, err := p.GetRaw(ctx, "/version", nil)
	require.NoError(t, err)
	assert.Contains(t, string(version), `"gitVersion": "v1.34.4"`)

	body, err := p.Stream(ctx, "/metrics", nil)
	require.NoError(t, err)
	defer body.Close()
	head := make([]byte, 64<<10)
	n, err := io.ReadAtLeast(body, head, 1024)
	require.NoError(t, err)
	assert.Contains(t, string(head[:n]), "# HELP", "Prometheus text exposition")
	require.NoError(t, body.Close())

	_, err = p.GetRaw(ctx, "/no/such/path", nil)
	assert.ErrorIs(t, err, sdk.ErrNotFound)
	_, err = p.GetRaw(ctx, "relative", nil)
	assert.ErrorIs(t, err, sdk.ErrKube)
}
