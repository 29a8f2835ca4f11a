// Package reads holds the code under comparison: the same reads of every
// pod (name, namespace, labels, phase, pod IP, ready containers) done with
// this SDK and with client-go's typed clientset, for lists and watches, plus
// the floor readers that only move and validate the bytes.
//
// Every reader hands each pod to a Visitor, so the benchmarks (which fold
// the values into a digest) and the correctness guard (which collects them
// into records) run exactly the same reading code.
package reads

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"net/netip"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/watch"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Pod is what a reader read of one pod. Labels is only valid during the
// Visitor call.
type Pod struct {
	Event     string // watch event type; "" for lists
	Name      string
	Namespace string
	Labels    iter.Seq2[string, string]
	Phase     string
	IP        netip.Addr // invalid when the pod has no IP yet
	Ready     int        // containers whose status says ready
	Total     int        // container statuses
}

// Visitor receives each pod read.
type Visitor func(p *Pod)

// NewSDK returns an SDK cluster for url reading pageSize objects per page.
// Without compress its transport does not ask for gzip
// (Options.DisableCompression); with it, it does (Go's default).
func NewSDK(url string, pageSize int, compress bool) (*kube.Cluster, error) {
	return kube.New(kube.Options{URL: url, PageSize: pageSize, DisableCompression: !compress})
}

// NewClientGo returns a typed clientset for url speaking JSON or, with
// protobuf, the Kubernetes protobuf encoding. Client-side rate limiting is
// off (QPS < 0) so that it measures decoding, not the token bucket.
//
// Since v0.34 the generated typed clients of built-in kinds ask for
// protobuf unless a content type is configured (Request.UseProtobufAsDefault),
// so the JSON clientset must set application/json explicitly.
//
// Without compress it does not ask for gzip (rest.Config.DisableCompression);
// with it, it does (client-go's default). client-go ignores
// DisableCompression for a plain-HTTP config without a proxy function or
// dialer (its transport cache then returns http.DefaultTransport as is), so
// Proxy is set to http.ProxyFromEnvironment (what DefaultTransport does
// anyway) to make it build its own transport, which honours the option.
func NewClientGo(url string, protobuf, compress bool) (*kubernetes.Clientset, error) {
	return NewClientGoConfig(&rest.Config{Host: url, DisableCompression: !compress, Proxy: http.ProxyFromEnvironment}, protobuf)
}

// NewClientGoConfig is NewClientGo for a rest.Config (e.g. from a kubeconfig).
func NewClientGoConfig(base *rest.Config, protobuf bool) (*kubernetes.Clientset, error) {
	cfg := rest.CopyConfig(base)
	cfg.QPS = -1
	cfg.ContentType = "application/json"
	cfg.AcceptContentTypes = "application/json"
	if protobuf {
		cfg.ContentType = "application/vnd.kubernetes.protobuf"
		cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	}
	return kubernetes.NewForConfig(cfg)
}

// SDKList reads every pod of the cluster through the SDK's paginated,
// streaming iterator.
func SDKList(ctx context.Context, c *kube.Cluster, visit Visitor) error {
	var p Pod
	for pod, err := range c.Pods.All(ctx) {
		if err != nil {
			return err
		}
		if err := readSDK(&p, pod); err != nil {
			return err
		}
		visit(&p)
	}
	return nil
}

// readSDK fills p from an SDK pod.
func readSDK(p *Pod, pod *kinds.Pod) error {
	st := pod.Status()
	p.Name, p.Namespace, p.Labels = pod.Name(), pod.Namespace(), pod.Labels().All()
	phase, err := st.Phase()
	if err != nil {
		return fmt.Errorf("sdk: %s/%s: %w", p.Namespace, p.Name, err)
	}
	p.Phase = string(phase)
	p.IP = netip.Addr{} // absent for a pending pod: the zero Addr
	if ip, err := st.IP(); err == nil {
		p.IP = ip
	}
	p.Ready, p.Total = 0, 0
	for _, c := range st.Containers() {
		p.Total++
		if c.Ready() {
			p.Ready++
		}
	}
	return nil
}

// FromGo returns what a reader reads of a decoded pod (a client-go value).
func FromGo(event string, pod *corev1.Pod) *Pod {
	var p Pod
	readClientGo(&p, pod)
	p.Event = event
	return &p
}

