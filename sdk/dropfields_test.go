package sdk

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDropFields(t *testing.T) {
	tests := []struct {
		reason string
		in     string
		paths  []string
		want   string // "" means: nothing dropped (the item is kept as is)
	}{
		{"a top-level member in the middle: the comma before the next member goes",
			`{"kind":"Pod","spec":{"a":1},"status":{}}`, []string{"spec"},
			`{"kind":"Pod","status":{}}`},
		{"a top-level member first and last",
			`{"spec":1,"kind":"Pod","status":2}`, []string{"spec", "status"},
			`{"kind":"Pod"}`},
		{"every member: an empty object",
			`{"spec":1}`, []string{"spec"}, `{}`},
		{"a member of metadata and a member of status, with a top-level member",
			`{"metadata":{"name":"a","annotations":{"x":"y"},"uid":"u"},"spec":{},"status":{"phase":"P","conditions":[]}}`,
			[]string{"metadata.annotations", "status.conditions", "spec"},
			`{"metadata":{"name":"a","uid":"u"},"status":{"phase":"P"}}`},
		{"the members of an inner object all go: it stays, empty",
			`{"metadata":{"annotations":{}},"k":1}`, []string{"metadata.annotations"},
			`{"metadata":{},"k":1}`},
		{"a top-level path wins over a path inside it",
			`{"spec":{"a":1},"k":1}`, []string{"spec.a", "spec"}, `{"k":1}`},
		{"a repeated top-level member: every occurrence goes",
			`{"spec":1,"k":1,"spec":2}`, []string{"spec"}, `{"k":1}`},
		{"a repeated inner member: every occurrence goes",
			`{"metadata":{"a":1,"n":"x","a":2}}`, []string{"metadata.a"}, `{"metadata":{"n":"x"}}`},
		{"escaped names are the same members",
			`{"sp\u0065c":1,"m\u0065tadata":{"\u0061":1,"b":2}}`, []string{"spec", "metadata.a"},
			`{"m\u0065tadata":{"b":2}}`},
		{"white space inside kept members stays, between members it goes",
			" { \"a\" : [ 1 ] ,\n \"spec\" : { } , \"m\" : { \"x\" : 1 , \"y\" : 2 } } ", []string{"spec", "m.y"},
			" {\"a\" : [ 1 ],\"m\" : {\"x\" : 1}} "},
		{"a path inside a member that is not an object: nothing to drop",
			`{"metadata":null,"spec":"x"}`, []string{"metadata.annotations", "spec.a"}, ""},
		{"a repeated object whose members go is left to the decoder's merge",
			`{"metadata":{"a":1},"metadata":{"b":1},"spec":1}`, []string{"metadata.a", "spec"}, ""},
		{"a repeated member that is not edited inside is kept",
			`{"metadata":null,"metadata":{"a":1,"b":1}}`, []string{"metadata.a"}, `{"metadata":null,"metadata":{"b":1}}`},
		{"deeper paths drop nothing",
			`{"spec":{"a":{"b":1}}}`, []string{"spec.a.b"}, ""},
		{"malformed paths drop nothing",
			`{"spec":{"":1},"":{"a":1}}`, []string{"", ".", "spec.", ".a"}, ""},
		{"no path", `{"spec":1}`, nil, ""},
		{"no such member", `{"spec":1}`, []string{"status", "spec.x"}, ""},
		{"invalid JSON after the dropped member", `{"spec":1,"k":[}`, []string{"spec"}, ""},
		{"invalid JSON inside the dropped member", `{"spec":[,],"k":1}`, []string{"spec"}, ""},
		{"trailing bytes after the object", `{"spec":1} x`, []string{"spec"}, ""},
		{"truncated", `{"spec":1,`, []string{"spec"}, ""},
		{"not an object", `["spec"]`, []string{"spec"}, ""},
		{"empty input", ``, []string{"spec"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			got, ok := dropFields([]byte(tc.in), tc.paths)
			if tc.want == "" {
				assert.False(t, ok, "dropped to %s", got)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.want, string(got))
			assert.Equal(t, len(got), cap(got), "one allocation of the exact size")
			assert.True(t, json.Valid(got))
		})
	}
}

