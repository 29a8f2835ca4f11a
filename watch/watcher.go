package watch

import (
	"context"
	"errors"
	"iter"
	"sync"
)

// ErrClosed is returned by Watcher.Next after Close, and after the
// watch's final error has been returned.
var ErrClosed = errors.New("watch: watcher closed")

// Watcher is a watch for non-blocking use (the seed's ResourceWatcher
// with next(timeout)): Next waits for one event at most as long as its
// context allows. It has the same guarantees as Watch. Close releases the
// connection; it is safe to call more than once and concurrently with
// Next.
//
// The watch runs in its own goroutine, which reads the next event only
// when Next is called (one event is held at most), so an unread Watcher
// holds the server back like a slow Watch loop body.
type Watcher[T any] struct {
	cancel context.CancelFunc
	events chan result[T]
	once   sync.Once
	done   chan struct{} // closed by Close
	exited chan struct{} // closed when the goroutine returns
}

type result[T any] struct {
	ev  Event[T]
	err error
}

// NewWatcher starts watching src in the background. The watch ends when
// ctx is done, at Close, or with a permanent error.
func NewWatcher[T any](ctx context.Context, src Source[T], opts Options) *Watcher[T] {
	ctx, cancel := context.WithCancel(ctx)
	w := &Watcher[T]{cancel: cancel, events: make(chan result[T]), done: make(chan struct{}), exited: make(chan struct{})}
	go func() {
		defer close(w.exited)
		defer close(w.events)
		for ev, err := range Watch(ctx, src, opts) {
			select {
			case w.events <- result[T]{ev, err}:
			case <-w.done:
				return
			}
		}
	}()
	return w
}

// Next returns the next event. If ctx ends first it returns ctx's error
// (a deadline means "no event in time", and the watcher stays usable).
// When the watch ends with an error (a permanent one, or the error of the
// context given to NewWatcher), Next returns it once and then ErrClosed.
// An error matching ErrMalformed is not final (see Watch): the following
// calls return the events of the relist that recovers from it.
func (w *Watcher[T]) Next(ctx context.Context) (Event[T], error) {
	var zero Event[T]
	select {
	case <-w.done:
		return zero, ErrClosed
	default:
	}
	select {
	case r, ok := <-w.events:
		if !ok {
			return zero, ErrClosed
		}
		return r.ev, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-w.done:
		return zero, ErrClosed
	}
}

// All iterates over the remaining events until the watch ends (its final
// error is yielded) or Close; an error matching ErrMalformed is yielded
// and iteration goes on (see Watch). ctx bounds the whole iteration; its error
// is yielded when it ends first.
func (w *Watcher[T]) All(ctx context.Context) iter.Seq2[Event[T], error] {
	return func(yield func(Event[T], error) bool) {
		for {
			ev, err := w.Next(ctx)
			if errors.Is(err, ErrClosed) {
				return
			}
			if !yield(ev, err) || err != nil && !errors.Is(err, ErrMalformed) {
				return
			}
		}
	}
}

// Close stops the watch and waits until its connection is released. It
// is safe to call more than once.
func (w *Watcher[T]) Close() error {
	w.once.Do(func() {
		close(w.done)
		w.cancel()
	})
	<-w.exited
	return nil
}
