package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kube-for-go/kube/selector"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/kubefake"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wExchange is one request the mock API server received.
type wExchange struct {
	Method, Path string
	Query        url.Values
	ContentType  string
	Accept       string
	Body         string
}

// wReply is the mock server's answer to one "METHOD path".
type wReply struct {
	code int
	body string
}

const wMockURL = "http://kube.test"

// wMockServer records every request and answers from replies, keyed by
// "METHOD /path"; the apps/v1 discovery document is always served.
type wMockServer struct {
	mu      sync.Mutex
	seen    []wExchange
	replies map[string][]wReply // consumed in order; the last one repeats
}

func newWriteMock(t *testing.T, replies map[string][]wReply) (*kube.Cluster, *wMockServer) {
	t.Helper()
	m := &wMockServer{replies: replies}
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
		}
		if req.Method == http.MethodGet && req.URL.Path == "/apis/apps/v1" {
			return httpmock.NewStringResponse(200, wAppsDiscovery), nil
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		m.seen = append(m.seen, wExchange{Method: req.Method, Path: req.URL.Path, Query: req.URL.Query(),
			ContentType: req.Header.Get("Content-Type"), Accept: req.Header.Get("Accept"), Body: string(body)})
		key := req.Method + " " + req.URL.Path
		rs := m.replies[key]
		if len(rs) == 0 {
			return httpmock.NewStringResponse(404, `{"kind":"Status","status":"Failure","reason":"NotFound","code":404,"message":"no wReply for `+key+`"}`), nil
		}
		r := rs[0]
		if len(rs) > 1 {
			m.replies[key] = rs[1:]
		}
		resp := httpmock.NewStringResponse(r.code, r.body)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	})
	c, err := kube.New(kube.Options{URL: wMockURL, Transport: mt})
	if err != nil {
		t.Fatal(err)
	}
	return c, m
}

func (m *wMockServer) requests() []wExchange {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]wExchange(nil), m.seen...)
}

const wAppsDiscovery = `{"kind":"APIResourceList","groupVersion":"apps/v1","resources":[
{"name":"deployments","namespaced":true,"kind":"Deployment"},
{"name":"deployments/scale","namespaced":true,"kind":"Scale"},
{"name":"deployments/status","namespaced":true,"kind":"Deployment"},
{"name":"replicasets","namespaced":true,"kind":"ReplicaSet"}]}`

func wDeployment(rv string, replicas int) string {
	return fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"ns","uid":"u-1","resourceVersion":%q,"generation":1},"spec":{"replicas":%d,"template":{"spec":{"containers":[{"name":"web","image":"nginx"}]}}},"status":{"observedGeneration":1,"replicas":%d}}`, rv, replicas, replicas)
}

func wPod(rv string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","uid":"u-p","resourceVersion":%q},"spec":{"containers":[{"name":"c","image":"busybox"}]},"status":{"phase":"Running"}}`, rv)
}

const (
	wDepPath  = "/apis/apps/v1/namespaces/ns/deployments/web"
	wPodPath  = "/api/v1/namespaces/ns/pods/p"
	wSvcPath  = "/api/v1/namespaces/ns/services/s"
	wStatusOK = `{"kind":"Status","apiVersion":"v1","status":"Success","details":{"name":"p","kind":"pods","uid":"u-p"}}`
)

