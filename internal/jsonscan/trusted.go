package jsonscan

import (
	"encoding/binary"
	"math/bits"
)

// The functions below walk JSON that was validated before (by this
// package's scan of the object it is part of): they check nothing, and so
// cost a fraction of a validating walk, which matters where the same bytes
// are read again, as the lazy accessors of an item do. On input that is
// not valid JSON they return wrong answers, never a panic: every index
// they return or pass on is within b.

// Skip returns the index after the valid JSON value at b[i] (white space
// before it skipped).
func Skip(b []byte, i int) int {
	i = SkipSpace(b, i)
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		end, _ := skipString(b, i)
		return end
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i, _ = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	}
	// A number or a literal: up to the next delimiter.
	for i < len(b) && !delimiter(b[i]) {
		i++
	}
	return i
}

// delimiter reports a byte that ends a number or a literal.
func delimiter(c byte) bool { return c == ',' || c == '}' || c == ']' || IsSpace(c) }

// skipString returns the index after the valid string at b[i] == '"' and
// whether it holds escapes.
func skipString(b []byte, i int) (int, bool) {
	i++
	esc := false
	for i < len(b) {
		if i+8 <= len(b) {
			m := stringStops(binary.LittleEndian.Uint64(b[i:]))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) / 8
		}
		switch b[i] {
		case '"':
			return i + 1, esc
		case '\\':
			esc = true
			i += 2
		default:
			i++
		}
	}
	return len(b), esc
}

// EachMember calls member with the name (quotes included), whether the
// name has escapes, and the span of the value of each member of the valid
// object at b[i] == '{', in order, and returns the index after the object.
func EachMember(b []byte, i int, member func(name []byte, esc bool, v Span)) int {
	i = SkipSpace(b, i+1)
	if i >= len(b) || b[i] == '}' {
		return min(i+1, len(b))
	}
	for i < len(b) {
		ne, esc := skipString(b, i)
		name := b[i:ne]
		v := SkipSpace(b, ne)
		v = SkipSpace(b, v+1) // the ':'
		if v >= len(b) {
			return len(b)
		}
		end := max(Skip(b, v), v+1) // never empty, even on input that is not valid
		member(name, esc, Span{Start: v, End: end})
		i = SkipSpace(b, end)
		if i >= len(b) || b[i] != ',' {
			return min(i+1, len(b))
		}
		i = SkipSpace(b, i+1)
	}
	return len(b)
}

// EachElement calls element with the span of each element of the valid
// array at b[i] == '[', in order, and returns the index after the array.
func EachElement(b []byte, i int, element func(v Span)) int {
	i = SkipSpace(b, i+1)
	if i >= len(b) || b[i] == ']' {
		return min(i+1, len(b))
	}
	for i < len(b) {
		end := max(Skip(b, i), i+1)
		element(Span{Start: i, End: end})
		i = SkipSpace(b, end)
		if i >= len(b) || b[i] != ',' {
			return min(i+1, len(b))
		}
		i = SkipSpace(b, i+1)
	}
	return len(b)
}
