package transport_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/kube-for-go/kube/transport"
)

// mustRT builds the round tripper or fails the test.
func mustRT(t *testing.T, cfg *transport.Config) http.RoundTripper {
	t.Helper()
	rt, err := cfg.RoundTripper()
	if err != nil {
		t.Fatalf("RoundTripper: %v", err)
	}
	return rt
}

func get(t *testing.T, rt http.RoundTripper, ctx context.Context, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if err == nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func TestRoundTripperHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		cfg        transport.Config
		callerAuth string
		want       map[string][]string // "" value: header must be absent
		reason     string
	}{{
		name:   "bearer",
		cfg:    transport.Config{BearerToken: transport.NewSecret("tok-1")},
		want:   map[string][]string{"Authorization": {"Bearer tok-1"}},
		reason: "a static bearer token is sent",
	}, {
		name:   "basic",
		cfg:    transport.Config{Username: "u", Password: transport.NewSecret("p")},
		want:   map[string][]string{"Authorization": {"Basic dTpw"}},
		reason: "basic authentication is base64(user:password)",
	}, {
		name:       "caller-authorization",
		cfg:        transport.Config{BearerToken: transport.NewSecret("tok-1")},
		callerAuth: "Bearer from-caller",
		want:       map[string][]string{"Authorization": {"Bearer from-caller"}},
		reason:     "an Authorization header set by the caller is kept",
	}, {
		name:   "proxy",
		cfg:    transport.Config{},
		want:   map[string][]string{"Authorization": {""}, "Impersonate-User": {""}},
		reason: "kubectl proxy needs no credentials",
	}, {
		name: "impersonation",
		cfg: transport.Config{BearerToken: transport.NewSecret("t"), Impersonate: transport.Impersonation{
			UserName: "jane", UID: "42", Groups: []string{"a", "b"},
			Extra: map[string][]string{"scopes/v1": {"x", "y"}},
		}},
		want: map[string][]string{
			"Impersonate-User":              {"jane"},
			"Impersonate-Uid":               {"42"},
			"Impersonate-Group":             {"a", "b"},
			"Impersonate-Extra-Scopes%2fv1": {"x", "y"},
			"Authorization":                 {"Bearer t"},
		},
		reason: "every impersonation header; extra keys are percent-encoded",
	}, {
		name:   "user-agent",
		cfg:    transport.Config{UserAgent: "my-controller/1.0"},
		want:   map[string][]string{"User-Agent": {"my-controller/1.0"}},
		reason: "a configured User-Agent replaces the default",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mock := httpmock.NewMockTransport()
			var got http.Header
			mock.RegisterResponder(http.MethodGet, "https://kube.test/api", func(r *http.Request) (*http.Response, error) {
				got = r.Header.Clone()
				return httpmock.NewStringResponse(200, "{}"), nil
			})
			cfg := tc.cfg
			cfg.Server = "https://kube.test"
			cfg.Base = mock
			rt := mustRT(t, &cfg)
			req, _ := http.NewRequest(http.MethodGet, "https://kube.test/api", nil)
			if tc.callerAuth != "" {
				req.Header.Set("Authorization", tc.callerAuth)
			}
			before := req.Header.Clone()
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			resp.Body.Close()
			for k, want := range tc.want {
				if want[0] == "" {
					if v := got.Values(k); len(v) > 0 {
						t.Errorf("header %s = %q, want none (%s)", k, v, tc.reason)
					}
					continue
				}
				if v := got.Values(k); strings.Join(v, ",") != strings.Join(want, ",") {
					t.Errorf("header %s = %q, want %q (%s)", k, v, want, tc.reason)
				}
			}
			if tc.cfg.UserAgent == "" && !strings.HasPrefix(got.Get("User-Agent"), "kube-for-go/") {
				t.Errorf("User-Agent = %q, want the kube-for-go default", got.Get("User-Agent"))
			}
			if len(req.Header) != len(before) || req.Header.Get("Authorization") != before.Get("Authorization") {
				t.Errorf("the caller's request was modified: %v, was %v", req.Header, before)
			}
		})
	}
}

