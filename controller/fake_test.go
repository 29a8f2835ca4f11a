package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kubefake"
	"github.com/kube-for-go/kube/sdk"
)

// fakeLeases serves the Leases of one namespace from kubefake's in-memory
// API server, in process (no sockets), so the leader election and
// finalizer tests run in testing/synctest bubbles with the server's real
// semantics: optimistic concurrency (409 Conflict on a stale
// resourceVersion, AlreadyExists), finalizers and deletionTimestamp.
type fakeLeases struct {
	t   *testing.T
	ns  string
	srv *kubefake.Server
	raw *sdk.Client // writes "as another client", outside the code under test

	mu      sync.Mutex
	writers []string // the holder of each successful lease write, in order
}

const leaseAPIVersion = "coordination.k8s.io/v1"

func newFakeLeases(t *testing.T, ns string) *fakeLeases {
	srv := kubefake.MustNew(t, kubefake.Options{InProcess: true, Objects: []any{
		map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}},
	}})
	f := &fakeLeases{t: t, ns: ns, srv: srv}
	f.raw = f.client(t)
	return f
}

// client returns an SDK client whose requests the fake serves.
func (f *fakeLeases) client(t *testing.T) *sdk.Client {
	c, err := sdk.New(sdk.Options{URL: f.srv.URL(), Transport: recorder{f}})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// setDown makes every request fail with 503 (true) or serve again (false).
func (f *fakeLeases) setDown(down bool) {
	if down {
		f.srv.Fail(kubefake.Match{}, 0, http.StatusServiceUnavailable)
		return
	}
	f.srv.ClearFaults()
}

// object returns the named lease as the server holds it, nil if absent,
// with numbers as float64 (as encoding/json decodes them).
func (f *fakeLeases) object(name string) map[string]any {
	o, ok := f.srv.Object(leaseAPIVersion, "Lease", f.ns, name)
	if !ok {
		return nil
	}
	b, err := json.Marshal(o)
	require.NoError(f.t, err)
	var out map[string]any
	require.NoError(f.t, json.Unmarshal(b, &out))
	return out
}

// spec returns a copy of the named lease's spec, nil if absent.
func (f *fakeLeases) spec(name string) map[string]any {
	s, _ := f.object(name)["spec"].(map[string]any)
	return s
}

func (f *fakeLeases) holder(name string) string {
	h, _ := f.spec(name)["holderIdentity"].(string)
	return h
}

// put creates or replaces the named lease as another client would, with
// edit applied to it (the current version's resourceVersion is kept, so
// the write never conflicts).
func (f *fakeLeases) put(name string, edit func(o map[string]any)) {
	ctx := context.Background()
	path := "/apis/" + leaseAPIVersion + "/namespaces/" + f.ns + "/leases"
	o := f.object(name)
	if o == nil {
		o = map[string]any{"apiVersion": leaseAPIVersion, "kind": "Lease", "metadata": map[string]any{"name": name}, "spec": map[string]any{}}
		edit(o)
		_, err := f.raw.Proxy().Post(ctx, path, nil, o)
		require.NoError(f.t, err, "create lease %s", name)
		return
	}
	edit(o)
	_, err := f.raw.Proxy().Put(ctx, path+"/"+name, nil, o)
	require.NoError(f.t, err, "replace lease %s", name)
}

// write replaces the spec of the named lease as another client would.
func (f *fakeLeases) write(name string, spec map[string]any) {
	f.put(name, func(o map[string]any) { o["spec"] = spec })
}

// putCount is the number of updates of leases the server answered without
// an injected fault.
func (f *fakeLeases) putCount() int {
	n := 0
	for _, r := range f.srv.Requests() {
		if r.Verb == "update" && r.Resource == "leases" && r.Fault == "" {
			n++
		}
	}
	return n
}

func status(code int, reason, msg string) *http.Response {
	body := fmt.Sprintf(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":%q,"message":%q,"code":%d}`, reason, msg, code)
	return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
}

// answer is a JSON response with o as its body.
func answer(code int, o map[string]any) (*http.Response, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(b))}, nil
}

// recorder passes requests to the server and notes the holder of each
// successful create or update of a lease, to check who held it when.
type recorder struct{ f *fakeLeases }

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var holder *string
	if (req.Method == http.MethodPut || req.Method == http.MethodPost) && strings.Contains(req.URL.Path, "/leases") && req.Body != nil {
		b, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		var o struct {
			Spec struct {
				HolderIdentity string `json:"holderIdentity"`
			} `json:"spec"`
		}
		if json.Unmarshal(b, &o) == nil {
			holder = &o.Spec.HolderIdentity
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.ContentLength = int64(len(b))
	}
	resp, err := r.f.srv.RoundTripper().RoundTrip(req)
	if err == nil && holder != nil && resp.StatusCode < 300 {
		r.f.mu.Lock()
		r.f.writers = append(r.f.writers, *holder)
		r.f.mu.Unlock()
	}
	return resp, err
}

// written returns the holders of the successful lease writes so far.
func (f *fakeLeases) written() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.writers...)
}
