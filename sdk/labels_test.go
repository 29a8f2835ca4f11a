package sdk

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

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
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			var want map[string]string
			if err := unmarshal([]byte(tc.in), &want); err != nil {
				want = nil
			}
			assert.Equal(t, want, decodeLabels([]byte(tc.in)))
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
			return
		}
		b := []byte(in)[skipSpace([]byte(in), 0):]
		var want map[string]string
		if err := unmarshal(b, &want); err != nil {
			want = nil
		}
		got := decodeLabels(b)
		if len(b) > 0 && b[0] == '{' && want == nil && got != nil {
			t.Fatalf("decodeLabels(%q) = %v, the decoder fails", in, got)
		}
		if want != nil {
			assert.Equal(t, want, got, "input %q", in)
		}
	})
}
