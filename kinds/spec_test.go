package kinds_test

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
)

// spec_pod.json is pod_running.json with env (one value from a Secret) and
// volumes added; spec_node_cordoned.json is node.json cordoned, with
// taints and an invalid pod CIDR.

func TestPodSpec(t *testing.T) {
	spec, err := kinds.PodSpecOf(load(t, kinds.PodKind, "spec_pod.json"))
	require.NoError(t, err)
	node, err := spec.NodeName()
	require.NoError(t, err)
	assert.Equal(t, "worker-1", node)
	rp, err := spec.RestartPolicy()
	require.NoError(t, err)
	assert.Equal(t, "Always", rp)

	cs := spec.Containers()
	require.Len(t, cs, 2)
	app := cs[0]
	assert.Equal(t, "app", app.Name())
	img, err := app.Image()
	require.NoError(t, err)
	assert.Equal(t, "registry.example.com/shop/web:1.4.2", img)
	assert.Equal(t, []kinds.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: "TCP"}}, app.Ports())
	cpu, err := app.Requests().CPU()
	require.NoError(t, err)
	assert.Equal(t, "250m", cpu.String())
	mem, err := app.Limits().Memory()
	require.NoError(t, err)
	assert.Equal(t, "512Mi", mem.String())
	assert.Equal(t, []string{"LOG_LEVEL", "DB_PASSWORD"}, app.EnvNames())
	assert.NotContains(t, fmt.Sprintf("%+v %#v", spec, app), "debug", "env values are never decoded")
	_, err = cs[1].Limits().CPU()
	requireUnavailable(t, err, "Pod", "spec.containers[name=log-shipper].resources.limits[cpu]")
	assert.Empty(t, cs[1].Ports())

	require.Len(t, spec.InitContainers(), 1)
	assert.Equal(t, "migrate", spec.InitContainers()[0].Name())
	assert.Equal(t, []kinds.Volume{{"config", "configMap"}, {"creds", "secret"}, {"scratch", "emptyDir"}, {"odd", ""}}, spec.Volumes())

	pending, err := kinds.PodSpecOf(load(t, kinds.PodKind, "pod_pending.json"))
	require.NoError(t, err)
	_, err = pending.NodeName()
	requireUnavailable(t, err, "Pod", "spec.nodeName", "an unscheduled pod")

	_, err = kinds.PodSpecOf(nil)
	var de *sdk.DecodeError
	require.ErrorAs(t, err, &de)
}

func TestPodSpecBadJSON(t *testing.T) {
	tests := []struct {
		raw    string
		reason string
	}{
		{`{"kind":"Pod","metadata":{"name":"p"},"spec":{"nodeName":3}}`, "nodeName is not a string"},
		{`{"kind":"Pod","metadata":{"name":"p"},"spec":{"volumes":[{"name":1}]}}`, "a volume name is not a string"},
		{`{"kind":"Pod","metadata":{"name":"p"},"spec":[]}`, "the spec is not an object"},
	}
	for _, tt := range tests {
		p, err := sdk.DecodeItem(nil, kinds.PodKind, []byte(tt.raw))
		require.NoError(t, err, tt.reason)
		_, err = kinds.PodSpecOf(p)
		var de *sdk.DecodeError
		require.ErrorAs(t, err, &de, tt.reason)
		assert.Equal(t, "Pod.spec", de.Path, tt.reason)
	}
}

