package catalog_test

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/catalog"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// Recorded JSON: objects read from the test cluster (kubectl get -o json,
// managedFields removed): job_complete, statefulset, pvc_bound,
// pvc_pending, pv_bound, pdb, configmap, hpa, ingress, crd,
// serviceaccount, endpoints, endpointslice, clusterrole. Edited copies of
// them: job_failed and job_new (status replaced / removed), hpa_metrics
// (current metrics as a metrics server would report), ingress_lb (a load
// balancer's status), statefulset_rolling and statefulset_new.

func load[S sdk.Status](t *testing.T, k *sdk.Kind[S], file string) *sdk.Item[S] {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	require.NoError(t, err)
	it, err := sdk.DecodeItem(nil, k, raw)
	require.NoError(t, err, "decode %s", file)
	return it
}

func requireUnavailable(t *testing.T, err error, kind, field string, msg ...any) {
	t.Helper()
	require.Error(t, err, msg...)
	assert.ErrorIs(t, err, sdk.ErrStatusUnavailable, msg...)
	var ue *sdk.UnavailableError
	require.True(t, errors.As(err, &ue), "%T is not an *sdk.UnavailableError", err)
	assert.Equal(t, kind, ue.Kind, msg...)
	assert.Equal(t, field, ue.Field, msg...)
}

func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

func TestJobStatus(t *testing.T) {
	tests := []struct {
		file                string
		reason              string
		succeeded, failed   int32 // -1: unavailable
		complete, failedCnd bool
		completionTime      string // "" = unavailable
	}{
		{"job_complete.json", "a job whose two pods succeeded", 2, 0, true, false, "2026-12-01T13:25:11Z"},
		{"job_failed.json", "a job past its backoff limit: the omitted succeeded counter reads 0", 0, 1, false, true, ""},
		{"job_new.json", "a job the controller has not seen: counters unavailable", -1, -1, false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			st := load(t, catalog.JobKind, tt.file).Status()
			for _, c := range []struct {
				get   func() (int32, error)
				want  int32
				field string
			}{{st.SucceededPods, tt.succeeded, "status.succeeded"}, {st.FailedPods, tt.failed, "status.failed"}} {
				n, err := c.get()
				if c.want < 0 {
					requireUnavailable(t, err, "Job", c.field, tt.reason)
					continue
				}
				require.NoError(t, err, tt.reason)
				assert.Equal(t, c.want, n, "%s: %s", c.field, tt.reason)
			}
			assert.Equal(t, tt.complete, st.Complete(), tt.reason)
			assert.Equal(t, tt.failedCnd, st.Failed(), tt.reason)
			ct, err := st.CompletionTime()
			if tt.completionTime == "" {
				requireUnavailable(t, err, "Job", "status.completionTime", tt.reason)
			} else {
				require.NoError(t, err)
				assert.Equal(t, ts(t, tt.completionTime), ct)
			}
			c, err := st.Completions()
			require.NoError(t, err)
			assert.Equal(t, int32(2), c)
		})
	}
	st := load(t, catalog.JobKind, "job_complete.json").Status()
	start, err := st.StartTime()
	require.NoError(t, err)
	assert.Equal(t, ts(t, "2026-12-01T13:25:09Z"), start)
	assert.False(t, st.Suspended())
	active, err := st.ActivePods()
	require.NoError(t, err)
	assert.Zero(t, active, "active is omitted when zero")
	_, err = load(t, catalog.JobKind, "job_new.json").Status().StartTime()
	requireUnavailable(t, err, "Job", "status.startTime")
}

func TestJobConditions(t *testing.T) {
	tests := []struct {
		file    string
		exists  bool
		holds   bool
		failure bool
		reason  string
	}{
		{"job_complete.json", true, true, false, "Complete=True holds"},
		{"job_failed.json", true, false, true, "Failed=True is a terminal failure"},
		{"job_new.json", true, false, false, "a running job: keep waiting"},
		{"job_new.json", false, false, false, "no job: keep waiting"},
	}
	for _, tt := range tests {
		j := load(t, catalog.JobKind, tt.file)
		ok, err := catalog.JobComplete()(j, tt.exists)
		assert.Equal(t, tt.holds, ok, tt.reason)
		if tt.failure {
			require.ErrorIs(t, err, catalog.ErrJobFailed, tt.reason)
			assert.Contains(t, err.Error(), "BackoffLimitExceeded")
			assert.Contains(t, err.Error(), j.Name())
		} else {
			assert.NoError(t, err, tt.reason)
		}
		_, ferr := catalog.JobFailure()(j, tt.exists)
		assert.Equal(t, tt.failure, ferr != nil, tt.reason)
	}
}

