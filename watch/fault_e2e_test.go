package watch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
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
	"github.com/kube-for-go/kube/watch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestE2EFaults runs pod churn (a few hundred pods created, relabelled and
// deleted over about 70 s) in a namespace of the test cluster while, for
// each kind of fault and for all of them mixed, a watch.Store and a raw
// watch.Watch consumer read the pods through their own fault proxy in
// front of kubectl proxy. Each proxy injects only its kind of fault, at
// random with a fixed seed and a bounded budget, so a failure names the
// fault the SDK does not survive. When the churn ends the proxies stop
// injecting, and every consumer must then hold exactly what a fresh list
// of the server says (0 missing, 0 phantom, 0 stale resourceVersions)
// within a bounded time. The whole test takes about two minutes.
//
// Stalls last two minutes (longer than the test) unless the client gives
// up: a client without a bound on how long it waits for headers or for
// body progress never converges.
func TestE2EFaults(t *testing.T) {
	tc := testutil.Shared(t)
	t.Parallel()
	const (
		churnFor  = 70 * time.Second
		settleFor = 40 * time.Second
		stall     = 2 * time.Minute
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ns := tc.Namespace(t)
	podsURL := tc.ProxyURL + "/api/v1/namespaces/" + ns + "/pods"

	all := map[testutil.FaultKind]int{}
	for _, k := range testutil.FaultKinds() {
		all[k] = 2
	}
	scenarios := []*faultScenario{
		{name: "cut", rate: 0.5, budget: map[testutil.FaultKind]int{testutil.FaultCut: 12}},
		{name: "truncate", rate: 0.5, budget: map[testutil.FaultKind]int{testutil.FaultTruncate: 12}},
		{name: "garble", rate: 0.5, budget: map[testutil.FaultKind]int{testutil.FaultGarble: 4}},
		{name: "stall-headers", rate: 0.3, budget: map[testutil.FaultKind]int{testutil.FaultStallHeaders: 3}},
		{name: "stall-body", rate: 0.3, budget: map[testutil.FaultKind]int{testutil.FaultStallBody: 3}},
		{name: "429", rate: 0.4, budget: map[testutil.FaultKind]int{testutil.FaultTooManyRequests: 6}},
		{name: "5xx", rate: 0.4, budget: map[testutil.FaultKind]int{testutil.FaultServerError: 6}},
		{name: "410", rate: 0.4, budget: map[testutil.FaultKind]int{testutil.FaultGone: 6}},
		{name: "410-in-stream", rate: 0.4, budget: map[testutil.FaultKind]int{testutil.FaultGoneInStream: 6}},
		{name: "all", rate: 0.3, budget: all},
	}
	runCtx, stopConsumers := context.WithCancel(ctx)
	defer stopConsumers()
	for i, s := range scenarios {
		p, err := testutil.NewFaultProxy(tc.ProxyURL, testutil.FaultProxyOptions{
			Seed: uint64(1000 + i), Rate: s.rate, Budget: s.budget, MaxAfterFrames: 60, Stall: stall,
		})
		require.NoError(t, err)
		s.proxy = p
		t.Cleanup(func() { p.Close() })
		c, err := kube.New(kube.Options{URL: p.URL()})
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		s.start(runCtx, c.Pods.In(ns).Source())
	}

	// Churn through kubectl proxy directly (no faults): create a pod,
	// relabel a random live one, delete the oldest live one every other
	// step, paced at five steps a second.
	churn := &faultChurn{url: podsURL, nodes: tc.Nodes}
	churnCtx, stopChurn := context.WithTimeout(ctx, churnFor)
	churn.run(churnCtx)
	stopChurn()
	for _, s := range scenarios {
		s.proxy.SetRate(0)
	}
	t.Logf("churn: %d pods created, %d relabels, %d deletes, %d write errors (first: %v)",
		churn.created, churn.relabels, churn.deletes, churn.errs, churn.firstErr)
	require.Greater(t, churn.created, 150, "the churn created a few hundred pods")

	// Wait (bounded) until every consumer equals a fresh list.
	settle, stopSettle := context.WithTimeout(ctx, settleFor)
	defer stopSettle()
	var fresh map[string]string
	for {
		var err error
		fresh, err = faultFreshList(settle, podsURL)
		if err == nil {
			done := true
			for _, s := range scenarios {
				if !s.converged(fresh) {
					done = false
				}
			}
			if done {
				break
			}
		}
		if settle.Err() != nil {
			fresh, err = faultFreshList(ctx, podsURL)
			require.NoError(t, err, "a fresh list after the settle time")
			break
		}
		select {
		case <-settle.Done():
		case <-time.After(500 * time.Millisecond): // poll interval, not a synchronisation
		}
	}

	// Stop the consumers; each must return promptly when asked to.
	stopConsumers()
	for _, s := range scenarios {
		s.waitStopped(10 * time.Second)
	}
	for _, s := range scenarios {
		s.proxy.Close()
	}

	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			s.report(t, fresh)
		})
	}
}

