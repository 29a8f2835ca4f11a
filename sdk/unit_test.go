package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/kubefake"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
)

const base = "http://k8s.test"

// newMock returns a cluster whose requests go to a fresh mock transport.
func newMock(t *testing.T) (*kube.Cluster, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	c, err := kube.New(kube.Options{URL: base, Transport: mt})
	require.NoError(t, err)
	return c, mt
}

func podJSON(ns, name, rv, phase string) string {
	return fmt.Sprintf(`{"kind":"Pod","apiVersion":"v1","metadata":{"name":%q,"namespace":%q,"uid":"uid-%s","resourceVersion":%q,"creationTimestamp":"2024-05-01T10:00:00Z","labels":{"app":"web"},"managedFields":[{"manager":"x"}]},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"nginx"}]},"status":{"phase":%q,"podIP":"10.0.0.7"}}`, name, ns, name, rv, phase)
}

func statusBody(code int, reason, msg string) string {
	return fmt.Sprintf(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":%q,"reason":%q,"code":%d}`, msg, reason, code)
}

func TestAPIErrorClassification(t *testing.T) {
	tests := []struct {
		reason  string
		code    int
		kreason string
		want    error
		notWant error
	}{
		{"404 is not found", 404, "NotFound", sdk.ErrNotFound, sdk.ErrConflict},
		{"409 AlreadyExists is not a conflict", 409, "AlreadyExists", sdk.ErrAlreadyExists, sdk.ErrConflict},
		{"409 Conflict is a conflict", 409, "Conflict", sdk.ErrConflict, sdk.ErrAlreadyExists},
		{"410 is gone", 410, "Expired", sdk.ErrGone, sdk.ErrNotFound},
		{"403 is forbidden", 403, "Forbidden", sdk.ErrForbidden, sdk.ErrUnauthorized},
		{"401 is unauthorized", 401, "Unauthorized", sdk.ErrUnauthorized, sdk.ErrForbidden},
		{"429 is too many requests", 429, "TooManyRequests", sdk.ErrTooManyRequests, sdk.ErrUnavailable},
		{"504 is a server timeout", 504, "Timeout", sdk.ErrServerTimeout, sdk.ErrInternal},
		{"500 with reason ServerTimeout is a server timeout", 500, "ServerTimeout", sdk.ErrServerTimeout, sdk.ErrNotFound},
		{"422 is invalid", 422, "Invalid", sdk.ErrInvalid, sdk.ErrBadRequest},
		{"500 is internal", 500, "InternalError", sdk.ErrInternal, sdk.ErrServerTimeout},
		{"503 is unavailable", 503, "ServiceUnavailable", sdk.ErrUnavailable, sdk.ErrInternal},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			c, mt := newMock(t)
			mt.RegisterResponder("GET", base+"/api/v1/namespaces/ns/pods/p",
				httpmock.NewStringResponder(tt.code, statusBody(tt.code, tt.kreason, "the message")).HeaderSet(http.Header{"Retry-After": {"7"}}))
			_, err := c.Pods.In("ns").Get(context.Background(), "p")
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			assert.NotErrorIs(t, err, tt.notWant)
			assert.ErrorIs(t, err, sdk.ErrKube)
			var ae *sdk.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.code, ae.Code)
			assert.Equal(t, tt.kreason, ae.Reason)
			assert.Equal(t, "the message", ae.Message)
			assert.Equal(t, "GET", ae.Method)
			assert.Equal(t, "/api/v1/namespaces/ns/pods/p", ae.Path)
			assert.Equal(t, "7s", ae.RetryDelay.String())
			assert.Contains(t, err.Error(), "GET /api/v1/namespaces/ns/pods/p: "+fmt.Sprint(tt.code))
		})
	}
}

