package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kube-for-go/kube/selector"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// wE2E returns the shared cluster, a client through its kubectl proxy, a
// fresh namespace and a context with a deadline.
func wE2E(t *testing.T) (*testutil.Cluster, *kube.Cluster, string, context.Context) {
	t.Helper()
	tc := testutil.Shared(t)
	c, err := kube.New(kube.Options{URL: tc.ProxyURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return tc, c, tc.Namespace(t), ctx
}

// wKubectlObj reads an object with kubectl, the independent oracle; ok is
// false when kubectl says it does not exist.
func wKubectlObj(t *testing.T, ctx context.Context, tc *testutil.Cluster, ns string, args ...string) (obj map[string]any, ok bool) {
	t.Helper()
	out, err := tc.Kubectl(ctx, "", append([]string{"-n", ns, "get", "-o", "json", "--show-managed-fields"}, args...)...)
	if err != nil {
		if strings.Contains(err.Error(), "NotFound") {
			return nil, false
		}
		t.Fatalf("kubectl: %v", err)
	}
	if err := json.Unmarshal([]byte(out), &obj); err != nil {
		t.Fatalf("kubectl output: %v", err)
	}
	return obj, true
}

// dig returns the value at a path of nested maps.
func dig(obj map[string]any, path ...string) any {
	var v any = obj
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func wDeploymentManifest(name string, replicas int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  labels: {app: %[1]s}
spec:
  replicas: %[2]d
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
      containers:
      - name: web
        image: nginx:1
        env: [{name: MODE, value: "one"}]
`, name, replicas)
}

// wRunningPods counts the Running pods matching a label selector.
func wRunningPods(ctx context.Context, c *kube.Cluster, ns, labels string) (int, error) {
	pods, err := c.Pods.In(ns).Filter(selector.Expr(labels), nil).List(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range pods {
		if ph, err := p.Status().Phase(); err == nil && ph == kinds.PodRunning && p.Meta().DeletionTimestamp == nil {
			n++
		}
	}
	return n, nil
}

func setLabel(key, value string) sdk.Change {
	return func(obj map[string]any) error {
		md := obj["metadata"].(map[string]any)
		labels, _ := md["labels"].(map[string]any)
		if labels == nil {
			labels = map[string]any{}
			md["labels"] = labels
		}
		labels[key] = value
		return nil
	}
}

func TestE2EWritesUpdateConflictAndRetry(t *testing.T) {
	tc, c, ns, ctx := wE2E(t)
	// A Service: no controller writes to it, so every conflict is ours.
	d, err := c.Services.In(ns).Create(ctx, `{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}}`, sdk.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Two writers start from the same snapshot.
	a, err := d.Update(ctx, setLabel("writer-a", "yes"), sdk.WriteOptions{})
	if err != nil {
		t.Fatalf("first update: %v", err)
	}
	if a.Version() == d.Version() || a.Labels().Value("writer-a") != "yes" {
		t.Errorf("Update returned %v with labels %v, want a new version with writer-a", a, a.Labels())
	}
	if d.Labels().Has("writer-a") {
		t.Error("Update changed the receiver snapshot")
	}
	_, err = d.Update(ctx, setLabel("writer-b", "yes"), sdk.WriteOptions{})
	if !errors.Is(err, sdk.ErrConflict) {
		t.Fatalf("update of a stale snapshot: %v, want ErrConflict", err)
	}
	var ae *sdk.APIError
	if !errors.As(err, &ae) || ae.Code != 409 {
		t.Errorf("conflict is not a 409 *APIError: %v", err)
	}
	// Modify re-fetches and re-applies on conflict.
	b, err := d.Modify(ctx, setLabel("writer-b", "yes"), sdk.ModifyOptions{})
	if err != nil {
		t.Fatalf("Modify: %v", err)
	}
	if b.Labels().Value("writer-a") != "yes" || b.Labels().Value("writer-b") != "yes" {
		t.Errorf("Modify lost a write: labels %v", b.Labels())
	}
	// The same with RetryOnConflict around a Fetch.
	cur := d
	tries := 0
	err = sdk.RetryOnConflict(ctx, sdk.RetryOptions{}, func() error {
		tries++
		if tries > 1 {
			if cur, err = cur.Fetch(ctx); err != nil {
				return err
			}
		}
		_, err := cur.Update(ctx, setLabel("writer-c", "yes"), sdk.WriteOptions{})
		return err
	})
	if err != nil || tries != 2 {
		t.Errorf("RetryOnConflict: %v after %d tries, want success after 2", err, tries)
	}
	obj, _ := wKubectlObj(t, ctx, tc, ns, "service", "web")
	labels := dig(obj, "metadata", "labels").(map[string]any)
	for _, k := range []string{"writer-a", "writer-b", "writer-c"} {
		if labels[k] != "yes" {
			t.Errorf("kubectl sees labels %v, missing %s", labels, k)
		}
	}
}

func TestE2EWritesPatchTypes(t *testing.T) {
	tc, c, ns, ctx := wE2E(t)
	d, err := c.Deployments.In(ns).Create(ctx, wDeploymentManifest("web", 1), sdk.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	container := func(d *kinds.Deployment) map[string]any {
		cs := dig(d.Spec(), "template", "spec").(map[string]any)["containers"].([]any)
		return cs[0].(map[string]any)
	}

	// JSON patch: test, replace, add with a key needing pointer escapes.
	ops := sdk.JSONPatchOps{}.
		Test(sdk.Pointer("spec", "replicas"), 1).
		Replace(sdk.Pointer("spec", "replicas"), 2).
		Add(sdk.Pointer("metadata", "annotations"), map[string]any{}).
		Add(sdk.Pointer("metadata", "annotations", "example.com/a-b"), "json-patch")
	d2, err := d.Patch(ctx, sdk.JSONPatch, ops, sdk.PatchOptions{})
	if err != nil {
		t.Fatalf("JSON patch: %v", err)
	}
	if n, err := d2.Status().DesiredReplicas(); err != nil || n != 2 || d2.Meta().Annotations.Value("example.com/a-b") != "json-patch" {
		t.Errorf("JSON patch result: replicas %d (%v), annotations %v", n, err, d2.Meta().Annotations)
	}
	// A failed test operation rejects the whole patch.
	_, err = d2.Patch(ctx, sdk.JSONPatch, sdk.JSONPatchOps{}.Test(sdk.Pointer("spec", "replicas"), 1).Replace(sdk.Pointer("spec", "replicas"), 9), sdk.PatchOptions{})
	if !errors.Is(err, sdk.ErrInvalid) {
		t.Errorf("JSON patch with a failing test: %v, want ErrInvalid (422)", err)
	}

	// Strategic merge patch merges the containers list by name: env stays.
	d3, err := d2.Patch(ctx, sdk.StrategicMergePatch, map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []any{map[string]any{"name": "web", "image": "nginx:2"}}}}}}, sdk.PatchOptions{})
	if err != nil {
		t.Fatalf("strategic merge patch: %v", err)
	}
	if ct := container(d3); ct["image"] != "nginx:2" || ct["env"] == nil {
		t.Errorf("strategic merge patch: container %v, want image nginx:2 with env kept", ct)
	}
	// A JSON merge patch replaces the list: env goes.
	d4, err := d3.Patch(ctx, sdk.MergePatch, `{"metadata":{"labels":{"patched":"merge"}},"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:3"}]}}}}`, sdk.PatchOptions{})
	if err != nil {
		t.Fatalf("merge patch: %v", err)
	}
	if ct := container(d4); ct["image"] != "nginx:3" || ct["env"] != nil || d4.Labels().Value("patched") != "merge" {
		t.Errorf("merge patch: container %v labels %v, want image nginx:3 without env", ct, d4.Labels())
	}
	// Server-side apply through Patch.
	d5, err := d4.Patch(ctx, sdk.ApplyPatch, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"applied":"yes"}}}`, sdk.PatchOptions{WriteOptions: sdk.WriteOptions{FieldManager: "patcher"}})
	if err != nil {
		t.Fatalf("apply patch: %v", err)
	}
	if d5.Labels().Value("applied") != "yes" {
		t.Errorf("apply patch: labels %v", d5.Labels())
	}
	obj, _ := wKubectlObj(t, ctx, tc, ns, "deployment", "web")
	if got := dig(obj, "spec", "replicas"); got != float64(2) {
		t.Errorf("kubectl: replicas %v, want 2", got)
	}
	if got := dig(obj, "metadata", "annotations").(map[string]any)["example.com/a-b"]; got != "json-patch" {
		t.Errorf("kubectl: annotation %v", got)
	}
	if got := dig(obj, "metadata", "labels").(map[string]any); got["applied"] != "yes" || got["patched"] != "merge" {
		t.Errorf("kubectl: labels %v", got)
	}
}

