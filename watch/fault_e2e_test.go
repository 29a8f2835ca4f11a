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
// deleted over about 70 s, at most 50 live at once) in a namespace of the test cluster while, for
// each kind of fault and for all of them mixed, three consumers read the
// pods through their own fault proxy in front of kubectl proxy: a
// watch.Store (streaming initial list), a watch.Store with
// NoStreamingList (paginated lists of 50) and a raw watch.Watch consumer.
// Each proxy injects only its kind of fault (all kinds for "all"): once
// scripted on the first list request (single-kind scenarios), then at
// random with a fixed seed and a bounded budget, so a failure names the
// fault the SDK does not survive. When the churn ends the proxies stop injecting, and every
// consumer must then, within a bounded time, hold exactly what a fresh
// list of the server says (0 missing, 0 phantom, 0 stale
// resourceVersions). The whole test takes about two minutes.
//
// Stalls last two minutes (longer than the test) unless the client gives
// up: a client without a bound on how long it waits for headers or for
// body progress never converges. The consumers set the only such bound the
// watch API has today, Options.IdleTimeout (15 s), for watch streams.
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
		// In a single-kind scenario the first list request (the paged
		// Store's first page) gets the fault for sure (an in-stream 410
		// cannot strike a list).
		if len(s.budget) == 1 {
			for k := range s.budget {
				if k != testutil.FaultGoneInStream {
					require.NoError(t, p.Script(testutil.Fault{Kind: k, On: testutil.RequestList, Stall: stall}))
				}
			}
		}
		c, err := kube.New(kube.Options{URL: p.URL(), PageSize: 50, HeaderTimeout: 10 * time.Second, BodyTimeout: 10 * time.Second})
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		src := c.Pods.In(ns).Source()
		s.consumers = []*faultConsumer{
			newStoreConsumer(runCtx, "Store", src, false),
			newStoreConsumer(runCtx, "paged Store (NoStreamingList)", src, true),
			newRawConsumer(runCtx, "raw Watch", src),
		}
	}

	// Churn through kubectl proxy directly (no faults): create a pod,
	// relabel a random live one, delete the oldest once 50 are live,
	// paced at five steps a second.
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

	// Wait (bounded) until every consumer has equalled a fresh list.
	settleStart := time.Now()
	settle, stopSettle := context.WithTimeout(ctx, settleFor)
	defer stopSettle()
	for settle.Err() == nil {
		fresh, err := faultFreshList(settle, podsURL)
		if err == nil {
			done := true
			for _, s := range scenarios {
				for _, c := range s.consumers {
					if !c.check(fresh, time.Since(settleStart)) {
						done = false
					}
				}
			}
			if done {
				break
			}
		}
		select {
		case <-settle.Done():
		case <-time.After(500 * time.Millisecond): // poll interval, not a synchronisation
		}
	}

	// Stop the consumers; each must return promptly when asked to.
	stopConsumers()
	stopDeadline := time.Now().Add(10 * time.Second)
	for _, s := range scenarios {
		for _, c := range s.consumers {
			c.waitStopped(stopDeadline)
		}
	}
	for _, s := range scenarios {
		s.proxy.Close()
	}

	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) { s.report(t) })
	}
}

// faultScenario is one fault proxy with its consumers.
type faultScenario struct {
	name      string
	rate      float64
	budget    map[testutil.FaultKind]int
	proxy     *testutil.FaultProxy
	consumers []*faultConsumer
}

func (s *faultScenario) report(t *testing.T) {
	counts := s.proxy.Counts()
	t.Logf("%s: faults injected %v (budget %v, plus one scripted on the first list in single-kind scenarios), requests %v",
		s.name, counts, s.budget, faultRequests(s.proxy.Requests()))
	total := 0
	for k, n := range counts {
		total += n
		scripted := 0
		if len(s.budget) == 1 && k != testutil.FaultGoneInStream {
			scripted = 1
		}
		assert.LessOrEqual(t, n, s.budget[k]+scripted, "the proxy keeps to its budget for %s", k)
	}
	assert.Positive(t, total, "faults were injected (a scenario without faults proves nothing)")
	_, garbled := s.budget[testutil.FaultGarble]
	for _, c := range s.consumers {
		c.report(t, garbled)
	}
}

// faultConsumer is one consumer of the pods: a Store or a raw Watch.
type faultConsumer struct {
	name    string
	state   func() map[string]string // key → uid@resourceVersion
	done    chan struct{}
	raw     bool
	retries faultErrLog // errors the loop retried (Options.OnRetry)
	yielded faultErrLog // raw Watch: errors the iterator ended with
	restart atomic.Int32

	runErr       error // Store.Run's result
	stuck        bool  // did not return within the bound after cancel
	matched      bool  // equalled a fresh list after the churn
	matchedAfter time.Duration
	lastDiff     faultStateDiff
}

