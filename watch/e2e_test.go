package watch_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/selector"
	"github.com/kube-for-go/kube/watch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The e2e tests write through plain HTTP requests to kubectl proxy, an
// oracle independent of the SDK under test.

func apiDo(ctx context.Context, method, url string, body any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	ct := "application/json"
	if method == http.MethodPatch {
		ct = "application/merge-patch+json"
	}
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, url, resp.StatusCode, bytes.TrimSpace(data))
	}
	return nil
}

func podManifest(name, node string, labels map[string]string) map[string]any {
	return map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "labels": labels},
		"spec": map[string]any{
			"nodeName":                      node,
			"terminationGracePeriodSeconds": 0,
			"containers":                    []any{map[string]any{"name": "c", "image": "busybox"}},
			"tolerations":                   []any{map[string]any{"operator": "Exists"}},
		},
	}
}

type e2eEnv struct {
	tc   *testutil.Cluster
	c    *kube.Cluster
	ns   string
	base string // proxy URL of the namespace's pods
}

func newEnv(t *testing.T, tc *testutil.Cluster) e2eEnv {
	c, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	ns := tc.Namespace(t)
	return e2eEnv{tc: tc, c: c, ns: ns, base: tc.ProxyURL + "/api/v1/namespaces/" + ns + "/pods"}
}

func (e e2eEnv) createPod(ctx context.Context, name, node string, labels map[string]string) error {
	return apiDo(ctx, http.MethodPost, e.base, podManifest(name, node, labels))
}

func (e e2eEnv) labelPod(ctx context.Context, name, key, value string) error {
	return apiDo(ctx, http.MethodPatch, e.base+"/"+name, map[string]any{"metadata": map[string]any{"labels": map[string]any{key: value}}})
}

func (e e2eEnv) deletePod(ctx context.Context, name string) error {
	return apiDo(ctx, http.MethodDelete, e.base+"/"+name+"?gracePeriodSeconds=0", nil)
}

// storeDiff compares the store with a fresh list of the server: "" when
// they hold the same objects (key, UID and resourceVersion).
func storeDiff(ctx context.Context, e e2eEnv, store *watch.Store[*kinds.Pod]) (string, error) {
	fresh, err := e.c.Pods.In(e.ns).List(ctx)
	if err != nil {
		return "", err
	}
	want := map[string]string{}
	for _, p := range fresh {
		want[p.Namespace()+"/"+p.Name()] = p.Meta().UID + "@" + p.Version()
	}
	got := map[string]string{}
	for k, p := range store.All() {
		got[k] = p.Meta().UID + "@" + p.Version()
	}
	var diffs []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			diffs = append(diffs, "missing "+k)
		} else if g != v {
			diffs = append(diffs, fmt.Sprintf("stale %s: %s, server %s", k, g, v))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, "phantom "+k)
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "; "), nil
}

// privateCluster starts a cluster of its own for a test that disturbs it
// (restarts, compaction), so other packages' tests on the shared cluster
// are not affected.
func privateCluster(t *testing.T) *testutil.Cluster {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tc, err := testutil.Start(ctx, testutil.StartOptions{Nodes: 1})
	require.NoError(t, err, "start a private cluster")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("private cluster log tails:\n%s", tc.LogTails(20))
		}
		tc.Stop()
	})
	return tc
}

// spySource wraps a view's source: it records the errors the loop sees,
// counts list and watch requests, and can pause new watches (closing the
// current one) to let the cluster change behind the loop's back.
type spySource struct {
	watch.Source[*kinds.Pod]
	mu       sync.Mutex
	errs     []error
	gate     chan struct{} // nil = open
	current  watch.Stream[*kinds.Pod]
	lists    atomic.Int32
	watches  atomic.Int32
	initials atomic.Int32
}

func (s *spySource) Labels(p *kinds.Pod) map[string]string {
	return s.Source.(watch.Labeler[*kinds.Pod]).Labels(p)
}
func (s *spySource) InitialEventsEnd(p *kinds.Pod) bool {
	return s.Source.(watch.StreamingLister[*kinds.Pod]).InitialEventsEnd(p)
}
func (s *spySource) Trim(p *kinds.Pod) *kinds.Pod {
	return s.Source.(watch.Trimmer[*kinds.Pod]).Trim(p)
}
func (s *spySource) Tombstone(k, u, r string) *kinds.Pod {
	return s.Source.(watch.Tombstoner[*kinds.Pod]).Tombstone(k, u, r)
}