func TestGetDecodes(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder("GET", base+"/api/v1/namespaces/ns/pods/web", httpmock.NewStringResponder(200, podJSON("ns", "web", "42", "Running")))
	p, err := c.Pods.In("ns").Get(context.Background(), "web")
	require.NoError(t, err)
	m := p.Meta()
	assert.Equal(t, "web", m.Name)
	assert.Equal(t, "ns", m.Namespace)
	assert.Equal(t, "42", m.Version)
	assert.Equal(t, "uid-web", m.UID)
	assert.Equal(t, 2024, m.Created.Year())
	assert.Equal(t, "/api/v1/namespaces/ns/pods/web", m.Link)
	assert.Equal(t, "web", m.Labels.Value("app"))
	phase, err := p.Status().Phase()
	require.NoError(t, err)
	assert.Equal(t, kinds.PodRunning, phase)
	assert.Equal(t, "n1", p.Spec()["nodeName"])
	assert.Same(t, kinds.PodKind, p.Kind())
	assert.Equal(t, "Pod ns/web (version 42)", p.String())
}

func TestGetBadBodies(t *testing.T) {
	tests := []struct {
		reason string
		body   string
		check  func(t *testing.T, err error)
	}{
		{"malformed JSON is a DecodeError with an offset", `{"kind":"Pod","metadata":{"name":"x",}`, func(t *testing.T, err error) {
			var de *sdk.DecodeError
			require.ErrorAs(t, err, &de)
			assert.Greater(t, de.Offset, int64(0))
			assert.Equal(t, "/api/v1/namespaces/ns/pods/web", de.Path)
		}},
		{"an object of another kind is refused", `{"kind":"Service","apiVersion":"v1","metadata":{"name":"web"}}`, func(t *testing.T, err error) {
			var de *sdk.DecodeError
			require.ErrorAs(t, err, &de)
			assert.Contains(t, de.Error(), `"Service"`)
		}},
		{"a non-object body is refused", `[1,2]`, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, sdk.ErrKube)
		}},
		{"a truncated body is refused", podJSON("ns", "web", "1", "Running")[:60], func(t *testing.T, err error) {
			var de *sdk.DecodeError
			require.ErrorAs(t, err, &de)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			c, mt := newMock(t)
			mt.RegisterResponder("GET", base+"/api/v1/namespaces/ns/pods/web", httpmock.NewStringResponder(200, tt.body))
			p, err := c.Pods.In("ns").Get(context.Background(), "web")
			require.Error(t, err)
			assert.Nil(t, p)
			tt.check(t, err)
		})
	}
}

func TestNamespaceRules(t *testing.T) {
	c, mt := newMock(t)
	ctx := context.Background()
	tests := []struct {
		reason string
		call   func() error
	}{
		{"a namespaced kind on the global view needs a namespace", func() error { _, err := c.Pods.Get(ctx, "p"); return err }},
		{"a cluster-scoped kind takes no namespace", func() error { _, err := c.Nodes.In("default").Get(ctx, "n"); return err }},
		{"namespaces are not namespaced", func() error { _, err := c.Namespaces.In("x").List(ctx); return err }},
		{"an empty namespace is refused", func() error { _, err := c.Secrets.In("").List(ctx); return err }},
		{"an invalid namespace name is refused", func() error { _, err := c.Secrets.In("a/b").Get(ctx, "s"); return err }},
		{"create with a contradicting namespace", func() error {
			_, err := c.Create(ctx, map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p", "namespace": "a"}}, sdk.CreateOptions{Namespace: "b"})
			return err
		}},
		{"create of a namespaced kind without any namespace", func() error {
			_, err := c.Create(ctx, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}`, sdk.CreateOptions{})
			return err
		}},
		{"create of a cluster-scoped kind in a namespace", func() error {
			_, err := c.Create(ctx, `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"}}`, sdk.CreateOptions{Namespace: "x"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			err := tt.call()
			var ne *sdk.NamespaceError
			require.ErrorAs(t, err, &ne)
			assert.ErrorIs(t, err, sdk.ErrKube)
		})
	}
	assert.Equal(t, 0, mt.GetTotalCallCount(), "namespace errors are found before any request")
}

func listBody(items []string, cont, rv string) string {
	return fmt.Sprintf(`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":%q,"continue":%q},"items":[%s]}`, rv, cont, strings.Join(items, ","))
}

// fakeWithPods returns a kubefake server holding pods "ns/name".
func fakeWithPods(t *testing.T, pods ...string) (*kubefake.Server, *kube.Cluster) {
	t.Helper()
	srv := kubefake.MustNew(t, kubefake.Options{})
	for _, p := range pods {
		ns, name, _ := strings.Cut(p, "/")
		require.NoError(t, srv.Add(map[string]any{"apiVersion": "v1", "kind": "Pod",
			"metadata": map[string]any{"name": name, "namespace": ns, "labels": map[string]any{"app": "web"}},
			"spec":     map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}}}))
	}
	return srv, srv.Client()
}