// readClientGo fills p from a client-go pod.
func readClientGo(p *Pod, pod *corev1.Pod) {
	p.Name, p.Namespace, p.Labels = pod.Name, pod.Namespace, maps.All(pod.Labels)
	p.Phase = string(pod.Status.Phase)
	p.IP = netip.Addr{}
	if pod.Status.PodIP != "" {
		p.IP, _ = netip.ParseAddr(pod.Status.PodIP)
	}
	p.Ready, p.Total = 0, 0
	for i := range pod.Status.ContainerStatuses {
		p.Total++
		if pod.Status.ContainerStatuses[i].Ready {
			p.Ready++
		}
	}
}

// ClientGoList reads every pod with the typed clientset, page by page
// (limit and continue, like the SDK), dropping each page after reading it:
// client-go's best case for time and memory.
func ClientGoList(ctx context.Context, cs kubernetes.Interface, pageSize int, visit Visitor) error {
	var p Pod
	opts := metav1.ListOptions{Limit: int64(pageSize)}
	for {
		list, err := cs.CoreV1().Pods("").List(ctx, opts)
		if err != nil {
			return err
		}
		for i := range list.Items {
			readClientGo(&p, &list.Items[i])
			visit(&p)
		}
		if list.Continue == "" {
			return nil
		}
		opts.Continue = list.Continue
	}
}

// ClientGoListAll is what a client-go program that wants "the pods" does:
// List every page (limit and continue) into one slice, then read it.
func ClientGoListAll(ctx context.Context, cs kubernetes.Interface, pageSize int, visit Visitor) error {
	var all []corev1.Pod
	opts := metav1.ListOptions{Limit: int64(pageSize)}
	for {
		list, err := cs.CoreV1().Pods("").List(ctx, opts)
		if err != nil {
			return err
		}
		all = append(all, list.Items...)
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	var p Pod
	for i := range all {
		readClientGo(&p, &all[i])
		visit(&p)
	}
	return nil
}

// SDKWatch reads n events of a watch of all pods through the SDK, from
// resourceVersion rv (so that it opens the watch at once, like client-go).
func SDKWatch(ctx context.Context, c *kube.Cluster, rv string, n int, visit Visitor) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var p Pod
	seen := 0
	for ev, err := range c.Pods.Watch(ctx, watch.Options{ResourceVersion: rv}) {
		if err != nil {
			return err
		}
		pod := ev.Object
		st := pod.Status()
		p.Event = string(ev.Type)
		p.Name, p.Namespace, p.Labels = pod.Name(), pod.Namespace(), pod.Labels().All()
		phase, err := st.Phase()
		if err != nil {
			return fmt.Errorf("sdk: %s/%s: %w", p.Namespace, p.Name, err)
		}
		p.Phase = string(phase)
		p.IP = netip.Addr{}
		if ip, err := st.IP(); err == nil {
			p.IP = ip
		}
		p.Ready, p.Total = 0, 0
		for _, c := range st.Containers() {
			p.Total++
			if c.Ready() {
				p.Ready++
			}
		}
		visit(&p)
		if seen++; seen == n {
			return nil
		}
	}
	return fmt.Errorf("sdk: watch ended after %d of %d events", seen, n)
}

// ClientGoWatch reads n events of a watch of all pods from resourceVersion
// rv through the typed clientset's watch.Interface.
func ClientGoWatch(ctx context.Context, cs kubernetes.Interface, rv string, n int, visit Visitor) error {
	if n == 0 {
		return nil
	}
	w, err := cs.CoreV1().Pods("").Watch(ctx, metav1.ListOptions{ResourceVersion: rv})
	if err != nil {
		return err
	}
	defer w.Stop()
	var p Pod
	seen := 0
	for ev := range w.ResultChan() {
		pod, ok := ev.Object.(*corev1.Pod)
		if !ok {
			return fmt.Errorf("client-go: watch event %s with %T", ev.Type, ev.Object)
		}
		readClientGo(&p, pod)
		p.Event = string(ev.Type)
		visit(&p)
		if seen++; seen == n {
			return nil
		}
	}
	return fmt.Errorf("client-go: watch ended after %d of %d events", seen, n)
}
