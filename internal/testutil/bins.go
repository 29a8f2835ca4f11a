package testutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
)

// Pinned versions of the test cluster's components. They must agree with the
// go.mod files of the tools modules under internal/testutil/tools.
const (
	KubernetesVersion = "v1.34.4"
	EtcdVersion       = "v3.6.16"
	KwokVersion       = "v0.7.0"
)

// component describes one binary of the test cluster: the tools module that
// pins it and the main package to build.
type component struct {
	name    string // binary name
	module  string // directory under tools/
	pkg     string // main package
	ldflags string
	// patchModule, when set, is the module whose source is patched with
	// patches before the build (see patch.go).
	patchModule string
	patches     []sourcePatch
}

// kwokBinary is the name of the kwok binary, built with kwokPatches; the
// name changes with the patches so that a changed patch is built anew.
var kwokBinary = "kwok-patched-" + patchKey(kwokPatches)

var kubeLDFlags = "-s -w -X k8s.io/component-base/version.gitVersion=" + KubernetesVersion +
	" -X k8s.io/client-go/pkg/version.gitVersion=" + KubernetesVersion

var components = []component{
	{name: "etcd", module: "etcd", pkg: "go.etcd.io/etcd/server/v3", ldflags: "-s -w"},
	{name: kwokBinary, module: "kwok", pkg: "sigs.k8s.io/kwok/cmd/kwok", ldflags: "-s -w", patchModule: "sigs.k8s.io/kwok", patches: kwokPatches},
	{name: "kube-apiserver", module: "kube", pkg: "k8s.io/kubernetes/cmd/kube-apiserver", ldflags: kubeLDFlags},
	{name: "kube-controller-manager", module: "kube", pkg: "k8s.io/kubernetes/cmd/kube-controller-manager", ldflags: kubeLDFlags},
	{name: "kube-scheduler", module: "kube", pkg: "k8s.io/kubernetes/cmd/kube-scheduler", ldflags: kubeLDFlags},
	{name: "kubectl", module: "kube", pkg: "k8s.io/kubernetes/cmd/kubectl", ldflags: kubeLDFlags},
}

// kwok stage documents copied from the kwok module into the binary cache.
var kwokStages = []string{
	"kustomize/stage/node/fast/node-initialize.yaml",
	"kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
	"kustomize/stage/node/chaos/node-not-ready.yaml",
	"kustomize/stage/pod/fast/pod-ready.yaml",
	"kustomize/stage/pod/fast/pod-complete.yaml",
	"kustomize/stage/pod/fast/pod-delete.yaml",
	"kustomize/stage/pod/chaos/pod-container-running-failed.yaml",
	"kustomize/stage/pod/chaos/pod-init-container-running-failed.yaml",
}

// kwok CustomResourceDefinitions copied from the kwok module into the binary
// cache: the per-pod kubelet configuration the harness creates (see
// kubelet.go) is made of these kinds.
var kwokCRDs = []string{
	"kustomize/crd/bases/kwok.x-k8s.io_logs.yaml",
	"kustomize/crd/bases/kwok.x-k8s.io_attaches.yaml",
	"kustomize/crd/bases/kwok.x-k8s.io_portforwards.yaml",
}

// Binaries holds the absolute paths of the built test-cluster binaries.
type Binaries struct {
	Dir               string // the versioned cache directory holding them
	Etcd              string
	APIServer         string
	ControllerManager string
	Scheduler         string
	Kubectl           string
	Kwok              string
	KwokStages        []string // kwok Stage manifests, in load order
	KwokCRDs          []string // kwok CustomResourceDefinitions the harness installs
}

// CacheDir returns the directory where the project caches built binaries and
// the state of a running shared cluster: $KUBE_GO_CACHE if set, else
// <user cache dir>/kube-for-go. It is always outside the repository.
func CacheDir() (string, error) {
	if d := os.Getenv("KUBE_GO_CACHE"); d != "" {
		return filepath.Abs(d)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("testutil: no cache directory (set KUBE_GO_CACHE): %w", err)
	}
	return filepath.Join(base, "kube-for-go"), nil
}

func versionKey() string {
	return "k8s" + strings.TrimPrefix(KubernetesVersion, "v") +
		"-etcd" + strings.TrimPrefix(EtcdVersion, "v") +
		"-kwok" + strings.TrimPrefix(KwokVersion, "v")
}

// ToolsDir returns the directory holding the tools modules that pin the
// cluster's components ($KUBE_GO_TOOLS_DIR, or the source tree's copy).
func ToolsDir() (string, error) {
	if d := os.Getenv("KUBE_GO_TOOLS_DIR"); d != "" {
		return d, nil
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("testutil: cannot locate tools modules (set KUBE_GO_TOOLS_DIR)")
	}
	d := filepath.Join(filepath.Dir(file), "tools")
	if _, err := os.Stat(filepath.Join(d, "kube", "go.mod")); err != nil {
		return "", fmt.Errorf("testutil: tools modules not found at %s (set KUBE_GO_TOOLS_DIR): %w", d, err)
	}
	return d, nil
}

