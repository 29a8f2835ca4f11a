// Package interop shows how to use the official Kubernetes API types of
// k8s.io/api (appsv1.Deployment, corev1.Pod, ...) with the SDK, which does
// not depend on them. It holds no code of its own: it is a nested module,
// so that the SDK's go.mod never requires k8s.io/api, and its examples and
// end-to-end tests prove the round trip against a real API server.
//
// Reading: decode any item into a k8s.io/api struct, or into a struct of
// your own that declares only the fields you read, with sdk.Into or
// Item.Into. Their MarshalJSON/UnmarshalJSON methods (metav1.Time,
// resource.Quantity, intstr.IntOrString) are used; unknown members are
// ignored; names match case-sensitively, as in client-go.
//
//	d, err := cluster.Deployments.In("default").Get(ctx, "web")
//	if err != nil { ... }
//	dep, err := sdk.Into[appsv1.Deployment](d)
//
// Writing: a view's Create, Update and Apply take a k8s.io/api struct as it
// is, with an empty TypeMeta as client-go users write them: the view fills
// apiVersion and kind from its kind (client-level Create and Apply cannot
// know the kind, and say so with a *sdk.ManifestError). A struct of another
// kind or version is refused before any request.
//
//	dep := appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: ...}
//	item, err := cluster.Deployments.In("default").Create(ctx, dep, sdk.CreateOptions{})
//
// Server-side apply: a typed struct is sent through sdk.MarshalApply,
// which omits every zero-valued struct field. encoding/json would write
// spec.strategy, each container's resources and status as empty objects
// (they are struct values, not pointers), and the server would record the
// field manager as their owner (controller-runtime#1669), so that a later
// apply by another manager conflicts with fields nobody set. With the SDK,
// managedFields of the manager list exactly the fields the struct sets.
// A field that must be applied as zero needs a pointer, as k8s.io/api's
// optional fields have (Spec.Replicas = ptr to 0 is sent).
//
//	item, err := cluster.Deployments.In("default").Apply(ctx, dep,
//		sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "my-controller"}})
//
// Kinds the SDK has no typed view for (ConfigMap here) get a view from a
// descriptor of a dozen lines; see the package's examples and tests.
package interop