func TestDefaultUserAgent(t *testing.T) {
	t.Parallel()
	ua := transport.DefaultUserAgent()
	if !strings.HasPrefix(ua, "kube-for-go/") || !strings.Contains(ua, "(") {
		t.Errorf("DefaultUserAgent() = %q, want kube-for-go/<version> (<os>/<arch>)", ua)
	}
}

func TestRedirectToOtherHostCarriesNoCredentials(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen http.Header
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = r.Header.Clone()
		mu.Unlock()
		io.WriteString(w, "other")
	}))
	defer other.Close()
	apiserver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer secret-redirect-token" {
			http.Error(w, "no credentials", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, other.URL+"/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer apiserver.Close()
	cfg := &transport.Config{Server: apiserver.URL, BearerToken: transport.NewSecret("secret-redirect-token"),
		Impersonate: transport.Impersonation{UserName: "jane"}}

	// Any http.Client: the redirect is followed, without credentials.
	client := &http.Client{Transport: mustRT(t, cfg)}
	resp, err := client.Get(apiserver.URL + "/api")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	if seen == nil {
		t.Fatal("the redirect was not followed")
	}
	if seen.Get("Authorization") != "" || seen.Get("Impersonate-User") != "" {
		t.Errorf("the other host received credentials: %v", seen)
	}
	mu.Unlock()

	// HTTPClient does not follow redirects to another origin at all.
	hc, err := cfg.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	resp, err = hc.Get(apiserver.URL + "/api")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("HTTPClient followed a cross-origin redirect: status %d", resp.StatusCode)
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	ca := transport.NewTestCA(t, "server-ca")
	clientCA := transport.NewTestCA(t, "client-ca")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := "anonymous"
		if len(r.TLS.PeerCertificates) > 0 {
			user = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		w.Header().Set("X-User", user)
		w.Header().Set("X-Proto", r.Proto)
	})
	srv := transport.NewTLSServer(t, ca, clientCA, handler)
	named := transport.NewTLSServer(t, ca, clientCA, handler, "kube.internal")
	dir := t.TempDir()
	certPEM, keyPEM := clientCA.Issue(t, "cert-user")
	certFile := transport.WriteFile(t, dir, "client.crt", certPEM)
	keyFile := transport.WriteFile(t, dir, "client.key", keyPEM)
	caFile := transport.WriteFile(t, dir, "ca.crt", ca.PEM)
	wrongCA := transport.NewTestCA(t, "wrong-ca")

	tests := []struct {
		name     string
		server   string
		tls      transport.TLSConfig
		wantUser string // "" means a *TLSError is expected
		warn     bool
		reason   string
	}{
		{"ca-data", srv.URL, transport.TLSConfig{CAData: ca.PEM}, "anonymous", false, "the configured CA verifies the server"},
		{"ca-file", srv.URL, transport.TLSConfig{CAFile: caFile}, "anonymous", false, "the CA can come from a file"},
		{"wrong-ca", srv.URL, transport.TLSConfig{CAData: wrongCA.PEM}, "", false, "a server signed by another CA is rejected with a clear TLS error"},
		{"system-roots", srv.URL, transport.TLSConfig{}, "", false, "verification is on by default"},
		{"insecure", srv.URL, transport.TLSConfig{Insecure: true}, "anonymous", true, "insecure skips verification and logs a warning"},
		{"client-cert-files", srv.URL, transport.TLSConfig{CAData: ca.PEM, CertFile: certFile, KeyFile: keyFile}, "cert-user", false, "client certificate files are presented"},
		{"client-cert-data", srv.URL, transport.TLSConfig{CAData: ca.PEM, CertData: certPEM, KeyData: transport.NewSecret(string(keyPEM))}, "cert-user", false, "client certificate data is presented"},
		{"server-name", named.URL, transport.TLSConfig{CAData: ca.PEM, ServerName: "kube.internal"}, "anonymous", false, "ServerName overrides the verified name"},
		{"server-name-missing", named.URL, transport.TLSConfig{CAData: ca.PEM}, "", false, "without ServerName the IP is not in the certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			logger, logs := transport.CaptureLogger()
			rt := mustRT(t, &transport.Config{Server: tc.server, TLS: tc.tls, Logger: logger, Retry: transport.RetryPolicy{MaxAttempts: 1}})
			resp, err := get(t, rt, context.Background(), tc.server+"/version")
			if tc.wantUser == "" {
				var te *transport.TLSError
				if !errors.As(err, &te) {
					t.Fatalf("got %v, want a *TLSError (%s)", err, tc.reason)
				}
				if !strings.Contains(err.Error(), "certificate authority") {
					t.Errorf("TLS error %q does not point at the certificate authority", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("RoundTrip: %v (%s)", err, tc.reason)
			}
			if got := resp.Header.Get("X-User"); got != tc.wantUser {
				t.Errorf("server saw user %q, want %q (%s)", got, tc.wantUser, tc.reason)
			}
			if got := resp.Header.Get("X-Proto"); got != "HTTP/2.0" {
				t.Errorf("protocol %q, want HTTP/2.0", got)
			}
			if gotWarn := strings.Contains(logs.String(), "level=WARN"); gotWarn != tc.warn {
				t.Errorf("warning logged = %v, want %v (%s); logs:\n%s", gotWarn, tc.warn, tc.reason, logs)
			}
		})
	}
}

