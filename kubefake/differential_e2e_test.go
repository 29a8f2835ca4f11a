package kubefake_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kubefake"
)

// The differential suite runs one scenario list against kubefake and the
// shared real cluster and compares what a client can observe. Each step is
// an HTTP request; its view projects the answer onto what must agree.
// Object names and label values carry the scenario's number ({scn}) so
// that scenarios sharing a namespace do not see each other.

type view func(code int, o map[string]any) any

type step struct {
	method, path, ctype, body string
	view                      view
	save                      map[string]string // variable -> dotted path in the answer
	// eventually retries the step on the real side until its view equals
	// kubefake's (the real garbage collector works asynchronously).
	eventually bool
	// watch opens a watch with this path (the step's method is ignored);
	// watchN then collects N events of it.
	watch  bool
	watchN int
	// compact asks kubefake to forget its history first (the real side
	// relies on its watch cache window, which no longer holds early RVs).
	compact bool
}

type scenario struct {
	name  string
	steps []step
}

// target is one server the suite runs against.
type target struct {
	name    string
	url     string
	ns      string
	client  *http.Client
	compact func()
}

// runState is one scenario's run on one target.
type runState struct {
	t       *testing.T
	tg      target
	scn     string
	vars    map[string]string
	watches []chan map[string]any
	cancel  []context.CancelFunc
}

func (r *runState) expand(s string) string {
	s = strings.ReplaceAll(s, "{ns}", r.tg.ns)
	s = strings.ReplaceAll(s, "{scn}", r.scn)
	for k, v := range r.vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

func (r *runState) do(st step) (int, map[string]any) {
	ctx, cancel := context.WithTimeout(r.t.Context(), 15*time.Second)
	defer cancel()
	var body io.Reader
	if st.body != "" {
		body = strings.NewReader(r.expand(st.body))
	}
	req, err := http.NewRequestWithContext(ctx, st.method, r.tg.url+r.expand(st.path), body)
	require.NoError(r.t, err)
	req.Header.Set("User-Agent", "kubefake-diff/1.0")
	if st.ctype != "" {
		req.Header.Set("Content-Type", st.ctype)
	} else if st.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.tg.client.Do(req)
	require.NoError(r.t, err, "%s: %s %s", r.tg.name, st.method, st.path)
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	require.NoError(r.t, err)
	var out map[string]any
	if len(data) > 0 && data[0] == '{' {
		require.NoError(r.t, json.Unmarshal(data, &out), "%s: %s", r.tg.name, data)
	}
	for k, p := range st.save {
		r.vars[k] = fmt.Sprint(dig(out, p))
	}
	return resp.StatusCode, out
}

func (r *runState) startWatch(st step) {
	ctx, cancel := context.WithTimeout(r.t.Context(), 60*time.Second)
	r.cancel = append(r.cancel, cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.tg.url+r.expand(st.path), nil)
	require.NoError(r.t, err)
	resp, err := r.tg.client.Do(req)
	require.NoError(r.t, err)
	require.Equal(r.t, 200, resp.StatusCode, "%s: watch %s", r.tg.name, st.path)
	ch := make(chan map[string]any, 100)
	r.watches = append(r.watches, ch)
	go func() {
		defer resp.Body.Close()
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 8<<20)
		for sc.Scan() {
			var ev map[string]any
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				ch <- ev
			}
		}
	}()
}

// collect returns the next n events of the newest watch, normalized to
// "TYPE name" (a bookmark: "BOOKMARK" plus its initial-events-end mark;
// an error: "ERROR code reason").
func (r *runState) collect(n int) []string {
	ch := r.watches[len(r.watches)-1]
	var out []string
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	for len(out) < n {
		select {
		case ev, ok := <-ch:
			if !ok {
				return append(out, "(closed)")
			}
			obj, _ := ev["object"].(map[string]any)
			switch ev["type"] {
			case "BOOKMARK":
				if dig(obj, "metadata.annotations.k8s\\.io/initial-events-end") == "true" {
					out = append(out, "BOOKMARK initial-events-end")
				} else if n == 0 {
					out = append(out, "BOOKMARK")
				}
			case "ERROR":
				out = append(out, fmt.Sprintf("ERROR %v %v", dig(obj, "code"), dig(obj, "reason")))
			default:
				out = append(out, fmt.Sprintf("%v %v", ev["type"], dig(obj, "metadata.name")))
			}
		case <-deadline.C:
			return append(out, "(timeout)")
		}
	}
	return out
}

