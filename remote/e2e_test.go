package remote_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/remote"
	"github.com/kube-for-go/kube/transport"
)

// e2ePod starts a kwok pod with the containers in a fresh namespace, waits
// until it is ready, and returns the cluster, a client over the direct
// HTTPS kubeconfig connection, the namespace and a deadline context.
func e2ePod(t *testing.T, name string, containers ...string) (*testutil.Cluster, *kube.Cluster, string, context.Context) {
	t.Helper()
	tc := testutil.Shared(t)
	require.GreaterOrEqual(t, tc.Harness, 3, "the shared cluster's kwok does not serve the kubelet API: restart it (make cluster-down)")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ns := tc.Namespace(t)
	var cs []any
	for _, n := range containers {
		cs = append(cs, map[string]any{"name": n, "image": "registry.example/" + n})
	}
	pod, err := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     map[string]any{"containers": cs},
	})
	require.NoError(t, err)
	_, err = tc.Kubectl(ctx, string(pod), "apply", "-f", "-")
	require.NoError(t, err)
	_, err = tc.Kubectl(ctx, "", "-n", ns, "wait", "pod/"+name, "--for=condition=Ready", "--timeout=60s")
	require.NoError(t, err)
	cfg, err := transport.LoadKubeconfig(transport.KubeconfigOptions{Paths: []string{tc.KubeconfigPath}})
	require.NoError(t, err)
	c, err := kube.NewFromConfig(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return tc, c, ns, ctx
}

func TestE2EExec(t *testing.T) {
	tc, c, ns, ctx := e2ePod(t, "shell", "app")
	pods := c.Pods.In(ns)

	t.Run("output and working directory", func(t *testing.T) {
		var out, errOut strings.Builder
		err := remote.Exec(ctx, pods, "shell", remote.ExecOptions{
			Command: []string{"sh", "-c", "echo hi; pwd; echo oops >&2"},
			Streams: remote.Streams{Stdout: &out, Stderr: &errOut},
		})
		require.NoError(t, err)
		assert.Equal(t, "hi\n"+filepath.Join(tc.Dir, "kubelet", "exec")+"\n", out.String())
		assert.Equal(t, "oops\n", errOut.String(), "stderr comes apart")
	})
	t.Run("stdin to its end", func(t *testing.T) {
		var out strings.Builder
		err := remote.Exec(ctx, pods, "shell", remote.ExecOptions{
			Command: []string{"sh", "-c", `read a; read b; echo "got $a and $b"; cat; echo end`},
			Streams: remote.Streams{Stdin: strings.NewReader("one\ntwo\nrest\n"), Stdout: &out},
		})
		require.NoError(t, err, "the command sees the end of stdin (v5 close) and exits")
		assert.Equal(t, "got one and two\nrest\nend\n", out.String())
	})
	t.Run("exit code", func(t *testing.T) {
		var out strings.Builder
		err := remote.Exec(ctx, pods, "shell", remote.ExecOptions{
			Command: []string{"sh", "-c", "echo before; exit 3"},
			Streams: remote.Streams{Stdout: &out},
		})
		var ee *remote.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 3, ee.Code)
		assert.Equal(t, ns+"/shell", ee.Pod)
		assert.Equal(t, "before\n", out.String(), "the output before the exit")
		var se *remote.StreamError
		assert.False(t, errors.As(err, &se), "a non-zero exit is not a stream failure")
	})
}