func TestBearerTokenFileRotation(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		tokenFile := transport.WriteFile(t, dir, "token", []byte("token-a\n"))
		var mu sync.Mutex
		var seen []string
		accept := "token-a"
		mock := httpmock.NewMockTransport()
		mock.RegisterResponder(http.MethodGet, "https://kube.test/api", func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			defer mu.Unlock()
			auth := r.Header.Get("Authorization")
			seen = append(seen, auth)
			if auth != "Bearer "+accept {
				return httpmock.NewStringResponse(401, "unauthorized"), nil
			}
			return httpmock.NewStringResponse(200, "{}"), nil
		})
		logger, logs := transport.CaptureLogger()
		rt := mustRT(t, &transport.Config{Server: "https://kube.test", BearerTokenFile: tokenFile, Base: mock, Logger: logger})
		status := func() int {
			t.Helper()
			resp, err := get(t, rt, context.Background(), "https://kube.test/api")
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode
		}
		last := func() string {
			mu.Lock()
			defer mu.Unlock()
			return seen[len(seen)-1]
		}

		if s := status(); s != 200 || last() != "Bearer token-a" {
			t.Fatalf("first request: status %d with %q, want 200 with token-a", s, last())
		}
		transport.WriteFile(t, dir, "token", []byte("token-b"))
		status()
		if last() != "Bearer token-a" {
			t.Errorf("token re-read before the refresh period: sent %q", last())
		}
		time.Sleep(59 * time.Second)
		status()
		if last() != "Bearer token-a" {
			t.Errorf("token re-read 59 s after the first read: sent %q", last())
		}
		time.Sleep(time.Second)
		status()
		if last() != "Bearer token-b" {
			t.Errorf("after the refresh period sent %q, want token-b", last())
		}

		// A 401 makes the file be re-read at once and the request sent again.
		mu.Lock()
		accept = "token-c"
		n := len(seen)
		mu.Unlock()
		transport.WriteFile(t, dir, "token", []byte("token-c"))
		if s := status(); s != 200 {
			t.Errorf("after rotation and 401: status %d, want 200", s)
		}
		mu.Lock()
		if got := seen[n:]; len(got) != 2 || got[0] != "Bearer token-b" || got[1] != "Bearer token-c" {
			t.Errorf("after rotation the server saw %q, want token-b then token-c", got)
		}
		mu.Unlock()

		// A vanished file keeps the last good token.
		os.Remove(tokenFile)
		time.Sleep(2 * time.Minute)
		if s := status(); s != 200 || last() != "Bearer token-c" {
			t.Errorf("with the file gone: status %d with %q, want 200 with token-c", s, last())
		}
		if !strings.Contains(logs.String(), "cannot re-read bearer token file") {
			t.Errorf("no warning about the vanished token file:\n%s", logs)
		}
	})
}