// faultScenario is one fault proxy with its two consumers.
type faultScenario struct {
	name   string
	rate   float64
	budget map[testutil.FaultKind]int
	proxy  *testutil.FaultProxy

	store      *watch.Store[*kinds.Pod]
	storeErr   chan error // Run's result
	storeRetry faultErrLog
	raw        faultRawConsumer
	rawDone    chan struct{}

	storeEnded, rawStuck, storeStuck bool
	storeRunErr                      error
	convergedAt                      time.Time
}

func faultWatchOptions(retries *faultErrLog) watch.Options {
	return watch.Options{
		// Short server-side timeouts make the consumers reconnect every
		// few seconds, so faults on request headers get their chance.
		TimeoutSeconds: 5,
		IdleTimeout:    15 * time.Second,
		Backoff:        watch.Backoff{Initial: 100 * time.Millisecond, Max: 2 * time.Second},
		OnRetry:        func(err error, _ time.Duration) { retries.add(err) },
	}
}

func (s *faultScenario) start(ctx context.Context, src watch.Source[*kinds.Pod]) {
	s.store = watch.NewStore[*kinds.Pod](src, watch.StoreOptions{Watch: faultWatchOptions(&s.storeRetry)})
	s.storeErr = make(chan error, 1)
	go func() { s.storeErr <- s.store.Run(ctx) }()
	s.rawDone = make(chan struct{})
	go func() {
		defer close(s.rawDone)
		s.raw.run(ctx, src)
	}()
}

// storeState is the store's content as key → uid@resourceVersion.
func (s *faultScenario) storeState() map[string]string {
	got := map[string]string{}
	for k, p := range s.store.All() {
		got[k] = p.Meta().UID + "@" + p.Version()
	}
	return got
}

func (s *faultScenario) converged(fresh map[string]string) bool {
	if !s.convergedAt.IsZero() {
		return true
	}
	if faultDiff(fresh, s.storeState()).empty() && faultDiff(fresh, s.raw.snapshot()).empty() {
		s.convergedAt = time.Now()
		return true
	}
	return false
}

// waitStopped waits (at most d each) for the consumers to return after
// their context was cancelled, and notes the ones that did not.
func (s *faultScenario) waitStopped(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case s.storeRunErr = <-s.storeErr:
		s.storeEnded = true
	case <-t.C:
		s.storeStuck = true
	}
	t2 := time.NewTimer(d)
	defer t2.Stop()
	select {
	case <-s.rawDone:
	case <-t2.C:
		s.rawStuck = true
	}
}

