package kubetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/transport"
)

// ErrSharedCluster is matched (errors.Is) by the error of a knob that would
// disturb the other tests using the shared cluster, such as restarting its
// API server. Start a private cluster for those.
var ErrSharedCluster = errors.New("kubetest: not allowed on the shared cluster (start a private one with kubetest.Start)")

// Static token users of the harness (see Cluster.UserClient).
const (
	// UserAdmin is in group system:masters: it may do anything.
	UserAdmin = testutil.UserAdmin
	// UserAlice is authenticated but has no RBAC permission at all; grant
	// her some with a RoleBinding to the user "alice".
	UserAlice = testutil.UserAlice
)

// Cluster is a running test cluster: the shared one (Shared) or a private
// one (Start, Private). Its methods are safe for concurrent use by parallel
// tests (though a RestartAPIServer cuts the others' connections).
type Cluster struct {
	tc      *testutil.Cluster
	private bool
	own     map[string]bool // nodes created with the cluster
	mu      sync.Mutex      // serialises RestartAPIServer
}

func wrap(tc *testutil.Cluster, private bool) *Cluster {
	c := &Cluster{tc: tc, private: private, own: map[string]bool{}}
	for _, n := range tc.Nodes {
		c.own[n] = true
	}
	return c
}

var (
	sharedMu sync.Mutex
	shared   *Cluster
)

// Main runs a package's tests; call it from TestMain:
//
//	func TestMain(m *testing.M) { kubetest.Main(m) }
//
// When no shared cluster is running, the first Shared of the package
// starts one for the package's tests, and Main stops it when they end. It
// exits the process with the tests' exit code.
func Main(m *testing.M) { testutil.Main(m) }

// Shared returns the shared test cluster, starting it if none is running
// (see the package documentation). When no cluster can be had the test
// fails, saying why with the tails of the component logs; it never skips.
// When a test using it fails, the tail of every component's log is added
// to the test's output.
func Shared(tb testing.TB) *Cluster {
	tb.Helper()
	tc := testutil.Shared(tb)
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared == nil || shared.tc != tc {
		shared = wrap(tc, false)
	}
	return shared
}

// Options configure a private cluster.
type Options struct {
	// Nodes is the number of kwok nodes to create; zero means two.
	Nodes int
	// Log receives progress messages (binary builds, component starts);
	// nil discards them.
	Log io.Writer
}

// Start builds the binaries if needed, starts a private cluster and waits
// until it serves: the apiserver is ready, the nodes are Ready, the default
// service account exists and kubectl proxy answers. The caller must Stop
// it. On failure, everything started is stopped and the error includes the
// tails of the component logs.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Nodes < 0 {
		return nil, fmt.Errorf("kubetest: Options.Nodes is %d, want 0 (two nodes) or more", opts.Nodes)
	}
	tc, err := testutil.Start(ctx, testutil.StartOptions{Nodes: opts.Nodes, Log: opts.Log})
	if err != nil {
		return nil, fmt.Errorf("kubetest: start a private cluster: %w", err)
	}
	return wrap(tc, true), nil
}

// Private starts a private cluster for one test, failing the test if it
// cannot, and stops it when the test ends. Its progress goes to the test
// log.
func Private(tb testing.TB, ctx context.Context, opts Options) *Cluster {
	tb.Helper()
	if opts.Log == nil {
		opts.Log = tbWriter{tb}
	}
	c, err := Start(ctx, opts)
	if err != nil {
		tb.Fatalf("kubetest: %v", err)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("kubetest: private cluster log tails after failure:\n%s", c.tc.LogTails(15))
		}
		c.Stop()
	})
	return c
}

// tbWriter writes to a test's log, one call per line group.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(string(trimNewline(p)))
	return len(p), nil
}

func trimNewline(p []byte) []byte {
	for len(p) > 0 && p[len(p)-1] == '\n' {
		p = p[:len(p)-1]
	}
	return p
}

