package testutil

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// How tests get a cluster
//
// `make test` starts one cluster with `kubetest up`, which records it in
// <cache>/shared/state.json, runs every package's tests against it, and stops
// it with `kubetest down`. Shared finds that cluster through the state file
// (or $KUBE_GO_CLUSTER naming another state file).
//
// A plain `go test` with no running shared cluster starts a private cluster
// for the test process instead; packages that call Shared must then run
// their tests through Main, which stops that cluster when the tests end.
// With $KUBE_GO_KEEP_CLUSTER=1 it starts the shared cluster instead (under
// a file lock, so that test processes running in parallel start it once)
// and leaves it running for later test processes, like `kubetest up`;
// `kubetest down` stops it.

var (
	sharedOnce sync.Once
	shared     *Cluster
	sharedErr  error
	ownCluster bool
	inMain     bool
)

// SharedStateFile is the state file of the cluster started by `kubetest up`.
func SharedStateFile() (string, error) {
	if f := os.Getenv("KUBE_GO_CLUSTER"); f != "" {
		return f, nil
	}
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, "shared", "state.json"), nil
}

// Main runs a package's tests (call it from TestMain) and stops the private
// cluster Shared may have started. It exits with the tests' exit code.
func Main(m *testing.M) {
	inMain = true
	code := m.Run()
	if ownCluster && shared != nil {
		shared.Stop()
	}
	os.Exit(code)
}

// Shared returns the test cluster, starting it if needed (see above). If no
// cluster can be had, the test fails (it never skips) with the reason and
// the tails of the component logs. When the test fails later, the tail of
// the apiserver log is added to its output.
func Shared(tb testing.TB) *Cluster {
	tb.Helper()
	sharedOnce.Do(func() { shared, sharedErr = connectOrStart() })
	if sharedErr != nil {
		tb.Fatalf("e2e: the test cluster is not available: %v", sharedErr)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("e2e: cluster log tails after failure:\n%s", shared.LogTails(15))
		}
	})
	return shared
}

func connectOrStart() (*Cluster, error) {
	state, err := SharedStateFile()
	if err != nil {
		return nil, err
	}
	if c, err := Load(state); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := c.Healthy(ctx)
		switch {
		case err == nil:
			return c, nil
		case os.Getenv(KeepClusterEnv) != "1":
			return nil, fmt.Errorf("the shared cluster recorded in %s is not healthy: %w\n%s", state, err, c.LogTails(20))
		}
		// With KeepClusterEnv, startShared replaces it.
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	if os.Getenv(KeepClusterEnv) == "1" {
		return startShared(ctx, state)
	}
	if !inMain {
		return nil, fmt.Errorf("no shared cluster is running (no %s) and this package's TestMain does not call testutil.Main, so a private cluster could not be stopped; run `make cluster-up` or `make test`, or set %s=1", state, KeepClusterEnv)
	}
	c, err := Start(ctx, StartOptions{Log: os.Stderr})
	if err != nil {
		return nil, err
	}
	ownCluster = true
	return c, nil
}

// KeepClusterEnv names the environment variable that, set to 1, makes
// Shared start the shared cluster when none is running and leave it
// running after the tests, instead of a private cluster for the process.
const KeepClusterEnv = "KUBE_GO_KEEP_CLUSTER"

// startShared starts the shared cluster recorded in state, unless another
// process started it while this one waited for the lock.
func startShared(ctx context.Context, state string) (*Cluster, error) {
	dir := filepath.Dir(state)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockFile(dir + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	if c, err := Load(state); err == nil {
		if err := c.Healthy(ctx); err == nil {
			return c, nil
		}
		c.Stop()
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "testutil: starting the shared cluster in %s (%s=1); it keeps running after the tests: stop it with `kubetest down`\n", dir, KeepClusterEnv)
	return Start(ctx, StartOptions{Dir: dir, Log: os.Stderr})
}

// Token returns the static bearer token of a user registered with the
// apiserver (UserAdmin or UserAlice).
func (c *Cluster) Token(user string) string { return c.Tokens[user] }

// ServiceAccountToken creates the service account if needed and returns a
// token for it from the TokenRequest API, valid for an hour.
func (c *Cluster) ServiceAccountToken(ctx context.Context, namespace, name string) (string, error) {
	admin, err := c.AdminClient()
	if err != nil {
		return "", err
	}
	sa := map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": name}}
	base := c.ServerURL + "/api/v1/namespaces/" + namespace + "/serviceaccounts"
	if _, err := doJSON(ctx, admin, http.MethodPost, base, sa, http.StatusCreated); err != nil && !strings.Contains(err.Error(), "HTTP 409") {
		return "", fmt.Errorf("testutil: create service account: %w", err)
	}
	req := map[string]any{
		"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
		"spec": map[string]any{"expirationSeconds": 3600},
	}
	out, err := doJSON(ctx, admin, http.MethodPost, base+"/"+name+"/token", req, http.StatusCreated)
	if err != nil {
		return "", fmt.Errorf("testutil: token request: %w", err)
	}
	st, _ := out["status"].(map[string]any)
	tok, _ := st["token"].(string)
	if tok == "" {
		return "", fmt.Errorf("testutil: token request returned no token")
	}
	return tok, nil
}

// Kubectl runs kubectl with the admin kubeconfig and returns its standard
// output; tests use it as an oracle independent of the SDK.
func (c *Cluster) Kubectl(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, c.Binaries.Kubectl, append([]string{"--kubeconfig=" + c.KubeconfigPath}, args...)...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// Namespace creates a namespace with a unique name derived from the test's,
// waits until its default service account exists (pods need it), and deletes
// it when the test ends.
func (c *Cluster) Namespace(tb testing.TB) string {
	tb.Helper()
	name := strings.ToLower(tb.Name())
	name = strings.Map(func(r rune) rune {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			return r
		}
		return '-'
	}, name)
	if len(name) > 40 {
		name = name[:40]
	}
	name = strings.Trim(name, "-") + "-" + randomHex(3)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin, err := c.AdminClient()
	if err != nil {
		tb.Fatal(err)
	}
	ns := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name}}
	if _, err := doJSON(ctx, admin, http.MethodPost, c.ServerURL+"/api/v1/namespaces", ns, http.StatusCreated); err != nil {
		tb.Fatalf("e2e: create namespace: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		doJSON(ctx, admin, http.MethodDelete, c.ServerURL+"/api/v1/namespaces/"+name, nil, http.StatusOK)
	})
	if err := c.waitJSON(ctx, admin, "/api/v1/namespaces/"+name+"/serviceaccounts/default", 60*time.Second, func(map[string]any) bool { return true }); err != nil {
		tb.Fatalf("e2e: namespace %s has no default service account: %v", name, err)
	}
	return name
}
