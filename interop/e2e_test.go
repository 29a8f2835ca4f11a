package interop_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// configMapKind describes ConfigMaps, which the SDK's seed kinds lack: a
// descriptor is all a view needs.
var configMapKind = sdk.MustKind[configMapStatus](sdk.KindInfo{
	Kind: "ConfigMap", Resource: "configmaps", Namespaced: true, APIPaths: []string{"api/v1"},
})

type configMapStatus struct{ sdk.FromStatus }

// e2e returns the shared cluster, a client through its kubectl proxy, a
// fresh namespace and a context with a deadline.
func e2e(t *testing.T) (*testutil.Cluster, *kube.Cluster, string, context.Context) {
	t.Helper()
	tc := testutil.Shared(t)
	c, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return tc, c, tc.Namespace(t), ctx
}

// webDeployment is a Deployment as a client-go user writes it: TypeMeta
// empty, only the fields they mean to set.
func webDeployment(name string, replicas int32) appsv1.Deployment {
	labels := map[string]string{"app": name}
	return appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"team": "interop"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
			},
		},
	}
}

// stdDecode decodes raw with encoding/json, as client-go's typed clients
// would: the reference the SDK's Into must agree with.
func stdDecode[T any](t *testing.T, raw []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(raw, &v))
	return v
}

// assertSameAsStd checks that Into decoded exactly what encoding/json
// decodes from the same bytes, compared as encoding/json re-encodes both.
func assertSameAsStd[T any](t *testing.T, obj sdk.Object, got T) {
	t.Helper()
	want := stdDecode[T](t, obj.Raw())
	a, err := json.Marshal(got)
	require.NoError(t, err)
	b, err := json.Marshal(want)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(a), "Into and encoding/json decode the server's object alike")
	assert.Equal(t, string(b), string(a), "byte for byte, once re-encoded")
}

func TestE2EReadDeploymentIntoAppsV1(t *testing.T) {
	tc, c, ns, ctx := e2e(t)
	// Created by kubectl, the independent client.
	_, err := tc.Kubectl(ctx, `apiVersion: apps/v1
kind: Deployment
metadata: {name: read, labels: {team: interop}}
spec:
  replicas: 2
  selector: {matchLabels: {app: read}}
  template:
    metadata: {labels: {app: read}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80, name: http}]
        resources: {requests: {cpu: 100m, memory: 32Mi}, limits: {memory: 64Mi}}
`, "-n", ns, "apply", "-f", "-")
	require.NoError(t, err)

	var d appsv1.Deployment
	testutil.Eventually(t, ctx, "2 ready replicas read through appsv1.Deployment", func() error {
		item, err := c.Deployments.In(ns).Get(ctx, "read")
		if err != nil {
			return err
		}
		if d, err = sdk.Into[appsv1.Deployment](item); err != nil {
			return err
		}
		if d.Status.ReadyReplicas != 2 {
			return fmt.Errorf("ready replicas %d", d.Status.ReadyReplicas)
		}
		assertSameAsStd(t, item, d)
		return nil
	})
	assert.Equal(t, "read", d.Name)
	assert.Equal(t, ns, d.Namespace)
	assert.NotEmpty(t, d.UID)
	assert.Equal(t, map[string]string{"team": "interop"}, d.Labels)
	assert.WithinDuration(t, time.Now(), d.CreationTimestamp.Time, 5*time.Minute, "metav1.Time decoded through its UnmarshalJSON")
	require.NotNil(t, d.Spec.Replicas)
	assert.Equal(t, int32(2), *d.Spec.Replicas)
	assert.Equal(t, map[string]string{"app": "read"}, d.Spec.Selector.MatchLabels)
	// Defaults the server filled, decoded through intstr.IntOrString.
	assert.Equal(t, appsv1.RollingUpdateDeploymentStrategyType, d.Spec.Strategy.Type)
	require.NotNil(t, d.Spec.Strategy.RollingUpdate)
	assert.Equal(t, "25%", d.Spec.Strategy.RollingUpdate.MaxSurge.String())
	ctr := d.Spec.Template.Spec.Containers[0]
	assert.Equal(t, "nginx:1.27", ctr.Image)
	assert.Equal(t, []corev1.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP}}, ctr.Ports)
	assert.Equal(t, int64(100), ctr.Resources.Requests.Cpu().MilliValue(), "resource.Quantity decoded")
	assert.Equal(t, int64(64<<20), ctr.Resources.Limits.Memory().Value())
	assert.Equal(t, int32(2), d.Status.Replicas)
	assert.NotEmpty(t, d.Status.Conditions)
}