func wService(rv string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"ns","uid":"u-s","resourceVersion":%q},"spec":{"type":"LoadBalancer","ports":[{"port":80}]},"status":{}}`, rv)
}

// wJSONEqual compares two JSON texts by value.
func wJSONEqual(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("request body is not JSON: %v: %s", err, got)
		return false
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON %s: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

// TestWriteRequests checks the exact request of every write: method, path,
// query, Content-Type and body.
func TestWriteRequests(t *testing.T) {
	dep := wDeployment("5", 1)
	tests := []struct {
		name    string
		reason  string
		replies map[string][]wReply
		call    func(ctx context.Context, c *kube.Cluster) error
		// want is the last request; earlier ones (reads) are not checked.
		want wExchange
	}{
		{
			name:    "update",
			reason:  "Item.Update PUTs the edited snapshot with its resourceVersion as plain JSON",
			replies: map[string][]wReply{"GET " + wDepPath: {{200, dep}}, "PUT " + wDepPath: {{200, wDeployment("6", 3)}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				d, err := c.Deployments.In("ns").Get(ctx, "web")
				if err != nil {
					return err
				}
				d2, err := d.Update(ctx, func(obj map[string]any) error {
					obj["spec"].(map[string]any)["replicas"] = 3
					return nil
				}, sdk.WriteOptions{})
				if err == nil && d2.Version() != "6" {
					return fmt.Errorf("Update returned version %s, want the server's 6", d2.Version())
				}
				return err
			},
			want: wExchange{Method: "PUT", Path: wDepPath, Query: url.Values{}, ContentType: "application/json",
				Body: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"ns","uid":"u-1","resourceVersion":"5","generation":1},"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"web","image":"nginx"}]}}},"status":{"observedGeneration":1,"replicas":1}}`},
		},
		{
			name:    "update dry run",
			reason:  "dry run and field manager are query parameters of every write",
			replies: map[string][]wReply{"PUT " + wDepPath: {{200, dep}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				_, err := c.Deployments.In("ns").Update(ctx, dep, sdk.WriteOptions{DryRun: true, FieldManager: "me"})
				return err
			},
			want: wExchange{Method: "PUT", Path: wDepPath, Query: url.Values{"dryRun": {"All"}, "fieldManager": {"me"}}, ContentType: "application/json", Body: dep},
		},
		{
			name:    "create dry run",
			reason:  "Create POSTs to the collection",
			replies: map[string][]wReply{"POST /apis/apps/v1/namespaces/ns/deployments": {{201, dep}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				_, err := c.Deployments.In("ns").Create(ctx, dep, sdk.CreateOptions{WriteOptions: sdk.WriteOptions{DryRun: true}})
				return err
			},
			want: wExchange{Method: "POST", Path: "/apis/apps/v1/namespaces/ns/deployments", Query: url.Values{"dryRun": {"All"}}, ContentType: "application/json", Body: dep},
		},
		{
			name:    "json patch",
			reason:  "JSONPatchOps go out as an RFC 6902 array with the json-patch content type, pointers escaped",
			replies: map[string][]wReply{"PATCH " + wDepPath: {{200, dep}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				ops := sdk.JSONPatchOps{}.
					Test(sdk.Pointer("spec", "replicas"), 1).
					Replace(sdk.Pointer("spec", "replicas"), 2).
					Add(sdk.Pointer("metadata", "annotations", "a/b~c"), "v").
					Remove("/metadata/labels/x").
					Move("/a", "/b").
					Copy("/c", "/d").
					Add("/e", nil)
				_, err := c.Deployments.In("ns").Patch(ctx, "web", sdk.JSONPatch, ops, sdk.PatchOptions{})
				return err
			},
			want: wExchange{Method: "PATCH", Path: wDepPath, Query: url.Values{}, ContentType: "application/json-patch+json",
				Body: `[{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/replicas","value":2},
				{"op":"add","path":"/metadata/annotations/a~1b~0c","value":"v"},{"op":"remove","path":"/metadata/labels/x"},
				{"op":"move","from":"/a","path":"/b"},{"op":"copy","from":"/c","path":"/d"},{"op":"add","path":"/e","value":null}]`},
		},
		{
			name:    "merge patch",
			reason:  "a merge patch is the JSON of the value with the merge-patch content type",
			replies: map[string][]wReply{"PATCH " + wDepPath: {{200, dep}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				_, err := c.Deployments.In("ns").Patch(ctx, "web", sdk.MergePatch, map[string]any{"spec": map[string]any{"paused": true}}, sdk.PatchOptions{WriteOptions: sdk.WriteOptions{FieldManager: "m"}})
				return err
			},
			want: wExchange{Method: "PATCH", Path: wDepPath, Query: url.Values{"fieldManager": {"m"}}, ContentType: "application/merge-patch+json", Body: `{"spec":{"paused":true}}`},
		},
		{
			name:    "strategic merge patch",
			reason:  "[]byte patches are sent as they are, with the strategic content type",
			replies: map[string][]wReply{"PATCH " + wDepPath: {{200, dep}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				_, err := c.Deployments.In("ns").Patch(ctx, "web", sdk.StrategicMergePatch, []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2"}]}}}}`), sdk.PatchOptions{WriteOptions: sdk.WriteOptions{DryRun: true}})
				return err
			},
			want: wExchange{Method: "PATCH", Path: wDepPath, Query: url.Values{"dryRun": {"All"}}, ContentType: "application/strategic-merge-patch+json", Body: `{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2"}]}}}}`},
		},
		{
			name:    "apply",
			reason:  "View.Apply PATCHes the object path with the apply content type, field manager and force",
			replies: map[string][]wReply{"PATCH " + wDepPath: {{200, dep}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				_, err := c.Deployments.In("ns").Apply(ctx, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n", sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "ci", DryRun: true}, Force: true})
				return err
			},
			want: wExchange{Method: "PATCH", Path: wDepPath, Query: url.Values{"fieldManager": {"ci"}, "force": {"true"}, "dryRun": {"All"}}, ContentType: "application/apply-patch+yaml",
				Body: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2}}`},
		},
		{
			name:    "apply patch from yaml",
			reason:  "Patch with ApplyPatch takes YAML too and sends it as JSON",
			replies: map[string][]wReply{"PATCH " + wDepPath: {{200, dep}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				_, err := c.Deployments.In("ns").Patch(ctx, "web", sdk.ApplyPatch, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n", sdk.PatchOptions{WriteOptions: sdk.WriteOptions{FieldManager: "ci"}, Force: true})
				return err
			},
			want: wExchange{Method: "PATCH", Path: wDepPath, Query: url.Values{"fieldManager": {"ci"}, "force": {"true"}}, ContentType: "application/apply-patch+yaml",
				Body: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}}`},
		},
		{
			name:    "client apply",
			reason:  "Client.Apply finds the kind with Lookup and the namespace from the options",
			replies: map[string][]wReply{"PATCH " + wPodPath: {{200, wPod("3")}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				obj, err := c.Apply(ctx, map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p"}}, sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "ci"}, Namespace: "ns"})
				if err != nil {
					return err
				}
				if _, ok := obj.(*kinds.Pod); !ok {
					return fmt.Errorf("Client.Apply returned %T, want *kinds.Pod", obj)
				}
				return nil
			},
			want: wExchange{Method: "PATCH", Path: wPodPath, Query: url.Values{"fieldManager": {"ci"}}, ContentType: "application/apply-patch+yaml",
				Body: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}`},
		},
		{
			name:    "delete with options",
			reason:  "propagation, grace period, preconditions and dry run go in the DeleteOptions body (the server ignores the query when a body is sent)",
			replies: map[string][]wReply{"DELETE " + wDepPath: {{200, wStatusOK}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				return c.Deployments.In("ns").Delete(ctx, "web", sdk.DeleteOptions{DryRun: true, Propagation: sdk.PropagateForeground,
					GracePeriodSeconds: new(int64(0)), Preconditions: sdk.Preconditions{UID: "u-1", Version: "5"}})
			},
			want: wExchange{Method: "DELETE", Path: wDepPath, Query: url.Values{}, ContentType: "application/json",
				Body: `{"apiVersion":"v1","kind":"DeleteOptions","dryRun":["All"],"propagationPolicy":"Foreground","gracePeriodSeconds":0,"preconditions":{"uid":"u-1","resourceVersion":"5"}}`},
		},
		{
			name:    "delete orphan",
			reason:  "the zero options send only the type; orphan is one more member",
			replies: map[string][]wReply{"DELETE " + wDepPath: {{200, wStatusOK}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				return c.Deployments.In("ns").Delete(ctx, "web", sdk.DeleteOptions{Propagation: sdk.PropagateOrphan})
			},
			want: wExchange{Method: "DELETE", Path: wDepPath, Query: url.Values{}, ContentType: "application/json",
				Body: `{"apiVersion":"v1","kind":"DeleteOptions","propagationPolicy":"Orphan"}`},
		},
		{
			name:    "delete collection",
			reason:  "DeleteCollection sends the view's selectors as query and the options as body",
			replies: map[string][]wReply{"DELETE /api/v1/namespaces/ns/pods": {{200, `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[` + wPod("9") + `]}`}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				gone, err := c.Pods.In("ns").Filter(selector.Expr("app=web"), selector.Fields{"status.phase": "Running"}).DeleteCollection(ctx, sdk.DeleteOptions{Propagation: sdk.PropagateBackground})
				if err == nil && (len(gone) != 1 || gone[0].Name() != "p") {
					return fmt.Errorf("DeleteCollection returned %v, want the pod p", gone)
				}
				return err
			},
			want: wExchange{Method: "DELETE", Path: "/api/v1/namespaces/ns/pods", Query: url.Values{"labelSelector": {"app=web"}, "fieldSelector": {"status.phase=Running"}}, ContentType: "application/json",
				Body: `{"apiVersion":"v1","kind":"DeleteOptions","propagationPolicy":"Background"}`},
		},
		{
			name:    "patch status",
			reason:  "PatchStatus goes to the status subresource",
			replies: map[string][]wReply{"PATCH " + wSvcPath + "/status": {{200, wService("4")}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				_, err := c.Services.In("ns").PatchStatus(ctx, "s", sdk.MergePatch, `{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.1"}]}}}`, sdk.PatchOptions{})
				return err
			},
			want: wExchange{Method: "PATCH", Path: wSvcPath + "/status", Query: url.Values{}, ContentType: "application/merge-patch+json", Body: `{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.1"}]}}}`},
		},
		{
			name:    "update status",
			reason:  "StatusView.UpdateStatus of an edited snapshot PUTs it to the status subresource with its resourceVersion",
			replies: map[string][]wReply{"GET " + wSvcPath: {{200, wService("4")}}, "PUT " + wSvcPath + "/status": {{200, wService("5")}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				s, err := c.Services.In("ns").Get(ctx, "s")
				if err != nil {
					return err
				}
				obj, err := s.Edit(func(obj map[string]any) error {
					obj["status"] = map[string]any{"loadBalancer": map[string]any{"ingress": []any{map[string]any{"ip": "192.0.2.2"}}}}
					return nil
				})
				if err != nil {
					return err
				}
				_, err = c.Services.In("ns").UpdateStatus(ctx, obj, sdk.WriteOptions{DryRun: true})
				return err
			},
			want: wExchange{Method: "PUT", Path: wSvcPath + "/status", Query: url.Values{"dryRun": {"All"}}, ContentType: "application/json",
				Body: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"ns","uid":"u-s","resourceVersion":"4"},"spec":{"type":"LoadBalancer","ports":[{"port":80}]},"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.2"}]}}}`},
		},
		{
			name:    "get status",
			reason:  "GetStatus reads the status subresource",
			replies: map[string][]wReply{"GET " + wSvcPath + "/status": {{200, wService("4")}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				_, err := c.Services.In("ns").GetStatus(ctx, "s")
				return err
			},
			want: wExchange{Method: "GET", Path: wSvcPath + "/status", Query: url.Values{}},
		},
		{
			name:   "scale",
			reason: "Scale merge-patches the scale subresource, then reads the object's new snapshot",
			replies: map[string][]wReply{
				"PATCH " + wDepPath + "/scale": {{200, `{"kind":"Scale","apiVersion":"autoscaling/v1","spec":{"replicas":5}}`}},
				"GET " + wDepPath:              {{200, wDeployment("8", 5)}},
			},
			call: func(ctx context.Context, c *kube.Cluster) error {
				d, err := c.Deployments.In("ns").Scale(ctx, "web", 5, sdk.WriteOptions{FieldManager: "scaler"})
				if err != nil {
					return err
				}
				if n, err := d.Status().DesiredReplicas(); err != nil || n != 5 || d.Version() != "8" {
					return fmt.Errorf("Scale returned %v with %d replicas (%v), want version 8 with 5", d, n, err)
				}
				return nil
			},
			want: wExchange{Method: "GET", Path: wDepPath, Query: url.Values{}},
		},
		{
			name:    "evict",
			reason:  "Evict POSTs a policy/v1 Eviction carrying the delete options",
			replies: map[string][]wReply{"POST " + wPodPath + "/eviction": {{201, `{"kind":"Status","apiVersion":"v1","status":"Success"}`}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				return c.Pods.In("ns").Evict(ctx, "p", sdk.DeleteOptions{GracePeriodSeconds: new(int64(10)), Preconditions: sdk.Preconditions{UID: "u-p"}, DryRun: true})
			},
			want: wExchange{Method: "POST", Path: wPodPath + "/eviction", Query: url.Values{}, ContentType: "application/json",
				Body: `{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"p","namespace":"ns"},"deleteOptions":{"apiVersion":"v1","kind":"DeleteOptions","dryRun":["All"],"gracePeriodSeconds":10,"preconditions":{"uid":"u-p"}}}`},
		},
		{
			name:    "set label",
			reason:  "SetLabel merge-patches one label",
			replies: map[string][]wReply{"GET " + wPodPath: {{200, wPod("1")}}, "PATCH " + wPodPath: {{200, wPod("2")}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				p, err := c.Pods.In("ns").Get(ctx, "p")
				if err != nil {
					return err
				}
				_, err = p.SetLabel(ctx, "app", "web")
				return err
			},
			want: wExchange{Method: "PATCH", Path: wPodPath, Query: url.Values{}, ContentType: "application/merge-patch+json", Body: `{"metadata":{"labels":{"app":"web"}}}`},
		},
		{
			name:    "delete annotation",
			reason:  "DeleteAnnotation merge-patches the annotation to null",
			replies: map[string][]wReply{"GET " + wPodPath: {{200, wPod("1")}}, "PATCH " + wPodPath: {{200, wPod("2")}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				p, err := c.Pods.In("ns").Get(ctx, "p")
				if err != nil {
					return err
				}
				_, err = p.DeleteAnnotation(ctx, "example.com/note")
				return err
			},
			want: wExchange{Method: "PATCH", Path: wPodPath, Query: url.Values{}, ContentType: "application/merge-patch+json", Body: `{"metadata":{"annotations":{"example.com/note":null}}}`},
		},
		{
			name:    "logs",
			reason:  "every LogOptions field is a query parameter; Since rounds up to whole seconds",
			replies: map[string][]wReply{"GET " + wPodPath + "/log": {{200, "a\n"}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				for _, err := range c.Pods.In("ns").Logs(ctx, "p", sdk.LogOptions{Container: "c", Follow: true, Previous: true, Since: 1500 * time.Millisecond, TailLines: 10, LimitBytes: 4096, Timestamps: true}) {
					if err != nil {
						return err
					}
				}
				return nil
			},
			want: wExchange{Method: "GET", Path: wPodPath + "/log", Accept: "text/plain, */*", Query: url.Values{"container": {"c"}, "follow": {"true"}, "previous": {"true"},
				"sinceSeconds": {"2"}, "tailLines": {"10"}, "limitBytes": {"4096"}, "timestamps": {"true"}}},
		},
		{
			name:    "logs since time",
			reason:  "SinceTime is sent in RFC 3339, in UTC",
			replies: map[string][]wReply{"GET " + wPodPath + "/log": {{200, ""}}},
			call: func(ctx context.Context, c *kube.Cluster) error {
				for _, err := range c.Pods.In("ns").Logs(ctx, "p", sdk.LogOptions{SinceTime: time.Date(2025, 1, 2, 4, 4, 5, 0, time.FixedZone("x", 3600))}) {
					return err
				}
				return nil
			},
			want: wExchange{Method: "GET", Path: wPodPath + "/log", Accept: "text/plain, */*", Query: url.Values{"sinceTime": {"2025-01-02T03:04:05Z"}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newWriteMock(t, tc.replies)
			if err := tc.call(t.Context(), c); err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			reqs := m.requests()
			if len(reqs) == 0 {
				t.Fatalf("%s: no request", tc.reason)
			}
			got := reqs[len(reqs)-1]
			if got.Method != tc.want.Method || got.Path != tc.want.Path {
				t.Errorf("%s: request %s %s, want %s %s", tc.reason, got.Method, got.Path, tc.want.Method, tc.want.Path)
			}
			if !reflect.DeepEqual(got.Query, tc.want.Query) {
				t.Errorf("%s: query %v, want %v", tc.reason, got.Query, tc.want.Query)
			}
			if got.ContentType != tc.want.ContentType {
				t.Errorf("%s: Content-Type %q, want %q", tc.reason, got.ContentType, tc.want.ContentType)
			}
			if tc.want.Accept != "" && got.Accept != tc.want.Accept {
				t.Errorf("%s: Accept %q, want %q", tc.reason, got.Accept, tc.want.Accept)
			}
			if tc.want.Body == "" {
				if got.Body != "" {
					t.Errorf("%s: body %s, want none", tc.reason, got.Body)
				}
			} else if !wJSONEqual(t, got.Body, tc.want.Body) {
				t.Errorf("%s: body\n%s\nwant\n%s", tc.reason, got.Body, tc.want.Body)
			}
		})
	}
}

// TestWriteValidation checks arguments refused before any request.
func TestWriteValidation(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		call   func(ctx context.Context, c *kube.Cluster) error
	}{
		{"force without apply", "Force only means something to server-side apply", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Patch(ctx, "web", sdk.MergePatch, `{}`, sdk.PatchOptions{Force: true})
			return err
		}},
		{"apply without manager", "server-side apply needs a field manager", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Apply(ctx, wDeployment("1", 1), sdk.ApplyOptions{})
			return err
		}},
		{"apply patch without manager", "Patch with ApplyPatch needs one too", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Patch(ctx, "web", sdk.ApplyPatch, `{}`, sdk.PatchOptions{})
			return err
		}},
		{"unknown patch type", "only the four patch types exist", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Patch(ctx, "web", "application/json", `{}`, sdk.PatchOptions{})
			return err
		}},
		{"json patch object", "a JSON patch is an array", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Patch(ctx, "web", sdk.JSONPatch, `{"spec":{}}`, sdk.PatchOptions{})
			return err
		}},
		{"merge patch array", "a merge patch is an object", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Patch(ctx, "web", sdk.MergePatch, `[]`, sdk.PatchOptions{})
			return err
		}},
		{"ops with merge type", "JSONPatchOps need the JSONPatch type", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Patch(ctx, "web", sdk.MergePatch, sdk.JSONPatchOps{}.Remove("/a"), sdk.PatchOptions{})
			return err
		}},
		{"bad pointer", "a pointer starts with a slash", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Patch(ctx, "web", sdk.JSONPatch, sdk.JSONPatchOps{}.Remove("spec/replicas"), sdk.PatchOptions{})
			return err
		}},
		{"bad tilde", "a '~' must be escaped", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Patch(ctx, "web", sdk.JSONPatch, sdk.JSONPatchOps{}.Remove("/a~b"), sdk.PatchOptions{})
			return err
		}},
		{"empty json patch", "an empty patch is a mistake", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Patch(ctx, "web", sdk.JSONPatch, sdk.JSONPatchOps{}, sdk.PatchOptions{})
			return err
		}},
		{"negative scale", "replicas cannot be negative", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Scale(ctx, "web", -1, sdk.WriteOptions{})
			return err
		}},
		{"evict with propagation", "evictions take no propagation policy", func(ctx context.Context, c *kube.Cluster) error {
			return c.Pods.In("ns").Evict(ctx, "p", sdk.DeleteOptions{Propagation: sdk.PropagateForeground})
		}},
		{"unknown propagation", "only three policies exist", func(ctx context.Context, c *kube.Cluster) error {
			return c.Pods.In("ns").Delete(ctx, "p", sdk.DeleteOptions{Propagation: "Later"})
		}},
		{"delete collection unbound", "a namespaced collection delete needs a namespace", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Pods.Filter(selector.Expr("app=web"), nil).DeleteCollection(ctx, sdk.DeleteOptions{})
			return err
		}},
		{"delete collection preconditions", "preconditions name one object", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Pods.In("ns").DeleteCollection(ctx, sdk.DeleteOptions{Preconditions: sdk.Preconditions{UID: "x"}})
			return err
		}},
		{"since and since time", "the server takes one of them", func(ctx context.Context, c *kube.Cluster) error {
			for _, err := range c.Pods.In("ns").Logs(ctx, "p", sdk.LogOptions{Since: time.Second, SinceTime: time.Now()}) {
				return err
			}
			return nil
		}},
		{"apply generateName", "apply needs a name", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Apply(ctx, `{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"p-"}}`, sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "m"}, Namespace: "ns"})
			return err
		}},
		{"apply namespace contradiction", "the options' namespace must agree with the view's", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Pods.In("ns").Apply(ctx, wPod("1"), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "m"}, Namespace: "other"})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newWriteMock(t, nil)
			err := tc.call(t.Context(), c)
			if err == nil {
				t.Fatalf("%s: no error", tc.reason)
			}
			if !errors.Is(err, sdk.ErrKube) {
				t.Errorf("%s: error %v does not match ErrKube", tc.reason, err)
			}
			if n := len(m.requests()); n != 0 {
				t.Errorf("%s: %d requests sent, want none (error %v)", tc.reason, n, err)
			}
		})
	}
}

func TestApplyConflictError(t *testing.T) {
	conflict := `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Conflict","code":409,
	"message":"Apply failed with 3 conflicts: conflict with \"ci\": .spec.replicas",
	"details":{"causes":[
	 {"reason":"FieldManagerConflict","message":"conflict with \"ci\"","field":".spec.replicas"},
	 {"reason":"FieldManagerConflict","message":"conflict with \"kubectl-edit\" using apps/v1 at 2025-01-02T03:04:05Z","field":".spec.template.spec.containers[name=\"web\"].image"},
	 {"reason":"FieldManagerConflict","message":"conflict with \"hpa\" with subresource \"scale\" using autoscaling/v1","field":".spec.replicas"}]}}`
	c, _ := newWriteMock(t, map[string][]wReply{"PATCH " + wDepPath: {{409, conflict}}})
	_, err := c.Deployments.In("ns").Apply(t.Context(), wDeployment("", 1), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "me"}})
	var ace *sdk.ApplyConflictError
	if !errors.As(err, &ace) {
		t.Fatalf("Apply error %v (%T), want an *ApplyConflictError", err, err)
	}
	if !errors.Is(err, sdk.ErrConflict) || !errors.Is(err, sdk.ErrKube) {
		t.Errorf("%v does not match ErrConflict and ErrKube", err)
	}
	var ae *sdk.APIError
	if !errors.As(err, &ae) || ae.Code != 409 {
		t.Errorf("errors.As does not find the 409 *APIError in %v", err)
	}
	want := []sdk.FieldConflict{
		{Field: ".spec.replicas", Manager: "ci", Message: `conflict with "ci"`},
		{Field: `.spec.template.spec.containers[name="web"].image`, Manager: "kubectl-edit", APIVersion: "apps/v1", Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Message: `conflict with "kubectl-edit" using apps/v1 at 2025-01-02T03:04:05Z`},
		{Field: ".spec.replicas", Manager: "hpa", Subresource: "scale", APIVersion: "autoscaling/v1", Message: `conflict with "hpa" with subresource "scale" using autoscaling/v1`},
	}
	if len(ace.Conflicts) != len(want) {
		t.Fatalf("conflicts %+v, want %+v", ace.Conflicts, want)
	}
	for i := range want {
		g := ace.Conflicts[i]
		if g.Field != want[i].Field || g.Manager != want[i].Manager || g.Subresource != want[i].Subresource || g.APIVersion != want[i].APIVersion || !g.Time.Equal(want[i].Time) || g.Message != want[i].Message {
			t.Errorf("conflict %d = %+v, want %+v", i, g, want[i])
		}
	}
	if got := ace.Managers(); !reflect.DeepEqual(got, []string{"ci", "kubectl-edit", "hpa"}) {
		t.Errorf("Managers() = %v", got)
	}
	if msg := err.Error(); !strings.Contains(msg, `.spec.replicas owned by "ci"`) {
		t.Errorf("message %q does not name the field and manager", msg)
	}

	// A 409 without apply causes stays a plain *APIError.
	c, _ = newWriteMock(t, map[string][]wReply{"PATCH " + wDepPath: {{409, `{"kind":"Status","reason":"Conflict","code":409,"message":"the object has been modified"}`}}})
	_, err = c.Deployments.In("ns").Apply(t.Context(), wDeployment("", 1), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "me"}})
	if !errors.Is(err, sdk.ErrConflict) || errors.As(err, &ace) {
		t.Errorf("plain conflict: got %v (%T), want an *APIError matching ErrConflict", err, err)
	}
}

func TestUpdateConflictAndModify(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	require.NoError(t, srv.Add(wDeployment("", 1)))
	c := srv.Client()
	ctx := t.Context()
	d, err := c.Deployments.In("ns").Get(ctx, "web")
	require.NoError(t, err)
	// Another writer changes the object: d is now stale.
	_, err = c.Deployments.In("ns").Scale(ctx, "web", 2, sdk.WriteOptions{})
	require.NoError(t, err)
	calls := 0
	addOne := func(obj map[string]any) error {
		calls++
		spec := obj["spec"].(map[string]any)
		spec["replicas"] = spec["replicas"].(int64) + 1
		return nil
	}
	d2, err := d.Modify(ctx, addOne, sdk.ModifyOptions{Retry: sdk.RetryOptions{Backoff: watch.Backoff{Initial: time.Microsecond}}})
	require.NoError(t, err, "Modify")
	assert.Equal(t, 2, calls, "the first update conflicts, the retry re-reads the object")
	assert.Equal(t, float64(3), d2.Spec()["replicas"], "the retry re-applied the change to the fresh object")
	var puts []kubefake.Request
	for _, r := range srv.Requests() {
		if r.Verb == "update" {
			puts = append(puts, r)
		}
	}
	assert.Len(t, puts, 2)

	// A single Update with a stale snapshot is ErrConflict.
	_, err = d.Update(ctx, addOne, sdk.WriteOptions{})
	assert.ErrorIs(t, err, sdk.ErrConflict, "stale Update")
}

func TestUpdateChangeErrors(t *testing.T) {
	c, m := newWriteMock(t, map[string][]wReply{"GET " + wDepPath: {{200, wDeployment("5", 1)}}})
	d, err := c.Deployments.In("ns").Get(t.Context(), "web")
	if err != nil {
		t.Fatal(err)
	}
	mine := errors.New("mine")
	tests := []struct {
		name, reason string
		change       sdk.Change
		want         error
	}{
		{"change error", "the change's own error is returned as is", func(map[string]any) error { return mine }, mine},
		{"rename", "names cannot change", func(o map[string]any) error { o["metadata"].(map[string]any)["name"] = "x"; return nil }, sdk.ErrKube},
		{"no metadata", "metadata is needed", func(o map[string]any) error { delete(o, "metadata"); return nil }, sdk.ErrKube},
		{"nil change", "a nil function is an error", nil, sdk.ErrKube},
	}
	for _, tc := range tests {
		if _, err := d.Update(t.Context(), tc.change, sdk.WriteOptions{}); !errors.Is(err, tc.want) {
			t.Errorf("%s: %s: got %v, want %v", tc.name, tc.reason, err, tc.want)
		}
	}
	for _, r := range m.requests() {
		if r.Method != "GET" {
			t.Errorf("unexpected %s request", r.Method)
		}
	}
}

func TestRetryOnConflict(t *testing.T) {
	conflict := &sdk.APIError{Code: 409, Reason: "Conflict"}
	other := &sdk.APIError{Code: 500}
	tests := []struct {
		name      string
		reason    string
		results   []error
		wantCalls int
		wantIs    error
	}{
		{"success", "nil ends the loop at once", []error{nil}, 1, nil},
		{"conflict then success", "a conflict is retried", []error{conflict, conflict, nil}, 3, nil},
		{"other error", "other errors are not retried", []error{other}, 1, sdk.ErrInternal},
		{"gives up", "after Steps attempts the conflict is returned", []error{conflict}, 3, sdk.ErrConflict},
	}
	for _, tc := range tests {
		calls := 0
		err := sdk.RetryOnConflict(t.Context(), sdk.RetryOptions{Attempts: 3, Backoff: watch.Backoff{Initial: time.Microsecond}}, func() error {
			r := tc.results[min(calls, len(tc.results)-1)]
			calls++
			return r
		})
		if calls != tc.wantCalls {
			t.Errorf("%s: %s: %d calls, want %d", tc.name, tc.reason, calls, tc.wantCalls)
		}
		if tc.wantIs == nil && err != nil || tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
			t.Errorf("%s: %s: error %v, want %v", tc.name, tc.reason, err, tc.wantIs)
		}
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := sdk.RetryOnConflict(ctx, sdk.RetryOptions{Backoff: watch.Backoff{Initial: time.Hour}}, func() error { return conflict })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v, want context.Canceled", err)
	}
}

func TestDeleteWith(t *testing.T) {
	pending := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"ns","uid":"u-1","resourceVersion":"9","deletionTimestamp":"2025-01-02T03:04:05Z","finalizers":["foregroundDeletion"]}}`
	tests := []struct {
		name, reason string
		answer       wReply
		wantPending  bool
		wantErr      error
	}{
		{"pending", "an answer with the object means the deletion is pending", wReply{200, pending}, true, nil},
		{"gone", "a Status answer means the object is gone", wReply{200, wStatusOK}, false, nil},
		{"precondition failed", "a failed precondition is a conflict", wReply{409, `{"kind":"Status","reason":"Conflict","code":409,"message":"Precondition failed: UID in precondition: x, UID in object meta: u-1"}`}, false, sdk.ErrConflict},
	}
	for _, tc := range tests {
		c, _ := newWriteMock(t, map[string][]wReply{"GET " + wDepPath: {{200, wDeployment("5", 1)}}, "DELETE " + wDepPath: {tc.answer}})
		d, err := c.Deployments.In("ns").Get(t.Context(), "web")
		if err != nil {
			t.Fatal(err)
		}
		if p := d.Preconditions(); p.UID != "u-1" || p.Version != "5" {
			t.Errorf("Preconditions() = %+v", p)
		}
		got, err := d.DeleteWith(t.Context(), sdk.DeleteOptions{Propagation: sdk.PropagateForeground, Preconditions: d.Preconditions()})
		if !errors.Is(err, tc.wantErr) || tc.wantErr == nil && err != nil {
			t.Errorf("%s: %s: error %v, want %v", tc.name, tc.reason, err, tc.wantErr)
		}
		if (got != nil) != tc.wantPending {
			t.Errorf("%s: %s: item %v, want pending=%v", tc.name, tc.reason, got, tc.wantPending)
		}
		if got != nil && got.Meta().DeletionTimestamp == nil {
			t.Errorf("%s: pending item without deletion timestamp", tc.name)
		}
	}
}

