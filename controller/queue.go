package controller

import (
	"container/heap"
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/kube-for-go/kube/watch"
)

// ErrQueueShutDown is returned by Queue.Get once the queue is shut down and
// every key that was ready has been handed out.
var ErrQueueShutDown = errors.New("controller: queue shut down")

// Defaults of QueueOptions.
const (
	// DefaultRetryRate is the default QueueOptions.RetryRate: retries per
	// second over all keys.
	DefaultRetryRate = 10.0
	// DefaultRetryBurst is the default QueueOptions.RetryBurst.
	DefaultRetryBurst = 100
)

// DefaultRetryBackoff is the per-key backoff of Queue.Retry when
// QueueOptions.Backoff is zero: 5ms doubling up to 5 minutes, with 10%
// jitter.
var DefaultRetryBackoff = watch.Backoff{Initial: 5 * time.Millisecond, Max: 5 * time.Minute, Factor: 2, Jitter: 0.1}

// QueueOptions configure a Queue. The zero value means the defaults.
type QueueOptions struct {
	// Backoff is the per-key backoff of Retry: the n-th consecutive retry
	// of a key waits Backoff.Delay(n) (jittered). Zero means
	// DefaultRetryBackoff.
	Backoff watch.Backoff
	// RetryRate and RetryBurst are the overall rate limit of Retry, a token
	// bucket shared by all keys: however many keys fail, at most RetryBurst
	// retries happen at once and RetryRate per second after that. A retry
	// waits for the longer of its key's backoff and its turn in the bucket.
	// Zero means DefaultRetryRate and DefaultRetryBurst; a negative rate
	// disables the overall limit.
	RetryRate  float64
	RetryBurst int
	// Name names the queue in Metrics; empty means "queue".
	Name string
	// Metrics receives the queue's depth, adds, queue latency and
	// retries; nil means none. Its methods are called with the queue's
	// lock held: they must be quick and must not call the queue.
	Metrics Metrics
}

// Queue is a work queue of keys for controllers (like controller-runtime's
// workqueue), safe for concurrent use:
//
//   - a key is queued at most once: adding a key that is already waiting
//     does nothing;
//   - a key is never handed to two workers at once: adding a key while it
//     is being processed (between Get and Done) queues it again when Done
//     is called;
//   - delayed keys (AddAfter, Retry) collapse: one key has at most one
//     pending delay, the earliest one, so the queue's size is bounded by
//     the number of distinct keys;
//   - Retry re-adds a failed key after a per-key exponential backoff with
//     jitter, within an overall token-bucket rate limit; Forget resets the
//     key's backoff after a success;
//   - nothing busy-waits: Get blocks on a channel, delays use one timer.
//
// The worker loop:
//
//	for {
//		key, err := q.Get(ctx)
//		if err != nil {
//			return // ErrQueueShutDown or ctx's error
//		}
//		if err := process(key); err != nil {
//			q.Retry(key)
//		} else {
//			q.Forget(key)
//		}
//		q.Done(key)
//	}
//
// The zero Queue is not usable; create one with NewQueue.
type Queue[K comparable] struct {
	opts QueueOptions

	mu         sync.Mutex
	ready      []K             // FIFO of keys ready to process
	queued     map[K]time.Time // keys in ready, and when they were added
	processing map[K]struct{}  // keys handed out and not Done
	dirty      map[K]struct{}  // keys added while processing
	delayed    delayHeap[K]
	delayedAt  map[K]*delayEntry[K]
	failures   map[K]int
	timer      *time.Timer
	timerAt    time.Time
	changed    chan struct{} // closed and replaced on every change Get may wait for
	shutdown   bool

	tokens   float64 // retry token bucket
	tokensAt time.Time
}

// NewQueue returns an empty queue.
func NewQueue[K comparable](opts QueueOptions) *Queue[K] {
	if opts.Backoff == (watch.Backoff{}) {
		opts.Backoff = DefaultRetryBackoff
	}
	if opts.RetryRate == 0 {
		opts.RetryRate = DefaultRetryRate
	}
	if opts.RetryBurst <= 0 {
		opts.RetryBurst = DefaultRetryBurst
	}
	if opts.Name == "" {
		opts.Name = "queue"
	}
	if opts.Metrics == nil {
		opts.Metrics = NopMetrics{}
	}
	return &Queue[K]{
		opts:       opts,
		queued:     map[K]time.Time{},
		processing: map[K]struct{}{},
		dirty:      map[K]struct{}{},
		delayedAt:  map[K]*delayEntry[K]{},
		failures:   map[K]int{},
		changed:    make(chan struct{}),
		tokens:     float64(opts.RetryBurst),
	}
}

