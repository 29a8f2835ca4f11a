package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/sdk"
)

// discoMock is a fake API server for discovery: bodies by path, with
// counts of the requests each path got.
type discoMock struct {
	mu     sync.Mutex
	bodies map[string]string
	codes  map[string]int
	hits   map[string]int
	accept map[string]string
	writes []string
}

func (m *discoMock) set(path, body string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bodies[path] = body
}

func (m *discoMock) count(path string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hits[path]
}

func newDiscoClient(t *testing.T, bodies map[string]string, codes map[string]int, opts sdk.Options) (*sdk.Client, *discoMock) {
	t.Helper()
	m := &discoMock{bodies: bodies, codes: codes, hits: map[string]int{}, accept: map[string]string{}}
	if m.codes == nil {
		m.codes = map[string]int{}
	}
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		p := req.URL.Path
		m.hits[p]++
		m.accept[p] = req.Header.Get("Accept")
		if req.Method != http.MethodGet {
			m.writes = append(m.writes, req.Method+" "+p)
			body := req.Body
			var b strings.Builder
			if body != nil {
				buf := make([]byte, 4096)
				for {
					n, err := body.Read(buf)
					b.Write(buf[:n])
					if err != nil {
						break
					}
				}
			}
			// Echo the object back as created, with a resourceVersion.
			out := strings.Replace(b.String(), `"metadata":{`, `"metadata":{"resourceVersion":"7",`, 1)
			return httpmock.NewStringResponse(201, out), nil
		}
		if code, ok := m.codes[p]; ok {
			return httpmock.NewStringResponse(code, `{"kind":"Status","code":`+fmt.Sprint(code)+`}`), nil
		}
		if b, ok := m.bodies[p]; ok {
			return httpmock.NewStringResponse(200, b), nil
		}
		return httpmock.NewStringResponse(404, `{"kind":"Status","reason":"NotFound","code":404}`), nil
	})
	opts.URL, opts.Transport = "http://kube.test", mt
	c, err := sdk.New(opts)
	require.NoError(t, err)
	return c, m
}

// aggregated builds an APIGroupDiscoveryList; groups is a list of
// {name, versions: [{version, resources JSON}]}.
func aggregated(groups ...string) string {
	return `{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[` + strings.Join(groups, ",") + `]}`
}

func aggGroup(name string, versions ...string) string {
	return `{"metadata":{"name":"` + name + `"},"versions":[` + strings.Join(versions, ",") + `]}`
}

func aggVersion(v, freshness string, resources ...string) string {
	return `{"version":"` + v + `","freshness":"` + freshness + `","resources":[` + strings.Join(resources, ",") + `]}`
}

func aggResource(resource, singular, kind, scope string, short []string, subs ...string) string {
	var ss []string
	for _, s := range subs {
		ss = append(ss, `{"subresource":"`+s+`","verbs":["get","patch","update"]}`)
	}
	sn := "[]"
	if len(short) > 0 {
		sn = `["` + strings.Join(short, `","`) + `"]`
	}
	return `{"resource":"` + resource + `","singularResource":"` + singular + `","responseKind":{"group":"","version":"","kind":"` + kind + `"},"scope":"` + scope +
		`","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":` + sn + `,"categories":["all"],"subresources":[` + strings.Join(ss, ",") + `]}`
}

var (
	aggCore = aggregated(aggGroup("", aggVersion("v1", "Current",
		aggResource("pods", "pod", "Pod", "Namespaced", []string{"po"}, "status", "log"),
		aggResource("configmaps", "configmap", "ConfigMap", "Namespaced", []string{"cm"}),
		aggResource("namespaces", "namespace", "Namespace", "Cluster", []string{"ns"}, "status"),
		aggResource("events", "event", "Event", "Namespaced", []string{"ev"}),
	)))
	aggApps = aggGroup("apps", aggVersion("v1", "Current",
		aggResource("deployments", "deployment", "Deployment", "Namespaced", []string{"deploy"}, "status", "scale"),
	))
	aggWidgetsV1 = aggGroup("example.com",
		aggVersion("v2", "Current", aggResource("widgets", "widget", "Widget", "Cluster", []string{"wd"})),
		aggVersion("v1", "Current", aggResource("widgets", "widget", "Widget", "Cluster", []string{"wd"}), aggResource("gizmos", "gizmo", "Gizmo", "Namespaced", nil)),
	)
	aggOtherWidgets = aggGroup("other.io", aggVersion("v1", "Current", aggResource("wodgets", "wodget", "Wodget", "Namespaced", []string{"wd"})))
	aggMetrics      = aggGroup("metrics.k8s.io", aggVersion("v1beta1", "Current", aggResource("pods", "", "PodMetrics", "Namespaced", nil)))
	aggEvents       = aggGroup("events.k8s.io", aggVersion("v1", "Current", aggResource("events", "event", "Event", "Namespaced", []string{"ev"})))
)

