// Package kube is the entry point of kube for Go, a generics-first, typed
// Kubernetes client: a Cluster with views of the built-in kinds, whose
// items are immutable typed snapshots.
//
//	cluster, err := kube.New(kube.Options{}) // kubectl proxy on localhost:8001
//	if err != nil { ... }
//	defer cluster.Close()
//	rs, err := cluster.ReplicaSets.In("default").Get(ctx, "auth-v3")
//	for ns, err := range cluster.Namespaces.All(ctx) {
//		if err != nil { ... }
//		fmt.Println(ns.Meta().Name)
//	}
//
// The packages underneath: sdk (the kind-agnostic core: Client, View, Item,
// errors, low-level Proxy), kinds (the built-in kinds as data), selector
// (label and field selectors), watch (typed watch loops, Store, WaitFor)
// and transport (kubeconfig, in-cluster and other connections).
//
// # From the Python seed to Go
//
//	kube.Cluster(url)                  kube.New(kube.Options{URL: url})
//	cluster.pods, cluster.nodes, ...   cluster.Pods, cluster.Nodes, ... (*sdk.View)
//	view.fetch(name, namespace=ns)     view.In(ns).Get(ctx, name)
//	iter(view)                         view.All(ctx) (iter.Seq2[T, error])
//	view.filter(labels=, fields=)      view.Filter(labels, fields)
//	view.watch() / item.watch()        view.Watch(ctx, opts) / item.Watch(ctx)
//	ResourceWatcher.next(timeout)      view.Watcher(ctx, opts).Next(ctx with deadline)
//	item.meta.name, .version, ...      item.Meta().Name, .Version, ...
//	item.meta.labels.set(k, v)         item.SetLabel(ctx, k, v) (returns the new item)
//	item.spec()                        item.Spec() (a deep copy)
//	item.phase, item.ip, ...           item.Status().Phase(), .IP(), ...
//	cluster.create(data, namespace)    cluster.Create(ctx, manifest, sdk.CreateOptions{Namespace: ns})
//	cluster.proxy                      cluster.Proxy()
//	(beyond the seed) writes           view.Update/Patch/Apply/Delete/DeleteCollection, item.Modify, sdk.RetryOnConflict
//	(beyond the seed) subresources     item.Scale/GetScale, PatchStatus, Logs, Evict, kinds.EventsFor
//	(beyond the seed) cache and waits  watch.Store, watch.WaitFor
//	Cluster.kindimpl(kind)             sdk.Lookup(apiVersion, kind)
//	(beyond the seed) any kind         cluster.Dynamic(ctx, "deploy"), cluster.DynamicKind(ctx, "apps/v1", "Deployment")
//	(beyond the seed) discovery        cluster.Discovery().Find(ctx, "deployments.apps"), .ForKind, .Resources
//	(beyond the seed) typed from any   sdk.As[kinds.DeploymentStatus](obj), sdk.As[sdk.Unstructured](obj)
//	KubeError / APIError               sdk.ErrKube / *sdk.APIError (errors.Is, errors.As)
//	StatusError                        *sdk.UnavailableError, errors.Is(err, sdk.ErrStatusUnavailable)
//	NamespaceError                     *sdk.NamespaceError
//	LookupError (fetch)                errors.Is(err, sdk.ErrNotFound)
package kube

import (
	"errors"
	"net/http"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/transport"
)

// Options configure a Cluster; the zero value connects to kubectl proxy on
// localhost:8001.
type Options = sdk.Options

// Cluster is a Kubernetes cluster (the seed's kube.Cluster): the sdk.Client
// core plus a global view of each built-in kind, typed by what the kind can
// do: Pods is a PodView (logs, eviction), Deployments a ScaleView (scale),
// Secrets a plain View. Views of other kinds are made with
// sdk.NewView(cluster.Client, kind) and its siblings, and views of any
// kind the server serves, untyped, with Dynamic and DynamicKind (from the
// client's Discovery). It is safe for concurrent use.
type Cluster struct {
	*sdk.Client

	Nodes                  *sdk.StatusView[kinds.NodeStatus]
	Namespaces             *sdk.StatusView[kinds.NamespaceStatus]
	Pods                   *sdk.PodView[kinds.PodStatus]
	ReplicaSets            *sdk.ScaleView[kinds.ReplicaSetStatus]
	ReplicationControllers *sdk.ScaleView[kinds.ReplicationControllerStatus]
	DaemonSets             *sdk.StatusView[kinds.DaemonSetStatus]
	Deployments            *sdk.ScaleView[kinds.DeploymentStatus]
	Services               *sdk.StatusView[kinds.ServiceStatus]
	Secrets                *sdk.View[kinds.SecretStatus]
	Events                 *sdk.View[kinds.EventStatus]
}

// New returns a Cluster for opts. It makes no request.
func New(opts Options) (*Cluster, error) {
	c, err := sdk.New(opts)
	if err != nil {
		return nil, err
	}
	return Wrap(c), nil
}

// NewWithTransport returns a Cluster for the API server at url reached
// through rt (see package transport for kubeconfig and in-cluster setups).
func NewWithTransport(url string, rt http.RoundTripper) (*Cluster, error) {
	return New(Options{URL: url, Transport: rt})
}

// NewFromConfig returns a Cluster for a transport configuration, e.g. from
// transport.LoadKubeconfig or transport.InCluster.
func NewFromConfig(cfg *transport.Config) (*Cluster, error) {
	if cfg == nil {
		return nil, &sdk.Error{Op: "new cluster", Err: errors.New("nil transport config")}
	}
	rt, err := cfg.RoundTripper()
	if err != nil {
		return nil, &sdk.Error{Op: "new cluster", Err: err}
	}
	return New(Options{URL: cfg.Server, Transport: rt, UserAgent: cfg.UserAgent})
}

// Auto connects the way the environment says: in-cluster when running in a
// pod, else the kubeconfig ($KUBECONFIG or ~/.kube/config), else kubectl
// proxy on localhost:8001. The namespace of the kubeconfig context (or of
// the pod) is returned too.
func Auto() (*Cluster, string, error) {
	cfg, err := transport.Auto()
	if err != nil {
		return nil, "", err
	}
	c, err := NewFromConfig(cfg)
	if err != nil {
		return nil, "", err
	}
	return c, cfg.Namespace, nil
}

// Wrap returns a Cluster around an existing client.
func Wrap(c *sdk.Client) *Cluster {
	return &Cluster{
		Client:                 c,
		Nodes:                  sdk.NewStatusView(c, kinds.NodeKind),
		Namespaces:             sdk.NewStatusView(c, kinds.NamespaceKind),
		Pods:                   sdk.NewPodView(c, kinds.PodKind),
		ReplicaSets:            sdk.NewScaleView(c, kinds.ReplicaSetKind),
		ReplicationControllers: sdk.NewScaleView(c, kinds.ReplicationControllerKind),
		DaemonSets:             sdk.NewStatusView(c, kinds.DaemonSetKind),
		Deployments:            sdk.NewScaleView(c, kinds.DeploymentKind),
		Services:               sdk.NewStatusView(c, kinds.ServiceKind),
		Secrets:                sdk.NewView(c, kinds.SecretKind),
		Events:                 sdk.NewView(c, kinds.EventKind),
	}
}