func TestStatefulSetStatus(t *testing.T) {
	tests := []struct {
		file      string
		gen       int64
		rolledOut bool
		ready     int32 // -1: unavailable
		updated   int32
		reason    string
	}{
		{"statefulset.json", 1, true, 2, 2, "two ready pods at the update revision"},
		{"statefulset.json", 2, false, 2, 2, "a generation the controller has not observed"},
		{"statefulset_rolling.json", 2, false, 2, 1, "revisions differ: one pod still to update"},
		{"statefulset_new.json", 1, false, -1, -1, "no status yet"},
	}
	for _, tt := range tests {
		st := load(t, catalog.StatefulSetKind, tt.file).Status()
		assert.Equal(t, tt.rolledOut, st.RolledOut(tt.gen), tt.reason)
		r, err := st.ReadyReplicas()
		u, uerr := st.UpdatedReplicas()
		if tt.ready < 0 {
			requireUnavailable(t, err, "StatefulSet", "status.readyReplicas", tt.reason)
			requireUnavailable(t, uerr, "StatefulSet", "status.updatedReplicas", tt.reason)
			_, err = st.CurrentRevision()
			requireUnavailable(t, err, "StatefulSet", "status.currentRevision", tt.reason)
			continue
		}
		require.NoError(t, err)
		require.NoError(t, uerr)
		assert.Equal(t, tt.ready, r, tt.reason)
		assert.Equal(t, tt.updated, u, tt.reason)
	}
	st := load(t, catalog.StatefulSetKind, "statefulset.json").Status()
	cur, err := st.CurrentRevision()
	require.NoError(t, err)
	upd, err := st.UpdateRevision()
	require.NoError(t, err)
	assert.Equal(t, "web-6ff56bc568", cur)
	assert.Equal(t, cur, upd)
	want, err := st.DesiredReplicas()
	require.NoError(t, err)
	assert.Equal(t, int32(2), want)
	ok, err := catalog.StatefulSetRolledOut()(load(t, catalog.StatefulSetKind, "statefulset.json"), true)
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestVolumeStatus(t *testing.T) {
	bound := load(t, catalog.PersistentVolumeClaimKind, "pvc_bound.json").Status()
	ph, err := bound.Phase()
	require.NoError(t, err)
	assert.Equal(t, catalog.VolumeBound, ph)
	assert.True(t, bound.Bound())
	size, err := bound.Capacity().Get("storage")
	require.NoError(t, err)
	assert.Equal(t, "2Gi", size.String())
	assert.Equal(t, []catalog.AccessMode{"ReadWriteOnce"}, bound.AccessModes())

	pending := load(t, catalog.PersistentVolumeClaimKind, "pvc_pending.json").Status()
	ph, err = pending.Phase()
	require.NoError(t, err)
	assert.Equal(t, catalog.VolumePending, ph)
	assert.False(t, pending.Bound())
	_, err = pending.Capacity().Get("storage")
	requireUnavailable(t, err, "PersistentVolumeClaim", "status.capacity[storage]")
	assert.Empty(t, pending.AccessModes())

	ok, err := catalog.PVCBound()(load(t, catalog.PersistentVolumeClaimKind, "pvc_bound.json"), true)
	assert.True(t, ok && err == nil)
	ok, err = catalog.PVCBound()(load(t, catalog.PersistentVolumeClaimKind, "pvc_pending.json"), true)
	assert.False(t, ok || err != nil)

	pv := load(t, catalog.PersistentVolumeKind, "pv_bound.json").Status()
	ph, err = pv.Phase()
	require.NoError(t, err)
	assert.Equal(t, catalog.VolumeBound, ph)
	_, err = pv.Reason()
	requireUnavailable(t, err, "PersistentVolume", "status.reason")
}

func TestPodDisruptionBudgetStatus(t *testing.T) {
	st := load(t, catalog.PodDisruptionBudgetKind, "pdb.json").Status()
	for _, c := range []struct {
		get  func() (int32, error)
		want int32
	}{{st.DisruptionsAllowed, 1}, {st.CurrentHealthy, 2}, {st.DesiredHealthy, 1}, {st.ExpectedPods, 2}} {
		n, err := c.get()
		require.NoError(t, err)
		assert.Equal(t, c.want, n)
	}
	assert.True(t, st.Conditions().IsTrue("DisruptionAllowed"))
	var empty catalog.PodDisruptionBudgetStatus
	_, err := empty.DisruptionsAllowed()
	requireUnavailable(t, err, "PodDisruptionBudget", "status.disruptionsAllowed")
}

func TestHorizontalPodAutoscalerStatus(t *testing.T) {
	st := load(t, catalog.HorizontalPodAutoscalerKind, "hpa.json").Status()
	cur, err := st.CurrentReplicas()
	require.NoError(t, err)
	assert.Equal(t, int32(2), cur)
	assert.False(t, st.Conditions().IsTrue("ScalingActive"), "no metrics server in the test cluster")
	_, err = st.LastScaleTime()
	requireUnavailable(t, err, "HorizontalPodAutoscaler", "status.lastScaleTime")

	st = load(t, catalog.HorizontalPodAutoscalerKind, "hpa_metrics.json").Status()
	ms := st.CurrentMetrics()
	require.Len(t, ms, 2)
	assert.Equal(t, "Resource", ms[0].Type)
	assert.Equal(t, "cpu", ms[0].Name)
	assert.True(t, ms[0].HasAverageUtilization)
	assert.Equal(t, int32(42), ms[0].AverageUtilization)
	assert.Equal(t, "21m", ms[0].AverageValue.String())
	assert.False(t, ms[0].HasValue)
	assert.Equal(t, "queue_depth", ms[1].Name)
	assert.Equal(t, "7", ms[1].Value.String())
	lst, err := st.LastScaleTime()
	require.NoError(t, err)
	assert.Equal(t, ts(t, "2026-12-01T13:30:00Z"), lst)
}

func TestIngressStatus(t *testing.T) {
	assert.Empty(t, load(t, catalog.IngressKind, "ingress.json").Status().LoadBalancerIngress())
	lb := load(t, catalog.IngressKind, "ingress_lb.json").Status().LoadBalancerIngress()
	require.Len(t, lb, 3)
	assert.Equal(t, netip.MustParseAddr("192.0.2.10"), lb[0].IP)
	assert.Equal(t, "lb.example.com", lb[1].Hostname)
	assert.False(t, lb[2].IP.IsValid(), "an ip that is not an address")
}

func TestCRDStatus(t *testing.T) {
	c := load(t, catalog.CustomResourceDefinitionKind, "crd.json")
	st := c.Status()
	assert.True(t, st.Established())
	assert.True(t, st.NamesAccepted())
	n, err := st.AcceptedNames()
	require.NoError(t, err)
	assert.Equal(t, catalog.CRDNames{Plural: "widgets", Singular: "widget", Kind: "Widget", ListKind: "WidgetList", ShortNames: []string{"wd"}}, n)
	assert.Equal(t, []string{"v1"}, st.StoredVersions())
	ok, err := catalog.CRDEstablished()(c, true)
	assert.True(t, ok && err == nil)
	var empty catalog.CustomResourceDefinitionStatus
	assert.False(t, empty.Established())
	_, err = empty.AcceptedNames()
	requireUnavailable(t, err, "CustomResourceDefinition", "status.acceptedNames")
}

func TestObjectAttributes(t *testing.T) {
	cm := load(t, catalog.ConfigMapKind, "configmap.json").Status()
	assert.Equal(t, map[string]string{"a": "1", "b": "two"}, cm.Data())
	assert.Equal(t, map[string][]byte{"bin": {0, 1, 2}}, cm.BinaryData())
	assert.Equal(t, []string{"a", "b", "bin"}, cm.Keys())
	v, err := cm.Get("b")
	require.NoError(t, err)
	assert.Equal(t, "two", v)
	_, err = cm.Get("nope")
	requireUnavailable(t, err, "ConfigMap", "data[nope]")

	sa := load(t, catalog.ServiceAccountKind, "serviceaccount.json").Status()
	assert.Empty(t, sa.Secrets())
	_, err = sa.AutomountToken()
	requireUnavailable(t, err, "ServiceAccount", "automountServiceAccountToken")

	ep := load(t, catalog.EndpointsKind, "endpoints.json").Status()
	assert.Len(t, ep.Addresses(), 2, "the StatefulSet's two ready pods")
	es := load(t, catalog.EndpointSliceKind, "endpointslice.json").Status()
	at, err := es.AddressType()
	require.NoError(t, err)
	assert.Equal(t, "IPv4", at)
	require.Len(t, es.Endpoints(), 2)
	assert.True(t, es.Endpoints()[0].Ready)
	assert.Equal(t, []catalog.EndpointPort{{Name: "http", Port: 80, Protocol: "TCP"}}, es.Ports())

	cr := load(t, catalog.ClusterRoleKind, "clusterrole.json").Status()
	assert.Positive(t, cr.Len())
	assert.Contains(t, cr.Rules()[0].Verbs, "get")
}

func TestAccessReviewResult(t *testing.T) {
	raw := []byte(`{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","metadata":{},` +
		`"spec":{"resourceAttributes":{"verb":"get","resource":"pods"}},"status":{"allowed":true,"reason":"RBAC: allowed"}}`)
	it, err := sdk.DecodeItem(nil, catalog.SelfSubjectAccessReviewKind, raw)
	require.NoError(t, err)
	assert.True(t, it.Status().Allowed())
	assert.False(t, it.Status().Denied())
	r, err := it.Status().Reason()
	require.NoError(t, err)
	assert.Equal(t, "RBAC: allowed", r)
	_, err = it.Status().EvaluationError()
	requireUnavailable(t, err, "SelfSubjectAccessReview", "status.evaluationError")
}

// TestGenericStatus: a kind without hand-written accessors still reads
// its conditions.
func TestGenericStatus(t *testing.T) {
	raw := []byte(`{"apiVersion":"networking.k8s.io/v1","kind":"ServiceCIDR","metadata":{"name":"kubernetes"},` +
		`"spec":{"cidrs":["10.0.0.0/24"]},"status":{"conditions":[{"type":"Ready","status":"True","reason":"x"}]}}`)
	it, err := sdk.DecodeItem(nil, catalog.ServiceCIDRKind, raw)
	require.NoError(t, err)
	assert.True(t, it.Status().Conditions().IsTrue("Ready"))
	_, err = it.Status().Conditions().Get("Other")
	requireUnavailable(t, err, "ServiceCIDR", "status.conditions[type=Other]")
}

func TestStatefulSetSpec(t *testing.T) {
	s, err := catalog.StatefulSetSpecOf(load(t, catalog.StatefulSetKind, "statefulset.json"))
	require.NoError(t, err)
	n, err := s.Replicas()
	require.NoError(t, err)
	assert.Equal(t, int32(2), n)
	svc, err := s.ServiceName()
	require.NoError(t, err)
	assert.Equal(t, "web", svc)
	pmp, err := s.PodManagementPolicy()
	require.NoError(t, err)
	assert.Equal(t, "OrderedReady", pmp)
	st := s.Strategy()
	assert.Equal(t, "RollingUpdate", st.Type)
	require.NotNil(t, st.Partition)
	assert.Equal(t, int32(0), *st.Partition)
	assert.Equal(t, map[string]string{"app": "web"}, s.TemplateLabels())
	assert.Equal(t, []kinds.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: "TCP"}}, s.Template().Containers()[0].Ports())
	_, err = catalog.StatefulSetSpecOf(nil)
	assert.Error(t, err)
}
