package jsonscan

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"os"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/require"
)

// pods.json is a list of 20 pods as kube-apiserver encodes them (the
// bench fixture's), for the scanner's benchmarks.
func loadPods(tb testing.TB) []byte {
	b, err := os.ReadFile("testdata/pods.json")
	require.NoError(tb, err)
	return b
}

func TestValidPods(t *testing.T) {
	b := loadPods(t)
	end, err := Valid(b)
	require.NoError(t, err)
	require.Equal(t, len(b), end)
	trimmed := bytes.TrimSpace(b)
	for _, cut := range []int{1, len(trimmed) / 3, len(trimmed) - 1} {
		_, err := Valid(trimmed[:cut])
		require.ErrorIs(t, err, Truncated.(*Error).Unwrap(), "truncated at %d", cut)
	}
}

// BenchmarkValid is the scanner alone on realistic pods, beside jsontext.
func BenchmarkValid(b *testing.B) {
	data := loadPods(b)
	b.Run("jsonscan", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Valid(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsontext", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		dec := jsontext.NewDecoder(bytes.NewReader(nil), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
		for b.Loop() {
			dec.Reset(bytes.NewReader(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
			if err := dec.SkipValue(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestStringStops checks the SWAR test against the byte-by-byte rule: the
// lowest byte it marks is the first '"', '\\' or control character of the
// word, and it marks none when there is none. Every byte value is tried
// in every position, after plain bytes and after every other value.
func TestStringStops(t *testing.T) {
	first := func(w [8]byte) int {
		for k, c := range w {
			if !plain[c] {
				return k
			}
		}
		return 8
	}
	check := func(w [8]byte) {
		m := stringStops(binary.LittleEndian.Uint64(w[:]))
		got := 8
		if m != 0 {
			got = bits.TrailingZeros64(m) / 8
		}
		if want := first(w); got != want {
			t.Fatalf("stringStops(%q): first stop at %d, want %d", w[:], got, want)
		}
	}
	for pos := range 8 {
		for c := range 256 {
			for d := range 256 {
				w := [8]byte{'a', 'b', 0x80, 0xff, 'z', '~', 0x21, 0x23}
				w[pos] = byte(c)
				w[(pos+1)%8] = byte(d)
				check(w)
			}
		}
	}
}
