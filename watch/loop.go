package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"
)

// loop is the engine under Watch, Watcher, Store and WaitFor: list and
// watch requests, resumption, relists with synthesized differences,
// backoff, bounded waits. It is used by one goroutine.
type loop[T any] struct {
	src       Source[T]
	opts      LoopOptions // with defaults
	initial   bool        // start with a list (InitialList)
	startRV   string      // else the first resume point ("" = now)
	bookmarks bool        // deliver bookmarks
	streamer  StreamingLister[T]
	tomb      Tombstoner[T]

	// emit delivers an event; false stops the loop (errStop).
	emit func(Event[T]) bool
	// last returns the last delivered state of a tracked object, for
	// synthesized Deleted events (Store); nil means tombstones.
	last func(key string) (T, bool)
	// onSync is called after every completed (re)list, once the whole
	// difference has been emitted; nil means nothing to do.
	onSync func()
	// onMalformed is handed each ErrMalformed error before the loop
	// relists; false stops the loop (errStop). nil means continue.
	onMalformed func(error) bool
	// health is told of each error the loop recovers from, and of nil once
	// the loop is in sync again (a completed list, a resumed watch).
	health func(error)

	rv         string              // resume point: the last delivered resourceVersion
	tracked    map[string]objState // live objects delivered so far
	needList   bool                // the next step is a (re)list
	listing    bool                // a list is being delivered: diff against tracked
	streaming  bool                // ... by a streaming initial list
	seen       map[string]bool     // keys listed in the current list
	noStream   bool                // the server does not support the streaming list
	incomplete int                 // streaming lists in a row that ended before their end
	attempt    int                 // consecutive failed attempts
	// goneStreak counts 410s since the last event of a watch: the first
	// relist is immediate, further ones back off.
	goneStreak int
}

type objState struct{ uid, rv string }

// errStop says the consumer stopped the loop.
var errStop = errors.New("watch: stopped by the consumer")

// errEmptyEnd says a connection ended cleanly before delivering anything:
// retried with backoff so a server that keeps doing that is not hammered.
var errEmptyEnd = errors.New("watch: the server ended the watch without sending anything")

// errNoStreamingList wraps the signs that the server does not support
// the streaming initial list: the loop falls back to list + watch.
var errNoStreamingList = errors.New("watch: the server does not support the streaming initial list (sendInitialEvents); falling back to list + watch")

// maxIncompleteStreams is the number of streaming lists in a row that may
// end before their end bookmark before the loop falls back to list + watch.
const maxIncompleteStreams = 2