func TestGetScale(t *testing.T) {
	c, _ := newWriteMock(t, map[string][]wReply{"GET " + wDepPath + "/scale": {{200, `{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","resourceVersion":"12"},"spec":{"replicas":5},"status":{"replicas":3,"selector":"app=web"}}`}}})
	s, err := c.Deployments.In("ns").GetScale(t.Context(), "web")
	if err != nil {
		t.Fatal(err)
	}
	if want := (sdk.Scale{Replicas: 5, StatusReplicas: 3, Selector: "app=web", Version: "12"}); s != want {
		t.Errorf("GetScale = %+v, want %+v", s, want)
	}
}

func TestEvictionBlocked(t *testing.T) {
	blocked := `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Cannot evict pod as it would violate the pod's disruption budget.","reason":"TooManyRequests","code":429,
	"details":{"causes":[{"reason":"DisruptionBudget","message":"The disruption budget web needs 1 healthy pods and has 1 currently"}],"retryAfterSeconds":5}}`
	c, _ := newWriteMock(t, map[string][]wReply{"POST " + wPodPath + "/eviction": {{429, blocked}}, "POST /api/v1/namespaces/ns/pods/q/eviction": {{404, `{"kind":"Status","reason":"NotFound","code":404}`}}})
	err := c.Pods.In("ns").Evict(t.Context(), "p", sdk.DeleteOptions{})
	var ee *sdk.EvictionError
	if !errors.As(err, &ee) {
		t.Fatalf("Evict: %v (%T), want *EvictionError", err, err)
	}
	if !errors.Is(err, sdk.ErrEvictionBlocked) || !errors.Is(err, sdk.ErrTooManyRequests) || !errors.Is(err, sdk.ErrKube) {
		t.Errorf("%v does not match ErrEvictionBlocked, ErrTooManyRequests and ErrKube", err)
	}
	if len(ee.Budgets) != 1 || !strings.Contains(ee.Budgets[0], "budget web") || ee.RetryAfter != 5*time.Second || ee.Name != "p" || ee.Namespace != "ns" {
		t.Errorf("EvictionError = %+v", ee)
	}
	err = c.Pods.In("ns").Evict(t.Context(), "q", sdk.DeleteOptions{})
	if !errors.Is(err, sdk.ErrNotFound) || errors.Is(err, sdk.ErrEvictionBlocked) {
		t.Errorf("evict missing pod: %v, want ErrNotFound only", err)
	}
}

