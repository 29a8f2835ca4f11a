package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync/atomic"
	"time"
)

// loop is the engine under Watch, Watcher, Store and WaitFor: list and
// watch requests, resumption, relists with synthesized differences,
// backoff. It is used by one goroutine.
type loop[T any] struct {
	src     Source[T]
	opts    Options
	clock   Clock
	backoff Backoff
	labeler Labeler[T] // nil: no streaming list
	tomb    Tombstoner[T]

	// emit delivers an event; false stops the loop (errStop).
	emit func(Event[T]) bool
	// last returns the last delivered state of a tracked object, for
	// synthesized Deleted events (Store); nil means tombstones.
	last func(key string) (T, bool)
	// onSync is called after every completed (re)list, once the whole
	// difference has been emitted; nil means nothing to do.
	onSync func()

	rv       string              // resume point: the last delivered resourceVersion
	tracked  map[string]objState // live objects delivered so far
	needList bool                // the next step is a (re)list
	listing  bool                // a list is being delivered: diff against tracked
	seen     map[string]bool     // keys listed in the current list
	noStream bool                // the server rejected the streaming list
	attempt  int                 // consecutive failed attempts
	// goneStreak counts 410s since the last event of a watch: the first
	// relist is immediate, further ones back off.
	goneStreak int
}

type objState struct{ uid, rv string }

// errStop says the consumer stopped the loop.
var errStop = errors.New("watch: stopped by the consumer")

// errIdle says no event arrived on a connection for the idle timeout.
var errIdle = errors.New("watch: connection idle")

// errEmptyEnd says a connection ended cleanly before delivering anything:
// retried with backoff so a server that keeps doing that is not hammered.
var errEmptyEnd = errors.New("watch: the server ended the watch without sending anything")

func newLoop[T any](src Source[T], opts Options, emit func(Event[T]) bool) *loop[T] {
	l := &loop[T]{
		src: src, opts: opts, clock: opts.clock(), backoff: opts.Backoff.withDefaults(),
		emit: emit, tracked: map[string]objState{},
	}
	if lb, ok := src.(Labeler[T]); ok && !opts.NoStreamingList {
		l.labeler = lb
	}
	if tb, ok := src.(Tombstoner[T]); ok {
		l.tomb = tb
	}
	return l
}

// run runs the loop until ctx ends (ctx's error), the consumer stops it
// (errStop) or a permanent error.
func (l *loop[T]) run(ctx context.Context) error {
	if l.src == nil {
		return errors.New("watch: nil Source")
	}
	l.needList = l.opts.InitialList
	if !l.needList {
		l.rv = l.opts.ResourceVersion
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := l.clock.Now()
		var err error
		delivered := false
		switch {
		case l.needList && l.labeler != nil && !l.noStream:
			delivered, err = l.watch(ctx, true)
		case l.needList:
			err = l.list(ctx)
			delivered = err == nil
		case l.rv == "":
			err = l.now(ctx)
			delivered = err == nil
		default:
			delivered, err = l.watch(ctx, false)
		}
		if err == errStop {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		healthy := l.clock.Now().Sub(start) >= l.backoff.ResetAfter
		if healthy {
			l.attempt = 0
		}
		if err == nil {
			if delivered || healthy {
				continue
			}
			err = errEmptyEnd // a clean end without a single event: back off
		}
		var se *StatusError
		switch {
		case errors.As(err, &se) && se.Gone():
			// The resume point expired: relist now. A relist cannot
			// expire (it reads the newest state), so this cannot spin;
			// still, count it so repeated failures back off.
			l.needList, l.rv = true, ""
			l.goneStreak++
			if l.goneStreak == 1 {
				continue
			}
		case errors.Is(err, errStreamRejected):
			l.noStream = true
			continue
		case !retryable(err):
			return err
		}
		l.attempt++
		wait := l.backoff.Delay(l.attempt, l.opts.rand())
		if se != nil && se.RetryAfter > wait {
			wait = se.RetryAfter
		}
		if l.opts.OnRetry != nil {
			l.opts.OnRetry(err, wait)
		}
		if err := sleep(ctx, l.clock, wait); err != nil {
			return err
		}
	}
}

// retryable reports whether err is transient: a temporary server answer or
// a broken connection.
func retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, errIdle) || errors.Is(err, errEmptyEnd) || errors.As(err, &ne)
}

// errStreamRejected wraps the server's rejection of a streaming list.
var errStreamRejected = errors.New("watch: the server rejected the streaming initial list")

func sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	done := make(chan struct{})
	t := c.AfterFunc(d, func() { close(done) })
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}

// now reads the collection's current resourceVersion to watch from.
func (l *loop[T]) now(ctx context.Context) error {
	page, err := l.src.ListPage(ctx, ListOptions{Limit: 1})
	if err != nil {
		return err
	}
	if page.ResourceVersion == "" {
		return errors.New("watch: the list answer has no resourceVersion")
	}
	l.rv = page.ResourceVersion
	return nil
}

