package transport_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/kube-for-go/kube/transport"
)

// pluginEnv describes one use of the test exec plugin.
type pluginEnv struct {
	dir       string
	countFile string
	infoFile  string
}

func newPluginEnv(t *testing.T) *pluginEnv {
	dir := t.TempDir()
	return &pluginEnv{dir: dir, countFile: filepath.Join(dir, "count"), infoFile: filepath.Join(dir, "info.json")}
}

// config returns an ExecConfig running the test plugin with extra settings.
func (p *pluginEnv) config(t *testing.T, apiVersion string, env ...string) *transport.ExecConfig {
	t.Helper()
	cfg := &transport.ExecConfig{
		APIVersion: apiVersion,
		Command:    transport.ExecPlugin(t),
		Env: []transport.ExecEnvVar{
			{Name: "PLUGIN_COUNT_FILE", Value: transport.NewSecret(p.countFile)},
			{Name: "PLUGIN_INFO_FILE", Value: transport.NewSecret(p.infoFile)},
			{Name: "PLUGIN_TOKEN", Value: transport.NewSecret("tok")},
		},
		Stderr: io.Discard,
	}
	if apiVersion == transport.ExecAPIVersionV1 {
		cfg.InteractiveMode = transport.ExecInteractiveNever
	}
	for i := 0; i+1 < len(env); i += 2 {
		cfg.Env = append(cfg.Env, transport.ExecEnvVar{Name: env[i], Value: transport.NewSecret(env[i+1])})
	}
	return cfg
}

func (p *pluginEnv) runs(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(p.countFile)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// authServer is a mock API server accepting the bearer tokens in accept and
// recording every Authorization header.
type authServer struct {
	mu     sync.Mutex
	accept map[string]bool
	seen   []string
}

func newAuthServer(accept ...string) (*authServer, *httpmock.MockTransport) {
	s := &authServer{accept: map[string]bool{}}
	for _, a := range accept {
		s.accept["Bearer "+a] = true
	}
	mock := httpmock.NewMockTransport()
	mock.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		auth := r.Header.Get("Authorization")
		s.seen = append(s.seen, auth)
		if !s.accept[auth] {
			return httpmock.NewStringResponse(401, `{"kind":"Status","code":401}`), nil
		}
		return httpmock.NewStringResponse(200, "{}"), nil
	})
	return s, mock
}

func (s *authServer) sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