func TestDiscoveryFind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, m := newDiscoClient(t, map[string]string{
			"/api":  aggCore,
			"/apis": aggregated(aggApps, aggWidgetsV1, aggOtherWidgets, aggMetrics, aggEvents),
		}, nil, sdk.Options{})
		d := c.Discovery()
		tests := []struct {
			reason, query string
			want          string // resource.version.group, or "" for an error
			ambiguous     bool
		}{
			{"a plural name", "deployments", "deployments.v1.apps", false},
			{"a short name", "deploy", "deployments.v1.apps", false},
			{"a singular name", "deployment", "deployments.v1.apps", false},
			{"a kind name, any case", "Deployment", "deployments.v1.apps", false},
			{"resource.group", "deployments.apps", "deployments.v1.apps", false},
			{"resource.version.group", "deployments.v1.apps", "deployments.v1.apps", false},
			{"the core group wins over metrics' pods", "pods", "pods.v1", false},
			{"the core group wins over events.k8s.io", "ev", "events.v1", false},
			{"a group picks the other one", "events.events.k8s.io", "events.v1.events.k8s.io", false},
			{"the preferred version by default", "widgets", "widgets.v2.example.com", false},
			{"an explicit older version", "widgets.v1.example.com", "widgets.v1.example.com", false},
			{"a resource only an older version serves", "gizmo", "gizmos.v1.example.com", false},
			{"a short name two groups use is ambiguous", "wd", "", true},
			{"an unknown name", "nosuch", "", false},
			{"an unknown group", "deployments.nosuch.io", "", false},
		}
		for _, tc := range tests {
			r, err := d.Find(t.Context(), tc.query)
			if tc.want != "" {
				if assert.NoError(t, err, tc.reason) {
					assert.Equal(t, tc.want, r.String(), tc.reason)
				}
				continue
			}
			var re *sdk.ResourceError
			require.ErrorAs(t, err, &re, tc.reason)
			assert.ErrorIs(t, err, sdk.ErrKube, tc.reason)
			if tc.ambiguous {
				assert.ErrorIs(t, err, sdk.ErrAmbiguousResource, tc.reason)
				assert.Equal(t, []string{"widgets.v2.example.com", "wodgets.v1.other.io"}, re.Candidates, tc.reason)
				assert.Contains(t, err.Error(), "wodgets.v1.other.io", tc.reason)
			} else {
				assert.ErrorIs(t, err, sdk.ErrUnknownResource, tc.reason)
			}
		}
		// The details of one resource.
		r, err := d.ForKind(t.Context(), "apps/v1", "Deployment")
		require.NoError(t, err)
		assert.Equal(t, sdk.APIResource{Group: "apps", Version: "v1", Versions: []string{"v1"}, Resource: "deployments", Singular: "deployment", Kind: "Deployment",
			Namespaced: true, Verbs: []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"},
			ShortNames: []string{"deploy"}, Categories: []string{"all"}, Subresources: []string{"status", "scale"}}, r)
		assert.Equal(t, "apis/apps/v1", r.APIPath())
		assert.Equal(t, "deployments.apps", r.GroupResource())
		assert.True(t, r.HasVerb("watch") && r.HasSubresource("scale") && !r.HasSubresource("log"))
		w, err := d.ForKind(t.Context(), "example.com/v1", "Widget")
		require.NoError(t, err)
		assert.Equal(t, []string{"v2", "v1"}, w.Versions, "every served version, the preferred first")
		assert.False(t, w.Namespaced)
		_, err = d.Find(t.Context(), "  ")
		assert.ErrorIs(t, err, sdk.ErrKube, "an empty query")
		_, err = d.ForKind(t.Context(), "", "Pod")
		assert.ErrorIs(t, err, sdk.ErrKube, "a kind without a version")

		assert.Contains(t, m.accept["/apis"], "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", "aggregated discovery is asked for")
		// Misses refreshed the cache, but never more than once a second.
		assert.LessOrEqual(t, m.count("/apis"), 4)
	})
}

