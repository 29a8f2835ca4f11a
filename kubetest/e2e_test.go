package kubetest_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/kubetest"
	"github.com/kube-for-go/kube/sdk"
)

func podManifest(name string, labels, annotations map[string]string, spec string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n", name)
	for _, m := range []struct {
		key string
		kv  map[string]string
	}{{"labels", labels}, {"annotations", annotations}} {
		if len(m.kv) == 0 {
			continue
		}
		fmt.Fprintf(&b, "  %s:\n", m.key)
		for k, v := range m.kv {
			fmt.Fprintf(&b, "    %q: %q\n", k, v)
		}
	}
	b.WriteString("spec:\n")
	if spec == "" {
		spec = "containers:\n- {name: app, image: app:1}\n- {name: sidecar, image: sidecar:1}\n"
	}
	for _, l := range strings.Split(strings.TrimRight(spec, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// waitPod waits until the pod satisfies cond.
func waitPod(t *testing.T, ctx context.Context, k *kube.Cluster, ns, name, what string, cond func(*sdk.Item[kinds.PodStatus]) error) *sdk.Item[kinds.PodStatus] {
	t.Helper()
	var last *sdk.Item[kinds.PodStatus]
	kubetest.Eventually(t, ctx, what, func() error {
		p, err := k.Pods.In(ns).Get(ctx, name)
		if err != nil {
			return err
		}
		last = p
		return cond(p)
	})
	return last
}

func phaseIs(want kinds.PodPhase) func(*sdk.Item[kinds.PodStatus]) error {
	return func(p *sdk.Item[kinds.PodStatus]) error {
		phase, err := p.Status().Phase()
		if err != nil {
			return err
		}
		if phase != want {
			return fmt.Errorf("phase %s, want %s", phase, want)
		}
		return nil
	}
}

func TestE2EClientsAndStaticTokens(t *testing.T) {
	tc := kubetest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ns := tc.Namespace(t)

	assert.True(t, strings.HasPrefix(tc.ProxyURL(), "http://127.0.0.1:"), tc.ProxyURL())
	assert.True(t, strings.HasPrefix(tc.ServerURL(), "https://127.0.0.1:"), tc.ServerURL())
	assert.Contains(t, string(tc.CAPEM()), "BEGIN CERTIFICATE")
	assert.FileExists(t, tc.KubeconfigPath())
	assert.False(t, tc.Private())
	require.NotEmpty(t, tc.Nodes())

	clients := []struct {
		reason string
		k      *kube.Cluster
	}{
		{"kubectl proxy", tc.Client(t)},
		{"HTTPS with the admin kubeconfig", tc.AdminClient(t)},
		{"HTTPS with the admin static token", tc.UserClient(t, kubetest.UserAdmin)},
	}
	for _, c := range clients {
		t.Run(c.reason, func(t *testing.T) {
			nsItem, err := c.k.Namespaces.Get(ctx, ns)
			require.NoError(t, err)
			assert.Equal(t, ns, nsItem.Name())
			for _, n := range tc.Nodes() {
				node, err := c.k.Nodes.Get(ctx, n)
				require.NoError(t, err)
				assert.True(t, node.Status().Ready(), "node %s is Ready", n)
			}
		})
	}

	t.Run("alice is authenticated but may do nothing", func(t *testing.T) {
		_, err := tc.UserClient(t, kubetest.UserAlice).Pods.In(ns).List(ctx)
		require.ErrorIs(t, err, sdk.ErrForbidden)
		assert.Contains(t, err.Error(), `"alice"`, "the server names the user it refused")
	})
	t.Run("an unknown user has no token, and tokens never print", func(t *testing.T) {
		assert.True(t, tc.Token("mallory").IsZero())
		tok := tc.Token(kubetest.UserAlice)
		require.False(t, tok.IsZero())
		assert.NotContains(t, fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok), tok.Reveal())
	})
	t.Run("kubectl sees the same cluster", func(t *testing.T) {
		out, err := tc.Kubectl(ctx, "", "get", "namespace", ns, "-o", "name")
		require.NoError(t, err)
		assert.Equal(t, "namespace/"+ns, strings.TrimSpace(out))
	})
}

func TestE2EServiceAccountClient(t *testing.T) {
	tc := kubetest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ns := tc.Namespace(t)
	other := tc.Namespace(t)
	admin := tc.Client(t)
	_, err := admin.Create(ctx, podManifest("p", nil, nil, ""), sdk.CreateOptions{Namespace: ns})
	require.NoError(t, err)

	reader := tc.ServiceAccountClient(t, ns, "reader", kubetest.Rule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}})
	nobody := tc.ServiceAccountClient(t, ns, "nobody")

	tests := []struct {
		reason string
		do     func() error
		want   error
	}{
		{"the rules allow listing pods in the namespace", func() error { _, err := reader.Pods.In(ns).List(ctx); return err }, nil},
		{"and getting one", func() error { _, err := reader.Pods.In(ns).Get(ctx, "p"); return err }, nil},
		{"but not deleting it", func() error { return reader.Pods.In(ns).Delete(ctx, "p", sdk.DeleteOptions{}) }, sdk.ErrForbidden},
		{"nor listing pods in another namespace (a Role, not a ClusterRole)", func() error { _, err := reader.Pods.In(other).List(ctx); return err }, sdk.ErrForbidden},
		{"nor listing deployments", func() error { _, err := reader.Deployments.In(ns).List(ctx); return err }, sdk.ErrForbidden},
		{"a service account without rules may not list pods", func() error { _, err := nobody.Pods.In(ns).List(ctx); return err }, sdk.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			err := tt.do()
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), "system:serviceaccount:"+ns+":", "the server names the service account it refused")
		})
	}
}