func TestExecPluginProtocol(t *testing.T) {
	t.Parallel()
	ca := transport.NewTestCA(t, "exec-ca")
	tests := []struct {
		apiVersion  string
		clusterInfo bool
		reason      string
	}{
		{transport.ExecAPIVersionV1, true, "v1 with cluster info"},
		{transport.ExecAPIVersionV1beta1, false, "v1beta1 without cluster info"},
	}
	for _, tc := range tests {
		t.Run(tc.apiVersion[strings.LastIndex(tc.apiVersion, "/")+1:], func(t *testing.T) {
			t.Parallel()
			p := newPluginEnv(t)
			srv, mock := newAuthServer("tok-1")
			exec := p.config(t, tc.apiVersion)
			exec.ProvideClusterInfo = tc.clusterInfo
			exec.ClusterConfig = json.RawMessage(`{"audience":"kube"}`)
			rt := mustRT(t, &transport.Config{Server: "https://kube.test:6443", TLS: transport.TLSConfig{CAData: ca.PEM, ServerName: "kube"}, Exec: exec, Base: mock})
			for range 2 {
				resp, err := get(t, rt, context.Background(), "https://kube.test:6443/api")
				if err != nil {
					t.Fatalf("RoundTrip: %v (%s)", err, tc.reason)
				}
				if resp.StatusCode != 200 {
					t.Errorf("status %d, want 200 (%s)", resp.StatusCode, tc.reason)
				}
			}
			if got := srv.sent(); len(got) != 2 || got[0] != "Bearer tok-1" || got[1] != "Bearer tok-1" {
				t.Errorf("server saw %q, want the plugin's token twice", got)
			}
			if n := p.runs(t); n != 1 {
				t.Errorf("plugin ran %d times, want 1: credentials without expiry are cached", n)
			}

			var info struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Spec       struct {
					Interactive *bool `json:"interactive"`
					Cluster     *struct {
						Server   string          `json:"server"`
						Name     string          `json:"tls-server-name"`
						CAData   string          `json:"certificate-authority-data"`
						Config   json.RawMessage `json:"config"`
						Insecure bool            `json:"insecure-skip-tls-verify"`
					} `json:"cluster"`
				} `json:"spec"`
			}
			raw, err := os.ReadFile(p.infoFile)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &info); err != nil {
				t.Fatalf("KUBERNETES_EXEC_INFO is not JSON: %v", err)
			}
			if info.APIVersion != tc.apiVersion || info.Kind != "ExecCredential" || info.Spec.Interactive == nil {
				t.Errorf("KUBERNETES_EXEC_INFO = %s, want an ExecCredential of %s with spec.interactive", raw, tc.apiVersion)
			}
			if got := info.Spec.Cluster != nil; got != tc.clusterInfo {
				t.Fatalf("spec.cluster present = %v, want %v: %s", got, tc.clusterInfo, raw)
			}
			if c := info.Spec.Cluster; c != nil {
				if c.Server != "https://kube.test:6443" || c.Name != "kube" || c.CAData != base64.StdEncoding.EncodeToString(ca.PEM) || string(c.Config) != `{"audience":"kube"}` {
					t.Errorf("spec.cluster = %s, want server, tls-server-name, certificate-authority-data and config", raw)
				}
			}
		})
	}
}

func TestExecPluginExpiry(t *testing.T) {
	t.Parallel()
	transport.ExecPlugin(t) // built outside the bubble
	p := newPluginEnv(t)
	synctest.Test(t, func(t *testing.T) {
		// The plugin runs in real time; the bubble's clock moves only when
		// the test sleeps.
		srv, mock := newAuthServer("tok-1", "tok-2")
		exec := p.config(t, transport.ExecAPIVersionV1, "PLUGIN_EXPIRY", time.Now().Add(time.Hour).Format(time.RFC3339))
		rt := mustRT(t, &transport.Config{Server: "https://kube.test", Exec: exec, Base: mock})
		steps := []struct {
			advance time.Duration
			want    string
			runs    int
			reason  string
		}{
			{0, "Bearer tok-1", 1, "the first request runs the plugin"},
			{30 * time.Minute, "Bearer tok-1", 1, "the credential is cached until it expires"},
			{29*time.Minute + 49*time.Second, "Bearer tok-1", 1, "11 s before expiry the credential is still used"},
			{2 * time.Second, "Bearer tok-2", 2, "within 10 s of expiry it is renewed"},
		}
		for i, s := range steps {
			time.Sleep(s.advance)
			if _, err := get(t, rt, context.Background(), "https://kube.test/api"); err != nil {
				t.Fatal(err)
			}
			got := srv.sent()
			if last := got[len(got)-1]; last != s.want || p.runs(t) != s.runs {
				t.Errorf("step %d: sent %q after %d plugin runs, want %q after %d (%s)", i, last, p.runs(t), s.want, s.runs, s.reason)
			}
		}
	})
}

func TestExecPluginRefreshOn401(t *testing.T) {
	t.Parallel()
	p := newPluginEnv(t)
	srv, mock := newAuthServer("tok-2") // the first token is already revoked
	rt := mustRT(t, &transport.Config{Server: "https://kube.test", Exec: p.config(t, transport.ExecAPIVersionV1beta1), Base: mock})
	for range 2 {
		resp, err := get(t, rt, context.Background(), "https://kube.test/api")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Errorf("status %d, want 200 after renewing the credential", resp.StatusCode)
		}
	}
	if got := srv.sent(); strings.Join(got, ",") != "Bearer tok-1,Bearer tok-2,Bearer tok-2" {
		t.Errorf("server saw %q, want tok-1 (401), then tok-2 twice", got)
	}
	if n := p.runs(t); n != 2 {
		t.Errorf("plugin ran %d times, want 2", n)
	}
}

