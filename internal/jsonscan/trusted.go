package jsonscan

import "math/bits"

// The functions below walk JSON that was validated before (by this
// package's scan of the object it is part of): they check nothing, and so
// cost a fraction of a validating walk, which matters where the same bytes
// are read again, as the lazy accessors of an item do. On input that is
// not valid JSON they return wrong answers, never a panic: every index
// they return or pass on is within b.

// Skip returns the index after the valid JSON value at b[i] (white space
// before it skipped).
func Skip(b []byte, i int) int {
	var win window
	return win.skip(b, i)
}

// skip is Skip with the window's stop bits to find the ends of strings.
func (win *window) skip(b []byte, i int) int {
	i = SkipSpace(b, i)
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		end, _ := win.skipString(b, i)
		return end
	case '{', '[':
		if haveStructWords {
			return skipContainer(b, i)
		}
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i, _ = win.skipString(b, i)
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
func (win *window) skipString(b []byte, i int) (int, bool) {
	i++
	esc := false
	for {
		i = win.plainEnd(b, i)
		if i >= len(b) {
			return len(b), esc
		}
		switch b[i] {
		case '"':
			return i + 1, esc
		case '\\':
			esc = true
			i += 2
		default:
			i++ // plainEnd near the end stops without a stop byte
		}
	}
}

// EachMember calls member with the name (quotes included), whether the
// name has escapes, and the span of the value of each member of the valid
// object at b[i] == '{', in order, and returns the index after the object.
func EachMember(b []byte, i int, member func(name []byte, esc bool, v Span)) int {
	var win window
	i = SkipSpace(b, i+1)
	if i >= len(b) || b[i] == '}' {
		return min(i+1, len(b))
	}
	for i < len(b) {
		ne, esc := win.skipString(b, i)
		name := b[i:ne]
		v := SkipSpace(b, ne)
		v = SkipSpace(b, v+1) // the ':'
		if v >= len(b) {
			return len(b)
		}
		end := max(win.skip(b, v), v+1) // never empty, even on input that is not valid
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
	var win window
	i = SkipSpace(b, i+1)
	if i >= len(b) || b[i] == ']' {
		return min(i+1, len(b))
	}
	for i < len(b) {
		end := max(win.skip(b, i), i+1)
		element(Span{Start: i, End: end})
		i = SkipSpace(b, end)
		if i >= len(b) || b[i] != ',' {
			return min(i+1, len(b))
		}
		i = SkipSpace(b, i+1)
	}
	return len(b)
}

// skipContainer returns the index after the valid object or array at
// b[i], 64 bytes at a time: from each block's bits of quotes, backslashes
// and brackets (structWords) it finds the escaped bytes, then the bytes
// inside strings (a prefix XOR of the unescaped quotes), and counts the
// brackets outside them; only the block where the depth may reach zero is
// walked bracket by bracket. Blocks are classified four at a time; the
// last bytes are classified from a copy padded with spaces.
func skipContainer(b []byte, i int) int {
	const batch = 4
	var words [4 * batch]uint64
	var pad [64]byte
	depth := 1
	pos := i + 1
	var inString uint64 // all ones when the block starts inside a string
	var escFirst uint64 // 1 when the block's first byte is escaped
	for pos < len(b) {
		n := min((len(b)-pos)/64, batch)
		if n > 0 {
			structWords(b[pos:], words[:4*n])
		} else {
			n = 1
			k := copy(pad[:], b[pos:])
			for j := k; j < len(pad); j++ {
				pad[j] = ' '
			}
			structWords(pad[:], words[:4])
		}
		for blk := 0; blk < n; blk++ {
			w := words[4*blk : 4*blk+4]
			esc := escFirst
			escFirst = 0
			for bs := w[1]; bs != 0; bs &= bs - 1 {
				k := bits.TrailingZeros64(bs)
				if esc>>k&1 != 0 {
					continue // an escaped backslash escapes nothing
				}
				if k == 63 {
					escFirst = 1
				} else {
					esc |= 1 << (k + 1)
				}
			}
			x := w[0] &^ esc
			x ^= x << 1
			x ^= x << 2
			x ^= x << 4
			x ^= x << 8
			x ^= x << 16
			x ^= x << 32
			x ^= inString
			inString = uint64(int64(x) >> 63)
			open, close := w[2]&^x, w[3]&^x
			if nc := bits.OnesCount64(close); nc < depth {
				depth += bits.OnesCount64(open) - nc
				continue
			}
			for br := open | close; br != 0; br &= br - 1 {
				k := bits.TrailingZeros64(br)
				if open>>k&1 != 0 {
					depth++
				} else if depth--; depth == 0 {
					return min(pos+64*blk+k+1, len(b))
				}
			}
		}
		pos += 64 * n
	}
	return len(b)
}
