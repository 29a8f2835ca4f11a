package sdk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"

	"github.com/go-json-experiment/json/jsontext"
)

// This file is the SDK's validating JSON scanner: it checks JSON text byte
// for byte as jsontext does under decodeOptions (duplicate names allowed,
// invalid UTF-8 tolerated; nesting limited as jsontext limits it) without
// decoding anything, eight bytes at a time inside strings, and records the
// offsets of the members the item decoder needs (see scanObject). It is
// the one pass over every byte of a list or watch body; values are decoded
// later from the validated views, only when read. FuzzScannerMatchesJSONText
// checks that it accepts and rejects exactly what jsontext does.

// maxScanDepth is jsontext's nesting limit: a value may nest this many
// arrays and objects, one more is an error.
const maxScanDepth = 10000

// errShort reports that a value runs past the end of the input that is
// not final: more input is needed to tell.
var errShort = errors.New("scan: need more input")

// scanError is a syntax error found by the scanner. It names the
// offending character, never the text around it (which may be secret).
type scanError struct {
	what string
	c    byte
	eof  bool
}

func (e *scanError) Error() string {
	if e.eof {
		return "unexpected end of JSON input"
	}
	return fmt.Sprintf("invalid character %q %s", e.c, e.what)
}

// Unwrap makes a truncation match io.ErrUnexpectedEOF.
func (e *scanError) Unwrap() error {
	if e.eof {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// short is the error of input that ends at i: errShort while more may
// come, a truncation when the input is final.
func short(final bool) error {
	if final {
		return &scanError{eof: true}
	}
	return errShort
}

func badChar(b []byte, i int, what string) error {
	return &scanError{c: b[i], what: what}
}

// isSpace reports JSON white space.
func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// skipSpace returns the index of the first byte at or after i that is not
// white space (len(b) if none).
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// stringStops marks the bytes of w that end a run of plain string bytes:
// '"', '\\' and control characters (< 0x20). Exact for the lowest marked
// byte (higher marks may be spurious after a borrow).
func stringStops(w uint64) uint64 {
	q := w ^ (lsb * '"')
	s := w ^ (lsb * '\\')
	return ((q-lsb)&^q | (s-lsb)&^s | (w-lsb*0x20)&^w) & msb
}

// scanString validates the string starting at b[i] == '"' and returns the
// index after its closing quote, and whether it holds escapes.
func scanString(b []byte, i int, final bool) (int, bool, error) {
	i++ // the opening quote
	esc := false
	for {
		for i+8 <= len(b) {
			m := stringStops(binary.LittleEndian.Uint64(b[i:]))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) / 8
			break
		}
		for i < len(b) && b[i] >= 0x20 && b[i] != '"' && b[i] != '\\' {
			i++
			if i&7 == 0 && i+8 <= len(b) {
				break
			}
		}
		if i >= len(b) {
			return i, esc, short(final)
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, esc, nil
		case c == '\\':
			esc = true
			if i+1 >= len(b) {
				return i, esc, short(final)
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := 2; k < 6; k++ {
					if i+k >= len(b) {
						return i, esc, short(final)
					}
					if !isHex(b[i+k]) {
						return i + k, esc, badChar(b, i+k, "in \\u escape")
					}
				}
				i += 6
			default:
				return i + 1, esc, badChar(b, i+1, "in string escape code")
			}
		case c < 0x20:
			return i, esc, badChar(b, i, "in string (a control character)")
		}
	}
}

func isHex(c byte) bool { return c-'0' < 10 || (c|0x20)-'a' < 6 }

func isDigit(c byte) bool { return c-'0' < 10 }

// scanNumber validates the number starting at b[i] and returns the index
// after it. A number is not self-delimiting: one that reaches the end of
// input that is not final is short.
func scanNumber(b []byte, i int, final bool) (int, error) {
	if b[i] == '-' {
		i++
		if i >= len(b) {
			return i, short(final)
		}
	}
	switch {
	case b[i] == '0':
		i++
	case isDigit(b[i]):
		i++
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return i, badChar(b, i, "in number (expecting a digit)")
	}
	if i >= len(b) {
		return i, shortEnd(final)
	}
	if b[i] == '.' {
		i++
		if i >= len(b) {
			return i, short(final)
		}
		if !isDigit(b[i]) {
			return i, badChar(b, i, "after decimal point in number")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i >= len(b) {
			return i, shortEnd(final)
		}
	}
	if b[i] == 'e' || b[i] == 'E' {
		i++
		if i >= len(b) {
			return i, short(final)
		}
		if b[i] == '+' || b[i] == '-' {
			i++
			if i >= len(b) {
				return i, short(final)
			}
		}
		if !isDigit(b[i]) {
			return i, badChar(b, i, "in exponent of number")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i >= len(b) {
			return i, shortEnd(final)
		}
	}
	return i, nil
}

// shortEnd is the end of input right after a complete number: fine when
// the input is final, short otherwise (more digits may follow).
func shortEnd(final bool) error {
	if final {
		return nil
	}
	return errShort
}

// scanLiteral validates null, true or false at b[i].
func scanLiteral(b []byte, i int, final bool, lit string) (int, error) {
	for k := 0; k < len(lit); k++ {
		if i+k >= len(b) {
			return i + k, short(final)
		}
		if b[i+k] != lit[k] {
			return i + k, badChar(b, i+k, "in literal "+lit)
		}
	}
	return i + len(lit), nil
}

// scanValue validates the JSON value starting at b[i] (no white space
// before it) and returns the index after it. Containers are scanned
// iteratively, with a bit stack of object/array, so deep nesting costs no
// Go stack.
func scanValue(b []byte, i int, final bool) (int, error) { return scanValueIn(b, i, final, 0) }

// scanValueIn is scanValue for a value nested in outer containers, which
// count towards the nesting limit.
func scanValueIn(b []byte, i int, final bool, outer int) (int, error) {
	var small [4]uint64
	stack := small[:0] // bit set: 1 = object
	depth := 0
	inObject := func() bool { return stack[(depth-1)/64]>>((depth-1)%64)&1 == 1 }
	var err error
	for {
		// A value at b[i].
		if i >= len(b) {
			return i, short(final)
		}
		switch c := b[i]; c {
		case '"':
			if i, _, err = scanString(b, i, final); err != nil {
				return i, err
			}
		case '{', '[':
			if depth+outer >= maxScanDepth {
				return i, &scanError{c: c, what: "(exceeds the maximum nesting depth)"}
			}
			if depth%64 == 0 {
				stack = append(stack, 0)
			}
			if c == '{' {
				stack[depth/64] |= 1 << (depth % 64)
			} else {
				stack[depth/64] &^= 1 << (depth % 64)
			}
			depth++
			i = skipSpace(b, i+1)
			if i >= len(b) {
				return i, short(final)
			}
			if c == '{' {
				if b[i] == '}' {
					depth--
					i++
					break
				}
				if i, err = scanName(b, i, final); err != nil {
					return i, err
				}
				continue
			}
			if b[i] == ']' {
				depth--
				i++
				break
			}
			continue
		case 't':
			if i, err = scanLiteral(b, i, final, "true"); err != nil {
				return i, err
			}
		case 'f':
			if i, err = scanLiteral(b, i, final, "false"); err != nil {
				return i, err
			}
		case 'n':
			if i, err = scanLiteral(b, i, final, "null"); err != nil {
				return i, err
			}
		default:
			if c == '-' || isDigit(c) {
				if i, err = scanNumber(b, i, final); err != nil {
					return i, err
				}
				break
			}
			return i, badChar(b, i, "at start of value")
		}
		// After a value: close containers or go on to the next element.
		for {
			if depth == 0 {
				return i, nil
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, short(final)
			}
			obj := inObject()
			switch c := b[i]; {
			case c == ',':
				i = skipSpace(b, i+1)
				if obj {
					if i >= len(b) {
						return i, short(final)
					}
					if i, err = scanName(b, i, final); err != nil {
						return i, err
					}
				}
			case obj && c == '}', !obj && c == ']':
				depth--
				i++
				continue
			case obj:
				return i, badChar(b, i, "after object value (expecting ',' or '}')")
			default:
				return i, badChar(b, i, "after array element (expecting ',' or ']')")
			}
			break
		}
	}
}

// scanName validates a member name at b[i] and the ':' after it, and
// returns the index of the member's value (white space skipped).
func scanName(b []byte, i int, final bool) (int, error) {
	if b[i] != '"' {
		return i, badChar(b, i, "at start of object member name (expecting '\"')")
	}
	i, _, err := scanString(b, i, final)
	if err != nil {
		return i, err
	}
	return scanColon(b, i, final)
}

func scanColon(b []byte, i int, final bool) (int, error) {
	i = skipSpace(b, i)
	if i >= len(b) {
		return i, short(final)
	}
	if b[i] != ':' {
		return i, badChar(b, i, "after object member name (expecting ':')")
	}
	i = skipSpace(b, i+1)
	if i >= len(b) {
		return i, short(final)
	}
	return i, nil
}

// validJSON reports whether b is one JSON value with optional white space
// around it, as jsontext reads it under decodeOptions; the error says
// where it is not.
func validJSON(b []byte) (int, error) {
	i := skipSpace(b, 0)
	i, err := scanValue(b, i, true)
	if err != nil {
		return i, err
	}
	i = skipSpace(b, i)
	if i < len(b) {
		return i, badChar(b, i, "after top-level value")
	}
	return i, nil
}

// span is the position of a value in a buffer: b[start:end]. The zero
// span (end 0) is an absent value.
type span struct{ start, end int }

func (s span) ok() bool           { return s.end > 0 }
func (s span) of(b []byte) []byte { return b[s.start:s.end] }

// shifted is s relative to offset d.
func (s span) shifted(d int) span {
	if !s.ok() {
		return s
	}
	return span{s.start - d, s.end - d}
}

// objIndex is what one scan of an object records for the item decoder:
// the spans of the members it decodes eagerly or lazily. A name repeated
// keeps its last value, as the decoder does; a repeated metadata or
// status is flagged, so that the lazy decoders merge them as a decode of
// the whole object would.
type objIndex struct {
	kind, metadata, status        span
	name, namespace, uid, rv, dts span // members of metadata
	labels                        span // metadata.labels (Labels reads only it)
	dupMeta, dupStatus, dupLabels bool
}

// rebase makes the spans relative to offset d (the object's start).
func (x *objIndex) rebase(d int) {
	for _, s := range []*span{&x.kind, &x.metadata, &x.status, &x.name, &x.namespace, &x.uid, &x.rv, &x.dts, &x.labels} {
		*s = s.shifted(d)
	}
}

// nameIs compares the member name b[s:e] (quotes included) with want,
// unescaping a name that holds escapes.
func nameIs(name []byte, esc bool, want string) bool {
	if !esc {
		return len(name) == len(want)+2 && string(name[1:len(name)-1]) == want
	}
	u, _ := unquoteJSON(name)
	return string(u) == want
}

// scanObject validates the object at b[i] == '{' as scanValue does and
// records into x the spans of kind, metadata (and its name, namespace,
// uid, resourceVersion, deletionTimestamp) and status.
func scanObject(b []byte, i int, final bool, x *objIndex, outer int) (int, error) {
	if outer+1 > maxScanDepth {
		return i, &scanError{c: b[i], what: "(exceeds the maximum nesting depth)"}
	}
	return scanMembers(b, i, final, func(name []byte, esc bool, v int) (int, error) {
		switch {
		case nameIs(name, esc, "metadata"):
			if x.metadata.ok() {
				x.dupMeta = true
			}
			var end int
			var err error
			if b[v] == '{' && outer+2 <= maxScanDepth {
				end, err = scanMembers(b, v, final, func(name []byte, esc bool, v int) (int, error) {
					var dst *span
					switch {
					case nameIs(name, esc, "name"):
						dst = &x.name
					case nameIs(name, esc, "namespace"):
						dst = &x.namespace
					case nameIs(name, esc, "uid"):
						dst = &x.uid
					case nameIs(name, esc, "resourceVersion"):
						dst = &x.rv
					case nameIs(name, esc, "deletionTimestamp"):
						dst = &x.dts
					case nameIs(name, esc, "labels"):
						dst = &x.labels
						x.dupLabels = x.labels.ok()
					}
					end, err := scanValueIn(b, v, final, outer+2)
					if err == nil && dst != nil {
						*dst = span{v, end}
					}
					return end, err
				})
			} else {
				end, err = scanValueIn(b, v, final, outer+1)
			}
			if err == nil {
				x.metadata = span{v, end}
			}
			return end, err
		case nameIs(name, esc, "status"):
			if x.status.ok() {
				x.dupStatus = true
			}
			end, err := scanValueIn(b, v, final, outer+1)
			if err == nil {
				x.status = span{v, end}
			}
			return end, err
		case nameIs(name, esc, "kind"):
			end, err := scanValueIn(b, v, final, outer+1)
			if err == nil {
				x.kind = span{v, end}
			}
			return end, err
		}
		return scanValueIn(b, v, final, outer+1)
	})
}

// scanMembers validates the object at b[i] == '{', calling member for each
// member with its name (quotes included), whether the name has escapes, and
// the index of its value; member validates the value and returns its end.
func scanMembers(b []byte, i int, final bool, member func(name []byte, esc bool, v int) (int, error)) (int, error) {
	i = skipSpace(b, i+1)
	if i >= len(b) {
		return i, short(final)
	}
	if b[i] == '}' {
		return i + 1, nil
	}
	for {
		if b[i] != '"' {
			return i, badChar(b, i, "at start of object member name (expecting '\"')")
		}
		ne, esc, err := scanString(b, i, final)
		if err != nil {
			return ne, err
		}
		v, err := scanColon(b, ne, final)
		if err != nil {
			return v, err
		}
		if i, err = member(b[i:ne], esc, v); err != nil {
			return i, err
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, short(final)
		}
		switch b[i] {
		case '}':
			return i + 1, nil
		case ',':
			i = skipSpace(b, i+1)
			if i >= len(b) {
				return i, short(final)
			}
		default:
			return i, badChar(b, i, "after object value (expecting ',' or '}')")
		}
	}
}

// unquoteJSON returns the value of a validated JSON string (quotes
// included). Invalid UTF-8 is replaced, as the decoder does.
func unquoteJSON(s []byte) ([]byte, error) { return jsontext.AppendUnquote(nil, s) }