func (s *spySource) record(err error) {
	if err != nil && err != io.EOF {
		s.mu.Lock()
		s.errs = append(s.errs, err)
		s.mu.Unlock()
	}
}

func (s *spySource) ListPage(ctx context.Context, o watch.ListOptions) (watch.ListPage[*kinds.Pod], error) {
	s.lists.Add(1)
	p, err := s.Source.ListPage(ctx, o)
	s.record(err)
	return p, err
}

func (s *spySource) OpenWatch(ctx context.Context, o watch.WatchOptions) (watch.Stream[*kinds.Pod], error) {
	s.mu.Lock()
	gate := s.gate
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s.watches.Add(1)
	if o.SendInitialEvents {
		s.initials.Add(1)
	}
	st, err := s.Source.OpenWatch(ctx, o)
	s.record(err)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.current = st
	s.mu.Unlock()
	return spyStream{st, s}, nil
}

type spyStream struct {
	watch.Stream[*kinds.Pod]
	s *spySource
}

func (st spyStream) Next() (watch.Event[*kinds.Pod], error) {
	ev, err := st.Stream.Next()
	st.s.record(err)
	return ev, err
}

// pause makes new watches wait and closes the current one.
func (s *spySource) pause() {
	s.mu.Lock()
	s.gate = make(chan struct{})
	cur := s.current
	s.mu.Unlock()
	if cur != nil {
		cur.Close()
	}
}

func (s *spySource) resume() {
	s.mu.Lock()
	close(s.gate)
	s.gate = nil
	s.mu.Unlock()
}

func (s *spySource) sawGone() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, err := range s.errs {
		var st watch.APIStatus
		if errors.As(err, &st) && watch.Expired(st.StatusCode(), st.StatusReason()) {
			return true
		}
	}
	return false
}

func (s *spySource) errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, err := range s.errs {
		out = append(out, err.Error())
	}
	return out
}

// TestE2ERestart kills and restarts kube-apiserver (of a private cluster)
// while a Store watches pods that are being created, relabelled and
// deleted; afterwards the store must equal a fresh list.
func TestE2ERestart(t *testing.T) {
	tc := privateCluster(t)
	e := newEnv(t, tc)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	node := tc.Nodes[0]

	spy := &spySource{Source: e.c.Pods.In(e.ns).Source()}
	store := watch.NewStore[*kinds.Pod](spy, watch.StoreOptions{LoopOptions: watch.LoopOptions{Backoff: watch.Backoff{Initial: 100 * time.Millisecond, Max: time.Second}}})
	sctx, stop := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- store.Run(sctx) }()
	defer func() {
		stop()
		assert.ErrorIs(t, <-runErr, context.Canceled, "the store ran until stopped")
	}()
	require.NoError(t, store.WaitForSync(ctx))

	// Churn: create pods, relabel and delete older ones, until told to stop.
	var created atomic.Int32
	var wg sync.WaitGroup
	churnCtx, stopChurn := context.WithCancel(ctx)
	defer stopChurn()
	wg.Add(1)
	go func() {
		defer wg.Done()
		rnd := rand.New(rand.NewPCG(1, 2))
		for i := 0; churnCtx.Err() == nil; i++ {
			name := fmt.Sprintf("p-%d", i)
			if e.createPod(churnCtx, name, node, map[string]string{"gen": "0"}) == nil {
				created.Add(1)
			}
			if i > 0 {
				e.labelPod(churnCtx, fmt.Sprintf("p-%d", rnd.IntN(i)), "gen", fmt.Sprint(i))
			}
			if i > 3 && i%3 == 0 {
				e.deletePod(churnCtx, fmt.Sprintf("p-%d", i-3))
			}
			select {
			case <-churnCtx.Done():
			case <-time.After(20 * time.Millisecond): // pace the churn; not a synchronisation
			}
		}
	}()

	testutil.Eventually(t, ctx, "the store to see the churn", func() error {
		if store.Len() < 5 {
			return fmt.Errorf("%d pods in the store", store.Len())
		}
		return nil
	})
	require.NoError(t, tc.StopAPIServer())
	before := created.Load()
	// The churn keeps trying while the apiserver is down (its requests fail).
	require.NoError(t, tc.StartAPIServer(ctx))
	testutil.Eventually(t, ctx, "the churn to create pods after the restart", func() error {
		if created.Load() < before+10 {
			return fmt.Errorf("%d created after the restart", created.Load()-before)
		}
		return nil
	})
	testutil.Eventually(t, ctx, "the store to see pods created after the restart", func() error {
		name := fmt.Sprintf("p-%d", created.Load()-3)
		if _, ok := store.Get(e.ns + "/" + name); !ok {
			return fmt.Errorf("%s not in the store", name)
		}
		return nil
	})
	stopChurn()
	wg.Wait()
	testutil.Eventually(t, ctx, "the store to equal a fresh list", func() error {
		d, err := storeDiff(ctx, e, store)
		if err != nil {
			return err
		}
		if d != "" {
			return errors.New(d)
		}
		return nil
	})
	t.Logf("restart: %d pods created, %d in the store; %d lists, %d watches (%d streaming lists); 410 seen: %v; errors seen: %q",
		created.Load(), store.Len(), spy.lists.Load(), spy.watches.Load(), spy.initials.Load(), spy.sawGone(), spy.errors())
	assert.Greater(t, spy.watches.Load(), int32(1), "the loop reconnected")
}

