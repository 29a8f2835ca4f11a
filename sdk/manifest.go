package sdk

import (
	"bytes"
	"context"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-json-experiment/json"
	"go.yaml.in/yaml/v3"
)

// Manifest is a checked object manifest, ready to send.
type Manifest struct {
	APIVersion string
	Kind       string
	Name       string // metadata.name ("" when GenerateName is set)
	Namespace  string // metadata.namespace, "" if absent
	JSON       []byte // the object as JSON

	// src is the Go struct the manifest was made from, if any: server-side
	// apply marshals it again with MarshalApply.
	src any
}

// ParseManifest checks a manifest and returns it as JSON. A manifest may be:
//   - map[string]any (the decoded object),
//   - []byte or string holding JSON or one YAML document,
//   - any other value that encoding/json marshals to an object, such as a
//     k8s.io/api struct (without this module depending on it).
//
// It must have apiVersion, kind and metadata with a name or generateName;
// anything else is a *ManifestError that says which field is wrong. A Go
// struct whose TypeMeta is empty, as client-go users write them, names no
// kind: give it to a view of its kind (View.Create, Update, Apply), which
// fills apiVersion and kind in.
//
// Server-side apply does not send JSON for a Go struct: it marshals the
// struct again with MarshalApply, which omits zero-valued fields.
func ParseManifest(manifest any) (*Manifest, error) {
	data, err := manifestJSON(manifest)
	if err != nil {
		return nil, err
	}
	m, err := checkManifest(data, 0)
	if err != nil {
		return nil, err
	}
	if isStruct(manifest) {
		m.src = manifest
	}
	return m, nil
}

func manifestJSON(manifest any) ([]byte, error) {
	switch m := manifest.(type) {
	case nil:
		return nil, &ManifestError{Reason: "nil manifest"}
	case []byte:
		return textToJSON(m)
	case string:
		return textToJSON([]byte(m))
	case stdjson.RawMessage:
		return textToJSON(m)
	case *Manifest:
		return m.JSON, nil
	}
	data, err := stdjson.Marshal(manifest)
	if err != nil {
		return nil, &ManifestError{Reason: fmt.Sprintf("cannot marshal %T to JSON", manifest), Err: err}
	}
	return data, nil
}

// textToJSON returns JSON text as is, and converts one YAML document.
func textToJSON(b []byte) ([]byte, error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return nil, &ManifestError{Reason: "empty manifest"}
	}
	if t[0] == '{' {
		return t, nil
	}
	docs, err := yamlDocuments(t)
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 {
		return nil, &ManifestError{Reason: fmt.Sprintf("want one YAML document, found %d (use ParseManifests)", len(docs))}
	}
	return docs[0], nil
}

// yamlDocuments converts every non-empty document of a YAML stream to JSON.
func yamlDocuments(b []byte) ([][]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var out [][]byte
	for n := 1; ; n++ {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, &ManifestError{Document: n, Reason: "invalid YAML" + yamlLine(b, err)}
		}
		if v == nil {
			continue // empty document, e.g. a trailing "---"
		}
		j, err := yamlToJSON(v, "")
		if err != nil {
			return nil, &ManifestError{Document: n, Reason: "YAML cannot be JSON", Err: err}
		}
		data, err := json.Marshal(j, json.Deterministic(true))
		if err != nil {
			return nil, &ManifestError{Document: n, Reason: "YAML cannot be JSON", Err: err}
		}
		out = append(out, data)
	}
}

// yamlLine returns " at line N" for a YAML parser error of the stream b:
// the line the error names, or, for an error that names none (an unknown
// anchor), the first line through which b no longer parses, found by
// bisection. The parser's own message is never kept: it quotes the source
// (an unknown anchor "*S3cret" is named in it), which may be a Secret's
// data.
func yamlLine(b []byte, err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		j := i + len("line ")
		k := j
		for k < len(msg) && msg[k] >= '0' && msg[k] <= '9' {
			k++
		}
		if k > j {
			return " at line " + msg[j:k]
		}
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	lo, hi := 0, len(lines) // the first lo lines parse, the first hi do not
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if yamlParses(bytes.Join(lines[:mid], nil)) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return fmt.Sprintf(" at line %d", hi)
}

// yamlParses reports whether every document of the YAML stream b parses.
func yamlParses(b []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// yamlToJSON checks that every mapping key is a string.
func yamlToJSON(v any, path string) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			c, err := yamlToJSON(e, path+"."+k)
			if err != nil {
				return nil, err
			}
			t[k] = c
		}
		return t, nil
	case map[any]any:
		return nil, fmt.Errorf("at %s: mapping keys must be strings", orRoot(path))
	case []any:
		for i, e := range t {
			c, err := yamlToJSON(e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			t[i] = c
		}
		return t, nil
	}
	return v, nil
}

func orRoot(p string) string {
	if p == "" {
		return "the top level"
	}
	return p[1:]
}

