package sdk_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/sdk"
)

// apiStruct stands for a k8s.io/api type: any value encoding/json marshals.
type apiStruct struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace,omitempty"`
	} `json:"metadata"`
	Data map[string]string `json:"data,omitempty"`
}

func TestParseManifestForms(t *testing.T) {
	s := apiStruct{APIVersion: "v1", Kind: "ConfigMap", Data: map[string]string{"a": "1"}}
	s.Metadata.Name, s.Metadata.Namespace = "cm", "ns"
	tests := []struct {
		reason   string
		manifest any
	}{
		{"a map", map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "cm", "namespace": "ns"}, "data": map[string]any{"a": "1"}}},
		{"JSON bytes", []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"ns"},"data":{"a":"1"}}`)},
		{"a JSON string with leading space", "\n  {\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\",\"namespace\":\"ns\"},\"data\":{\"a\":\"1\"}}"},
		{"json.RawMessage", json.RawMessage(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"ns"},"data":{"a":"1"}}`)},
		{"YAML", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: ns\ndata:\n  a: \"1\"\n"},
		{"YAML with a document marker", "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: ns}\ndata: {a: \"1\"}\n"},
		{"a struct like k8s.io/api's", s},
		{"a pointer to such a struct", &s},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			m, err := sdk.ParseManifest(tt.manifest)
			require.NoError(t, err)
			assert.Equal(t, "v1", m.APIVersion)
			assert.Equal(t, "ConfigMap", m.Kind)
			assert.Equal(t, "cm", m.Name)
			assert.Equal(t, "ns", m.Namespace)
			var back map[string]any
			require.NoError(t, json.Unmarshal(m.JSON, &back))
			assert.Equal(t, map[string]any{"a": "1"}, back["data"])
		})
	}
}

func TestParseManifestErrors(t *testing.T) {
	tests := []struct {
		reason   string
		manifest any
		field    string
	}{
		{"nil", nil, ""},
		{"empty text", "   ", ""},
		{"malformed JSON", `{"apiVersion":`, ""},
		{"malformed YAML", "apiVersion: v1\nkind: [", ""},
		{"a YAML list is not an object", "- a\n- b\n", ""},
		{"non-string YAML keys", "apiVersion: v1\nkind: X\nmetadata: {name: x}\n1: 2\n", ""},
		{"missing apiVersion", `{"kind":"Pod","metadata":{"name":"x"}}`, "apiVersion"},
		{"empty kind", `{"apiVersion":"v1","kind":"","metadata":{"name":"x"}}`, "kind"},
		{"missing metadata", `{"apiVersion":"v1","kind":"Pod"}`, "metadata"},
		{"metadata without a name", `{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a":"b"}}}`, "metadata.name"},
		{"two YAML documents where one is expected", "apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\napiVersion: v1\nkind: B\nmetadata: {name: b}\n", ""},
		{"a value that cannot marshal", map[string]any{"f": func() {}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			_, err := sdk.ParseManifest(tt.manifest)
			var me *sdk.ManifestError
			require.ErrorAs(t, err, &me)
			assert.True(t, errors.Is(err, sdk.ErrKube))
			assert.Equal(t, tt.field, me.Field)
		})
	}
}

func TestParseManifestsNumbersDocuments(t *testing.T) {
	ms, err := sdk.ParseManifests([]byte("apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: B\nmetadata: {name: b}\n...\n"))
	require.NoError(t, err)
	require.Len(t, ms, 2)
	assert.Equal(t, []string{"A", "B"}, []string{ms[0].Kind, ms[1].Kind})

	_, err = sdk.ParseManifests([]byte("apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\napiVersion: v1\nkind: B\n---\napiVersion: v1\nkind: C\nmetadata: {name: c}\n"))
	var me *sdk.ManifestError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 2, me.Document)
	assert.Equal(t, "metadata", me.Field)
	assert.Contains(t, err.Error(), "document 2")
}
