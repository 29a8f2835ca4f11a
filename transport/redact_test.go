package transport_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/kube-for-go/kube/transport"
)

// TestRedaction collects every error string and log line produced while
// using secrets in every way the package supports, and asserts none of them
// contains a secret.
func TestRedaction(t *testing.T) {
	t.Parallel()
	ca := transport.NewTestCA(t, "redaction-ca")
	certPEM, keyPEM := ca.Issue(t, "user")
	keyBody := strings.Split(string(keyPEM), "\n")[1] // a line of the key material
	secrets := []string{
		"SECRET-bearer-token", "SECRET-password", "SECRET-env-value", "SECRET-proxy-pass",
		"SECRET-exec-token", "SECRET-file-token", "SECRET-key-material", keyBody,
	}

	var collected []string
	collect := func(what string, v any) {
		collected = append(collected, what+": "+fmt.Sprint(v))
	}
	logger, logs := transport.CaptureLogger()
	var jsonLogs bytes.Buffer
	jsonLogger := slog.New(slog.NewJSONHandler(&jsonLogs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	dir := t.TempDir()
	p := newPluginEnv(t)
	exec := p.config(t, transport.ExecAPIVersionV1,
		"PLUGIN_TOKEN", "SECRET-exec-token", "LOGIN_SECRET", "SECRET-env-value")
	configs := map[string]*transport.Config{
		"bearer": {Server: "https://kube.test", BearerToken: "SECRET-bearer-token", ProxyURL: "http://user:SECRET-proxy-pass@proxy:3128",
			TLS: transport.TLSConfig{CAData: ca.PEM, CertData: certPEM, KeyData: keyPEM}},
		"basic":      {Server: "https://kube.test", Username: "admin", Password: "SECRET-password"},
		"exec":       {Server: "https://kube.test", Exec: exec},
		"token-file": {Server: "https://kube.test", BearerTokenFile: transport.WriteFile(t, dir, "token", []byte("SECRET-file-token"))},
	}

	// 1. Printing and logging configurations.
	for name, cfg := range configs {
		for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
			collect(name+" "+format, fmt.Sprintf(format, cfg))
			collect(name+" value "+format, fmt.Sprintf(format, *cfg))
			collect(name+" TLS "+format, fmt.Sprintf(format, cfg.TLS))
		}
		if cfg.Exec != nil {
			collect(name+" exec", fmt.Sprintf("%v %+v %#v", cfg.Exec, *cfg.Exec, cfg.Exec))
		}
		logger.Info("config", "cfg", cfg, "value", *cfg)
		jsonLogger.Info("config", "cfg", cfg, "value", *cfg, "tls", cfg.TLS)
	}

	// 2. Requests that fail in every way, with request logging on.
	reject := httpmock.NewMockTransport()
	reject.RegisterNoResponder(httpmock.NewStringResponder(401, `{"message":"Unauthorized"}`))
	for name, cfg := range configs {
		c := *cfg
		c.Base, c.Logger, c.Clock = reject, logger, transport.NewFakeClock()
		rt, err := c.RoundTripper()
		if err != nil {
			collect(name+" build", err)
			continue
		}
		resp, err := get(t, rt, context.Background(), "https://kube.test/api")
		if err != nil {
			collect(name+" request", err)
		} else if resp.StatusCode != 401 {
			t.Errorf("%s: status %d, want 401", name, resp.StatusCode)
		}
	}
	// TLS failure with a token.
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	rt := mustRT(t, &transport.Config{Server: srv.URL, BearerToken: "SECRET-bearer-token", TLS: transport.TLSConfig{CAData: ca.PEM}, Logger: logger})
	_, err := get(t, rt, context.Background(), srv.URL+"/api")
	if err == nil {
		t.Error("the TLS request succeeded; want a verification error")
	}
	collect("tls", err)
	// Exec plugins whose output holds the secret but is unusable.
	for _, mode := range []string{"garbage", "wrong-version"} {
		e := p.config(t, transport.ExecAPIVersionV1, "PLUGIN_MODE", mode, "PLUGIN_TOKEN", "SECRET-exec-token")
		rt := mustRT(t, &transport.Config{Server: "https://kube.test", Exec: e, Base: reject, Logger: logger})
		_, err := get(t, rt, context.Background(), "https://kube.test/api")
		collect("exec "+mode, err)
	}
	// Invalid configurations holding secrets.
	for name, cfg := range map[string]*transport.Config{
		"password-without-user": {Server: "https://kube.test", Password: "SECRET-password"},
		"bad-key":               {Server: "https://kube.test", TLS: transport.TLSConfig{CertData: []byte("c"), KeyData: []byte("SECRET-key-material")}},
		"token-and-basic":       {Server: "https://kube.test", BearerToken: "SECRET-bearer-token", Username: "u", Password: "SECRET-password"},
		"bad-proxy":             {Server: "https://kube.test", ProxyURL: "ftp://u:SECRET-proxy-pass@p"},
	} {
		_, err := cfg.RoundTripper()
		if err == nil {
			t.Errorf("%s: RoundTripper succeeded, want an error", name)
		}
		collect(name, err)
		collect(name+" config", cfg)
	}
	// A malformed kubeconfig around a secret.
	_, err = transport.LoadKubeconfig(transport.KubeconfigOptions{Paths: []string{fixture(t, "malformed", "token-is-list.yaml")}})
	collect("kubeconfig", err)
	if err == nil {
		t.Error("want a kubeconfig error")
	}

	all := strings.Join(collected, "\n") + "\n" + logs.String() + "\n" + jsonLogs.String()
	for _, s := range secrets {
		if strings.Contains(all, s) {
			for _, line := range strings.Split(all, "\n") {
				if strings.Contains(line, s) {
					t.Errorf("secret %q leaked: %s", s, line)
				}
			}
		}
	}
	if testing.Verbose() {
		t.Log(all)
	}
	if !strings.Contains(all, "REDACTED") {
		t.Errorf("nothing was REDACTED; the test is not looking at configurations:\n%s", all)
	}
	if !strings.Contains(logs.String(), "status=401") {
		t.Errorf("request logs missing; the test is not looking at them:\n%s", logs)
	}
}