func TestDiscoveryLegacy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, m := newDiscoClient(t, map[string]string{
			"/api":  `{"kind":"APIVersions","versions":["v1"]}`,
			"/apis": `{"kind":"APIGroupList","groups":[{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},{"name":"metrics.k8s.io","versions":[{"version":"v1beta1"}],"preferredVersion":{"version":"v1beta1"}},{"name":"gone.io","versions":[{"version":"v1"}]},{"name":"example.com","versions":[{"version":"v1"},{"version":"v2"}],"preferredVersion":{"version":"v2"}}]}`,
			"/api/v1": `{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list"],"shortNames":["po"]},{"name":"pods/status","namespaced":true,"kind":"Pod"},{"name":"pods/log","namespaced":true,"kind":"Pod"},` +
				`{"name":"../secrets","namespaced":true,"kind":"Secret"},{"name":"nodes","namespaced":false,"kind":"Node"}]}`,
			"/apis/apps/v1":        `{"kind":"APIResourceList","groupVersion":"apps/v1","resources":[{"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment","shortNames":["deploy"]},{"name":"deployments/scale","namespaced":true,"kind":"Scale"}]}`,
			"/apis/example.com/v1": `{"kind":"APIResourceList","resources":[{"name":"widgets","namespaced":true,"kind":"Widget"}]}`,
			"/apis/example.com/v2": `{"kind":"APIResourceList","resources":[{"name":"widgets","namespaced":true,"kind":"Widget"}]}`,
		}, map[string]int{"/apis/metrics.k8s.io/v1beta1": 503}, sdk.Options{})
		d := c.Discovery()
		rs, err := d.Resources(t.Context())
		require.NoError(t, err)
		var names []string
		for _, r := range rs {
			names = append(names, r.String())
		}
		assert.Equal(t, []string{"pods.v1", "nodes.v1", "deployments.v1.apps", "widgets.v2.example.com", "widgets.v1.example.com"}, names,
			"legacy documents, preferred versions first; a name that is no path segment is dropped; the failed and missing groups are skipped")
		pods, err := d.Find(t.Context(), "po")
		require.NoError(t, err)
		assert.Equal(t, []string{"status", "log"}, pods.Subresources, "pods/status and pods/log are subresources")
		dep, err := d.Find(t.Context(), "deploy")
		require.NoError(t, err)
		assert.Equal(t, []string{"scale"}, dep.Subresources)
		assert.Equal(t, "deployment", dep.Singular)
		w, err := d.Find(t.Context(), "widget")
		require.NoError(t, err, "a legacy entry without singularName is found by its kind")
		assert.Equal(t, []string{"v2", "v1"}, w.Versions)
		_, err = d.Find(t.Context(), "podmetrics")
		var re *sdk.ResourceError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, []string{"metrics.k8s.io/v1beta1"}, re.Failed, "a miss names the group versions discovery could not read")
		assert.Contains(t, err.Error(), "metrics.k8s.io/v1beta1")
		assert.Equal(t, 0, m.count("/api/v1/secrets"))
	})
}

// TestDiscoveryRefresh: a resource added after the first read is found by
// the next lookup, and a flood of misses makes one refresh per interval.
func TestDiscoveryRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, m := newDiscoClient(t, map[string]string{"/api": aggCore, "/apis": aggregated(aggApps)}, nil, sdk.Options{})
		d := c.Discovery()
		_, err := d.Find(t.Context(), "deploy")
		require.NoError(t, err)
		require.Equal(t, 1, m.count("/apis"))
		_, err = d.Find(t.Context(), "pods")
		require.NoError(t, err)
		assert.Equal(t, 1, m.count("/apis"), "a hit makes no request")

		m.set("/apis", aggregated(aggApps, aggWidgetsV1)) // a CRD is installed
		var wg sync.WaitGroup
		errs := make([]error, 50)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = d.Find(t.Context(), "widgets")
			})
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err, "the next lookup finds the new resource")
		}
		assert.Equal(t, 2, m.count("/apis"), "fifty concurrent misses share one refresh")

		for range 5 {
			_, err = d.Find(t.Context(), "nosuch")
			assert.ErrorIs(t, err, sdk.ErrUnknownResource)
		}
		assert.Equal(t, 7, m.count("/apis"), "each sequential miss refreshes once, at most once per interval")

		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err = d.Find(ctx, "nosuch2")
		assert.ErrorIs(t, err, context.Canceled, "a refresh waits no longer than ctx")

		// A lookup that joined a refresh whose caller gave up makes its own.
		octx, ocancel := context.WithCancel(t.Context())
		ownerErr := make(chan error, 1)
		go func() { ownerErr <- d.Refresh(octx) }()
		synctest.Wait() // the owner waits for the refresh interval
		joinErr := make(chan error, 1)
		go func() { _, err := d.Find(t.Context(), "nosuch3"); joinErr <- err }()
		synctest.Wait() // the lookup waits for the owner's refresh
		ocancel()
		assert.ErrorIs(t, <-ownerErr, context.Canceled)
		assert.ErrorIs(t, <-joinErr, sdk.ErrUnknownResource, "not the other caller's cancellation")
	})
}

