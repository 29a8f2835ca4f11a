package jsonscan

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkTrusted compares the trusted walk with the validating one on b:
// on valid JSON both find the same members, elements and ends; on any
// input the trusted walk stays within b.
func checkTrusted(t *testing.T, b []byte) {
	i := SkipSpace(b, 0)
	_, verr := Valid(b)
	end := Skip(b, i)
	require.True(t, end >= min(i, len(b)) && end <= len(b), "Skip ends at %d of %d", end, len(b))
	if i >= len(b) {
		return
	}
	type member struct {
		name string
		esc  bool
		v    Span
	}
	var got []member
	var gotEnd int
	switch b[i] {
	case '{':
		gotEnd = EachMember(b, i, func(name []byte, esc bool, v Span) {
			require.True(t, v.Start < v.End && v.End <= len(b), "member value %v within %d", v, len(b))
			got = append(got, member{string(name), esc, v})
		})
	case '[':
		gotEnd = EachElement(b, i, func(v Span) {
			require.True(t, v.Start < v.End && v.End <= len(b), "element %v within %d", v, len(b))
			got = append(got, member{v: v})
		})
	default:
		gotEnd = end
	}
	require.True(t, gotEnd <= len(b))
	if verr != nil {
		return
	}
	wantEnd, err := ValueIn(b, i, true, 0)
	require.NoError(t, err)
	require.Equal(t, wantEnd, end, "Skip of %q", b)
	require.Equal(t, wantEnd, gotEnd, "the walk's end on %q", b)
	var want []member
	switch b[i] {
	case '{':
		_, err = Members(b, i, true, func(name []byte, esc bool, v int) (int, error) {
			e, err := ValueIn(b, v, true, 1)
			want = append(want, member{string(name), esc, Span{v, e}})
			return e, err
		})
	case '[':
		_, err = Elements(b, i, true, func(v int) (int, error) {
			e, err := ValueIn(b, v, true, 1)
			want = append(want, member{v: Span{v, e}})
			return e, err
		})
	}
	require.NoError(t, err)
	require.Equal(t, want, got, "members of %q", b)
}

// TestTrustedWalk checks the trusted walk on valid documents (the pods,
// white space, escapes in names and values, nesting) and that it never
// leaves the input on broken ones.
func TestTrustedWalk(t *testing.T) {
	cases := []struct{ in, reason string }{
		{`{}`, "empty object"},
		{` [ ] `, "empty array with space"},
		{`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, "every kind"},
		{`{ "a" : 1 , "b" : [ 1 , 2 ] }`, "space everywhere"},
		{`{"k:{\"type\":\"Ready\"}":{},"x\\":"\\\"}"}`, "escaped quotes and backslashes in names and values"},
		{`[-1.5e+10,0,"]","}","[{"]`, "brackets inside strings"},
		{`"a\"b"`, "a string alone"},
		{`123`, "a number alone"},
		{`{"a":`, "truncated: stays within the input"},
		{`{"a":"\`, "truncated in an escape"},
		{`[[[[`, "unclosed arrays"},
		{`{"a"}`, "no colon"},
		{`{,}`, "broken object"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) { checkTrusted(t, []byte(tc.in)) })
	}
	// Escapes and brackets at every offset around the 64-byte blocks of
	// the block skip: runs of backslashes that end a block, quotes and
	// brackets escaped or inside strings.
	for _, esc := range []string{`\\`, `\"`, `\\\"`, `\\\\`, `]}"[{`, `\u005d`} {
		for pad := 0; pad < 140; pad++ {
			in := `[{"a":["` + strings.Repeat("x", pad) + esc + `",{"b":[1,"}"]}]},"` + esc + `"]`
			checkTrusted(t, []byte(in))
			checkTrusted(t, []byte(`{"k":`+in+`,"z":{}}`))
		}
	}
	pods := loadPods(t)
	checkTrusted(t, pods)
	for k := 1; k < 200; k++ {
		checkTrusted(t, pods[:len(pods)*k/200])
	}
}

// FuzzTrustedWalk: on valid input the trusted walk agrees with the
// validating one, and on any input it stays within the input.
func FuzzTrustedWalk(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":[true,false,null],"c":{"d":"e\"f"}}`))
	f.Add(loadPods(f)[:3000])
	f.Fuzz(checkTrusted)
}

// BenchmarkSkip is the trusted walk beside the validating one on the pods.
func BenchmarkSkip(b *testing.B) {
	data := loadPods(b)
	b.Run("skip", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if Skip(data, 0) != len(data)-1 && Skip(data, 0) != len(data) {
				b.Fatal("wrong end")
			}
		}
	})
	b.Run("valid", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Valid(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
