package kinds_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kube-for-go/kube/selector"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// The end-to-end tests run against the shared test cluster: kwok nodes
// kwok-node-0/1 (32 CPUs, 256Gi), pod CIDR 10.244.0.0/16, service CIDR
// 10.96.0.0/16. Objects are created with kubectl or the SDK, read through
// the SDK, and compared with kubectl's view of the same objects.

var (
	podCIDR     = netip.MustParsePrefix("10.244.0.0/16")
	serviceCIDR = netip.MustParsePrefix("10.96.0.0/16")
)

type e2e struct {
	t   *testing.T
	c   *testutil.Cluster
	k   *kube.Cluster
	ctx context.Context
	ns  string // "" for tests that need no namespace
}

func newE2E(t *testing.T, withNamespace bool) *e2e {
	t.Parallel()
	c := testutil.Shared(t)
	k, err := kube.New(kube.Options{URL: c.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { k.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	e := &e2e{t: t, c: c, k: k, ctx: ctx}
	if withNamespace {
		e.ns = c.Namespace(t)
	}
	return e
}

// kubectl runs kubectl and fails the test on error.
func (e *e2e) kubectl(stdin string, args ...string) string {
	e.t.Helper()
	out, err := e.c.Kubectl(e.ctx, stdin, args...)
	require.NoError(e.t, err)
	return out
}

// apply creates the YAML objects in the test's namespace.
func (e *e2e) apply(yaml string) {
	e.t.Helper()
	e.kubectl(yaml, "apply", "-n", e.ns, "-f", "-")
}

// oracle returns kubectl's JSON of one object.
func (e *e2e) oracle(args ...string) map[string]any {
	e.t.Helper()
	if e.ns != "" {
		args = append(args, "-n", e.ns)
	}
	out := e.kubectl("", append([]string{"get", "-o", "json"}, args...)...)
	var m map[string]any
	require.NoError(e.t, json.Unmarshal([]byte(out), &m))
	return m
}

// at walks a decoded JSON value along keys (map keys or list indexes).
func at(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func atString(v any, keys ...any) string { s, _ := at(v, keys...).(string); return s }

func atInt(v any, keys ...any) int64 { f, _ := at(v, keys...).(float64); return int64(f) }

// poll calls get until ok accepts its result, and returns that result. It
// fails the test when the test's deadline passes first, with the last
// value and error seen.
func poll[T any](e *e2e, what string, get func(context.Context) (T, error), ok func(T) bool) T {
	e.t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	var last T
	for {
		v, err := get(e.ctx)
		if err == nil && ok(v) {
			return v
		}
		last, lastErr = v, err
		select {
		case <-e.ctx.Done():
			e.t.Fatalf("e2e: %s: not reached before the deadline (last error: %v, last value: %v)", what, lastErr, last)
		case <-tick.C:
		}
	}
}

func mustInt(t *testing.T, get func() (int64, error), what string) int64 {
	t.Helper()
	v, err := get()
	require.NoError(t, err, what)
	return v
}

func TestE2ENodes(t *testing.T) {
	e := newE2E(t, false)
	require.Len(t, e.c.Nodes, 2)
	thirtyTwo := kinds.MustParseQuantity("32")
	memory := kinds.MustParseQuantity("274877906944") // 256Gi in bytes
	for _, name := range e.c.Nodes {
		t.Run(name, func(t *testing.T) {
			n, err := e.k.Nodes.Get(e.ctx, name)
			require.NoError(t, err)
			want := e.oracle("node", name)
			s := n.Status()
			assert.Equal(t, name, n.Name())
			assert.Equal(t, atString(want, "metadata", "resourceVersion") != "", n.Version() != "")

			// Addresses, compared one by one with kubectl's.
			addrs := s.Addresses()
			wantAddrs, _ := at(want, "status", "addresses").([]any)
			require.Len(t, addrs, len(wantAddrs))
			var internal netip.Addr
			for i, a := range addrs {
				assert.Equal(t, atString(wantAddrs[i], "type"), string(a.Type))
				assert.Equal(t, atString(wantAddrs[i], "address"), a.Address)
				if a.Type == kinds.AddressInternalIP {
					ip, err := a.IP()
					require.NoError(t, err, "InternalIP %q is an IP", a.Address)
					internal = ip
				}
			}
			require.True(t, internal.IsValid(), "a kwok node has an InternalIP")

			for _, rl := range []struct {
				name string
				l    kinds.ResourceList
			}{{"capacity", s.Capacity()}, {"allocatable", s.Allocatable()}} {
				l := rl.l
				cpu, err := l.CPU()
				require.NoError(t, err, rl.name)
				assert.Zero(t, cpu.Cmp(thirtyTwo), "%s cpu = %s", rl.name, cpu)
				n, ok := cpu.Int64()
				assert.True(t, ok)
				assert.EqualValues(t, 32, n)
				mem, err := l.Memory()
				require.NoError(t, err, rl.name)
				assert.Zero(t, mem.Cmp(memory), "%s memory = %s", rl.name, mem)
				assert.Equal(t, "256Gi", mem.String())
				pods, err := l.Pods()
				require.NoError(t, err, rl.name)
				assert.Equal(t, "110", pods.String())
				// Every resource kubectl shows, with the same text.
				wantRL, _ := at(want, "status", rl.name).(map[string]any)
				require.Equal(t, len(wantRL), l.Len())
				for k, v := range wantRL {
					q, err := l.Get(k)
					require.NoError(t, err, "%s[%s]", rl.name, k)
					assert.Equal(t, v, q.String(), "%s[%s]", rl.name, k)
				}
			}

			assert.True(t, s.Ready(), "kwok nodes are Ready")
			ready, err := s.Conditions().Get("Ready")
			require.NoError(t, err)
			assert.Equal(t, kinds.ConditionTrue, ready.Status)
			var types []string
			for c := range s.Conditions().All() {
				types = append(types, c.Type)
			}
			var wantTypes []string
			for _, c := range at(want, "status", "conditions").([]any) {
				wantTypes = append(wantTypes, atString(c, "type"))
				if atString(c, "type") == "Ready" {
					assert.Equal(t, atString(c, "reason"), ready.Reason)
					assert.Equal(t, atString(c, "lastTransitionTime"), ready.LastTransitionTime.UTC().Format(time.RFC3339))
				}
			}
			assert.Equal(t, wantTypes, types)

			for _, key := range []string{"architecture", "operatingSystem", "kubeletVersion"} {
				v, err := s.Info(key)
				require.NoError(t, err)
				assert.Equal(t, atString(want, "status", "nodeInfo", key), v, key)
			}
			arch, err := s.Info("architecture")
			require.NoError(t, err)
			assert.Equal(t, "amd64", arch)
		})
	}
}

func TestE2ENamespaceLifecycle(t *testing.T) {
	e := newE2E(t, true)
	ns, err := e.k.Namespaces.Get(e.ctx, e.ns)
	require.NoError(t, err)
	phase, err := ns.Status().Phase()
	require.NoError(t, err)
	assert.Equal(t, kinds.NamespaceActive, phase)
	assert.Nil(t, ns.Meta().DeletionTimestamp)

	// A finalizer on a ConfigMap keeps the namespace Terminating until the
	// test releases it.
	e.apply(`apiVersion: v1
kind: ConfigMap
metadata:
  name: hold
  finalizers: ["kube-for-go.test/hold"]
data: {a: b}
`)
	require.NoError(t, ns.Delete(e.ctx))
	term := poll(e, "namespace Terminating", func(ctx context.Context) (*kinds.Namespace, error) {
		return e.k.Namespaces.Get(ctx, e.ns)
	}, func(n *kinds.Namespace) bool {
		p, err := n.Status().Phase()
		return err == nil && p == kinds.NamespaceTerminating && n.Status().Conditions().IsTrue("NamespaceFinalizersRemaining")
	})
	assert.NotNil(t, term.Meta().DeletionTimestamp)
	c, err := term.Status().Conditions().Get("NamespaceFinalizersRemaining")
	require.NoError(t, err)
	assert.Contains(t, c.Message, "kube-for-go.test/hold")

	// A second delete while terminating succeeds, as the seed promised.
	// Old servers answered it with 409 Conflict, which the SDK hides;
	// v1.34 answers 200 while spec.finalizers remain (kubectl agrees).
	assert.NoError(t, term.Delete(e.ctx), "second delete while terminating")
	assert.NoError(t, e.k.Namespaces.Delete(e.ctx, e.ns, sdk.DeleteOptions{}), "view delete too")
	e.kubectl("", "delete", "namespace", e.ns, "--wait=false")
	still, err := e.k.Namespaces.Get(e.ctx, e.ns)
	require.NoError(t, err, "held by the finalizer, the namespace is still there")
	phase, err = still.Status().Phase()
	require.NoError(t, err)
	assert.Equal(t, kinds.NamespaceTerminating, phase)
	assert.Equal(t, term.Meta().UID, still.Meta().UID)

	e.kubectl("", "patch", "configmap", "hold", "-n", e.ns, "--type=json", "-p", `[{"op":"remove","path":"/metadata/finalizers"}]`)
	poll(e, "namespace gone", func(ctx context.Context) (bool, error) {
		_, err := e.k.Namespaces.Get(ctx, e.ns)
		if errors.Is(err, sdk.ErrNotFound) {
			return true, nil
		}
		return false, err
	}, func(gone bool) bool { return gone })
	err = term.Delete(e.ctx)
	assert.ErrorIs(t, err, sdk.ErrNotFound, "deleting a namespace that is gone is not found, not success")
}

const deploymentYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80, name: http}]
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {cpu: 500m, memory: 128Mi}
`

func TestE2EDeploymentPodsReplicaSet(t *testing.T) {
	e := newE2E(t, true)
	obj, err := e.k.Create(e.ctx, deploymentYAML, sdk.CreateOptions{Namespace: e.ns})
	require.NoError(t, err)
	created, ok := obj.(*kinds.Deployment)
	require.True(t, ok, "Create returns the typed item, got %T", obj)
	gen := created.Meta().Generation
	require.Positive(t, gen)
	_, err = created.Status().ObservedGeneration()
	assert.ErrorIs(t, err, sdk.ErrStatusUnavailable, "nothing observed at creation")
	assert.False(t, created.Status().Available(gen))

	d := poll(e, "deployment available", func(ctx context.Context) (*kinds.Deployment, error) {
		return e.k.Deployments.In(e.ns).Get(ctx, "web")
	}, func(d *kinds.Deployment) bool { return d.Status().Available(d.Meta().Generation) })
	ds := d.Status()
	for _, c := range []struct {
		name string
		get  func() (int64, error)
	}{
		{"desired", ds.DesiredReplicas}, {"observed", ds.ObservedReplicas}, {"updated", ds.UpdatedReplicas},
		{"ready", ds.ReadyReplicas}, {"available", ds.AvailableReplicas},
	} {
		assert.EqualValues(t, 3, mustInt(t, c.get, c.name), c.name)
	}
	assert.Zero(t, mustInt(t, ds.UnavailableReplicas, "unavailable"))
	assert.Zero(t, mustInt(t, ds.CollisionCount, "collisions"))
	assert.Equal(t, d.Meta().Generation, mustInt(t, ds.ObservedGeneration, "observedGeneration"))
	assert.False(t, ds.Available(d.Meta().Generation+1), "a generation not yet observed is not available")
	assert.True(t, ds.Conditions().IsTrue("Available"))
	assert.True(t, ds.Conditions().IsTrue("Progressing"))
	want := e.oracle("deployment", "web")
	for field, get := range map[string]func() (int64, error){
		"replicas": ds.ObservedReplicas, "updatedReplicas": ds.UpdatedReplicas,
		"readyReplicas": ds.ReadyReplicas, "availableReplicas": ds.AvailableReplicas,
	} {
		assert.Equal(t, atInt(want, "status", field), mustInt(t, get, field), "kubectl status.%s", field)
	}

	// The ReplicaSet the Deployment made.
	rss, err := e.k.ReplicaSets.In(e.ns).Filter(selector.Expr("app=web"), nil).List(e.ctx)
	require.NoError(t, err)
	require.Len(t, rss, 1)
	rs := poll(e, "replicaset counters", func(ctx context.Context) (*kinds.ReplicaSet, error) {
		return rss[0].Fetch(ctx)
	}, func(rs *kinds.ReplicaSet) bool {
		a, err := rs.Status().AvailableReplicas()
		return err == nil && a == 3
	})
	rst := rs.Status()
	for _, c := range []struct {
		name string
		get  func() (int64, error)
	}{
		{"desired", rst.DesiredReplicas}, {"observed", rst.ObservedReplicas}, {"fullyLabeled", rst.FullyLabeledReplicas},
		{"ready", rst.ReadyReplicas}, {"available", rst.AvailableReplicas},
	} {
		assert.EqualValues(t, 3, mustInt(t, c.get, c.name), "replicaset %s", c.name)
	}
	assert.Equal(t, rs.Meta().Generation, mustInt(t, rst.ObservedGeneration, "rs observedGeneration"))
	assert.EqualValues(t, 3, rs.Spec()["replicas"], "the seed's rs.spec()['replicas'] == rs.observed_replicas")
	require.Len(t, rs.Meta().OwnerReferences, 1)
	assert.Equal(t, d.Meta().UID, rs.Meta().OwnerReferences[0].UID)

	// The pods, each compared with kubectl's view.
	pods, err := e.k.Pods.In(e.ns).Filter(selector.Expr("app=web"), nil).List(e.ctx)
	require.NoError(t, err)
	require.Len(t, pods, 3)
	nodes := map[string]bool{}
	for _, n := range e.c.Nodes {
		nodes[n] = true
	}
	for _, p := range pods {
		t.Run(p.Name(), func(t *testing.T) {
			want := e.oracle("pod", p.Name())
			s := p.Status()
			phase, err := s.Phase()
			require.NoError(t, err)
			assert.Equal(t, kinds.PodRunning, phase)

			ip, err := s.IP()
			require.NoError(t, err)
			assert.True(t, podCIDR.Contains(ip), "pod IP %s in %s", ip, podCIDR)
			assert.Equal(t, atString(want, "status", "podIP"), ip.String())
			assert.Equal(t, []netip.Addr{ip}, s.IPs(), "single stack: podIPs holds the pod IP")

			host, err := s.HostIP()
			require.NoError(t, err)
			assert.Equal(t, atString(want, "status", "hostIP"), host.String())
			assert.True(t, nodes[atString(want, "spec", "nodeName")], "scheduled on a kwok node")

			start, err := s.StartTime()
			require.NoError(t, err)
			created := p.Meta().Created
			assert.False(t, start.Before(created), "start %s before creation %s", start, created)
			assert.False(t, start.After(time.Now().Add(time.Second)), "start %s in the future", start)
			assert.Equal(t, atString(want, "status", "startTime"), start.UTC().Format(time.RFC3339))

			qos, err := s.QOSClass()
			require.NoError(t, err)
			assert.Equal(t, kinds.QOSBurstable, qos, "requests below limits")
			_, err = s.Reason()
			assert.ErrorIs(t, err, sdk.ErrStatusUnavailable, "a running pod has no reason")
			_, err = s.Message()
			assert.ErrorIs(t, err, sdk.ErrStatusUnavailable, "a running pod has no message")

			assert.True(t, s.Ready())
			for _, typ := range []string{"Ready", "ContainersReady", "Initialized"} {
				assert.True(t, s.Conditions().IsTrue(typ), typ)
			}

			cs := s.Containers()
			require.Len(t, cs, 1)
			c := cs[0]
			assert.Equal(t, "web", c.Name())
			assert.Equal(t, "nginx:1.27", c.Image())
			assert.False(t, c.Init())
			assert.Zero(t, c.RestartCount())
			assert.True(t, c.Ready())
			st, err := c.State()
			require.NoError(t, err)
			assert.Equal(t, kinds.StateRunning, st.Name())
			assert.True(t, st.Running())
			started, err := st.StartedAt()
			require.NoError(t, err)
			assert.Equal(t, atString(want, "status", "containerStatuses", 0, "state", "running", "startedAt"), started.UTC().Format(time.RFC3339))
			assert.False(t, started.Before(created))
			_, err = st.ExitCode()
			assert.ErrorIs(t, err, sdk.ErrStatusUnavailable, "a running container has no exit code")
			_, err = c.LastState()
			assert.ErrorIs(t, err, sdk.ErrStatusUnavailable, "never restarted")
			assert.Empty(t, s.InitContainers())
		})
	}
}

func TestE2EChaosPodTerminated(t *testing.T) {
	e := newE2E(t, true)
	e.apply(`apiVersion: v1
kind: Pod
metadata:
  name: chaos
  labels:
    pod-container-running-failed.stage.kwok.x-k8s.io: "true"
  annotations:
    pod-container-running-failed.stage.kwok.x-k8s.io/container-name: app
    pod-container-running-failed.stage.kwok.x-k8s.io/exit-code: "42"
    pod-container-running-failed.stage.kwok.x-k8s.io/reason: ChaosInjected
    pod-container-running-failed.stage.kwok.x-k8s.io/message: failure injected by the kinds e2e test
spec:
  restartPolicy: Never
  containers:
  - {name: app, image: busybox:1.36}
  - {name: sidecar, image: busybox:1.36}
`)
	p := poll(e, "chaos pod Failed", func(ctx context.Context) (*kinds.Pod, error) {
		return e.k.Pods.In(e.ns).Get(ctx, "chaos")
	}, func(p *kinds.Pod) bool {
		ph, err := p.Status().Phase()
		return err == nil && ph == kinds.PodFailed
	})
	want := e.oracle("pod", "chaos")
	s := p.Status()
	assert.False(t, s.Ready())
	assert.False(t, s.Conditions().IsTrue("ContainersReady"))
	ip, err := s.IP()
	require.NoError(t, err)
	assert.True(t, podCIDR.Contains(ip))

	byName := map[string]kinds.Container{}
	for _, c := range s.Containers() {
		byName[c.Name()] = c
	}
	require.Len(t, byName, 2)

	app := byName["app"]
	st, err := app.State()
	require.NoError(t, err)
	assert.Equal(t, kinds.StateTerminated, st.Name())
	code, err := st.ExitCode()
	require.NoError(t, err)
	assert.Equal(t, 42, code, "exit code from the annotation")
	reason, err := st.Reason()
	require.NoError(t, err)
	assert.Equal(t, "ChaosInjected", reason)
	msg, err := st.Message()
	require.NoError(t, err)
	assert.Equal(t, "failure injected by the kinds e2e test", msg)
	_, err = st.Signal()
	assert.ErrorIs(t, err, sdk.ErrStatusUnavailable, "kwok reports no signal")
	startedAt, err := st.StartedAt()
	require.NoError(t, err)
	finishedAt, err := st.FinishedAt()
	require.NoError(t, err)
	assert.False(t, finishedAt.Before(startedAt))
	_, err = st.ContainerID()
	assert.ErrorIs(t, err, sdk.ErrStatusUnavailable, "kwok runs no container runtime")
	assert.False(t, app.Ready())
	assert.False(t, app.Started())

	// Compared with kubectl's view of the same container.
	for _, cw := range at(want, "status", "containerStatuses").([]any) {
		if atString(cw, "name") == "app" {
			assert.Equal(t, int64(code), atInt(cw, "state", "terminated", "exitCode"))
			assert.Equal(t, reason, atString(cw, "state", "terminated", "reason"))
			assert.Equal(t, msg, atString(cw, "state", "terminated", "message"))
			assert.Equal(t, atString(cw, "state", "terminated", "finishedAt"), finishedAt.UTC().Format(time.RFC3339))
		}
	}

	side := byName["sidecar"]
	sst, err := side.State()
	require.NoError(t, err)
	assert.Equal(t, kinds.StateRunning, sst.Name(), "only the named container fails")
	_, err = sst.ExitCode()
	assert.ErrorIs(t, err, sdk.ErrStatusUnavailable)
	assert.True(t, side.Ready())
}

func TestE2EReplicationController(t *testing.T) {
	e := newE2E(t, true)
	e.apply(`apiVersion: v1
kind: ReplicationController
metadata: {name: legacy}
spec:
  replicas: 2
  selector: {app: legacy}
  template:
    metadata: {labels: {app: legacy, tier: old}}
    spec:
      containers: [{name: c, image: nginx:1.27}]
`)
	rc := poll(e, "replication controller ready", func(ctx context.Context) (*kinds.ReplicationController, error) {
		return e.k.ReplicationControllers.In(e.ns).Get(ctx, "legacy")
	}, func(rc *kinds.ReplicationController) bool {
		og, err := rc.Status().ObservedGeneration()
		if err != nil {
			return false
		}
		a, err := rc.Status().AvailableReplicas()
		return err == nil && og == rc.Meta().Generation && a == 2
	})
	s := rc.Status()
	want := e.oracle("replicationcontroller", "legacy")
	for _, c := range []struct {
		field string
		get   func() (int64, error)
	}{
		{"replicas", s.ObservedReplicas}, {"fullyLabeledReplicas", s.FullyLabeledReplicas},
		{"readyReplicas", s.ReadyReplicas}, {"availableReplicas", s.AvailableReplicas},
	} {
		v := mustInt(t, c.get, c.field)
		assert.EqualValues(t, 2, v, c.field)
		assert.Equal(t, atInt(want, "status", c.field), v, "kubectl status.%s", c.field)
	}
	assert.EqualValues(t, 2, mustInt(t, s.DesiredReplicas, "desired"))
	assert.Zero(t, s.Conditions().Len())

	// Scaled to zero, the server drops the zero counters; they read as 0.
	e.kubectl("", "scale", "rc", "legacy", "-n", e.ns, "--replicas=0")
	rc = poll(e, "replication controller scaled to zero", func(ctx context.Context) (*kinds.ReplicationController, error) {
		return e.k.ReplicationControllers.In(e.ns).Get(ctx, "legacy")
	}, func(rc *kinds.ReplicationController) bool {
		og, err := rc.Status().ObservedGeneration()
		if err != nil {
			return false
		}
		r, err := rc.Status().ObservedReplicas()
		return err == nil && og == rc.Meta().Generation && r == 0
	})
	s = rc.Status()
	for _, get := range []func() (int64, error){s.ObservedReplicas, s.FullyLabeledReplicas, s.ReadyReplicas, s.AvailableReplicas, s.DesiredReplicas} {
		assert.Zero(t, mustInt(t, get, "scaled to zero"))
	}
}

func TestE2EDaemonSet(t *testing.T) {
	e := newE2E(t, true)
	e.apply(`apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: busybox:1.36}]