func TestE2EWritesApplyConflictAndForce(t *testing.T) {
	tc, c, ns, ctx := wE2E(t)
	deps := c.Deployments.In(ns)
	alice, err := deps.Apply(ctx, wDeploymentManifest("web", 2), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "alice"}})
	if err != nil {
		t.Fatalf("apply as alice: %v", err)
	}
	if n, err := alice.Status().DesiredReplicas(); err != nil || n != 2 {
		t.Errorf("alice applied %d replicas (%v), want 2", n, err)
	}
	// Applying the same intent again is a no-op, not a conflict.
	if _, err := deps.Apply(ctx, wDeploymentManifest("web", 2), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "alice"}}); err != nil {
		t.Fatalf("re-apply as alice: %v", err)
	}
	// bob wants 3 replicas: alice owns spec.replicas.
	_, err = deps.Apply(ctx, wDeploymentManifest("web", 3), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "bob"}})
	var ace *sdk.ApplyConflictError
	if !errors.As(err, &ace) {
		t.Fatalf("apply as bob: %v (%T), want *ApplyConflictError", err, err)
	}
	if !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("%v does not match ErrConflict", err)
	}
	found := false
	for _, fc := range ace.Conflicts {
		if fc.Field == ".spec.replicas" && fc.Manager == "alice" {
			found = true
		}
	}
	if !found || !slices.Equal(ace.Managers(), []string{"alice"}) {
		t.Errorf("conflicts %+v, want .spec.replicas owned by alice", ace.Conflicts)
	}
	// Nothing changed.
	obj, _ := wKubectlObj(t, ctx, tc, ns, "deployment", "web")
	if dig(obj, "spec", "replicas") != float64(2) {
		t.Errorf("a refused apply changed replicas to %v", dig(obj, "spec", "replicas"))
	}
	// Forcing takes the field over.
	bob, err := deps.Apply(ctx, wDeploymentManifest("web", 3), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "bob"}, Force: true})
	if err != nil {
		t.Fatalf("forced apply: %v", err)
	}
	if n, err := bob.Status().DesiredReplicas(); err != nil || n != 3 {
		t.Errorf("forced apply: %d replicas (%v), want 3", n, err)
	}
	obj, _ = wKubectlObj(t, ctx, tc, ns, "deployment", "web")
	if dig(obj, "spec", "replicas") != float64(3) {
		t.Errorf("kubectl: replicas %v after the forced apply, want 3", dig(obj, "spec", "replicas"))
	}
	var managers []string
	for _, mf := range dig(obj, "metadata", "managedFields").([]any) {
		managers = append(managers, mf.(map[string]any)["manager"].(string))
	}
	if !slices.Contains(managers, "bob") || !slices.Contains(managers, "alice") {
		t.Errorf("managedFields managers %v, want alice and bob", managers)
	}
	// Client.Apply returns the typed item of the manifest's kind.
	obj2, err := c.Apply(ctx, wDeploymentManifest("web", 3), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "bob"}, Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := obj2.(*kinds.Deployment); !ok {
		t.Errorf("Client.Apply returned %T", obj2)
	}
}

