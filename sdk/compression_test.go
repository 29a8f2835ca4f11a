package sdk_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
)

// TestDisableCompression lists pods from a server that gzips its answer
// when the request accepts gzip, as the API server does for large answers.
func TestDisableCompression(t *testing.T) {
	const n = 300
	items := make([]string, n)
	for i := range items {
		items[i] = podJSON("ns", fmt.Sprintf("p%03d", i), "7", "Running")
	}
	body := `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9"},"items":[` + strings.Join(items, ",") + `]}`

	cases := []struct {
		name       string
		disable    bool
		wantAccept string
		reason     string
	}{
		{name: "default", disable: false, wantAccept: "gzip",
			reason: "the default transport asks for gzip and inflates the answer"},
		{name: "disabled", disable: true, wantAccept: "",
			reason: "DisableCompression: no Accept-Encoding, the answer comes uncompressed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var accepts, encodings []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ae := r.Header.Get("Accept-Encoding")
				w.Header().Set("Content-Type", "application/json")
				enc := ""
				if strings.Contains(ae, "gzip") {
					enc = "gzip"
				}
				mu.Lock()
				accepts, encodings = append(accepts, ae), append(encodings, enc)
				mu.Unlock()
				if enc == "" {
					_, _ = io.WriteString(w, body)
					return
				}
				w.Header().Set("Content-Encoding", "gzip")
				zw := gzip.NewWriter(w)
				_, _ = io.WriteString(zw, body)
				_ = zw.Close()
			}))
			t.Cleanup(srv.Close)
			c, err := kube.New(kube.Options{URL: srv.URL, DisableCompression: tc.disable})
			require.NoError(t, err)
			t.Cleanup(func() { _ = c.Close() })

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			got := 0
			for p, err := range c.Pods.All(ctx) {
				require.NoError(t, err)
				assert.Equal(t, fmt.Sprintf("p%03d", got), p.Name(), tc.reason)
				phase, err := p.Status().Phase()
				require.NoError(t, err)
				assert.Equal(t, "Running", string(phase), tc.reason)
				got++
			}
			assert.Equal(t, n, got, tc.reason)
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []string{tc.wantAccept}, accepts, tc.reason)
			assert.Equal(t, []string{strings.TrimSpace(tc.wantAccept)}, encodings, tc.reason)
		})
	}
}
