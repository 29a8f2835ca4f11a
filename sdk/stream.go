package sdk

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/kube-for-go/kube/watch"
)

// eventStream decodes the frames of one watch response: a sequence of JSON
// objects {"type": ..., "object": ...}, read one at a time as they arrive.
// Each frame is validated and indexed in one pass by the scanner; the
// object's raw bytes are a view of the read buffer (see decodeList).
type eventStream[T any] struct {
	body io.Closer
	c    *chunks
	path string
	read itemReader[T]
	once sync.Once
}

// newEventStream decodes the frames read from r; Close closes body.
func newEventStream[T any](body io.Closer, r io.Reader, max int64, path string, read itemReader[T]) *eventStream[T] {
	return &eventStream[T]{body: body, c: newChunks(r, max), path: path, read: read}
}

// eventTypes are the known event types, so that reading one allocates
// nothing.
var eventTypes = []watch.EventType{watch.Added, watch.Modified, watch.Deleted, watch.Bookmark, watch.Error}

// eventType returns the event type of a JSON string (quotes included).
func eventType(q []byte, esc bool) watch.EventType {
	if !esc {
		for _, t := range eventTypes {
			if len(q) == len(t)+2 && string(q[1:len(q)-1]) == string(t) {
				return t
			}
		}
	}
	u, _ := unquoteJSON(q)
	return watch.EventType(u)
}

// Next implements watch.Stream. A stream that ends between frames is
// io.EOF; one that ends inside a frame is a *DecodeError wrapping
// io.ErrUnexpectedEOF; a failed read is an *APIError (no status code)
// wrapping io.ErrUnexpectedEOF and the read error; all three let the
// watch loop resume. A malformed frame or object is a *DecodeError that
// also matches watch.ErrMalformed: the loop relists.
func (s *eventStream[T]) Next() (watch.Event[T], error) {
	var zero watch.Event[T]
	c := s.c
	ch, err := c.peek(true)
	if err == io.EOF {
		return zero, io.EOF
	}
	if err != nil {
		return zero, s.frameError(err)
	}
	if ch != '{' {
		return zero, &DecodeError{Path: s.path, Offset: c.offset(c.pos), Reason: "malformed watch frame: not a JSON object"}
	}
	var (
		typ, obj span
		typEsc   bool
		x        objIndex
	)
	start, end, err := c.scan(func(b []byte, i int, final bool) (int, error) {
		typ, obj, x = span{}, span{}, objIndex{}
		return scanMembers(b, i, final, func(name []byte, esc bool, v int) (int, error) {
			switch {
			case nameIs(name, esc, "type"):
				end, err := scanValueIn(b, v, final, 1)
				if err == nil {
					typ = span{v, end}
					if b[v] == '"' {
						_, typEsc, _ = scanString(b, v, true)
					}
				}
				return end, err
			case nameIs(name, esc, "object"):
				var end int
				var err error
				if b[v] == '{' {
					x = objIndex{}
					end, err = scanObject(b, v, final, &x, 1)
				} else {
					end, err = scanValueIn(b, v, final, 1)
				}
				if err == nil {
					obj = span{v, end}
				}
				return end, err
			}
			return scanValueIn(b, v, final, 1)
		})
	})
	if err != nil {
		c.pos = end
		return zero, s.frameError(err)
	}
	c.pos = end
	b := c.buf
	if !typ.ok() {
		return zero, &DecodeError{Path: s.path, Offset: c.offset(end), Reason: "malformed watch frame: no type"}
	}
	if b[typ.start] != '"' {
		return zero, &DecodeError{Path: s.path, Offset: c.offset(typ.end), Reason: "malformed watch frame: type is not a string"}
	}
	t := eventType(typ.of(b), typEsc)
	switch t {
	case watch.Added, watch.Modified, watch.Deleted, watch.Bookmark:
	case watch.Error:
		var st statusObject
		if !obj.ok() {
			return zero, &DecodeError{Path: s.path, Offset: -1, Reason: "malformed ERROR event: no object"}
		}
		if err := unmarshal(obj.of(b), &st); err != nil {
			return zero, &DecodeError{Path: s.path, Offset: -1, Reason: "malformed ERROR event", Err: err}
		}
		api := &APIError{Method: "WATCH", Path: s.path, Code: st.Code, Reason: st.Reason, Message: st.Message, Details: st.Details}
		if st.Details != nil && st.Details.RetryAfterSeconds > 0 {
			api.RetryDelay = time.Duration(st.Details.RetryAfterSeconds) * time.Second
		}
		if api.Code == 0 && api.Reason == "" {
			// Not a Status the loop can act on: a malformed frame (it
			// relists), not a permanent error that would end a Store.
			return zero, &DecodeError{Path: s.path, Offset: -1, Reason: "malformed ERROR event: the ERROR event carried no Status (no code, no reason)"}
		}
		return zero, api
	default:
		return zero, &DecodeError{Path: s.path, Offset: -1, Reason: fmt.Sprintf("unknown watch event type %q", t)}
	}
	if !obj.ok() {
		return zero, &DecodeError{Path: s.path, Offset: c.offset(end), Reason: "malformed watch frame: no object"}
	}
	if b[obj.start] != '{' {
		return zero, &DecodeError{Path: s.path, Offset: c.offset(obj.start), Reason: "not a JSON object"}
	}
	_ = start
	x.rebase(obj.start)
	o, err := s.read(b[obj.start:obj.end:obj.end], &x, c.offset(obj.start))
	if err != nil {
		if de, ok := err.(*DecodeError); ok {
			de.Path = s.path
		}
		return zero, err
	}
	return watch.Event[T]{Type: t, Object: o}, nil
}

// brokenRead returns the *APIError of a failed read of the body, if any.
func (s *eventStream[T]) brokenRead() error {
	rerr := s.c.err
	if rerr == nil {
		return nil
	}
	if errors.Is(rerr, io.ErrUnexpectedEOF) {
		return &APIError{Method: "WATCH", Path: s.path, Err: fmt.Errorf("watch stream broken: %w", rerr)}
	}
	return &APIError{Method: "WATCH", Path: s.path, Err: fmt.Errorf("watch stream broken: %w (%w)", io.ErrUnexpectedEOF, rerr)}
}

// frameError classifies a syntactic failure inside a frame.
func (s *eventStream[T]) frameError(err error) error {
	if rerr := s.brokenRead(); rerr != nil {
		return rerr
	}
	reason := "malformed watch frame"
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		reason = "watch stream ended inside a frame"
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: %w", io.ErrUnexpectedEOF, err)
		}
	}
	return &DecodeError{Path: s.path, Offset: s.c.offset(s.c.pos), Reason: reason, Err: err}
}

// Close implements watch.Stream; it interrupts a Next in progress.
func (s *eventStream[T]) Close() error {
	s.once.Do(func() { s.body.Close() })
	return nil
}