func (b *Binaries) path(name string) string { return filepath.Join(b.Dir, name) }

func binariesIn(dir string) *Binaries {
	b := &Binaries{Dir: dir}
	b.Etcd = b.path("etcd")
	b.APIServer = b.path("kube-apiserver")
	b.ControllerManager = b.path("kube-controller-manager")
	b.Scheduler = b.path("kube-scheduler")
	b.Kubectl = b.path("kubectl")
	b.Kwok = b.path(kwokBinary)
	for _, s := range kwokStages {
		b.KwokStages = append(b.KwokStages, filepath.Join(dir, "stages", filepath.Base(s)))
	}
	for _, s := range kwokCRDs {
		b.KwokCRDs = append(b.KwokCRDs, filepath.Join(dir, "crds", filepath.Base(s)))
	}
	return b
}

// EnsureBinaries returns the cluster binaries, building whatever is missing
// from the pinned tools modules with `go build` (about ten minutes on a cold
// two-core machine; seconds when cached). Progress goes to log. Concurrent
// callers, in this or other processes, wait on a file lock instead of
// building twice.
func EnsureBinaries(ctx context.Context, log io.Writer) (*Binaries, error) {
	cache, err := CacheDir()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cache, "bin", versionKey())
	b := binariesIn(dir)
	if b.complete() {
		return b, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("testutil: create %s: %w", dir, err)
	}
	unlock, err := lockFile(dir + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	tools, err := ToolsDir()
	if err != nil {
		return nil, err
	}
	for _, c := range components {
		out := b.path(c.name)
		if _, err := os.Stat(out); err == nil {
			continue
		}
		fmt.Fprintf(log, "testutil: building %s (%s) into %s\n", c.name, c.pkg, dir)
		tmp := out + ".tmp"
		cmd := exec.CommandContext(ctx, "go", "build", "-ldflags", c.ldflags, "-o", tmp, c.pkg)
		cmd.Dir = filepath.Join(tools, c.module)
		if c.patchModule != "" {
			work := out + ".src"
			defer os.RemoveAll(work)
			if cmd.Dir, err = patchedBuildDir(ctx, cmd.Dir, c.patchModule, work, c.patches); err != nil {
				return nil, err
			}
		}
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		var stderr strings.Builder
		cmd.Stdout = log
		cmd.Stderr = io.MultiWriter(log, &stderr)
		if err := cmd.Run(); err != nil {
			os.Remove(tmp)
			return nil, fmt.Errorf("testutil: build %s: %w\n%s", c.name, err, tail(stderr.String(), 40))
		}
		if err := os.Rename(tmp, out); err != nil {
			return nil, fmt.Errorf("testutil: install %s: %w", c.name, err)
		}
	}
	if err := copyKwokFiles(ctx, tools, b); err != nil {
		return nil, err
	}
	if !b.complete() {
		return nil, fmt.Errorf("testutil: binaries incomplete in %s after build", dir)
	}
	return b, nil
}

func (b *Binaries) complete() bool {
	files := append([]string{b.Etcd, b.APIServer, b.ControllerManager, b.Scheduler, b.Kubectl, b.Kwok}, b.KwokStages...)
	for _, p := range append(files, b.KwokCRDs...) {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}

func copyKwokFiles(ctx context.Context, tools string, b *Binaries) error {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/kwok")
	cmd.Dir = filepath.Join(tools, "kwok")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("testutil: locate kwok module: %w", err)
	}
	src := strings.TrimSpace(string(out))
	for _, set := range []struct {
		from, to []string
	}{{kwokStages, b.KwokStages}, {kwokCRDs, b.KwokCRDs}} {
		for i, s := range set.from {
			if err := os.MkdirAll(filepath.Dir(set.to[i]), 0o755); err != nil {
				return err
			}
			data, err := os.ReadFile(filepath.Join(src, s))
			if err != nil {
				return fmt.Errorf("testutil: read kwok file: %w", err)
			}
			// Never rewrite a file another process may be reading.
			if old, err := os.ReadFile(set.to[i]); err == nil && bytes.Equal(old, data) {
				continue
			}
			if err := os.WriteFile(set.to[i], data, 0o644); err != nil {
				return fmt.Errorf("testutil: write kwok file: %w", err)
			}
		}
	}
	return nil
}

// lockFile takes an exclusive advisory lock on path, blocking until it is free.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("testutil: open lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("testutil: lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