func TestE2ECreateFromAppsV1(t *testing.T) {
	tc, c, ns, ctx := e2e(t)
	dep := webDeployment("created", 1)
	require.Empty(t, dep.APIVersion+dep.Kind, "the struct has no TypeMeta")

	item, err := c.Deployments.In(ns).Create(ctx, dep, sdk.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, "created", item.Name())
	assert.Equal(t, ns, item.Namespace())

	got, err := sdk.Into[appsv1.Deployment](item)
	require.NoError(t, err)
	assert.Equal(t, "apps/v1", got.APIVersion)
	assert.Equal(t, "Deployment", got.Kind)
	assert.Equal(t, item.UID(), string(got.UID))
	assert.Equal(t, "nginx:1.27", got.Spec.Template.Spec.Containers[0].Image)
	assert.Equal(t, int32(10), *got.Spec.RevisionHistoryLimit, "server default")
	assert.Equal(t, corev1.TerminationMessageReadFile, got.Spec.Template.Spec.Containers[0].TerminationMessagePolicy, "server default")

	// kubectl sees the same object.
	out, err := tc.Kubectl(ctx, "", "-n", ns, "get", "deployment", "created", "-o", "json")
	require.NoError(t, err)
	byKubectl := stdDecode[appsv1.Deployment](t, []byte(out))
	assert.Equal(t, got.UID, byKubectl.UID)
	assert.Equal(t, got.Spec.Template.Spec.Containers, byKubectl.Spec.Template.Spec.Containers)

	// Update from a decoded struct: its resourceVersion makes it
	// conditional (the deployment controller writes status meanwhile, so
	// retry on a conflict from a fresh read).
	var updated *sdk.Item[kinds.DeploymentStatus]
	require.NoError(t, sdk.RetryOnConflict(ctx, sdk.RetryOptions{}, func() error {
		cur, err := c.Deployments.In(ns).Get(ctx, "created")
		if err != nil {
			return err
		}
		fresh, err := sdk.Into[appsv1.Deployment](cur)
		if err != nil {
			return err
		}
		fresh.Spec.Template.Spec.Containers[0].Image = "nginx:1.28"
		updated, err = c.Deployments.In(ns).Update(ctx, fresh, sdk.WriteOptions{})
		return err
	}))
	assert.NotEqual(t, item.Version(), updated.Version())
	u, err := sdk.Into[appsv1.Deployment](updated)
	require.NoError(t, err)
	assert.Equal(t, "nginx:1.28", u.Spec.Template.Spec.Containers[0].Image)
	got.Spec.Template.Spec.Containers[0].Image = "nginx:1.29"
	_, err = c.Deployments.In(ns).Update(ctx, got, sdk.WriteOptions{})
	assert.ErrorIs(t, err, sdk.ErrConflict, "the stale struct's resourceVersion is checked")

	// A struct of another kind is refused before any request.
	_, err = c.Deployments.In(ns).Create(ctx, corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Name: "p"}}, sdk.CreateOptions{})
	var me *sdk.ManifestError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "kind", me.Field)
	// The client cannot know the kind of an empty TypeMeta.
	_, err = c.Create(ctx, webDeployment("nokind", 1), sdk.CreateOptions{Namespace: ns})
	require.ErrorAs(t, err, &me)
	assert.Contains(t, me.Error(), "view")
}

// fieldSet flattens a managedFields fieldsV1 document into its leaf paths,
// e.g. `f:spec/f:template/f:spec/f:containers/k:{"name":"web"}/f:image`.
func fieldSet(t *testing.T, fieldsV1 *metav1.FieldsV1) []string {
	t.Helper()
	require.NotNil(t, fieldsV1)
	var tree map[string]any
	require.NoError(t, json.Unmarshal(fieldsV1.Raw, &tree))
	var out []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			p := k
			if prefix != "" {
				p = prefix + "/" + k
			}
			sub, _ := v.(map[string]any)
			if len(sub) == 0 {
				out = append(out, p)
				continue
			}
			walk(p, sub)
		}
	}
	walk("", tree)
	slices.Sort(out)
	return out
}

// managedBy returns the field set the manager holds through operation.
func managedBy(t *testing.T, d appsv1.Deployment, manager string, op metav1.ManagedFieldsOperationType) []string {
	t.Helper()
	for _, mf := range d.ManagedFields {
		if mf.Manager == manager && mf.Operation == op && mf.Subresource == "" {
			return fieldSet(t, mf.FieldsV1)
		}
	}
	var have []string
	for _, mf := range d.ManagedFields {
		have = append(have, mf.Manager+"/"+string(mf.Operation))
	}
	t.Fatalf("no managedFields entry of manager %q (%s); have %v", manager, op, have)
	return nil
}