func TestBearerTokenFileMissing(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-token")
	_, err := (&transport.Config{Server: "https://kube.test", BearerTokenFile: missing}).RoundTripper()
	var ce *transport.ConfigError
	if !errors.As(err, &ce) || ce.Field != "BearerTokenFile" || ce.File != missing || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want a ConfigError for BearerTokenFile naming %s", err, missing)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg    transport.Config
		field  string // "" means valid
		reason string
	}{
		{transport.Config{Server: "https://h:6443"}, "", "a server is enough"},
		{transport.Config{}, "Server", "a server is required"},
		{transport.Config{Server: "ftp://h"}, "Server", "only http and https"},
		{transport.Config{Server: "https://"}, "Server", "a host is required"},
		{transport.Config{Server: "https://u:p@h"}, "Server", "credentials in the URL would leak into logs"},
		{transport.Config{Server: "https://h", ProxyURL: "gopher://p"}, "ProxyURL", "only http, https and socks5 proxies"},
		{transport.Config{Server: "https://h", ProxyURL: "socks5://p:1080"}, "", "socks5 proxies are supported"},
		{transport.Config{Server: "https://h", TLS: transport.TLSConfig{Insecure: true, CAFile: "ca"}}, "TLS.Insecure", "insecure contradicts a CA"},
		{transport.Config{Server: "https://h", TLS: transport.TLSConfig{CertFile: "c"}}, "TLS.KeyData", "a certificate needs a key"},
		{transport.Config{Server: "https://h", TLS: transport.TLSConfig{KeyData: transport.NewSecret("k")}}, "TLS.CertData", "a key needs a certificate"},
		{transport.Config{Server: "https://h", BearerToken: transport.NewSecret("t"), Username: "u"}, "Username", "basic and bearer contradict each other"},
		{transport.Config{Server: "https://h", Password: transport.NewSecret("p")}, "Username", "a password needs a user"},
		{transport.Config{Server: "https://h", BearerToken: transport.NewSecret("t"), BearerTokenFile: "f"}, "", "the token file takes precedence over the token"},
		{transport.Config{Server: "https://h", BearerToken: transport.NewSecret("t"), Exec: &transport.ExecConfig{Command: "x", APIVersion: transport.ExecAPIVersionV1beta1}}, "Exec", "exec and a token contradict each other"},
		{transport.Config{Server: "https://h", Exec: &transport.ExecConfig{APIVersion: transport.ExecAPIVersionV1beta1}}, "Exec.Command", "exec needs a command"},
		{transport.Config{Server: "https://h", Exec: &transport.ExecConfig{Command: "x", APIVersion: "client.authentication.k8s.io/v1alpha1"}}, "Exec.APIVersion", "v1alpha1 was removed from Kubernetes"},
		{transport.Config{Server: "https://h", Exec: &transport.ExecConfig{Command: "x", APIVersion: transport.ExecAPIVersionV1}}, "Exec.InteractiveMode", "v1 requires interactiveMode"},
		{transport.Config{Server: "https://h", Exec: &transport.ExecConfig{Command: "x", APIVersion: transport.ExecAPIVersionV1, InteractiveMode: "Sometimes"}}, "Exec.InteractiveMode", "unknown interactive mode"},
		{transport.Config{Server: "https://h", Impersonate: transport.Impersonation{Groups: []string{"g"}}}, "Impersonate.UserName", "impersonating groups needs a user"},
		{transport.Config{Server: "https://h", Burst: -1}, "Burst", "negative burst"},
		{transport.Config{Server: "https://h", QPS: transport.NoRateLimit}, "", "rate limiting can be turned off"},
		{transport.Config{Server: "https://h", Retry: transport.RetryPolicy{MaxAttempts: -1}}, "Retry", "negative attempts"},
		{transport.Config{Server: "https://h", UserAgent: "a\r\nX-Evil: 1"}, "UserAgent", "header injection"},
		{transport.Config{Server: "https://h", ProxyURL: "http://u:pw@p:3128"}, "ProxyURL", "proxy credentials belong in ProxyUsername and ProxyPassword"},
		{transport.Config{Server: "https://h", ProxyURL: "http://p:3128", ProxyUsername: "u", ProxyPassword: transport.NewSecret("pw")}, "", "proxy credentials"},
		{transport.Config{Server: "https://h", ProxyURL: "http://p:3128", ProxyPassword: transport.NewSecret("pw")}, "ProxyUsername", "a proxy password needs a user"},
		{transport.Config{Server: "https://h", ProxyUsername: "u"}, "ProxyURL", "proxy credentials need a proxy"},
		{transport.Config{Server: "https://h", Namespace: "team-a"}, "", "a namespace is a DNS-1123 label"},
		{transport.Config{Server: "https://h", Namespace: "Bad/NS"}, "Namespace", "a namespace cannot hold '/' or upper case"},
		{transport.Config{Server: "https://h", Namespace: ".."}, "Namespace", "a namespace cannot be a path element"},
	}
	for _, tc := range tests {
		err := tc.cfg.Validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("Validate(%v) = %v, want nil (%s)", tc.cfg, err, tc.reason)
			}
			continue
		}
		var ce *transport.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("Validate(%v) = %v, want a ConfigError for %s (%s)", tc.cfg, err, tc.field, tc.reason)
		}
	}
}