// dig reads a dotted path ("\." escapes a dot in a key).
func dig(o any, path string) any {
	cur := o
	for _, p := range splitPath(path) {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func splitPath(p string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\\' && i+1 < len(p):
			i++
			b.WriteByte(p[i])
		case p[i] == '.':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(p[i])
		}
	}
	return append(out, b.String())
}

// Views.

func statusView(code int, o map[string]any) any {
	if dig(o, "kind") == "Status" {
		return []any{code, dig(o, "reason")}
	}
	return []any{code}
}

func fields(paths ...string) view {
	return func(code int, o map[string]any) any {
		out := []any{statusView(code, o)}
		for _, p := range paths {
			out = append(out, p+"="+mustJSON(dig(o, p)))
		}
		return out
	}
}

func names(code int, o map[string]any) any {
	var ns []string
	items, _ := o["items"].([]any)
	for _, it := range items {
		ns = append(ns, fmt.Sprint(dig(it, "metadata.name")))
	}
	return []any{statusView(code, o), ns, dig(o, "metadata.continue") != nil}
}

// causes views an apply conflict: code, reason and the conflicting fields
// with their managers.
func causes(code int, o map[string]any) any {
	var cs []string
	l, _ := dig(o, "details.causes").([]any)
	for _, c := range l {
		cs = append(cs, fmt.Sprintf("%v %v %v", dig(c, "reason"), dig(c, "field"), dig(c, "message")))
	}
	sort.Strings(cs)
	return []any{statusView(code, o), cs}
}

// managed views managedFields: manager, operation, subresource and the
// member paths of fieldsV1, sorted.
func managed(code int, o map[string]any) any {
	var out []string
	l, _ := dig(o, "metadata.managedFields").([]any)
	for _, e := range l {
		switch dig(e, "manager") {
		case "kube-controller-manager", "kube-scheduler", "kwok":
			continue // the real cluster's controllers
		}
		var paths []string
		flatten(dig(e, "fieldsV1"), "", &paths)
		sort.Strings(paths)
		out = append(out, fmt.Sprintf("%v/%v/%v: %s", dig(e, "manager"), dig(e, "operation"), dig(e, "subresource"), strings.Join(paths, " ")))
	}
	sort.Strings(out)
	return []any{statusView(code, o), out}
}

func flatten(v any, prefix string, out *[]string) {
	m, _ := v.(map[string]any)
	for k, c := range m {
		if k == "." {
			*out = append(*out, prefix+"/.")
			continue
		}
		if cm, _ := c.(map[string]any); len(cm) == 0 {
			*out = append(*out, prefix+"/"+k)
			continue
		}
		flatten(c, prefix+"/"+k, out)
	}
}

// containers views a pod template's containers without the server's
// defaults: name, image and env names, in order.
func containers(code int, o map[string]any) any {
	var out []string
	l, _ := dig(o, "spec.template.spec.containers").([]any)
	for _, c := range l {
		var env []string
		el, _ := dig(c, "env").([]any)
		for _, e := range el {
			env = append(env, fmt.Sprint(dig(e, "name")))
		}
		out = append(out, fmt.Sprintf("%v %v %v", dig(c, "name"), dig(c, "image"), env))
	}
	return []any{statusView(code, o), out}
}

func mustJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

func both(vs ...view) view {
	return func(code int, o map[string]any) any {
		var out []any
		for _, v := range vs {
			out = append(out, v(code, o))
		}
		return out
	}
}

// Step constructors.

const cmPath = "/api/v1/namespaces/{ns}/configmaps"
const depPath = "/apis/apps/v1/namespaces/{ns}/deployments"

func post(path, body string, v view) step {
	return step{method: "POST", path: path, body: body, view: v}
}
func get(path string, v view) step       { return step{method: "GET", path: path, view: v} }
func put(path, body string, v view) step { return step{method: "PUT", path: path, body: body, view: v} }
func del(path, body string, v view) step {
	return step{method: "DELETE", path: path, body: body, view: v}
}
func patch(path, ctype, body string, v view) step {
	return step{method: "PATCH", path: path, ctype: ctype, body: body, view: v}
}
func apply(path, manager string, force bool, body string, v view) step {
	q := "?fieldManager=" + manager
	if force {
		q += "&force=true"
	}
	return patch(path+q, "application/apply-patch+yaml", body, v)
}
func watchOpen(path string) step { return step{watch: true, path: path} }
func watchN(n int) step          { return step{watchN: n} }