func TestExecPluginClientCertificate(t *testing.T) {
	t.Parallel()
	ca := transport.NewTestCA(t, "server-ca")
	clientCA := transport.NewTestCA(t, "client-ca")
	srv := transport.NewTLSServer(t, ca, clientCA, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 {
			http.Error(w, "no client certificate", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	p := newPluginEnv(t)
	certPEM, keyPEM := clientCA.Issue(t, "exec-user")
	exec := p.config(t, transport.ExecAPIVersionV1, "PLUGIN_MODE", "cert",
		"PLUGIN_CERT_FILE", transport.WriteFile(t, p.dir, "c.crt", certPEM),
		"PLUGIN_KEY_FILE", transport.WriteFile(t, p.dir, "c.key", keyPEM))
	rt := mustRT(t, &transport.Config{Server: srv.URL, TLS: transport.TLSConfig{CAData: ca.PEM}, Exec: exec})
	resp, err := get(t, rt, context.Background(), srv.URL+"/api")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "exec-user" {
		t.Errorf("got %d %q, want 200 from exec-user", resp.StatusCode, b)
	}
}

func TestExecPluginErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		command string // "" means the test plugin
		env     []string
		is      error
		want    string
		reason  string
	}{
		{name: "not-in-path", command: "kube-for-go-no-such-plugin", is: transport.ErrExecNotFound, want: "install it with: go install example.com/login@latest",
			reason: "a missing command shows the install hint"},
		{name: "missing-path", command: "/nonexistent/kube-login", is: transport.ErrExecNotFound, want: "install it with",
			reason: "a missing absolute path is 'not found' too"},
		{name: "exit-status", env: []string{"PLUGIN_MODE", "fail"}, is: transport.ErrExecFailed, want: "exit status 3",
			reason: "a failing plugin reports its exit status"},
		{name: "not-json", env: []string{"PLUGIN_MODE", "garbage", "PLUGIN_TOKEN", "garbage-secret-token"}, is: transport.ErrExecOutput, want: "not a JSON ExecCredential",
			reason: "output that is not JSON is reported without quoting it"},
		{name: "wrong-version", env: []string{"PLUGIN_MODE", "wrong-version", "PLUGIN_TOKEN", "garbage-secret-token"}, is: transport.ErrExecOutput, want: "v1alpha1",
			reason: "the plugin must answer in the configured apiVersion"},
		{name: "no-credential", env: []string{"PLUGIN_MODE", "nothing"}, is: transport.ErrExecOutput, want: "neither a token nor a client certificate",
			reason: "a status without credentials is useless"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPluginEnv(t)
			exec := p.config(t, transport.ExecAPIVersionV1, tc.env...)
			exec.InstallHint = "install it with: go install example.com/login@latest"
			if tc.command != "" {
				exec.Command = tc.command
			}
			_, mock := newAuthServer()
			rt := mustRT(t, &transport.Config{Server: "https://kube.test", Exec: exec, Base: mock})
			_, err := get(t, rt, context.Background(), "https://kube.test/api")
			var ee *transport.ExecError
			if !errors.As(err, &ee) || !errors.Is(err, tc.is) {
				t.Fatalf("got %v, want an *ExecError matching %v (%s)", err, tc.is, tc.reason)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("message %q lacks %q (%s)", err, tc.want, tc.reason)
			}
			if strings.Contains(err.Error(), "garbage-secret-token") {
				t.Errorf("message %q quotes the plugin's output", err)
			}
			if mock.GetTotalCallCount() != 0 {
				t.Errorf("the request was sent without credentials")
			}
		})
	}
}