// TestE2EGone forces a 410: with the apiserver's watch cache off (watches
// go to etcd), the store's watch is paused while pods change and etcd is
// compacted; resuming from the old resourceVersion fails with 410 and the
// loop relists, delivering the difference.
func TestE2EGone(t *testing.T) {
	tc := privateCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	require.NoError(t, tc.RestartAPIServer(ctx, "--watch-cache=false"))
	e := newEnv(t, tc)
	node := tc.Nodes[0]
	for _, n := range []string{"a", "b", "c"} {
		require.NoError(t, e.createPod(ctx, n, node, map[string]string{"app": "web"}))
	}

	spy := &spySource{Source: e.c.Pods.In(e.ns).Source()}
	store := watch.NewStore[*kinds.Pod](spy, watch.StoreOptions{LoopOptions: watch.LoopOptions{Backoff: watch.Backoff{Initial: 100 * time.Millisecond, Max: time.Second}}})
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go store.Run(sctx)
	require.NoError(t, store.WaitForSync(ctx))
	testutil.Eventually(t, ctx, "the store to hold a, b, c", func() error {
		if store.Len() != 3 {
			return fmt.Errorf("%d pods", store.Len())
		}
		return nil
	})
	var changes []string
	var chMu sync.Mutex
	chDone := make(chan struct{})
	go func() {
		defer close(chDone)
		for ev, err := range store.Changes(sctx) {
			if err != nil {
				return
			}
			chMu.Lock()
			changes = append(changes, string(ev.Type)+" "+ev.Object.Name())
			chMu.Unlock()
		}
	}()
	spy.pause()
	listsBefore := spy.lists.Load() + spy.initials.Load()
	require.NoError(t, e.deletePod(ctx, "a"))
	require.NoError(t, e.labelPod(ctx, "b", "app", "db"))
	require.NoError(t, e.createPod(ctx, "d", node, map[string]string{"app": "web"}))
	rev, err := tc.CompactEtcd(ctx)
	require.NoError(t, err)
	t.Logf("etcd compacted at revision %d", rev)
	spy.resume()

	testutil.Eventually(t, ctx, "the store to equal a fresh list", func() error {
		d, err := storeDiff(ctx, e, store)
		if err != nil {
			return err
		}
		if d != "" {
			return errors.New(d)
		}
		return nil
	})
	assert.True(t, spy.sawGone(), "the resumed watch failed with 410 Gone; errors: %v", spy.errors())
	assert.Greater(t, spy.lists.Load()+spy.initials.Load(), listsBefore, "the loop relisted")
	_, ok := store.Get(e.ns + "/a")
	assert.False(t, ok, "a deleted during the pause is gone from the store")
	b, ok := store.Get(e.ns + "/b")
	require.True(t, ok)
	assert.Equal(t, "db", b.Labels().Value("app"))
	web, err := store.List(selector.MustParse("app=web"))
	require.NoError(t, err)
	assert.Equal(t, []string{"c", "d"}, names(web))
	testutil.Eventually(t, ctx, "the change handler to see the relist's difference", func() error {
		chMu.Lock()
		defer chMu.Unlock()
		for _, want := range []string{"DELETED a", "MODIFIED b", "ADDED d"} {
			if !slices.Contains(changes, want) {
				return fmt.Errorf("no %q in %v", want, changes)
			}
		}
		return nil
	})
	stop()
	<-chDone
}

