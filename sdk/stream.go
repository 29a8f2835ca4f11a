package sdk

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/watch"
)

// eventStream decodes the frames of one watch response: a sequence of JSON
// objects {"type": ..., "object": ...}, read one at a time as they arrive.
// The object of each frame is decoded straight from the stream in a single
// pass (see readItem).
type eventStream[T any] struct {
	body io.ReadCloser
	cp   *capture
	dec  *jsontext.Decoder
	path string
	read itemReader[T]
	once sync.Once
}

func newEventStream[T any](body io.ReadCloser, max int64, path string, read itemReader[T]) *eventStream[T] {
	cp := newCapture(body, max)
	return &eventStream[T]{body: body, cp: cp, dec: jsontext.NewDecoder(cp, decodeOptions), path: path, read: read}
}

// Next implements watch.Stream. A stream that ends between frames is
// io.EOF; one that ends inside a frame is a *DecodeError wrapping
// io.ErrUnexpectedEOF; a failed read is an *APIError (no status code)
// wrapping io.ErrUnexpectedEOF and the read error; all three let the
// watch loop resume. A malformed frame or object is a *DecodeError that
// also matches watch.ErrMalformed: the loop relists.
func (s *eventStream[T]) Next() (watch.Event[T], error) {
	var zero watch.Event[T]
	tok, err := s.dec.ReadToken()
	if err == io.EOF {
		return zero, io.EOF
	}
	if err != nil {
		return zero, s.frameError(err)
	}
	if tok.Kind() != '{' {
		return zero, &DecodeError{Path: s.path, Offset: s.dec.InputOffset(), Reason: "malformed watch frame: not a JSON object"}
	}
	var (
		typ       watch.EventType
		obj       T
		haveObj   bool
		rawObject []byte // the object, when it came before the type
	)
	for s.dec.PeekKind() != '}' {
		name, err := s.dec.ReadToken()
		if err != nil {
			return zero, s.frameError(err)
		}
		switch name.String() {
		case "type":
			t, err := s.dec.ReadToken()
			if err != nil {
				return zero, s.frameError(err)
			}
			if t.Kind() != '"' {
				return zero, &DecodeError{Path: s.path, Offset: s.dec.InputOffset(), Reason: "malformed watch frame: type is not a string"}
			}
			typ = watch.EventType(t.String())
		case "object":
			switch {
			case typ == "" || typ == watch.Error || s.dec.PeekKind() != '{':
				// Keep the bytes: an ERROR's Status, or an object whose
				// event type is not known yet.
				start := s.dec.InputOffset()
				if err := s.dec.SkipValue(); err != nil {
					return zero, s.frameError(err)
				}
				raw, err := s.cp.take(start, s.dec.InputOffset())
				if err != nil {
					return zero, &DecodeError{Path: s.path, Offset: start, Reason: "malformed watch frame", Err: err}
				}
				rawObject = raw
			default:
				o, err := s.read(s.dec, s.cp)
				if err != nil {
					if de, ok := err.(*DecodeError); ok {
						de.Path = s.path
						if rerr := s.brokenRead(); rerr != nil {
							return zero, rerr
						}
					}
					return zero, err
				}
				obj, haveObj = o, true
			}
		default:
			if err := s.dec.SkipValue(); err != nil {
				return zero, s.frameError(err)
			}
		}
	}
	if _, err := s.dec.ReadToken(); err != nil {
		return zero, s.frameError(err)
	}
	s.cp.forget(s.dec.InputOffset())

	switch typ {
	case watch.Added, watch.Modified, watch.Deleted, watch.Bookmark:
	case watch.Error:
		var st statusObject
		if err := unmarshal(rawObject, &st); err != nil {
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
	case "":
		return zero, &DecodeError{Path: s.path, Offset: s.dec.InputOffset(), Reason: "malformed watch frame: no type"}
	default:
		return zero, &DecodeError{Path: s.path, Offset: -1, Reason: fmt.Sprintf("unknown watch event type %q", typ)}
	}
	if !haveObj {
		if rawObject == nil {
			return zero, &DecodeError{Path: s.path, Offset: s.dec.InputOffset(), Reason: "malformed watch frame: no object"}
		}
		// The object came before the type: decode the kept bytes.
		cp := newCapture(bytes.NewReader(rawObject), 0)
		o, err := s.read(jsontext.NewDecoder(cp, decodeOptions), cp)
		if err != nil {
			if de, ok := err.(*DecodeError); ok {
				de.Path = s.path
			}
			return zero, err
		}
		obj = o
	}
	return watch.Event[T]{Type: typ, Object: obj}, nil
}

// brokenRead returns the *APIError of a failed read of the body, if any.
func (s *eventStream[T]) brokenRead() error {
	rerr := s.cp.err
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
	return &DecodeError{Path: s.path, Offset: s.dec.InputOffset(), Reason: reason, Err: err}
}

// Close implements watch.Stream; it interrupts a Next in progress.
func (s *eventStream[T]) Close() error {
	s.once.Do(func() { s.body.Close() })
	return nil
}