func TestDiscoveryHostile(t *testing.T) {
	big := aggregated(aggGroup("apps", aggVersion("v1", "Current", strings.Repeat(aggResource("deployments", "deployment", "Deployment", "Namespaced", nil)+",", 200)+aggResource("x", "x", "X", "Cluster", nil))))
	tests := []struct {
		reason string
		apis   string
		code   int
		is     error
		as     any
	}{
		{"a body over the limit", big, 0, sdk.ErrTooLarge, nil},
		{"malformed JSON", `{"kind":"APIGroupDiscoveryList","items":[{`, 0, nil, new(*sdk.DecodeError)},
		{"not an object", `[1,2]`, 0, nil, new(*sdk.DecodeError)},
		{"another document", `{"kind":"Pod","apiVersion":"v1"}`, 0, nil, new(*sdk.DecodeError)},
		{"a server error", "", 500, sdk.ErrInternal, nil},
	}
	for _, tc := range tests {
		codes := map[string]int{}
		if tc.code != 0 {
			codes["/apis"] = tc.code
		}
		c, _ := newDiscoClient(t, map[string]string{"/api": aggCore, "/apis": tc.apis}, codes, sdk.Options{MaxObjectBytes: 16 << 10})
		_, err := c.Discovery().Find(t.Context(), "deploy")
		require.Error(t, err, tc.reason)
		if tc.is != nil {
			assert.ErrorIs(t, err, tc.is, tc.reason)
		}
		if tc.as != nil {
			assert.ErrorAs(t, err, tc.as, tc.reason)
		}
	}
	// Names that are no URL segment never reach a path.
	c, _ := newDiscoClient(t, map[string]string{"/api": aggCore, "/apis": aggregated(aggGroup("evil/../x", aggVersion("v1", "Current", aggResource("things", "thing", "Thing", "Cluster", nil))),
		aggGroup("ok.io", aggVersion("v1", "Current", aggResource("a%2fb", "", "Thing", "Cluster", nil), aggResource("fine", "", "Th!ng", "Cluster", nil))))}, nil, sdk.Options{})
	rs, err := c.Discovery().Resources(t.Context())
	require.NoError(t, err)
	for _, r := range rs {
		assert.Empty(t, r.Group, "only the core group's resources survive: %v", r)
	}
}