func TestResponseHeaderTimeoutSparesBodiesAndStreams(t *testing.T) {
	t.Parallel()
	// In a synctest bubble the header timeout fires exactly when the
	// bubble's clock reaches it, however loaded the machine is, and a
	// responder that would block forever is a deadlock the bubble reports,
	// not a hang.
	synctest.Test(t, func(t *testing.T) {
		const timeout = time.Minute
		bodyWriter := make(chan *io.PipeWriter, 1)
		mock := httpmock.NewMockTransport()
		mock.RegisterResponder(http.MethodGet, "https://kube.test/slow", func(r *http.Request) (*http.Response, error) {
			<-r.Context().Done() // headers never come: only the timeout ends this
			return nil, r.Context().Err()
		})
		mock.RegisterResponder(http.MethodGet, "https://kube.test/stream", func(r *http.Request) (*http.Response, error) {
			time.Sleep(3 * timeout) // headers come long after the timeout
			return httpmock.NewStringResponse(200, "events"), nil
		})
		mock.RegisterResponder(http.MethodGet, "https://kube.test/body", func(r *http.Request) (*http.Response, error) {
			pr, pw := io.Pipe()
			bodyWriter <- pw
			return &http.Response{StatusCode: 200, Header: http.Header{}, Body: pr, Request: r}, nil
		})
		rt := mustRT(t, &transport.Config{Server: "https://kube.test", Base: mock, QPS: transport.NoRateLimit,
			Retry: transport.RetryPolicy{MaxAttempts: 1}, Timeouts: transport.Timeouts{ResponseHeader: timeout}})

		start := time.Now()
		_, err := get(t, rt, context.Background(), "https://kube.test/slow")
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "response headers") {
			t.Errorf("/slow: got %v, want a response header timeout", err)
		}
		if d := time.Since(start); d != timeout {
			t.Errorf("/slow failed after %v, want exactly the header timeout %v", d, timeout)
		}

		// A body is read long after the timeout: the timer stopped when
		// the headers came.
		resp, err := get(t, rt, context.Background(), "https://kube.test/body")
		if err != nil {
			t.Fatalf("/body: %v", err)
		}
		pw := <-bodyWriter
		go func() {
			time.Sleep(5 * timeout)
			io.WriteString(pw, "rest of the body")
			pw.Close()
		}()
		b, err := io.ReadAll(resp.Body)
		if err != nil || string(b) != "rest of the body" {
			t.Errorf("/body: read %q, %v; the header timeout must not cut bodies", b, err)
		}

		// A streaming request waits for its headers as long as its context.
		start = time.Now()
		resp, err = get(t, rt, transport.Streaming(context.Background()), "https://kube.test/stream")
		if err != nil {
			t.Fatalf("/stream: %v; streaming requests have no header timeout", err)
		}
		if b, _ := io.ReadAll(resp.Body); string(b) != "events" || time.Since(start) != 3*timeout {
			t.Errorf("/stream: %q after %v, want events after %v", b, time.Since(start), 3*timeout)
		}
	})
}

