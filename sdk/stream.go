package sdk

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/watch"
)

// eventStream decodes the frames of one watch response: a sequence of JSON
// objects {"type": ..., "object": ...}, read one at a time as they arrive.
type eventStream[T any] struct {
	body   io.ReadCloser
	dec    *jsontext.Decoder
	path   string
	decode func(raw []byte) (T, error)
	once   sync.Once
}

func newEventStream[T any](body io.ReadCloser, path string, decode func([]byte) (T, error)) *eventStream[T] {
	return &eventStream[T]{body: body, dec: jsontext.NewDecoder(body), path: path, decode: decode}
}

type wireEvent struct {
	Type   string         `json:"type"`
	Object jsontext.Value `json:"object"`
}

// Next implements watch.Stream.
func (s *eventStream[T]) Next() (watch.Event[T], error) {
	var zero watch.Event[T]
	v, err := s.dec.ReadValue()
	if err == io.EOF {
		return zero, io.EOF
	}
	if err != nil {
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
		return zero, &watchError{StatusError: watch.StatusError{Code: st.Code, Reason: st.Reason, Message: st.Message}, api: &APIError{Method: "WATCH", Path: s.path, StatusCode: st.Code, Reason: st.Reason, Message: st.Message}}
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

// Close implements watch.Stream.
func (s *eventStream[T]) Close() error {
	s.once.Do(func() { s.body.Close() })
	return nil
}

// watchError is an in-stream ERROR event: it matches both
// *watch.StatusError and the *APIError categories (ErrGone for an expired
// resourceVersion).
type watchError struct {
	watch.StatusError
	api *APIError
}

func (e *watchError) Error() string { return e.api.Error() }

// Is matches ErrKube and the categories of the equivalent APIError.
func (e *watchError) Is(target error) bool { return e.api.Is(target) }

// As lets errors.As find the *APIError and the *watch.StatusError.
func (e *watchError) As(target any) bool {
	switch t := target.(type) {
	case **APIError:
		*t = e.api
		return true
	case **watch.StatusError:
		*t = &e.StatusError
		return true
	}
	return false
}