func (s *faultScenario) report(t *testing.T, fresh map[string]string) {
	counts := s.proxy.Counts()
	t.Logf("%s: faults injected %v (budget %v), requests %v; store: %d retries %s; raw watch: %d retries %s, %d restarts after %d errors yielded %s; converged: %v",
		s.name, counts, s.budget, faultRequests(s.proxy.Requests()), s.storeRetry.n(), s.storeRetry.sample(),
		s.raw.retries.n(), s.raw.retries.sample(), s.raw.restarts.Load(), s.raw.errs.n(), s.raw.errs.sample(), !s.convergedAt.IsZero())
	total := 0
	for k, n := range counts {
		total += n
		assert.LessOrEqual(t, n, s.budget[k], "the proxy keeps to its budget for %s", k)
	}
	assert.Positive(t, total, "faults were injected (a scenario without faults proves nothing)")

	assert.False(t, s.storeStuck, "Store.Run returned within 10s of its context being cancelled")
	assert.False(t, s.rawStuck, "the raw Watch consumer returned within 10s of its context being cancelled")
	if s.storeEnded {
		assert.ErrorIs(t, s.storeRunErr, context.Canceled, "Store.Run ran until it was stopped (it must not give up on a fault)")
	}
	d := faultDiff(fresh, s.storeState())
	assert.True(t, d.empty(), "the Store equals a fresh list: %s", d)
	d = faultDiff(fresh, s.raw.snapshot())
	assert.True(t, d.empty(), "the raw Watch consumer equals a fresh list: %s", d)
	if _, garbled := s.budget[testutil.FaultGarble]; !garbled {
		// Only an undecodable frame may end a raw Watch with an error;
		// every other fault is transient and must be handled by the loop.
		assert.Zero(t, s.raw.errs.n(), "the raw Watch yielded no error: %s", s.raw.errs.sample())
	}
}

func faultRequests(m map[testutil.RequestClass]int) string {
	var parts []string
	for c, n := range m {
		parts = append(parts, fmt.Sprintf("%s:%d", c, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// faultRawConsumer applies the events of watch.Watch to a map, as a user
// of the raw iterator would. When the iterator ends with an error it
// records the error and starts a new Watch with InitialList from an empty
// state (the new initial list rebuilds it).
type faultRawConsumer struct {
	mu       sync.Mutex
	state    map[string]string
	errs     faultErrLog
	retries  faultErrLog
	restarts atomic.Int32
}

func (c *faultRawConsumer) run(ctx context.Context, src watch.Source[*kinds.Pod]) {
	for ctx.Err() == nil {
		c.mu.Lock()
		c.state = map[string]string{}
		c.mu.Unlock()
		opts := faultWatchOptions(&c.retries)
		opts.InitialList = true
		for ev, err := range watch.Watch(ctx, src, opts) {
			if err != nil {
				if ctx.Err() == nil {
					c.errs.add(err)
				}
				break
			}
			key := ev.Object.Namespace() + "/" + ev.Object.Name()
			c.mu.Lock()
			switch ev.Type {
			case watch.Added, watch.Modified:
				c.state[key] = ev.Object.Meta().UID + "@" + ev.Object.Version()
			case watch.Deleted:
				delete(c.state, key)
			}
			c.mu.Unlock()
		}
		if ctx.Err() != nil {
			return
		}
		c.restarts.Add(1)
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond): // restart backoff
		}
	}
}

func (c *faultRawConsumer) snapshot() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]string, len(c.state))
	for k, v := range c.state {
		out[k] = v
	}
	return out
}

// faultErrLog counts errors and keeps the first few distinct messages.
type faultErrLog struct {
	mu    sync.Mutex
	count int
	first []string
}

func (l *faultErrLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count++
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	if len(l.first) < 5 && !slices.Contains(l.first, msg) {
		l.first = append(l.first, msg)
	}
}

func (l *faultErrLog) n() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count
}

func (l *faultErrLog) sample() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.first) == 0 {
		return ""
	}
	return fmt.Sprintf("%q", l.first)
}

// faultStateDiff is how a consumer's state differs from the server's.
type faultStateDiff struct{ missing, phantom, stale []string }

