package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordMetrics records every measurement as a line.
type recordMetrics struct {
	mu    sync.Mutex
	lines []string
	depth map[string]int
}

func (m *recordMetrics) add(format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lines = append(m.lines, fmt.Sprintf(format, args...))
}

func (m *recordMetrics) ReconcileDone(c string, r ReconcileResult, d time.Duration) {
	m.add("reconcile %s %s %v", c, r, d)
}
func (m *recordMetrics) QueueAdd(q string) { m.add("add %s", q) }
func (m *recordMetrics) QueueDepth(q string, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.depth == nil {
		m.depth = map[string]int{}
	}
	m.depth[q] = n
}
func (m *recordMetrics) QueueLatency(q string, d time.Duration) { m.add("latency %s %v", q, d) }
func (m *recordMetrics) QueueRetry(q string)                    { m.add("retry %s", q) }
func (m *recordMetrics) LeaderStatus(l string, b bool)          { m.add("leader %s %v", l, b) }

func (m *recordMetrics) snapshot() (lines []string, depth map[string]int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	depth = map[string]int{}
	for k, v := range m.depth {
		depth[k] = v
	}
	return append([]string(nil), m.lines...), depth
}

func (m *recordMetrics) count(prefix string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, l := range m.lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

func TestQueueMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &recordMetrics{}
		q := NewQueue[string](QueueOptions{Name: "q", Metrics: m})
		q.Add("a")
		q.Add("a") // deduplicated: not an add
		q.Add("b")
		_, depth := m.snapshot()
		assert.Equal(t, 2, depth["q"])
		time.Sleep(3 * time.Second)
		k, err := q.Get(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "a", k)
		_, depth = m.snapshot()
		assert.Equal(t, 1, depth["q"])
		q.Retry(k)
		q.Done(k)
		time.Sleep(time.Second)
		lines, _ := m.snapshot()
		assert.Equal(t, []string{"add q", "add q", "latency q 3s", "retry q", "add q"}, lines,
			"adds, the wait in the queue, and retries are measured")
	})
}

func TestControllerMetricsAndLogs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &recordMetrics{}
		var buf strings.Builder
		var bufMu sync.Mutex
		log := slog.New(slog.NewTextHandler(lockedWriter{&bufMu, &buf}, nil))
		var hooked sync.Map
		r := ReconcilerFunc(func(ctx context.Context, req Request) (Result, error) {
			LoggerFrom(ctx).Info("working")
			time.Sleep(time.Second)
			if _, ok := ctx.Value(hookKey{}).(string); !ok {
				return Result{}, errors.New("the hook's ctx did not reach the reconciler")
			}
			switch req.Name {
			case "bad":
				return Result{}, errors.New("boom")
			case "later":
				return Result{RequeueAfter: time.Hour}, nil
			}
			return Result{}, nil
		})
		_, cancel, done := runTestController(t, []string{"good", "bad", "later"}, r, Options{
			Name: "deploys", Workers: 3, Metrics: m, Logger: log,
			Queue: QueueOptions{Backoff: DefaultRetryBackoff},
			Hook: func(ctx context.Context, req Request) (context.Context, func(Result, error)) {
				return context.WithValue(ctx, hookKey{}, req.Name), func(_ Result, err error) { hooked.Store(req.Name, err) }
			},
		})
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait()
		cancel()
		<-done
		assert.Equal(t, 1, m.count("reconcile deploys success 1s"))
		assert.Equal(t, 1, m.count("reconcile deploys requeue_after 1s"))
		assert.GreaterOrEqual(t, m.count("reconcile deploys error 1s"), 1)
		assert.GreaterOrEqual(t, m.count("retry deploys"), 1, "the queue is measured under the controller's name")
		assert.GreaterOrEqual(t, m.count("add deploys"), 3)
		e, ok := hooked.Load("bad")
		require.True(t, ok, "the hook saw the outcome")
		assert.EqualError(t, e.(error), "boom")
		bufMu.Lock()
		out := buf.String()
		bufMu.Unlock()
		assert.Contains(t, out, `msg=working controller=deploys object=ns/good`, "reconcilers log keyed by object")
		assert.False(t, LoggerFrom(context.Background()).Enabled(context.Background(), slog.LevelError), "outside a reconciliation: discarded")
	})
}

type hookKey struct{}

type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