func TestApplyManifestsUnit(t *testing.T) {
	const three = `apiVersion: v1
kind: Service
metadata:
  name: s
---
apiVersion: v1
kind: Pod
metadata:
  name: p
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ns
`
	tests := []struct {
		name, reason string
		data         string
		replies      map[string][]wReply
		wantN        int
		wantDoc      int
		wantReq      int
	}{
		{"all", "three documents are applied in order", three, map[string][]wReply{
			"PATCH " + wSvcPath: {{200, wService("1")}}, "PATCH " + wPodPath: {{200, wPod("1")}}, "PATCH " + wDepPath: {{200, wDeployment("1", 1)}}}, 3, 0, 3},
		{"second fails", "applying stops at the first failure, naming its document", three, map[string][]wReply{
			"PATCH " + wSvcPath: {{200, wService("1")}}, "PATCH " + wPodPath: {{422, `{"kind":"Status","reason":"Invalid","code":422,"message":"bad pod"}`}}}, 1, 2, 2},
		{"unknown kind", "an unknown kind fails before any write (only discovery, /api and /apis, is read, and read again on the miss)", three + "---\napiVersion: x/v1\nkind: Nope\nmetadata:\n  name: n\n", nil, 0, 4, 4},
		{"namespace contradiction", "a namespace contradicting the options fails before any request", three + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: q\n  namespace: other\n", nil, 0, 4, 0},
		{"bad yaml", "malformed YAML fails before any request", three + "---\n: [\n", nil, 0, 4, 0},
	}
	for _, tc := range tests {
		c, m := newWriteMock(t, tc.replies)
		objs, err := c.ApplyManifests(t.Context(), []byte(tc.data), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "ci"}, Namespace: "ns"})
		if len(objs) != tc.wantN {
			t.Errorf("%s: %s: %d objects, want %d", tc.name, tc.reason, len(objs), tc.wantN)
		}
		if n := len(m.requests()); n != tc.wantReq {
			t.Errorf("%s: %s: %d requests, want %d", tc.name, tc.reason, n, tc.wantReq)
		}
		if tc.wantDoc == 0 {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if _, ok := objs[2].(*kinds.Deployment); !ok {
				t.Errorf("%s: third object is %T, want *kinds.Deployment", tc.name, objs[2])
			}
			continue
		}
		var de *sdk.DocumentError
		var me *sdk.ManifestError
		switch {
		case errors.As(err, &de):
			if de.Document != tc.wantDoc {
				t.Errorf("%s: %s: document %d, want %d (%v)", tc.name, tc.reason, de.Document, tc.wantDoc, err)
			}
		case errors.As(err, &me):
			if me.Document != tc.wantDoc {
				t.Errorf("%s: %s: document %d, want %d (%v)", tc.name, tc.reason, me.Document, tc.wantDoc, err)
			}
		default:
			t.Errorf("%s: %s: error %v (%T), want one naming document %d", tc.name, tc.reason, err, err, tc.wantDoc)
		}
	}
}