func TestE2EFailingContainers(t *testing.T) {
	tc := kubetest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ns := tc.Namespace(t)
	k := tc.Client(t)

	t.Run("FailPod fails one container of a running pod", func(t *testing.T) {
		_, err := k.Create(ctx, podManifest("victim", nil, nil, ""), sdk.CreateOptions{Namespace: ns})
		require.NoError(t, err)
		waitPod(t, ctx, k, ns, "victim", "the pod to run", phaseIs(kinds.PodRunning))
		require.NoError(t, tc.FailPod(ctx, ns, "victim", kubetest.ContainerFailure{Container: "app", ExitCode: 137, Reason: "OOMKilled", Message: "out of memory"}))
		p, err := k.Pods.In(ns).Get(ctx, "victim")
		require.NoError(t, err)
		require.NoError(t, phaseIs(kinds.PodFailed)(p))
		states := map[string]kinds.ContainerStateName{}
		for _, c := range p.Status().Containers() {
			st, err := c.State()
			require.NoError(t, err)
			states[c.Name()] = st.Name()
			if c.Name() == "app" {
				code, err := st.ExitCode()
				require.NoError(t, err)
				assert.Equal(t, 137, code)
				reason, err := st.Reason()
				require.NoError(t, err)
				assert.Equal(t, "OOMKilled", reason)
				msg, err := st.Message()
				require.NoError(t, err)
				assert.Equal(t, "out of memory", msg)
			}
		}
		assert.Equal(t, map[string]kinds.ContainerStateName{"app": kinds.StateTerminated, "sidecar": kinds.StateRunning}, states)
	})

	t.Run("a pod created with the failure's metadata fails once running", func(t *testing.T) {
		labels, annotations, err := kubetest.ContainerFailure{ExitCode: 3}.Metadata()
		require.NoError(t, err)
		_, err = k.Create(ctx, podManifest("doomed", labels, annotations, ""), sdk.CreateOptions{Namespace: ns})
		require.NoError(t, err)
		p := waitPod(t, ctx, k, ns, "doomed", "the pod to fail", phaseIs(kinds.PodFailed))
		for _, c := range p.Status().Containers() {
			st, err := c.State()
			require.NoError(t, err)
			code, err := st.ExitCode()
			require.NoError(t, err, c.Name())
			assert.Equal(t, 3, code, c.Name())
		}
	})

	t.Run("an init container fails while the pod is pending", func(t *testing.T) {
		labels, annotations, err := kubetest.ContainerFailure{Container: "setup", ExitCode: 2, Init: true}.Metadata()
		require.NoError(t, err)
		spec := "initContainers:\n- {name: setup, image: setup:1}\ncontainers:\n- {name: app, image: app:1}\n"
		_, err = k.Create(ctx, podManifest("bad-init", labels, annotations, spec), sdk.CreateOptions{Namespace: ns})
		require.NoError(t, err)
		p := waitPod(t, ctx, k, ns, "bad-init", "the pod to fail", phaseIs(kinds.PodFailed))
		var found bool
		for _, c := range p.Status().InitContainers() {
			if c.Name() != "setup" {
				continue
			}
			found = true
			st, err := c.State()
			require.NoError(t, err)
			code, err := st.ExitCode()
			require.NoError(t, err)
			assert.Equal(t, 2, code)
		}
		assert.True(t, found, "the init container's status is reported")
	})

	t.Run("FailPod refuses an init failure and a pod that does not exist", func(t *testing.T) {
		err := tc.FailPod(ctx, ns, "victim", kubetest.ContainerFailure{Init: true})
		require.ErrorIs(t, err, kubetest.ErrInvalidFailure)
		err = tc.FailPod(ctx, ns, "ghost", kubetest.ContainerFailure{})
		require.ErrorIs(t, err, sdk.ErrNotFound)
		assert.Contains(t, err.Error(), ns+"/ghost")
	})

	t.Run("a ReplicaSet replaces its failed pod", func(t *testing.T) {
		rs := `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: app:1}]}
`
		_, err := k.Create(ctx, rs, sdk.CreateOptions{Namespace: ns})
		require.NoError(t, err)
		var first string
		kubetest.Eventually(t, ctx, "the ReplicaSet's pod to run", func() error {
			for p, err := range k.Pods.In(ns).All(ctx) {
				if err != nil {
					return err
				}
				if p.Labels().Value("app") == "web" && phaseIs(kinds.PodRunning)(p) == nil {
					first = p.Name()
					return nil
				}
			}
			return errors.New("no running pod")
		})
		require.NoError(t, tc.FailPod(ctx, ns, first, kubetest.ContainerFailure{}))
		kubetest.Eventually(t, ctx, "a replacement pod to run", func() error {
			for p, err := range k.Pods.In(ns).All(ctx) {
				if err != nil {
					return err
				}
				if p.Labels().Value("app") == "web" && p.Name() != first && phaseIs(kinds.PodRunning)(p) == nil {
					return nil
				}
			}
			return errors.New("no replacement running")
		})
	})
}

