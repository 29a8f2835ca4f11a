package jsonscan

import "math/bits"

// stopWordsGo is stopWords one byte at a time, the reference the assembly
// is tested against and the code of other architectures.
func stopWordsGo(b []byte, out []uint64) {
	for k := range out {
		var w uint64
		for j, c := range b[64*k : 64*k+64] {
			if !plain[c] {
				w |= 1 << j
			}
		}
		out[k] = w
	}
}

// window holds the stop bits (see stopWords) of the bytes of b from base
// on, a word per 64 bytes, so that a scan finds the end of a string with
// one shift whatever its length. It is filled on demand, small at first
// so that a short value costs little.
type window struct {
	base, n, size int
	lim           uint // 64*(n-1): plainEnd's fast path reads words k and k+1
	off           bool // never fill: the scalar loop only (tests' reference)
	w             [16]uint64
}

// plainEnd is the package's plainEnd with the window: the index of the
// first stop byte at or after i; near the end of b, where no whole word
// is left, the scalar plainEnd's answer. The common case, a stop within
// the 64 bytes from i with both words in the window, is inlined.
func (s *window) plainEnd(b []byte, i int) int {
	if off := uint(i - s.base); off < s.lim {
		if m := s.stops(off); m != 0 {
			return i + bits.TrailingZeros64(m)
		}
	}
	return s.plainEndSlow(b, i)
}

// stops returns the stop bits of the 64 bytes from offset off of the
// window (off < lim): the bits of words k and k+1 shifted together.
func (s *window) stops(off uint) uint64 {
	k := off >> 6
	return s.w[k&15]>>(off&63) | s.w[(k+1)&15]<<1<<(63-off&63)
}

// plainEndSlow is plainEnd past the window's words: it fills the window
// again from i as needed.
func (s *window) plainEndSlow(b []byte, i int) int {
	for {
		off := i - s.base
		if off < 0 || off >= 64*(s.n-1) {
			if !s.fill(b, i) {
				return plainEnd(b, i)
			}
			off = 0
		}
		if m := s.stops(uint(off)); m != 0 {
			return i + bits.TrailingZeros64(m)
		}
		i += 64
	}
}

// fill classifies the words of b from i on, at least two; false when
// fewer than two whole words are left.
func (s *window) fill(b []byte, i int) bool {
	n := (len(b) - i) >> 6
	if n < 2 || s.off {
		return false
	}
	s.size = min(max(2*s.size, 2), len(s.w))
	n = min(n, s.size)
	stopWords(b[i:], s.w[:n])
	s.base, s.n, s.lim = i, n, uint(64*(n-1))
	return true
}

// member is the package's member with the window.
func (s *window) member(b []byte, i int, final bool) (int, error) {
	if b[i] == '"' {
		if j := s.plainEnd(b, i+1); j+2 < len(b) && b[j] == '"' && b[j+1] == ':' && b[j+2] > ' ' {
			return j + 2, nil
		}
	}
	return memberName(b, i, final)
}

// structWordsGo sets out[4k:4k+4], for each 64-byte block k of b, to the
// bits of its bytes that are '"', '\\', '{' or '[', and '}' or ']', one
// byte at a time: the reference the assembly is tested against.
func structWordsGo(b []byte, out []uint64) {
	for k := 0; k+4 <= len(out); k += 4 {
		var q, bs, open, close uint64
		for j, c := range b[16*k : 16*k+64] {
			switch c {
			case '"':
				q |= 1 << j
			case '\\':
				bs |= 1 << j
			case '{', '[':
				open |= 1 << j
			case '}', ']':
				close |= 1 << j
			}
		}
		out[k], out[k+1], out[k+2], out[k+3] = q, bs, open, close
	}
}