// TestE2EFieldSelector watches with a server-side field selector: only
// pods on one node arrive.
func TestE2EFieldSelector(t *testing.T) {
	tc := testutil.Shared(t)
	e := newEnv(t, tc)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n0, n1 := tc.Nodes[0], tc.Nodes[1]
	require.NoError(t, e.createPod(ctx, "a", n0, nil))
	require.NoError(t, e.createPod(ctx, "b", n1, nil))
	view := e.c.Pods.In(e.ns).Filter(nil, selector.Fields{"spec.nodeName": n0})
	seen := map[string]bool{}
	first := true
	for ev, err := range view.Watch(ctx, watch.Options{InitialList: true}) {
		require.NoError(t, err)
		name := ev.Object.Name()
		seen[string(ev.Type)+" "+name] = true
		assert.Contains(t, []string{"a", "c"}, name, "only pods on %s", n0)
		if first { // the initial list holds a: make changes on both nodes
			first = false
			require.NoError(t, e.createPod(ctx, "c", n0, nil))
			require.NoError(t, e.createPod(ctx, "d", n1, nil))
			require.NoError(t, e.deletePod(ctx, "b"))
			require.NoError(t, e.deletePod(ctx, "a"))
		}
		if seen["ADDED c"] && seen["DELETED a"] {
			break
		}
	}
	assert.True(t, seen["ADDED a"], "the initial list")
}

// TestE2EWaitForDeploymentRollout waits for a Deployment rollout to be
// Available through kwok, then for a second rollout after an image change,
// and for one of its pods Ready and, after deleting it, Absent.
func TestE2EWaitForDeploymentRollout(t *testing.T) {
	tc := testutil.Shared(t)
	e := newEnv(t, tc)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	deps := tc.ProxyURL + "/apis/apps/v1/namespaces/" + e.ns + "/deployments"
	dep := map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web"},
		"spec": map[string]any{
			"replicas": 3,
			"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
				"spec": map[string]any{
					"containers":  []any{map[string]any{"name": "web", "image": "nginx:1"}},
					"tolerations": []any{map[string]any{"operator": "Exists"}},
				},
			},
		},
	}
	require.NoError(t, apiDo(ctx, http.MethodPost, deps, dep))
	view := e.c.Deployments.In(e.ns)
	available := watch.Or(kinds.DeploymentIsAvailable(), kinds.DeploymentStalled())
	d, err := watch.WaitFor(ctx, view.ObjectSource("web"), available)
	require.NoError(t, err)
	assert.EqualValues(t, 1, d.Meta().Generation)
	avail, err := d.Status().AvailableReplicas()
	require.NoError(t, err)
	assert.EqualValues(t, 3, avail)

	require.NoError(t, apiDo(ctx, http.MethodPatch, deps+"/web", map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "web", "image": "nginx:2"}}}}}}))
	d, err = watch.WaitFor(ctx, view.ObjectSource("web"), available)
	require.NoError(t, err)
	assert.EqualValues(t, 2, d.Meta().Generation, "the second rollout")
	og, err := d.Status().ObservedGeneration()
	require.NoError(t, err)
	assert.EqualValues(t, 2, og)
	upd, err := d.Status().UpdatedReplicas()
	require.NoError(t, err)
	assert.EqualValues(t, 3, upd)

	// Item-level waits on one of its pods.
	pods, err := e.c.Pods.In(e.ns).Filter(selector.Expr("app=web"), nil).List(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, pods)
	name := pods[0].Name()
	p, err := watch.WaitFor(ctx, e.c.Pods.In(e.ns).ObjectSource(name), watch.And(kinds.PodIsRunning(), kinds.PodIsReady()))
	require.NoError(t, err)
	assert.True(t, p.Status().Ready())
	require.NoError(t, e.deletePod(ctx, name))
	_, err = watch.WaitFor(ctx, e.c.Pods.In(e.ns).ObjectSource(name), watch.Absent[*kinds.Pod]())
	require.NoError(t, err)
}