func saving(s step, vars map[string]string) step { s.save = vars; return s }
func eventually(s step) step                     { s.eventually = true; return s }

func configMap(name string, labels, data string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s","labels":{"scn":"{scn}"%s}},"data":{%s}}`, name, labels, data)
}

func deployment(name string, replicas int) string {
	return fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"%s","labels":{"scn":"{scn}"}},"spec":{"replicas":%d,"selector":{"matchLabels":{"app":"%s-{scn}"}},"template":{"metadata":{"labels":{"app":"%s-{scn}"}},"spec":{"containers":[{"name":"web","image":"nginx:1","env":[{"name":"A","value":"1"}]}]}}}}`, name, replicas, name, name)
}

const (
	mergeCT = "application/merge-patch+json"
	jsonCT  = "application/json-patch+json"
	smpCT   = "application/strategic-merge-patch+json"
)

func scenarios() []scenario {
	return []scenario{
		{"create-get", []step{
			post(cmPath, configMap("a", "", `"k":"v"`), fields("metadata.name", "data", "metadata.generation")),
			get(cmPath+"/a", fields("metadata.name", "data", "metadata.labels")),
		}},
		{"create-duplicate", []step{
			post(cmPath, configMap("a", "", ""), statusView),
			post(cmPath, configMap("a", "", ""), fields("details.name", "details.kind")),
		}},
		{"get-missing", []step{get(cmPath+"/nope", fields("details.name", "details.kind", "message"))}},
		{"generate-name", []step{
			post(cmPath, `{"metadata":{"generateName":"gen-","labels":{"scn":"{scn}"}}}`, func(code int, o map[string]any) any {
				n := fmt.Sprint(dig(o, "metadata.name"))
				return []any{code, strings.HasPrefix(n, "gen-"), len(n)}
			}),
		}},
		{"create-no-name", []step{post(cmPath, `{"metadata":{"labels":{"scn":"{scn}"}}}`, statusView)}},
		{"create-namespace-mismatch", []step{post(cmPath, `{"metadata":{"name":"a","namespace":"other"}}`, statusView)}},
		{"create-invalid-name", []step{post(cmPath, `{"metadata":{"name":"Not_Valid"}}`, statusView)}},
		{"update-conflict-and-ok", []step{
			saving(post(cmPath, configMap("a", "", `"k":"1"`), statusView), map[string]string{"rv": "metadata.resourceVersion"}),
			put(cmPath+"/a", `{"metadata":{"name":"a","resourceVersion":"{rv}"},"data":{"k":"2"}}`, fields("data")),
			put(cmPath+"/a", `{"metadata":{"name":"a","resourceVersion":"{rv}"},"data":{"k":"3"}}`, fields("details.name")),
			put(cmPath+"/a", `{"metadata":{"name":"a"},"data":{"k":"4"}}`, fields("data")),
			put(cmPath+"/b", `{"metadata":{"name":"a"},"data":{}}`, statusView),
		}},
		{"noop-update-keeps-rv", []step{
			saving(post(cmPath, configMap("a", "", `"k":"1"`), statusView), map[string]string{"rv": "metadata.resourceVersion"}),
			patch(cmPath+"/a", mergeCT, `{"data":{"k":"1"}}`, func(code int, o map[string]any) any {
				return []any{code, dig(o, "metadata.resourceVersion") != nil}
			}),
		}},
		{"list-label-selectors", []step{
			post(cmPath, configMap("a", `,"app":"web","tier":"fe"`, ""), statusView),
			post(cmPath, configMap("b", `,"app":"db"`, ""), statusView),
			post(cmPath, configMap("c", "", ""), statusView),
			get(cmPath+"?labelSelector=scn%3D{scn},app%3Dweb", names),
			get(cmPath+"?labelSelector=scn%3D{scn},app+in+(web,db)", names),
			get(cmPath+"?labelSelector=scn%3D{scn},!app", names),
			get(cmPath+"?labelSelector=scn%3D{scn},app!%3Dweb", names),
			get(cmPath+"?labelSelector=scn%3D{scn},tier", names),
			get(cmPath+"?labelSelector=scn%3D{scn},app+notin+(web)", names),
			get(cmPath+"?labelSelector=scn%3D%3D", statusView),
		}},
		{"list-field-selectors", []step{
			post(cmPath, configMap("a", "", ""), statusView),
			post(cmPath, configMap("b", "", ""), statusView),
			get(cmPath+"?labelSelector=scn%3D{scn}&fieldSelector=metadata.name%3Db", names),
			get(cmPath+"?labelSelector=scn%3D{scn}&fieldSelector=metadata.name!%3Db", names),
			get(cmPath+"?labelSelector=scn%3D{scn}&fieldSelector=metadata.namespace%3D{ns}", names),
			get(cmPath+"?fieldSelector=data.k%3Dv", fields("message")),
			get("/api/v1/namespaces/{ns}/pods?fieldSelector=spec.nodeName%3Dnone,status.phase%3DRunning", names),
			get("/api/v1/namespaces/{ns}/secrets?labelSelector=scn%3D{scn}&fieldSelector=type%3DOpaque", names),
			get("/api/v1/namespaces/{ns}/pods?fieldSelector=spec.nope%3Dx", statusView),
		}},
		{"list-pagination", []step{
			post(cmPath, configMap("a", "", ""), statusView),
			post(cmPath, configMap("b", "", ""), statusView),
			post(cmPath, configMap("c", "", ""), statusView),
			saving(get(cmPath+"?labelSelector=scn%3D{scn}&limit=2", names), map[string]string{"cont": "metadata.continue"}),
			post(cmPath, configMap("d", "", ""), statusView),
			get(cmPath+"?labelSelector=scn%3D{scn}&limit=2&continue={cont}", names),
			get(cmPath+"?labelSelector=scn%3D{scn}&limit=10", names),
			get(cmPath+"?limit=2&continue=garbage", statusView),
		}},
		{"deployment-generation", []step{
			post(depPath, deployment("d", 0), fields("metadata.generation")),
			patch(depPath+"/d", mergeCT, `{"metadata":{"labels":{"x":"y"}}}`, fields("metadata.generation", "metadata.labels")),
			patch(depPath+"/d", mergeCT, `{"spec":{"replicas":2}}`, fields("metadata.generation", "spec.replicas")),
			patch(depPath+"/d", mergeCT, `{"spec":{"replicas":2}}`, fields("metadata.generation")),
		}},
		{"status-subresource", []step{
			post(depPath, deployment("d", 1), statusView),
			patch(depPath+"/d/status", mergeCT, `{"spec":{"replicas":5},"status":{"observedGeneration":1}}`, fields("spec.replicas", "metadata.generation")),
			patch(depPath+"/d", mergeCT, `{"status":{"replicas":9}}`, fields("spec.replicas", "metadata.generation")),
			get("/api/v1/namespaces/{ns}/configmaps/x/status", statusView),
		}},
		{"scale-subresource", []step{
			post(depPath, deployment("d", 1), statusView),
			get(depPath+"/d/scale", fields("kind", "apiVersion", "spec.replicas", "metadata.name")),
			put(depPath+"/d/scale", `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"d","namespace":"{ns}"},"spec":{"replicas":3}}`, fields("spec.replicas")),
			patch(depPath+"/d/scale", mergeCT, `{"spec":{"replicas":4}}`, fields("spec.replicas")),
			get(depPath+"/d", fields("spec.replicas", "metadata.generation")),
			get(depPath+"/nope/scale", statusView),
		}},
		{"merge-patch", []step{
			post(cmPath, configMap("a", "", `"k":"1","j":"2"`), statusView),
			patch(cmPath+"/a", mergeCT, `{"data":{"k":null,"n":"3"},"metadata":{"annotations":{"a":"b"}}}`, fields("data", "metadata.annotations")),
			patch(cmPath+"/nope", mergeCT, `{}`, statusView),
			patch(cmPath+"/a", "application/x-unknown", `{}`, statusView),
		}},
		{"json-patch", []step{
			post(cmPath, configMap("a", "", `"k":"1"`), statusView),
			patch(cmPath+"/a", jsonCT, `[{"op":"add","path":"/data/n","value":"2"},{"op":"replace","path":"/data/k","value":"9"},{"op":"test","path":"/data/n","value":"2"}]`, fields("data")),
			patch(cmPath+"/a", jsonCT, `[{"op":"remove","path":"/data/k"}]`, fields("data")),
			patch(cmPath+"/a", jsonCT, `[{"op":"test","path":"/data/n","value":"other"}]`, statusView),
			patch(cmPath+"/a", jsonCT, `[{"op":"remove","path":"/data/missing"}]`, statusView),
			patch(cmPath+"/a", jsonCT, `{"not":"a list"}`, statusView),
		}},
		{"strategic-merge-patch", []step{
			post(depPath, deployment("d", 0), statusView),
			patch(depPath+"/d", smpCT, `{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}`, containers),
			patch(depPath+"/d", smpCT, `{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"2"}]}]}}}}`, containers),
			patch(depPath+"/d", smpCT, `{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}`, containers),
			patch(depPath+"/d", smpCT, `{"metadata":{"labels":{"scn":null,"n":"1"}}}`, fields("metadata.labels", "metadata.generation")),
		}},
		{"apply-create-and-managed-fields", []step{
			apply(cmPath+"/a", "mgr-a", false, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    scn: \"{scn}\"\ndata:\n  k: \"1\"\n  j: \"2\"\n", both(statusView, managed, fields("data"))),
			apply(cmPath+"/a", "mgr-a", false, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    scn: \"{scn}\"\ndata:\n  k: \"1\"\n", both(managed, fields("data"))),
			patch(cmPath+"/a?fieldManager=editor", mergeCT, `{"data":{"x":"y"}}`, both(managed, fields("data"))),
			apply(cmPath+"/b", "", false, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n", statusView),
		}},
		{"apply-conflict-and-force", []step{
			apply(cmPath+"/a", "mgr-a", false, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    scn: \"{scn}\"\ndata:\n  k: \"1\"\n", statusView),
			apply(cmPath+"/a", "mgr-b", false, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: \"2\"\n", causes),
			apply(cmPath+"/a", "mgr-b", false, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: \"1\"\n", managed),
			apply(cmPath+"/a", "mgr-b", true, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: \"3\"\n", both(managed, fields("data"))),
		}},
		{"apply-conflict-with-update", []step{
			post(cmPath+"?fieldManager=creator", configMap("a", "", `"k":"1"`), managed),
			apply(cmPath+"/a", "mgr-a", false, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: \"2\"\n", causes),
			put(cmPath+"/a?fieldManager=updater", `{"metadata":{"name":"a","labels":{"scn":"{scn}"}},"data":{"k":"1","u":"1"}}`, managed),
		}},
		{"apply-deployment-containers", []step{
			apply(depPath+"/d", "mgr-a", false, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 0\n  selector:\n    matchLabels:\n      app: d\n  template:\n    metadata:\n      labels:\n        app: d\n    spec:\n      containers:\n      - name: web\n        image: nginx:1\n", both(statusView, managed, fields("metadata.generation"))),
			apply(depPath+"/d", "mgr-b", false, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:2\n", causes),
			apply(depPath+"/d", "mgr-b", false, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  selector:\n    matchLabels:\n      app: d\n  template:\n    metadata:\n      labels:\n        app: d\n    spec:\n      containers:\n      - name: side\n        image: busybox\n", both(managed, fields("metadata.generation"))),
		}},
		{"finalizers", []step{
			post(cmPath, `{"metadata":{"name":"a","labels":{"scn":"{scn}"},"finalizers":["example.com/hold"]}}`, statusView),
			del(cmPath+"/a", "", func(code int, o map[string]any) any {
				return []any{code, dig(o, "metadata.deletionTimestamp") != nil, dig(o, "metadata.finalizers"), dig(o, "metadata.deletionGracePeriodSeconds")}
			}),
			get(cmPath+"/a", func(code int, o map[string]any) any { return []any{code, dig(o, "metadata.deletionTimestamp") != nil} }),
			del(cmPath+"/a", "", func(code int, o map[string]any) any { return []any{code, dig(o, "metadata.deletionTimestamp") != nil} }),
			patch(cmPath+"/a", mergeCT, `{"metadata":{"finalizers":["example.com/hold","example.com/new"]}}`, statusView),
			patch(cmPath+"/a", mergeCT, `{"metadata":{"finalizers":null}}`, statusView),
			get(cmPath+"/a", statusView),
			del(cmPath+"/a", "", statusView),
		}},
		{"delete-preconditions-and-dry-run", []step{
			post(cmPath, configMap("a", "", ""), statusView),
			del(cmPath+"/a", `{"preconditions":{"uid":"00000000-0000-0000-0000-000000000000"}}`, statusView),
			del(cmPath+"/a", `{"preconditions":{"resourceVersion":"1"}}`, statusView),
			del(cmPath+"/a?dryRun=All", "", statusView),
			get(cmPath+"/a", statusView),
			post(cmPath+"?dryRun=All", configMap("b", "", ""), fields("metadata.name")),
			get(cmPath+"/b", statusView),
			del(cmPath+"/a", `{"propagationPolicy":"Sometimes"}`, statusView),
			del(cmPath+"/a", "", fields("kind", "status", "details.name", "details.kind")),
		}},
		{"propagation-background", []step{
			saving(post(cmPath, configMap("owner", "", ""), statusView), map[string]string{"uid": "metadata.uid"}),
			post(cmPath, `{"metadata":{"name":"dep","labels":{"scn":"{scn}"},"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":"{uid}"}]}}`, statusView),
			del(cmPath+"/owner", `{"propagationPolicy":"Background"}`, statusView),
			eventually(get(cmPath+"/dep", statusView)),
		}},
		{"propagation-orphan", []step{
			saving(post(cmPath, configMap("owner", "", ""), statusView), map[string]string{"uid": "metadata.uid"}),
			post(cmPath, `{"metadata":{"name":"dep","labels":{"scn":"{scn}"},"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":"{uid}"}]}}`, statusView),
			del(cmPath+"/owner", `{"propagationPolicy":"Orphan"}`, statusView),
			eventually(get(cmPath+"/owner", statusView)),
			eventually(get(cmPath+"/dep", fields("metadata.ownerReferences"))),
		}},
		{"propagation-foreground", []step{
			saving(post(cmPath, configMap("owner", "", ""), statusView), map[string]string{"uid": "metadata.uid"}),
			post(cmPath, `{"metadata":{"name":"dep","labels":{"scn":"{scn}"},"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":"{uid}","blockOwnerDeletion":true}]}}`, statusView),
			del(cmPath+"/owner", `{"propagationPolicy":"Foreground"}`, func(code int, o map[string]any) any {
				return []any{code, dig(o, "metadata.deletionTimestamp") != nil, dig(o, "metadata.finalizers")}
			}),
			eventually(get(cmPath+"/dep", statusView)),
			eventually(get(cmPath+"/owner", statusView)),
		}},
		{"watch-lifecycle", []step{
			watchOpen(cmPath + "?watch=true&labelSelector=scn%3D{scn}"),
			post(cmPath, configMap("a", "", `"k":"1"`), statusView),
			patch(cmPath+"/a", mergeCT, `{"data":{"k":"2"}}`, statusView),
			del(cmPath+"/a", "", statusView),
			watchN(3),
		}},
		{"watch-resume-from-rv", []step{
			saving(post(cmPath, configMap("a", "", `"k":"1"`), statusView), map[string]string{"rv": "metadata.resourceVersion"}),
			patch(cmPath+"/a", mergeCT, `{"data":{"k":"2"}}`, statusView),
			post(cmPath, configMap("b", "", ""), statusView),
			watchOpen(cmPath + "?watch=true&labelSelector=scn%3D{scn}&resourceVersion={rv}"),
			watchN(2),
		}},
		{"watch-selector-transitions", []step{
			watchOpen(cmPath + "?watch=true&labelSelector=scn%3D{scn},app%3Dweb"),
			post(cmPath, configMap("a", "", ""), statusView),
			patch(cmPath+"/a", mergeCT, `{"metadata":{"labels":{"app":"web"}}}`, statusView),
			patch(cmPath+"/a", mergeCT, `{"data":{"x":"1"}}`, statusView),
			patch(cmPath+"/a", mergeCT, `{"metadata":{"labels":{"app":"db"}}}`, statusView),
			watchN(3),
		}},
		{"watch-field-selector", []step{
			watchOpen(cmPath + "?watch=true&fieldSelector=metadata.name%3Db"),
			post(cmPath, configMap("a", "", ""), statusView),
			post(cmPath, configMap("b", "", ""), statusView),
			del(cmPath+"/b", "", statusView),
			watchN(2),
		}},
		{"watch-send-initial-events", []step{
			post(cmPath, configMap("a", "", ""), statusView),
			post(cmPath, configMap("b", "", ""), statusView),
			watchOpen(cmPath + "?watch=true&labelSelector=scn%3D{scn}&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan"),
			watchN(3),
			post(cmPath, configMap("c", "", ""), statusView),
			watchN(1),
			get(cmPath+"?watch=true&sendInitialEvents=true&allowWatchBookmarks=true", statusView),
		}},
		{"watch-too-old-410", []step{
			{watch: true, compact: true, path: cmPath + "?watch=true&labelSelector=scn%3D{scn}&resourceVersion=2"},
			watchN(1),
		}},
		{"discovery", []step{
			get("/apis/apps/v1", func(code int, o map[string]any) any {
				var got []string
				l, _ := o["resources"].([]any)
				for _, r := range l {
					n := fmt.Sprint(dig(r, "name"))
					if strings.HasPrefix(n, "deployments") {
						got = append(got, fmt.Sprintf("%s %v %v", n, dig(r, "namespaced"), dig(r, "kind")))
					}
				}
				sort.Strings(got)
				return []any{code, got}
			}),
			get("/api/v1", func(code int, o map[string]any) any {
				l, _ := o["resources"].([]any)
				return []any{code, slices.ContainsFunc(l, func(r any) bool { return dig(r, "name") == "configmaps" })}
			}),
			get("/apis/nope.example.com/v1", statusView),
			get("/api/v1/namespaces/{ns}/nopes", statusView),
		}},
	}
}

// TestE2EDifferential runs every scenario against kubefake and the shared
// cluster and requires the same observations.
func TestE2EDifferential(t *testing.T) {
	tc := testutil.Shared(t)
	base := "kfd-" + fmt.Sprint(time.Now().UnixNano()%1_000_000)
	for i, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			scn := fmt.Sprintf("s%02d", i)
			ns := base + "-" + scn
			realNamespace(t, tc.ProxyURL, ns)
			srv := kubefake.MustNew(t, kubefake.Options{})
			require.NoError(t, srv.Add(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}))
			fake := target{name: "kubefake", url: srv.URL(), ns: ns, client: &http.Client{Timeout: 30 * time.Second}, compact: srv.Compact}
			real := target{name: "cluster", url: tc.ProxyURL, ns: ns, client: &http.Client{}, compact: func() {}}
			want := run(t, fake, scn, sc, nil)
			got := run(t, real, scn, sc, want)
			for j := range want {
				assert.Equal(t, want[j], got[j], "step %d of %s: kubefake (expected) vs cluster (actual)", j, sc.name)
			}
		})
	}
}

// run runs sc on tg and returns each step's observation as JSON; with
// want, steps marked eventually retry until they match it.
func run(t *testing.T, tg target, scn string, sc scenario, want []string) []string {
	r := &runState{t: t, tg: tg, scn: scn, vars: map[string]string{}}
	defer func() {
		for _, c := range r.cancel {
			c()
		}
	}()
	var out []string
	for j, st := range sc.steps {
		switch {
		case st.watch:
			if st.compact {
				tg.compact()
			}
			r.startWatch(st)
			out = append(out, "watch")
		case st.watchN > 0:
			out = append(out, mustJSON(r.collect(st.watchN)))
		default:
			deadline := time.Now().Add(20 * time.Second)
			for {
				code, o := r.do(st)
				got := mustJSON(st.view(code, o))
				if !st.eventually || want == nil || got == want[j] || time.Now().After(deadline) {
					out = append(out, got)
					break
				}
				select {
				case <-t.Context().Done():
					return out
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
	}
	return out
}

// realNamespace creates ns on the cluster through the proxy and deletes it
// when the test ends (without waiting for its service account: no pods).
func realNamespace(t *testing.T, proxy, ns string) {
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, proxy+"/api/v1/namespaces", strings.NewReader(`{"metadata":{"name":"`+ns+`"}}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode, "create namespace %s", ns)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, proxy+"/api/v1/namespaces/"+ns, nil)
		if err == nil {
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	})
}