func TestAllPaginates(t *testing.T) {
	srv, c := fakeWithPods(t, "a/p1", "a/p2", "b/p3", "b/p4", "c/p5")
	var names []string
	for p, err := range c.Pods.PageSize(2).All(context.Background()) {
		require.NoError(t, err)
		names = append(names, p.Meta().Namespace+"/"+p.Name())
	}
	assert.Equal(t, []string{"a/p1", "a/p2", "b/p3", "b/p4", "c/p5"}, names)
	var limits, continues []string
	for _, r := range srv.Requests() {
		q, err := url.ParseQuery(r.Query)
		require.NoError(t, err)
		limits = append(limits, q.Get("limit"))
		continues = append(continues, q.Get("continue"))
	}
	assert.Equal(t, []string{"2", "2", "2"}, limits)
	assert.Empty(t, continues[0])
	assert.NotEmpty(t, continues[1], "the second page continues the first")

}

// Breaking out early ends the iteration at once, without an error; how
// far All reads ahead is bounded (TestPrefetchBackpressure).
func TestAllBreakStopsReading(t *testing.T) {
	pods := make([]string, 500)
	for i := range pods {
		pods[i] = fmt.Sprintf("ns/p%04d", i)
	}
	_, c := fakeWithPods(t, pods...)
	n := 0
	for _, err := range c.Pods.PageSize(10).All(context.Background()) {
		require.NoError(t, err)
		if n++; n == 3 {
			break
		}
	}
	assert.Equal(t, 3, n)
}

// compactingTransport compacts the fake server's history before every
// request for a next page, so that the page's continue token is too old.
type compactingTransport struct{ srv *kubefake.Server }

func (c compactingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Query().Get("continue") != "" {
		c.srv.Compact()
	}
	return c.srv.RoundTripper().RoundTrip(r)
}

func TestAllExpiredContinue(t *testing.T) {
	srv, _ := fakeWithPods(t, "a/p1", "a/p2")
	c, err := kube.New(kube.Options{URL: srv.URL(), Transport: compactingTransport{srv}})
	require.NoError(t, err)
	n := 0
	var last error
	for _, err := range c.Pods.PageSize(1).All(context.Background()) {
		if err != nil {
			last = err
			break
		}
		n++
	}
	assert.Equal(t, 1, n)
	require.Error(t, last)
	assert.ErrorIs(t, last, sdk.ErrGone)
	assert.Contains(t, last.Error(), "after 1 objects")
}

func TestAllTruncatedBody(t *testing.T) {
	c, mt := newMock(t)
	full := listBody([]string{podJSON("a", "p1", "1", "Running"), podJSON("a", "p2", "2", "Running")}, "", "10")
	cut := full[:len(full)-150]
	mt.RegisterResponder("GET", base+"/api/v1/pods", httpmock.NewStringResponder(200, cut))
	var names []string
	var last error
	for p, err := range c.Pods.All(context.Background()) {
		if err != nil {
			last = err
			break
		}
		names = append(names, p.Name())
	}
	assert.Equal(t, []string{"p1"}, names, "items before the cut are delivered")
	var de *sdk.DecodeError
	require.ErrorAs(t, last, &de)
	assert.Contains(t, de.Reason, "truncated")
	assert.Greater(t, de.Offset, int64(len(cut)/2))
}