// TestDropFieldsAllocatesOnce checks that dropping from an object with as
// many members as a pod's allocates only its output.
func TestDropFieldsAllocatesOnce(t *testing.T) {
	var md, st []string
	for i := range 15 {
		md = append(md, fmt.Sprintf(`"m%d":%d`, i, i))
		st = append(st, fmt.Sprintf(`"s%d":%d`, i, i))
	}
	raw := []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{` + strings.Join(md, ",") + `,"managedFields":[]},"spec":{},"status":{` + strings.Join(st, ",") + `}}`)
	paths := []string{"spec", "metadata.managedFields", "status.s1", "x.y"}
	out, ok := dropFields(raw, paths)
	require.True(t, ok)
	require.NotContains(t, string(out), "managedFields")
	assert.Equal(t, 1.0, testing.AllocsPerRun(20, func() { dropFields(raw, paths) }))
}

// TestDropFieldsKeepsTheItem checks that an item without spec and
// annotations reads as the original for everything kept, and as absent
// for what was dropped.
func TestDropFieldsKeepsTheItem(t *testing.T) {
	raw := `{"kind":"Widget","apiVersion":"example.com/v1","metadata":{"name":"w","namespace":"ns","uid":"u","resourceVersion":"7",` +
		`"labels":{"a":"b"},"managedFields":[{"manager":"kubectl"}],"annotations":{"x":"y"},"finalizers":["f"]},` +
		`"spec":{"pad":"p"},"status":{"phase":"Ready"}}`
	it, err := decodeLazy(nil, widgetKind, []byte(raw))
	require.NoError(t, err)
	src := viewSource[widgetStatus]{v: &View[widgetStatus]{kind: widgetKind}}
	dr := src.DropFields(it, []string{"spec", "metadata.managedFields", "metadata.annotations"})
	require.NotSame(t, it.itemData, dr.itemData)
	assert.Equal(t, `{"kind":"Widget","apiVersion":"example.com/v1","metadata":{"name":"w","namespace":"ns","uid":"u","resourceVersion":"7",`+
		`"labels":{"a":"b"},"finalizers":["f"]},"status":{"phase":"Ready"}}`, string(dr.Raw()))
	assert.Equal(t, "ns/w", dr.key())
	assert.Equal(t, "u", dr.UID())
	assert.Equal(t, "7", dr.Version())
	v, _ := dr.Labels().Get("a")
	assert.Equal(t, "b", v)
	assert.Equal(t, []string{"f"}, dr.Meta().Finalizers)
	assert.Zero(t, dr.Meta().Annotations.Len(), "dropped annotations read as none")
	assert.Equal(t, map[string]any{}, dr.Spec(), "a dropped spec reads as absent")
	assert.Equal(t, "Ready", dr.Status().Phase)
	assert.NoError(t, dr.Err())
	assert.Contains(t, string(it.Raw()), `"spec"`, "the original is unchanged")

	assert.Same(t, dr.itemData, src.DropFields(dr, []string{"spec"}).itemData, "nothing to drop: the same item")
	assert.Same(t, it.itemData, src.DropFields(it, []string{"metadata.name.x"}).itemData, "a deeper path: the same item")
	var nilItem *Item[widgetStatus]
	assert.Nil(t, src.DropFields(nilItem, []string{"spec"}))
}

// FuzzDropFields checks on any input that dropFields gives valid JSON
// equal to the input with the members at the paths deleted (compared as
// encoding/json decodes both: the last of repeated names wins).
func FuzzDropFields(f *testing.F) {
	f.Add(`{"metadata":{"name":"a","managedFields":[],"uid":"u"},"spec":{}}`, "spec,metadata.managedFields")
	f.Add(`{"metadata":{"managedFields":{}}}`, "metadata.managedFields")
	f.Add(` {"metadata": {"managed\u0046ields" : [1] , "x":{"managedFields":1}}} `, "metadata.x")
	f.Add(`{"s":1,"m":{"a":1,"a":2},"s":null}`, "s,m.a,m.b.c")
	f.Fuzz(func(t *testing.T, in, paths string) {
		ps := strings.Split(paths, ",")
		out, ok := dropFields([]byte(in), ps)
		if !ok {
			return
		}
		if len(out) != cap(out) {
			t.Fatalf("spare capacity: %d bytes in %d", len(out), cap(out))
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %q from %q", out, in)
		}
		var a, b map[string]any
		if json.Unmarshal([]byte(in), &a) != nil {
			t.Fatalf("dropped from an input encoding/json rejects: %q", in)
		}
		require.NoError(t, json.Unmarshal(out, &b))
		for _, p := range ps {
			top, inner, nested := strings.Cut(p, ".")
			switch {
			case !nested && p != "":
				delete(a, p)
			case nested && top != "" && inner != "" && !strings.Contains(inner, "."):
				if m, ok := a[top].(map[string]any); ok {
					delete(m, inner)
				}
			}
		}
		if a, _ := json.Marshal(a); string(a) != mustMarshal(b) {
			t.Fatalf("drop of %q from %q gave %q", ps, in, out)
		}
	})
}
