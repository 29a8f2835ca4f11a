package sdk

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pairsMap is decodeLabels' result as a map, after checking that its
// names are distinct (nil for nil).
func pairsMap(t *testing.T, kv []string) map[string]string {
	t.Helper()
	if kv == nil {
		return nil
	}
	require.Zero(t, len(kv)%2, "names and values")
	m := labelsOfPairs(kv).entries()
	require.Len(t, m, len(kv)/2, "distinct names in %q", kv)
	return m
}

// manyLabels is an object of n labels, each name given twice (the second
// value kept), so that it takes decodeLabels' map path when n is large.
func manyLabels(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, `"k%d":"first","k%d":"v%d",`, i, i, i)
	}
	b.WriteString(`"last":"x"}`)
	return b.String()
}

// TestDecodeLabelsMatchesTheDecoder checks the hand-written labels decoder
// against the reflective one on the cases where they could differ.
func TestDecodeLabelsMatchesTheDecoder(t *testing.T) {
	tests := []struct{ reason, in string }{
		{"plain", `{"app":"web","tier":"db"}`},
		{"empty object", `{}`},
		{"null", `null`},
		{"null value reads as empty", `{"a":null}`},
		{"repeated name keeps the last value", `{"a":"1","a":"2"}`},
		{"escapes in names and values", `{"a\u0062":"x\"y\\z\n"}`},
		{"invalid UTF-8 is replaced", "{\"a\":\"\xff\xfe ok\"}"},
		{"a number is a type error: no labels", `{"a":1}`},
		{"an object value is a type error", `{"a":{"b":"c"}}`},
		{"spaces", ` { "a" : "b" , "c":"d" } `[1:]},
		{"a few repeated names: compared in place", manyLabels(10)},
		{"many repeated names: the map path", manyLabels(200)},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			var want map[string]string
			if err := unmarshal([]byte(tc.in), &want); err != nil {
				want = nil
			}
			assert.Equal(t, want, pairsMap(t, decodeLabels([]byte(tc.in))))
		})
	}
}

// FuzzDecodeLabels checks decodeLabels against the reflective decoder on
// every valid JSON input (it is only given validated bytes).
func FuzzDecodeLabels(f *testing.F) {
	f.Add(`{"app":"web","a":null,"a\u0062":"x\"y"}`)
	f.Add("{\"a\":\"\xff\"}")
	f.Fuzz(func(t *testing.T, in string) {
		if _, err := validJSON([]byte(in)); err != nil {
			decodeLabels([]byte(in)) // never given such input, but never a panic
			return
		}
		b := []byte(in)[skipSpace([]byte(in), 0):]
		var want map[string]string
		if err := unmarshal(b, &want); err != nil {
			want = nil
		}
		got := pairsMap(t, decodeLabels(b))
		if len(b) > 0 && b[0] == '{' && want == nil && got != nil {
			t.Fatalf("decodeLabels(%q) = %v, the decoder fails", in, got)
		}
		if want != nil {
			assert.Equal(t, want, got, "input %q", in)
		}
	})
}

// TestLabelsBothForms checks that Labels read the same whether they hold a
// map (an item decoded whole, NewLabels) or name, value pairs (a list or
// watch item): every method, the redaction of LastAppliedAnnotation
// included.
func TestLabelsBothForms(t *testing.T) {
	m := map[string]string{"app": "web", "tier": "db", LastAppliedAnnotation: `{"secret":"s3cr3t"}`}
	kv := []string{"tier", "db", LastAppliedAnnotation, `{"secret":"s3cr3t"}`, "app", "web"}
	forms := map[string]Labels{"map": labelsOf(m), "pairs": labelsOfPairs(kv)}
	for name, l := range forms {
		t.Run(name, func(t *testing.T) {
			v, ok := l.Get("app")
			assert.True(t, ok)
			assert.Equal(t, "web", v)
			_, ok = l.Get("nope")
			assert.False(t, ok, "an absent name")
			assert.Equal(t, "db", l.Value("tier"))
			assert.Equal(t, "", l.Value("nope"))
			assert.True(t, l.Has("tier"))
			assert.False(t, l.Has("Tier"), "names are case-sensitive")
			assert.Equal(t, 3, l.Len())
			got := map[string]string{}
			for k, v := range l.All() {
				got[k] = v
			}
			assert.Equal(t, m, got, "All")
			n := 0
			for range l.All() {
				n++
				break
			}
			assert.Equal(t, 1, n, "All stops when the loop breaks")
			cp := l.Map()
			assert.Equal(t, m, cp)
			cp["app"] = "changed"
			assert.Equal(t, "web", l.Value("app"), "Map is a copy")
			for other, o := range forms {
				assert.True(t, l.Equal(o), "equal to the %s form", other)
			}
			assert.False(t, l.Equal(labelsOfPairs([]string{"app", "web"})), "fewer entries")
			assert.False(t, l.Equal(NewLabels(map[string]string{"app": "web", "tier": "db", "x": "y"})), "another name")
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				assert.NotContains(t, fmt.Sprintf(verb, l), "s3cr3t", verb)
			}
			assert.Equal(t, "app=web,"+LastAppliedAnnotation+"=<redacted 19 bytes>,tier=db", l.String())
			js, err := l.MarshalJSON()
			require.NoError(t, err)
			assert.NotContains(t, string(js), "s3cr3t")
			assert.Contains(t, string(js), `"app":"web"`)
		})
	}
	var zero Labels
	assert.Equal(t, 0, zero.Len())
	assert.True(t, zero.Equal(labelsOfPairs(nil)), "the zero value is empty in both forms")
	assert.Equal(t, map[string]string{}, zero.Map())
}
