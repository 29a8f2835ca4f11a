package transport_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"go.yaml.in/yaml/v3"

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
		"S3cret", "SECRET-kc-proxy",
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
		"bearer": {Server: "https://kube.test", BearerToken: transport.NewSecret("SECRET-bearer-token"),
			ProxyURL: "http://proxy:3128", ProxyUsername: "user", ProxyPassword: transport.NewSecret("SECRET-proxy-pass"),
			TLS: transport.TLSConfig{CAData: ca.PEM, CertData: certPEM, KeyData: transport.NewSecret(string(keyPEM))}},
		"basic":      {Server: "https://kube.test", Username: "admin", Password: transport.NewSecret("SECRET-password")},
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
		c.Base, c.Logger = reject, logger
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
	rt := mustRT(t, &transport.Config{Server: srv.URL, BearerToken: transport.NewSecret("SECRET-bearer-token"), TLS: transport.TLSConfig{CAData: ca.PEM}, Logger: logger})
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
		"password-without-user": {Server: "https://kube.test", Password: transport.NewSecret("SECRET-password")},
		"bad-key":               {Server: "https://kube.test", TLS: transport.TLSConfig{CertData: []byte("c"), KeyData: transport.NewSecret("SECRET-key-material")}},
		"token-and-basic":       {Server: "https://kube.test", BearerToken: transport.NewSecret("SECRET-bearer-token"), Username: "u", Password: transport.NewSecret("SECRET-password")},
		"bad-proxy":             {Server: "https://kube.test", ProxyURL: "ftp://u:SECRET-proxy-pass@p"},
		"proxy-credentials":     {Server: "https://kube.test", ProxyURL: "http://u:SECRET-proxy-pass@p"},
		"server-credentials":    {Server: "https://u:SECRET-password@", BearerToken: transport.NewSecret("SECRET-bearer-token")},
	} {
		_, err := cfg.RoundTripper()
		if err == nil {
			t.Errorf("%s: RoundTripper succeeded, want an error", name)
		}
		collect(name, err)
		collect(name+" config", cfg)
	}
	// Malformed kubeconfigs around a secret.
	for _, file := range []string{"token-is-list.yaml", "unknown-anchor.yaml"} {
		_, err = transport.LoadKubeconfig(transport.KubeconfigOptions{Paths: []string{fixture(t, "malformed", file)}})
		collect("kubeconfig "+file, err)
		if err == nil {
			t.Errorf("%s: want a kubeconfig error", file)
		}
	}
	// A valid kubeconfig with proxy credentials, printed.
	cfg, err := transport.LoadKubeconfig(transport.KubeconfigOptions{Paths: []string{fixture(t, "proxy-credentials.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	collect("kubeconfig proxy", fmt.Sprintf("%v %+v %#v %s %q %x", cfg, cfg, cfg, cfg, cfg, cfg))

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

// TestSecretsNeverPrinted shows values holding every kind of secret in every
// way a program might: each fmt verb, on the value, a pointer to it, and
// nested in exported and unexported fields, slices, maps and interfaces;
// encoding/json, encoding/xml and YAML; and log/slog with the text and JSON
// handlers, also inside groups. No output may hold a secret, in clear or
// hex-encoded.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	secrets := []string{"SECRET-tok", "SECRET-pw", "SECRET-key", "SECRET-env", "SECRET-proxy"}
	exec := &transport.ExecConfig{APIVersion: transport.ExecAPIVersionV1beta1, Command: "login",
		Env: []transport.ExecEnvVar{{Name: "LOGIN", Value: transport.NewSecret("SECRET-env")}}}
	cfg := transport.Config{
		Server:      "https://kube.test",
		BearerToken: transport.NewSecret("SECRET-tok"),
		Username:    "admin", Password: transport.NewSecret("SECRET-pw"),
		TLS:      transport.TLSConfig{CertData: []byte("cert"), KeyData: transport.NewSecret("SECRET-key")},
		Exec:     exec,
		ProxyURL: "http://proxy:3128", ProxyUsername: "proxy-user", ProxyPassword: transport.NewSecret("SECRET-proxy"),
	}
	type exported struct{ C transport.Config }
	type unexported struct{ c transport.Config }
	type unexportedParts struct {
		s   transport.Secret
		tls transport.TLSConfig
		e   transport.ExecConfig
		env []transport.ExecEnvVar
		p   *transport.Config
	}
	values := map[string]any{
		"Secret":                  cfg.BearerToken,
		"*Secret":                 &cfg.BearerToken,
		"Config":                  cfg,
		"*Config":                 &cfg,
		"TLSConfig":               cfg.TLS,
		"ExecConfig":              *exec,
		"*ExecConfig":             exec,
		"ExecEnvVar":              exec.Env[0],
		"[]ExecEnvVar":            exec.Env,
		"exported field":          exported{cfg},
		"unexported field":        unexported{cfg},
		"*unexported field":       &unexported{cfg},
		"unexported parts":        unexportedParts{cfg.Password, cfg.TLS, *exec, exec.Env, &cfg},
		"*unexported parts":       &unexportedParts{cfg.Password, cfg.TLS, *exec, exec.Env, &cfg},
		"[]Config":                []transport.Config{cfg},
		"map[string]Config":       map[string]transport.Config{"a": cfg},
		"map[Secret]string":       map[transport.Secret]string{cfg.BearerToken: "x"},
		"map[string]*Config":      map[string]*transport.Config{"a": &cfg},
		"[]any":                   []any{cfg, &cfg, cfg.TLS, cfg.Password},
		"[]unexported":            []unexported{{cfg}},
		"map[string]unexported":   map[string]unexported{"a": {cfg}},
		"[1]unexportedParts":      [1]unexportedParts{{s: cfg.ProxyPassword}},
		"struct{any}":             struct{ v any }{cfg},
		"struct{[]Secret}":        struct{ s []transport.Secret }{[]transport.Secret{cfg.BearerToken}},
		"struct{map[string]Secr}": struct{ m map[string]transport.Secret }{map[string]transport.Secret{"k": cfg.Password}},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%#x", "%d", "%t", "%o", "%O", "%b", "%c", "%U",
		"%e", "%f", "%g", "%p", "%T", "%10s", "%-12v", "%.40s", "%08x", "%+q", "%#q", "%w"}

	var outputs []string
	add := func(what string, out string) { outputs = append(outputs, what+": "+out) }
	for name, v := range values {
		for _, verb := range verbs {
			add(name+" "+verb, fmt.Sprintf(verb, v))
		}
		add(name+" Sprint", fmt.Sprint(v))
		add(name+" Sprintln", fmt.Sprintln(v, v))
		if b, err := json.Marshal(v); err == nil {
			add(name+" json", string(b))
		}
		if b, err := xml.Marshal(v); err == nil {
			add(name+" xml", string(b))
		}
		if b, err := yaml.Marshal(v); err == nil {
			add(name+" yaml", string(b))
		}
		var text, js bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("m", "v", v, slog.Group("g", "v", v), slog.Any("any", v))
		slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "v", v, slog.Group("g", "v", v), slog.Any("any", v))
		add(name+" slog text", text.String())
		add(name+" slog json", js.String())
	}
	for _, out := range outputs {
		for _, s := range secrets {
			for _, form := range []string{s, hex.EncodeToString([]byte(s)), strings.ToUpper(hex.EncodeToString([]byte(s))), base64.StdEncoding.EncodeToString([]byte(s))} {
				if strings.Contains(out, form) {
					t.Errorf("secret %q leaked (as %q) in %s", s, form, out)
				}
			}
		}
	}
	// The test looks at real output: the redacted forms are there.
	all := strings.Join(outputs, "\n")
	for _, want := range []string{"BearerToken:REDACTED", `BearerToken:"REDACTED"`, `"BearerToken":"REDACTED"`, "LOGIN=REDACTED", "ProxyPassword:REDACTED", "KeyData:REDACTED", "proxy-user"} {
		if !strings.Contains(all, want) {
			t.Errorf("no output holds %q; the test is not looking at the values", want)
		}
	}
}

func TestSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		secret transport.Secret
		reveal string
		zero   bool
		shown  string
		reason string
	}{
		{transport.Secret{}, "", true, "", "the zero value is empty and shows nothing"},
		{transport.NewSecret(""), "", true, "", "an empty string is the empty Secret"},
		{transport.NewSecret("s3cr3t"), "s3cr3t", false, "REDACTED", "content is revealed only by Reveal"},
	}
	for _, tc := range tests {
		if got := tc.secret.Reveal(); got != tc.reveal {
			t.Errorf("Reveal() = %q, want %q (%s)", got, tc.reveal, tc.reason)
		}
		if got := tc.secret.IsZero(); got != tc.zero {
			t.Errorf("IsZero() = %v, want %v (%s)", got, tc.zero, tc.reason)
		}
		if got := fmt.Sprint(tc.secret); got != tc.shown {
			t.Errorf("Sprint = %q, want %q (%s)", got, tc.shown, tc.reason)
		}
		if b, _ := json.Marshal(tc.secret); string(b) != strconv.Quote(tc.shown) {
			t.Errorf("json = %s, want %q (%s)", b, tc.shown, tc.reason)
		}
	}
	a, b := transport.NewSecret("x"), transport.NewSecret("x")
	if !reflect.DeepEqual(a, b) || reflect.DeepEqual(a, transport.NewSecret("y")) {
		t.Error("reflect.DeepEqual must compare Secrets by content")
	}
}
