package controller

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/sdk"
)

// fakeLeases is an in-memory API server for the Leases of one namespace:
// GET, POST and PUT with the server's optimistic concurrency (a PUT whose
// resourceVersion is not the current one is a 409 Conflict, a POST of an
// existing name a 409 AlreadyExists). It is a RoundTripper, safe for
// concurrent use, and never blocks.
type fakeLeases struct {
	ns string

	mu      sync.Mutex
	objs    map[string]map[string]any
	rv      int
	down    bool // answer every request 503
	puts    int  // successful PUTs
	writers []string
}

func newFakeLeases(ns string) *fakeLeases {
	return &fakeLeases{ns: ns, objs: map[string]map[string]any{}}
}

// client returns an SDK client whose requests the fake serves.
func (f *fakeLeases) client(t *testing.T) *sdk.Client {
	c, err := sdk.New(sdk.Options{URL: "http://fake.invalid", Transport: f})
	require.NoError(t, err)
	return c
}

func (f *fakeLeases) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// spec returns a copy of the named lease's spec, nil if absent.
func (f *fakeLeases) spec(name string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.objs[name]
	if o == nil {
		return nil
	}
	s, _ := o["spec"].(map[string]any)
	out := map[string]any{}
	for k, v := range s {
		out[k] = v
	}
	return out
}

func (f *fakeLeases) holder(name string) string {
	h, _ := f.spec(name)["holderIdentity"].(string)
	return h
}

// write replaces the spec of the named lease as another client would.
func (f *fakeLeases) write(name string, spec map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rv++
	f.objs[name] = map[string]any{
		"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
		"metadata": map[string]any{"name": name, "namespace": f.ns, "resourceVersion": strconv.Itoa(f.rv)},
		"spec":     spec,
	}
}

func (f *fakeLeases) putCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.puts
}

func status(code int, reason, msg string) *http.Response {
	body := fmt.Sprintf(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":%q,"message":%q,"code":%d}`, reason, msg, code)
	return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
}

func (f *fakeLeases) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return status(http.StatusServiceUnavailable, "ServiceUnavailable", "down"), nil
	}
	prefix := "/apis/coordination.k8s.io/v1/namespaces/" + f.ns + "/leases"
	rest, ok := strings.CutPrefix(req.URL.Path, prefix)
	if !ok {
		return status(http.StatusNotFound, "NotFound", "no route "+req.URL.Path), nil
	}
	name := strings.TrimPrefix(rest, "/")
	switch {
	case req.Method == http.MethodGet && name != "":
		o := f.objs[name]
		if o == nil {
			return status(http.StatusNotFound, "NotFound", "leases "+name+" not found"), nil
		}
		return f.answer(http.StatusOK, o)
	case req.Method == http.MethodPost && name == "":
		var o map[string]any
		if err := json.Unmarshal(body, &o); err != nil {
			return status(http.StatusBadRequest, "BadRequest", err.Error()), nil
		}
		md := o["metadata"].(map[string]any)
		n := md["name"].(string)
		if f.objs[n] != nil {
			return status(http.StatusConflict, "AlreadyExists", "leases "+n+" already exists"), nil
		}
		f.rv++
		md["resourceVersion"] = strconv.Itoa(f.rv)
		f.objs[n] = o
		f.note(o)
		return f.answer(http.StatusCreated, o)
	case req.Method == http.MethodPut && name != "":
		var o map[string]any
		if err := json.Unmarshal(body, &o); err != nil {
			return status(http.StatusBadRequest, "BadRequest", err.Error()), nil
		}
		cur := f.objs[name]
		if cur == nil {
			return status(http.StatusNotFound, "NotFound", "leases "+name+" not found"), nil
		}
		md := o["metadata"].(map[string]any)
		if md["resourceVersion"] != cur["metadata"].(map[string]any)["resourceVersion"] {
			return status(http.StatusConflict, "Conflict", "the object has been modified"), nil
		}
		f.rv++
		md["resourceVersion"] = strconv.Itoa(f.rv)
		f.objs[name] = o
		f.puts++
		f.note(o)
		return f.answer(http.StatusOK, o)
	}
	return status(http.StatusMethodNotAllowed, "MethodNotAllowed", req.Method), nil
}

// note records the holder of each write, to check who held the lease when.
func (f *fakeLeases) note(o map[string]any) {
	h, _ := o["spec"].(map[string]any)["holderIdentity"].(string)
	f.writers = append(f.writers, h)
}

func (f *fakeLeases) answer(code int, o map[string]any) (*http.Response, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(b))}, nil
}
