package sdk_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/sdk"
)

const redirectSecret = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"ns"},"data":{"password":"aHVudGVyMg=="}}`

// countingServer is an httptest server that counts its requests and
// answers every one with a Secret.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_, _ = io.WriteString(w, redirectSecret)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRedirectsStayWithinTheOrigin(t *testing.T) {
	tests := []struct {
		reason string
		code   int
		call   func(ctx context.Context, c *kube.Cluster) error
	}{
		{"a Create(Secret) answered 307 (the body would be re-sent)", 307, func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Secrets.In("ns").Create(ctx, redirectSecret, sdk.CreateOptions{})
			return err
		}},
		{"a Create(Secret) answered 308", 308, func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Secrets.In("ns").Create(ctx, redirectSecret, sdk.CreateOptions{})
			return err
		}},
		{"a Client.Create answered 307", 307, func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Create(ctx, redirectSecret, sdk.CreateOptions{})
			return err
		}},
		{"a Get answered 302", 302, func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Secrets.In("ns").Get(ctx, "db")
			return err
		}},
		{"a Proxy.Get answered 301", 301, func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Proxy().Get(ctx, "/api/v1/namespaces/ns/secrets/db", nil)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			b, bCount := countingServer(t)
			var aCount atomic.Int32
			a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				aCount.Add(1)
				http.Redirect(w, r, b.URL+r.URL.Path, tt.code)
			}))
			t.Cleanup(a.Close)
			c, err := kube.New(kube.Options{URL: a.URL})
			require.NoError(t, err)
			defer c.Close()
			err = tt.call(context.Background(), c)
			require.Error(t, err)
			var ae *sdk.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.code, ae.Code)
			assert.Contains(t, err.Error(), "redirect")
			assert.NotContains(t, err.Error(), b.URL, "the error names no other host")
			assert.Equal(t, int32(1), aCount.Load())
			assert.Zero(t, bCount.Load(), "the other origin got no request")
		})
	}
}

func TestSameOriginRedirectIsFollowedWithItsBody(t *testing.T) {
	var bodies []string
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		bodies = append(bodies, string(data))
		paths = append(paths, r.Method+" "+r.URL.Path)
		if strings.HasPrefix(r.URL.Path, "/old/") {
			http.Redirect(w, r, strings.TrimPrefix(r.URL.Path, "/old"), http.StatusTemporaryRedirect)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_, _ = io.WriteString(w, redirectSecret)
	}))
	defer srv.Close()
	c, err := kube.New(kube.Options{URL: srv.URL + "/old"})
	require.NoError(t, err)
	defer c.Close()
	it, err := c.Secrets.In("ns").Create(context.Background(), redirectSecret, sdk.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, "db", it.Name())
	assert.Equal(t, []string{"POST /old/api/v1/namespaces/ns/secrets", "POST /api/v1/namespaces/ns/secrets"}, paths)
	require.Len(t, bodies, 2)
	assert.JSONEq(t, redirectSecret, bodies[0])
	assert.JSONEq(t, redirectSecret, bodies[1], "307 re-sends the body within the origin")
}