func TestWorkloadSpec(t *testing.T) {
	pct := func(s string) *kinds.IntOrString { return &kinds.IntOrString{StrVal: s, IsStr: true} }
	num := func(n int32) *kinds.IntOrString { return &kinds.IntOrString{IntVal: n} }
	tests := []struct {
		name     string
		spec     func() (kinds.WorkloadSpec, error)
		replicas int32 // -1: unavailable
		strategy kinds.Strategy
		labels   map[string]string
		image    string
		reason   string
	}{
		{"deployment", func() (kinds.WorkloadSpec, error) {
			return kinds.DeploymentSpecOf(load(t, kinds.DeploymentKind, "deployment.json"))
		}, 3, kinds.Strategy{Type: "RollingUpdate", MaxSurge: pct("25%"), MaxUnavailable: pct("25%")}, map[string]string{"app": "web"}, "registry.example.com/shop/web:1.4.2", "a Deployment's spec.strategy"},
		{"daemonset", func() (kinds.WorkloadSpec, error) {
			return kinds.DaemonSetSpecOf(load(t, kinds.DaemonSetKind, "daemonset.json"))
		}, -1, kinds.Strategy{Type: "RollingUpdate", MaxSurge: num(0), MaxUnavailable: num(1)}, map[string]string{"app": "node-exporter"}, "quay.io/prometheus/node-exporter:v1.8.2", "a DaemonSet's updateStrategy and no replicas"},
		{"replicaset", func() (kinds.WorkloadSpec, error) {
			return kinds.ReplicaSetSpecOf(load(t, kinds.ReplicaSetKind, "replicaset.json"))
		}, 3, kinds.Strategy{}, nil, "", "a ReplicaSet has no strategy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.spec()
			require.NoError(t, err)
			n, err := s.Replicas()
			if tt.replicas < 0 {
				require.Error(t, err, tt.reason)
				assert.ErrorIs(t, err, sdk.ErrStatusUnavailable)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.replicas, n, tt.reason)
			}
			assert.Equal(t, tt.strategy, s.Strategy(), tt.reason)
			if tt.labels != nil {
				assert.Equal(t, tt.labels, s.TemplateLabels())
				assert.Equal(t, tt.labels, s.Selector().MatchLabels)
				sel, err := s.Selector().Selector()
				require.NoError(t, err)
				assert.True(t, sel.Matches(selector.Set(tt.labels)), "the selector matches the template's labels")
			}
			if tt.image != "" {
				img, err := s.Template().Containers()[0].Image()
				require.NoError(t, err)
				assert.Equal(t, tt.image, img)
			}
		})
	}
	_, err := kinds.DeploymentSpecOf(nil)
	assert.Error(t, err)
}

func TestLabelSelector(t *testing.T) {
	tests := []struct {
		sel     kinds.LabelSelector
		matches map[string]string
		misses  map[string]string
		err     bool
		reason  string
	}{
		{kinds.LabelSelector{}, map[string]string{"a": "b"}, nil, false, "empty selects everything"},
		{kinds.LabelSelector{MatchLabels: map[string]string{"app": "web"}, MatchExpressions: []kinds.LabelSelectorRequirement{
			{Key: "tier", Operator: "In", Values: []string{"fe", "be"}}, {Key: "canary", Operator: "DoesNotExist"}}},
			map[string]string{"app": "web", "tier": "fe"}, map[string]string{"app": "web", "tier": "fe", "canary": "1"}, false, "labels and expressions are ANDed"},
		{kinds.LabelSelector{MatchExpressions: []kinds.LabelSelectorRequirement{{Key: "x", Operator: "Bogus"}}}, nil, nil, true, "an unknown operator"},
		{kinds.LabelSelector{MatchLabels: map[string]string{"bad key!": "v"}}, nil, nil, true, "an invalid key"},
	}
	for _, tt := range tests {
		s, err := tt.sel.Selector()
		if tt.err {
			assert.Error(t, err, tt.reason)
			continue
		}
		require.NoError(t, err, tt.reason)
		if tt.matches != nil {
			assert.True(t, s.Matches(selector.Set(tt.matches)), tt.reason)
		}
		if tt.misses != nil {
			assert.False(t, s.Matches(selector.Set(tt.misses)), tt.reason)
		}
	}
}

func TestServiceSpec(t *testing.T) {
	s, err := kinds.ServiceSpecOf(load(t, kinds.ServiceKind, "service_lb.json"))
	require.NoError(t, err)
	typ, err := s.Type()
	require.NoError(t, err)
	assert.Equal(t, kinds.ServiceType("LoadBalancer"), typ)
	assert.Equal(t, map[string]string{"app": "web"}, s.Selector())
	assert.Equal(t, []netip.Addr{netip.MustParseAddr("10.96.12.34"), netip.MustParseAddr("fd00:10:96::c22")}, s.ClusterIPs())
	require.Len(t, s.Ports(), 2)
	assert.Equal(t, "http", s.Ports()[0].TargetPort.String())
	assert.False(t, s.Headless())
	_, err = s.ExternalName()
	requireUnavailable(t, err, "Service", "spec.externalName")

	h, err := kinds.ServiceSpecOf(load(t, kinds.ServiceKind, "service_headless.json"))
	require.NoError(t, err)
	assert.True(t, h.Headless())
	assert.Empty(t, h.ClusterIPs())
}