// notify wakes every Get waiting for a change. Called with mu held.
func (q *Queue[K]) notify() {
	close(q.changed)
	q.changed = make(chan struct{})
}

// Add queues key to be processed now, unless it is already queued. A key
// being processed is queued again when Done is called for it. A pending
// delay of the key (AddAfter, Retry) is dropped: the key is due now. Add
// reports whether the queue accepted the key: false after ShutDown.
func (q *Queue[K]) Add(key K) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shutdown {
		return false
	}
	q.removeDelayed(key)
	q.addLocked(key)
	return true
}

// addLocked makes key ready (or dirty if it is being processed).
func (q *Queue[K]) addLocked(key K) {
	if _, ok := q.queued[key]; ok {
		return
	}
	if _, ok := q.processing[key]; ok {
		if _, ok := q.dirty[key]; !ok {
			q.dirty[key] = struct{}{}
			q.opts.Metrics.QueueAdd(q.opts.Name)
		}
		return
	}
	q.queued[key] = time.Now()
	q.ready = append(q.ready, key)
	q.opts.Metrics.QueueAdd(q.opts.Name)
	q.opts.Metrics.QueueDepth(q.opts.Name, len(q.ready))
	q.notify()
}

// AddAfter queues key to be processed after d (at once if d ≤ 0). If the
// key is already queued, nothing changes; if it already has a pending
// delay, the earlier of the two is kept. It reports false after ShutDown.
func (q *Queue[K]) AddAfter(key K, d time.Duration) bool {
	if d <= 0 {
		return q.Add(key)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shutdown {
		return false
	}
	if _, ok := q.queued[key]; ok {
		return true
	}
	at := time.Now().Add(d)
	if e, ok := q.delayedAt[key]; ok {
		if at.Before(e.at) {
			e.at = at
			heap.Fix(&q.delayed, e.index)
		}
	} else {
		e := &delayEntry[K]{key: key, at: at}
		q.delayedAt[key] = e
		heap.Push(&q.delayed, e)
	}
	q.armTimer()
	return true
}

// Retry queues key again after a failure: after its per-key backoff (the
// n-th consecutive Retry of a key waits about Backoff.Delay(n)) or, if
// longer, its turn in the overall retry rate limit. It returns the delay
// chosen, and 0 and false after ShutDown.
func (q *Queue[K]) Retry(key K) (time.Duration, bool) {
	q.mu.Lock()
	if q.shutdown {
		q.mu.Unlock()
		return 0, false
	}
	q.failures[key]++
	q.opts.Metrics.QueueRetry(q.opts.Name)
	d := q.opts.Backoff.Delay(q.failures[key], rand.Float64())
	d = max(d, q.reserveLocked(time.Now()))
	q.mu.Unlock()
	return d, q.AddAfter(key, d)
}

// reserveLocked takes a token from the retry bucket and returns how long
// the caller must wait for it.
func (q *Queue[K]) reserveLocked(now time.Time) time.Duration {
	rate := q.opts.RetryRate
	if rate < 0 {
		return 0
	}
	if !q.tokensAt.IsZero() {
		q.tokens = min(float64(q.opts.RetryBurst), q.tokens+now.Sub(q.tokensAt).Seconds()*rate)
	}
	q.tokensAt = now
	q.tokens--
	if q.tokens >= 0 {
		return 0
	}
	return time.Duration(-q.tokens / rate * float64(time.Second))
}

// Forget resets key's retry count, so its next Retry waits the initial
// backoff. Call it when the key was processed successfully.
func (q *Queue[K]) Forget(key K) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.failures, key)
}

// Retries returns how many times key was retried since it was last
// forgotten.
func (q *Queue[K]) Retries(key K) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.failures[key]
}

