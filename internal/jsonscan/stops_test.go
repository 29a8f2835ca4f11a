package jsonscan

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStopWords checks the stop bits against the byte-by-byte rule for
// every byte value in every position of a word, on every implementation
// this machine runs (stopKernels), and on the pods, where every word has
// some stops and some plain bytes.
func TestStopWords(t *testing.T) {
	check := func(b []byte, what string) {
		n := len(b) / 64
		want := make([]uint64, n)
		stopWordsGo(b, want)
		for name, kernel := range stopKernels() {
			got := make([]uint64, n)
			kernel(b, got)
			require.Equal(t, want, got, "%s: %s", name, what)
		}
		got := make([]uint64, n)
		stopWords(b, got)
		require.Equal(t, want, got, "stopWords: %s", what)
	}
	for c := range 256 {
		b := make([]byte, 128)
		for k := range b {
			b[k] = 'a' + byte(k%26)
		}
		for pos := 0; pos < 128; pos += 7 {
			b[pos] = byte(c)
		}
		check(b, "one byte value spread over two words")
	}
	pods := loadPods(t)
	check(pods, "pods")
	// Every byte value beside each other one.
	all := make([]byte, 0, 256*256*2)
	for c := range 256 {
		for d := range 256 {
			all = append(all, byte(c), byte(d))
		}
	}
	check(all, "every pair of byte values")
}

// TestWindowPlainEnd checks that the window finds the same first stop as
// the eight-byte loop from every position, near the end of the input
// included (where the window gives way to the loop).
func TestWindowPlainEnd(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, density := range []int{2, 40, 300, 5000} {
		b := make([]byte, 3000)
		for k := range b {
			b[k] = 'a'
			if r.IntN(density) == 0 {
				b[k] = []byte{'"', '\\', 0x01, '\n', 0x1f}[r.IntN(5)]
			}
		}
		var w window
		for i := range b {
			want := plainEnd(b, i)
			got := w.plainEnd(b, i)
			if want < len(b) && !plain[b[want]] {
				require.Equal(t, want, got, "density %d, from %d", density, i)
			} else {
				// No stop within reach of the loop: the window may only
				// answer with a stop the loop did not look at, or the same.
				require.True(t, got == want || (got < len(b) && !plain[b[got]] && got >= want), "density %d, from %d: %d vs %d", density, i, got, want)
			}
		}
	}
}

// FuzzValid compares the windowed scan with the byte-by-byte reference
// rule on any input: both accept and reject the same inputs and end at
// the same index (the sdk package's FuzzScannerMatchesJSONText compares
// the scanner with jsontext itself).
func FuzzValid(f *testing.F) {
	f.Add(loadPods(f)[:5000])
	f.Add([]byte(`{"a":"` + string(make([]byte, 200)) + `"}`))
	f.Add([]byte(`[{"k:{\"type\":\"Ready\"}":{}},"` + "\u00e9\\u00e9" + `"]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		end, err := Valid(b)
		rend, rerr := validReference(b)
		require.Equal(t, rerr == nil, err == nil, "%q: %v vs %v", b, err, rerr)
		require.Equal(t, rend, end, "%q", b)
		if err != nil {
			require.Equal(t, rerr.Error(), err.Error())
		}
		// Streaming: every prefix that is not final ends or fails alike.
		for _, k := range []int{len(b) / 3, len(b) / 2, len(b) - 1} {
			i := SkipSpace(b, 0)
			if k <= i {
				continue
			}
			end, err := ValueIn(b[:k], i, false, 0)
			rend, rerr := referenceValue(b[:k], i, false)
			require.Equal(t, rend, end, "prefix %d of %q", k, b)
			require.Equal(t, rerr, err, "prefix %d of %q", k, b)
		}
	})
}

// referenceValue is ValueIn without the window: the eight-byte loop only.
func referenceValue(b []byte, i int, final bool) (int, error) {
	if i < len(b) && (b[i] == '{' || b[i] == '[') {
		w := window{off: true}
		return w.value(b, i, final, 0)
	}
	return scalar(b, i, final)
}

// validReference is Valid without the window.
func validReference(b []byte) (int, error) {
	i := SkipSpace(b, 0)
	i, err := referenceValue(b, i, true)
	if err != nil {
		return i, err
	}
	if i = SkipSpace(b, i); i < len(b) {
		return i, BadChar(b, i, "after top-level value")
	}
	return i, nil
}

// TestStructWords checks the bracket and quote bits against the
// byte-by-byte reference on every byte value beside every other.
func TestStructWords(t *testing.T) {
	all := make([]byte, 0, 256*256*2)
	for c := range 256 {
		for d := range 256 {
			all = append(all, byte(c), byte(d))
		}
	}
	for _, b := range [][]byte{all, loadPods(t)} {
		n := len(b) / 64
		want, got := make([]uint64, 4*n), make([]uint64, 4*n)
		structWordsGo(b, want)
		structWords(b, got)
		require.Equal(t, want, got)
	}
}
