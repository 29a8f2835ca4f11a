// Package watch turns Kubernetes watches into typed, robust range-over-func
// loops, and builds a typed cache (Store) and wait-for-condition on top.
//
// The package knows nothing about HTTP or kinds: it drives a Source, which
// the sdk's views implement, so the same machinery serves every kind.
package watch

import (
	"context"
	"strconv"
)

// EventType is the type of a watch event.
type EventType string

// The event types of the Kubernetes watch protocol.
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
	Limit           int64
	Continue        string
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
	// the stream cleanly, a *StatusError for an in-stream ERROR event, and
	// another error when the connection breaks or a frame is malformed.
	Next() (Event[T], error)
	// Close releases the connection; it is safe to call more than once.
	Close() error
}

// Source is a watchable collection: what the sdk's views provide.
type Source[T any] interface {
	// ListPage reads one page of the collection.
	ListPage(ctx context.Context, opts ListOptions) (ListPage[T], error)
	// OpenWatch opens one watch connection.
	OpenWatch(ctx context.Context, opts WatchOptions) (Stream[T], error)
	// Meta returns the key ("namespace/name" or "name"), UID and
	// resourceVersion of an object.
	Meta(obj T) (key, uid, resourceVersion string)
}

// StatusError is an ERROR event received in a watch stream: the server's
// Status object.
type StatusError struct {
	Code    int
	Reason  string
	Message string
}

func (e *StatusError) Error() string {
	return "watch: server error event: " + strconv.Itoa(e.Code) + " " + e.Reason + ": " + e.Message
}