func TestE2EApplyTypedOwnsOnlyUserFields(t *testing.T) {
	_, c, ns, ctx := e2e(t)
	deps := c.Deployments.In(ns)
	const manager = "interop-typed"
	item, err := deps.Apply(ctx, webDeployment("applied", 2), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: manager}})
	require.NoError(t, err)
	d, err := sdk.Into[appsv1.Deployment](item)
	require.NoError(t, err)

	got := managedBy(t, d, manager, metav1.ManagedFieldsOperationApply)
	want := []string{
		`f:metadata/f:labels/f:team`,
		`f:spec/f:replicas`,
		`f:spec/f:selector`,
		`f:spec/f:template/f:metadata/f:labels/f:app`,
		`f:spec/f:template/f:spec/f:containers/k:{"name":"web"}/.`,
		`f:spec/f:template/f:spec/f:containers/k:{"name":"web"}/f:image`,
		`f:spec/f:template/f:spec/f:containers/k:{"name":"web"}/f:name`,
	}
	assert.Equal(t, want, got, "the manager owns exactly the fields the struct sets")
	for _, p := range got {
		for _, bad := range []string{"f:strategy", "f:resources", "f:creationTimestamp", "f:status"} {
			assert.NotContains(t, p, bad)
		}
	}
	assert.Equal(t, appsv1.RollingUpdateDeploymentStrategyType, d.Spec.Strategy.Type, "the server still defaults what the struct left out")

	// Another manager sets the rolling-update surge, which nobody claimed;
	// re-applying the typed struct (a replicas change) keeps it and keeps
	// the same ownership.
	other := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "applied"},
		"spec": map[string]any{"strategy": map[string]any{"rollingUpdate": map[string]any{"maxSurge": 3}}}}
	_, err = deps.Apply(ctx, other, sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "interop-other"}})
	require.NoError(t, err)
	item, err = deps.Apply(ctx, webDeployment("applied", 3), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: manager}})
	require.NoError(t, err)
	d, err = sdk.Into[appsv1.Deployment](item)
	require.NoError(t, err)
	assert.Equal(t, int32(3), *d.Spec.Replicas)
	require.NotNil(t, d.Spec.Strategy.RollingUpdate)
	assert.Equal(t, 3, d.Spec.Strategy.RollingUpdate.MaxSurge.IntValue(), "the other manager's value stands")
	assert.Equal(t, want, managedBy(t, d, manager, metav1.ManagedFieldsOperationApply))
}

// TestE2EApplyEncodingJSONClaimsZeroFields is the control experiment: the
// same struct marshalled by encoding/json, as a naive client sends it,
// makes the manager own spec.strategy and the container's resources. It
// shows that TestE2EApplyTypedOwnsOnlyUserFields would catch the trap.
func TestE2EApplyEncodingJSONClaimsZeroFields(t *testing.T) {
	_, c, ns, ctx := e2e(t)
	dep := webDeployment("naive", 1)
	dep.APIVersion, dep.Kind = "apps/v1", "Deployment"
	body, err := json.Marshal(dep)
	require.NoError(t, err)
	require.Contains(t, string(body), `"strategy":{}`)
	item, err := c.Deployments.In(ns).Patch(ctx, "naive", sdk.ApplyPatch, body, sdk.PatchOptions{WriteOptions: sdk.WriteOptions{FieldManager: "interop-naive"}})
	require.NoError(t, err)
	d, err := sdk.Into[appsv1.Deployment](item)
	require.NoError(t, err)
	got := strings.Join(managedBy(t, d, "interop-naive", metav1.ManagedFieldsOperationApply), "\n")
	assert.Contains(t, got, "f:spec/f:strategy")
	assert.Contains(t, got, `f:spec/f:template/f:spec/f:containers/k:{"name":"web"}/f:resources`)
}