func TestDiscoveryFallsBackAndCaches(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder("GET", base+"/apis/apps/v1", httpmock.NewStringResponder(404, statusBody(404, "NotFound", "the server could not find the requested resource")))
	mt.RegisterResponder("GET", base+"/apis/extensions/v1beta1",
		httpmock.NewStringResponder(200, `{"kind":"APIResourceList","groupVersion":"extensions/v1beta1","resources":[{"name":"deployments","namespaced":true,"kind":"Deployment"}]}`))
	mt.RegisterResponder("GET", base+"/apis/extensions/v1beta1/namespaces/ns/deployments",
		httpmock.NewStringResponder(200, `{"kind":"DeploymentList","metadata":{},"items":[{"metadata":{"name":"d","namespace":"ns"},"spec":{"replicas":2},"status":{"observedGeneration":1,"replicas":2}}]}`))
	for i := 0; i < 3; i++ {
		ds, err := c.Deployments.In("ns").List(context.Background())
		require.NoError(t, err)
		require.Len(t, ds, 1)
		want, err := ds[0].Status().DesiredReplicas()
		require.NoError(t, err)
		assert.EqualValues(t, 2, want)
		assert.Equal(t, "/apis/extensions/v1beta1/namespaces/ns/deployments/d", ds[0].Meta().Link)
	}
	info := mt.GetCallCountInfo()
	assert.Equal(t, 1, info["GET "+base+"/apis/apps/v1"], "discovery happens once")
	assert.Equal(t, 1, info["GET "+base+"/apis/extensions/v1beta1"])
	assert.Equal(t, 3, info["GET "+base+"/apis/extensions/v1beta1/namespaces/ns/deployments"])
}

func TestDiscoveryNoPathServes(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterNoResponder(httpmock.NewStringResponder(404, statusBody(404, "NotFound", "nope")))
	_, err := c.Deployments.In("ns").Get(context.Background(), "d")
	require.Error(t, err)
	assert.ErrorIs(t, err, sdk.ErrKube)
	assert.Contains(t, err.Error(), "serves deployments under none of")
}

func TestFilterQueries(t *testing.T) {
	tests := []struct {
		reason     string
		labels     selector.LabelFilter
		fields     selector.FieldFilter
		wantLabels string
		wantFields string
	}{
		{"a label expression is canonicalised", selector.Expr("tier in (web, api),app=x"), nil, "app=x,tier in (api,web)", ""},
		{"a label set is exact matches", selector.Set{"b": "2", "a": "1"}, nil, "a=1,b=2", ""},
		{"a built selector works", selector.And(selector.Label("app").NotIn("a", "b")), nil, "app notin (a,b)", ""},
		{"a single requirement works", selector.Label("app").Exists(), nil, "app", ""},
		{"a field expression", nil, selector.FieldExpr("status.phase=Running"), "", "status.phase=Running"},
		{"a field map", nil, selector.Fields{"spec.nodeName": "n1"}, "", "spec.nodeName=n1"},
		{"both at once", selector.Expr("app"), selector.Field("metadata.name").NotEquals("x"), "app", "metadata.name!=x"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			c, mt := newMock(t)
			var got *http.Request
			mt.RegisterResponder("GET", base+"/api/v1/namespaces/ns/pods", func(r *http.Request) (*http.Response, error) {
				got = r
				return httpmock.NewStringResponse(200, listBody(nil, "", "1")), nil
			})
			v := c.Pods.In("ns").Filter(tt.labels, tt.fields)
			require.NoError(t, v.Err())
			_, err := v.List(context.Background())
			require.NoError(t, err)
			require.NotNil(t, got)
			assert.Equal(t, tt.wantLabels, got.URL.Query().Get("labelSelector"))
			assert.Equal(t, tt.wantFields, got.URL.Query().Get("fieldSelector"))
		})
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct {
		reason string
		labels selector.LabelFilter
		fields selector.FieldFilter
		check  func(t *testing.T, err error)
	}{
		{"an empty label set is an error, as in the seed", selector.Set{}, nil, nil},
		{"an empty label expression is an error", selector.Expr(""), nil, nil},
		{"an empty field map is an error", nil, selector.Fields{}, nil},
		{"an empty field expression is an error", nil, selector.FieldExpr(""), nil},
		{"no selector at all is an error", nil, nil, nil},
		{"a syntax error carries its offset", selector.Expr("app in (a"), nil, func(t *testing.T, err error) {
			var se *selector.SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, 9, se.Offset)
		}},
		{"an invalid key is a validation error", selector.Expr("-bad=1"), nil, func(t *testing.T, err error) {
			var ve *selector.ValidationError
			require.ErrorAs(t, err, &ve)
		}},
		{"an unsupported field fails before any request", nil, selector.FieldExpr("spec.replicas=3"), func(t *testing.T, err error) {
			assert.ErrorIs(t, err, selector.ErrUnsupportedField)
			assert.Contains(t, err.Error(), "status.phase", "the message lists the supported fields")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			c, mt := newMock(t)
			v := c.Pods.In("ns").Filter(tt.labels, tt.fields)
			require.Error(t, v.Err())
			_, err := v.List(context.Background())
			require.Error(t, err)
			assert.ErrorIs(t, err, sdk.ErrKube)
			if tt.check != nil {
				tt.check(t, err)
			}
			assert.Equal(t, 0, mt.GetTotalCallCount())
		})
	}
}

