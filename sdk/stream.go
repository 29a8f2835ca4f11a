package sdk

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/watch"
)

// eventStream decodes the frames of one watch response: a sequence of JSON
// objects {"type": ..., "object": ...}, read one at a time as they arrive.
type eventStream[T any] struct {
	body   io.ReadCloser
	rd     *readRecorder
	dec    *jsontext.Decoder
	path   string
	decode func(raw []byte) (T, error)
	once   sync.Once
}

// readRecorder remembers the error of the last read, so a broken
// connection can be told from a malformed frame.
type readRecorder struct {
	r   io.Reader
	err error
}

// Read implements io.Reader.
func (r *readRecorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

func newEventStream[T any](body io.ReadCloser, path string, decode func([]byte) (T, error)) *eventStream[T] {
	rd := &readRecorder{r: body}
	return &eventStream[T]{body: body, rd: rd, dec: jsontext.NewDecoder(rd), path: path, decode: decode}
}

type wireEvent struct {
	Type   string         `json:"type"`
	Object jsontext.Value `json:"object"`
}

// Next implements watch.Stream. A stream that ends between frames is
// io.EOF; one that ends inside a frame is a *DecodeError wrapping
// io.ErrUnexpectedEOF; a failed read is an *APIError (no status code)
// wrapping io.ErrUnexpectedEOF and the read error; all three let the
// watch loop resume. A malformed frame or object is a *DecodeError that
// ends the loop.
func (s *eventStream[T]) Next() (watch.Event[T], error) {
	var zero watch.Event[T]
	v, err := s.dec.ReadValue()
	if err == io.EOF {
		return zero, io.EOF
	}
	if err != nil {
		if rerr := s.rd.err; rerr != nil {
			if errors.Is(rerr, io.ErrUnexpectedEOF) {
				return zero, &APIError{Method: "WATCH", Path: s.path, Err: fmt.Errorf("watch stream broken: %w", rerr)}
			}
			return zero, &APIError{Method: "WATCH", Path: s.path, Err: fmt.Errorf("watch stream broken: %w (%w)", io.ErrUnexpectedEOF, rerr)}
		}
		reason := "malformed watch frame"
		if errors.Is(err, io.ErrUnexpectedEOF) {
			reason = "watch stream ended inside a frame"
		}
		return zero, &DecodeError{Path: s.path, Offset: s.dec.InputOffset(), Reason: reason, Err: err}
	}
	var we wireEvent
	if err := json.Unmarshal(v, &we); err != nil {
		return zero, &DecodeError{Path: s.path, Offset: s.dec.InputOffset(), Reason: "malformed watch frame", Err: err}
	}
	typ := watch.EventType(we.Type)
	switch typ {
	case watch.Added, watch.Modified, watch.Deleted, watch.Bookmark:
	case watch.Error:
		var st statusObject
		if err := json.Unmarshal(we.Object, &st); err != nil {
			return zero, &DecodeError{Path: s.path, Offset: -1, Reason: "malformed ERROR event", Err: err}
		}
		api := &APIError{Method: "WATCH", Path: s.path, StatusCode: st.Code, Reason: st.Reason, Message: st.Message, Details: st.Details}
		if st.Details != nil && st.Details.RetryAfterSeconds > 0 {
			api.RetryAfter = time.Duration(st.Details.RetryAfterSeconds) * time.Second
		}
		return zero, &watchError{StatusError: watch.StatusError{Code: st.Code, Reason: st.Reason, Message: st.Message, RetryAfter: api.RetryAfter}, api: api}
	default:
		return zero, &DecodeError{Path: s.path, Offset: -1, Reason: fmt.Sprintf("unknown watch event type %q", we.Type)}
	}
	obj, err := s.decode(slices.Clone([]byte(we.Object)))
	if err != nil {
		if de, ok := err.(*DecodeError); ok {
			de.Path = s.path
		}
		return zero, err
	}
	return watch.Event[T]{Type: typ, Object: obj}, nil
}

// Close implements watch.Stream; it interrupts a Next in progress.
func (s *eventStream[T]) Close() error {
	s.once.Do(func() { s.body.Close() })
	return nil
}

// watchError is an error answer of the server, as a response or as an
// in-stream ERROR event: it matches both *watch.StatusError (which the
// watch loop reads) and the *APIError categories (ErrGone for an expired
// resourceVersion).
type watchError struct {
	watch.StatusError
	api *APIError
}

// Error is the APIError's message.
func (e *watchError) Error() string { return e.api.Error() }

// Unwrap returns the *APIError.
func (e *watchError) Unwrap() error { return e.api }

// Is matches ErrKube and the categories of the equivalent APIError.
func (e *watchError) Is(target error) bool { return e.api.Is(target) }

// As lets errors.As find the *watch.StatusError (the *APIError is found
// through Unwrap).
func (e *watchError) As(target any) bool {
	if t, ok := target.(**watch.StatusError); ok {
		*t = &e.StatusError
		return true
	}
	return false
}