`)
	nodes := len(e.c.Nodes)
	ds := poll(e, "daemonset ready on every node", func(ctx context.Context) (*kinds.DaemonSet, error) {
		return e.k.DaemonSets.In(e.ns).Get(ctx, "agent")
	}, func(d *kinds.DaemonSet) bool {
		og, err := d.Status().ObservedGeneration()
		if err != nil {
			return false
		}
		a, err := d.Status().NumberAvailable()
		return err == nil && og == d.Meta().Generation && a == int64(nodes)
	})
	s := ds.Status()
	want := e.oracle("daemonset", "agent")
	for _, c := range []struct {
		field string
		get   func() (int64, error)
		want  int64
	}{
		{"desiredNumberScheduled", s.DesiredNumberScheduled, 2},
		{"currentNumberScheduled", s.CurrentNumberScheduled, 2},
		{"numberReady", s.NumberReady, 2},
		{"updatedNumberScheduled", s.UpdatedNumberScheduled, 2},
		{"numberAvailable", s.NumberAvailable, 2},
		{"numberMisscheduled", s.NumberMisscheduled, 0},
		{"numberUnavailable", s.NumberUnavailable, 0},
	} {
		v := mustInt(t, c.get, c.field)
		assert.Equal(t, c.want, v, c.field)
		assert.Equal(t, atInt(want, "status", c.field), v, "kubectl status.%s", c.field)
	}

	pods, err := e.k.Pods.In(e.ns).Filter(selector.Expr("app=agent"), nil).List(e.ctx)
	require.NoError(t, err)
	var on []string
	for _, p := range pods {
		on = append(on, atString(e.oracle("pod", p.Name()), "spec", "nodeName"))
	}
	slices.Sort(on)
	wantNodes := slices.Sorted(slices.Values(e.c.Nodes))
	assert.Equal(t, wantNodes, on, "one daemon pod on each kwok node")
}

func TestE2EServices(t *testing.T) {
	e := newE2E(t, true)
	e.apply(`apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: metrics, port: 9090, targetPort: 9090, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: pg, port: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{name: https, port: 443, targetPort: 8443}]
