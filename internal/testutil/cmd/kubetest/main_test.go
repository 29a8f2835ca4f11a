package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// childEnv runs script in sh and returns the environment of a child
// process (env) started after it, so only exported variables show.
func childEnv(t *testing.T, script string) map[string]string {
	t.Helper()
	out, err := exec.Command("sh", "-c", script+"\nexec env -0").Output()
	require.NoError(t, err, script)
	env := map[string]string{}
	for _, kv := range bytes.Split(out, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok {
			env[k] = v
		}
	}
	return env
}

func TestWriteEnvExportsToChildProcesses(t *testing.T) {
	tests := []struct {
		reason string
		c      testutil.Cluster
		eval   string // how the output is evaluated: %s is the output
	}{
		{
			reason: "plain values, the documented eval \"$(kubetest env)\"",
			c:      testutil.Cluster{ProxyURL: "http://127.0.0.1:8001", ServerURL: "https://127.0.0.1:6443", KubeconfigPath: "/home/u/.cache/kube-for-go/shared/admin.kubeconfig", Binaries: &testutil.Binaries{Kubectl: "/cache/bin/kubectl"}},
			eval:   `eval "$(cat <<'EOF'` + "\n%s\nEOF\n" + `)"`,
		},
		{
			reason: "plain values, the unquoted eval $(kubetest env) of the issue",
			c:      testutil.Cluster{ProxyURL: "http://127.0.0.1:8001", ServerURL: "https://127.0.0.1:6443", KubeconfigPath: "/tmp/k", Binaries: &testutil.Binaries{Kubectl: "/bin/kubectl"}},
			eval:   `eval $(cat <<'EOF'` + "\n%s\nEOF\n" + `)`,
		},
		{
			reason: "shell metacharacters, quotes, spaces and newlines arrive verbatim and are not expanded",
			c: testutil.Cluster{
				ProxyURL:       "http://127.0.0.1:1/$HOME/`id`/$(id)",
				ServerURL:      "https://it's a \"trap\"; rm -rf /tmp/nothing",
				KubeconfigPath: "/path with  two spaces/*.kubeconfig\nsecond line\\",
				Binaries:       &testutil.Binaries{Kubectl: "'"},
			},
			eval: `eval "$(cat <<'EOF'` + "\n%s\nEOF\n" + `)"`,
		},
		{
			reason: "no binaries recorded: KUBECTL is exported empty",
			c:      testutil.Cluster{ProxyURL: "http://p", ServerURL: "https://s", KubeconfigPath: "/k"},
			eval:   `eval "$(cat <<'EOF'` + "\n%s\nEOF\n" + `)"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			var out strings.Builder
			require.NoError(t, writeEnv(&out, &tt.c))
			for _, line := range strings.SplitAfter(strings.TrimSuffix(out.String(), "\n"), "'\n") {
				assert.True(t, strings.HasPrefix(line, "export "), "every statement exports: %q", line)
			}
			env := childEnv(t, strings.Replace(tt.eval, "%s", out.String(), 1))
			wantKubectl := ""
			if tt.c.Binaries != nil {
				wantKubectl = tt.c.Binaries.Kubectl
			}
			for k, want := range map[string]string{
				"KUBE_PROXY_URL": tt.c.ProxyURL, "KUBE_SERVER_URL": tt.c.ServerURL,
				"KUBECONFIG": tt.c.KubeconfigPath, "KUBECTL": wantKubectl,
			} {
				got, ok := env[k]
				assert.True(t, ok, "%s is exported to child processes", k)
				assert.Equal(t, want, got, k)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct {
		reason, in, want string
	}{
		{"empty", "", "''"},
		{"plain", "http://127.0.0.1:80", "'http://127.0.0.1:80'"},
		{"a single quote closes, escapes and reopens", "it's", `'it'\''s'`},
		{"dollar and backquote stay literal inside single quotes", "$x`y`", "'$x`y`'"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, shellQuote(tt.in), tt.reason)
	}
}
