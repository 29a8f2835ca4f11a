// Package jsonscan is the SDK's validating JSON scanner: it checks JSON
// text byte for byte as jsontext does with duplicate names allowed and
// invalid UTF-8 tolerated (nesting limited as jsontext limits it), without
// decoding anything, and gives the
// offsets of values and object members so that callers decode only what
// they read, from views of the validated bytes. The package sdk's
// FuzzScannerMatchesJSONText checks that it accepts and rejects exactly
// what jsontext does.
//
// Inside a container, the ends of strings are found from stop bits: one
// bit per byte marking '"', '\\' and control characters, computed 64 bytes
// at a time (with AVX2 or SSE2 on amd64, see stopWords) into a window a
// few words ahead of the scan, so that a string of any length up to 64
// bytes costs one shift and one trailing-zero count. A scalar value alone,
// and the last bytes of the input, are scanned eight bytes at a time.
// FuzzValid checks that both ways agree everywhere.
//
// Functions take the input b, the index i of the first byte of what they
// scan and final, which says whether b holds the whole input: when it does
// not, running out of input is ErrShort (more input is needed to tell)
// rather than a truncation error.
package jsonscan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"

	"github.com/go-json-experiment/json/jsontext"
)

// MaxDepth is jsontext's nesting limit: a value may nest this many
// arrays and objects, one more is an error.
const MaxDepth = 10000

// ErrShort reports that a value runs past the end of the input that is
// not final: more input is needed to tell.
var ErrShort = errors.New("jsonscan: need more input")

// Error is a syntax error found by the scanner. It names the
// offending character, never the text around it (which may be secret).
type Error struct {
	what string
	c    byte
	eof  bool
}

func (e *Error) Error() string {
	if e.eof {
		return "unexpected end of JSON input"
	}
	return fmt.Sprintf("invalid character %q %s", e.c, e.what)
}

