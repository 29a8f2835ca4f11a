package watch

import (
	"context"
	"errors"
	"iter"
	"sync"
)

// ErrClosed is returned by Watcher.Next after Close.
var ErrClosed = errors.New("watch: watcher closed")

// Watcher is a watch for non-blocking use (the seed's ResourceWatcher with
// next(timeout)): Next waits for one event at most as long as its context
// allows. Close releases the connection; it is safe to call more than once
// and concurrently with Next.
type Watcher[T any] struct {
	cancel context.CancelFunc
	events chan result[T]
	once   sync.Once
	done   chan struct{}
}

type result[T any] struct {
	ev  Event[T]
	err error
}

// NewWatcher starts watching src in the background with the same
// guarantees as Watch.
func NewWatcher[T any](ctx context.Context, src Source[T], opts Options) *Watcher[T] {
	ctx, cancel := context.WithCancel(ctx)
	w := &Watcher[T]{cancel: cancel, events: make(chan result[T]), done: make(chan struct{})}
	go func() {
		defer close(w.events)
		for ev, err := range Watch(ctx, src, opts) {
			select {
			case w.events <- result[T]{ev, err}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return w
}

// Next returns the next event. If ctx ends first it returns ctx's error (a
// deadline means "no event in time", and the watcher stays usable). After
// the watch ended with an error, Next returns that error once and then
// ErrClosed.
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

// All iterates over the remaining events until the watch ends or Close.
func (w *Watcher[T]) All(ctx context.Context) iter.Seq2[Event[T], error] {
	return func(yield func(Event[T], error) bool) {
		for {
			ev, err := w.Next(ctx)
			if errors.Is(err, ErrClosed) {
				return
			}
			if !yield(ev, err) || err != nil {
				return
			}
		}
	}
}

// Close stops the watch and releases its connection.
func (w *Watcher[T]) Close() error {
	w.once.Do(func() {
		close(w.done)
		w.cancel()
	})
	return nil
}
