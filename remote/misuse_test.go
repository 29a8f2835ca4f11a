package remote_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const misuseProgram = `package main

import (
	"context"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/remote"
	"github.com/kube-for-go/kube/sdk"
)

var _ sdk.LogOptions

func main() {
	ctx := context.Background()
	c, _ := kube.New(kube.Options{})
	_, _ = ctx, c
	%s
}
`

// TestMisuseDoesNotCompile proves that exec, attach, port-forward and copy
// take pods only: each program calls one with another kind's view and
// must be rejected by the compiler.
func TestMisuseDoesNotCompile(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to type-check programs: %v", err)
	}
	tests := []struct {
		reason, body, want string
	}{
		{"exec needs a pod view", `_ = remote.Exec(ctx, c.Deployments.In("ns"), "x", remote.ExecOptions{})`, "remote.Exec, type *sdk.ScaleView[kinds.DeploymentStatus]"},
		{"attach needs a pod view", `_ = remote.Attach(ctx, c.Secrets.In("ns"), "x", remote.AttachOptions{})`, "remote.Attach, type *sdk.View[kinds.SecretStatus]"},
		{"a plain view of pods is not a pod view", `_ = remote.Exec(ctx, c.Pods.In("ns").View, "x", remote.ExecOptions{})`, "remote.Exec, type *sdk.View[kinds.PodStatus]"},
		{"port-forward needs a pod view", `_ = remote.NewDialer(c.Services.In("ns"), "x")`, "remote.NewDialer, type *sdk.StatusView[kinds.ServiceStatus]"},
		{"copy needs a pod view", `_ = remote.CopyTo(ctx, c.Nodes, "x", "a", "b", remote.CopyOptions{})`, "remote.CopyTo, type *sdk.StatusView[kinds.NodeStatus]"},
	}
	var body strings.Builder
	for _, tt := range tests {
		body.WriteString("\tfunc() {\n\t\t" + tt.body + "\n\t}()\n")
	}
	// One program with every misuse: the compiler reports each line.
	out, ok := build(t, body.String())
	require.False(t, ok, "the misuses compiled")
	for _, tt := range tests {
		assert.Contains(t, out, tt.want, tt.reason)
	}
	// And the proper use compiles.
	out, ok = build(t, `_ = remote.Exec(ctx, c.Pods.In("ns"), "x", remote.ExecOptions{})`)
	assert.True(t, ok, out)
}

func build(t *testing.T, body string) (string, bool) {
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