func TestDynamicViewUnit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, m := newDiscoClient(t, map[string]string{
			"/api":                                 aggCore,
			"/apis":                                aggregated(aggApps, aggWidgetsV1),
			"/api/v1/namespaces/ns/configmaps/cfg": `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"ns","resourceVersion":"3"},"data":{"mode":"fast","n":"1"}}`,
			"/api/v1/namespaces/ns/configmaps":     `{"kind":"ConfigMapList","metadata":{"resourceVersion":"9"},"items":[{"metadata":{"name":"a","namespace":"ns"},"data":{"k":"1"}},{"metadata":{"name":"b","namespace":"ns"},"data":{"k":"2"}}]}`,
			"/apis/example.com/v2/widgets/w1":      `{"apiVersion":"example.com/v2","kind":"Widget","metadata":{"name":"w1"},"spec":{"size":3,"tags":["x","y"],"on":true}}`,
		}, nil, sdk.Options{})
		ctx := t.Context()
		cms, err := c.Dynamic(ctx, "cm")
		require.NoError(t, err)
		assert.Equal(t, "configmaps", cms.Resource())
		cm, err := cms.In("ns").Get(ctx, "cfg")
		require.NoError(t, err)
		mode, ok := cm.Status().String("data", "mode")
		assert.True(t, ok)
		assert.Equal(t, "fast", mode)
		assert.Equal(t, "ConfigMap", cm.Status().Kind())
		assert.Equal(t, "v1", cm.Status().APIVersion())
		_, ok = cm.Status().String("data", "nosuch")
		assert.False(t, ok)
		assert.Equal(t, "/api/v1/namespaces/ns/configmaps/cfg", cm.Link())
		obj := cm.Status().Object()
		obj["data"].(map[string]any)["mode"] = "changed"
		mode, _ = cm.Status().String("data", "mode")
		assert.Equal(t, "fast", mode, "changing a decoded copy cannot change the item")

		list, err := cms.In("ns").List(ctx)
		require.NoError(t, err)
		require.Len(t, list, 2)
		k, _ := list[1].Status().String("data", "k")
		assert.Equal(t, "2", k)

		again, err := c.DynamicKind(ctx, "v1", "ConfigMap")
		require.NoError(t, err)
		assert.Same(t, cms.Kind(), again.Kind(), "one descriptor per resource and client")

		widgets, err := c.Dynamic(ctx, "widgets.example.com")
		require.NoError(t, err)
		assert.False(t, widgets.APIResource().Namespaced)
		var ne *sdk.NamespaceError
		_, err = widgets.In("ns").Get(ctx, "w1")
		assert.ErrorAs(t, err, &ne, "a cluster-scoped resource takes no namespace, from the discovered scope")
		w, err := widgets.Get(ctx, "w1")
		require.NoError(t, err)
		size, ok := w.Status().Int("spec", "size")
		assert.True(t, ok)
		assert.Equal(t, int64(3), size)
		tag, _ := w.Status().String("spec", "tags", "1")
		assert.Equal(t, "y", tag)
		on, _ := w.Status().Bool("spec", "on")
		assert.True(t, on)
		_, ok = w.Status().Get("spec", "tags", "7")
		assert.False(t, ok, "an index out of range")
		spec, ok := w.Status().Map("spec")
		assert.True(t, ok)
		assert.Len(t, spec, 3)
		tags, ok := w.Status().Slice("spec", "tags")
		assert.True(t, ok)
		assert.Len(t, tags, 2)
		assert.Empty(t, sdk.Unstructured{}.Object())

		// Subresources discovery does not list fail before any request.
		_, err = widgets.GetScale(ctx, "w1")
		assert.ErrorIs(t, err, sdk.ErrNoSubresource)
		_, err = widgets.GetStatus(ctx, "w1")
		assert.ErrorIs(t, err, sdk.ErrNoSubresource)
		_, err = widgets.Scale(ctx, "w1", 2, sdk.WriteOptions{})
		assert.ErrorIs(t, err, sdk.ErrNoSubresource)
		_, err = widgets.PatchStatus(ctx, "w1", sdk.MergePatch, map[string]any{}, sdk.PatchOptions{})
		assert.ErrorIs(t, err, sdk.ErrNoSubresource)
		_, err = widgets.UpdateStatus(ctx, map[string]any{}, sdk.WriteOptions{})
		assert.ErrorIs(t, err, sdk.ErrNoSubresource)
		assert.Equal(t, 0, m.count("/apis/example.com/v2/widgets/w1/scale"))

		_, err = c.Dynamic(ctx, "nosuch")
		assert.ErrorIs(t, err, sdk.ErrUnknownResource)
		_, err = c.DynamicKind(ctx, "v1", "Nosuch")
		assert.ErrorIs(t, err, sdk.ErrUnknownResource)
	})
}

