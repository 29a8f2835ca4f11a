package jsonscan

import (
	"bytes"
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
