package transport_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kube-for-go/kube/transport"
)

func fixture(t *testing.T, parts ...string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(append([]string{"testdata", "kubeconfig"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func readFixture(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixture(t, parts...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadKubeconfigContexts(t *testing.T) {
	t.Parallel()
	full := fixture(t, "full.yaml")
	ca := readFixture(t, "certs", "ca.crt")
	crt := readFixture(t, "certs", "client.crt")
	key := readFixture(t, "certs", "client.key")
	tests := []struct {
		context string
		want    *transport.Config
		reason  string
	}{{
		context: "",
		want: &transport.Config{
			Server:    "https://files.example:6443",
			Namespace: "team-a",
			ProxyURL:  "http://proxy.example:3128",
			TLS: transport.TLSConfig{
				CAFile:     fixture(t, "certs", "ca.crt"),
				CertFile:   fixture(t, "certs", "client.crt"),
				KeyFile:    fixture(t, "certs", "client.key"),
				ServerName: "kube.example",
			},
		},
		reason: "current-context is used without an override; relative file paths are resolved against the kubeconfig's directory",
	}, {
		context: "data",
		want: &transport.Config{
			Server: "https://data.example",
			TLS:    transport.TLSConfig{CAData: ca, CertData: crt, KeyData: transport.NewSecret(string(key))},
		},
		reason: "-data fields are base64-decoded; no namespace in the context gives \"\"",
	}, {
		context: "token",
		want: &transport.Config{
			Server:      "https://insecure.example:6443",
			Namespace:   "team-b",
			TLS:         transport.TLSConfig{Insecure: true},
			BearerToken: transport.NewSecret("fixture-static-token"),
			Impersonate: transport.Impersonation{
				UserName: "jane", UID: "1234", Groups: []string{"devs", "ops"},
				Extra: map[string][]string{"reason": {"testing"}},
			},
		},
		reason: "token, insecure-skip-tls-verify and every impersonation field",
	}, {
		context: "token-file",
		want: &transport.Config{
			Server:          "https://data.example",
			TLS:             transport.TLSConfig{CAData: ca},
			BearerTokenFile: fixture(t, "token.txt"),
		},
		reason: "tokenFile is resolved, not read into BearerToken, so rotation is seen",
	}, {
		context: "basic",
		want: &transport.Config{
			Server:   "https://data.example",
			TLS:      transport.TLSConfig{CAData: ca},
			Username: "admin",
			Password: transport.NewSecret("fixture-password"),
		},
		reason: "username and password",
	}, {
		context: "exec-v1",
		want: &transport.Config{
			Server: "https://data.example",
			TLS:    transport.TLSConfig{CAData: ca},
			Exec: &transport.ExecConfig{
				APIVersion:         transport.ExecAPIVersionV1,
				Command:            "kube-login",
				Args:               []string{"get-token", "--cluster", "data"},
				Env:                []transport.ExecEnvVar{{Name: "LOGIN_SECRET", Value: transport.NewSecret("fixture-env-secret")}},
				InstallHint:        "install kube-login from example.com",
				ProvideClusterInfo: true,
				InteractiveMode:    transport.ExecInteractiveNever,
				ClusterConfig:      json.RawMessage(`{"audience":"fixture","region":["eu","us"]}`),
			},
		},
		reason: "every exec field, with the cluster's exec extension as JSON; a command without a path separator is looked up in $PATH later",
	}, {
		context: "exec-v1beta1",
		want: &transport.Config{
			Server: "https://data.example",
			TLS:    transport.TLSConfig{CAData: ca},
			Exec: &transport.ExecConfig{
				APIVersion:    transport.ExecAPIVersionV1beta1,
				Command:       fixture(t, "bin", "plugin"),
				ClusterConfig: json.RawMessage(`{"audience":"fixture","region":["eu","us"]}`),
			},
		},
		reason: "v1beta1 needs no interactiveMode; a relative command path is resolved against the kubeconfig's directory",
	}, {
		context: "anonymous",
		want: &transport.Config{
			Server: "https://data.example",
			TLS:    transport.TLSConfig{CAData: ca},
		},
		reason: "a context without a user has no credentials",
	}}
	for _, tc := range tests {
		t.Run(tc.context, func(t *testing.T) {
			got, err := transport.LoadKubeconfig(transport.KubeconfigOptions{Paths: []string{full}, Context: tc.context})
			if err != nil {
				t.Fatalf("LoadKubeconfig: %v (%s)", err, tc.reason)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("LoadKubeconfig(context %q) (%s):\n got %#v\nwant %#v\n got exec %+v\nwant exec %+v", tc.context, tc.reason, got, tc.want, got.Exec, tc.want.Exec)
			}
		})
	}
}

func TestLoadKubeconfigMerge(t *testing.T) {
	t.Parallel()
	a, b, empty := fixture(t, "merge-a.yaml"), fixture(t, "merge-b.yaml"), fixture(t, "empty.yaml")
	tests := []struct {
		name      string
		paths     []string
		context   string
		server    string
		token     string
		namespace string
		reason    string
	}{
		{"a-then-b", []string{a, b}, "", "https://a.example", "token-from-a", "ns-a",
			"current-context and context from-a come from the first file that sets them"},
		{"a-then-b-override", []string{a, b}, "from-b", "https://only-b.example", "token-from-a", "ns-b",
			"context from-b exists only in b, but user shared is taken from a, the first file to define it"},
		{"b-then-a", []string{b, a}, "", "https://only-b.example", "token-from-b", "ns-b",
			"order decides: b's current-context, context and user win"},
		{"b-then-a-from-a", []string{b, a}, "from-a", "https://only-b.example", "token-only-b", "ns-b",
			"context from-a is defined in both files; b's definition wins"},
		{"empty-first", []string{empty, a}, "", "https://a.example", "token-from-a", "ns-a",
			"an empty file is an empty configuration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := transport.LoadKubeconfig(transport.KubeconfigOptions{Paths: tc.paths, Context: tc.context})
			if err != nil {
				t.Fatalf("LoadKubeconfig: %v (%s)", err, tc.reason)
			}
			if cfg.Server != tc.server || cfg.BearerToken.Reveal() != tc.token || cfg.Namespace != tc.namespace {
				t.Errorf("got server %q, token %q, namespace %q; want %q, %q, %q (%s)",
					cfg.Server, cfg.BearerToken.Reveal(), cfg.Namespace, tc.server, tc.token, tc.namespace, tc.reason)
			}
		})
	}
}

func TestLoadKubeconfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string // under testdata/kubeconfig; "" for none
		paths   []string
		context string
		field   string
		line    int // 0: not checked
		is      error
		reason  string
	}{
		{file: "malformed/syntax.yaml", field: "", reason: "YAML syntax errors name the file"},
		{file: "malformed/top-level-list.yaml", field: "(top level)", line: 1, reason: "the document must be a mapping"},
		{file: "malformed/clusters-not-list.yaml", field: "clusters", line: 3, reason: "clusters must be a list of named entries"},
		{file: "malformed/missing-name.yaml", field: "users[0].name", line: 2, reason: "entries need a name"},
		{file: "malformed/bad-base64.yaml", field: "clusters[name=c].cluster.certificate-authority-data", line: 6, reason: "-data fields must be base64"},
		{file: "malformed/bad-bool.yaml", field: "clusters[name=c].cluster.insecure-skip-tls-verify", line: 6, reason: "booleans must be true or false"},
		{file: "malformed/exec-bad-version.yaml", field: "users[name=u].user.exec.apiVersion", line: 6, reason: "v1alpha1 is no longer supported"},
		{file: "malformed/exec-v1-no-interactive.yaml", field: "users[name=u].user.exec.interactiveMode", reason: "v1 requires interactiveMode"},
		{file: "malformed/exec-args-not-list.yaml", field: "users[name=u].user.exec.args", line: 7, reason: "args must be a list"},
		{file: "malformed/token-is-list.yaml", field: "users[name=u].user.token", line: 4, reason: "a token must be a string; the message must not quote it"},
		{file: "malformed/missing-cluster.yaml", field: "contexts[name=c].context.cluster", line: 4, reason: "the context names an unknown cluster"},
		{file: "malformed/unknown-user.yaml", field: "contexts[name=c].context.user", line: 7, reason: "the context names an unknown user"},
		{file: "malformed/no-server.yaml", field: "clusters[name=c].cluster.server", line: 4, reason: "a cluster needs a server"},
		{file: "malformed/missing-ca-file.yaml", field: "clusters[name=c].cluster.certificate-authority", line: 6, is: fs.ErrNotExist, reason: "referenced files are checked at load time"},
		{file: "malformed/insecure-with-ca.yaml", field: "clusters[name=c].cluster.insecure-skip-tls-verify", line: 6, reason: "insecure and a CA contradict each other"},
		{file: "malformed/key-without-cert.yaml", field: "users[name=u].user.client-certificate", line: 7, reason: "a key needs a certificate"},
		{file: "malformed/auth-provider.yaml", field: "users[name=u].user.auth-provider", line: 8, reason: "auth-provider plugins are not supported"},
		{file: "malformed/unknown-anchor.yaml", field: "", line: 8, reason: "a YAML error names the line but never quotes the source (here an alias named like a password)"},
		{file: "malformed/bad-namespace.yaml", field: "contexts[name=c].context.namespace", line: 9, reason: "a namespace must be a DNS-1123 label"},
		{file: "no-current-context.yaml", field: "current-context", reason: "without current-context a context must be chosen"},
		{file: "merge-a.yaml", context: "nope", field: "KubeconfigOptions.Context", reason: "an explicit context must exist"},
		{paths: []string{"testdata/kubeconfig/does-not-exist.yaml"}, field: "KubeconfigOptions.Paths", is: fs.ErrNotExist, reason: "explicit paths must exist"},
	}
	for _, tc := range tests {
		name := tc.file
		if name == "" {
			name = tc.field
		}
		t.Run(name, func(t *testing.T) {
			paths := tc.paths
			var path string
			if tc.file != "" {
				path = fixture(t, strings.Split(tc.file, "/")...)
				paths = []string{path}
			}
			_, err := transport.LoadKubeconfig(transport.KubeconfigOptions{Paths: paths, Context: tc.context})
			var ce *transport.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *ConfigError (%s)", err, tc.reason)
			}
			if ce.Field != tc.field {
				t.Errorf("Field = %q, want %q (%s); error: %v", ce.Field, tc.field, tc.reason, err)
			}
			if tc.line != 0 && ce.Line != tc.line {
				t.Errorf("Line = %d, want %d (%s); error: %v", ce.Line, tc.line, tc.reason, err)
			}
			if path != "" && tc.context == "" && ce.File != path {
				t.Errorf("File = %q, want %q (%s)", ce.File, path, tc.reason)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.field) || (ce.File != "" && !strings.Contains(msg, ce.File)) {
				t.Errorf("message %q does not name the file and the field (%s)", msg, tc.reason)
			}
			if strings.Contains(msg, "malformed-secret") || strings.Contains(msg, "S3cret") {
				t.Errorf("message %q quotes a secret value (%s)", msg, tc.reason)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false (%s)", err, tc.is, tc.reason)
			}
		})
	}
}
