// Package watch turns Kubernetes watches into typed, robust range-over-func
// loops, and builds a typed cache (Store) and wait-for-condition (WaitFor)
// on top of them.
//
//	pods := cluster.Pods.In("default")
//	for ev, err := range pods.Watch(ctx, watch.Options{InitialList: true}) {
//		if errors.Is(err, watch.ErrMalformed) {
//			log.Print(err) // bad data from the server: the loop relists
//			continue
//		}
//		if err != nil {
//			return err // permanent error, or ctx's error
//		}
//		fmt.Println(ev.Type, ev.Object.Name())
//	}
//
// The package knows nothing about HTTP or kinds: it drives a Source, which
// the sdk's views implement, so the same machinery serves every kind. It
// imports only the standard library and the selector package.
//
// # What the watch loop guarantees
//
// A watch is one loop of list and watch requests that looks like a single
// endless stream of events to its consumer:
//
//   - When the server ends a watch (its timeout) or the connection breaks
//     (including mid-frame), the loop reconnects from the last
//     resourceVersion it delivered, so no event is lost or repeated.
//   - When that resourceVersion has expired (410 Gone, as a response or as
//     an in-stream ERROR event), the loop relists and delivers the
//     difference between the new list and the objects it has delivered so
//     far: Added for objects it has not delivered, Modified for objects
//     whose resourceVersion changed, Deleted for objects that are gone (and
//     Deleted then Added when a name now belongs to a new object, i.e. the
//     UID changed). A consumer that applies every event therefore holds
//     exactly the server's state after the relist. A synthesized Deleted
//     event carries the object's last state when the loop knows it (Store),
//     otherwise a tombstone: an object with only name, namespace, UID and
//     resourceVersion (see Tombstoner).
//   - When the server sends data that does not decode (ErrMalformed), the
//     loop relists with backoff and delivers the difference the same way,
//     so one bad frame or page never freezes a Store. Watch yields that
//     error to its consumer first; a consumer that keeps ranging gets the
//     difference, and every later event.
//   - Between retries it waits with exponential backoff and jitter (see
//     Backoff), at least as long as a 429 or 5xx answer's Retry-After.
//   - No wait is unbounded: every list page and every watch request until
//     its response headers is bounded by LoopOptions.RequestTimeout, and a
//     watch connection on which nothing arrives for LoopOptions.IdleTimeout
//     is considered dead (the loop always asks for bookmarks, which the
//     API server sends about once a minute). A stalled request is
//     abandoned and retried; only the end of ctx ends the loop with ctx's
//     error.
//   - Permanent errors (401, 403, 404, 400, 422, a misconfigured view, an
//     error the Source does not classify) end the loop with that error.
//
// With InitialList the loop first delivers the current state as Added
// events, using the server's streaming initial list (sendInitialEvents)
// when the Source is a StreamingLister, and paginated list + watch
// otherwise, or when the server turns out not to support it.
//
// # Recovery
//
// What the loop does with each error of its Source (ListPage, OpenWatch,
// Stream.Next), in this order of precedence:
//
//   - ctx is done: the loop ends with ctx's error.
//   - An APIStatus (errors.As) with a code or reason, classified by
//     Expired: the resume point is gone; relist, at once the first time
//     and with backoff if the relist's watch expires again without an
//     event in between.
//   - An APIStatus classified by Temporary (429, 5xx, Timeout,
//     ServerTimeout, TooManyRequests): retry the same step after backoff,
//     and at least the server's RetryAfter.
//   - An APIStatus with another code (400, 401, 403, 404, 422, ...):
//     permanent; the loop ends with it. Exception: a 400 or 422 answering
//     a streaming initial list means the server does not support it; the
//     loop switches to list + watch at once.
//   - A broken connection: an error wrapping io.EOF or
//     io.ErrUnexpectedEOF (also a stream that ends inside a frame), a
//     net.Error, any error whose Timeout method reports true, and the
//     loop's own *TimeoutError for a stalled call or an idle connection:
//     resume from the last delivered resourceVersion after backoff (repeat
//     the list or the step that failed).
//   - ErrMalformed (errors.Is): data that does not decode. The loop hands
//     the error to Watch's consumer (a non-final error), then relists after
//     backoff: the offending event is skipped and the relist delivers the
//     difference. A Store reports it (Store.Err) and relists the same way.
//   - A server that ignores sendInitialEvents (before Kubernetes 1.27, or
//     with the WatchList feature off, or a proxy that drops the parameter)
//     answers with the legacy stream (synthetic Added events, then changes)
//     and never sends the end-of-initial-events bookmark. The loop
//     recognises it by a Bookmark without the InitialEventsEndAnnotation,
//     or a Modified or Deleted event, before that bookmark, or by two
//     streaming lists in a row that ended without it; it then switches to
//     list + watch for the rest of its run, relisting at once and
//     delivering the difference.
//   - Any other error is permanent and ends the loop.
//
// Every error the loop recovers from is passed to LoopOptions.OnRetry with
// the wait before the next attempt. A connection that stayed up for
// LoopOptions.ResetAfter resets the backoff.
package watch

import (
	"context"
)

// EventType is the type of a watch event.
type EventType string

// The event types of the Kubernetes watch protocol. Error events never
// reach a consumer as events: a Source returns them as errors (see
// APIStatus).
const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
	Bookmark EventType = "BOOKMARK"
	Error    EventType = "ERROR"
)

