// Package catalog declares every built-in kind a Kubernetes 1.34 API
// server serves that package kinds does not: ConfigMap, StatefulSet, Job,
// CronJob, Ingress, PersistentVolumeClaim, HorizontalPodAutoscaler (v2),
// PodDisruptionBudget, the RBAC kinds, CustomResourceDefinition, ... (see
// Kinds). Each has a descriptor (ConfigMapKind), an item type
// (ConfigMap = sdk.Item[ConfigMapStatus]) and a status type whose markers
// follow the subresources the server lists for it (status: sdk.HasStatus,
// scale: sdk.HasScale).
//
// The descriptors, item types and the generic status types are generated
// (zz_kinds.go) from the committed discovery snapshot
// testdata/discovery-v1.34.json of the test cluster; TestE2ECatalogMatchesDiscovery
// checks that they still equal what the cluster serves. Every top-level
// resource of a built-in group with a kind and at least one verb is in the
// catalogue, at its group's preferred version; subresources are not. The
// "virtual" resources (TokenReview, SubjectAccessReview, SelfSubjectReview,
// Binding, ...) are included: the server answers only create for them,
// returning the result in the object it sends back (see Verbs). Event
// here is the events.k8s.io/v1 Event; the core v1 Event is kinds.Event.
// HorizontalPodAutoscaler is described at autoscaling/v2, the preferred
// version.
//
// Importing the package, even as `import _ "github.com/kube-for-go/kube/catalog"`,
// registers all its kinds with sdk.Register, so sdk.Client.Create and
// ApplyManifests return typed items for them. Programs that do not import
// it do not link it: package kube and package kinds never do.
//
// Status accessors follow the rule of package kinds (see its package doc):
// a scalar the server may leave unset returns (value, error) with an
// *sdk.UnavailableError naming the kind and field; a collection is
// returned as is, empty when unset; a predicate returns false when the
// information is unset. The kinds people read most have hand-written
// accessors (Job, CronJob, StatefulSet, HorizontalPodAutoscaler,
// PersistentVolumeClaim, PersistentVolume, PodDisruptionBudget, Ingress,
// CustomResourceDefinition, CertificateSigningRequest, ConfigMap,
// ServiceAccount, Endpoints, EndpointSlice, Role, ClusterRole,
// SubjectAccessReview); every other kind with a status subresource has a
// generic status type with Conditions.
package catalog

//go:generate go run ./internal/gen -dir .