func TestFilterNothingMakesNoRequest(t *testing.T) {
	c, mt := newMock(t)
	items, err := c.Pods.Filter(selector.Nothing(), nil).List(context.Background())
	require.NoError(t, err)
	assert.Empty(t, items)
	assert.Equal(t, 0, mt.GetTotalCallCount())
}

func TestItemIsImmutable(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder("GET", base+"/api/v1/namespaces/ns/pods/web", httpmock.NewStringResponder(200, podJSON("ns", "web", "42", "Running")))
	p, err := c.Pods.In("ns").Get(context.Background(), "web")
	require.NoError(t, err)
	labels := p.Meta().Labels.Map()
	labels["app"] = "changed"
	spec := p.Spec()
	spec["nodeName"] = "changed"
	spec["containers"].([]any)[0].(map[string]any)["image"] = "changed"
	raw := p.Raw()
	copy(raw, "XXXXXXXX")
	m := p.Meta()
	m.Name = "changed"

	assert.Equal(t, "web", p.Labels().Value("app"))
	assert.Equal(t, "n1", p.Spec()["nodeName"])
	assert.Equal(t, "nginx", p.Spec()["containers"].([]any)[0].(map[string]any)["image"])
	assert.True(t, strings.HasPrefix(string(p.Raw()), `{"kind"`))
	assert.Equal(t, "web", p.Name())
}

func TestSetLabelPatchesAndReturnsNewItem(t *testing.T) {
	srv, c := fakeWithPods(t, "ns/web")
	ctx := context.Background()
	p, err := c.Pods.In("ns").Get(ctx, "web")
	require.NoError(t, err)
	q, err := p.SetLabel(ctx, "mylabel", "value")
	require.NoError(t, err)
	assert.Equal(t, "value", q.Labels().Value("mylabel"))
	assert.Equal(t, "web", q.Labels().Value("app"), "a merge patch keeps the other labels")
	assert.False(t, p.Labels().Has("mylabel"), "the old snapshot is unchanged")
	assert.NotEqual(t, p.Meta().Version, q.Meta().Version)
	assert.False(t, p.Equal(q))
	reqs := srv.Requests()
	assert.Equal(t, "patch", reqs[len(reqs)-1].Verb)

	r, err := q.DeleteLabel(ctx, "mylabel")
	require.NoError(t, err)
	assert.False(t, r.Labels().Has("mylabel"), "the label is deleted (a null in the merge patch)")
	assert.Equal(t, "web", r.Labels().Value("app"))
}