// Stop stops a private cluster's processes and waits for them to exit; it
// keeps the component logs in the run directory. On the shared cluster it
// does nothing: the shared cluster outlives test processes.
func (c *Cluster) Stop() {
	if c.private {
		c.tc.Stop()
	}
}

// Private reports whether the cluster is private to its creator (Start,
// Private) rather than the shared one.
func (c *Cluster) Private() bool { return c.private }

// ProxyURL is the URL of kubectl proxy in front of the API server: plain
// HTTP on loopback, no authentication, acting as the cluster administrator.
func (c *Cluster) ProxyURL() string { return c.tc.ProxyURL }

// ServerURL is the API server's own HTTPS URL; connect with CAPEM and a
// credential (KubeconfigPath, a token).
func (c *Cluster) ServerURL() string { return c.tc.ServerURL }

// CAPEM returns the PEM certificate of the authority that signed the API
// server's serving certificate (and the admin client certificate).
func (c *Cluster) CAPEM() []byte { return append([]byte(nil), c.tc.CAPEM...) }

// KubeconfigPath is the path of a kubeconfig for the cluster administrator
// (client certificate in system:masters), for tools such as kubectl or
// transport.LoadKubeconfig. Its namespace is "default".
func (c *Cluster) KubeconfigPath() string { return c.tc.KubeconfigPath }

// Nodes returns the names of the nodes the cluster was started with (not
// those added by AddNode).
func (c *Cluster) Nodes() []string { return append([]string(nil), c.tc.Nodes...) }

// Client returns a client that talks through kubectl proxy (ProxyURL) as
// the administrator. It is closed when the test ends.
func (c *Cluster) Client(tb testing.TB) *kube.Cluster {
	tb.Helper()
	return c.newClient(tb, "proxy", func() (*kube.Cluster, error) {
		return kube.New(kube.Options{URL: c.tc.ProxyURL})
	})
}

// AdminClient returns a client that talks to ServerURL over HTTPS with the
// admin kubeconfig (KubeconfigPath), through the transport package as a
// user's program would. It is closed when the test ends.
func (c *Cluster) AdminClient(tb testing.TB) *kube.Cluster {
	tb.Helper()
	return c.newClient(tb, "admin kubeconfig", func() (*kube.Cluster, error) {
		cfg, err := transport.LoadKubeconfig(transport.KubeconfigOptions{Paths: []string{c.tc.KubeconfigPath}})
		if err != nil {
			return nil, err
		}
		return kube.NewFromConfig(cfg)
	})
}

// Token returns the static bearer token of a harness user (UserAdmin,
// UserAlice), or a zero Secret for another name.
func (c *Cluster) Token(user string) transport.Secret {
	if tok := c.tc.Token(user); tok != "" {
		return transport.NewSecret(tok)
	}
	return transport.Secret{}
}

// TokenConfig returns a transport configuration for ServerURL that
// trusts the cluster's CA and authenticates with token.
func (c *Cluster) TokenConfig(token transport.Secret) *transport.Config {
	return &transport.Config{
		Server:      c.tc.ServerURL,
		TLS:         transport.TLSConfig{CAData: c.CAPEM()},
		BearerToken: token,
	}
}

// UserClient returns a client that talks to ServerURL over HTTPS with the
// static token of a harness user (UserAdmin, UserAlice). It is closed when
// the test ends.
func (c *Cluster) UserClient(tb testing.TB, user string) *kube.Cluster {
	tb.Helper()
	tok := c.Token(user)
	if tok.IsZero() {
		tb.Fatalf("kubetest: no static token for user %q (want %q or %q)", user, UserAdmin, UserAlice)
	}
	return c.newClient(tb, "user "+user, func() (*kube.Cluster, error) {
		return kube.NewFromConfig(c.TokenConfig(tok))
	})
}

