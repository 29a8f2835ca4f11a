package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/watch"
)

// getNow hands out a ready key, failing if none is ready.
func getNow[K comparable](t *testing.T, q *Queue[K]) K {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	k, err := q.Get(ctx)
	require.NoError(t, err)
	return k
}

func TestQueueDedup(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reason string
		steps  func(q *Queue[string]) []string // returns the keys handed out, in order
		want   []string
	}{{
		name:   "queued once",
		reason: "a key added while queued is queued once",
		steps: func(q *Queue[string]) []string {
			q.Add("a")
			q.Add("b")
			q.Add("a")
			require.Equal(t, 2, q.Len())
			return drainNow(q)
		},
		want: []string{"a", "b"},
	}, {
		name:   "re-added while processing",
		reason: "a key added while processed is queued again after Done, not before",
		steps: func(q *Queue[string]) []string {
			q.Add("a")
			k, _ := q.Get(context.Background())
			q.Add("a")
			q.Add("a")
			require.Equal(t, 0, q.Len(), "the key must not be ready while it is processed")
			q.Done(k)
			return append([]string{k}, drainNow(q)...)
		},
		want: []string{"a", "a"},
	}, {
		name:   "Add beats a delay",
		reason: "Add of a delayed key makes it ready now and drops the delay",
		steps: func(q *Queue[string]) []string {
			q.AddAfter("a", time.Hour)
			require.Equal(t, 1, q.Delayed())
			q.Add("a")
			require.Equal(t, 0, q.Delayed())
			return drainNow(q)
		},
		want: []string{"a"},
	}, {
		name:   "Done of an unknown key",
		reason: "Done of a key that was never handed out changes nothing",
		steps: func(q *Queue[string]) []string {
			q.Done("x")
			q.Add("a")
			return drainNow(q)
		},
		want: []string{"a"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			q := NewQueue[string](QueueOptions{})
			assert.Equal(t, tc.want, tc.steps(q), tc.reason)
		})
	}
}

// drainNow hands out and completes every ready key.
func drainNow(q *Queue[string]) []string {
	var out []string
	for q.Len() > 0 {
		k, err := q.Get(context.Background())
		if err != nil {
			break
		}
		out = append(out, k)
		q.Done(k)
	}
	return out
}

func TestQueueAddAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue[string](QueueOptions{})
		start := time.Now()
		q.AddAfter("late", 10*time.Second)
		q.AddAfter("early", 3*time.Second)
		q.AddAfter("late", 20*time.Second) // collapses: the earlier delay stays
		q.AddAfter("early", time.Second)   // collapses to the earlier one
		assert.Equal(t, 2, q.Delayed(), "delayed entries of one key collapse")

		k, err := q.Get(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "early", k)
		assert.Equal(t, time.Second, time.Since(start), "the earlier delay of a key wins")
		q.Done(k)

		k, err = q.Get(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "late", k)
		assert.Equal(t, 10*time.Second, time.Since(start))
		q.Done(k)
		assert.Equal(t, 0, q.Delayed())
	})
}

func TestQueueAddAfterWhileQueued(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue[string](QueueOptions{})
		q.Add("a")
		q.AddAfter("a", time.Second)
		assert.Equal(t, 0, q.Delayed(), "a queued key is due anyway: no delay is kept")
		assert.Equal(t, []string{"a"}, drainNow(q))
	})
}

func TestQueueGetBlocksUntilCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue[int](QueueOptions{})
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := q.Get(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 5*time.Second, time.Since(start))
	})
}

func TestQueueRetryBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := watch.Backoff{Initial: time.Second, Max: 8 * time.Second, Factor: 2, Jitter: 0.25}
		q := NewQueue[string](QueueOptions{Backoff: b, RetryRate: -1})
		q.Add("k")
		var waits []time.Duration
		for range 6 {
			k, err := q.Get(t.Context())
			require.NoError(t, err)
			before := time.Now()
			d, ok := q.Retry(k)
			require.True(t, ok)
			q.Done(k)
			k, err = q.Get(t.Context())
			require.NoError(t, err)
			assert.Equal(t, d, time.Since(before), "the key comes back exactly after the delay Retry chose")
			waits = append(waits, d)
			q.Done(k)
			q.Add(k)
		}
		// Delay n is in [d·0.75, d] for d = 1, 2, 4, 8, 8, 8 seconds.
		for i, want := range []time.Duration{1, 2, 4, 8, 8, 8} {
			want *= time.Second
			assert.LessOrEqual(t, waits[i], want, "retry %d", i+1)
			assert.GreaterOrEqual(t, waits[i], want*3/4, "retry %d", i+1)
		}
		assert.Equal(t, 6, q.Retries("k"))
		q.Forget("k")
		assert.Equal(t, 0, q.Retries("k"))
		d, _ := q.Retry("k")
		assert.LessOrEqual(t, d, time.Second, "Forget resets the backoff")
	})
}

func TestQueueRetryRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := watch.Backoff{Initial: time.Millisecond, Max: time.Millisecond, Factor: 1, Jitter: 0.01}
		q := NewQueue[int](QueueOptions{Backoff: b, RetryRate: 2, RetryBurst: 3})
		var delays []time.Duration
		for k := range 7 {
			d, ok := q.Retry(k)
			require.True(t, ok)
			delays = append(delays, d.Round(time.Millisecond))
		}
		// 3 from the burst, then one every 500ms.
		ms := time.Millisecond
		assert.Equal(t, []time.Duration{ms, ms, ms, 500 * ms, 1000 * ms, 1500 * ms, 2000 * ms}, delays,
			"the overall bucket spaces retries of distinct keys at RetryRate after RetryBurst")
		time.Sleep(10 * time.Second) // the bucket refills (at most RetryBurst)
		got := 0
		for q.Len() > 0 {
			k := getNow(t, q)
			q.Done(k)
			got++
		}
		assert.Equal(t, 7, got)
		d, _ := q.Retry(100)
		assert.Equal(t, ms, d.Round(ms), "a refilled bucket lets a retry through at once")
	})
}

func TestQueueShutDownDrains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue[string](QueueOptions{})
		q.Add("a")
		q.Add("b")
		q.AddAfter("later", time.Minute)
		q.AddAfter("soon", time.Second)
		k := getNow(t, q) // "a" is being processed
		q.Add("a")        // and changed again meanwhile

		dropped := q.ShutDown()
		assert.Equal(t, []string{"soon", "later"}, dropped, "delayed keys are reported, earliest first")
		assert.Nil(t, q.ShutDown(), "a second ShutDown reports nothing")
		assert.True(t, q.ShuttingDown())
		assert.False(t, q.Add("c"), "no key is accepted after ShutDown")
		assert.False(t, q.AddAfter("c", time.Second))
		_, ok := q.Retry("c")
		assert.False(t, ok)

		var got []string
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				k, err := q.Get(t.Context())
				if err != nil {
					assert.ErrorIs(t, err, ErrQueueShutDown)
					return
				}
				got = append(got, k)
				q.Done(k)
			}
		})
		synctest.Wait()
		assert.Equal(t, []string{"b"}, got, "the ready key is handed out; a is still processed")
		q.Done(k) // a was dirty: it is queued again, even during the drain
		wg.Wait()
		assert.Equal(t, []string{"b", "a"}, got, "nothing that was queued is lost")
		require.NoError(t, q.Drain(t.Context()))
		time.Sleep(2 * time.Minute)
		assert.Equal(t, 0, q.Len(), "dropped delays never fire")
	})
}

func TestQueueDrainWaitsForWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue[int](QueueOptions{})
		q.Add(1)
		k := getNow(t, q)
		go func() {
			time.Sleep(3 * time.Second)
			q.Done(k)
		}()
		start := time.Now()
		require.NoError(t, q.Drain(t.Context()))
		assert.Equal(t, 3*time.Second, time.Since(start))

		q.Add(2)
		_ = getNow(t, q)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		assert.ErrorIs(t, q.Drain(ctx), context.DeadlineExceeded, "Drain is bounded by its ctx")
	})
}

// TestQueueStress runs many producers and workers at once (run it with
// -race): a key is never processed by two workers at once, and every key
// is processed at least once after its last Add.
func TestQueueStress(t *testing.T) {
	const (
		keys      = 50
		producers = 8
		workers   = 8
		adds      = 2000
	)
	q := NewQueue[string](QueueOptions{Backoff: watch.Backoff{Initial: time.Microsecond, Max: time.Millisecond}, RetryRate: -1})
	var added, seen [keys]atomic.Int64 // generation of the last Add, and the newest generation a worker started with
	var inFlight [keys]atomic.Int32
	var overlap atomic.Int32
	name := func(i int) string { return fmt.Sprintf("k%02d", i) }
	index := func(k string) int {
		var i int
		_, _ = fmt.Sscanf(k, "k%02d", &i)
		return i
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var workersWG sync.WaitGroup
	for w := range workers {
		workersWG.Go(func() {
			for n := 0; ; n++ {
				k, err := q.Get(ctx)
				if err != nil {
					if !errors.Is(err, ErrQueueShutDown) {
						t.Errorf("worker %d: %v", w, err)
					}
					return
				}
				i := index(k)
				if inFlight[i].Add(1) != 1 {
					overlap.Add(1)
				}
				g := added[i].Load()
				for {
					old := seen[i].Load()
					if g <= old || seen[i].CompareAndSwap(old, g) {
						break
					}
				}
				if n%7 == 0 {
					q.Retry(k) // a failure: retried later
				} else {
					q.Forget(k)
				}
				inFlight[i].Add(-1)
				q.Done(k)
			}
		})
	}
	var producersWG sync.WaitGroup
	var gen atomic.Int64
	for p := range producers {
		producersWG.Go(func() {
			for n := range adds {
				i := (n*31 + p*7) % keys
				added[i].Store(gen.Add(1))
				if n%5 == 0 {
					q.AddAfter(name(i), time.Duration(n%3)*time.Microsecond)
				} else {
					q.Add(name(i))
				}
			}
		})
	}
	producersWG.Wait()
	// Everything added is processed, then the delayed retries settle.
	require.Eventually(t, func() bool {
		if q.Drain(ctx) != nil {
			return false
		}
		for i := range keys {
			if seen[i].Load() < added[i].Load() {
				return false
			}
		}
		return true
	}, 30*time.Second, time.Millisecond)
	q.ShutDown()
	workersWG.Wait()
	assert.Zero(t, overlap.Load(), "a key was processed by two workers at once")
	for i := range keys {
		assert.GreaterOrEqual(t, seen[i].Load(), added[i].Load(), "key %d not processed after its last add", i)
		assert.NotZero(t, added[i].Load(), "key %d never added: the test is wrong", i)
	}
}