func TestNodeSpec(t *testing.T) {
	tests := []struct {
		file          string
		unschedulable bool
		taints        []kinds.Taint
		cidrs         []string
		reason        string
	}{
		{"node.json", false, []kinds.Taint{}, []string{"10.244.1.0/24", "fd00:10:244:1::/64"}, "a schedulable dual-stack node"},
		{"spec_node_cordoned.json", true, []kinds.Taint{{Key: "node.kubernetes.io/unschedulable", Effect: "NoSchedule"}, {Key: "dedicated", Value: "gpu", Effect: "NoExecute"}},
			[]string{"10.244.1.0/24", "fd00:10:244:1::/64"}, "cordoned and tainted; the invalid CIDR is left out"},
	}
	for _, tt := range tests {
		s, err := kinds.NodeSpecOf(load(t, kinds.NodeKind, tt.file))
		require.NoError(t, err)
		assert.Equal(t, tt.unschedulable, s.Unschedulable(), tt.reason)
		if len(tt.taints) == 0 {
			assert.Empty(t, s.Taints(), tt.reason)
		} else {
			assert.Equal(t, tt.taints, s.Taints(), tt.reason)
		}
		var got []string
		for _, p := range s.PodCIDRs() {
			got = append(got, p.String())
		}
		assert.Equal(t, tt.cidrs, got, tt.reason)
	}
}

// FuzzSpecs decodes arbitrary bytes as pods, workloads, services and nodes
// and reads every typed spec attribute: nothing panics, and every
// accessor error is an *sdk.UnavailableError naming the kind.
func FuzzSpecs(f *testing.F) {
	for _, file := range []string{"spec_pod.json", "deployment.json", "daemonset.json", "service_lb.json", "spec_node_cordoned.json"} {
		f.Add(readTestdata(f, file))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if p, err := sdk.DecodeItem(nil, kinds.PodKind, raw); err == nil {
			if s, err := kinds.PodSpecOf(p); err == nil {
				readPodSpec(t, "Pod", s)
			}
		}
		if d, err := sdk.DecodeItem(nil, kinds.DeploymentKind, raw); err == nil {
			if s, err := kinds.DeploymentSpecOf(d); err == nil {
				checkSpecErr(t, "Deployment", func() error { _, err := s.Replicas(); return err }())
				_, _ = s.Selector().Selector()
				_ = s.Strategy()
				_ = s.TemplateLabels()
				readPodSpec(t, "Deployment", s.Template())
			}
		}
		if sv, err := sdk.DecodeItem(nil, kinds.ServiceKind, raw); err == nil {
			if s, err := kinds.ServiceSpecOf(sv); err == nil {
				_, err := s.Type()
				checkSpecErr(t, "Service", err)
				_, _, _ = s.Ports(), s.ClusterIPs(), s.Selector()
			}
		}
		if n, err := sdk.DecodeItem(nil, kinds.NodeKind, raw); err == nil {
			if s, err := kinds.NodeSpecOf(n); err == nil {
				_, _, _ = s.Taints(), s.PodCIDRs(), s.Unschedulable()
				_, err := s.ProviderID()
				checkSpecErr(t, "Node", err)
			}
		}
	})
}

func readPodSpec(t *testing.T, kind string, s kinds.PodSpec) {
	_, err := s.NodeName()
	checkSpecErr(t, kind, err)
	for _, c := range append(s.Containers(), s.InitContainers()...) {
		_, err := c.Image()
		checkSpecErr(t, kind, err)
		_, err = c.Requests().CPU()
		checkSpecErr(t, kind, err)
		_, _ = c.Ports(), c.EnvNames()
	}
	_ = s.Volumes()
}

func checkSpecErr(t *testing.T, kind string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ue *sdk.UnavailableError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, kind, ue.Kind)
	require.NotEmpty(t, ue.Field)
}

func readTestdata(tb testing.TB, file string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	require.NoError(tb, err)
	return raw
}
