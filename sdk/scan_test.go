package sdk

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsontextValid is the reference: whether jsontext, with the SDK's decode
// options, reads b as exactly one JSON value.
func jsontextValid(b []byte) bool {
	var v jsontext.Value
	return json.Unmarshal(b, &v, decodeOptions) == nil
}

// scanSeeds are real objects (the kinds' test data) and hand-made edge
// cases, for the differential tests and fuzz corpus.
func scanSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{
		[]byte(`{"kind":"PodList","metadata":{"resourceVersion":"9","continue":"x"},"items":[` + podJSONFor("a", "p1", "1") + `,` + podJSONFor("b", "p2", "2") + `]}`),
		[]byte(`{"type":"ADDED","object":` + podJSONFor("a", "p1", "1") + `}`),
		[]byte(`{"a":[1,-0.5e+10,2E-3,true,false,null,"\u00e9\n\"\\\/\b\f\r\t"],"b":{}," ":[]}`),
		[]byte(" \t\r\n[ ] "), []byte(`"\ud800"`), []byte("\"\xff\xfe\""), []byte(`-`), []byte(`01`), []byte(`1.`),
		[]byte(`{"a":1,}`), []byte(`[1,]`), []byte(`{"a" 1}`), []byte(`nul`), []byte("\"a\x01\""), []byte(`"\x"`),
		[]byte(`{"metadata":{"name":"a","name":"b"},"metadata":{"uid":"u"}}`), []byte(`{"n\u0061me":1}`),
		[]byte(strings.Repeat("[", maxScanDepth) + strings.Repeat("]", maxScanDepth)),
		[]byte(strings.Repeat("[", maxScanDepth+1) + strings.Repeat("]", maxScanDepth+1)),
		[]byte(`{"metadata":` + strings.Repeat("[", maxScanDepth-1) + strings.Repeat("]", maxScanDepth-1) + `}`),
		[]byte(`{"metadata":{"x":` + strings.Repeat("[", maxScanDepth-2) + strings.Repeat("]", maxScanDepth-2) + `}}`),
	}
	files, _ := filepath.Glob(filepath.Join("..", "kinds", "testdata", "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		seeds = append(seeds, b)
	}
	return seeds
}

func podJSONFor(ns, name, rv string) string {
	return `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"` + name + `","namespace":"` + ns + `","uid":"u-` + name +
		`","resourceVersion":"` + rv + `","labels":{"app":"web"},"managedFields":[{"manager":"m","fieldsV1":{"f:spec":{}}}]},` +
		`"spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}]}]},` +
		`"status":{"phase":"Running","podIP":"10.0.0.1","containerStatuses":[{"name":"c","ready":true,"restartCount":0}]}}`
}

// checkScanner compares the scanner with jsontext on b, as a whole, as an
// object with its index, and in every streaming prefix.
func checkScanner(t *testing.T, b []byte) {
	want := jsontextValid(b)
	_, err := validJSON(b)
	require.Equal(t, want, err == nil, "scanner and jsontext disagree on %q: scanner error %v", trunc(b), err)
	var se *scanError
	if err != nil {
		require.True(t, errors.As(err, &se), "a syntax error is a *scanError: %T", err)
	}
	// As an object with its index (the list and watch paths).
	i := skipSpace(b, 0)
	if i < len(b) && b[i] == '{' {
		var x objIndex
		end, err := scanObject(b, i, true, &x, 0)
		if err == nil {
			err = trailing(b, end)
		}
		require.Equal(t, want, err == nil, "scanObject and jsontext disagree on %q: %v", trunc(b), err)
		// Streaming: a prefix either needs more, or fails as the whole
		// does, or ends where the whole ends.
		for _, k := range []int{len(b) / 3, len(b) / 2, len(b) - 1} {
			if k <= i {
				continue
			}
			var px objIndex
			pend, perr := scanObject(b[:k], i, false, &px, 0)
			switch {
			case errors.Is(perr, errShort):
			case perr != nil:
				assert.False(t, want, "a prefix of valid input failed: %v", perr)
			default:
				assert.Equal(t, end, pend, "a complete prefix ends where the whole does")
				assert.Equal(t, x, px, "the prefix records the same index")
			}
		}
	}
}