// TestE2EStoreTrimsManagedFields measures the JSON an item keeps for a
// real pod with and without metadata.managedFields.
func TestE2EStoreTrimsManagedFields(t *testing.T) {
	tc := testutil.Shared(t)
	e := newEnv(t, tc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, e.createPod(ctx, "m", tc.Nodes[0], map[string]string{"app": "m"}))
	// Compare at the same version once kwok has reported the pod Running.
	_, err := watch.WaitFor(ctx, e.c.Pods.In(e.ns).ObjectSource("m"), kinds.PodIsRunning())
	require.NoError(t, err)
	store := watch.NewStore(e.c.Pods.In(e.ns).Source(), watch.StoreOptions{})
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go store.Run(sctx)
	require.NoError(t, store.WaitForSync(ctx))
	var full, cached *kinds.Pod
	testutil.Eventually(t, ctx, "the store and a fresh read at the same version", func() error {
		var err error
		if full, err = e.c.Pods.In(e.ns).Get(ctx, "m"); err != nil {
			return err
		}
		var ok bool
		if cached, ok = store.Get(e.ns + "/m"); !ok || cached.Version() != full.Version() {
			return errors.New("versions differ")
		}
		return nil
	})
	require.True(t, bytes.Contains(full.Raw(), []byte(`"managedFields"`)), "the server sends managedFields")
	assert.False(t, bytes.Contains(cached.Raw(), []byte(`"managedFields"`)))
	assert.Equal(t, full.Meta().UID, cached.Meta().UID)
	assert.Equal(t, full.Labels().Map(), cached.Labels().Map())
	assert.Equal(t, full.Spec(), cached.Spec(), "only managedFields is dropped")
	t.Logf("raw JSON of a real pod: %d bytes as sent, %d bytes cached (%.0f%%)", len(full.Raw()), len(cached.Raw()), 100*float64(len(cached.Raw()))/float64(len(full.Raw())))
	assert.Less(t, len(cached.Raw()), len(full.Raw()))
}

// TestE2EStreamingListIsUsed checks, against the real API server (which
// supports sendInitialEvents), that the loop's detection of servers that
// ignore it raises no false alarm: the Store syncs with one streaming
// list, no paginated list, and no error to recover from.
func TestE2EStreamingListIsUsed(t *testing.T) {
	tc := testutil.Shared(t)
	e := newEnv(t, tc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, n := range []string{"a", "b", "c"} {
		require.NoError(t, e.createPod(ctx, n, tc.Nodes[0], map[string]string{"app": "s"}))
	}
	spy := &spySource{Source: e.c.Pods.In(e.ns).Source()}
	var retried []error
	var mu sync.Mutex
	store := watch.NewStore[*kinds.Pod](spy, watch.StoreOptions{LoopOptions: watch.LoopOptions{OnRetry: func(err error, _ time.Duration) {
		mu.Lock()
		retried = append(retried, err)
		mu.Unlock()
	}}})
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go store.Run(sctx)
	require.NoError(t, store.WaitForSync(ctx))
	d, err := storeDiff(ctx, e, store)
	require.NoError(t, err)
	assert.Empty(t, d, "the synced store equals a fresh list")
	assert.Equal(t, int32(1), spy.initials.Load(), "one streaming list")
	assert.Equal(t, int32(0), spy.lists.Load(), "no fallback to paginated lists")
	require.NoError(t, e.deletePod(ctx, "b"))
	testutil.Eventually(t, ctx, "the store to see the deletion", func() error {
		if _, ok := store.Get(e.ns + "/b"); ok {
			return errors.New("b still cached")
		}
		return nil
	})
	assert.NoError(t, store.Err())
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, retried, "nothing to recover from")
}

