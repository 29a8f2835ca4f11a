package kubefake

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Resource describes one kind the server holds: its names, scope, the
// subresources it serves and the list merge keys strategic merge patch and
// server-side apply use. Register a Resource for a custom kind; the common
// built-in kinds are registered by New.
type Resource struct {
	// Group is the API group ("" for the core group, "apps", "example.com").
	Group string
	// Version is the served version ("v1").
	Version string
	// Resource is the plural lowercase name used in URLs ("deployments").
	Resource string
	// Kind is the object kind ("Deployment").
	Kind string
	// Namespaced says whether objects live in a namespace.
	Namespaced bool
	// Status says whether the status subresource is served; the main
	// resource then ignores changes to .status and the subresource to
	// everything else.
	Status bool
	// Scale is the JSON path of the replica count the scale subresource
	// reads and writes (".spec.replicas"); empty means no scale subresource.
	Scale string
	// Fields are the field selector fields the server accepts for this
	// resource; nil means metadata.name and, if namespaced,
	// metadata.namespace. Their values are read from the object by dotted
	// path.
	Fields []string
	// MergeKeys maps a list field's name to its merge key for strategic
	// merge patch and server-side apply ("containers": "name"); a list not
	// named here is atomic. Custom resources have none, like a CRD without
	// x-kubernetes-list-type annotations.
	MergeKeys map[string]string
	// NoGeneration marks kinds whose objects have no metadata.generation
	// (ConfigMap, Secret, Service, Namespace...); custom kinds have one.
	NoGeneration bool
	// Builtin marks the server's built-in kinds: they accept strategic
	// merge patch; custom kinds answer it with 415 like the real server.
	Builtin bool
}

// APIVersion returns "group/version", or "version" for the core group.
func (r *Resource) APIVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// GroupResource returns "resource.group", or "resource" for the core group.
func (r *Resource) GroupResource() string {
	if r.Group == "" {
		return r.Resource
	}
	return r.Resource + "." + r.Group
}

func (r *Resource) fields() []string {
	if r.Fields != nil {
		return r.Fields
	}
	if r.Namespaced {
		return []string{"metadata.name", "metadata.namespace"}
	}
	return []string{"metadata.name"}
}

// builtinMergeKeys are the list merge keys of the built-in types
// (patchMergeKey in k8s.io/api), keyed by the list field's name. The
// Service's ports are keyed by "port", a container's by "containerPort":
// the one field name with two keys is resolved by the path (see mergeKey).
var builtinMergeKeys = map[string]string{
	"containers":                "name",
	"initContainers":            "name",
	"ephemeralContainers":       "name",
	"env":                       "name",
	"volumes":                   "name",
	"volumeMounts":              "mountPath",
	"volumeDevices":             "devicePath",
	"imagePullSecrets":          "name",
	"ports":                     "containerPort",
	"conditions":                "type",
	"ownerReferences":           "uid",
	"hostAliases":               "ip",
	"topologySpreadConstraints": "topologyKey",
	"resourceClaims":            "name",
	"schedulingGates":           "name",
	"readinessGates":            "conditionType",
}

// mergeKey returns the merge key of the list at path (its parent names
// included, e.g. ["spec", "ports"]) for r, or "" if the list is atomic.
func (r *Resource) mergeKey(path []string) string {
	if len(path) == 0 || r.MergeKeys == nil {
		return ""
	}
	name := path[len(path)-1]
	if name == "ports" && r.Kind == "Service" && len(path) == 2 && path[0] == "spec" {
		return "port"
	}
	return r.MergeKeys[name]
}

func core(resource, kind string, namespaced bool) *Resource {
	return &Resource{Version: "v1", Resource: resource, Kind: kind, Namespaced: namespaced, Builtin: true, MergeKeys: builtinMergeKeys}
}

func group(g, v, resource, kind string, namespaced bool) *Resource {
	r := core(resource, kind, namespaced)
	r.Group, r.Version = g, v
	return r
}

func withStatus(r *Resource) *Resource { r.Status = true; return r }

func withScale(r *Resource) *Resource { r.Status = true; r.Scale = ".spec.replicas"; return r }

func withFields(r *Resource, fields ...string) *Resource { r.Fields = fields; return r }

