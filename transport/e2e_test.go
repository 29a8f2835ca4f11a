package transport_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/transport"
)

// e2eGet sends GET path to the cluster through a plain http.Client using
// the round tripper of cfg, and returns the status and body.
func e2eGet(t *testing.T, cfg *transport.Config, path string) (int, string, error) {
	t.Helper()
	rt, err := cfg.RoundTripper()
	if err != nil {
		t.Fatalf("RoundTripper: %v", err)
	}
	client := &http.Client{Transport: rt}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Server+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.ProtoMajor != 2 && strings.HasPrefix(cfg.Server, "https:") {
		t.Errorf("%s used %s, want HTTP/2", path, resp.Proto)
	}
	return resp.StatusCode, string(b), err
}

func e2eDirect(c *testutil.Cluster) *transport.Config {
	return &transport.Config{Server: c.ServerURL, TLS: transport.TLSConfig{CAFile: c.CAFile}}
}

func TestE2EAccess(t *testing.T) {
	c := testutil.Shared(t)
	kubeconfig, err := transport.LoadKubeconfig(transport.KubeconfigOptions{Paths: []string{c.KubeconfigPath}})
	if err != nil {
		t.Fatalf("LoadKubeconfig(%s): %v", c.KubeconfigPath, err)
	}
	withToken := func(user string) *transport.Config {
		cfg := e2eDirect(c)
		cfg.BearerToken = transport.NewSecret(c.Token(user))
		return cfg
	}
	tests := []struct {
		name   string
		cfg    *transport.Config
		path   string
		want   int
		reason string
	}{
		{"kubeconfig-client-cert", kubeconfig, "/api/v1/namespaces", 200, "the admin kubeconfig authenticates with its client certificate"},
		{"static-token", withToken(testutil.UserAdmin), "/api/v1/namespaces", 200, "a static bearer token of system:masters"},
		{"forbidden", withToken(testutil.UserAlice), "/api/v1/secrets", 403, "alice is authenticated but has no RBAC permission"},
		{"proxy", transport.Proxy(c.ProxyURL), "/api/v1/namespaces", 200, "kubectl proxy adds the credentials itself"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body, err := e2eGet(t, tc.cfg, tc.path)
			if err != nil {
				t.Fatalf("GET %s: %v (%s)", tc.path, err, tc.reason)
			}
			if status != tc.want {
				t.Errorf("GET %s = %d, want %d (%s): %.300s", tc.path, status, tc.want, tc.reason, body)
			}
		})
	}
}

func TestE2EInvalidToken(t *testing.T) {
	c := testutil.Shared(t)
	const secret = "e2e-invalid-token-0123456789"
	logger, logs := transport.CaptureLogger()
	cfg := e2eDirect(c)
	cfg.BearerToken = transport.NewSecret(secret)
	cfg.Logger = logger
	status, body, err := e2eGet(t, cfg, "/api/v1/namespaces")
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", status)
	}
	for what, text := range map[string]string{"body": body, "logs": logs.String(), "config": cfg.String()} {
		if strings.Contains(text, secret) {
			t.Errorf("the %s contains the token: %s", what, text)
		}
	}
}

func TestE2EServiceAccountInCluster(t *testing.T) {
	c := testutil.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	token, err := c.ServiceAccountToken(ctx, "default", "transport-e2e")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(c.ServerURL)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg, err := transport.InClusterFrom(transport.InClusterOptions{
		TokenFile:     transport.WriteFile(t, dir, "token", []byte(token)),
		CAFile:        transport.WriteFile(t, dir, "ca.crt", c.CAPEM),
		NamespaceFile: transport.WriteFile(t, dir, "namespace", []byte("default")),
		Host:          u.Hostname(),
		Port:          u.Port(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Namespace != "default" {
		t.Errorf("Namespace = %q, want default", cfg.Namespace)
	}
	// Discovery is open to every authenticated user, the SA included.
	status, body, err := e2eGet(t, cfg, "/api")
	if err != nil || status != 200 {
		t.Fatalf("GET /api as the service account = %d, %v: %.300s", status, err, body)
	}
	var who struct {
		Status struct {
			UserInfo struct {
				Username string `json:"username"`
			} `json:"userInfo"`
		} `json:"status"`
	}
	rt, err := cfg.RoundTripper()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, cfg.Server+"/apis/authentication.k8s.io/v1/selfsubjectreviews",
		strings.NewReader(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&who); err != nil || who.Status.UserInfo.Username != "system:serviceaccount:default:transport-e2e" {
		t.Errorf("SelfSubjectReview: status %d, user %q, %v; want the service account", resp.StatusCode, who.Status.UserInfo.Username, err)
	}
}

func TestE2EExecPlugin(t *testing.T) {
	c := testutil.Shared(t)
	p := newPluginEnv(t)
	cfg := e2eDirect(c)
	cfg.Exec = p.config(t, transport.ExecAPIVersionV1, "PLUGIN_MODE", "static", "PLUGIN_TOKEN", c.Token(testutil.UserAdmin))
	cfg.Exec.ProvideClusterInfo = true
	status, body, err := e2eGet(t, cfg, "/api/v1/namespaces")
	if err != nil || status != 200 {
		t.Fatalf("GET with the exec plugin's token = %d, %v: %.300s", status, err, body)
	}
}

func TestE2EWrongCA(t *testing.T) {
	c := testutil.Shared(t)
	cfg := &transport.Config{Server: c.ServerURL, TLS: transport.TLSConfig{CAData: transport.NewTestCA(t, "not-the-cluster-ca").PEM},
		BearerToken: transport.NewSecret(c.Token(testutil.UserAdmin)), Retry: transport.RetryPolicy{MaxAttempts: 1}}
	_, _, err := e2eGet(t, cfg, "/api/v1/namespaces")
	var te *transport.TLSError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want a *TLSError", err)
	}
	if strings.Contains(err.Error(), c.Token(testutil.UserAdmin)) {
		t.Errorf("the TLS error contains the token: %v", err)
	}
}

func TestE2EWatchStream(t *testing.T) {
	c := testutil.Shared(t)
	cfg := e2eDirect(c)
	cfg.BearerToken = transport.NewSecret(c.Token(testutil.UserAdmin))
	// The watch lasts 2 s, four times the header timeout: a stream must run
	// until the server (or the context) ends it.
	cfg.Timeouts.ResponseHeader = 500 * time.Millisecond
	rt, err := cfg.RoundTripper()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(transport.Streaming(context.Background()), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Server+"/api/v1/namespaces?watch=1&timeoutSeconds=2", nil)
	start := time.Now()
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		events++
	}
	if err := sc.Err(); err != nil {
		t.Errorf("the watch stream broke after %v: %v", time.Since(start), err)
	}
	if events == 0 {
		t.Error("no watch events; want ADDED for the existing namespaces")
	}
}