func newLoop[T any](src Source[T], opts LoopOptions, emit func(Event[T]) bool) *loop[T] {
	l := &loop[T]{src: src, opts: opts.withDefaults(), emit: emit, tracked: map[string]objState{}}
	if st, ok := src.(StreamingLister[T]); ok && !opts.NoStreamingList {
		l.streamer = st
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
	l.needList = l.initial
	if !l.needList {
		l.rv = l.startRV
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		var err error
		delivered := false
		switch {
		case l.needList && l.streamer != nil && !l.noStream:
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
		healthy := time.Since(start) >= l.opts.ResetAfter
		if healthy {
			l.attempt = 0
		}
		if err == nil {
			if delivered || healthy {
				continue
			}
			err = errEmptyEnd // a clean end without a single event: back off
		}
		class, retryAfter := classify(err)
		immediate := false
		switch {
		case errors.Is(err, errNoStreamingList):
			l.noStream, l.needList = true, true
			immediate = true
		case class == expired:
			// The resume point expired: relist now. A relist cannot
			// expire (it reads the newest state), so this cannot spin;
			// still, count it so repeated failures back off.
			l.needList, l.rv = true, ""
			l.goneStreak++
			immediate = l.goneStreak == 1
		case class == malformed:
			// Skip the bad data: relist. (A failed list is repeated
			// anyway; a failed read of the current resourceVersion too.)
			if !l.needList && l.rv != "" {
				l.needList, l.rv = true, ""
			}
			if l.onMalformed != nil && !l.onMalformed(err) {
				return errStop
			}
		case class == temporary, class == broken:
		default:
			return err
		}
		var wait time.Duration
		if !immediate {
			l.attempt++
			wait = max(l.opts.Backoff.Delay(l.attempt, rand.Float64()), retryAfter)
		}
		l.report(err, wait)
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// report tells the observers of an error the loop recovers from.
func (l *loop[T]) report(err error, wait time.Duration) {
	if l.health != nil {
		l.health(err)
	}
	if l.opts.OnRetry != nil {
		l.opts.OnRetry(err, wait)
	}
}

// inSync tells the health observer that the loop is in sync again.
func (l *loop[T]) inSync() {
	if l.health != nil {
		l.health(nil)
	}
}

// listPage reads one page, abandoning the call after RequestTimeout.
func (l *loop[T]) listPage(ctx context.Context, lo ListOptions) (ListPage[T], error) {
	d := l.opts.RequestTimeout
	cctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	page, err := l.src.ListPage(cctx, lo)
	if err != nil && ctx.Err() == nil && cctx.Err() != nil {
		return page, &TimeoutError{Op: "list", After: d}
	}
	return page, err
}

// now reads the collection's current resourceVersion to watch from.
func (l *loop[T]) now(ctx context.Context) error {
	page, err := l.listPage(ctx, ListOptions{Limit: 1})
	if err != nil {
		return err
	}
	if page.ResourceVersion == "" {
		return fmt.Errorf("%w: the list answer has no resourceVersion", ErrMalformed)
	}
	l.rv = page.ResourceVersion
	return nil
}

// list reads the whole collection page by page and delivers the
// difference to what was delivered before.
func (l *loop[T]) list(ctx context.Context) error {
	l.beginList(false)
	var lo ListOptions
	for {
		page, err := l.listPage(ctx, lo)
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
		if page.Continue == lo.Continue {
			return fmt.Errorf("%w: the server answered continue token %q with itself", ErrMalformed, shorten(page.Continue))
		}
		lo.Continue = page.Continue
	}
}

// shorten cuts a long server-provided string for an error message.
func shorten(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// open opens one watch connection; ctx is the connection's context and
// cancel cancels it. The call is abandoned after RequestTimeout.
func (l *loop[T]) open(ctx context.Context, cancel context.CancelFunc, wo WatchOptions) (Stream[T], error) {
	d := l.opts.RequestTimeout
	t := time.AfterFunc(d, cancel)
	s, err := l.src.OpenWatch(ctx, wo)
	if t.Stop() {
		return s, err
	}
	// The bound expired: the call was abandoned (ctx cancelled).
	if err == nil && s != nil {
		s.Close()
	}
	return nil, &TimeoutError{Op: "open watch", After: d}
}

// watch runs one watch connection; initial asks for the streaming initial
// list. It reports whether any event arrived.
func (l *loop[T]) watch(ctx context.Context, initial bool) (bool, error) {
	wo := WatchOptions{ResourceVersion: l.rv, AllowBookmarks: true, TimeoutSeconds: l.opts.TimeoutSeconds}
	if initial {
		wo.ResourceVersion, wo.SendInitialEvents = "", true
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := l.open(wctx, cancel, wo)
	if err != nil {
		if initial && rejected(err) {
			return false, fmt.Errorf("%w: %w", errNoStreamingList, err)
		}
		return false, err
	}
	defer s.Close()
	if initial {
		l.beginList(true)
	} else {
		l.inSync()
	}
	var idle atomic.Bool
	t := time.AfterFunc(time.Hour, func() {
		idle.Store(true)
		s.Close()
	})
	defer t.Stop()
	got := false
	for {
		d := l.opts.IdleTimeout
		if l.streaming {
			d = min(d, l.opts.RequestTimeout)
		}
		t.Reset(d)
		ev, err := s.Next()
		if idle.Load() && err != nil {
			err = &TimeoutError{Op: "read watch", After: d}
		}
		if err != nil {
			if l.streaming {
				if rejected(err) {
					return got, fmt.Errorf("%w: %w", errNoStreamingList, err)
				}
				// The initial events ended before their end bookmark.
				if l.incomplete++; l.incomplete >= maxIncompleteStreams {
					return got, fmt.Errorf("%w: %d streaming lists in a row ended before the end of their initial events: %w", errNoStreamingList, l.incomplete, err)
				}
			}
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

// rejected reports whether err is the server's refusal of a streaming
// initial list: 400 Bad Request or 422 Invalid.
func rejected(err error) bool {
	var st APIStatus
	return errors.As(err, &st) && (st.StatusCode() == 400 || st.StatusCode() == 422)
}

// handle applies one event of a watch connection.
func (l *loop[T]) handle(ev Event[T]) error {
	key, uid, rv := l.src.Meta(ev.Object)
	if l.streaming {
		// The initial events: a server that honours sendInitialEvents
		// sends only Added events, then the annotated bookmark.
		switch ev.Type {
		case Added:
			return l.listed(ev.Object)
		case Bookmark:
			if l.streamer.InitialEventsEnd(ev.Object) {
				return l.endList(rv)
			}
			return fmt.Errorf("%w: a bookmark without the %s annotation arrived during the initial events", errNoStreamingList, InitialEventsEndAnnotation)
		case Modified, Deleted:
			return fmt.Errorf("%w: a %s event arrived during the initial events", errNoStreamingList, ev.Type)
		}
		return fmt.Errorf("%w: unexpected event type %q", ErrMalformed, shorten(string(ev.Type)))
	}
	l.goneStreak = 0
	switch ev.Type {
	case Bookmark:
		if rv != "" {
			l.rv = rv
		}
		if l.bookmarks && !l.emit(ev) {
			return errStop
		}
		return nil
	case Added, Modified:
		l.tracked[key] = objState{uid, rv}
	case Deleted:
		delete(l.tracked, key)
	default:
		return fmt.Errorf("%w: unexpected event type %q", ErrMalformed, shorten(string(ev.Type)))
	}
	if rv != "" {
		l.rv = rv
	}
	if !l.emit(ev) {
		return errStop
	}
	return nil
}

func (l *loop[T]) beginList(streaming bool) {
	l.listing, l.streaming = true, streaming
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
	l.listing, l.streaming, l.seen, l.needList, l.rv = false, false, nil, false, rv
	l.incomplete = 0
	l.inSync()
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
