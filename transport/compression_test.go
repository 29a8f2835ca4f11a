package transport_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/transport"
)

// gzipServer answers every request with body, gzip-compressed when the
// request accepts gzip (as the API server does for large answers), and
// records each request's Accept-Encoding header.
type gzipServer struct {
	*httptest.Server
	mu        sync.Mutex
	encodings []string
}

func newGzipServer(t *testing.T, body string) *gzipServer {
	t.Helper()
	s := &gzipServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ae := r.Header.Get("Accept-Encoding")
		s.mu.Lock()
		s.encodings = append(s.encodings, ae)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if !strings.Contains(ae, "gzip") {
			_, _ = io.WriteString(w, body)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = io.WriteString(zw, body)
		_ = zw.Close()
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *gzipServer) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.encodings...)
}

func TestDisableCompression(t *testing.T) {
	body := `{"kind":"PodList","items":[` + strings.Repeat(`{"metadata":{"name":"p"}},`, 2000) + `{}]}`
	cases := []struct {
		name       string
		disable    bool
		wantAccept string
		wantGzip   bool
		reason     string
	}{
		{name: "default", disable: false, wantAccept: "gzip", wantGzip: true,
			reason: "Go's transport asks for gzip and inflates the answer transparently"},
		{name: "disabled", disable: true, wantAccept: "", wantGzip: false,
			reason: "with DisableCompression the request carries no Accept-Encoding and the answer comes uncompressed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newGzipServer(t, body)
			cfg := &transport.Config{Server: srv.URL, QPS: transport.NoRateLimit, DisableCompression: tc.disable}
			client, err := cfg.HTTPClient()
			require.NoError(t, err)
			resp, err := client.Get(srv.URL + "/api/v1/pods")
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			require.NoError(t, err)
			assert.Equal(t, body, string(got), tc.reason)
			assert.Equal(t, []string{tc.wantAccept}, srv.seen(), tc.reason)
			assert.Equal(t, tc.wantGzip, resp.Uncompressed, tc.reason)
		})
	}
}