// TestCreateAnyKindUnit: a kind no descriptor is registered for is created
// through discovery, and As reaches the item, untyped.
func TestCreateAnyKindUnit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, m := newDiscoClient(t, map[string]string{"/api": aggCore, "/apis": aggregated(aggApps, aggWidgetsV1)}, nil, sdk.Options{})
		ctx := t.Context()
		obj, err := c.Create(ctx, `{"apiVersion":"example.com/v1","kind":"Gizmo","metadata":{"name":"g","namespace":"ns"},"spec":{"a":1}}`, sdk.CreateOptions{})
		require.NoError(t, err)
		g, err := sdk.As[sdk.Unstructured](obj)
		require.NoError(t, err)
		a, _ := g.Status().Int("spec", "a")
		assert.Equal(t, int64(1), a)
		assert.Equal(t, "7", g.Version())
		assert.Equal(t, []string{"POST /apis/example.com/v1/namespaces/ns/gizmos"}, m.writes, "the manifest's own version is used")

		_, err = c.Create(ctx, `{"apiVersion":"example.com/v2","kind":"Widget","metadata":{"name":"w","namespace":"ns"}}`, sdk.CreateOptions{})
		var ne *sdk.NamespaceError
		assert.ErrorAs(t, err, &ne, "a cluster-scoped kind, from discovery, takes no namespace")

		_, err = c.Create(ctx, `{"apiVersion":"nosuch.io/v1","kind":"Thing","metadata":{"name":"t"}}`, sdk.CreateOptions{})
		var me *sdk.ManifestError
		require.ErrorAs(t, err, &me)
		assert.Equal(t, "kind", me.Field)
		assert.ErrorIs(t, err, sdk.ErrUnknownResource)
		assert.Contains(t, err.Error(), "nosuch.io/v1 Thing")

		objs, err := c.ApplyManifests(ctx, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns\n---\napiVersion: nosuch.io/v1\nkind: Thing\nmetadata:\n  name: t\n"), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "t"}})
		require.ErrorAs(t, err, &me)
		assert.Equal(t, 2, me.Document)
		assert.Empty(t, objs)
		assert.Len(t, m.writes, 1, "an unknown kind in a stream changes nothing")

		_, err = sdk.As[sdk.Unstructured](nil)
		assert.ErrorIs(t, err, sdk.ErrKube)
		_, err = sdk.As[gadgetStatus](obj)
		assert.ErrorIs(t, err, sdk.ErrKube, "no kind of that status type is registered")
	})
}

func TestProxyNonJSONUnit(t *testing.T) {
	c, _ := newDiscoClient(t, map[string]string{"/healthz": "ok", "/version": `{"major":"1","minor":"34"}`}, nil, sdk.Options{})
	_, err := c.Proxy().Get(t.Context(), "/healthz", nil)
	var de *sdk.DecodeError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "GetRaw")
	assert.NotContains(t, err.Error(), "ok ", "the answer is not quoted")
	raw, err := c.Proxy().GetRaw(t.Context(), "/healthz", nil)
	require.NoError(t, err)
	assert.Equal(t, "ok", string(raw))
	v, err := c.Proxy().Get(t.Context(), "/version", nil)
	require.NoError(t, err)
	assert.Equal(t, "34", v["minor"])
}

// FuzzDiscovery feeds any body to the discovery reader as the answer of
// every path: it never panics, and every resource it keeps has names that
// are safe URL path segments.
func FuzzDiscovery(f *testing.F) {
	f.Add([]byte(aggCore))
	f.Add([]byte(aggregated(aggApps, aggWidgetsV1, aggOtherWidgets, aggMetrics)))
	f.Add([]byte(`{"kind":"APIVersions","versions":["v1"]}`))
	f.Add([]byte(`{"kind":"APIGroupList","groups":[{"name":"apps","versions":[{"version":"v1"}],"preferredVersion":{"version":"v1"}}]}`))
	f.Add([]byte(`{"kind":"APIResourceList","resources":[{"name":"pods","kind":"Pod"},{"name":"pods/status","kind":"Pod"}]}`))
	f.Add([]byte(`{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","items":[{"metadata":{"name":"a/b"},"versions":[{"version":"v1","resources":[{"resource":"../x","responseKind":{"kind":"X"}}]}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := sdk.New(sdk.Options{URL: "http://kube.test", MaxObjectBytes: 1 << 16, Transport: hRT(func(r *http.Request) (*http.Response, error) {
			return hResp(r, 200, strings.NewReader(string(body))), nil
		})})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d := c.Discovery()
		rs, err := d.Resources(ctx)
		if err != nil {
			if !errors.Is(err, sdk.ErrKube) {
				t.Fatalf("error %v (%T) is not an SDK error", err, err)
			}
			return
		}
		for _, r := range rs {
			for _, s := range []string{r.Group, r.Version, r.Resource} {
				if strings.ContainsAny(s, "/%?#") || s == "." || s == ".." {
					t.Fatalf("resource %+v has a name that is no path segment", r)
				}
			}
			if r.Version == "" || r.Resource == "" || r.Kind == "" || len(r.Versions) == 0 {
				t.Fatalf("incomplete resource %+v", r)
			}
			got, err := d.Find(ctx, r.GroupResource())
			if err == nil && got.GroupResource() != r.GroupResource() {
				t.Fatalf("Find(%q) = %v", r.GroupResource(), got)
			}
			if errors.Is(err, sdk.ErrUnknownResource) {
				t.Fatalf("Find(%q) of a listed resource: %v", r.GroupResource(), err)
			}
		}
	})
}
