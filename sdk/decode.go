package sdk

import (
	"bytes"
	"errors"
	"io"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// decodeOptions are the syntactic options of every decoder: like the API
// server's own JSON decoding, a duplicate member name keeps the last value
// and invalid UTF-8 is tolerated (replaced), so the SDK never rejects an
// object the server produced. Skipping the duplicate-name bookkeeping is
// also what makes a streaming scan cheap.
var decodeOptions = json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// unmarshal decodes JSON text with decodeOptions.
func unmarshal(data []byte, v any) error { return json.Unmarshal(data, v, decodeOptions) }

// itemReader turns one object of a list or watch body into a T: raw is
// the object's JSON (a view into the read buffer, validated; not to be
// changed), x the spans the scan recorded (relative to raw), off the
// object's offset in the body (for errors).
type itemReader[T any] func(raw []byte, x *objIndex, off int64) (T, error)

// listMeta is the metadata of a list answer.
type listMeta struct {
	ResourceVersion    string `json:"resourceVersion"`
	Continue           string `json:"continue"`
	RemainingItemCount *int64 `json:"remainingItemCount"`
}

// decodeList reads a list body item by item as it arrives, in one pass:
// the scanner validates every byte of each element of "items" and records
// the offsets of its members, read turns it into an item whose raw bytes
// are a view of the read buffer, and each gets it before the next is read.
// Memory stays at the items kept plus one buffer whatever the length of
// the list. It returns the list's metadata; onMeta, if not nil, gets it as
// soon as it is read (before the items when the server writes it first,
// as kube-apiserver does). each returning false stops decoding
// (errStopped). A syntax error or a truncation anywhere, and an
// item that does not decode, end the list with a *DecodeError whose Path
// is path and whose Offset says where in the body.
func decodeList[T any](r io.Reader, max int64, path string, read itemReader[T], each func(T) bool, onMeta func(listMeta)) (listMeta, error) {
	var meta listMeta
	c := newChunks(r, max)
	fail := func(reason string, err error) (listMeta, error) {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			reason = "truncated list body"
		}
		return meta, c.errAt(path, reason, err)
	}
	ch, err := c.peek(false)
	if err != nil {
		return fail("invalid list body", err)
	}
	if ch != '{' {
		return fail("list body is not a JSON object", nil)
	}
	c.pos++
	sawItems := false
	for n := 0; ; n++ {
		ch, err := c.peek(false)
		if err != nil {
			return fail("invalid list body", err)
		}
		if ch == '}' {
			c.pos++
			break
		}
		if n > 0 {
			if ch != ',' {
				return fail("invalid list body", badChar(c.buf, c.pos, "after object value (expecting ',' or '}')"))
			}
			c.pos++
		}
		name, esc, err := c.name("at start of object member name (expecting '\"')")
		if err != nil {
			return fail("invalid list body", err)
		}
		switch {
		case nameIs(name, esc, "metadata"):
			s, e, err := c.value(1)
			if err != nil {
				c.pos = e
				return fail("invalid list metadata", err)
			}
			c.pos = e
			if err := unmarshal(c.buf[s:e], &meta); err != nil {
				c.pos = s
				return fail("invalid list metadata", err)
			}
			if onMeta != nil {
				onMeta(meta)
			}
		case nameIs(name, esc, "items"):
			sawItems = true
			if c.buf[c.pos] == 'n' {
				_, e, err := c.value(1)
				c.pos = e
				if err != nil {
					return fail("invalid items", err)
				}
				continue
			}
			if c.buf[c.pos] != '[' {
				return fail("invalid items", badChar(c.buf, c.pos, "(items is not an array)"))
			}
			c.pos++
			for k := 0; ; k++ {
				ch, err := c.peek(false)
				if err != nil {
					return fail("invalid items", err)
				}
				if ch == ']' {
					c.pos++
					break
				}
				if k > 0 {
					if ch != ',' {
						return fail("invalid items", badChar(c.buf, c.pos, "after array element (expecting ',' or ']')"))
					}
					c.pos++
					if ch, err = c.peek(false); err != nil {
						return fail("invalid items", err)
					}
				}
				if ch != '{' {
					return fail("list item is not a JSON object", nil)
				}
				var x objIndex
				s, e, err := c.scan(func(b []byte, i int, final bool) (int, error) {
					x = objIndex{}
					return scanObject(b, i, final, &x, 2)
				})
				if err != nil {
					c.pos = e
					return fail("invalid items", err)
				}
				x.rebase(s)
				c.pos = e
				it, err := read(c.buf[s:e:e], &x, c.offset(s))
				if err != nil {
					var de *DecodeError
					if errors.As(err, &de) {
						de.Path = path
					}
					return meta, err
				}
				if !each(it) {
					return meta, errStopped
				}
			}
		default:
			_, e, err := c.value(1)
			c.pos = e
			if err != nil {
				return fail("invalid list body", err)
			}
		}
	}
	if !sawItems {
		return fail("list body has no items member", nil)
	}
	return meta, nil
}

var errStopped = errors.New("stopped")

// rawReader adapts a decoder of raw JSON into an itemReader, for the
// untyped objects of Proxy.Watch. raw is a copy the decoder may keep.
func rawReader[T any](decode func(raw []byte) (T, error)) itemReader[T] {
	return func(raw []byte, _ *objIndex, _ int64) (T, error) {
		return decode(slices.Clone(raw))
	}
}

// decodeObjectKind reads apiVersion and kind of a JSON object.
func decodeObjectKind(raw []byte) (apiVersion, kind string, err error) {
	var tm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := unmarshal(raw, &tm); err != nil {
		return "", "", err
	}
	return tm.APIVersion, tm.Kind, nil
}

// checkObjectJSON reports a body that is not a JSON object (null, a
// number, an array, nothing) as a *DecodeError, before it could decode to
// an empty item.
func checkObjectJSON(raw []byte, path string) error {
	b := bytes.TrimLeft(raw, " \t\r\n")
	if len(b) == 0 {
		return &DecodeError{Path: path, Offset: int64(len(raw)), Reason: "empty body: want a JSON object"}
	}
	if b[0] != '{' {
		return &DecodeError{Path: path, Offset: int64(len(raw) - len(b)), Reason: "not a JSON object"}
	}
	return nil
}
