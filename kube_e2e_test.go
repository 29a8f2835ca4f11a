package kube_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/sdk"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// TestE2EAutoWithKubeconfig: a user with a normal kubeconfig connects with
// one call and no proxy, over HTTPS with the client certificate, and gets
// the namespace of the current context.
func TestE2EAutoWithKubeconfig(t *testing.T) {
	tc := testutil.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	home := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(home, ".kube"), 0o700))
	data, err := os.ReadFile(tc.KubeconfigPath)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(home, ".kube", "config"), data, 0o600))
	t.Setenv("HOME", home)
	t.Setenv("KUBECONFIG", "")
	t.Setenv("KUBERNETES_SERVICE_HOST", "")

	cluster, ns, err := kube.Auto()
	require.NoError(t, err)
	defer cluster.Close()
	assert.Equal(t, "default", ns, "the namespace of the kubeconfig context")
	assert.Equal(t, tc.ServerURL+"/", cluster.URL(), "direct to the apiserver, no proxy")
	def, err := cluster.Namespaces.Get(ctx, "default")
	require.NoError(t, err)
	assert.Equal(t, "default", def.Meta().Name)
	nodes, err := cluster.Nodes.List(ctx)
	require.NoError(t, err)
	assert.Len(t, nodes, len(tc.Nodes))
}

// TestE2EDefaultIsKubectlProxy: with no options the cluster talks to
// localhost:8001, the kubectl proxy default of the seed.
func TestE2EDefaultIsKubectlProxy(t *testing.T) {
	tc := testutil.Shared(t)
	c, err := kube.New(kube.Options{})
	require.NoError(t, err)
	assert.Equal(t, "http://localhost:8001/", c.URL())
	// The same program pointed at the test cluster's proxy works.
	p, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = p.Namespaces.Get(ctx, "kube-system")
	require.NoError(t, err)
	_, err = p.Namespaces.Get(ctx, "no-such-namespace")
	assert.ErrorIs(t, err, sdk.ErrNotFound)
}