// ParseManifests splits a multi-document YAML (or JSON) stream into checked
// manifests, in order; an error names the 1-based document number.
func ParseManifests(data []byte) ([]*Manifest, error) {
	t := bytes.TrimSpace(data)
	if len(t) > 0 && t[0] == '{' {
		m, err := checkManifest(t, 1)
		if err != nil {
			return nil, err
		}
		return []*Manifest{m}, nil
	}
	docs, err := yamlDocuments(t)
	if err != nil {
		return nil, err
	}
	out := make([]*Manifest, 0, len(docs))
	for i, d := range docs {
		m, err := checkManifest(d, i+1)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func checkManifest(data []byte, doc int) (*Manifest, error) {
	var obj struct {
		APIVersion *string `json:"apiVersion"`
		Kind       *string `json:"kind"`
		Metadata   *struct {
			Name         string `json:"name"`
			GenerateName string `json:"generateName"`
			Namespace    string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, &ManifestError{Document: doc, Reason: "not a JSON object", Err: err}
	}
	switch {
	case (obj.APIVersion == nil || *obj.APIVersion == "") && (obj.Kind == nil || *obj.Kind == ""):
		return nil, &ManifestError{Document: doc, Field: "apiVersion", Reason: "missing, and kind too: a manifest without them (a Go struct with an empty TypeMeta) needs a view of its kind, whose Create, Update and Apply fill them in"}
	case obj.APIVersion == nil || *obj.APIVersion == "":
		return nil, &ManifestError{Document: doc, Field: "apiVersion", Reason: "missing"}
	case obj.Kind == nil || *obj.Kind == "":
		return nil, &ManifestError{Document: doc, Field: "kind", Reason: "missing"}
	case obj.Metadata == nil:
		return nil, &ManifestError{Document: doc, Field: "metadata", Reason: "missing"}
	case obj.Metadata.Name == "" && obj.Metadata.GenerateName == "":
		return nil, &ManifestError{Document: doc, Field: "metadata.name", Reason: "missing (and no metadata.generateName)"}
	case obj.Metadata.Name != "" && !validObjectName(obj.Metadata.Name):
		return nil, &ManifestError{Document: doc, Field: "metadata.name", Reason: fmt.Sprintf("invalid name %q (empty, \".\", \"..\", or containing '/' or '%%')", obj.Metadata.Name)}
	case obj.Metadata.Namespace != "" && !validNamespace(obj.Metadata.Namespace):
		return nil, &ManifestError{Document: doc, Field: "metadata.namespace", Reason: fmt.Sprintf("invalid namespace %q (want a DNS-1123 label)", obj.Metadata.Namespace)}
	}
	return &Manifest{APIVersion: *obj.APIVersion, Kind: *obj.Kind, Name: obj.Metadata.Name, Namespace: obj.Metadata.Namespace, JSON: data}, nil
}

// resolveNamespace decides where a manifest goes: the namespace asked for
// and the manifest's own must agree; a cluster-scoped kind takes none.
func resolveNamespace(k *KindInfo, m *Manifest, asked string) (string, error) {
	if asked != "" && !validNamespace(asked) {
		return "", &NamespaceError{Kind: k.Kind, Namespace: asked, Reason: "invalid namespace name (want a DNS-1123 label)"}
	}
	if !k.Namespaced {
		if asked != "" {
			return "", &NamespaceError{Kind: k.Kind, Namespace: asked, Reason: "the kind is cluster-scoped and takes no namespace"}
		}
		if m.Namespace != "" {
			return "", &NamespaceError{Kind: k.Kind, Namespace: m.Namespace, Reason: "the manifest of a cluster-scoped kind sets metadata.namespace"}
		}
		return "", nil
	}
	switch {
	case asked != "" && m.Namespace != "" && asked != m.Namespace:
		return "", &NamespaceError{Kind: k.Kind, Namespace: asked, Reason: fmt.Sprintf("contradicts the manifest's metadata.namespace %q", m.Namespace)}
	case asked != "":
		return asked, nil
	case m.Namespace != "":
		return m.Namespace, nil
	}
	return "", &NamespaceError{Kind: k.Kind, Reason: "no namespace: give one or set metadata.namespace in the manifest"}
}

// CreateOptions configure View.Create and Client.Create.
type CreateOptions struct {
	WriteOptions
	// Namespace to create in, for manifests that set none; it must agree
	// with the manifest's own and with the namespace of a bound view.
	Namespace string
}

// Create creates an object from a manifest of any kind the server serves
// (see ParseManifest for the forms) and returns the typed item the kind's
// registered descriptor decodes, e.g. a *Item[kinds.PodStatus], or, for a
// kind known only from discovery, an *Item[Unstructured] (As gives either
// typed without a type switch). Errors in the manifest, a kind the server
// does not serve, or a namespace that contradicts the manifest are
// reported before any write.
func (c *Client) Create(ctx context.Context, manifest any, opts CreateOptions) (Object, error) {
	m, err := ParseManifest(manifest)
	if err != nil {
		return nil, err
	}
	k, err := c.lookupManifest(ctx, m, 0)
	if err != nil {
		return nil, err
	}
	ns, err := resolveNamespace(k.info(), m, opts.Namespace)
	if err != nil {
		return nil, err
	}
	path, err := c.collectionPath(ctx, k.info(), ns)
	if err != nil {
		return nil, err
	}
	data, err := c.readBody(ctx, request{method: http.MethodPost, path: path, query: opts.query(), body: m.JSON})
	if err != nil {
		return nil, err
	}
	obj, err := k.decodeObject(c, data)
	if err != nil {
		if de, ok := err.(*DecodeError); ok {
			de.Path = path
		}
		return nil, err
	}
	return obj, nil
}
