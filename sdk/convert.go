package sdk

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// This file converts between items and Go structs of the user's choice:
// Into decodes an item into any struct (a k8s.io/api type, a partial struct
// of one's own), and MarshalApply encodes a struct for server-side apply.
// Neither uses go-json-experiment/json's v1 package, whose initialisation
// would be linked into every program that imports this one.

// Into decodes the JSON of obj into a new value of type T and returns it:
// a k8s.io/api type, or a struct of one's own that declares only the fields
// it reads.
//
//	d, err := sdk.Into[appsv1.Deployment](item)
//
// Decoding follows json tags and embedded structs as encoding/json does,
// and calls the UnmarshalJSON methods of types such as metav1.Time,
// resource.Quantity and intstr.IntOrString; like client-go (and unlike
// encoding/json), member names match field names case-sensitively.
// Members without a field are ignored. (It runs go-json-experiment/json
// with the SDK's decoding options: a duplicate member keeps the last value,
// invalid UTF-8 is replaced.) A value that does not fit its field
// (a string where T has an int, say) is a *DecodeError naming the JSON path
// and the Go type, never the value (which may be Secret data).
func Into[T any](obj Object) (T, error) {
	var out T
	err := decodeInto(obj, &out)
	return out, err
}

// Into decodes the item's JSON into v, which must be a non-nil pointer (to
// a k8s.io/api struct, a struct of one's own, a map...), following the
// rules of the function Into. Like encoding/json.Unmarshal, it decodes onto
// the value v points to: fields absent from the JSON keep their values.
func (it *Item[S]) Into(v any) error { return decodeInto(it, v) }

// rawJSON returns the item's JSON without copying it (callers must not
// change it), or nil for a nil item.
func (it *Item[S]) rawJSON() []byte {
	if it == nil || it.itemData == nil {
		return nil
	}
	return it.raw
}

// rawHolder is an Object that gives its JSON without a copy.
type rawHolder interface{ rawJSON() []byte }

func decodeInto(obj Object, v any) error {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &Error{Op: "decode into", Err: fmt.Errorf("want a non-nil pointer, got %T", v)}
	}
	if ov := reflect.ValueOf(obj); !ov.IsValid() || (ov.Kind() == reflect.Pointer && ov.IsNil()) {
		return &Error{Op: "decode into", Err: errors.New("nil object")}
	}
	var raw []byte
	if h, ok := obj.(rawHolder); ok {
		raw = h.rawJSON()
	} else {
		raw = obj.Raw()
	}
	path := objectPath(obj)
	if raw == nil {
		return &Error{Op: "decode into", Err: errors.New("nil object")}
	}
	if err := checkObjectJSON(raw, path); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v, decodeOptions); err != nil {
		return intoError(path, v, err)
	}
	return nil
}

// objectPath names an object in errors: its kind, namespace and name.
func objectPath(obj Object) string {
	n := obj.Name()
	if ns := obj.Namespace(); ns != "" {
		n = ns + "/" + n
	}
	if k := obj.Descriptor(); k != nil {
		return k.info().Kind + " " + n
	}
	return n
}

// intoError is the *DecodeError of a failed Into. A semantic error is
// rebuilt without the JSON value and the underlying error, whose texts may
// quote the value (a Secret's data, say): only its position, JSON kind and
// Go type are kept.
func intoError(path string, v any, err error) *DecodeError {
	de := &DecodeError{Path: path, Offset: -1, Reason: fmt.Sprintf("cannot decode into %T", v)}
	var se *json.SemanticError
	var sy *jsontext.SyntacticError
	switch {
	case errors.As(err, &se):
		de.Offset = se.ByteOffset
		de.Err = &json.SemanticError{ByteOffset: se.ByteOffset, JSONPointer: se.JSONPointer, JSONKind: se.JSONKind, GoType: se.GoType}
	case errors.As(err, &sy):
		de.Offset = sy.ByteOffset
		de.Err = sy
	default:
		de.Err = errors.New("invalid JSON")
	}
	return de
}