func faultWatchOptions(retries *faultErrLog) watch.LoopOptions {
	return watch.LoopOptions{
		// Short server-side timeouts make the consumers reconnect every
		// few seconds, so faults on request headers get their chance.
		TimeoutSeconds: 5,
		IdleTimeout:    15 * time.Second,
		RequestTimeout: 10 * time.Second,
		Backoff:        watch.Backoff{Initial: 100 * time.Millisecond, Max: 2 * time.Second},
		OnRetry:        func(err error, _ time.Duration) { retries.add(err) },
	}
}

func newStoreConsumer(ctx context.Context, name string, src watch.Source[*kinds.Pod], paged bool) *faultConsumer {
	c := &faultConsumer{name: name, done: make(chan struct{})}
	opts := faultWatchOptions(&c.retries)
	opts.NoStreamingList = paged
	store := watch.NewStore[*kinds.Pod](src, watch.StoreOptions{LoopOptions: opts})
	c.state = func() map[string]string {
		got := map[string]string{}
		for k, p := range store.All() {
			got[k] = p.Meta().UID + "@" + p.Version()
		}
		return got
	}
	go func() {
		defer close(c.done)
		c.runErr = store.Run(ctx)
	}()
	return c
}

// newRawConsumer applies the events of watch.Watch to a map, as a user of
// the raw iterator would. When the iterator ends with an error it records
// the error and starts a new Watch with InitialList from an empty state
// (the new initial list rebuilds it).
func newRawConsumer(ctx context.Context, name string, src watch.Source[*kinds.Pod]) *faultConsumer {
	c := &faultConsumer{name: name, done: make(chan struct{}), raw: true}
	var mu sync.Mutex
	state := map[string]string{}
	c.state = func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		out := make(map[string]string, len(state))
		for k, v := range state {
			out[k] = v
		}
		return out
	}
	go func() {
		defer close(c.done)
		for ctx.Err() == nil {
			mu.Lock()
			state = map[string]string{}
			mu.Unlock()
			opts := watch.Options{InitialList: true, LoopOptions: faultWatchOptions(&c.retries)}
			for ev, err := range watch.Watch(ctx, src, opts) {
				if err != nil {
					if ctx.Err() == nil {
						c.yielded.add(err)
					}
					if errors.Is(err, watch.ErrMalformed) {
						// Not final: the loop relists and delivers the
						// difference (see the package's Recovery section).
						continue
					}
					break
				}
				key := ev.Object.Namespace() + "/" + ev.Object.Name()
				mu.Lock()
				switch ev.Type {
				case watch.Added, watch.Modified:
					state[key] = ev.Object.Meta().UID + "@" + ev.Object.Version()
				case watch.Deleted:
					delete(state, key)
				}
				mu.Unlock()
			}
			if ctx.Err() != nil {
				return
			}
			c.restart.Add(1)
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond): // restart backoff
			}
		}
	}()
	return c
}

// check compares the consumer with a fresh list; once it has matched it
// stays matched.
func (c *faultConsumer) check(fresh map[string]string, after time.Duration) bool {
	if c.matched {
		return true
	}
	c.lastDiff = faultDiff(fresh, c.state())
	if c.lastDiff.empty() {
		c.matched, c.matchedAfter = true, after
	}
	return c.matched
}

// waitStopped waits (until deadline) for the consumer to return after its
// context was cancelled, and notes it if it did not.
func (c *faultConsumer) waitStopped(deadline time.Time) {
	t := time.NewTimer(max(time.Until(deadline), 0))
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		c.stuck = true
	}
}

func (c *faultConsumer) report(t *testing.T, garbled bool) {
	if c.matched {
		t.Logf("  %s: equalled a fresh list %s after the churn; %d retries %s; %d errors yielded %s",
			c.name, c.matchedAfter.Round(100*time.Millisecond), c.retries.n(), c.retries.sample(), c.yielded.n(), c.yielded.sample())
	} else {
		t.Logf("  %s: never equalled a fresh list; %d retries %s; %d errors yielded %s",
			c.name, c.retries.n(), c.retries.sample(), c.yielded.n(), c.yielded.sample())
	}
	assert.False(t, c.stuck, "%s returned within 10s of its context being cancelled", c.name)
	if !c.raw && !c.stuck {
		assert.ErrorIs(t, c.runErr, context.Canceled, "%s: Store.Run ran until it was stopped (it must not give up on a fault)", c.name)
	}
	assert.True(t, c.matched, "%s equals a fresh list within the settle time: %s", c.name, c.lastDiff)
	if c.raw && !garbled {
		// Only an undecodable frame may end a raw Watch with an error;
		// every other fault is transient and must be handled by the loop.
		assert.Zero(t, c.yielded.n(), "%s yielded no error: %s", c.name, c.yielded.sample())
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
		// At most 50 pods live at once: the churn must not fill the
		// nodes (110 pods each) that other tests schedule on.
		if len(live) > 50 {
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