func TestPointer(t *testing.T) {
	tests := []struct {
		reason   string
		segments []string
		want     string
	}{
		{"no segment is the whole document", nil, ""},
		{"plain segments are joined with slashes", []string{"spec", "replicas"}, "/spec/replicas"},
		{"a slash is escaped as ~1", []string{"metadata", "labels", "app.kubernetes.io/name"}, "/metadata/labels/app.kubernetes.io~1name"},
		{"a tilde is escaped as ~0, before slashes", []string{"a~/b"}, "/a~0~1b"},
		{"an empty segment is kept", []string{""}, "/"},
		{"array indexes are segments", []string{"items", "0"}, "/items/0"},
	}
	for _, tc := range tests {
		if got := sdk.Pointer(tc.segments...); got != tc.want {
			t.Errorf("%s: Pointer(%q) = %q, want %q", tc.reason, tc.segments, got, tc.want)
		}
	}
}

func TestJSONPatchOpsImmutable(t *testing.T) {
	base := sdk.JSONPatchOps{}.Add("/a", 1)
	x := base.Add("/x", 2)
	y := base.Add("/y", 3)
	if len(base) != 1 || x[1].Path != "/x" || y[1].Path != "/y" {
		t.Errorf("appending to a shared prefix changed another patch: base %v x %v y %v", base, x, y)
	}
}

