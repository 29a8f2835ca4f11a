package sdk_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// misuseProgram is a small main package using the SDK; body runs in main
// with ctx and c (a *kube.Cluster) in scope.
const misuseProgram = `package main

import (
	"context"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
)

var (
	_ = kinds.PodKind
	_ sdk.LogOptions
	_ selector.Expr
)

func main() {
	ctx := context.Background()
	c, _ := kube.New(kube.Options{})
	_, _ = ctx, c
	%s
}
`

// buildProgram writes a program with body into a fresh package of this
// module (under testdata, so ./... never sees it) and builds it, returning
// the compiler's output and whether it built.
func buildProgram(t *testing.T, body string) (string, bool) {
	t.Helper()
	require.NoError(t, os.MkdirAll("testdata", 0o755))
	dir, err := os.MkdirTemp("testdata", "misuse-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	src := strings.Replace(misuseProgram, "%s", body, 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
	cmd := exec.Command("go", "build", "-o", os.DevNull, "./"+filepath.ToSlash(dir))
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// TestMisuseDoesNotCompile proves that the type system carries the kinds'
// capabilities: each program misuses the SDK and must be rejected by the
// compiler with the error named.
func TestMisuseDoesNotCompile(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to type-check programs: %v", err)
	}
	tests := []struct {
		reason string
		body   string
		want   string
	}{
		{"only pods have logs", `for range c.Namespaces.Logs(ctx, "x", sdk.LogOptions{}) {}`, "has no field or method Logs"},
		{"only pods are evicted", `_ = c.Secrets.In("ns").Evict(ctx, "x", sdk.DeleteOptions{})`, "has no field or method Evict"},
		{"services have no scale subresource", `_, _ = c.Services.In("ns").Scale(ctx, "x", 1, sdk.WriteOptions{})`, "has no field or method Scale"},
		{"pods have no scale subresource", `_, _ = c.Pods.In("ns").GetScale(ctx, "x")`, "has no field or method GetScale"},
		{"secrets have no status subresource", `_, _ = c.Secrets.In("ns").PatchStatus(ctx, "x", sdk.MergePatch, "{}", sdk.PatchOptions{})`, "has no field or method PatchStatus"},
		{"narrowing keeps the capability set: a filtered secret view still cannot scale", `_, _ = c.Secrets.Filter(selector.Expr("a=b"), nil).In("ns").Scale(ctx, "x", 1, sdk.WriteOptions{})`, "has no field or method Scale"},
		{"a selector is not any value", `_ = c.Pods.Filter(42, nil)`, "selector.LabelFilter"},
		{"a bare string is not a selector: say Expr or FieldExpr", `_ = c.Pods.Filter(nil, "status.phase=Running")`, "selector.FieldFilter"},
		{"a label map must be a selector.Set", `_ = c.Pods.Filter(map[string]string{"a": "b"}, nil)`, "selector.LabelFilter"},
		{"a descriptor and a status type cannot disagree", `_, _ = sdk.DecodeItem[kinds.PodStatus](nil, kinds.DeploymentKind, nil)`, "kinds.DeploymentKind"},
		{"the item type follows the descriptor", `var p *kinds.Pod; p, _ = sdk.DecodeItem(nil, kinds.DeploymentKind, nil); _ = p`, "cannot use"},
		{"a view of the wrong status type", `var v *sdk.View[kinds.PodStatus] = sdk.NewView(c.Client, kinds.NodeKind); _ = v`, "cannot use"},
		{"a scale view needs a kind with a scale subresource", `_ = sdk.NewScaleView(c.Client, kinds.SecretKind)`, "does not satisfy sdk.WithScale"},
		{"a pod view needs the pod kind", `_ = sdk.NewPodView(c.Client, kinds.NodeKind)`, "does not satisfy sdk.WithPod"},
		{"a status view needs a status subresource", `_ = sdk.NewStatusView(c.Client, kinds.EventKind)`, "does not satisfy sdk.WithStatus"},
		{"a status type declares its source", `var _ *sdk.Item[struct{ Ready bool }]`, "does not satisfy sdk.Status"},
		{"a map is not a status type", `_ = sdk.MustKind[map[string]any](sdk.KindInfo{})`, "does not satisfy sdk.Status"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			t.Parallel()
			out, ok := buildProgram(t, tt.body)
			assert.False(t, ok, "the misuse compiled:\n%s", tt.body)
			assert.Contains(t, out, tt.want, "compiler output")
		})
	}
}

// TestProperUseCompiles is the control of TestMisuseDoesNotCompile: the
// same harness builds correct uses of every capability.
func TestProperUseCompiles(t *testing.T) {
	body := `
	deps := c.Deployments.In("ns").Filter(selector.Expr("app=web"), nil).PageSize(5)
	_, _ = deps.Scale(ctx, "web", 3, sdk.WriteOptions{})
	_, _ = deps.GetScale(ctx, "web")
	_, _ = deps.PatchStatus(ctx, "web", sdk.MergePatch, "{}", sdk.PatchOptions{})
	_, _ = deps.Get(ctx, "web")
	pods := c.Pods.In("ns").Filter(nil, selector.FieldExpr("status.phase=Running"))
	for range pods.Logs(ctx, "p", sdk.LogOptions{}) {}
	_ = pods.Evict(ctx, "p", sdk.DeleteOptions{})
	_, _ = c.Nodes.PatchStatus(ctx, "n1", sdk.MergePatch, "{}", sdk.PatchOptions{})
	_, _ = c.Secrets.In("ns").Get(ctx, "s")
	var rs *sdk.ScaleView[kinds.ReplicaSetStatus] = sdk.NewScaleView(c.Client, kinds.ReplicaSetKind)
	var svc *sdk.StatusView[kinds.ServiceStatus] = sdk.NewStatusView(c.Client, kinds.ServiceKind)
	var p *kinds.Pod
	p, _ = sdk.DecodeItem(nil, kinds.PodKind, nil)
	_, _, _ = rs, svc, p
	if d, ok := sdk.ItemOf[kinds.DeploymentStatus](p); ok { _ = d }
`
	out, ok := buildProgram(t, body)
	assert.True(t, ok, "correct uses must compile:\n%s", out)
}