func TestE2EWritesDryRun(t *testing.T) {
	tc, c, ns, ctx := wE2E(t)
	deps := c.Deployments.In(ns)
	dry := sdk.WriteOptions{DryRun: true}

	d, err := deps.Create(ctx, wDeploymentManifest("ghost", 1), sdk.CreateOptions{WriteOptions: dry})
	if err != nil {
		t.Fatalf("dry-run create: %v", err)
	}
	if d.Name() != "ghost" || d.Meta().UID == "" {
		t.Errorf("dry-run create answered %v uid %q, want the object as it would be stored", d, d.Meta().UID)
	}
	a, err := deps.Apply(ctx, wDeploymentManifest("ghost2", 1), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "m", DryRun: true}})
	if err != nil || a.Name() != "ghost2" {
		t.Fatalf("dry-run apply: %v %v", a, err)
	}
	if _, err := c.ApplyManifests(ctx, []byte(wDeploymentManifest("ghost3", 1)), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "m", DryRun: true}, Namespace: ns}); err != nil {
		t.Fatalf("dry-run ApplyManifests: %v", err)
	}
	for _, n := range []string{"ghost", "ghost2", "ghost3"} {
		if _, ok := wKubectlObj(t, ctx, tc, ns, "deployment", n); ok {
			t.Errorf("dry run left deployment %s behind", n)
		}
	}

	real, err := deps.Create(ctx, wDeploymentManifest("real", 1), sdk.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		call func() error
	}{
		{"update", func() error {
			// The controller writes status meanwhile: Modify retries conflicts.
			got, err := real.Modify(ctx, setLabel("dry", "update"), sdk.ModifyOptions{WriteOptions: dry})
			if err == nil && got.Labels().Value("dry") != "update" {
				err = fmt.Errorf("answer lacks the change: %v", got.Labels())
			}
			return err
		}},
		{"patch", func() error {
			got, err := real.Patch(ctx, sdk.MergePatch, `{"metadata":{"labels":{"dry":"patch"}}}`, sdk.PatchOptions{WriteOptions: dry})
			if err == nil && got.Labels().Value("dry") != "patch" {
				err = fmt.Errorf("answer lacks the change: %v", got.Labels())
			}
			return err
		}},
		{"apply", func() error {
			_, err := deps.Apply(ctx, wDeploymentManifest("real", 4), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "m", DryRun: true}, Force: true})
			return err
		}},
		{"scale", func() error { _, err := deps.Scale(ctx, real.Name(), 4, dry); return err }},
		{"patch status", func() error {
			_, err := deps.PatchStatus(ctx, real.Name(), sdk.MergePatch, `{"status":{"collisionCount":7}}`, sdk.PatchOptions{WriteOptions: dry})
			return err
		}},
		{"delete", func() error {
			_, err := real.DeleteWith(ctx, sdk.DeleteOptions{DryRun: true})
			return err
		}},
		{"delete collection", func() error {
			_, err := deps.Filter(selector.Expr("app=real"), nil).DeleteCollection(ctx, sdk.DeleteOptions{DryRun: true})
			return err
		}},
	}
	for _, ck := range checks {
		if err := ck.call(); err != nil {
			t.Errorf("dry-run %s: %v", ck.name, err)
		}
	}
	obj, ok := wKubectlObj(t, ctx, tc, ns, "deployment", "real")
	if !ok {
		t.Fatal("a dry run deleted the deployment")
	}
	if dig(obj, "metadata", "generation") != float64(1) {
		t.Errorf("dry runs changed the spec: generation %v", dig(obj, "metadata", "generation"))
	}
	if l := dig(obj, "metadata", "labels").(map[string]any); l["dry"] != nil || dig(obj, "spec", "replicas") != float64(1) || dig(obj, "status", "collisionCount") != nil {
		t.Errorf("dry runs changed the object: labels %v replicas %v", l, dig(obj, "spec", "replicas"))
	}
}