`)
	tests := []struct {
		name      string
		typ       kinds.ServiceType
		headless  bool
		nodePorts bool
		reason    string
	}{
		{"web", kinds.ServiceClusterIP, false, false, "a ClusterIP service with a named and a numbered target port"},
		{"db", kinds.ServiceClusterIP, true, false, "a headless service: no cluster IP"},
		{"lb", kinds.ServiceLoadBalancer, false, true, "a LoadBalancer service gets node ports"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, err := e.k.Services.In(e.ns).Get(e.ctx, tc.name)
			require.NoError(t, err)
			want := e.oracle("service", tc.name)
			s := svc.Status()
			typ, err := s.Type()
			require.NoError(t, err)
			assert.Equal(t, tc.typ, typ, tc.reason)
			ip, err := s.ClusterIP()
			if tc.headless {
				assert.ErrorIs(t, err, sdk.ErrStatusUnavailable, tc.reason)
				assert.Equal(t, "None", atString(want, "spec", "clusterIP"))
				assert.Empty(t, s.ClusterIPs())
			} else {
				require.NoError(t, err)
				assert.True(t, serviceCIDR.Contains(ip), "%s in %s", ip, serviceCIDR)
				assert.Equal(t, atString(want, "spec", "clusterIP"), ip.String())
				assert.Equal(t, []netip.Addr{ip}, s.ClusterIPs())
			}
			ports := s.Ports()
			wantPorts := at(want, "spec", "ports").([]any)
			require.Len(t, ports, len(wantPorts))
			for i, p := range ports {
				assert.Equal(t, atString(wantPorts[i], "name"), p.Name)
				assert.Equal(t, atInt(wantPorts[i], "port"), int64(p.Port))
				assert.Equal(t, "TCP", p.Protocol, "defaulted by the server")
				assert.Equal(t, fmt.Sprint(at(wantPorts[i], "targetPort")), p.TargetPort.String())
				assert.Equal(t, atInt(wantPorts[i], "nodePort"), int64(p.NodePort))
				if tc.nodePorts {
					assert.True(t, p.NodePort >= 30000 && p.NodePort <= 32767, "node port %d", p.NodePort)
				}
			}
			assert.Empty(t, s.LoadBalancerIngress(), "no load balancer has reported yet")
		})
	}

	// A load balancer reports its ingress points through the status subresource.
	e.kubectl("", "patch", "service", "lb", "-n", e.ns, "--subresource=status", "--type=merge", "-p",
		`{"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.7"},{"hostname":"lb.example.com"},{"ip":"2001:db8::7"}]}}}`)
	lb := poll(e, "load balancer ingress", func(ctx context.Context) (*kinds.Service, error) {
		return e.k.Services.In(e.ns).Get(ctx, "lb")
	}, func(s *kinds.Service) bool { return len(s.Status().LoadBalancerIngress()) > 0 })
	assert.Equal(t, []kinds.Ingress{
		{IP: netip.MustParseAddr("203.0.113.7")},
		{Hostname: "lb.example.com"},
		{IP: netip.MustParseAddr("2001:db8::7")},
	}, lb.Status().LoadBalancerIngress())
}

func TestE2ESecret(t *testing.T) {
	e := newE2E(t, true)
	values := map[string][]byte{
		"username": []byte("e2e-admin"),
		"password": []byte("e2e-pa55:w0rd/with+base64=chars"),
		"binary":   {0, 1, 2, 0xfe, 0xff, '\n'},
	}
	data := map[string]string{}
	for k, v := range values {
		data[k] = base64.StdEncoding.EncodeToString(v)
	}
	created, err := e.k.Secrets.In(e.ns).Create(e.ctx, map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "creds"},
		"data":     data,
	}, sdk.CreateOptions{})
	require.NoError(t, err)
	typ, err := created.Status().Type()
	require.NoError(t, err)
	assert.Equal(t, kinds.SecretOpaque, typ, "the server defaults the type to Opaque")

	sec, err := e.k.Secrets.In(e.ns).Get(e.ctx, "creds")
	require.NoError(t, err)
	s := sec.Status()
	assert.Equal(t, []string{"binary", "password", "username"}, s.Keys())
	for k, v := range values {
		got, err := s.Get(k)
		require.NoError(t, err, k)
		assert.Equal(t, v, got, k)
		assert.Equal(t, v, s.Data()[k].Bytes(), k)
	}
	assert.Equal(t, map[string]any{}, sec.Spec())

	// kubectl's view: the same base64 data.
	want := e.oracle("secret", "creds")
	assert.Equal(t, "Opaque", atString(want, "type"))
	for k := range values {
		assert.Equal(t, data[k], atString(want, "data", k), k)
	}

	// A Secret read from the server prints nothing of its data.
	printed := strings.Join([]string{
		fmt.Sprintf("%v %+v %#v %s %q %x", sec, sec, sec, sec, sec, sec),
		fmt.Sprintf("%v %+v %#v %s %q %x", s, s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v %s %q %x", s.Data(), s.Data(), s.Data(), s.Data(), s.Data(), s.Data()),
	}, "\n")
	for k, v := range values {
		for _, leak := range leaks(v) {
			if len(leak) >= 4 { // short hex/base64 fragments could match by chance
				assert.NotContains(t, printed, leak, "printing leaks %s", k)
			}
		}
	}
	assert.Contains(t, printed, "Secret "+e.ns+"/creds (version "+sec.Version()+")")
}
