package testutil

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Pinned versions of the test cluster's components. They must agree with the
// go.mod files of the tools modules under internal/testutil/tools, whose
// go.mod and go.sum are copied into toolsmod/ (TestEmbeddedToolsModules
// checks that the copies are exact).
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
// cluster's components: $KUBE_GO_TOOLS_DIR if set, else a directory under
// the cache into which the copies of their go.mod and go.sum embedded in
// this package (toolsmod/) are written. The embedded copies make the
// harness work from any module, with nothing but the module cache: the
// tools modules are nested modules, which are not part of the SDK's module
// zip.
func ToolsDir() (string, error) {
	if d := os.Getenv("KUBE_GO_TOOLS_DIR"); d != "" {
		return d, nil
	}
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	return writeToolsModules(filepath.Join(cache, "toolsmod"))
}

// toolsModules are the tools modules, by directory name.
var toolsModules = []string{"etcd", "kube", "kwok"}

//go:embed toolsmod/*.mod toolsmod/*.sum
var toolsModFS embed.FS

// toolsModFiles returns the embedded go.mod and go.sum of every tools
// module, keyed by their path in a tools directory ("kube/go.mod").
func toolsModFiles() (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, m := range toolsModules {
		for _, ext := range []string{"mod", "sum"} {
			data, err := toolsModFS.ReadFile("toolsmod/" + m + "." + ext)
			if err != nil {
				return nil, fmt.Errorf("testutil: embedded tools module %s: %w", m, err)
			}
			files[m+"/go."+ext] = data
		}
	}
	return files, nil
}

// writeToolsModules writes the embedded tools modules into a directory
// under base named after their contents (so a changed pin never meets an
// old copy) and returns it. Files already there with the same contents are
// left alone; others are written to a temporary file and renamed, so a
// concurrent reader never sees half a file.
func writeToolsModules(base string) (string, error) {
	files, err := toolsModFiles()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "%s %d\n", name, len(files[name]))
		h.Write(files[name])
	}
	dir := filepath.Join(base, hex.EncodeToString(h.Sum(nil))[:12])
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "", fmt.Errorf("testutil: write tools modules: %w", err)
		}
		tmp, err := os.CreateTemp(filepath.Dir(path), ".go.*.tmp")
		if err != nil {
			return "", fmt.Errorf("testutil: write tools modules: %w", err)
		}
		_, werr := tmp.Write(data)
		cerr := tmp.Close()
		if err := errors.Join(werr, cerr); err != nil {
			os.Remove(tmp.Name())
			return "", fmt.Errorf("testutil: write tools modules: %w", err)
		}
		if err := os.Chmod(tmp.Name(), 0o644); err != nil {
			os.Remove(tmp.Name())
			return "", fmt.Errorf("testutil: write tools modules: %w", err)
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			os.Remove(tmp.Name())
			return "", fmt.Errorf("testutil: write tools modules: %w", err)
		}
	}
	return dir, nil
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
	if log == nil {
		log = io.Discard
	}
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
	// The progress ticker and the go command write to log concurrently.
	log = &lockedWriter{w: log}
	var missing []component
	for _, c := range components {
		if _, err := os.Stat(b.path(c.name)); err != nil {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(log, "testutil: building %d test-cluster binaries from pinned modules into %s; "+
			"the first build downloads the Kubernetes, etcd and kwok modules and takes about 10 minutes "+
			"on two cores (later runs reuse the cache)\n", len(missing), dir)
	}
	begin := time.Now()
	for i, c := range missing {
		out := b.path(c.name)
		fmt.Fprintf(log, "testutil: [%d/%d] building %s (%s)\n", i+1, len(missing), c.name, c.pkg)
		stop := progress(log, c.name, 30*time.Second)
		tmp := out + ".tmp"
		cmd := exec.CommandContext(ctx, "go", "build", "-ldflags", c.ldflags, "-o", tmp, c.pkg)
		cmd.Dir = filepath.Join(tools, c.module)
		if c.patchModule != "" {
			work := out + ".src"
			defer os.RemoveAll(work)
			if cmd.Dir, err = patchedBuildDir(ctx, cmd.Dir, c.patchModule, work, c.patches); err != nil {
				stop()
				return nil, err
			}
		}
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		var stderr strings.Builder
		cmd.Stdout = log
		cmd.Stderr = io.MultiWriter(log, &stderr)
		err := cmd.Run()
		took := stop()
		if err != nil {
			os.Remove(tmp)
			return nil, fmt.Errorf("testutil: build %s: %w\n%s", c.name, err, tail(stderr.String(), 40))
		}
		if err := os.Rename(tmp, out); err != nil {
			return nil, fmt.Errorf("testutil: install %s: %w", c.name, err)
		}
		fmt.Fprintf(log, "testutil: [%d/%d] built %s in %s\n", i+1, len(missing), c.name, took.Round(time.Second))
	}
	if len(missing) > 0 {
		fmt.Fprintf(log, "testutil: test-cluster binaries built in %s\n", time.Since(begin).Round(time.Second))
	}
	if err := copyKwokFiles(ctx, tools, b); err != nil {
		return nil, err
	}
	if !b.complete() {
		return nil, fmt.Errorf("testutil: binaries incomplete in %s after build", dir)
	}
	return b, nil
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// progress writes a line to log every interval until the returned
// function is called; that function returns the time since progress was
// called. It is how a long build shows it is alive.
func progress(log io.Writer, what string, interval time.Duration) func() time.Duration {
	begin := time.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(log, "testutil: still building %s (%s so far)\n", what, time.Since(begin).Round(time.Second))
			}
		}
	}()
	return func() time.Duration {
		close(done)
		<-finished
		return time.Since(begin)
	}
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