func TestJoinPath(t *testing.T) {
	tests := []struct {
		reason string
		parts  []string
		want   string
		err    bool
	}{
		{"the seed's example", []string{"api/v1", "namespaces", "default"}, "/api/v1/namespaces/default", false},
		{"a deeper path", []string{"api/v1", "namespaces", "default", "pods", "foo"}, "/api/v1/namespaces/default/pods/foo", false},
		{"an absolute path alone is used as is (an object's link)", []string{"/api/v1/namespaces/default"}, "/api/v1/namespaces/default", false},
		{"slashes around the API path are trimmed", []string{"/apis/apps/v1/", "deployments"}, "/apis/apps/v1/deployments", false},
		{"a later component with a slash is refused", []string{"api/v1", "namespaces/default"}, "", true},
		{"an empty component is refused", []string{"api/v1", ""}, "", true},
		{"dot-dot is refused", []string{"api/v1", ".."}, "", true},
		{"nothing is refused", nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			got, err := sdk.JoinPath(tt.parts...)
			if tt.err {
				require.Error(t, err)
				assert.ErrorIs(t, err, sdk.ErrKube)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestProxyVerbs(t *testing.T) {
	c, mt := newMock(t)
	var seen []string
	respond := func(r *http.Request) (*http.Response, error) {
		var b []byte
		if r.Body != nil {
			b, _ = io.ReadAll(r.Body)
		}
		seen = append(seen, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+" "+r.Header.Get("Content-Type")+" "+string(b))
		return httpmock.NewStringResponse(200, `{"kind":"Namespace","metadata":{"name":"default"}}`), nil
	}
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		mt.RegisterResponder(m, base+"/api/v1/namespaces/default", respond)
	}
	ctx := context.Background()
	p := c.Proxy()
	path, err := sdk.JoinPath("api/v1", "namespaces", "default")
	require.NoError(t, err)
	out, err := p.Get(ctx, path, map[string][]string{"pretty": {"true"}})
	require.NoError(t, err)
	assert.Equal(t, "default", out["metadata"].(map[string]any)["name"])
	_, err = p.Post(ctx, path, nil, map[string]any{"a": 1})
	require.NoError(t, err)
	_, err = p.Put(ctx, path, nil, []byte(`{"b":2}`))
	require.NoError(t, err)
	_, err = p.Patch(ctx, path, "", map[string]any{"c": 3})
	require.NoError(t, err)
	_, err = p.Delete(ctx, path, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"GET /api/v1/namespaces/default?pretty=true  ",
		`POST /api/v1/namespaces/default? application/json {"a":1}`,
		`PUT /api/v1/namespaces/default? application/json {"b":2}`,
		`PATCH /api/v1/namespaces/default? application/strategic-merge-patch+json {"c":3}`,
		"DELETE /api/v1/namespaces/default?  ",
	}, seen)
	_, err = p.Get(ctx, "api/v1/pods", nil)
	require.Error(t, err, "relative paths are refused")
}

func TestNewClientOptions(t *testing.T) {
	tests := []struct {
		reason string
		url    string
		err    bool
		want   string
	}{
		{"zero options mean kubectl proxy", "", false, "http://localhost:8001/"},
		{"a path prefix is kept", "http://h:8080/prefix", false, "http://h:8080/prefix/"},
		{"a query is dropped", "https://h:6443/?x=1", false, "https://h:6443/"},
		{"no scheme", "localhost:8001", true, ""},
		{"another scheme", "ftp://h", true, ""},
		{"credentials in the URL are refused", "http://user:secret@h", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			c, err := sdk.New(sdk.Options{URL: tt.url})
			if tt.err {
				require.Error(t, err)
				assert.NotContains(t, err.Error(), "secret")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.URL())
		})
	}
}

func TestTransportErrorIsAPIError(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder("GET", base+"/api/v1/nodes", httpmock.NewErrorResponder(errors.New("connection refused")))
	_, err := c.Nodes.List(context.Background())
	var ae *sdk.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 0, ae.Code)
	assert.Contains(t, err.Error(), "connection refused")
	assert.Contains(t, err.Error(), "GET /api/v1/nodes")
}

