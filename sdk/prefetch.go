package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/kube-for-go/kube/watch"
)

// Reading ahead. A list or a watch is read by two goroutines: one reads,
// validates and indexes the body (everything the SDK does), the caller's
// own runs the loop body on the items it is given. On a machine with more
// than one core the two overlap, so that a loop that reads every item
// costs about the larger of the two instead of their sum (client-go's
// pager fetches pages ahead for the same reason). Items are handed over
// in batches, so that the hand-over costs next to nothing per item, and a
// batch goes as soon as the reader would wait for the network, so that
// nothing decoded waits for more to arrive. What runs ahead is bounded:
// prefetchBatches batches beside the one being built and the one the loop
// is on, each of at most prefetchBatch items.

const (
	// prefetchBatch is the most items handed over at once.
	prefetchBatch = 64
	// prefetchBatches is how many batches may wait for the loop.
	prefetchBatches = 4
)

// handover is the reading goroutine's side of a prefetch: it collects
// what is decoded and hands it over in batches.
type handover[R any] struct {
	ch      chan []R
	stop    <-chan struct{}
	pending []R
}

// add collects r, and hands the batch over when it is full. It returns
// false when the loop stopped.
func (h *handover[R]) add(r R) bool {
	if h.pending == nil {
		h.pending = make([]R, 0, prefetchBatch)
	}
	h.pending = append(h.pending, r)
	return len(h.pending) < prefetchBatch || h.flush()
}

// flush hands over what was collected (waiting while the loop is behind).
// It returns false when the loop stopped.
func (h *handover[R]) flush() bool {
	if len(h.pending) == 0 {
		return true
	}
	select {
	case h.ch <- h.pending:
		h.pending = nil
		return true
	case <-h.stop:
		return false
	}
}

// flushingReader hands over what was decoded before each read, which may
// wait for the network.
type flushingReader struct {
	r     io.Reader
	flush func() bool
}

// newBuffer passes on the reader's new buffers (aheadReader's), if any.
func (f flushingReader) newBuffer() []byte {
	if nb, ok := f.r.(interface{ newBuffer() []byte }); ok {
		return nb.newBuffer()
	}
	return make([]byte, chunkSize)
}

func (f flushingReader) Read(p []byte) (int, error) {
	// A reader that already holds data (aheadReader) does not wait.
	if b, ok := f.r.(interface{ buffered() bool }); !ok || !b.buffered() {
		if !f.flush() {
			return 0, errStopped
		}
	}
	return f.r.Read(p)
}

// errPanicked wraps the value of a panic in the reading goroutine, raised
// again on the loop's goroutine.
type errPanicked struct{ v any }

func (e errPanicked) Error() string { return fmt.Sprintf("sdk: panic while decoding: %v", e.v) }

// stoppedError is the error of a list whose reading stopped because ctx
// ended: it matches ctx's error (context.Canceled, DeadlineExceeded) and
// its cause, if one was given.
func stoppedError(ctx context.Context) error {
	err, cause := ctx.Err(), context.Cause(ctx)
	if cause == nil || cause == err {
		return fmt.Errorf("sdk: list reading stopped: %w", err)
	}
	return fmt.Errorf("sdk: list reading stopped: %w (%w)", err, cause)
}

