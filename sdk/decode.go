package sdk

import (
	"bytes"
	"errors"
	"fmt"
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

// capture is the reader under a jsontext.Decoder that keeps the bytes the
// decoder has read, so the raw JSON of a value can be taken after the value
// was decoded from the stream: each byte is scanned once, not once to find
// the value's end and again to decode it. It also remembers the error of
// the last read, so a broken connection can be told from a malformed body.
type capture struct {
	r    io.Reader
	buf  []byte // input bytes from absolute offset base
	base int64
	max  int64 // bound of the kept input (one value): beyond it, ErrTooLarge
	err  error // last read error other than io.EOF
}

// newCapture returns a capture of r that keeps at most max bytes of one
// value (0: DefaultMaxObjectBytes).
func newCapture(r io.Reader, max int64) *capture {
	if max <= 0 {
		max = DefaultMaxObjectBytes
	}
	return &capture{r: r, max: max}
}

// Read implements io.Reader.
func (c *capture) Read(p []byte) (int, error) {
	if int64(len(c.buf)) > c.max {
		c.err = fmt.Errorf("%w: one object exceeds %d bytes", ErrTooLarge, c.max)
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.buf = append(c.buf, p[:n]...)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// take returns a copy of the input between absolute offsets from and to,
// without the separators (white space, ',' and ':') before the value, and
// forgets the input before to. Offsets outside the kept input are an error
// (never a panic): they mean the decoder did not read through c.
func (c *capture) take(from, to int64) ([]byte, error) {
	if from < c.base || to < from || to-c.base > int64(len(c.buf)) {
		return nil, fmt.Errorf("capture: offsets %d..%d outside the kept input %d..%d", from, to, c.base, c.base+int64(len(c.buf)))
	}
	b := c.buf[from-c.base : to-c.base]
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\t' || b[0] == '\r' || b[0] == ',' || b[0] == ':') {
		b = b[1:]
	}
	out := slices.Clone(b)
	c.forget(to)
	return out, nil
}

// forget drops the input before absolute offset off, compacting the buffer
// once the dropped part dominates it.
func (c *capture) forget(off int64) {
	drop := int(off - c.base)
	if drop <= 0 {
		return
	}
	n := copy(c.buf, c.buf[drop:])
	c.buf = c.buf[:n]
	c.base = off
}

// itemReader decodes one object value from dec, whose input is cp, and
// returns the item; it must consume exactly that value.
type itemReader[T any] func(dec *jsontext.Decoder, cp *capture) (T, error)

// listMeta is the metadata of a list answer.
type listMeta struct {
	ResourceVersion    string `json:"resourceVersion"`
	Continue           string `json:"continue"`
	RemainingItemCount *int64 `json:"remainingItemCount"`
}

// decodeList reads a list body item by item as it arrives: each element of
// "items" is decoded by read straight from the stream and handed to each
// before the next is read, so memory stays at one item plus the decoder's
// buffer whatever the length of the list. It returns the list's metadata.
// each returning false stops decoding (errStopped). An item that does not
// decode ends the list with read's error, its Path set to path.
func decodeList[T any](r io.Reader, max int64, path string, read itemReader[T], each func(T) bool) (listMeta, error) {
	var meta listMeta
	cp := newCapture(r, max)
	dec := jsontext.NewDecoder(cp, decodeOptions)
	fail := func(reason string, err error) (listMeta, error) {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			reason = "truncated list body"
		}
		return meta, &DecodeError{Path: path, Offset: dec.InputOffset(), Reason: reason, Err: err}
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return fail("invalid list body", err)
	}
	if tok.Kind() != '{' {
		return fail("list body is not a JSON object", nil)
	}
	sawItems := false
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return fail("invalid list body", err)
		}
		switch name.String() {
		case "metadata":
			if err := json.UnmarshalDecode(dec, &meta); err != nil {
				return fail("invalid list metadata", err)
			}
		case "items":
			sawItems = true
			if dec.PeekKind() == 'n' {
				if _, err := dec.ReadToken(); err != nil {
					return fail("invalid items", err)
				}
				continue
			}
			if _, err := dec.ReadToken(); err != nil {
				return fail("invalid items", err)
			}
			for k := dec.PeekKind(); k != ']'; k = dec.PeekKind() {
				switch k {
				case '{':
				case 0: // a read or syntax error: let ReadToken report it
					_, err := dec.ReadToken()
					return fail("invalid items", err)
				default:
					return fail("list item is not a JSON object", nil)
				}
				it, err := read(dec, cp)
				if err != nil {
					var de *DecodeError
					if errors.As(err, &de) {
						de.Path = path
						if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
							de.Reason = "truncated list body"
						}
					}
					return meta, err
				}
				if !each(it) {
					return meta, errStopped
				}
			}
			if _, err := dec.ReadToken(); err != nil {
				return fail("invalid items", err)
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return fail("invalid list body", err)
			}
		}
		cp.forget(dec.InputOffset())
	}
	if _, err := dec.ReadToken(); err != nil {
		return fail("invalid list body", err)
	}
	if !sawItems {
		return fail("list body has no items member", nil)
	}
	return meta, nil
}

var errStopped = errors.New("stopped")

// rawReader adapts a decoder of raw JSON into an itemReader: it reads the
// value (one scan) and decodes its copy (a second one), for the untyped
// objects of Proxy.Watch; items decode in one pass (readItem).
func rawReader[T any](decode func(raw []byte) (T, error)) itemReader[T] {
	return func(dec *jsontext.Decoder, cp *capture) (T, error) {
		start := dec.InputOffset()
		if err := dec.SkipValue(); err != nil {
			var zero T
			return zero, &DecodeError{Offset: dec.InputOffset(), Reason: "invalid JSON value", Err: err}
		}
		raw, err := cp.take(start, dec.InputOffset())
		if err != nil {
			var zero T
			return zero, &DecodeError{Offset: start, Reason: "invalid JSON value", Err: err}
		}
		return decode(raw)
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