func trailing(b []byte, i int) error {
	if i = skipSpace(b, i); i < len(b) {
		return badChar(b, i, "after top-level value")
	}
	return nil
}

func trunc(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}

// TestScannerMatchesJSONText runs the differential check on the seeds and
// on every single-byte corruption and truncation of the smaller ones.
func TestScannerMatchesJSONText(t *testing.T) {
	muts := []byte{'"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '-', 'e', '.', 'u', 0x01, 0xff, 'n'}
	for _, s := range scanSeeds(t) {
		checkScanner(t, s)
		if len(s) > 1500 {
			continue
		}
		for i := range s {
			checkScanner(t, s[:i])
			c := []byte(string(s))
			for _, m := range muts {
				c[i] = m
				checkScanner(t, c)
			}
		}
	}
}

func TestScannerIndex(t *testing.T) {
	tests := []struct {
		reason string
		in     string
		check  func(t *testing.T, b []byte, x objIndex)
	}{
		{"the members of a pod", podJSONFor("ns", "web", "7"), func(t *testing.T, b []byte, x objIndex) {
			assert.Equal(t, `"Pod"`, string(x.kind.of(b)))
			assert.Equal(t, `"web"`, string(x.name.of(b)))
			assert.Equal(t, `"ns"`, string(x.namespace.of(b)))
			assert.Equal(t, `"u-web"`, string(x.uid.of(b)))
			assert.Equal(t, `"7"`, string(x.rv.of(b)))
			assert.True(t, strings.HasPrefix(string(x.status.of(b)), `{"phase":"Running"`))
			assert.False(t, x.dupMeta || x.dupStatus)
		}},
		{"a repeated name keeps the last value; repeated metadata and status are flagged",
			`{"metadata":{"name":"a","name":"b"},"status":1,"metadata":{"uid":"u"},"status":2}`, func(t *testing.T, b []byte, x objIndex) {
				assert.Equal(t, `"b"`, string(x.name.of(b)))
				assert.Equal(t, `"u"`, string(x.uid.of(b)))
				assert.True(t, x.dupMeta && x.dupStatus)
				assert.Equal(t, `2`, string(x.status.of(b)))
			}},
		{"escaped member names match", `{"meta\u0064ata":{"n\u0061me":"x"}}`, func(t *testing.T, b []byte, x objIndex) {
			assert.Equal(t, `"x"`, string(x.name.of(b)))
		}},
		{"members of nested objects are not metadata", `{"spec":{"metadata":{"name":"no"}},"status":{"name":"no"}}`, func(t *testing.T, b []byte, x objIndex) {
			assert.False(t, x.name.ok())
			assert.False(t, x.metadata.ok())
		}},
	}
	for _, tc := range tests {
		var x objIndex
		b := []byte(tc.in)
		end, err := scanObject(b, 0, true, &x, 0)
		require.NoError(t, err, tc.reason)
		assert.Equal(t, len(b), end, tc.reason)
		tc.check(t, b, x)
	}
}

func TestScannerErrors(t *testing.T) {
	tests := []struct {
		reason string
		in     string
		off    int
		eof    bool
	}{
		{"a truncated string matches io.ErrUnexpectedEOF", `{"a":"xyz`, 9, true},
		{"a bad escape says where", `{"a":"x\q"}`, 8, false},
		{"a missing comma says where", `[1 2]`, 3, false},
		{"a control character in a string", "\"a\nb\"", 2, false},
	}
	for _, tc := range tests {
		off, err := validJSON([]byte(tc.in))
		require.Error(t, err, tc.reason)
		assert.Equal(t, tc.off, off, tc.reason)
		assert.Equal(t, tc.eof, errors.Is(err, io.ErrUnexpectedEOF), tc.reason)
		assert.NotContains(t, err.Error(), "xyz", "%s: the error never quotes the text", tc.reason)
	}
}

// FuzzScannerMatchesJSONText checks that the scanner accepts and rejects
// exactly what jsontext does (with the SDK's decode options), as a whole,
// as an indexed object and in streaming prefixes.
func FuzzScannerMatchesJSONText(f *testing.F) {
	for _, s := range scanSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkScanner(t, b) })
}
