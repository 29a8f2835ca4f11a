// Package watch turns Kubernetes watches into typed, robust range-over-func
// loops, and builds a typed cache (Store) and wait-for-condition (WaitFor)
// on top of them.
//
//	pods := cluster.Pods.In("default")
//	for ev, err := range pods.Watch(ctx, watch.Options{InitialList: true}) {
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
//   - Between retries it waits with exponential backoff and jitter (see
//     Backoff), at least as long as a 429 or 5xx answer's Retry-After.
//   - A connection on which nothing arrives for Options.IdleTimeout is
//     considered dead and replaced (the loop always asks for bookmarks,
//     which the API server sends about once a minute).
//   - Permanent errors (401, 403, 404, 400, 422, an undecodable object, a
//     misconfigured view) end the loop with that error.
//
// With InitialList the loop first delivers the current state as Added
// events, using the server's streaming initial list (sendInitialEvents)
// when the Source supports it, falling back to paginated list + watch when
// the server rejects it.
package watch

import (
	"context"
	"strconv"
	"time"
)

// EventType is the type of a watch event.
type EventType string

// The event types of the Kubernetes watch protocol. Error events never
// reach a consumer as events: the loop turns them into errors (see
// StatusError).
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
	// the stream cleanly, an error matching *StatusError for an in-stream
	// ERROR event, and another error when the connection breaks or a
	// frame is malformed.
	Next() (Event[T], error)
	// Close releases the connection; it is safe to call more than once and
	// concurrently with Next, which it interrupts.
	Close() error
}

// Source is a watchable collection: what the sdk's views provide
// (View.Source).
//
// How the loop reads the errors of a Source: an error matching
// *StatusError (errors.As) is classified by its code (410 → relist; 429
// and 5xx → retry after backoff or Retry-After; others permanent). An
// error wrapping io.EOF, io.ErrUnexpectedEOF or a net.Error is a broken
// connection and is retried. Any other error is permanent and ends the
// loop.
//
// A Source may implement the optional interfaces Labeler, Trimmer and
// Tombstoner for more features; the loop finds them by type assertion.
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

// Labeler is implemented by sources whose objects carry labels and
// annotations. Store.List needs it to filter by label selector. A Source
// that implements Labeler also promises that OpenWatch honours
// SendInitialEvents (the loop recognizes the end of the initial events by
// the bookmark's "k8s.io/initial-events-end" annotation); without it the
// loop uses list + watch.
type Labeler[T any] interface {
	// Labels returns the object's labels; the caller does not modify them.
	Labels(obj T) map[string]string
	// Annotations returns the object's annotations; the caller does not
	// modify them.
	Annotations(obj T) map[string]string
}

// Trimmer is implemented by sources that can make a smaller copy of an
// object for caching. A Store calls Trim on every object it keeps unless
// StoreOptions.KeepManagedFields is set; the sdk's views drop
// metadata.managedFields, which is often half of an object's JSON.
type Trimmer[T any] interface {
	Trim(obj T) T
}

// Tombstoner is implemented by sources that can make a placeholder object
// from its key, UID and resourceVersion: the Object of a Deleted event the
// loop synthesizes after a relist when it does not hold the object's last
// state. Without it such events carry the zero T.
type Tombstoner[T any] interface {
	Tombstone(key, uid, resourceVersion string) T
}

// InitialEventsEndAnnotation marks the bookmark that ends the initial
// events of a streaming list (sendInitialEvents=true).
const InitialEventsEndAnnotation = "k8s.io/initial-events-end"

// StatusError is a Kubernetes Status the server answered with, either as
// an HTTP error response or as an in-stream ERROR event. The loop reads it
// (with errors.As) to decide between relisting, retrying and giving up;
// the sdk's errors match it.
type StatusError struct {
	Code       int           // HTTP status code (410 for an expired resourceVersion)
	Reason     string        // Status.reason, e.g. "Expired"
	Message    string        // Status.message
	RetryAfter time.Duration // from Retry-After or details.retryAfterSeconds; 0 if none
}

// Error formats the code, reason and message.
func (e *StatusError) Error() string {
	return "watch: server error: " + strconv.Itoa(e.Code) + " " + e.Reason + ": " + e.Message
}

// Gone reports whether the error says the resourceVersion is too old (410
// Gone / Expired): the loop relists.
func (e *StatusError) Gone() bool {
	return e.Code == 410 || e.Reason == "Expired" || e.Reason == "Gone"
}

// Temporary reports whether retrying may succeed: 429 Too Many Requests,
// 5xx, or a Status with reason Timeout or ServerTimeout.
func (e *StatusError) Temporary() bool {
	return e.Code == 429 || e.Code >= 500 || e.Reason == "Timeout" || e.Reason == "ServerTimeout" || e.Reason == "TooManyRequests"
}
