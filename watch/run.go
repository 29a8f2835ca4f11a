package watch

import (
	"context"
	"errors"
	"iter"
	"sync/atomic"
)

// ErrReused is yielded by a watch iterator ranged over a second time:
// watch iterators are single-use.
var ErrReused = errors.New("watch: iterator already used (watch iterators are single-use)")

// Watch returns a single-use iterator over the events of src, with the
// guarantees described in the package documentation: it resumes after
// server timeouts, broken connections and stalled requests, relists and
// delivers the difference after 410 Gone, backs off between retries, and
// ends only when the consumer breaks out of the loop, or with an error: a
// permanent error of the server or the source, or ctx's error when ctx is
// done. That error is the last element yielded.
//
// One kind of error is not final: when the server sends data that does
// not decode, Watch yields an error matching ErrMalformed (with the
// Source's details, e.g. the sdk's *DecodeError). A consumer that keeps
// ranging gets, after backoff, the difference between a fresh list and
// the events delivered so far (as after 410 Gone), then every later
// event; one that stops ranging ends the watch.
//
// Breaking out of the loop or cancelling ctx closes the connection at
// once. While the loop body runs the connection is not read, so a slow
// body holds the server back (TCP flow control); the API server closes
// watchers that fall far behind, and the loop then resumes or relists.
//
// Bookmark events are yielded only with opts.Bookmarks. Ranging over the
// iterator a second time yields ErrReused.
func Watch[T any](ctx context.Context, src Source[T], opts Options) iter.Seq2[Event[T], error] {
	var used atomic.Bool
	return func(yield func(Event[T], error) bool) {
		if used.Swap(true) {
			yield(Event[T]{}, ErrReused)
			return
		}
		l := newLoop(src, opts.LoopOptions, func(ev Event[T]) bool { return yield(ev, nil) })
		l.initial, l.startRV, l.bookmarks = opts.InitialList, opts.ResourceVersion, opts.Bookmarks
		l.onMalformed = func(err error) bool { return yield(Event[T]{}, err) }
		if err := l.run(ctx); err != errStop {
			yield(Event[T]{}, err)
		}
	}
}