// DefaultResources returns the built-in kinds New registers: the common
// core, apps, batch, rbac, coordination, events, policy, networking and
// apiextensions kinds, with their scope, subresources, field selectors and
// list merge keys as Kubernetes v1.34 serves them.
func DefaultResources() []*Resource {
	rs := []*Resource{
		withStatus(withFields(core("namespaces", "Namespace", false), "metadata.name", "status.phase")),
		withStatus(withFields(core("nodes", "Node", false), "metadata.name", "spec.unschedulable")),
		withStatus(withFields(core("pods", "Pod", true), "metadata.name", "metadata.namespace", "spec.nodeName",
			"spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
			"status.phase", "status.podIP", "status.nominatedNodeName")),
		core("configmaps", "ConfigMap", true),
		withFields(core("secrets", "Secret", true), "metadata.name", "metadata.namespace", "type"),
		withStatus(withFields(core("services", "Service", true), "metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type")),
		core("serviceaccounts", "ServiceAccount", true),
		core("endpoints", "Endpoints", true),
		withFields(core("events", "Event", true), "metadata.name", "metadata.namespace", "involvedObject.kind",
			"involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
			"involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"),
		withStatus(core("persistentvolumeclaims", "PersistentVolumeClaim", true)),
		withStatus(core("persistentvolumes", "PersistentVolume", false)),
		withScale(withFields(core("replicationcontrollers", "ReplicationController", true), "metadata.name", "metadata.namespace", "status.replicas")),
		core("limitranges", "LimitRange", true),
		withStatus(core("resourcequotas", "ResourceQuota", true)),
		withScale(group("apps", "v1", "deployments", "Deployment", true)),
		withScale(group("apps", "v1", "replicasets", "ReplicaSet", true)),
		withScale(group("apps", "v1", "statefulsets", "StatefulSet", true)),
		withStatus(group("apps", "v1", "daemonsets", "DaemonSet", true)),
		group("apps", "v1", "controllerrevisions", "ControllerRevision", true),
		withStatus(withFields(group("batch", "v1", "jobs", "Job", true), "metadata.name", "metadata.namespace", "status.successful")),
		withStatus(group("batch", "v1", "cronjobs", "CronJob", true)),
		group("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
		group("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
		group("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
		group("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
		group("coordination.k8s.io", "v1", "leases", "Lease", true),
		withFields(group("events.k8s.io", "v1", "events", "Event", true), "metadata.name", "metadata.namespace", "reason",
			"regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion",
			"regarding.resourceVersion", "regarding.fieldPath", "reportingController", "type"),
		withStatus(group("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true)),
		withStatus(group("networking.k8s.io", "v1", "ingresses", "Ingress", true)),
		group("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true),
		withStatus(group("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false)),
	}
	for _, r := range rs {
		r.NoGeneration = !slices.Contains(generationKinds, r.Resource)
	}
	return rs
}

// generationKinds are the built-in resources whose objects carry
// metadata.generation.
var generationKinds = []string{"pods", "replicationcontrollers", "deployments", "replicasets", "statefulsets", "daemonsets",
	"jobs", "cronjobs", "poddisruptionbudgets", "ingresses", "networkpolicies", "customresourcedefinitions"}

// registry holds the served resources, keyed by "group/version/resource".
type registry struct {
	mu     sync.RWMutex
	byPath map[string]*Resource
}

func newRegistry() *registry { return &registry{byPath: map[string]*Resource{}} }

func (g *registry) add(r *Resource) error {
	if r == nil || r.Resource == "" || r.Kind == "" || r.Version == "" {
		return fmt.Errorf("kubefake: register: resource needs Resource, Kind and Version (got %+v)", r)
	}
	if r.Resource != strings.ToLower(r.Resource) || strings.ContainsAny(r.Resource, "/ ") {
		return fmt.Errorf("kubefake: register %s: resource name %q must be a lowercase plural", r.Kind, r.Resource)
	}
	c := *r
	c.Fields = slices.Clone(r.Fields)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.byPath[c.Group+"/"+c.Version+"/"+c.Resource] = &c
	return nil
}

func (g *registry) lookup(grp, version, resource string) *Resource {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.byPath[grp+"/"+version+"/"+resource]
}

// byKind finds the resource of apiVersion and kind.
func (g *registry) byKind(apiVersion, kind string) *Resource {
	g.mu.RLock()
	defer g.mu.RUnlock()
	for _, r := range g.byPath {
		if r.Kind == kind && r.APIVersion() == apiVersion {
			return r
		}
	}
	return nil
}

// all returns the resources sorted by group, version and resource.
func (g *registry) all() []*Resource {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]*Resource, 0, len(g.byPath))
	for _, r := range g.byPath {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Resource) int {
		return strings.Compare(a.Group+"/"+a.Version+"/"+a.Resource, b.Group+"/"+b.Version+"/"+b.Resource)
	})
	return out
}

func (g *registry) remove(grp, version, resource string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.byPath, grp+"/"+version+"/"+resource)
}