// Get waits for a ready key and hands it out; the caller must call Done
// with it when finished. It returns ctx's error if ctx ends first, and
// ErrQueueShutDown once the queue is shut down and no key is ready (keys
// that were ready at ShutDown are still handed out, and a Get waits for
// keys re-added while being processed: the queue drains).
func (q *Queue[K]) Get(ctx context.Context) (K, error) {
	var zero K
	for {
		q.mu.Lock()
		if len(q.ready) > 0 {
			key := q.ready[0]
			q.ready[0] = zero
			q.ready = q.ready[1:]
			q.opts.Metrics.QueueLatency(q.opts.Name, time.Since(q.queued[key]))
			q.opts.Metrics.QueueDepth(q.opts.Name, len(q.ready))
			delete(q.queued, key)
			q.processing[key] = struct{}{}
			q.mu.Unlock()
			return key, nil
		}
		if q.shutdown && len(q.dirty) == 0 {
			q.mu.Unlock()
			return zero, ErrQueueShutDown
		}
		ch := q.changed
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-ch:
		}
	}
}

// Done marks key as processed. If it was added while being processed, it
// is queued again now (even after ShutDown, so that the change is not
// lost during the drain).
func (q *Queue[K]) Done(key K) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.processing[key]; !ok {
		return
	}
	delete(q.processing, key)
	if _, ok := q.dirty[key]; ok {
		delete(q.dirty, key)
		q.addLocked(key)
		return
	}
	q.notify() // Drain may be waiting
}

// Len returns the number of keys ready to be handed out (not those being
// processed or waiting for a delay).
func (q *Queue[K]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.ready)
}

// Delayed returns the number of keys waiting for a delay (AddAfter, Retry).
func (q *Queue[K]) Delayed() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.delayed.Len()
}

// ShutDown stops the queue from accepting keys: Add, AddAfter and Retry
// report false from now on. Keys that are ready, and keys re-added while
// being processed, are still handed out by Get, which returns
// ErrQueueShutDown once none is left. Keys still waiting for a delay will
// not be processed: ShutDown returns them, earliest first, so the caller
// can report them. Calling ShutDown again returns nothing.
func (q *Queue[K]) ShutDown() []K {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shutdown {
		return nil
	}
	q.shutdown = true
	var dropped []K
	for q.delayed.Len() > 0 {
		e := heap.Pop(&q.delayed).(*delayEntry[K])
		delete(q.delayedAt, e.key)
		dropped = append(dropped, e.key)
	}
	if q.timer != nil {
		q.timer.Stop()
		q.timer = nil
	}
	q.notify()
	return dropped
}

// ShuttingDown reports whether ShutDown was called.
func (q *Queue[K]) ShuttingDown() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.shutdown
}

// Drain waits until no key is ready and none is being processed (keys
// waiting for a delay do not count), or until ctx ends, whose error it
// then returns. After ShutDown it waits for the workers to finish the
// drain.
func (q *Queue[K]) Drain(ctx context.Context) error {
	for {
		q.mu.Lock()
		if len(q.ready) == 0 && len(q.processing) == 0 {
			q.mu.Unlock()
			return nil
		}
		ch := q.changed
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

func (q *Queue[K]) removeDelayed(key K) {
	if e, ok := q.delayedAt[key]; ok {
		heap.Remove(&q.delayed, e.index)
		delete(q.delayedAt, key)
	}
}

// armTimer makes the timer fire when the earliest delay is due. Called
// with mu held.
func (q *Queue[K]) armTimer() {
	if q.delayed.Len() == 0 {
		return
	}
	at := q.delayed[0].at
	if q.timer != nil && !q.timerAt.After(at) {
		return // already armed for this time or earlier
	}
	if q.timer != nil {
		q.timer.Stop()
	}
	q.timerAt = at
	q.timer = time.AfterFunc(time.Until(at), q.fire)
}

// fire moves the due delayed keys to ready and re-arms the timer.
func (q *Queue[K]) fire() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.timer = nil
	if q.shutdown {
		return
	}
	now := time.Now()
	for q.delayed.Len() > 0 && !q.delayed[0].at.After(now) {
		e := heap.Pop(&q.delayed).(*delayEntry[K])
		delete(q.delayedAt, e.key)
		q.addLocked(e.key)
	}
	q.armTimer()
}

type delayEntry[K comparable] struct {
	key   K
	at    time.Time
	index int
}

// delayHeap is a min-heap of delayed keys by due time.
type delayHeap[K comparable] []*delayEntry[K]

func (h delayHeap[K]) Len() int           { return len(h) }
func (h delayHeap[K]) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h delayHeap[K]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *delayHeap[K]) Push(x any) {
	e := x.(*delayEntry[K])
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *delayHeap[K]) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
