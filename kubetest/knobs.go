package kubetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kube-for-go/kube/sdk"
)

// knobWait bounds how long a knob waits for the cluster to show its effect.
const knobWait = 60 * time.Second

// Labels of kwok's chaos stages, which the harness's kwok loads: a pod or
// node carrying one is moved to the failed state.
const (
	containerFailedStage = "pod-container-running-failed.stage.kwok.x-k8s.io"
	initFailedStage      = "pod-init-container-running-failed.stage.kwok.x-k8s.io"
	nodeNotReadyStage    = "node-not-ready.stage.kwok.x-k8s.io"
)

// ContainerFailure describes how the containers of a pod fail. kwok applies
// it to a pod that carries Metadata's labels and annotations: about one or
// two seconds after the pod turns Running (or, for Init, while it is
// Pending), the failing containers are reported terminated with ExitCode,
// Reason and Message, the others running, and the pod's phase turns Failed.
type ContainerFailure struct {
	// Container is the name of the container that fails; empty means
	// every container.
	Container string
	// ExitCode is the failing containers' exit code; zero means 1.
	ExitCode int
	// Reason is a single CamelCase word such as "Error" or "OOMKilled";
	// empty means "containerFailed".
	Reason string
	// Message is a human-readable message without ':', '#', quotes,
	// brackets or line breaks (kwok writes it into YAML unquoted); empty
	// means "container failed".
	Message string
	// Init makes an init container fail instead, while the pod is Pending:
	// Container then names an init container (empty: all of them). It only
	// works for labels a pod is created with (Metadata in a pod template),
	// not with FailPod: pods turn Running as soon as they are bound.
	Init bool
}

// Metadata returns the labels and annotations that make kwok fail a pod's
// containers as f says. Put them in a pod (template)'s metadata; they are
// new maps the caller may merge into others.
func (f ContainerFailure) Metadata() (labels, annotations map[string]string, err error) {
	if err := f.validate(); err != nil {
		return nil, nil, err
	}
	stage := containerFailedStage
	if f.Init {
		stage = initFailedStage
	}
	labels = map[string]string{stage: "true"}
	annotations = map[string]string{}
	if f.Container != "" {
		annotations[stage+"/container-name"] = f.Container
	}
	if f.ExitCode != 0 {
		annotations[stage+"/exit-code"] = strconv.Itoa(f.ExitCode)
	}
	if f.Reason != "" {
		annotations[stage+"/reason"] = f.Reason
	}
	if f.Message != "" {
		annotations[stage+"/message"] = f.Message
	}
	return labels, annotations, nil
}

// ErrInvalidFailure is matched by the error of ContainerFailure.Metadata
// and FailPod for a failure kwok cannot report faithfully.
var ErrInvalidFailure = errors.New("kubetest: invalid container failure")