func TestE2EAddNodeAndNotReady(t *testing.T) {
	tc := kubetest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	ns := tc.Namespace(t)
	k := tc.Client(t)

	var node string
	t.Run("a node of the test's own", func(t *testing.T) {
		node = tc.AddNode(t)
		n, err := k.Nodes.Get(ctx, node)
		require.NoError(t, err)
		assert.True(t, n.Status().Ready())
		assert.Equal(t, node, n.Labels().Value(kubetest.NodeLabel))

		spec := fmt.Sprintf("nodeSelector: {%q: %q}\ntolerations: [{key: %q, operator: Exists}]\ncontainers:\n- {name: app, image: app:1}\n",
			kubetest.NodeLabel, node, kubetest.NodeTaint)
		_, err = k.Create(ctx, podManifest("pinned", nil, nil, spec), sdk.CreateOptions{Namespace: ns})
		require.NoError(t, err)
		_, err = k.Create(ctx, podManifest("elsewhere", nil, nil, "containers:\n- {name: app, image: app:1}\n"), sdk.CreateOptions{Namespace: ns})
		require.NoError(t, err)
		p := waitPod(t, ctx, k, ns, "pinned", "the pinned pod to run", phaseIs(kinds.PodRunning))
		assert.Equal(t, node, p.Spec()["nodeName"], "the pod asking for the node runs there")
		q := waitPod(t, ctx, k, ns, "elsewhere", "the other pod to run", phaseIs(kinds.PodRunning))
		assert.NotEqual(t, node, q.Spec()["nodeName"], "the taint keeps other pods away")

		require.NoError(t, tc.SetNodeReady(ctx, node, false))
		n, err = k.Nodes.Get(ctx, node)
		require.NoError(t, err)
		assert.False(t, n.Status().Ready())
		kubetest.Eventually(t, ctx, "the node lifecycle controller to taint the node not-ready", func() error {
			n, err := k.Nodes.Get(ctx, node)
			if err != nil {
				return err
			}
			taints, _ := n.Spec()["taints"].([]any)
			for _, tt := range taints {
				if m, _ := tt.(map[string]any); m["key"] == "node.kubernetes.io/not-ready" {
					return nil
				}
			}
			return fmt.Errorf("taints %v", taints)
		})

		require.NoError(t, tc.SetNodeReady(ctx, node, true))
		n, err = k.Nodes.Get(ctx, node)
		require.NoError(t, err)
		assert.True(t, n.Status().Ready())
	})
	require.NotEmpty(t, node)
	_, err := k.Nodes.Get(ctx, node)
	require.ErrorIs(t, err, sdk.ErrNotFound, "the node is deleted when the test that added it ends")
	kubetest.Eventually(t, ctx, "the node's pod to be gone", func() error {
		_, err := k.Pods.In(ns).Get(ctx, "pinned")
		if errors.Is(err, sdk.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("pinned: %v", err)
	})
	_, err = k.Pods.In(ns).Get(ctx, "elsewhere")
	require.NoError(t, err, "pods elsewhere stay")

	err = tc.SetNodeReady(ctx, tc.Nodes()[0], false)
	require.ErrorIs(t, err, kubetest.ErrSharedCluster, "the shared cluster's own nodes are off limits")
	assert.Contains(t, err.Error(), tc.Nodes()[0])
	err = tc.RestartAPIServer(ctx)
	require.ErrorIs(t, err, kubetest.ErrSharedCluster)
}

// compactEtcd runs on the private cluster: compacting the shared one would
// turn the paged lists other packages have in flight into 410 Gone.
func compactEtcd(t *testing.T, tc *kubetest.Cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ns := tc.Namespace(t)
	k := tc.Client(t)
	path := "/api/v1/namespaces/" + ns + "/pods"
	for _, name := range []string{"a", "b"} {
		_, err := k.Create(ctx, podManifest(name, nil, nil, ""), sdk.CreateOptions{Namespace: ns})
		require.NoError(t, err)
	}
	page, err := k.Proxy().Get(ctx, path, url.Values{"limit": {"1"}})
	require.NoError(t, err)
	meta, _ := page["metadata"].(map[string]any)
	old, _ := meta["resourceVersion"].(string)
	cont, _ := meta["continue"].(string)
	require.NotEmpty(t, old)
	require.NotEmpty(t, cont)
	exact := url.Values{"resourceVersion": {old}, "resourceVersionMatch": {"Exact"}}
	_, err = k.Proxy().Get(ctx, path, exact)
	require.NoError(t, err, "before compaction the old resourceVersion can be listed")

	_, err = k.Create(ctx, podManifest("after", nil, nil, ""), sdk.CreateOptions{Namespace: ns})
	require.NoError(t, err)
	rev, err := tc.CompactEtcd(ctx, path)
	require.NoError(t, err)
	assert.Greater(t, rev, int64(0))
	_, err = k.Proxy().Get(ctx, path, exact)
	require.ErrorIs(t, err, sdk.ErrGone, "after compaction the old resourceVersion is too old")
	_, err = k.Proxy().Get(ctx, path, url.Values{"limit": {"1"}, "continue": {cont}})
	require.ErrorIs(t, err, sdk.ErrGone, "and so is a continue token from before")
	list, err := k.Pods.In(ns).List(ctx)
	require.NoError(t, err, "a fresh list works")
	assert.Len(t, list, 3)
}

// One private cluster serves every knob that needs one.
func TestE2EPrivateCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	tc := kubetest.Private(t, ctx, kubetest.Options{Nodes: 3})
	assert.True(t, tc.Private())
	require.Len(t, tc.Nodes(), 3)
	assert.NotEqual(t, kubetest.Shared(t).ServerURL(), tc.ServerURL())
	k := tc.Client(t)
	wctx, wcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer wcancel()
	for _, n := range tc.Nodes() {
		node, err := k.Nodes.Get(wctx, n)
		require.NoError(t, err)
		assert.True(t, node.Status().Ready(), n)
	}

	t.Run("restart the API server", func(t *testing.T) {
		ns := tc.Namespace(t)
		_, err := k.Create(wctx, podManifest("before", nil, nil, ""), sdk.CreateOptions{Namespace: ns})
		require.NoError(t, err)
		w := tc.AdminClient(t)
		require.NoError(t, tc.RestartAPIServer(wctx))
		for _, c := range []*kube.Cluster{k, w} {
			_, err := c.Pods.In(ns).Get(wctx, "before")
			require.NoError(t, err, "the data survives and clients reconnect")
		}
	})

	t.Run("make one of its own nodes NotReady", func(t *testing.T) {
		n := tc.Nodes()[2]
		require.NoError(t, tc.SetNodeReady(wctx, n, false))
		node, err := k.Nodes.Get(wctx, n)
		require.NoError(t, err)
		assert.False(t, node.Status().Ready())
		require.NoError(t, tc.SetNodeReady(wctx, n, true))
	})

	t.Run("compact etcd", func(t *testing.T) { compactEtcd(t, tc) })

	t.Run("Stop ends it", func(t *testing.T) {
		tc.Stop()
		_, err := k.Namespaces.List(wctx)
		require.Error(t, err)
		// Stop on the shared cluster is a no-op.
		shared := kubetest.Shared(t)
		shared.Stop()
		_, err = shared.Client(t).Namespaces.List(wctx)
		require.NoError(t, err)
	})
}

func TestStartRejectsNegativeNodes(t *testing.T) {
	_, err := kubetest.Start(context.Background(), kubetest.Options{Nodes: -1, Log: os.Stderr})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Options.Nodes")
}