func ExamplePointer() {
	fmt.Println(sdk.Pointer("metadata", "annotations", "example.com/owner~team"))
	// Output: /metadata/annotations/example.com~1owner~0team
}

func ExampleJSONPatchOps() {
	ops := sdk.JSONPatchOps{}.
		Test(sdk.Pointer("spec", "replicas"), 1).
		Replace(sdk.Pointer("spec", "replicas"), 3).
		Add(sdk.Pointer("metadata", "labels", "app.kubernetes.io/name"), "web").
		Remove(sdk.Pointer("metadata", "annotations", "note"))
	b, _ := json.Marshal(ops)
	fmt.Println(string(b))
	// Then: deployment.Patch(ctx, sdk.JSONPatch, ops, sdk.PatchOptions{})
	// Output: [{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/replicas","value":3},{"op":"add","path":"/metadata/labels/app.kubernetes.io~1name","value":"web"},{"op":"remove","path":"/metadata/annotations/note"}]
}

func ExampleRetryOnConflict() {
	attempts := 0
	err := sdk.RetryOnConflict(context.Background(), sdk.RetryOptions{Backoff: watch.Backoff{Initial: time.Millisecond}}, func() error {
		attempts++
		if attempts < 3 {
			// What an Update of a stale snapshot answers.
			return &sdk.APIError{Method: "PUT", Path: "/api/v1/namespaces/ns/services/s", Code: 409, Reason: "Conflict"}
		}
		return nil
	})
	fmt.Println(attempts, err)
	// Output: 3 <nil>
}