func (d faultStateDiff) empty() bool {
	return len(d.missing)+len(d.phantom)+len(d.stale) == 0
}

func (d faultStateDiff) String() string {
	head := func(s []string) []string { return s[:min(len(s), 5)] }
	return fmt.Sprintf("%d missing %v, %d phantom %v, %d stale %v",
		len(d.missing), head(d.missing), len(d.phantom), head(d.phantom), len(d.stale), head(d.stale))
}

func faultDiff(want, got map[string]string) faultStateDiff {
	var d faultStateDiff
	for k, v := range want {
		if g, ok := got[k]; !ok {
			d.missing = append(d.missing, k)
		} else if g != v {
			d.stale = append(d.stale, fmt.Sprintf("%s (%s, server %s)", k, g, v))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			d.phantom = append(d.phantom, k)
		}
	}
	sort.Strings(d.missing)
	sort.Strings(d.phantom)
	sort.Strings(d.stale)
	return d
}

// faultFreshList lists the pods straight from kubectl proxy (not through
// the SDK): key → uid@resourceVersion.
func faultFreshList(ctx context.Context, url string) (map[string]string, error) {
	body, err := faultDo(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	var list struct {
		Items []struct {
			Metadata struct{ Name, Namespace, UID, ResourceVersion string }
		}
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, it := range list.Items {
		m := it.Metadata
		out[m.Namespace+"/"+m.Name] = m.UID + "@" + m.ResourceVersion
	}
	return out, nil
}

var faultHTTP = &http.Client{Timeout: 30 * time.Second}

func faultDo(ctx context.Context, method, url string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	ct := "application/json"
	if method == http.MethodPatch {
		ct = "application/merge-patch+json"
	}
	req.Header.Set("Content-Type", ct)
	resp, err := faultHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, url, resp.StatusCode, bytes.TrimSpace(data))
	}
	return data, nil
}

// faultChurn creates, relabels and deletes pods.
type faultChurn struct {
	url   string
	nodes []string

	created, relabels, deletes, errs int
	firstErr                         error
}

func (c *faultChurn) note(err error) bool {
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		c.errs++
		if c.firstErr == nil {
			c.firstErr = err
		}
	}
	return err == nil
}

func (c *faultChurn) run(ctx context.Context) {
	rnd := rand.New(rand.NewPCG(11, 12))
	var live []string
	tick := time.NewTicker(200 * time.Millisecond) // pacing, not synchronisation
	defer tick.Stop()
	for i := 0; ctx.Err() == nil; i++ {
		name := fmt.Sprintf("f-%d", i)
		pod := map[string]any{
			"apiVersion": "v1", "kind": "Pod",
			"metadata": map[string]any{"name": name, "labels": map[string]string{"gen": "0"}},
			"spec": map[string]any{
				"nodeName":                      c.nodes[i%len(c.nodes)],
				"terminationGracePeriodSeconds": 0,
				"containers":                    []any{map[string]any{"name": "c", "image": "busybox"}},
				"tolerations":                   []any{map[string]any{"operator": "Exists"}},
			},
		}
		if _, err := faultDo(ctx, http.MethodPost, c.url, pod); c.note(err) {
			c.created++
			live = append(live, name)
		}
		if len(live) > 0 {
			victim := live[rnd.IntN(len(live))]
			patch := map[string]any{"metadata": map[string]any{"labels": map[string]string{"gen": fmt.Sprint(i)}}}
			if _, err := faultDo(ctx, http.MethodPatch, c.url+"/"+victim, patch); c.note(err) {
				c.relabels++
			}
		}
		if i%2 == 1 && len(live) > 10 {
			victim := live[0]
			live = live[1:]
			if _, err := faultDo(ctx, http.MethodDelete, c.url+"/"+victim+"?gracePeriodSeconds=0", nil); c.note(err) {
				c.deletes++
			}
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}