// prefetch runs produce on its own goroutine and yields what it emits, in
// order, then its error (if not nil). produce reads its bodies through
// wrap, so that decoded items are handed over before each read; it must
// stop when emit returns false and when its ctx ends. prefetch returns
// only after produce has returned, so nothing outlives the loop. A panic
// in produce is raised again in the caller's goroutine.
func prefetch[T any](ctx context.Context, yield func(T, error) bool, produce func(ctx context.Context, emit func(T) bool, wrap func(io.Reader) io.Reader) error) {
	if !readAhead() {
		var zero T
		if err := produce(ctx, func(it T) bool { return yield(it, nil) }, func(r io.Reader) io.Reader { return r }); err != nil && err != errStopped {
			yield(zero, err)
		}
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	type result struct {
		item T
		err  error
	}
	h := &handover[result]{ch: make(chan []result, prefetchBatches), stop: ctx.Done()}
	done := make(chan struct{})
	var final error // set before done is closed
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				h.flush() // the items decoded before the panic go first
				final = errPanicked{p}
			}
		}()
		err := produce(ctx,
			func(it T) bool { return h.add(result{item: it}) },
			func(r io.Reader) io.Reader { return flushingReader{r: r, flush: h.flush} })
		if ctx.Err() != nil {
			// The loop stopped, or the caller's ctx ended while produce
			// ran: produce may have stopped early (emit or a read failed)
			// and still returned nil or errStopped, and what it collected
			// may not have been handed over. If the loop still reads, it
			// must learn that the list is incomplete, whichever way the
			// hand-over races with the end of ctx.
			if err == nil || !errors.Is(err, ctx.Err()) {
				err = stoppedError(ctx)
			}
			final = err
			return
		}
		ok := true
		if err != nil {
			ok = h.add(result{err: err})
		}
		if !ok || !h.flush() {
			// Only when ctx ended while the loop was behind.
			final = stoppedError(ctx)
		}
	}()
	defer func() {
		cancel()
		<-done
	}()
	for {
		var batch []result
		select {
		case batch = <-h.ch:
		case <-done:
			select {
			case batch = <-h.ch:
			default:
				if p, ok := final.(errPanicked); ok {
					panic(p.v)
				}
				if final != nil {
					var zero T
					yield(zero, final)
				}
				return
			}
		}
		for _, r := range batch {
			if !yield(r.item, r.err) || r.err != nil {
				return
			}
		}
	}
}

// readAhead reports whether reading ahead can overlap with the loop: not
// when the process runs Go code on one core only (GOMAXPROCS 1), where
// the hand-over would only add work.
func readAhead() bool { return runtime.GOMAXPROCS(0) > 1 }

// prefetchedStream is a watch stream read ahead on its own goroutine.
type prefetchedStream[T any] struct {
	inner watch.Stream[T]
	h     handover[prefetchedEvent[T]]
	stop  chan struct{}
	done  chan struct{}
	final error // the stream's last error, set before done is closed
	cur   []prefetchedEvent[T]
	once  sync.Once
}

type prefetchedEvent[T any] struct {
	ev  watch.Event[T]
	err error
}

// newPrefetchedStream reads the stream open makes of body ahead, on its
// own goroutine. Events are handed over before each read of body.
func newPrefetchedStream[T any](body io.Reader, open func(io.Reader) watch.Stream[T]) *prefetchedStream[T] {
	s := &prefetchedStream[T]{stop: make(chan struct{}), done: make(chan struct{})}
	s.h = handover[prefetchedEvent[T]]{ch: make(chan []prefetchedEvent[T], prefetchBatches), stop: s.stop}
	s.inner = open(flushingReader{r: body, flush: s.h.flush})
	go s.run()
	return s
}

func (s *prefetchedStream[T]) run() {
	defer close(s.done)
	defer func() {
		if p := recover(); p != nil {
			s.h.flush() // the events read before the panic go first
			s.final = errPanicked{p}
		}
	}()
	for {
		ev, err := s.inner.Next()
		if errors.Is(err, errStopped) {
			// A read refused after Close (flushingReader): report the
			// stream as closed, not the inner stream's view of it.
			s.final = errStopped
			return
		}
		if err != nil {
			s.h.flush()
			s.final = err
			return
		}
		if !s.h.add(prefetchedEvent[T]{ev: ev}) {
			s.final = errStopped
			return
		}
	}
}

// Next implements watch.Stream: the next event read ahead, or the
// stream's error once the events before it are delivered.
func (s *prefetchedStream[T]) Next() (watch.Event[T], error) {
	for len(s.cur) == 0 {
		select {
		case s.cur = <-s.h.ch:
		case <-s.done:
			select {
			case s.cur = <-s.h.ch:
			default:
				if p, ok := s.final.(errPanicked); ok {
					panic(p.v)
				}
				if s.final == errStopped {
					// Closed while the events waited for the loop.
					return watch.Event[T]{}, &APIError{Method: "WATCH", Err: fmt.Errorf("watch stream closed: %w", io.ErrUnexpectedEOF)}
				}
				return watch.Event[T]{}, s.final
			}
		}
	}
	e := s.cur[0]
	s.cur = s.cur[1:]
	return e.ev, e.err
}

// Close implements watch.Stream: it closes the body, which interrupts
// the reading goroutine, and waits for it to end.
func (s *prefetchedStream[T]) Close() error {
	s.once.Do(func() {
		close(s.stop)
		s.inner.Close()
	})
	<-s.done
	return nil
}
