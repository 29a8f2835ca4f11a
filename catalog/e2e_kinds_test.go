package catalog_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/catalog"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
)

func suffix(t *testing.T) string {
	b := make([]byte, 4)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// TestE2ECatalogKinds applies a multi-document manifest of catalogue kinds
// (and a headless Service of package kinds) without registering anything,
// checks that every item comes back typed, then waits on the wait
// conditions and reads the typed status values the cluster's controllers
// (and kwok, which runs the pods: its pod-complete stage completes the
// Job's pods) report.
func TestE2ECatalogKinds(t *testing.T) {
	tc := testutil.Shared(t)
	ns := tc.Namespace(t)
	c, err := sdk.New(sdk.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	// Not t.Context: the parallel subtests run after this function returns.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)

	id := suffix(t)
	class := "catalog-e2e-" + id
	crdGroup := "e2e" + id + ".example.com"
	manifest := fmt.Sprintf(`
apiVersion: batch/v1
kind: Job
metadata: {name: job, namespace: %[1]s}
spec:
  completions: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cron, namespace: %[1]s}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: %[1]s}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: %[1]s}
spec:
  replicas: 2
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: nginx}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: %[1]s}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: %[2]s}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: %[2]s}
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: %[2]s
  hostPath: {path: /tmp/%[2]s}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: bound, namespace: %[1]s}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: %[2]s
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pending, namespace: %[1]s}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: %[2]s-absent
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.%[3]s}
spec:
  group: %[3]s
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: %[1]s}
data: {greeting: hello}
`, ns, class, crdGroup)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = sdk.NewView(c, catalog.PersistentVolumeKind).Delete(ctx, class, sdk.DeleteOptions{})
		_ = sdk.NewView(c, catalog.StorageClassKind).Delete(ctx, class, sdk.DeleteOptions{})
		_ = sdk.NewView(c, catalog.CustomResourceDefinitionKind).Delete(ctx, "widgets."+crdGroup, sdk.DeleteOptions{})
	})
	objs, err := c.ApplyManifests(ctx, []byte(manifest), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "catalog-e2e"}})
	require.NoError(t, err)
	require.Len(t, objs, 11)
	typed := []bool{}
	for _, o := range objs {
		_, isJob := sdk.ItemOf[catalog.JobStatus](o)
		_, isCM := sdk.ItemOf[catalog.ConfigMapStatus](o)
		_, isSC := sdk.ItemOf[catalog.StorageClassStatus](o)
		typed = append(typed, isJob || isCM || isSC)
	}
	assert.Equal(t, []bool{true, false, false, false, false, true, false, false, false, false, true}, typed, "items typed by their kind")
	for i, want := range []sdk.AnyKind{catalog.JobKind, catalog.CronJobKind, kinds.ServiceKind, catalog.StatefulSetKind,
		catalog.PodDisruptionBudgetKind, catalog.StorageClassKind, catalog.PersistentVolumeKind, catalog.PersistentVolumeClaimKind,
		catalog.PersistentVolumeClaimKind, catalog.CustomResourceDefinitionKind, catalog.ConfigMapKind} {
		assert.Same(t, want, objs[i].Descriptor(), "document %d", i+1)
	}
	cm, ok := sdk.ItemOf[catalog.ConfigMapStatus](objs[10])
	require.True(t, ok)
	assert.Equal(t, map[string]string{"greeting": "hello"}, cm.Status().Data())

	t.Run("Job", func(t *testing.T) {
		t.Parallel()
		j, err := watch.WaitFor(ctx, sdk.NewView(c, catalog.JobKind).In(ns).ObjectSource("job"), catalog.JobComplete())
		require.NoError(t, err)
		st := j.Status()
		n, err := st.SucceededPods()
		require.NoError(t, err)
		assert.Equal(t, int32(2), n)
		want, err := st.Completions()
		require.NoError(t, err)
		assert.Equal(t, int32(2), want)
		start, err := st.StartTime()
		require.NoError(t, err)
		done, err := st.CompletionTime()
		require.NoError(t, err)
		assert.False(t, done.Before(start))
		assert.False(t, st.Failed())
	})
	t.Run("CronJob", func(t *testing.T) {
		t.Parallel()
		// The schedule fires on the next minute: wait for it, bounded.
		cj, err := watch.WaitFor(ctx, sdk.NewView(c, catalog.CronJobKind).In(ns).ObjectSource("cron"),
			watch.Match(func(cj *catalog.CronJob) bool { _, err := cj.Status().LastScheduleTime(); return err == nil }))
		require.NoError(t, err)
		last, err := cj.Status().LastScheduleTime()
		require.NoError(t, err)
		assert.WithinDuration(t, time.Now(), last, 2*time.Minute)
		for _, ref := range cj.Status().Active() {
			assert.Equal(t, "Job", ref.Kind)
			assert.True(t, strings.HasPrefix(ref.Name, "cron-"), ref.Name)
		}
	})
	t.Run("StatefulSet", func(t *testing.T) {
		t.Parallel()
		s, err := watch.WaitFor(ctx, sdk.NewView(c, catalog.StatefulSetKind).In(ns).ObjectSource("web"), catalog.StatefulSetRolledOut())
		require.NoError(t, err)
		st := s.Status()
		ready, err := st.ReadyReplicas()
		require.NoError(t, err)
		assert.Equal(t, int32(2), ready)
		cur, err := st.CurrentRevision()
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(cur, "web-"), cur)
		og, err := st.ObservedGeneration()
		require.NoError(t, err)
		assert.Equal(t, s.Meta().Generation, og)
	})
	t.Run("PDB", func(t *testing.T) {
		t.Parallel()
		p, err := watch.WaitFor(ctx, sdk.NewView(c, catalog.PodDisruptionBudgetKind).In(ns).ObjectSource("web"),
			watch.Match(func(p *catalog.PodDisruptionBudget) bool {
				n, err := p.Status().ExpectedPods()
				return err == nil && n == 2
			}))
		require.NoError(t, err)
		n, err := p.Status().DesiredHealthy()
		require.NoError(t, err)
		assert.Equal(t, int32(1), n)
	})
	t.Run("PVC", func(t *testing.T) {
		t.Parallel()
		pvc, err := watch.WaitFor(ctx, sdk.NewView(c, catalog.PersistentVolumeClaimKind).In(ns).ObjectSource("bound"), catalog.PVCBound())
		require.NoError(t, err)
		size, err := pvc.Status().Capacity().Get("storage")
		require.NoError(t, err)
		assert.Equal(t, "2Gi", size.String(), "the bound volume's capacity")
		pv, err := sdk.NewView(c, catalog.PersistentVolumeKind).Get(ctx, class)
		require.NoError(t, err)
		ph, err := pv.Status().Phase()
		require.NoError(t, err)
		assert.Equal(t, catalog.VolumeBound, ph)
		// No volume of the absent class: the claim stays Pending.
		pending, err := sdk.NewView(c, catalog.PersistentVolumeClaimKind).In(ns).Get(ctx, "pending")
		require.NoError(t, err)
		assert.False(t, pending.Status().Bound())
	})
	t.Run("CRD", func(t *testing.T) {
		t.Parallel()
		crd, err := watch.WaitFor(ctx, sdk.NewView(c, catalog.CustomResourceDefinitionKind).ObjectSource("widgets."+crdGroup), catalog.CRDEstablished())
		require.NoError(t, err)
		assert.True(t, crd.Status().NamesAccepted())
		names, err := crd.Status().AcceptedNames()
		require.NoError(t, err)
		assert.Equal(t, "Widget", names.Kind)
	})
}

