package kube_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/transport"
)

const secretManifest = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"ns"},"data":{"password":"aHVudGVyMg=="}}`

// TestNewFromConfigRedirectsAndUserAgent: a client built from a transport
// configuration applies the same origin policy as kube.New (a request
// body never goes to another host) and sends Config.UserAgent.
func TestNewFromConfigRedirectsAndUserAgent(t *testing.T) {
	tests := []struct {
		reason string
		code   int
		get    bool
	}{
		{"a Create(Secret) answered 307", 307, false},
		{"a Create(Secret) answered 308", 308, false},
		{"a Get answered 302", 302, true},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			var bCount atomic.Int32
			b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				bCount.Add(1)
				_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
				w.WriteHeader(201)
				_, _ = io.WriteString(w, secretManifest)
			}))
			defer b.Close()
			var mu sync.Mutex
			var agents []string
			a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				agents = append(agents, r.UserAgent())
				mu.Unlock()
				http.Redirect(w, r, b.URL+r.URL.Path, tt.code)
			}))
			defer a.Close()
			c, err := kube.NewFromConfig(&transport.Config{Server: a.URL, UserAgent: "regress-agent/1.0"})
			require.NoError(t, err)
			defer c.Close()
			if tt.get {
				_, err = c.Secrets.In("ns").Get(context.Background(), "db")
			} else {
				_, err = c.Secrets.In("ns").Create(context.Background(), secretManifest, sdk.CreateOptions{})
			}
			var ae *sdk.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.code, ae.Code)
			assert.Zero(t, bCount.Load(), "the other origin got no request")
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []string{"regress-agent/1.0"}, agents, "Config.UserAgent reaches the server")
		})
	}
}
