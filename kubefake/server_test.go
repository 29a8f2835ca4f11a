package kubefake_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/kubefake"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
)

// do sends a raw request and decodes the JSON answer.
func do(t *testing.T, srv *kubefake.Server, method, path, ctype, body string) (int, map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, srv.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := (&http.Client{Transport: srv.RoundTripper()}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(data) > 0 && data[0] == '{' {
		require.NoError(t, json.Unmarshal(data, &out), string(data))
	}
	return resp.StatusCode, out
}

const cm = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"app":"web"}},"data":{"k":"v"}}`

func TestSDKRoundTrip(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	c := srv.Client()
	ctx := t.Context()
	d, err := c.Deployments.In("default").Create(ctx, map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "web", "labels": map[string]any{"app": "web"}},
		"spec": map[string]any{"replicas": 1, "selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
			"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
				"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}}}},
	}, sdk.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(1), d.Meta().Generation)
	got, err := c.Deployments.In("default").Get(ctx, "web")
	require.NoError(t, err)
	assert.Equal(t, d.UID(), got.UID())
	_, err = c.Deployments.In("default").Get(ctx, "nope")
	assert.True(t, errors.Is(err, sdk.ErrNotFound), "%v", err)
	n := 0
	for it, err := range c.Deployments.Filter(selector.Expr("app=web"), nil).All(ctx) {
		require.NoError(t, err)
		assert.Equal(t, "web", it.Name())
		n++
	}
	assert.Equal(t, 1, n)
	sc, err := c.Deployments.In("default").Scale(ctx, "web", 3, sdk.WriteOptions{})
	require.NoError(t, err, "%v", sc)
	got, err = c.Deployments.In("default").Get(ctx, "web")
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Meta().Generation)
	require.NoError(t, c.Deployments.In("default").Delete(ctx, "web", sdk.DeleteOptions{}))
}

func TestCreateGetConflict(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	code, o := do(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", cm)
	require.Equal(t, 201, code, o)
	code, o = do(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", cm)
	assert.Equal(t, 409, code)
	assert.Equal(t, "AlreadyExists", o["reason"])
	code, o = do(t, srv, "PUT", "/api/v1/namespaces/default/configmaps/a", "application/json",
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"},"data":{}}`)
	assert.Equal(t, 409, code)
	assert.Equal(t, "Conflict", o["reason"])
	code, o = do(t, srv, "GET", "/api/v1/namespaces/default/configmaps?fieldSelector=spec.x%3D1", "", "")
	assert.Equal(t, 400, code)
	assert.Equal(t, "BadRequest", o["reason"])
	code, o = do(t, srv, "PATCH", "/api/v1/namespaces/default/configmaps/a?fieldManager=m1", "application/apply-patch+yaml",
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: other\n")
	assert.Equal(t, 409, code, o)
	code, o = do(t, srv, "PATCH", "/api/v1/namespaces/default/configmaps/a?fieldManager=m1&force=true", "application/apply-patch+yaml",
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: other\n")
	assert.Equal(t, 200, code, o)
	t.Logf("%v", o["metadata"])
}

func doH(t *testing.T, srv *kubefake.Server, method, path, ctype, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

func itemNames(o map[string]any) []string {
	var out []string
	items, _ := o["items"].([]any)
	for _, it := range items {
		out = append(out, dig(it, "metadata.name").(string))
	}
	return out
}

func podKind() *sdk.Kind[kinds.PodStatus] { return kinds.PodKind }