func (c *Cluster) newClient(tb testing.TB, what string, mk func() (*kube.Cluster, error)) *kube.Cluster {
	tb.Helper()
	cl, err := mk()
	if err != nil {
		tb.Fatalf("kubetest: client (%s): %v", what, err)
	}
	tb.Cleanup(func() { cl.Close() })
	return cl
}

// Namespace creates a namespace named after the test (plus a random
// suffix), waits until its default service account exists (pods need it)
// and deletes it when the test ends.
func (c *Cluster) Namespace(tb testing.TB) string {
	tb.Helper()
	return c.tc.Namespace(tb)
}

// Kubectl runs the pinned kubectl with the admin kubeconfig, stdin as its
// standard input when not empty, and returns its standard output: an
// oracle independent of the SDK.
func (c *Cluster) Kubectl(ctx context.Context, stdin string, args ...string) (string, error) {
	return c.tc.Kubectl(ctx, stdin, args...)
}

// CompactEtcd compacts etcd's history up to its current revision, the way
// kube-apiserver's periodic compactor does (it records the revision in the
// key the API server watches), and returns that revision. It then waits
// until the API server answers 410 Gone (sdk.ErrGone) to an exact list at
// an older resourceVersion of each collection in paths ("/api/v1/pods" when
// none is given), such as "/apis/apps/v1/deployments": the watch cache of
// each resource learns of a compaction on its own, within 15 seconds. From
// then on, lists at older resourceVersions and continue tokens from before
// fail with 410 Gone (a watch from an older resourceVersion still succeeds
// while the watch cache holds its events), as they do on any cluster every
// five minutes (the API server's own compaction period): that is why it is
// allowed on the shared cluster.
func (c *Cluster) CompactEtcd(ctx context.Context, paths ...string) (int64, error) {
	ectx, cancel := context.WithTimeout(ctx, compactWait)
	rev, err := c.tc.CompactEtcdAnnounced(ectx)
	cancel()
	if err != nil {
		return 0, fmt.Errorf("kubetest: compact etcd: %w", err)
	}
	if len(paths) == 0 {
		paths = []string{"/api/v1/pods"}
	}
	cl, err := c.proxy()
	if err != nil {
		return 0, err
	}
	defer cl.close()
	old := url.Values{"resourceVersion": {strconv.FormatInt(rev-1, 10)}, "resourceVersionMatch": {"Exact"}, "limit": {"1"}}
	for _, p := range paths {
		err := waitFor(ctx, compactWait, func() error {
			_, err := cl.p.Get(ctx, p, old)
			switch {
			case errors.Is(err, sdk.ErrGone):
				return nil
			case err == nil:
				return fmt.Errorf("an exact list at resourceVersion %d still succeeds", rev-1)
			default:
				return err
			}
		})
		if err != nil {
			return rev, fmt.Errorf("kubetest: compact etcd at revision %d: the API server does not report it for %s: %w", rev, p, err)
		}
	}
	return rev, nil
}

// compactWait bounds the wait for the API server to learn of a compaction
// (its watch caches poll every 15 seconds).
const compactWait = 45 * time.Second

// RestartAPIServer kills kube-apiserver (SIGKILL, like a crash: open
// connections and watches are cut) and starts it again, returning once it
// is ready. Clients reconnect by themselves (kubectl proxy included). Only
// on a private cluster: on the shared one it fails with ErrSharedCluster.
func (c *Cluster) RestartAPIServer(ctx context.Context) error {
	if !c.private {
		return fmt.Errorf("restart the API server: %w", ErrSharedCluster)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.tc.RestartAPIServer(ctx); err != nil {
		return fmt.Errorf("kubetest: restart the API server: %w", err)
	}
	return nil
}

// Eventually calls cond every 20 ms until it returns nil, and fails the
// test with cond's last error when ctx ends first: how tests wait for the
// cluster to converge without sleeping.
func Eventually(tb testing.TB, ctx context.Context, what string, cond func() error) {
	tb.Helper()
	testutil.Eventually(tb, ctx, what, cond)
}