// Event is one change to a watched collection: its type and the object as
// it is after the change (for Deleted, its last state). For Bookmark
// events only the object's resourceVersion is meaningful.
type Event[T any] struct {
	Type   EventType
	Object T
}

// ListOptions ask a Source for one page of a list.
type ListOptions struct {
	ResourceVersion string // "" = most recent; "0" = any (cache)
	Limit           int64  // 0 = the source's default page size
	Continue        string // token from the previous page
}

// ListPage is one page of a list answer.
type ListPage[T any] struct {
	Items           []T
	ResourceVersion string // the list's resourceVersion
	Continue        string // token for the next page; "" on the last page
}

// WatchOptions ask a Source to open one watch connection.
type WatchOptions struct {
	// ResourceVersion to start after; "" = from now.
	ResourceVersion string
	// AllowBookmarks asks the server for BOOKMARK events.
	AllowBookmarks bool
	// SendInitialEvents asks the server to stream the current state as
	// ADDED events first, ending with a bookmark annotated
	// "k8s.io/initial-events-end" (with ResourceVersionMatch NotOlderThan).
	SendInitialEvents bool
	// TimeoutSeconds asks the server to end the watch after this long; 0 = server default.
	TimeoutSeconds int64
}

// Stream is one open watch connection.
type Stream[T any] interface {
	// Next returns the next event. It returns io.EOF when the server ends
	// the stream cleanly, an error implementing APIStatus for an in-stream
	// ERROR event, an error matching ErrMalformed for a frame or object
	// that does not decode, and another error (wrapping io.ErrUnexpectedEOF
	// or a net.Error) when the connection breaks.
	Next() (Event[T], error)
	// Close releases the connection; it is safe to call more than once and
	// concurrently with Next, which it interrupts.
	Close() error
}

// Source is a watchable collection: what the sdk's views provide
// (View.Source).
//
// The loop reads the errors of a Source as the package's Recovery section
// describes: a server answer implements APIStatus; undecodable data
// matches ErrMalformed; a broken connection wraps io.EOF,
// io.ErrUnexpectedEOF or a net.Error. Any other error is permanent.
//
// Every call must end when its ctx is cancelled: the loop bounds each
// call with LoopOptions.RequestTimeout by cancelling ctx, and relies on
// that to never hang.
//
// A Source may implement the optional interfaces Labeler, StreamingLister,
// Trimmer, FieldDropper and Tombstoner for more features; the loop finds
// them by type assertion.
type Source[T any] interface {
	// ListPage reads one page of the collection.
	ListPage(ctx context.Context, opts ListOptions) (ListPage[T], error)
	// OpenWatch opens one watch connection. The connection must end when
	// ctx is cancelled.
	OpenWatch(ctx context.Context, opts WatchOptions) (Stream[T], error)
	// Meta returns the key ("namespace/name" or "name"), UID and
	// resourceVersion of an object.
	Meta(obj T) (key, uid, resourceVersion string)
}

// Labeler is implemented by sources whose objects carry labels. Store.List
// needs it to filter by label selector.
type Labeler[T any] interface {
	// Labels returns the object's labels; the caller does not modify them.
	Labels(obj T) map[string]string
}

// StreamingLister is implemented by sources whose OpenWatch honours
// WatchOptions.SendInitialEvents (the server's streaming initial list,
// Kubernetes 1.27+ with the WatchList feature): the loop then makes its
// initial lists and relists with one watch request instead of paginated
// lists (unless LoopOptions.NoStreamingList).
//
// Implementing it is a promise about the Source, not about every server:
// the loop still falls back to list + watch, for the rest of its run,
// when the server rejects the request (400 or 422), or shows that it
// ignored the parameter (see the package's Recovery section).
type StreamingLister[T any] interface {
	// InitialEventsEnd reports whether obj, the object of a Bookmark
	// event, marks the end of the initial events: its annotation
	// InitialEventsEndAnnotation is "true".
	InitialEventsEnd(obj T) bool
}

// Trimmer is implemented by sources that can make a smaller copy of an
// object for caching. A Store calls Trim on every object it keeps unless
// StoreOptions.KeepManagedFields is set; the sdk's views drop
// metadata.managedFields, which is often half of an object's JSON.
type Trimmer[T any] interface {
	// Trim returns the copy of obj to cache.
	Trim(obj T) T
}

// FieldDropper is implemented by sources that can make a copy of an
// object without some of its JSON members, for caching: what a Store uses
// for StoreOptions.DropFields (instead of Trimmer). The sdk's views
// implement it.
type FieldDropper[T any] interface {
	// DropFields returns the copy of obj to cache: obj without the members
	// at paths, each a top-level member name ("spec") or a member of a
	// top-level object ("metadata.annotations"). It returns obj itself
	// when it has none of them, and ignores paths of another form.
	DropFields(obj T, paths []string) T
}

// Tombstoner is implemented by sources that can make a placeholder object
// from its key, UID and resourceVersion: the Object of a Deleted event the
// loop synthesizes after a relist when it does not hold the object's last
// state. Without it such events carry the zero T.
type Tombstoner[T any] interface {
	// Tombstone returns the placeholder of the object with this key, UID
	// and resourceVersion.
	Tombstone(key, uid, resourceVersion string) T
}

// InitialEventsEndAnnotation marks the bookmark that ends the initial
// events of a streaming list (sendInitialEvents=true).
const InitialEventsEndAnnotation = "k8s.io/initial-events-end"