func TestDeleteHidesOnlyTheTerminatingConflict(t *testing.T) {
	c, mt := newMock(t)
	ctx := context.Background()
	mt.RegisterResponder("DELETE", base+"/api/v1/namespaces/gone",
		httpmock.NewStringResponder(409, statusBody(409, "Conflict", "The system is ensuring all content is removed from this namespace.")))
	mt.RegisterResponder("GET", base+"/api/v1/namespaces/gone",
		httpmock.NewStringResponder(200, `{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"gone","uid":"u1","resourceVersion":"7","deletionTimestamp":"2026-01-01T00:00:00Z"},"status":{"phase":"Terminating"}}`))
	assert.NoError(t, c.Namespaces.Delete(ctx, "gone", sdk.DeleteOptions{}), "a repeated delete of a terminating namespace succeeds, as in the seed")
	err := c.Namespaces.Delete(ctx, "gone", sdk.DeleteOptions{Preconditions: sdk.Preconditions{UID: "other"}})
	assert.ErrorIs(t, err, sdk.ErrConflict, "a failed precondition is not hidden")

	mt.RegisterResponder("DELETE", base+"/api/v1/namespaces/ns/secrets/s",
		httpmock.NewStringResponder(409, statusBody(409, "Conflict", "conflict")))
	mt.RegisterResponder("GET", base+"/api/v1/namespaces/ns/secrets/s",
		httpmock.NewStringResponder(200, `{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","namespace":"ns","uid":"u2","resourceVersion":"3"}}`))
	assert.ErrorIs(t, c.Secrets.In("ns").Delete(ctx, "s", sdk.DeleteOptions{}), sdk.ErrConflict, "a conflict on an object that is not terminating is kept")

	mt.RegisterResponder("DELETE", base+"/api/v1/namespaces/ns/secrets/t",
		httpmock.NewStringResponder(409, statusBody(409, "Conflict", "conflict")))
	mt.RegisterResponder("GET", base+"/api/v1/namespaces/ns/secrets/t",
		httpmock.NewStringResponder(404, statusBody(404, "NotFound", "gone")))
	assert.NoError(t, c.Secrets.In("ns").Delete(ctx, "t", sdk.DeleteOptions{}), "a conflicting delete of an object that is gone by the check succeeded")
}

func TestMisuseGivesErrorsNotPanics(t *testing.T) {
	ctx := context.Background()
	v := sdk.NewView(nil, kinds.PodKind)
	_, err := v.In("ns").Get(ctx, "p")
	assert.ErrorIs(t, err, sdk.ErrKube, "a view without a client")

	bad := sdk.NewView(nil, &sdk.Kind[kinds.PodStatus]{KindInfo: sdk.KindInfo{Kind: "X"}})
	_, err = bad.In("ns").List(ctx)
	assert.ErrorIs(t, err, sdk.ErrKube, "a malformed kind")

	p, err := sdk.DecodeItem(nil, kinds.PodKind, []byte(podJSON("ns", "web", "1", "Running")))
	require.NoError(t, err)
	_, err = p.Fetch(ctx)
	assert.ErrorIs(t, err, sdk.ErrKube, "an item decoded offline cannot fetch")
	_, err = p.SetLabel(ctx, "a", "b")
	assert.ErrorIs(t, err, sdk.ErrKube)

	c, _ := newMock(t)
	for _, name := range []string{"", "a/b", "..", strings.Repeat("x", 254)} {
		_, err := c.Pods.In("ns").Get(ctx, name)
		assert.ErrorIs(t, err, sdk.ErrKube, "name %q", name)
	}
}

func TestNonStatusErrorBodiesAreOneLine(t *testing.T) {
	tests := []struct {
		reason string
		body   string
		want   string
	}{
		{"an HTML error page of a proxy is named by its title", "<html>\r\n<head><title>503 Service  Unavailable</title></head>\r\n<body><h1>503</h1>" + strings.Repeat("x", 5000) + "</body></html>", "HTML page: 503 Service Unavailable"},
		{"an HTML page without a title is only counted", "<html><body>" + strings.Repeat("y", 300) + "</body></html>", "HTML page of 326 bytes"},
		{"plain text has its white space collapsed", "upstream\n\n  connect   error", "upstream connect error"},
		{"long text is cut at 200 bytes", strings.Repeat("z", 1000), strings.Repeat("z", 200) + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			c, mt := newMock(t)
			mt.RegisterResponder("GET", base+"/api/v1/nodes/n1", httpmock.NewStringResponder(503, tt.body))
			_, err := c.Nodes.Get(context.Background(), "n1")
			var ae *sdk.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 503, ae.Code)
			assert.Equal(t, tt.want, ae.Message)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.ErrorIs(t, err, sdk.ErrUnavailable)
		})
	}
}