func TestE2EWritesScale(t *testing.T) {
	_, c, ns, ctx := wE2E(t)
	d, err := c.Deployments.In(ns).Create(ctx, wDeploymentManifest("web", 1), sdk.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, ctx, "one running pod", func() error {
		if n, err := wRunningPods(ctx, c, ns, "app=web"); err != nil || n != 1 {
			return fmt.Errorf("%d running pods (%v)", n, err)
		}
		return nil
	})
	d5, err := c.Deployments.In(ns).Scale(ctx, d.Name(), 5, sdk.WriteOptions{})
	if err != nil {
		t.Fatalf("Scale: %v", err)
	}
	if n, err := d5.Status().DesiredReplicas(); err != nil || n != 5 || d5.Meta().Generation <= d.Meta().Generation {
		t.Errorf("Scale returned %v with %d desired replicas (%v), generation %d", d5, n, err, d5.Meta().Generation)
	}
	s, err := c.Deployments.In(ns).GetScale(ctx, d5.Name())
	if err != nil {
		t.Fatal(err)
	}
	if s.Replicas != 5 || s.Selector != "app=web" {
		t.Errorf("GetScale = %+v, want 5 replicas with selector app=web", s)
	}
	testutil.Eventually(t, ctx, "five running pods", func() error {
		if n, err := wRunningPods(ctx, c, ns, s.Selector); err != nil || n != 5 {
			return fmt.Errorf("%d running pods (%v)", n, err)
		}
		return nil
	})
	testutil.Eventually(t, ctx, "the deployment to report 5 available replicas", func() error {
		cur, err := d5.Fetch(ctx)
		if err != nil {
			return err
		}
		if !cur.Status().Available(d5.Meta().Generation) {
			n, err := cur.Status().AvailableReplicas()
			if err != nil {
				return err
			}
			return fmt.Errorf("%d available", n)
		}
		return nil
	})

	// A ReplicaSet and a ReplicationController scale the same way.
	rs, err := c.ReplicaSets.In(ns).Create(ctx, `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"rs"},"spec":{"replicas":0,"selector":{"matchLabels":{"app":"rs"}},"template":{"metadata":{"labels":{"app":"rs"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}`, sdk.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rs2, err := c.ReplicaSets.In(ns).Scale(ctx, rs.Name(), 2, sdk.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := rs2.Status().DesiredReplicas(); err != nil || n != 2 {
		t.Errorf("ReplicaSet scaled to %d (%v), want 2", n, err)
	}
	rc, err := c.ReplicationControllers.In(ns).Create(ctx, `{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"rc"},"spec":{"replicas":1,"selector":{"app":"rc"},"template":{"metadata":{"labels":{"app":"rc"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}`, sdk.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReplicationControllers.In(ns).Scale(ctx, rc.Name(), 0, sdk.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if s, err := c.ReplicationControllers.In(ns).GetScale(ctx, "rc"); err != nil || s.Replicas != 0 {
		t.Errorf("RC scale %+v %v, want 0 replicas", s, err)
	}
}

func TestE2EWritesDeleteForeground(t *testing.T) {
	_, c, ns, ctx := wE2E(t)
	d, err := c.Deployments.In(ns).Create(ctx, wDeploymentManifest("web", 2), sdk.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, ctx, "two running pods", func() error {
		if n, err := wRunningPods(ctx, c, ns, "app=web"); err != nil || n != 2 {
			return fmt.Errorf("%d running pods (%v)", n, err)
		}
		return nil
	})
	rss, err := c.ReplicaSets.In(ns).List(ctx)
	if err != nil || len(rss) != 1 {
		t.Fatalf("replica sets %v %v, want one", rss, err)
	}
	// A wrong precondition refuses the delete.
	_, err = d.DeleteWith(ctx, sdk.DeleteOptions{Propagation: sdk.PropagateForeground, Preconditions: sdk.Preconditions{UID: "not-the-uid"}})
	if !errors.Is(err, sdk.ErrConflict) {
		t.Fatalf("delete with a wrong UID precondition: %v, want ErrConflict", err)
	}
	pending, err := d.DeleteWith(ctx, sdk.DeleteOptions{Propagation: sdk.PropagateForeground, Preconditions: sdk.Preconditions{UID: d.Meta().UID}})
	if err != nil {
		t.Fatalf("foreground delete: %v", err)
	}
	if pending == nil || pending.Meta().DeletionTimestamp == nil || !slices.Contains(pending.Meta().Finalizers, "foregroundDeletion") {
		t.Fatalf("foreground delete returned %v, want the pending deployment with the foregroundDeletion finalizer", pending)
	}
	testutil.Eventually(t, ctx, "the deployment, its replica set and its pods to be gone", func() error {
		if _, err := c.Deployments.In(ns).Get(ctx, "web"); !errors.Is(err, sdk.ErrNotFound) {
			return fmt.Errorf("deployment still there (%v)", err)
		}
		rss, err := c.ReplicaSets.In(ns).List(ctx)
		if err != nil || len(rss) > 0 {
			return fmt.Errorf("%d replica sets left (%v)", len(rss), err)
		}
		pods, err := c.Pods.In(ns).Filter(selector.Expr("app=web"), nil).List(ctx)
		if err != nil || len(pods) > 0 {
			return fmt.Errorf("%d pods left (%v)", len(pods), err)
		}
		return nil
	})

	// Orphan propagation leaves the replica set, without its owner.
	_, err = c.Deployments.In(ns).Create(ctx, wDeploymentManifest("orphans", 1), sdk.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, ctx, "a replica set", func() error {
		rss, err := c.ReplicaSets.In(ns).Filter(selector.Expr("app=orphans"), nil).List(ctx)
		if err != nil || len(rss) != 1 {
			return fmt.Errorf("%d replica sets (%v)", len(rss), err)
		}
		return nil
	})
	if err := c.Deployments.In(ns).Delete(ctx, "orphans", sdk.DeleteOptions{Propagation: sdk.PropagateOrphan}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, ctx, "the orphaned replica set to lose its owner", func() error {
		if _, err := c.Deployments.In(ns).Get(ctx, "orphans"); !errors.Is(err, sdk.ErrNotFound) {
			return fmt.Errorf("deployment still there (%v)", err)
		}
		rss, err := c.ReplicaSets.In(ns).Filter(selector.Expr("app=orphans"), nil).List(ctx)
		if err != nil || len(rss) != 1 {
			return fmt.Errorf("%d replica sets (%v)", len(rss), err)
		}
		if refs := rss[0].Meta().OwnerReferences; len(refs) > 0 {
			return fmt.Errorf("still owned by %v", refs)
		}
		return nil
	})
}

func TestE2EWritesDeleteCollection(t *testing.T) {
	tc, c, ns, ctx := wE2E(t)
	secrets := c.Secrets.In(ns)
	for _, s := range []struct{ name, tier string }{{"a1", "a"}, {"a2", "a"}, {"b1", "b"}, {"b2", "b"}} {
		m := fmt.Sprintf(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":%q,"labels":{"tier":%q}},"stringData":{"k":"v"}}`, s.name, s.tier)
		if _, err := secrets.Create(ctx, m, sdk.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	gone, err := secrets.Filter(selector.Expr("tier=a"), nil).DeleteCollection(ctx, sdk.DeleteOptions{})
	if err != nil {
		t.Fatalf("DeleteCollection by label: %v", err)
	}
	var names []string
	for _, s := range gone {
		names = append(names, s.Name())
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"a1", "a2"}) {
		t.Errorf("DeleteCollection returned %v, want a1 and a2", names)
	}
	gone, err = secrets.Filter(nil, selector.Fields{"metadata.name": "b2"}).DeleteCollection(ctx, sdk.DeleteOptions{})
	if err != nil || len(gone) != 1 || gone[0].Name() != "b2" {
		t.Fatalf("DeleteCollection by field: %v %v, want b2", gone, err)
	}
	out, err := tc.Kubectl(ctx, "", "-n", ns, "get", "secrets", "-l", "tier", "-o", "name")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out) != "secret/b1" {
		t.Errorf("kubectl sees %q, want only secret/b1", out)
	}
}

func TestE2EWritesStatusSubresource(t *testing.T) {
	tc, c, ns, ctx := wE2E(t)
	svc, err := c.Services.In(ns).Create(ctx, `{"apiVersion":"v1","kind":"Service","metadata":{"name":"lb"},"spec":{"type":"LoadBalancer","selector":{"app":"x"},"ports":[{"port":80}]}}`, sdk.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Status through the status subresource; the spec part is ignored.
	s2, err := c.Services.In(ns).PatchStatus(ctx, svc.Name(), sdk.MergePatch, `{"spec":{"ports":[{"port":81}]},"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.10"}]}}}`, sdk.PatchOptions{})
	if err != nil {
		t.Fatalf("PatchStatus: %v", err)
	}
	if in := s2.Status().LoadBalancerIngress(); len(in) != 1 || in[0].IP.String() != "192.0.2.10" {
		t.Errorf("PatchStatus: ingress %v", in)
	}
	if p := s2.Status().Ports(); len(p) != 1 || p[0].Port != 80 {
		t.Errorf("PatchStatus changed the spec: ports %v", p)
	}
	// The main resource ignores status.
	s3, err := s2.Patch(ctx, sdk.MergePatch, `{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.99"}]}}}`, sdk.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if in := s3.Status().LoadBalancerIngress(); len(in) != 1 || in[0].IP.String() != "192.0.2.10" {
		t.Errorf("a patch of the main resource changed status: %v", in)
	}
	// UpdateStatus from a snapshot, with optimistic concurrency.
	edited, err := s3.Edit(func(obj map[string]any) error {
		obj["status"] = map[string]any{"loadBalancer": map[string]any{"ingress": []any{map[string]any{"ip": "192.0.2.11", "ipMode": "VIP"}}}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s4, err := c.Services.In(ns).UpdateStatus(ctx, edited, sdk.WriteOptions{})
	if err != nil {
		t.Fatalf("UpdateStatus: %v", err)
	}
	stale, err := s3.Edit(func(map[string]any) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Services.In(ns).UpdateStatus(ctx, stale, sdk.WriteOptions{}); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("UpdateStatus of a stale snapshot: %v, want ErrConflict", err)
	}
	got, err := c.Services.In(ns).GetStatus(ctx, "lb")
	if err != nil {
		t.Fatal(err)
	}
	if in := got.Status().LoadBalancerIngress(); len(in) != 1 || in[0].IP.String() != "192.0.2.11" || got.Version() != s4.Version() {
		t.Errorf("GetStatus: %v ingress %v, want %v with 192.0.2.11", got, in, s4)
	}
	obj, _ := wKubectlObj(t, ctx, tc, ns, "service", "lb")
	ing := dig(obj, "status", "loadBalancer", "ingress").([]any)
	if ing[0].(map[string]any)["ip"] != "192.0.2.11" {
		t.Errorf("kubectl sees ingress %v", ing)
	}
}

func TestE2EWritesLabelsAndAnnotations(t *testing.T) {
	tc, c, ns, ctx := wE2E(t)
	s, err := c.Secrets.In(ns).Create(ctx, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","labels":{"keep":"1","drop":"1"},"annotations":{"old":"1"}}}`, sdk.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func(*kinds.Secret) (*kinds.Secret, error)
	}{
		{"set label", func(s *kinds.Secret) (*kinds.Secret, error) { return s.SetLabel(ctx, "app.kubernetes.io/name", "web") }},
		{"delete label", func(s *kinds.Secret) (*kinds.Secret, error) { return s.DeleteLabel(ctx, "drop") }},
		{"set annotation", func(s *kinds.Secret) (*kinds.Secret, error) {
			return s.SetAnnotation(ctx, "example.com/note", "hi there")
		}},
		{"delete annotation", func(s *kinds.Secret) (*kinds.Secret, error) { return s.DeleteAnnotation(ctx, "old") }},
		{"delete missing label", func(s *kinds.Secret) (*kinds.Secret, error) { return s.DeleteLabel(ctx, "never-set") }},
	}
	for _, st := range steps {
		next, err := st.do(s)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if next == s || next.Version() == "" {
			t.Errorf("%s returned %v, want a new snapshot", st.name, next)
		}
		s = next
	}
	wantLabels := map[string]string{"keep": "1", "app.kubernetes.io/name": "web"}
	wantAnn := map[string]string{"example.com/note": "hi there"}
	if !maps.Equal(s.Labels().Map(), wantLabels) || !maps.Equal(s.Meta().Annotations.Map(), wantAnn) {
		t.Errorf("item: labels %v annotations %v", s.Labels(), s.Meta().Annotations)
	}
	obj, _ := wKubectlObj(t, ctx, tc, ns, "secret", "s")
	if got := fmt.Sprint(dig(obj, "metadata", "labels")); got != fmt.Sprint(map[string]any{"keep": "1", "app.kubernetes.io/name": "web"}) {
		t.Errorf("kubectl labels %s", got)
	}
	if got := fmt.Sprint(dig(obj, "metadata", "annotations")); got != fmt.Sprint(map[string]any{"example.com/note": "hi there"}) {
		t.Errorf("kubectl annotations %s", got)
	}
}

const wThreeDocs = `# a Secret, a Service and a Deployment
apiVersion: v1
kind: Secret
metadata:
  name: app-config
stringData:
  mode: prod
---
apiVersion: v1
kind: Service
metadata:
  name: app
spec:
  selector: {app: app}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 1
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers: [{name: app, image: example/app:1}]
`

func TestE2EWritesApplyManifests(t *testing.T) {
	tc, c, ns, ctx := wE2E(t)
	opts := sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "deployer"}, Namespace: ns}
	objs, err := c.ApplyManifests(ctx, []byte(wThreeDocs), opts)
	if err != nil {
		t.Fatalf("ApplyManifests: %v", err)
	}
	if len(objs) != 3 {
		t.Fatalf("%d objects, want 3", len(objs))
	}
	if _, ok := objs[0].(*kinds.Secret); !ok {
		t.Errorf("document 1 is %T, want *kinds.Secret", objs[0])
	}
	if s, ok := objs[1].(*kinds.Service); !ok || s.Status().Ports()[0].Port != 80 {
		t.Errorf("document 2 is %T %v, want *kinds.Service with port 80", objs[1], objs[1])
	}
	if _, ok := objs[2].(*kinds.Deployment); !ok {
		t.Errorf("document 3 is %T, want *kinds.Deployment", objs[2])
	}
	for _, kn := range [][2]string{{"secret", "app-config"}, {"service", "app"}, {"deployment", "app"}} {
		if _, ok := wKubectlObj(t, ctx, tc, ns, kn[0], kn[1]); !ok {
			t.Errorf("kubectl does not find %s %s", kn[0], kn[1])
		}
	}
	// Applying the same file again changes nothing and succeeds.
	again, err := c.ApplyManifests(ctx, []byte(wThreeDocs), opts)
	if err != nil {
		t.Fatalf("re-apply: %v", err)
	}
	if again[2].Meta().Generation != objs[2].Meta().Generation {
		t.Errorf("re-applying the same manifest changed the deployment's generation")
	}

	// The second of three documents is invalid: the first is applied, the
	// third is not, and the error names document 2.
	bad := strings.NewReplacer("app-config", "second-config", "name: app\n", "name: second\n", "port: 80", "port: 0").Replace(wThreeDocs)
	objs, err = c.ApplyManifests(ctx, []byte(bad), opts)
	var de *sdk.DocumentError
	if !errors.As(err, &de) || de.Document != 2 || de.Kind != "Service" || !errors.Is(err, sdk.ErrInvalid) {
		t.Fatalf("bad manifest: %v, want a *DocumentError for document 2 matching ErrInvalid", err)
	}
	if len(objs) != 1 || objs[0].Meta().Name != "second-config" {
		t.Errorf("applied before the failure: %v", objs)
	}
	if _, ok := wKubectlObj(t, ctx, tc, ns, "secret", "second-config"); !ok {
		t.Error("document 1 was not applied")
	}
	if _, ok := wKubectlObj(t, ctx, tc, ns, "deployment", "second"); ok {
		t.Error("document 3 was applied after the failure")
	}
}

func TestE2EWritesEviction(t *testing.T) {
	tc, c, ns, ctx := wE2E(t)
	pods := c.Pods.In(ns)
	mk := func(name string) *kinds.Pod {
		p, err := pods.Create(ctx, fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q,"labels":{"app":%q}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`, name, name), sdk.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		testutil.Eventually(t, ctx, name+" running and ready", func() error {
			cur, err := p.Fetch(ctx)
			if err != nil {
				return err
			}
			if !cur.Status().Ready() {
				return fmt.Errorf("not ready")
			}
			p = cur
			return nil
		})
		return p
	}
	free, guarded := mk("free"), mk("guarded")
	_, err := tc.Kubectl(ctx, fmt.Sprintf(`{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"guard","namespace":%q},"spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"guarded"}}}}`, ns), "apply", "-f", "-")
	if err != nil {
		t.Fatal(err)
	}
	// A dry-run eviction changes nothing.
	if err := c.Pods.In(ns).Evict(ctx, free.Name(), sdk.DeleteOptions{DryRun: true}); err != nil {
		t.Fatalf("dry-run evict: %v", err)
	}
	if cur, err := free.Fetch(ctx); err != nil || cur.Meta().DeletionTimestamp != nil {
		t.Fatalf("dry-run eviction deleted the pod: %v %v", cur, err)
	}
	if err := c.Pods.In(ns).Evict(ctx, free.Name(), sdk.DeleteOptions{Preconditions: free.Preconditions()}); err != nil {
		t.Fatalf("evict: %v", err)
	}
	testutil.Eventually(t, ctx, "the evicted pod to go", func() error {
		cur, err := free.Fetch(ctx)
		if errors.Is(err, sdk.ErrNotFound) || err == nil && cur.Meta().DeletionTimestamp != nil {
			return nil
		}
		return fmt.Errorf("still there (%v)", err)
	})
	// The budget refuses (once computed, and before: both are 429).
	err = c.Pods.In(ns).Evict(ctx, guarded.Name(), sdk.DeleteOptions{})
	var ee *sdk.EvictionError
	if !errors.Is(err, sdk.ErrEvictionBlocked) || !errors.As(err, &ee) || !errors.Is(err, sdk.ErrTooManyRequests) {
		t.Fatalf("evicting a guarded pod: %v (%T), want an *EvictionError matching ErrEvictionBlocked", err, err)
	}
	t.Logf("refusal: %v", err)
	if cur, err := guarded.Fetch(ctx); err != nil || cur.Meta().DeletionTimestamp != nil {
		t.Errorf("the guarded pod was deleted: %v %v", cur, err)
	}
	if err := pods.Evict(ctx, "nobody", sdk.DeleteOptions{}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("evicting a missing pod: %v, want ErrNotFound", err)
	}
}

func TestE2EWritesEvents(t *testing.T) {
	_, c, ns, ctx := wE2E(t)
	p, err := c.Pods.In(ns).Create(ctx, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`, sdk.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The scheduler reports the binding.
	testutil.Eventually(t, ctx, "the Scheduled event", func() error {
		evs, err := kinds.EventsFor(ctx, c.Client, p)
		if err != nil {
			return err
		}
		for _, e := range evs {
			st := e.Status()
			if reason, err := st.Reason(); err == nil && reason == "Scheduled" {
				typ, typErr := st.Type()
				comp, compErr := st.ReportingComponent()
				if st.InvolvedObject().UID != p.Meta().UID || st.InvolvedObject().Kind != "Pod" || typErr != nil || typ != kinds.EventNormal ||
					compErr != nil || comp != "default-scheduler" || st.LastSeen().IsZero() || st.Count() < 1 {
					t.Errorf("Scheduled event fields: %+v (type %v, component %v)", st, typErr, compErr)
				}
				return nil
			}
		}
		return fmt.Errorf("%d events, none Scheduled", len(evs))
	})
	// Two events of our own, with known times: the newer comes first.
	base := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	for i, reason := range []string{"Older", "Newer"} {
		ev := map[string]any{
			"apiVersion": "v1", "kind": "Event",
			"metadata":       map[string]any{"name": fmt.Sprintf("p.%d", i)},
			"involvedObject": map[string]any{"apiVersion": "v1", "kind": "Pod", "name": "p", "namespace": ns, "uid": p.Meta().UID},
			"reason":         reason, "message": "made by the test", "type": "Warning", "count": 3 + i,
			"firstTimestamp": base.Format(time.RFC3339), "lastTimestamp": base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
			"source": map[string]any{"component": "e2e-test", "host": "here"},
		}
		obj, err := c.Create(ctx, ev, sdk.CreateOptions{Namespace: ns})
		if err != nil {
			t.Fatalf("create event: %v", err)
		}
		if _, ok := obj.(*kinds.Event); !ok {
			t.Fatalf("Create returned %T, want *kinds.Event", obj)
		}
	}
	evs, err := kinds.EventsFor(ctx, c.Client, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) < 3 {
		t.Fatalf("%d events, want ours and the scheduler's", len(evs))
	}
	first, second := evs[0].Status(), evs[1].Status()
	r1, err1 := first.Reason()
	r2, err2 := second.Reason()
	if err1 != nil || err2 != nil || r1 != "Newer" || r2 != "Older" {
		t.Fatalf("events not newest first: %s (%v), %s (%v)", r1, err1, r2, err2)
	}
	if ft, err := first.FirstTimestamp(); err != nil || !ft.Equal(base) {
		t.Errorf("FirstTimestamp %v %v, want %v", ft, err, base)
	}
	if lt, err := first.LastTimestamp(); err != nil || !lt.Equal(base.Add(time.Minute)) || !first.LastSeen().Equal(lt) {
		t.Errorf("LastTimestamp %v %v", lt, err)
	}
	typ, typErr := first.Type()
	msg, msgErr := first.Message()
	comp, compErr := first.ReportingComponent()
	if typErr != nil || msgErr != nil || compErr != nil {
		t.Errorf("our event's fields: type %v, message %v, component %v", typErr, msgErr, compErr)
	}
	if first.Count() != 4 || typ != kinds.EventWarning || msg != "made by the test" ||
		first.Source() != (kinds.EventSource{Component: "e2e-test", Host: "here"}) || comp != "e2e-test" ||
		first.InvolvedObject().Name != "p" {
		t.Errorf("typed fields of our event: %+v", first)
	}
	// Another pod's events are not included.
	q, err := c.Pods.In(ns).Create(ctx, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"q"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`, sdk.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	qevs, err := kinds.EventsFor(ctx, c.Client, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range qevs {
		if e.Status().InvolvedObject().Name != "q" {
			t.Errorf("events of q include one about %s", e.Status().InvolvedObject().Name)
		}
	}
}

func TestE2EWritesLogs(t *testing.T) {
	_, c, ns, ctx := wE2E(t)
	pods := c.Pods.In(ns)
	p, err := pods.Create(ctx, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`, sdk.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// kwok runs no containers, so only the API server's own answers can be
	// checked here; streaming is tested against an httptest log endpoint.
	tests := []struct {
		name, reason string
		logs         func() error
		want         error
	}{
		{"missing pod", "the server answers 404", func() error {
			for _, err := range pods.Logs(ctx, "nobody", sdk.LogOptions{}) {
				return err
			}
			return nil
		}, sdk.ErrNotFound},
		{"unknown container", "the server validates the container name", func() error {
			for _, err := range pods.Logs(ctx, p.Name(), sdk.LogOptions{Container: "nope"}) {
				return err
			}
			return nil
		}, sdk.ErrBadRequest},
	}
	for _, tc := range tests {
		if err := tc.logs(); !errors.Is(err, tc.want) {
			t.Errorf("%s: %s: got %v, want %v", tc.name, tc.reason, err, tc.want)
		}
	}
}