func TestE2EConfigMapRoundTrip(t *testing.T) {
	tc, c, ns, ctx := e2e(t)
	cms := sdk.NewView(c.Client, configMapKind).In(ns)
	cm := corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "settings", Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"note": "ünïcode <&>"}},
		Data:       map[string]string{"a": "1", "multi": "line one\nline two\n", "empty": ""},
		BinaryData: map[string][]byte{"bin": {0, 1, 2, 0xfe, 0xff}},
	}
	created, err := cms.Create(ctx, cm, sdk.CreateOptions{})
	require.NoError(t, err)

	item, err := cms.Get(ctx, "settings")
	require.NoError(t, err)
	assert.Equal(t, created.Version(), item.Version())
	got, err := sdk.Into[corev1.ConfigMap](item)
	require.NoError(t, err)
	assertSameAsStd(t, item, got)
	assert.Equal(t, cm.Data, got.Data)
	assert.Equal(t, cm.BinaryData, got.BinaryData)
	assert.Equal(t, cm.Labels, got.Labels)
	assert.Equal(t, cm.Annotations, got.Annotations)

	// kubectl reads what was written.
	out, err := tc.Kubectl(ctx, "", "-n", ns, "get", "configmap", "settings", "-o", "jsonpath={.data.multi}")
	require.NoError(t, err)
	assert.Equal(t, "line one\nline two\n", out)

	// Update from the decoded struct, then apply a typed change.
	got.Data["a"] = "2"
	delete(got.Data, "empty")
	updated, err := cms.Update(ctx, got, sdk.WriteOptions{})
	require.NoError(t, err)
	u, err := sdk.Into[corev1.ConfigMap](updated)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "2", "multi": "line one\nline two\n"}, u.Data)
	assert.Equal(t, cm.BinaryData, u.BinaryData)

	applied, err := cms.Apply(ctx, corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"b": "3"}},
		sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "interop-cm"}, Force: true})
	require.NoError(t, err)
	a, err := sdk.Into[corev1.ConfigMap](applied)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "2", "b": "3", "multi": "line one\nline two\n"}, a.Data)
}

func TestE2EPodRoundTrip(t *testing.T) {
	_, c, ns, ctx := e2e(t)
	grace := int64(5)
	pod := corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "rt", Labels: map[string]string{"app": "rt"}},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{
				Name:  "main",
				Image: "busybox:1.36",
				Args:  []string{"sleep", "3600"},
				Env:   []corev1.EnvVar{{Name: "MODE", Value: "test"}, {Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}}},
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
				},
				VolumeMounts: []corev1.VolumeMount{{Name: "scratch", MountPath: "/scratch"}},
			}},
			Volumes: []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		},
	}
	// Apply the typed Pod: the emptyDir {} the user set must be sent (it
	// selects the volume type), though its struct is empty.
	item, err := c.Pods.In(ns).Apply(ctx, pod, sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "interop-pod"}})
	require.NoError(t, err)
	var got corev1.Pod
	testutil.Eventually(t, ctx, "the pod running on a kwok node", func() error {
		it, err := c.Pods.In(ns).Get(ctx, "rt")
		if err != nil {
			return err
		}
		if got, err = sdk.Into[corev1.Pod](it); err != nil {
			return err
		}
		if got.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %q", got.Status.Phase)
		}
		assertSameAsStd(t, it, got)
		return nil
	})
	assert.Equal(t, item.UID(), string(got.UID))
	i := slices.IndexFunc(got.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == "scratch" })
	require.GreaterOrEqual(t, i, 0, "volumes %v", got.Spec.Volumes)
	require.NotNil(t, got.Spec.Volumes[i].EmptyDir, "emptyDir {} reached the server")
	ctr := got.Spec.Containers[0]
	assert.Equal(t, []string{"sleep", "3600"}, ctr.Args)
	assert.Equal(t, pod.Spec.Containers[0].Env, ctr.Env)
	assert.Equal(t, 0, ctr.Resources.Requests.Cpu().Cmp(resource.MustParse("100m")))
	assert.Equal(t, 0, ctr.Resources.Limits.Memory().Cmp(resource.MustParse("64Mi")))
	assert.Equal(t, []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}, ctr.Ports)
	assert.Equal(t, int64(5), *got.Spec.TerminationGracePeriodSeconds)
	assert.Equal(t, corev1.DNSClusterFirst, got.Spec.DNSPolicy, "server default")
	assert.NotEmpty(t, got.Spec.NodeName, "scheduled")
	assert.Equal(t, corev1.PodQOSBurstable, got.Status.QOSClass)
	require.NotEmpty(t, got.Status.ContainerStatuses)
	assert.Equal(t, "main", got.Status.ContainerStatuses[0].Name)
	assert.NotNil(t, got.Status.StartTime)

	var pf []string
	for _, mf := range got.ManagedFields {
		if mf.Manager == "interop-pod" {
			var tree map[string]any
			require.NoError(t, json.Unmarshal(mf.FieldsV1.Raw, &tree))
			pf = slices.Sorted(maps.Keys(tree["f:spec"].(map[string]any)))
		}
	}
	assert.Equal(t, []string{"f:containers", "f:terminationGracePeriodSeconds", "f:volumes"}, pf, "the manager owns only the spec fields the Pod sets")
}