func (f ContainerFailure) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidFailure, fmt.Sprintf(format, args...))
	}
	if f.ExitCode < 0 || f.ExitCode > 255 {
		return bad("exit code %d is not in 1..255", f.ExitCode)
	}
	for _, r := range f.Reason {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return bad("reason %q is not a single CamelCase word", f.Reason)
		}
	}
	if len(f.Reason) > 128 || len(f.Message) > 1024 {
		return bad("reason or message too long")
	}
	if strings.TrimSpace(f.Message) != f.Message || strings.ContainsAny(f.Message, ":#\"'`{}[]&*!|>%@\\\r\n\t") {
		return bad("message %q holds a character kwok cannot report (':', '#', quotes, brackets, line breaks...)", f.Message)
	}
	if f.Message != "" && strings.ContainsAny(f.Message[:1], "-?,") {
		return bad("message %q starts with a character kwok cannot report", f.Message)
	}
	if f.Container != "" && !validName(f.Container) {
		return bad("container name %q is not a DNS label", f.Container)
	}
	return nil
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// FailPod makes the containers of a running pod fail as f says (f.Init is
// refused: see ContainerFailure) and waits until the pod's phase is
// Failed. Controllers see what they would on a real node: a ReplicaSet
// replaces the pod, a Job counts a failure.
func (c *Cluster) FailPod(ctx context.Context, namespace, pod string, f ContainerFailure) error {
	if f.Init {
		return fmt.Errorf("%w: an init container failure must be in the labels the pod is created with (ContainerFailure.Metadata)", ErrInvalidFailure)
	}
	labels, annotations, err := f.Metadata()
	if err != nil {
		return err
	}
	cl, err := c.proxy()
	if err != nil {
		return err
	}
	defer cl.close()
	path := "/api/v1/namespaces/" + url.PathEscape(namespace) + "/pods/" + url.PathEscape(pod)
	patch := map[string]any{"metadata": map[string]any{"labels": labels, "annotations": annotations}}
	if _, err := cl.p.Patch(ctx, path, sdk.MergePatch, patch); err != nil {
		return fmt.Errorf("kubetest: fail pod %s/%s: %w", namespace, pod, err)
	}
	err = waitObject(ctx, cl.p, path, func(obj map[string]any) error {
		st, _ := obj["status"].(map[string]any)
		if phase, _ := st["phase"].(string); phase != "Failed" {
			return fmt.Errorf("phase is %q, not Failed (kwok fails only Running pods)", phase)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("kubetest: fail pod %s/%s: %w", namespace, pod, err)
	}
	return nil
}

// Node labels and taints of the nodes AddNode creates.
const (
	// NodeLabel is set on a node AddNode creates, to the node's name: select
	// it with a nodeSelector.
	NodeLabel = "kubetest.kube-for-go.dev/node"
	// NodeTaint is the key of the NoSchedule taint of a node AddNode
	// creates, with the node's name as value: only pods that tolerate it
	// (or name the node in spec.nodeName) run there.
	NodeTaint = "kubetest.kube-for-go.dev/node"
)

// AddNode adds a kwok node of the test's own, waits until it is Ready and
// deletes it when the test ends. It is tainted (NodeTaint) so that only
// pods that ask for it are placed there: give them spec.nodeName, or a
// nodeSelector on NodeLabel and a toleration of NodeTaint:
//
//	nodeSelector: {kubetest.kube-for-go.dev/node: <name>}
//	tolerations: [{key: kubetest.kube-for-go.dev/node, operator: Exists}]
//
// Tests may make it NotReady (SetNodeReady) even on the shared cluster.
func (c *Cluster) AddNode(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), knobWait)
	defer cancel()
	suffix := make([]byte, 4)
	rand.Read(suffix)
	name := "kubetest-" + hex.EncodeToString(suffix)
	cl, err := c.proxy()
	if err != nil {
		tb.Fatalf("kubetest: add node: %v", err)
	}
	defer cl.close()
	node := map[string]any{
		"apiVersion": "v1", "kind": "Node",
		"metadata": map[string]any{
			"name":        name,
			"annotations": map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
			"labels": map[string]string{
				"type": "kwok", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
				"kubernetes.io/arch": "amd64", NodeLabel: name,
			},
		},
		"spec": map[string]any{
			"taints": []any{map[string]any{"key": NodeTaint, "value": name, "effect": "NoSchedule"}},
		},
		"status": map[string]any{
			"allocatable": map[string]string{"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "100Gi"},
			"capacity":    map[string]string{"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "100Gi"},
			"nodeInfo": map[string]string{"architecture": "amd64", "operatingSystem": "linux",
				"kubeletVersion": "fake", "kubeProxyVersion": "fake"},
		},
	}
	path := "/api/v1/nodes/" + name
	if _, err := cl.p.Post(ctx, "/api/v1/nodes", nil, node); err != nil {
		tb.Fatalf("kubetest: add node %s: %v", name, err)
	}
	tb.Cleanup(func() {
		cl, err := c.proxy()
		if err != nil {
			return
		}
		defer cl.close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// No kubelet will confirm the deletion of the node's pods once it
		// is gone: delete them at once, so their namespaces go quickly.
		pods, _ := cl.p.Get(ctx, "/api/v1/pods", url.Values{"fieldSelector": {"spec.nodeName=" + name}})
		items, _ := pods["items"].([]any)
		for _, it := range items {
			meta, _ := it.(map[string]any)["metadata"].(map[string]any)
			ns, _ := meta["namespace"].(string)
			pod, _ := meta["name"].(string)
			cl.p.Delete(ctx, "/api/v1/namespaces/"+url.PathEscape(ns)+"/pods/"+url.PathEscape(pod), url.Values{"gracePeriodSeconds": {"0"}}, nil)
		}
		cl.p.Delete(ctx, path, nil, nil)
	})
	if err := waitObject(ctx, cl.p, path, nodeCondition("True")); err != nil {
		tb.Fatalf("kubetest: added node %s did not turn Ready: %v", name, err)
	}
	return name
}

// SetNodeReady makes a node NotReady (ready false: kwok reports its Ready
// condition False, the node lifecycle controller taints it
// node.kubernetes.io/not-ready and, after the pods' toleration of it, five
// minutes by default, evicts them) or Ready again, and waits until the
// node's Ready condition says so. On the shared cluster only nodes added
// with AddNode may be changed; the cluster's own nodes fail with
// ErrSharedCluster.
func (c *Cluster) SetNodeReady(ctx context.Context, node string, ready bool) error {
	if !c.private && c.own[node] {
		return fmt.Errorf("kubetest: set node %s ready=%v: %w (use AddNode for a node of the test's own)", node, ready, ErrSharedCluster)
	}
	cl, err := c.proxy()
	if err != nil {
		return err
	}
	defer cl.close()
	var label any = "true"
	want := "False"
	if ready {
		label, want = nil, "True"
	}
	path := "/api/v1/nodes/" + url.PathEscape(node)
	patch := map[string]any{"metadata": map[string]any{"labels": map[string]any{nodeNotReadyStage: label}}}
	if _, err := cl.p.Patch(ctx, path, sdk.MergePatch, patch); err != nil {
		return fmt.Errorf("kubetest: set node %s ready=%v: %w", node, ready, err)
	}
	if err := waitObject(ctx, cl.p, path, nodeCondition(want)); err != nil {
		return fmt.Errorf("kubetest: set node %s ready=%v: %w", node, ready, err)
	}
	return nil
}

// nodeCondition checks that a node's Ready condition has status want.
func nodeCondition(want string) func(map[string]any) error {
	return func(obj map[string]any) error {
		st, _ := obj["status"].(map[string]any)
		conds, _ := st["conditions"].([]any)
		for _, cond := range conds {
			m, _ := cond.(map[string]any)
			if m["type"] == "Ready" {
				if m["status"] == want {
					return nil
				}
				return fmt.Errorf("condition Ready is %v, want %s", m["status"], want)
			}
		}
		return fmt.Errorf("no Ready condition, want %s", want)
	}
}

// proxyClient is an admin client through kubectl proxy for one knob.
type proxyClient struct {
	p     *sdk.Proxy
	close func()
}

func (c *Cluster) proxy() (proxyClient, error) {
	cl, err := sdk.New(sdk.Options{URL: c.tc.ProxyURL})
	if err != nil {
		return proxyClient{}, fmt.Errorf("kubetest: client: %w", err)
	}
	return proxyClient{p: cl.Proxy(), close: func() { cl.Close() }}, nil
}

// waitObject polls the object at path until check accepts it, ctx ends or
// knobWait passes, and returns the last reason otherwise.
func waitObject(ctx context.Context, p *sdk.Proxy, path string, check func(map[string]any) error) error {
	return waitFor(ctx, knobWait, func() error {
		obj, err := p.Get(ctx, path, nil)
		if err != nil {
			return err
		}
		return check(obj)
	})
}

// waitFor calls cond every 100 ms until it returns nil, ctx ends or
// timeout passes, and returns cond's last error otherwise.
func waitFor(ctx context.Context, timeout time.Duration, cond func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := cond()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting: %w (last: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