// MarshalApply returns the JSON that server-side apply sends for v (View.Apply,
// Client.Apply, and View.Patch with ApplyPatch):
//
//   - a Go struct (or a pointer to one), such as a k8s.io/api type, is
//     marshalled by encoding/json, and then every member written for a
//     struct field holding its zero value is dropped, as if the field were
//     tagged omitzero: a field whose type has an IsZero method (metav1.Time)
//     is zero when it says so, any other when it is Go's zero value.
//     Server-side apply records every field the body sets as owned by the
//     field manager; without this, a typed Deployment would claim
//     spec.strategy, every container's resources and status, which
//     encoding/json writes as empty objects because they are struct
//     values, not pointers (controller-runtime#1669). A non-nil pointer to
//     an empty struct, such as an emptyDir volume source, is kept: it is
//     the user's intent. To apply a zero value (replicas: 0), use a pointer
//     field, as k8s.io/api does. Values with their own MarshalJSON or
//     MarshalText are kept whole, and map entries and list elements are
//     kept (the structs in them are pruned). Members come out in sorted
//     order.
//   - []byte, string and json.RawMessage are returned as they are, and any
//     other value (a map) is marshalled by encoding/json, unchanged.
func MarshalApply(v any) (out []byte, err error) {
	switch b := v.(type) {
	case []byte:
		return b, nil
	case string:
		return []byte(b), nil
	case stdjson.RawMessage:
		return b, nil
	}
	data, err := stdjson.Marshal(v)
	if err != nil || !isStruct(v) {
		return data, err
	}
	dec := stdjson.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	defer func() {
		// A user's IsZero method that panics must not crash the program.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("marshal %T for apply: panic in an IsZero method: %v", v, r)
		}
	}()
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	c := reflect.New(rv.Type()).Elem() // addressable, for IsZero methods on pointers
	c.Set(rv)
	pruneZero(c, tree)
	return stdjson.Marshal(tree)
}

var (
	marshalerType     = reflect.TypeFor[stdjson.Marshaler]()
	textMarshalerType = reflect.TypeFor[interface{ MarshalText() ([]byte, error) }]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
)

// ownEncoding reports whether values of type t encode themselves.
func ownEncoding(t reflect.Type) bool {
	return t.Implements(marshalerType) || t.Implements(textMarshalerType) ||
		(t.Kind() != reflect.Pointer && (reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)))
}