func TestInClusterFrom(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := transport.NewTestCA(t, "cluster-ca")
	token := transport.WriteFile(t, dir, "token", []byte("sa-token"))
	caFile := transport.WriteFile(t, dir, "ca.crt", ca.PEM)
	ns := transport.WriteFile(t, dir, "namespace", []byte("apps\n"))
	tests := []struct {
		name   string
		opts   transport.InClusterOptions
		want   *transport.Config
		is     error
		field  string
		reason string
	}{{
		name:   "complete",
		opts:   transport.InClusterOptions{TokenFile: token, CAFile: caFile, NamespaceFile: ns, Host: "10.0.0.1", Port: "443"},
		want:   &transport.Config{Server: "https://10.0.0.1:443", TLS: transport.TLSConfig{CAFile: caFile}, BearerTokenFile: token, Namespace: "apps"},
		reason: "host, port, token file, CA and namespace",
	}, {
		name:   "ipv6-no-namespace",
		opts:   transport.InClusterOptions{TokenFile: token, CAFile: caFile, NamespaceFile: filepath.Join(dir, "none"), Host: "fd00::1", Port: "6443"},
		want:   &transport.Config{Server: "https://[fd00::1]:6443", TLS: transport.TLSConfig{CAFile: caFile}, BearerTokenFile: token},
		reason: "IPv6 hosts are bracketed; a missing namespace file leaves Namespace empty",
	}, {
		name:   "no-token",
		opts:   transport.InClusterOptions{TokenFile: filepath.Join(dir, "none"), CAFile: caFile, Host: "h", Port: "1"},
		is:     os.ErrNotExist,
		field:  "BearerTokenFile",
		reason: "a pod without a token is an error, not 'not in cluster'",
	}}
	for _, tc := range tests {
		got, err := transport.InClusterFrom(tc.opts)
		if tc.want != nil {
			if err != nil || got.String() != tc.want.String() {
				t.Errorf("%s: got %v, %v; want %v (%s)", tc.name, got, err, tc.want, tc.reason)
			}
			continue
		}
		var ce *transport.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, tc.is) {
			t.Errorf("%s: got %v, want a ConfigError for %s (%s)", tc.name, err, tc.field, tc.reason)
		}
	}
}

func TestInClusterOutsideACluster(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")
	if _, err := transport.InCluster(); !errors.Is(err, transport.ErrNotInCluster) {
		t.Errorf("InCluster() = %v, want ErrNotInCluster", err)
	}
}

func TestAutoFallsBackToProxy(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "missing"))
	cfg, err := transport.Auto()
	if err != nil || cfg.Server != transport.DefaultProxyURL {
		t.Errorf("Auto() = %v, %v; want the kubectl proxy default", cfg, err)
	}
	t.Setenv("KUBECONFIG", fixture(t, "merge-a.yaml"))
	cfg, err = transport.Auto()
	if err != nil || cfg.Server != "https://a.example" {
		t.Errorf("Auto() = %v, %v; want the kubeconfig's server", cfg, err)
	}
	t.Setenv("KUBECONFIG", fixture(t, "malformed", "bad-bool.yaml"))
	if _, err := transport.Auto(); err == nil {
		t.Error("Auto() skipped a malformed kubeconfig; want its error")
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		tokenFile := transport.WriteFile(t, dir, "token", []byte("shared-token"))
		mock := httpmock.NewMockTransport()
		mock.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
			if r.Header.Get("Authorization") != "Bearer shared-token" {
				return httpmock.NewStringResponse(401, ""), nil
			}
			return httpmock.NewStringResponse(200, "{}"), nil
		})
		rt := mustRT(t, &transport.Config{Server: "https://kube.test", BearerTokenFile: tokenFile, Base: mock,
			Impersonate: transport.Impersonation{UserName: "jane", Groups: []string{"g"}}, QPS: 1000, Burst: 10})
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for g := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					if g%5 == 0 {
						time.Sleep(10 * time.Second) // token file re-reads race with requests
					}
					req, _ := http.NewRequest(http.MethodGet, "https://kube.test/api", nil)
					resp, err := rt.RoundTrip(req)
					if err != nil {
						errs <- err
						continue
					}
					resp.Body.Close()
					if resp.StatusCode != 200 {
						errs <- errors.New(resp.Status)
					}
					if len(req.Header) != 0 {
						errs <- errors.New("the caller's request was modified")
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}
