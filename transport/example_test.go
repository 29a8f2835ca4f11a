package transport_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/kube-for-go/kube/transport"
)

// Proxy is the simplest connection: "kubectl proxy" adds the credentials.
func ExampleProxy() {
	cfg := transport.Proxy("")
	fmt.Println(cfg.Server)
	// Output: http://localhost:8001
}

// LoadKubeconfig picks the current context, or the one asked for.
func ExampleLoadKubeconfig() {
	cfg, err := transport.LoadKubeconfig(transport.KubeconfigOptions{
		Paths:   []string{"testdata/kubeconfig/full.yaml"},
		Context: "token",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Server)
	fmt.Println(cfg.Namespace)
	fmt.Println(cfg.Impersonate.UserName, cfg.Impersonate.Groups)
	// Output:
	// https://insecure.example:6443
	// team-b
	// jane [devs ops]
}

// A malformed kubeconfig is reported with its file, line and field.
func ExampleConfigError() {
	_, err := transport.LoadKubeconfig(transport.KubeconfigOptions{
		Paths: []string{"testdata/kubeconfig/malformed/bad-bool.yaml"},
	})
	var ce *transport.ConfigError
	if errors.As(err, &ce) {
		fmt.Println(filepath.Base(ce.File), ce.Line, ce.Field)
	}
	// Output: bad-bool.yaml 6 clusters[name=c].cluster.insecure-skip-tls-verify
}

// Printing a Config never shows its secrets.
func ExampleConfig_String() {
	cfg := &transport.Config{Server: "https://kube.example:6443", BearerToken: transport.NewSecret("eyJhbGciOi..."), Namespace: "apps"}
	fmt.Println(cfg)
	fmt.Printf("%#v\n", cfg)
	// Output:
	// transport.Config{Server:https://kube.example:6443 BearerToken:REDACTED Namespace:apps}
	// transport.Config{Server:"https://kube.example:6443", BearerToken:"REDACTED", Namespace:"apps"}
}

// A Secret holds a credential; only Reveal shows it.
func ExampleSecret() {
	token := transport.NewSecret("eyJhbGciOi...")
	fmt.Println(token)
	fmt.Printf("%q %x %d\n", token, token, token)
	b, _ := json.Marshal(struct{ Token transport.Secret }{token})
	fmt.Println(string(b))
	fmt.Println(len(token.Reveal()))
	// Output:
	// REDACTED
	// "REDACTED" 5245444143544544 %!d(string=REDACTED)
	// {"Token":"REDACTED"}
	// 13
}

// RoundTripper builds the layered stack; here against a local test server
// that checks the bearer token.
func ExampleConfig_RoundTripper() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer my-token" {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"major":"1","minor":"34"}`)
	}))
	defer srv.Close()

	cfg := &transport.Config{Server: srv.URL, BearerToken: transport.NewSecret("my-token")}
	rt, err := cfg.RoundTripper()
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: rt}
	resp, err := client.Get(cfg.Server + "/version")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
	// Output: 200 OK {"major":"1","minor":"34"}
}

// Logger receives one record per request.
func ExampleConfig_Logger() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{} // keep the output stable
			}
			return a
		},
	}))
	client, err := (&transport.Config{Server: srv.URL, Logger: logger}).HTTPClient()
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.Get(srv.URL + "/api/v1/namespaces")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	// Output: level=DEBUG msg="kube request" method=GET path=/api/v1/namespaces status=200 retries=0
}

// InClusterFrom reads the service account files of a pod; here a copy in a
// temporary directory.
func ExampleInClusterFrom() {
	dir, err := os.MkdirTemp("", "serviceaccount")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for name, content := range map[string]string{"token": "sa-token", "ca.crt": "", "namespace": "apps"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			log.Fatal(err)
		}
	}
	cfg, err := transport.InClusterFrom(transport.InClusterOptions{
		TokenFile:     filepath.Join(dir, "token"),
		CAFile:        filepath.Join(dir, "ca.crt"),
		NamespaceFile: filepath.Join(dir, "namespace"),
		Host:          "10.96.0.1",
		Port:          "443",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Server, cfg.Namespace)
	// Output: https://10.96.0.1:443 apps
}

// Streaming marks watches and log streams: no rate limit, no timeout but
// the context's.
func ExampleStreaming() {
	ctx := transport.Streaming(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://localhost:8001/api/v1/pods?watch=true", nil)
	fmt.Println(transport.IsStreaming(req.Context()))
	// Output: true
}

// Auto finds the cluster from wherever the program runs.
func ExampleAuto() {
	cfg, err := transport.Auto()
	if err != nil {
		log.Fatal(err)
	}
	client, err := cfg.HTTPClient()
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.Get(cfg.Server + "/version")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	fmt.Println(resp.Status)
}
