package watch_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kube-for-go/kube/watch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blockingSource is a Source whose every call blocks until its ctx ends,
// like a server that accepts connections and never answers. It records
// each call and how long it was left waiting.
type blockingSource struct {
	mu    sync.Mutex
	calls []string
	spent []time.Duration
}

func (b *blockingSource) block(ctx context.Context, op string) error {
	start := time.Now()
	<-ctx.Done()
	b.mu.Lock()
	b.calls = append(b.calls, op)
	b.spent = append(b.spent, time.Since(start))
	b.mu.Unlock()
	return fmt.Errorf("blocking source: %s: %w", op, ctx.Err())
}

func (b *blockingSource) ListPage(ctx context.Context, _ watch.ListOptions) (watch.ListPage[Obj], error) {
	return watch.ListPage[Obj]{}, b.block(ctx, "list")
}

func (b *blockingSource) OpenWatch(ctx context.Context, o watch.WatchOptions) (watch.Stream[Obj], error) {
	op := "watch"
	if o.SendInitialEvents {
		op = "watch initial"
	}
	return nil, b.block(ctx, op)
}

func (b *blockingSource) Meta(o Obj) (string, string, string) { return o.Name, o.UID, o.RV }

// streamingBlockingSource also claims the streaming initial list.
type streamingBlockingSource struct{ *blockingSource }

func (streamingBlockingSource) InitialEventsEnd(Obj) bool { return false }

// TestBoundedWaitsInEveryEntryPoint: against a Source that never answers,
// Watch, Watcher, Store and WaitFor abandon each call after
// RequestTimeout, retry with backoff, report each stall as a
// *watch.TimeoutError, and end only when the caller's ctx ends, with its
// error.
func TestBoundedWaitsInEveryEntryPoint(t *testing.T) {
	const runFor = 10 * time.Minute
	cases := []struct {
		reason    string
		streaming bool
		op        string // the call made each time
		timeoutOp string // the TimeoutError's Op
		run       func(ctx context.Context, src watch.Source[Obj], lo watch.LoopOptions) error
	}{
		{"Watch from now reads the current resourceVersion (a list of one)", false, "list", "list",
			func(ctx context.Context, src watch.Source[Obj], lo watch.LoopOptions) error {
				_, err := collect(watch.Watch(ctx, src, watch.Options{LoopOptions: lo}), 1)
				return err
			}},
		{"Watch from a resourceVersion opens a watch", false, "watch", "open watch",
			func(ctx context.Context, src watch.Source[Obj], lo watch.LoopOptions) error {
				_, err := collect(watch.Watch(ctx, src, watch.Options{ResourceVersion: "5", LoopOptions: lo}), 1)
				return err
			}},
		{"Watch with InitialList and a streaming source opens a streaming list", true, "watch initial", "open watch",
			func(ctx context.Context, src watch.Source[Obj], lo watch.LoopOptions) error {
				_, err := collect(watch.Watch(ctx, src, watch.Options{InitialList: true, LoopOptions: lo}), 1)
				return err
			}},
		{"Watcher.Next", false, "list", "list",
			func(ctx context.Context, src watch.Source[Obj], lo watch.LoopOptions) error {
				w := watch.NewWatcher(ctx, src, watch.Options{LoopOptions: lo})
				defer w.Close()
				_, err := w.Next(context.Background())
				return err
			}},
		{"Store lists page by page", false, "list", "list",
			func(ctx context.Context, src watch.Source[Obj], lo watch.LoopOptions) error {
				store := watch.NewStore(src, watch.StoreOptions{LoopOptions: lo})
				runErr := make(chan error, 1)
				go func() { runErr <- store.Run(ctx) }()
				if err := store.WaitForSync(context.Background()); err == nil {
					return errors.New("the store synced without an answer")
				}
				return <-runErr
			}},
		{"WaitFor", true, "watch initial", "open watch",
			func(ctx context.Context, src watch.Source[Obj], lo watch.LoopOptions) error {
				_, err := watch.WaitForOpts(ctx, src, watch.Exists[Obj](), lo)
				return err
			}},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				b := &blockingSource{}
				var src watch.Source[Obj] = b
				if c.streaming {
					src = streamingBlockingSource{b}
				}
				var reported []error
				lo := watch.LoopOptions{OnRetry: func(err error, _ time.Duration) { reported = append(reported, err) }}
				ctx, cancel := context.WithTimeout(t.Context(), runFor)
				defer cancel()
				start := time.Now()
				err := c.run(ctx, src, lo)
				assert.ErrorIs(t, err, context.DeadlineExceeded, c.reason)
				assert.Equal(t, runFor, time.Since(start), "%s: only the caller's ctx ends the loop", c.reason)
				synctest.Wait()

				b.mu.Lock()
				defer b.mu.Unlock()
				require.GreaterOrEqual(t, len(b.calls), 5, "%s: the loop kept retrying", c.reason)
				for i, op := range b.calls {
					assert.Equal(t, c.op, op, c.reason)
					if i < len(b.calls)-1 {
						assert.Equal(t, watch.DefaultRequestTimeout, b.spent[i], "%s: call %d abandoned after RequestTimeout", c.reason, i)
					}
				}
				// The caller's deadline cuts the last call short, or falls
				// in the backoff wait after it.
				last := b.spent[len(b.spent)-1]
				assert.LessOrEqual(t, last, watch.DefaultRequestTimeout, "%s: the last call ends with ctx", c.reason)
				abandoned := len(b.calls) - 1
				if last == watch.DefaultRequestTimeout {
					abandoned++
				}
				require.Len(t, reported, abandoned, "%s: every abandoned call is reported", c.reason)
				for _, r := range reported {
					assert.Equal(t, &watch.TimeoutError{Op: c.timeoutOp, After: watch.DefaultRequestTimeout}, r, c.reason)
				}
			})
		})
	}
}