// list reads the whole collection page by page and delivers the
// difference to what was delivered before.
func (l *loop[T]) list(ctx context.Context) error {
	l.beginList()
	var lo ListOptions
	for {
		page, err := l.src.ListPage(ctx, lo)
		if err != nil {
			return err
		}
		for _, obj := range page.Items {
			if err := l.listed(obj); err != nil {
				return err
			}
		}
		if page.Continue == "" {
			return l.endList(page.ResourceVersion)
		}
		lo.Continue = page.Continue
	}
}

// watch runs one watch connection; initial asks for the streaming initial
// list. It reports whether any event arrived.
func (l *loop[T]) watch(ctx context.Context, initial bool) (bool, error) {
	wo := WatchOptions{ResourceVersion: l.rv, AllowBookmarks: true, TimeoutSeconds: l.opts.TimeoutSeconds}
	if initial {
		wo.ResourceVersion, wo.SendInitialEvents = "", true
	}
	s, err := l.src.OpenWatch(ctx, wo)
	if err != nil {
		var se *StatusError
		if initial && errors.As(err, &se) && (se.Code == 400 || se.Code == 422) {
			return false, fmt.Errorf("%w: %w", errStreamRejected, err)
		}
		return false, err
	}
	defer s.Close()
	if initial {
		l.beginList()
	}
	got := false
	for {
		ev, err := l.next(s)
		if err != nil {
			if err == io.EOF {
				// A clean end (server timeout). During the initial
				// events the list is incomplete: needList stays set.
				return got, nil
			}
			return got, err
		}
		got = true
		if err := l.handle(ev); err != nil {
			return got, err
		}
	}
}

// next reads one event, closing the stream if nothing arrives within the
// idle timeout.
func (l *loop[T]) next(s Stream[T]) (Event[T], error) {
	d := l.opts.idleTimeout()
	if d <= 0 {
		return s.Next()
	}
	var idle atomic.Bool
	t := l.clock.AfterFunc(d, func() {
		idle.Store(true)
		s.Close()
	})
	ev, err := s.Next()
	t.Stop()
	if idle.Load() {
		if err == nil {
			// The timer fired just after the event arrived; the stream is
			// closed now, so the next read fails and the loop resumes.
			return ev, nil
		}
		return ev, fmt.Errorf("%w: nothing received for %s", errIdle, d)
	}
	return ev, err
}

// handle applies one event of a watch connection.
func (l *loop[T]) handle(ev Event[T]) error {
	key, uid, rv := l.src.Meta(ev.Object)
	if !l.listing {
		l.goneStreak = 0
	}
	switch ev.Type {
	case Bookmark:
		if l.listing {
			if l.labeler.Annotations(ev.Object)[InitialEventsEndAnnotation] == "true" {
				return l.endList(rv)
			}
			return nil
		}
		if rv != "" {
			l.rv = rv
		}
		if l.opts.Bookmarks && !l.emit(ev) {
			return errStop
		}
		return nil
	case Added, Modified:
		if l.listing {
			return l.listed(ev.Object)
		}
		l.tracked[key] = objState{uid, rv}
	case Deleted:
		if l.listing {
			return nil // cannot happen in initial events; the end bookmark settles the state
		}
		delete(l.tracked, key)
	default:
		return fmt.Errorf("watch: unexpected event type %q", ev.Type)
	}
	if rv != "" {
		l.rv = rv
	}
	if !l.emit(ev) {
		return errStop
	}
	return nil
}

func (l *loop[T]) beginList() {
	l.listing = true
	l.seen = map[string]bool{}
}

// listed delivers one object of a (re)list as the difference to what was
// delivered before.
func (l *loop[T]) listed(obj T) error {
	key, uid, rv := l.src.Meta(obj)
	l.seen[key] = true
	old, ok := l.tracked[key]
	l.tracked[key] = objState{uid, rv}
	switch {
	case !ok:
		return l.send(Event[T]{Type: Added, Object: obj})
	case old.uid != uid:
		if err := l.send(Event[T]{Type: Deleted, Object: l.gone(key, old)}); err != nil {
			return err
		}
		return l.send(Event[T]{Type: Added, Object: obj})
	case old.rv != rv:
		return l.send(Event[T]{Type: Modified, Object: obj})
	}
	return nil
}

// endList delivers Deleted for the objects the list no longer has and
// makes rv the resume point.
func (l *loop[T]) endList(rv string) error {
	var gone []string
	for key := range l.tracked {
		if !l.seen[key] {
			gone = append(gone, key)
		}
	}
	slices.Sort(gone)
	for _, key := range gone {
		old := l.tracked[key]
		delete(l.tracked, key)
		if err := l.send(Event[T]{Type: Deleted, Object: l.gone(key, old)}); err != nil {
			return err
		}
	}
	l.listing, l.seen, l.needList, l.rv = false, nil, false, rv
	if l.onSync != nil {
		l.onSync()
	}
	return nil
}

// gone returns the object of a synthesized Deleted event.
func (l *loop[T]) gone(key string, st objState) T {
	if l.last != nil {
		if obj, ok := l.last(key); ok {
			return obj
		}
	}
	if l.tomb != nil {
		return l.tomb.Tombstone(key, st.uid, st.rv)
	}
	var zero T
	return zero
}

func (l *loop[T]) send(ev Event[T]) error {
	if !l.emit(ev) {
		return errStop
	}
	return nil
}