// TestE2EOtherVersionOfACatalogKind: a manifest at a served version other
// than the catalogue's (autoscaling/v1 HorizontalPodAutoscaler, catalogued
// at autoscaling/v2) is written at its own version through discovery and
// comes back untyped, instead of being sent to the v2 endpoint.
func TestE2EOtherVersionOfACatalogKind(t *testing.T) {
	tc := testutil.Shared(t)
	ns := tc.Namespace(t)
	c, err := sdk.New(sdk.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	obj, err := c.Apply(ctx, fmt.Sprintf(`apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: %s}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 4
  targetCPUUtilizationPercentage: 70
`, ns), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "catalog-e2e"}})
	require.NoError(t, err)
	u, ok := sdk.ItemOf[sdk.Unstructured](obj)
	require.True(t, ok, "written through discovery at autoscaling/v1: %T", obj)
	assert.Equal(t, "autoscaling/v1", u.Status().APIVersion())
	target, ok := u.Status().Int("spec", "targetCPUUtilizationPercentage")
	require.True(t, ok)
	assert.Equal(t, int64(70), target)

	// The same object read through the catalogue's v2 kind is typed.
	hpa, err := sdk.NewStatusView(c, catalog.HorizontalPodAutoscalerKind).In(ns).Get(ctx, "web")
	require.NoError(t, err)
	assert.Equal(t, "web", hpa.Name())
	spec := hpa.Spec()
	assert.EqualValues(t, 4, spec["maxReplicas"])
}
