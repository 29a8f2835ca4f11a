package sdk

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDropManagedFields(t *testing.T) {
	const mf = `[{"manager":"m","fieldsV1":{"f:spec":{}}}]`
	tests := []struct {
		name, in, want string // want "" means: not trimmed
	}{
		{"middle member: the comma before the next member goes",
			`{"kind":"Pod","metadata":{"name":"a","managedFields":` + mf + `,"uid":"u"},"spec":{}}`,
			`{"kind":"Pod","metadata":{"name":"a","uid":"u"},"spec":{}}`},
		{"first member",
			`{"metadata":{"managedFields":` + mf + `,"name":"a"}}`,
			`{"metadata":{"name":"a"}}`},
		{"last member: the comma after the previous member goes",
			`{"metadata":{"name":"a","managedFields":` + mf + `}}`,
			`{"metadata":{"name":"a"}}`},
		{"only member",
			`{"metadata":{"managedFields":` + mf + `},"status":{"phase":"Running"}}`,
			`{"metadata":{},"status":{"phase":"Running"}}`},
		{"spaces around members and before the object: the space between members goes, the rest stays",
			"  { \"metadata\" : { \"name\" : \"a\" ,\n \"managedFields\" : [ ] , \"uid\":\"u\" } } ",
			"  {\"metadata\" : {\"name\" : \"a\",\"uid\":\"u\"}} "},
		{"repeated managedFields: both go",
			`{"metadata":{"managedFields":[],"name":"a","managedFields":[]}}`,
			`{"metadata":{"name":"a"}}`},
		{"escaped name is the same member",
			`{"metadata":{"name":"a","managed\u0046ields":[]}}`,
			`{"metadata":{"name":"a"}}`},
		{"managedFields elsewhere stays (only metadata's is trimmed)",
			`{"metadata":{"name":"a"},"spec":{"managedFields":[1]}}`, ""},
		{"no metadata", `{"spec":{"managedFields":[1]}}`, ""},
		{"metadata not an object", `{"metadata":null,"x":"managedFields"}`, ""},
		{"repeated metadata is left to the decoder's merge",
			`{"metadata":{"managedFields":[]},"metadata":{"name":"a"}}`, ""},
		{"invalid JSON", `{"metadata":{"managedFields":[}}`, ""},
		{"trailing bytes after the object", `{"metadata":{"managedFields":0}}00`, ""},
		{"truncated", `{"metadata":{"managedFields":[]`, ""},
		{"not an object", `["metadata"]`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := dropManagedFields([]byte(tc.in))
			if tc.want == "" {
				assert.False(t, ok, "trimmed to %s", got)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.want, string(got))
			assert.Equal(t, len(got), cap(got), "one allocation of the exact size")
			assert.True(t, json.Valid(got))
		})
	}
}

// TestTrimKeepsTheItem checks that a trimmed item reads as the original:
// same metadata (without managedFields), labels and status.
func TestTrimKeepsTheItem(t *testing.T) {
	raw := `{"kind":"Widget","apiVersion":"example.com/v1","metadata":{"name":"w","namespace":"ns","uid":"u","resourceVersion":"7",` +
		`"labels":{"a":"b"},"managedFields":[{"manager":"kubectl","operation":"Apply","fieldsV1":{"f:metadata":{}}}],"annotations":{"x":"y"}},` +
		`"spec":{"pad":"p"},"status":{"phase":"Ready"}}`
	it, err := decodeLazy(nil, widgetKind, []byte(raw))
	require.NoError(t, err)
	src := viewSource[widgetStatus]{v: &View[widgetStatus]{kind: widgetKind}}
	tr := src.Trim(it)
	require.NotSame(t, it.itemData, tr.itemData)
	assert.NotContains(t, string(tr.Raw()), "managedFields")
	assert.Equal(t, len(raw)-len(`,"managedFields":[{"manager":"kubectl","operation":"Apply","fieldsV1":{"f:metadata":{}}}]`), len(tr.Raw()))
	assert.Equal(t, "ns/w", tr.key())
	assert.Equal(t, "7", tr.Version())
	v, _ := tr.Labels().Get("a")
	assert.Equal(t, "b", v)
	v, _ = tr.Meta().Annotations.Get("x")
	assert.Equal(t, "y", v)
	assert.Equal(t, "Ready", tr.Status().Phase)
	assert.NoError(t, tr.Err())
	assert.Contains(t, string(it.Raw()), "managedFields", "the original is unchanged")
	assert.Same(t, tr.itemData, src.Trim(tr).itemData, "nothing to trim: the same item")
}

// FuzzDropManagedFields checks on any input that a trim gives valid JSON
// equal to the input with metadata.managedFields deleted (when the input
// repeats no member name, so that both decode unambiguously).
func FuzzDropManagedFields(f *testing.F) {
	f.Add(`{"metadata":{"name":"a","managedFields":[],"uid":"u"}}`)
	f.Add(`{"metadata":{"managedFields":{}}}`)
	f.Add(` {"metadata": {"managed\u0046ields" : [1] , "x":{"managedFields":1}}} `)
	f.Fuzz(func(t *testing.T, in string) {
		out, ok := dropManagedFields([]byte(in))
		if !ok {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %q from %q", out, in)
		}
		var a, b map[string]any
		if json.Unmarshal([]byte(in), &a) != nil {
			t.Fatalf("trimmed an input encoding/json rejects: %q", in)
		}
		require.NoError(t, json.Unmarshal(out, &b))
		md, _ := a["metadata"].(map[string]any)
		if md == nil {
			t.Fatalf("trimmed without metadata: %q", in)
		}
		delete(md, "managedFields")
		if a, _ := json.Marshal(a); string(a) != mustMarshal(b) {
			t.Fatalf("trim of %q gave %q", in, out)
		}
	})
}

func mustMarshal(v any) string { b, _ := json.Marshal(v); return string(b) }