// Unwrap makes a truncation match io.ErrUnexpectedEOF.
func (e *Error) Unwrap() error {
	if e.eof {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// Short is the error of input that ends at i: ErrShort while more may
// come, a truncation when the input is final.
func Short(final bool) error {
	if final {
		return &Error{eof: true}
	}
	return ErrShort
}

// BadChar is the syntax error of the character b[i]; what says where it
// was found, e.g. "in string escape code".
func BadChar(b []byte, i int, what string) error {
	return &Error{c: b[i], what: what}
}

// IsSpace reports JSON white space.
func IsSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// SkipSpace returns the index of the first byte at or after i that is not
// white space (len(b) if none).
func SkipSpace(b []byte, i int) int {
	for i < len(b) && IsSpace(b[i]) {
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
	// Flipping bit 1 maps '"' to 0x20 and the control characters onto
	// themselves, so one "less than 0x21" test finds both.
	q := w ^ (lsb * 0x02)
	s := w ^ (lsb * '\\')
	return ((q-lsb*0x21)&^q | (s-lsb)&^s) & msb
}

// plain marks the bytes that may appear in a string as they are.
var plain = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// shortString returns the index after the string at b[i] == '"' when it
// closes within its first nine bytes with nothing to check on the way
// (most member names and many values), or -1: small enough to inline, so
// that the common case costs no call.
func shortString(b []byte, i int) int {
	if i+10 > len(b) {
		return -1
	}
	// With no stop in the eight bytes, j is the ninth, which may close it.
	j := i + 1 + bits.TrailingZeros64(stringStops(binary.LittleEndian.Uint64(b[i+1:])))/8
	if b[j] == '"' {
		return j + 1
	}
	return -1
}

// String validates the string starting at b[i] == '"' and returns the
// index after its closing quote, and whether it holds escapes.
func String(b []byte, i int, final bool) (int, bool, error) {
	i++ // the opening quote
	esc := false
	for {
		// Find the next stop: eight bytes at a time, then byte by byte in
		// the last seven. The lowest byte stringStops marks is a stop.
		for {
			if i+8 <= len(b) {
				m := stringStops(binary.LittleEndian.Uint64(b[i:]))
				if m == 0 {
					i += 8
					continue
				}
				i += bits.TrailingZeros64(m) / 8
				break
			}
			for i < len(b) && plain[b[i]] {
				i++
			}
			if i >= len(b) {
				return i, esc, Short(final)
			}
			break
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, esc, nil
		case c == '\\':
			esc = true
			if i+1 >= len(b) {
				return i, esc, Short(final)
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := 2; k < 6; k++ {
					if i+k >= len(b) {
						return i, esc, Short(final)
					}
					if !isHex(b[i+k]) {
						return i + k, esc, BadChar(b, i+k, "in \\u escape")
					}
				}
				i += 6
			default:
				return i + 1, esc, BadChar(b, i+1, "in string escape code")
			}
		case c < 0x20:
			return i, esc, BadChar(b, i, "in string (a control character)")
		}
	}
}

func isHex(c byte) bool { return c-'0' < 10 || (c|0x20)-'a' < 6 }

func isDigit(c byte) bool { return c-'0' < 10 }

// number validates the number starting at b[i] and returns the index
// after it. A number is not self-delimiting: one that reaches the end of
// input that is not final is short.
func number(b []byte, i int, final bool) (int, error) {
	if b[i] == '-' {
		i++
		if i >= len(b) {
			return i, Short(final)
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
		return i, BadChar(b, i, "in number (expecting a digit)")
	}
	if i >= len(b) {
		return i, shortEnd(final)
	}
	if b[i] == '.' {
		i++
		if i >= len(b) {
			return i, Short(final)
		}
		if !isDigit(b[i]) {
			return i, BadChar(b, i, "after decimal point in number")
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
			return i, Short(final)
		}
		if b[i] == '+' || b[i] == '-' {
			i++
			if i >= len(b) {
				return i, Short(final)
			}
		}
		if !isDigit(b[i]) {
			return i, BadChar(b, i, "in exponent of number")
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
	return ErrShort
}

// literal validates null, true or false at b[i].
func literal(b []byte, i int, final bool, lit string) (int, error) {
	for k := 0; k < len(lit); k++ {
		if i+k >= len(b) {
			return i + k, Short(final)
		}
		if b[i+k] != lit[k] {
			return i + k, BadChar(b, i+k, "in literal "+lit)
		}
	}
	return i + len(lit), nil
}

// Value validates the JSON value starting at b[i] (no white space
// before it) and returns the index after it. Containers are scanned
// iteratively, with a bit stack of object/array, so deep nesting costs no
// Go stack.
func Value(b []byte, i int, final bool) (int, error) { return ValueIn(b, i, final, 0) }

// ValueIn is Value for a value nested in outer containers, which
// count towards the nesting limit.
//
// The loop is written for compact JSON, as servers send it: a string is
// scanned in place eight bytes at a time, and a member name with its ':'
// is taken in the same step, with no call; white space, escapes and the
// end of the input take the general paths.
func ValueIn(b []byte, i int, final bool, outer int) (int, error) {
	if i < len(b) && (b[i] == '{' || b[i] == '[') {
		var win window
		return win.value(b, i, final, outer)
	}
	return scalar(b, i, final)
}

// scalar validates the value at b[i] that is not a container.
func scalar(b []byte, i int, final bool) (int, error) {
	if i >= len(b) {
		return i, Short(final)
	}
	switch c := b[i]; c {
	case '"':
		if j := plainEnd(b, i+1); j < len(b) && b[j] == '"' {
			return j + 1, nil
		}
		i, _, err := String(b, i, final)
		return i, err
	case 't':
		return literal(b, i, final, "true")
	case 'f':
		return literal(b, i, final, "false")
	case 'n':
		return literal(b, i, final, "null")
	default:
		if c == '-' || isDigit(c) {
			return number(b, i, final)
		}
		return i, BadChar(b, i, "at start of value")
	}
}

// value is ValueIn for a container, with the window's stop bits to find
// the ends of strings.
func (win *window) value(b []byte, i int, final bool, outer int) (int, error) {
	var small [4]uint64
	stack := small[:0] // bit set: 1 = object
	depth := 0
	obj := false  // the innermost open container is an object
	name := false // an object member's name comes before the value
	var err error
values:
	for {
		if name {
			// The name and ':' of a member at b[i] (i < len(b)). The
			// common case, a plain name within the window's words with
			// ':' and the value right after it, is written out here: it
			// runs for every member.
			name = false
			done := false
			if b[i] == '"' {
				j := i + 1
				if off := uint(j - win.base); off < win.lim {
					if m := win.stops(off); m != 0 {
						j += bits.TrailingZeros64(m)
						if j+2 < len(b) && b[j] == '"' && b[j+1] == ':' && b[j+2] > ' ' {
							i, done = j+2, true
						}
					}
				}
			}
			if !done {
				if i, err = win.member(b, i, final); err != nil {
					return i, err
				}
			}
		}
		// A value at b[i].
		if i >= len(b) {
			return i, Short(final)
		}
		switch c := b[i]; c {
		case '"':
			// As for names: a plain string within the window's words.
			j := i + 1
			if off := uint(j - win.base); off < win.lim {
				if m := win.stops(off); m != 0 {
					j += bits.TrailingZeros64(m)
				} else {
					j = win.plainEnd(b, j)
				}
			} else {
				j = win.plainEnd(b, j)
			}
			if j < len(b) && b[j] == '"' {
				i = j + 1
			} else if i, _, err = String(b, i, final); err != nil {
				return i, err
			}
		case '{', '[':
			if depth+outer >= MaxDepth {
				return i, &Error{c: c, what: "(exceeds the maximum nesting depth)"}
			}
			if depth%64 == 0 {
				stack = append(stack, 0)
			}
			obj = c == '{'
			if obj {
				stack[depth/64] |= 1 << (depth % 64)
			} else {
				stack[depth/64] &^= 1 << (depth % 64)
			}
			depth++
			i++
			if i < len(b) && b[i] <= ' ' {
				i = SkipSpace(b, i)
			}
			if i >= len(b) {
				return i, Short(final)
			}
			if obj {
				if b[i] == '}' {
					depth--
					i++
					obj = depth > 0 && stack[(depth-1)/64]>>((depth-1)%64)&1 == 1
					break
				}
				name = true
				continue
			}
			if b[i] == ']' {
				depth--
				i++
				obj = depth > 0 && stack[(depth-1)/64]>>((depth-1)%64)&1 == 1
				break
			}
			continue
		case 't':
			if i, err = literal(b, i, final, "true"); err != nil {
				return i, err
			}
		case 'f':
			if i, err = literal(b, i, final, "false"); err != nil {
				return i, err
			}
		case 'n':
			if i, err = literal(b, i, final, "null"); err != nil {
				return i, err
			}
		default:
			if c == '-' || isDigit(c) {
				if i, err = number(b, i, final); err != nil {
					return i, err
				}
				break
			}
			return i, BadChar(b, i, "at start of value")
		}
		// After a value: close containers or go on to the next element.
		for depth > 0 {
			if i >= len(b) {
				return i, Short(final)
			}
			switch c := b[i]; {
			case c == ',':
				i++
				if i < len(b) && b[i] <= ' ' {
					i = SkipSpace(b, i)
				}
				if obj {
					if i >= len(b) {
						return i, Short(final)
					}
					name = true
				}
				continue values
			case obj && c == '}', !obj && c == ']':
				depth--
				i++
				obj = depth > 0 && stack[(depth-1)/64]>>((depth-1)%64)&1 == 1
			case IsSpace(c):
				i = SkipSpace(b, i)
			case obj:
				return i, BadChar(b, i, "after object value (expecting ',' or '}')")
			default:
				return i, BadChar(b, i, "after array element (expecting ',' or ']')")
			}
		}
		return i, nil
	}
}

// plainEnd returns the index of the first byte at or after i that may
// not appear as it is in a string ('"', '\\' or a control character),
// looking eight bytes at a time; near the end of b, where fewer than
// eight remain, it returns the index where it stopped looking, so that
// the caller checks b[j] == '"' and takes the general path otherwise.
func plainEnd(b []byte, i int) int {
	for i+8 <= len(b) {
		if m := stringStops(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
	}
	return i
}

// memberName validates a member name at b[i] and the ':' after it, and
// returns the index of the member's value (white space skipped).
func memberName(b []byte, i int, final bool) (int, error) {
	if b[i] != '"' {
		return i, BadChar(b, i, "at start of object member name (expecting '\"')")
	}
	if j := shortString(b, i); j > 0 {
		return Colon(b, j, final)
	}
	i, _, err := String(b, i, final)
	if err != nil {
		return i, err
	}
	return Colon(b, i, final)
}

// Colon validates the white space and ':' after a member name at b[i] and
// returns the index of the member's value (white space skipped).
func Colon(b []byte, i int, final bool) (int, error) {
	i = SkipSpace(b, i)
	if i >= len(b) {
		return i, Short(final)
	}
	if b[i] != ':' {
		return i, BadChar(b, i, "after object member name (expecting ':')")
	}
	i = SkipSpace(b, i+1)
	if i >= len(b) {
		return i, Short(final)
	}
	return i, nil
}

// Valid reports whether b is one JSON value with optional white space
// around it, as jsontext reads it with duplicate names allowed and invalid UTF-8 tolerated; the error says
// where it is not.
func Valid(b []byte) (int, error) {
	i := SkipSpace(b, 0)
	i, err := Value(b, i, true)
	if err != nil {
		return i, err
	}
	i = SkipSpace(b, i)
	if i < len(b) {
		return i, BadChar(b, i, "after top-level value")
	}
	return i, nil
}

// NameIs compares the member name b[s:e] (quotes included) with want,
// unescaping a name that holds escapes.
func NameIs(name []byte, esc bool, want string) bool {
	if !esc {
		return len(name) == len(want)+2 && string(name[1:len(name)-1]) == want
	}
	u, _ := Unquote(name)
	return string(u) == want
}

// Members validates the object at b[i] == '{', calling member for each
// member with its name (quotes included), whether the name has escapes, and
// the index of its value; member validates the value and returns its end.
func Members(b []byte, i int, final bool, member func(name []byte, esc bool, v int) (int, error)) (int, error) {
	i = SkipSpace(b, i+1)
	if i >= len(b) {
		return i, Short(final)
	}
	if b[i] == '}' {
		return i + 1, nil
	}
	for {
		if b[i] != '"' {
			return i, BadChar(b, i, "at start of object member name (expecting '\"')")
		}
		var ne, v int
		var esc bool
		var err error
		if j := plainEnd(b, i+1); j+2 < len(b) && b[j] == '"' && b[j+1] == ':' && b[j+2] > ' ' {
			ne, v = j+1, j+2 // compact: "name":value
		} else {
			if ne, esc, err = String(b, i, final); err != nil {
				return ne, err
			}
			if v, err = Colon(b, ne, final); err != nil {
				return v, err
			}
		}
		if i, err = member(b[i:ne], esc, v); err != nil {
			return i, err
		}
		var done bool
		if i, done, err = next(b, i, final, '}', "after object value (expecting ',' or '}')"); done || err != nil {
			return i, err
		}
	}
}

// next reads what follows an element of a container at b[i]: white space
// and either the closing byte (done, the index after it) or ',' and white
// space (the index of the next element). what describes any other byte.
func next(b []byte, i int, final bool, closing byte, what string) (int, bool, error) {
	i = SkipSpace(b, i)
	if i >= len(b) {
		return i, false, Short(final)
	}
	switch b[i] {
	case closing:
		return i + 1, true, nil
	case ',':
		i = SkipSpace(b, i+1)
		if i >= len(b) {
			return i, false, Short(final)
		}
		return i, false, nil
	}
	return i, false, BadChar(b, i, what)
}

// Unquote returns the value of a validated JSON string (quotes
// included). Invalid UTF-8 is replaced, as the decoder does.
func Unquote(s []byte) ([]byte, error) { return jsontext.AppendUnquote(nil, s) }

// DepthError is the error of a container at b[i] nested one level deeper
// than MaxDepth allows.
func DepthError(b []byte, i int) error {
	return &Error{c: b[i], what: "(exceeds the maximum nesting depth)"}
}

// Truncated is the error of input that ends inside a value.
var Truncated error = &Error{eof: true}

// Span is where a value is in a buffer: b[Start:End]. The zero Span (End
// 0) is an absent value.
type Span struct{ Start, End int }

// Ok reports whether the span holds a value.
func (s Span) Ok() bool { return s.End > 0 }

// Of returns the span's bytes of b.
func (s Span) Of(b []byte) []byte { return b[s.Start:s.End] }

// StringAt returns the value of the JSON string at s in b (a view of b
// when it has no escapes, else a copy unescaped), nil for null or an
// absent value, and false for a value of another type. b[s.Start:s.End]
// must be one validated JSON value.
func StringAt(b []byte, s Span) ([]byte, bool) {
	if !s.Ok() {
		return nil, true
	}
	v := s.Of(b)
	if len(v) == 0 {
		return nil, false
	}
	switch v[0] {
	case 'n':
		return nil, true
	case '"':
		if len(v) < 2 || v[len(v)-1] != '"' {
			return nil, false // not a whole string: only from input that was not valid
		}
	default:
		return nil, false
	}
	for _, c := range v[1 : len(v)-1] {
		if c == '\\' {
			u, _ := Unquote(v)
			return u, true
		}
	}
	return v[1 : len(v)-1], true
}

// Elements validates the array at b[i] == '[', calling element with the
// index of each element's value; element validates the value and returns
// its end.
func Elements(b []byte, i int, final bool, element func(v int) (int, error)) (int, error) {
	i = SkipSpace(b, i+1)
	if i >= len(b) {
		return i, Short(final)
	}
	if b[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = element(i); err != nil {
			return i, err
		}
		var done bool
		if i, done, err = next(b, i, final, ']', "after array element (expecting ',' or ']')"); done || err != nil {
			return i, err
		}
	}
}
