package transport

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"
)

func TestExecInteractiveMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode            ExecInteractiveMode
		terminal        bool
		wantErr         error
		wantInteractive bool
		reason          string
	}{
		{ExecInteractiveNever, true, nil, false, "Never ignores a terminal"},
		{ExecInteractiveIfAvailable, true, nil, true, "IfAvailable uses a terminal"},
		{ExecInteractiveIfAvailable, false, nil, false, "IfAvailable runs without one"},
		{ExecInteractiveAlways, true, nil, true, "Always uses a terminal"},
		{ExecInteractiveAlways, false, ErrExecNotInteractive, false, "Always fails without one"},
	}
	for _, tc := range tests {
		t.Run(string(tc.mode), func(t *testing.T) {
			dir := t.TempDir()
			info := filepath.Join(dir, "info")
			cfg := ExecConfig{
				APIVersion: ExecAPIVersionV1, Command: ExecPlugin(t), InteractiveMode: tc.mode, Stderr: io.Discard,
				Env: []ExecEnvVar{{"PLUGIN_INFO_FILE", NewSecret(info)}, {"PLUGIN_COUNT_FILE", NewSecret(filepath.Join(dir, "n"))}},
			}
			p := newExecProvider(cfg, nil, nil)
			p.isTerminal = func(*os.File) bool { return tc.terminal }
			_, err := p.get(context.Background())
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, want %v (%s)", err, tc.wantErr, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("get: %v (%s)", err, tc.reason)
			}
			var in execInput
			b, _ := os.ReadFile(info)
			if err := json.Unmarshal(b, &in); err != nil || in.Spec.Interactive != tc.wantInteractive {
				t.Errorf("spec.interactive = %v (%v), want %v (%s)", in.Spec.Interactive, err, tc.wantInteractive, tc.reason)
			}
		})
	}
}

func TestKubeconfigPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := WriteFile(t, dir, "a", []byte("current-context: x\n"))
	b := WriteFile(t, dir, "b", nil)
	home := t.TempDir()
	homeConfig := filepath.Join(home, ".kube", "config")
	noHome := func() (string, error) { return "", errors.New("no home") }
	tests := []struct {
		name   string
		opts   KubeconfigOptions
		env    string
		home   func() (string, error)
		want   []string
		is     error
		reason string
	}{
		{name: "env-list", env: a + string(os.PathListSeparator) + filepath.Join(dir, "missing") + string(os.PathListSeparator) + string(os.PathListSeparator) + b + string(os.PathListSeparator) + a,
			want: []string{a, b}, reason: "missing and empty entries are skipped, duplicates ignored"},
		{name: "env-all-missing", env: filepath.Join(dir, "missing"), is: ErrNoKubeconfig, reason: "a list naming no existing file"},
		{name: "explicit-wins", opts: KubeconfigOptions{Paths: []string{b}}, env: a, want: []string{b}, reason: "Paths override $KUBECONFIG"},
		{name: "home-missing", home: func() (string, error) { return home, nil }, is: ErrNoKubeconfig, reason: "no ~/.kube/config"},
		{name: "no-home", home: noHome, is: ErrNoKubeconfig, reason: "no home directory"},
	}
	for _, tc := range tests {
		getenv := func(k string) string {
			if k == "KUBECONFIG" {
				return tc.env
			}
			return ""
		}
		h := tc.home
		if h == nil {
			h = noHome
		}
		got, err := kubeconfigPaths(tc.opts, getenv, h)
		if tc.is != nil {
			if !errors.Is(err, tc.is) {
				t.Errorf("%s: got %v, %v; want %v (%s)", tc.name, got, err, tc.is, tc.reason)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) || (len(got) > 0 && (got[0] != tc.want[0] || got[len(got)-1] != tc.want[len(tc.want)-1])) {
			t.Errorf("%s: got %v, %v; want %v (%s)", tc.name, got, err, tc.want, tc.reason)
		}
	}
	if err := os.MkdirAll(filepath.Dir(homeConfig), 0o755); err != nil {
		t.Fatal(err)
	}
	WriteFile(t, filepath.Dir(homeConfig), "config", nil)
	got, err := kubeconfigPaths(KubeconfigOptions{}, func(string) string { return "" }, func() (string, error) { return home, nil })
	if err != nil || len(got) != 1 || got[0] != homeConfig {
		t.Errorf("default: got %v, %v; want %s", got, err, homeConfig)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		ok     bool
		reason string
	}{
		{"", 0, false, "absent"},
		{"0", 0, true, "zero seconds"},
		{"7", 7 * time.Second, true, "seconds"},
		{" 2 ", 2 * time.Second, true, "surrounding spaces"},
		{"-1", 0, false, "negative"},
		{"soon", 0, false, "garbage"},
		{"Tue, 01 Jan 2030 00:00:05 GMT", 5 * time.Second, true, "HTTP date"},
		{"Mon, 31 Dec 2029 23:59:00 GMT", 0, true, "a date in the past means now"},
	}
	for _, tc := range tests {
		got, ok := retryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v (%s)", tc.in, got, ok, tc.want, tc.ok, tc.reason)
		}
	}
}

func TestOriginOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b   string
		same   bool
		reason string
	}{
		{"https://Kube.Example", "https://kube.example:443/api", true, "case and default port do not matter"},
		{"http://h", "http://h:80", true, "default http port"},
		{"https://h", "http://h", false, "scheme matters"},
		{"https://h:6443", "https://h:6444", false, "port matters"},
		{"https://h", "https://h.evil", false, "host matters"},
		{"https://[::1]:6443", "https://[::1]:6443/x", true, "IPv6"},
	}
	for _, tc := range tests {
		ua, _ := url.Parse(tc.a)
		ub, _ := url.Parse(tc.b)
		if got := originOf(ua) == originOf(ub); got != tc.same {
			t.Errorf("same origin %s, %s = %v, want %v (%s)", tc.a, tc.b, got, tc.same, tc.reason)
		}
	}
}

func TestBackoffJitterBounds(t *testing.T) {
	t.Parallel()
	for _, j := range []func(int64) int64{func(int64) int64 { return 0 }, func(n int64) int64 { return n - 1 }} {
		r := &retryRT{policy: RetryPolicy{}.withDefaults(), jitter: j}
		for attempt, want := range []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second} {
			d := r.backoff(attempt + 1)
			if d < want/2 || d > want {
				t.Errorf("backoff(%d) = %v, want within [%v, %v]", attempt+1, d, want/2, want)
			}
		}
		if d := r.backoff(30); d > DefaultRetryMaxDelay {
			t.Errorf("backoff(30) = %v, want at most %v", d, DefaultRetryMaxDelay)
		}
	}
}

func TestHTTPTransportSettings(t *testing.T) {
	t.Parallel()
	c := &Config{Server: "https://h", ProxyURL: "socks5://proxy:1080"}
	tr, err := c.httpTransport(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.ForceAttemptHTTP2 || tr.HTTP2 == nil || tr.HTTP2.SendPingTimeout <= 0 || tr.HTTP2.PingTimeout <= 0 {
		t.Errorf("HTTP/2 with ping health checks is not configured: force=%v http2=%+v", tr.ForceAttemptHTTP2, tr.HTTP2)
	}
	if tr.TLSHandshakeTimeout != DefaultTLSHandshakeTimeout || tr.ResponseHeaderTimeout != 0 {
		t.Errorf("handshake timeout %v, response header timeout %v; want %v and none (the header timeout is per request, sparing streams)",
			tr.TLSHandshakeTimeout, tr.ResponseHeaderTimeout, DefaultTLSHandshakeTimeout)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://h/api", nil)
	if u, err := tr.Proxy(req); err != nil || u == nil || u.Host != "proxy:1080" {
		t.Errorf("proxy for %s = %v, %v; want socks5://proxy:1080", req.URL, u, err)
	}
	c.Timeouts = Timeouts{TLSHandshake: -1}
	if tr, _ := c.httpTransport(nil); tr.TLSHandshakeTimeout != 0 {
		t.Errorf("a negative timeout must mean none, got %v", tr.TLSHandshakeTimeout)
	}
}

func TestExecProviderDoesNotWaitForARunWithValidCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cached  *execCred
		wantErr error
		reason  string
	}{
		{&execCred{token: "cached"}, nil, "valid credentials are used while another request runs the plugin"},
		{&execCred{token: "old", expiry: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)}, context.DeadlineExceeded, "expired credentials make the request wait for the run, within its own context"},
		{nil, context.DeadlineExceeded, "without credentials the request waits for the run, within its own context"},
	}
	for _, tc := range tests {
		synctest.Test(t, func(t *testing.T) {
			p := newExecProvider(ExecConfig{APIVersion: ExecAPIVersionV1, Command: "unused", InteractiveMode: ExecInteractiveNever}, nil, nil)
			p.cred.Store(tc.cached)
			if err := p.lock(context.Background()); err != nil { // a plugin run in progress
				t.Fatal(err)
			}
			defer p.unlock()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now()
			got, err := p.get(ctx)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && got != tc.cached) {
				t.Errorf("get = %v, %v; want %v (%s)", got, err, tc.wantErr, tc.reason)
			}
			if want := map[bool]time.Duration{true: 0, false: time.Minute}[tc.wantErr == nil]; time.Since(start) != want {
				t.Errorf("get returned after %v, want %v (%s)", time.Since(start), want, tc.reason)
			}
		})
	}
}