// TestE2ELegacyServerFallback makes the real API server look like one
// that ignores sendInitialEvents (before Kubernetes 1.27): a proxy drops
// sendInitialEvents and resourceVersionMatch from requests, and the
// initial-events-end annotation from the bookmarks of the stream (1.34
// still sends it to a watch from "now" with bookmarks; older servers do
// not). The store must sync, fall back to list + watch, and lose no
// deletion (issue #11.7).
func TestE2ELegacyServerFallback(t *testing.T) {
	tc := testutil.Shared(t)
	e := newEnv(t, tc)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, n := range []string{"a", "b", "c"} {
		require.NoError(t, e.createPod(ctx, n, tc.Nodes[0], nil))
	}
	target, err := url.Parse(tc.ProxyURL)
	require.NoError(t, err)
	var dropped atomic.Int32
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1
	var stripped atomic.Int32
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Query().Get("watch") == "true" {
			resp.Body = &legacyFrames{r: bufio.NewReader(resp.Body), c: resp.Body, stripped: &stripped}
		}
		return nil
	}
	legacy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Has("sendInitialEvents") {
			dropped.Add(1)
			q.Del("sendInitialEvents")
			q.Del("resourceVersionMatch")
			r.URL.RawQuery = q.Encode()
		}
		rp.ServeHTTP(w, r)
	}))
	defer legacy.Close()
	c, err := kube.New(kube.Options{URL: legacy.URL})
	require.NoError(t, err)
	defer c.Close()

	spy := &spySource{Source: c.Pods.In(e.ns).Source()}
	var retried []string
	var mu sync.Mutex
	store := watch.NewStore[*kinds.Pod](spy, watch.StoreOptions{LoopOptions: watch.LoopOptions{OnRetry: func(err error, _ time.Duration) {
		mu.Lock()
		retried = append(retried, err.Error())
		mu.Unlock()
	}}})
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go store.Run(sctx)
	require.NoError(t, store.WaitForSync(ctx), "the store syncs with a server that ignores sendInitialEvents")
	assert.GreaterOrEqual(t, dropped.Load(), int32(1), "the streaming list was tried")
	assert.GreaterOrEqual(t, spy.lists.Load(), int32(1), "then a paginated list")
	require.NoError(t, e.deletePod(ctx, "b"))
	require.NoError(t, e.createPod(ctx, "d", tc.Nodes[0], nil))
	testutil.Eventually(t, ctx, "the store to equal a fresh list", func() error {
		d, err := storeDiff(ctx, e, store)
		if err != nil {
			return err
		}
		if d != "" {
			return errors.New(d)
		}
		return nil
	})
	assert.NoError(t, store.Err())
	mu.Lock()
	defer mu.Unlock()
	t.Logf("recovered from: %q; end annotations stripped: %d", retried, stripped.Load())
	require.NotEmpty(t, retried)
	assert.Contains(t, retried[0], "does not support the streaming initial list")
}

// legacyFrames removes the initial-events-end annotation from the frames
// of a watch response (one JSON document per line, as the API server
// frames them).
type legacyFrames struct {
	r        *bufio.Reader
	c        io.Closer
	buf      []byte
	stripped *atomic.Int32
}

func (l *legacyFrames) Read(p []byte) (int, error) {
	if len(l.buf) == 0 {
		line, err := l.r.ReadBytes('\n')
		if len(line) == 0 {
			return 0, err
		}
		const end = `,"annotations":{"k8s.io/initial-events-end":"true"}`
		if bytes.Contains(line, []byte(end)) {
			l.stripped.Add(1)
			line = bytes.ReplaceAll(line, []byte(end), nil)
		}
		l.buf = line
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}

func (l *legacyFrames) Close() error { return l.c.Close() }