// pruneZero removes from j, the encoding/json encoding of rv, the members
// of zero-valued struct fields, at every depth.
func pruneZero(rv reflect.Value, j any) {
	for {
		if !rv.IsValid() || ownEncoding(rv.Type()) {
			return
		}
		if k := rv.Kind(); k != reflect.Pointer && k != reflect.Interface {
			break
		}
		if rv.IsNil() {
			return
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Struct:
		if obj, ok := j.(map[string]any); ok {
			pruneStruct(rv, obj)
		}
	case reflect.Slice, reflect.Array:
		arr, ok := j.([]any)
		if !ok || len(arr) != rv.Len() {
			return // []byte is a base64 string
		}
		for i := range arr {
			pruneZero(rv.Index(i), arr[i])
		}
	case reflect.Map:
		obj, ok := j.(map[string]any)
		kt := rv.Type().Key()
		if !ok || kt.Kind() != reflect.String || kt.Implements(textMarshalerType) {
			return
		}
		it := rv.MapRange()
		for it.Next() {
			e := reflect.New(rv.Type().Elem()).Elem()
			e.Set(it.Value())
			pruneZero(e, obj[it.Key().String()])
		}
	}
}

// jsonField is a struct field as encoding/json sees it, after inlining
// embedded structs.
type jsonField struct {
	name   string
	v      reflect.Value
	depth  int
	tagged bool
}

// pruneStruct removes the members of rv's zero fields from obj, and
// prunes the others. A name that several fields could have written (an
// ambiguity encoding/json resolves by depth and tags) is left alone unless
// one field dominates, as encoding/json decides.
func pruneStruct(rv reflect.Value, obj map[string]any) {
	var fields []jsonField
	collectFields(rv, 0, &fields)
	byName := map[string][]jsonField{}
	for _, f := range fields {
		byName[f.name] = append(byName[f.name], f)
	}
	for name, fs := range byName {
		val, ok := obj[name]
		if !ok {
			continue
		}
		f, ok := dominant(fs)
		if !ok {
			continue
		}
		if isZeroValue(f.v) {
			delete(obj, name)
			continue
		}
		pruneZero(f.v, val)
	}
}

// dominant picks the field encoding/json encodes among those of one name:
// the shallowest, and among several at that depth the only tagged one.
func dominant(fs []jsonField) (jsonField, bool) {
	lo := fs[0].depth
	for _, f := range fs {
		lo = min(lo, f.depth)
	}
	var at []jsonField
	for _, f := range fs {
		if f.depth == lo {
			at = append(at, f)
		}
	}
	if len(at) == 1 {
		return at[0], true
	}
	var tagged []jsonField
	for _, f := range at {
		if f.tagged {
			tagged = append(tagged, f)
		}
	}
	if len(tagged) == 1 {
		return tagged[0], true
	}
	return jsonField{}, false
}

// collectFields lists the fields of struct rv as encoding/json does: json
// tags name them, "-" hides them, unexported fields are skipped, and
// embedded structs without a tag name are inlined one level deeper.
func collectFields(rv reflect.Value, depth int, out *[]jsonField) {
	if depth > 32 {
		return
	}
	t := rv.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		fv := rv.Field(i)
		if sf.Anonymous {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if !sf.IsExported() && ft.Kind() != reflect.Struct {
				continue
			}
			if name == "" && ft.Kind() == reflect.Struct {
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						continue
					}
					fv = fv.Elem()
				}
				collectFields(fv, depth+1, out)
				continue
			}
		} else if !sf.IsExported() {
			continue
		}
		f := jsonField{name: name, v: fv, depth: depth, tagged: name != ""}
		if name == "" {
			f.name = sf.Name
		}
		*out = append(*out, f)
	}
}

// isZeroValue reports whether a field value is zero: a nil pointer or
// interface, one whose IsZero method says so, or Go's zero value.
func isZeroValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return true
		}
	}
	if !v.CanInterface() { // reached through an unexported embedded struct
		return v.IsZero()
	}
	if v.Type().Implements(isZeroerType) {
		return v.Interface().(interface{ IsZero() bool }).IsZero()
	}
	if v.CanAddr() && v.Kind() != reflect.Pointer && reflect.PointerTo(v.Type()).Implements(isZeroerType) {
		return v.Addr().Interface().(interface{ IsZero() bool }).IsZero()
	}
	return v.IsZero()
}

// isStruct reports whether v is a Go struct or a non-nil pointer to one,
// other than a *Manifest.
func isStruct(v any) bool {
	if _, ok := v.(*Manifest); ok {
		return false
	}
	rv := reflect.ValueOf(v)
	for rv.IsValid() && rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	return rv.IsValid() && rv.Kind() == reflect.Struct
}

// setTypeMeta returns the JSON object data with apiVersion and kind set
// (first, replacing the members of those names); every other member is
// kept byte for byte, in order.
func setTypeMeta(data []byte, apiVersion, kind string) ([]byte, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data), decodeOptions)
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	if tok.Kind() != '{' {
		return nil, errors.New("not a JSON object")
	}
	out := make([]byte, 0, len(data)+len(apiVersion)+len(kind)+32)
	out = append(out, `{"apiVersion":`...)
	if out, err = jsontext.AppendQuote(out, apiVersion); err != nil {
		return nil, err
	}
	out = append(out, `,"kind":`...)
	if out, err = jsontext.AppendQuote(out, kind); err != nil {
		return nil, err
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		name := tok.String() // before the next read voids tok
		val, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		if name == "apiVersion" || name == "kind" {
			continue
		}
		out = append(out, ',')
		if out, err = jsontext.AppendQuote(out, name); err != nil {
			return nil, err
		}
		out = append(out, ':')
		out = append(out, val...)
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return append(out, '}'), nil
}
