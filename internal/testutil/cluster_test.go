package testutil

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { Main(m) }

func TestGeneratePKI(t *testing.T) {
	p, err := generatePKI(t.TempDir())
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(p.caPEM))
	load := func(path string) *x509.Certificate {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		b, _ := pem.Decode(data)
		require.NotNil(t, b)
		c, err := x509.ParseCertificate(b.Bytes)
		require.NoError(t, err)
		return c
	}
	serving := load(p.ServingCert)
	_, err = serving.Verify(x509.VerifyOptions{Roots: pool, DNSName: "127.0.0.1", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	require.NoError(t, err, "the serving certificate is valid for the loopback address")
	_, err = serving.Verify(x509.VerifyOptions{Roots: pool, DNSName: "kubernetes.default.svc"})
	require.NoError(t, err)
	admin := load(p.AdminCert)
	assert.Equal(t, []string{"system:masters"}, admin.Subject.Organization)
	_, err = admin.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	require.NoError(t, err)
	_, err = tls.LoadX509KeyPair(p.AdminCert, p.AdminKey)
	require.NoError(t, err)
	kubelet := load(p.KubeletCert)
	_, err = kubelet.Verify(x509.VerifyOptions{Roots: pool, DNSName: "127.0.0.1", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	require.NoError(t, err, "kwok's kubelet API serves the node address 127.0.0.1 with a certificate the apiserver checks against the CA")
	kubeletClient := load(p.KubeletClientCert)
	_, err = kubeletClient.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	require.NoError(t, err, "the apiserver's kubelet client certificate")
	assert.Empty(t, kubeletClient.Subject.Organization, "no group: kwok does not check it and nothing else may trust it")
	for _, pair := range [][2]string{{p.KubeletCert, p.KubeletKey}, {p.KubeletClientCert, p.KubeletClientKey}} {
		_, err = tls.LoadX509KeyPair(pair[0], pair[1])
		require.NoError(t, err, pair[0])
	}
	fi, err := os.Stat(p.SAKey)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "private keys are not world-readable")
}

func TestTail(t *testing.T) {
	tests := []struct {
		reason string
		in     string
		n      int
		want   string
	}{
		{"fewer lines than asked", "a\nb\n", 5, "a\nb"},
		{"the last lines", "a\nb\nc\nd\n", 2, "c\nd"},
		{"no trailing newline", "a\nb", 1, "b"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tail(tt.in, tt.n), tt.reason)
	}
}

// TestE2EClusterBehaviour checks what the rest of the suite relies on: the
// apiserver serves over HTTPS with the admin certificate, the proxy serves
// plain HTTP, a Deployment gets a ReplicaSet and Running pods with IPs, a
// namespace really terminates, and the static tokens authenticate.
func TestE2EClusterBehaviour(t *testing.T) {
	c := Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, c.Healthy(ctx))
	assert.Len(t, c.Nodes, 2)
	assert.True(t, strings.HasPrefix(c.ServerURL, "https://127.0.0.1:"))
	assert.True(t, strings.HasPrefix(c.ProxyURL, "http://127.0.0.1:"))

	version, err := c.Kubectl(ctx, "", "version", "-o", "json")
	require.NoError(t, err)
	assert.Contains(t, version, `"gitVersion": "`+KubernetesVersion+`"`)

	ns := c.Namespace(t)
	_, err = c.Kubectl(ctx, "", "-n", ns, "create", "deployment", "web", "--image=nginx", "--replicas=3")
	require.NoError(t, err)
	_, err = c.Kubectl(ctx, "", "-n", ns, "wait", "deployment/web", "--for=condition=Available", "--timeout=60s")
	require.NoError(t, err)
	out, err := c.Kubectl(ctx, "", "-n", ns, "get", "pods", "-o", `jsonpath={range .items[*]}{.status.phase} {.status.podIP} {.status.containerStatuses[0].ready}{"\n"}{end}`)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	for _, l := range lines {
		f := strings.Fields(l)
		require.Len(t, f, 3, l)
		assert.Equal(t, "Running", f[0])
		assert.True(t, strings.HasPrefix(f[1], "10.244."), f[1])
		assert.Equal(t, "true", f[2])
	}
	rs, err := c.Kubectl(ctx, "", "-n", ns, "get", "replicasets", "-o", "name")
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(rs, "replicaset.apps/web-"))

	// Namespaces terminate: the namespace controller removes the content.
	_, err = c.Kubectl(ctx, "", "delete", "namespace", ns, "--wait=true", "--timeout=90s")
	require.NoError(t, err)
	_, err = c.Kubectl(ctx, "", "get", "namespace", ns)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "NotFound")

	// Static tokens: admin may list secrets, alice may not.
	for user, want := range map[string]int{UserAdmin: 200, UserAlice: 403} {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(c.CAPEM)
		cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.ServerURL+"/api/v1/secrets", nil)
		req.Header.Set("Authorization", "Bearer "+c.Token(user))
		resp, err := cl.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, want, resp.StatusCode, user)
	}
	tok, err := c.ServiceAccountToken(ctx, "default", "e2e-sa")
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(tok, "."), "a JWT")
}

// TestE2EPrivateClusterStartStop starts a second cluster, checks it serves,
// and checks that Stop ends every process it started, and that a state
// whose pids now belong to other programs signals none of them.
func TestE2EPrivateClusterStartStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := Start(ctx, StartOptions{Dir: t.TempDir(), Nodes: 1})
	require.NoError(t, err)
	stopped := false
	defer func() {
		if !stopped {
			c.Stop()
		}
	}()
	require.NoError(t, c.Healthy(ctx))
	assert.Len(t, c.Nodes, 1)
	require.Len(t, c.Procs, 6)
	for _, p := range c.Procs {
		assert.True(t, c.owns(p), p.Name)
	}
	loaded, err := Load(c.StateFile())
	require.NoError(t, err)
	assert.Equal(t, c.ServerURL, loaded.ServerURL)

	c.Stop()
	stopped = true
	for _, p := range c.Procs {
		assert.False(t, pidAlive(p.PID), "%s (pid %d) still runs", p.Name, p.PID)
	}
	_, err = os.Stat(c.StateFile())
	assert.True(t, os.IsNotExist(err), "the state file is removed")

	// A recorded pid that now belongs to another program is left alone.
	me := Proc{Name: "not-ours", PID: os.Getpid()}
	assert.False(t, c.owns(me))
}
