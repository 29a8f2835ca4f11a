package sdk

import (
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/watch"
)

// Object is what every item satisfies, whatever its status type: what
// Create, Apply and ApplyManifests return for manifests of any registered
// kind. *Item[S] implements it; ItemOf turns an Object back into a typed
// item without a type switch.
type Object interface {
	// Descriptor returns the descriptor of the object's kind.
	Descriptor() AnyKind
	// Name returns metadata.name.
	Name() string
	// Namespace returns metadata.namespace ("" for cluster-scoped kinds).
	Namespace() string
	// Version returns metadata.resourceVersion.
	Version() string
	// UID returns metadata.uid.
	UID() string
	// Meta returns the object's metadata.
	Meta() ObjectMeta
	// Raw returns a copy of the object's JSON.
	Raw() []byte
}

// ItemOf returns obj as an item of status type S, and whether it is one:
//
//	obj, err := client.Create(ctx, manifest, sdk.CreateOptions{})
//	if pod, ok := sdk.ItemOf[kinds.PodStatus](obj); ok { ... }
func ItemOf[S Status](obj Object) (*Item[S], bool) {
	it, ok := obj.(*Item[S])
	return it, ok && it != nil
}

// Item is an immutable snapshot of one Kubernetes object at one
// resourceVersion (the seed's ItemABC), with typed status S. Methods that
// change the object on the server return a new Item; the receiver never
// changes. An *Item is safe for concurrent use.
//
// S is the status type of the kind (see Status): its methods are the
// kind's status attributes, read with Status().
//
// An Item holds its data behind a pointer, so that fmt, when it prints an
// item by reflection (in an unexported field of another struct, or with a
// verb such as %p that bypasses Format), shows an address and never the
// object's data: a Secret's values stay hidden.
type Item[S Status] struct {
	*itemData[S]
}

type itemData[S Status] struct {
	client *Client
	kind   *Kind[S]
	raw    []byte
	meta   wireMeta
	link   string
	status S
}

// envelope is the part of an object an item decodes eagerly: metadata and
// status. The spec and everything else stay in the raw bytes.
type envelope[S any] struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   wireMeta `json:"metadata"`
	Status     S        `json:"status"`
}

type metaEnvelope struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   wireMeta `json:"metadata"`
}

// DecodeItem decodes the JSON of one object of kind k into an item, e.g. an
// object read with Proxy or from a file. raw is kept (not copied): the
// caller must not change it afterwards. c may be nil for an offline item,
// whose methods that make requests then fail. An object of another kind,
// malformed JSON and a body that is not a JSON object are *DecodeErrors.
func DecodeItem[S Status](c *Client, k *Kind[S], raw []byte) (*Item[S], error) {
	if k == nil {
		return nil, &Error{Op: "decode", Err: fmt.Errorf("nil kind")}
	}
	if err := checkObjectJSON(raw, k.Kind); err != nil {
		return nil, err
	}
	it := &Item[S]{&itemData[S]{client: c, kind: k, raw: raw}}
	var gotKind string
	if sourceOf[S]() == fromWholeObject {
		var env metaEnvelope
		if err := unmarshal(raw, &env); err != nil {
			return nil, decodeError(k.Kind, err)
		}
		it.meta, gotKind = env.Metadata, env.Kind
	} else {
		var env envelope[S]
		if err := unmarshal(raw, &env); err != nil {
			return nil, decodeError(k.Kind, err)
		}
		it.meta, it.status, gotKind = env.Metadata, env.Status, env.Kind
	}
	return it.finish(gotKind)
}

// readItem decodes one object straight from a stream in a single pass:
// metadata and status are decoded as the bytes go by, the spec and the rest
// are skipped, and the object's raw bytes are taken from the capture.
func readItem[S Status](c *Client, k *Kind[S]) itemReader[*Item[S]] {
	whole := sourceOf[S]() == fromWholeObject
	return func(dec *jsontext.Decoder, cp *capture) (*Item[S], error) {
		it := &Item[S]{&itemData[S]{client: c, kind: k}}
		if dec.PeekKind() != '{' {
			off := dec.InputOffset()
			_ = dec.SkipValue()
			return nil, &DecodeError{Path: k.Kind, Offset: off, Reason: "not a JSON object"}
		}
		start := dec.InputOffset()
		var gotKind string
		if whole {
			var env metaEnvelope
			if err := json.UnmarshalDecode(dec, &env); err != nil {
				return nil, streamDecodeError(dec, k.Kind, err)
			}
			it.meta, gotKind = env.Metadata, env.Kind
		} else {
			var env envelope[S]
			if err := json.UnmarshalDecode(dec, &env); err != nil {
				return nil, streamDecodeError(dec, k.Kind, err)
			}
			it.meta, it.status, gotKind = env.Metadata, env.Status, env.Kind
		}
		raw, err := cp.take(start, dec.InputOffset())
		if err != nil {
			return nil, &DecodeError{Path: k.Kind, Offset: start, Reason: "internal capture error", Err: err}
		}
		it.raw = raw
		return it.finish(gotKind)
	}
}

// finish decodes a status that lives in the whole object and checks the
// kind. Items of a list may omit kind; a present kind must match.
func (it *Item[S]) finish(gotKind string) (*Item[S], error) {
	if sourceOf[S]() == fromWholeObject {
		if err := unmarshal(it.raw, &it.status); err != nil {
			return nil, decodeError(it.kind.Kind, err)
		}
	}
	if gotKind != "" && gotKind != it.kind.Kind {
		return nil, &DecodeError{Path: it.kind.Kind, Offset: -1, Reason: fmt.Sprintf("got an object of kind %q, want %q", gotKind, it.kind.Kind)}
	}
	return it, nil
}

func streamDecodeError(dec *jsontext.Decoder, path string, err error) *DecodeError {
	de := decodeError(path, err)
	if de.Offset < 0 {
		de.Offset = dec.InputOffset()
	}
	return de
}

func decodeError(path string, err error) *DecodeError {
	de := &DecodeError{Path: path, Offset: -1, Reason: "invalid JSON", Err: err}
	if se, ok := err.(*jsontext.SyntacticError); ok {
		de.Offset = se.ByteOffset
	} else if se, ok := err.(*json.SemanticError); ok {
		de.Offset = se.ByteOffset
		de.Reason = "unexpected JSON value"
	}
	return de
}

// Kind returns the descriptor of the item's kind.
func (it *Item[S]) Kind() *Kind[S] { return it.kind }

// Descriptor returns the descriptor of the item's kind as an AnyKind
// (Object).
func (it *Item[S]) Descriptor() AnyKind { return it.kind }

// UID returns metadata.uid.
func (it *Item[S]) UID() string { return it.meta.UID }

// Resource returns the plural resource name, e.g. "pods".
func (it *Item[S]) Resource() string { return it.kind.Resource }

// Client returns the client the item was read through.
func (it *Item[S]) Client() *Client { return it.client }

// key is "namespace/name", or "name" for a cluster-scoped object.
func (it *Item[S]) key() string {
	if it.meta.Namespace == "" {
		return it.meta.Name
	}
	return it.meta.Namespace + "/" + it.meta.Name
}

// Meta returns the item's metadata. Its maps and slices are copies or
// read-only, so the item stays unchanged.
func (it *Item[S]) Meta() ObjectMeta {
	m := it.meta.toMeta(it.Link())
	m.OwnerReferences = slices.Clone(m.OwnerReferences)
	m.Finalizers = slices.Clone(m.Finalizers)
	if m.DeletionTimestamp != nil {
		t := *m.DeletionTimestamp
		m.DeletionTimestamp = &t
	}
	return m
}

// Name returns metadata.name.
func (it *Item[S]) Name() string { return it.meta.Name }

// Namespace returns metadata.namespace ("" for cluster-scoped kinds).
func (it *Item[S]) Namespace() string { return it.meta.Namespace }

// Labels returns the item's labels (read-only).
func (it *Item[S]) Labels() Labels { return labelsOf(it.meta.Labels) }

// Version returns the item's resourceVersion.
func (it *Item[S]) Version() string { return it.meta.ResourceVersion }

// Status returns the item's typed status.
func (it *Item[S]) Status() S { return it.status }

// Raw returns a copy of the object's JSON.
func (it *Item[S]) Raw() []byte { return slices.Clone(it.raw) }

// Link returns the object's API path, e.g. /api/v1/namespaces/default/pods/web.
// It is empty for an item decoded without a client.
func (it *Item[S]) Link() string {
	if it.link == "" && it.client != nil {
		if p, ok := it.client.cachedPath(&it.kind.KindInfo); ok {
			if it.kind.Namespaced {
				return p + "/namespaces/" + it.meta.Namespace + "/" + it.kind.Resource + "/" + it.meta.Name
			}
			return p + "/" + it.kind.Resource + "/" + it.meta.Name
		}
	}
	return it.link
}

// Spec returns a deep copy of the object's spec as decoded JSON (the seed's
// spec()): changing it cannot change the item. An object without a spec
// (a Secret, say) returns an empty map.
func (it *Item[S]) Spec() map[string]any {
	out := map[string]any{}
	var env struct {
		Spec map[string]any `json:"spec"`
	}
	if err := unmarshal(it.raw, &env); err == nil && env.Spec != nil {
		return env.Spec
	}
	return out
}

// Equal reports whether two snapshots are of the same object at the same
// version (kind, UID and resourceVersion).
func (it *Item[S]) Equal(o *Item[S]) bool {
	if it == nil || o == nil {
		return it == o
	}
	return it.kind == o.kind && it.meta.UID == o.meta.UID && it.meta.ResourceVersion == o.meta.ResourceVersion
}

// String identifies the snapshot: kind, namespace/name and version. It
// never includes data (a Secret's values stay hidden).
//
// String, GoString and Format have value receivers so that a dereferenced
// item prints the same way as a pointer.
func (it Item[S]) String() string {
	n := it.meta.Name
	if it.meta.Namespace != "" {
		n = it.meta.Namespace + "/" + n
	}
	return fmt.Sprintf("%s %s (version %s)", it.kind.Kind, n, it.meta.ResourceVersion)
}

// GoString is String, so %#v cannot print the raw object either.
func (it Item[S]) GoString() string { return it.String() }

// Format prints String for every verb, so no verb can print the raw object.
func (it Item[S]) Format(f fmt.State, verb rune) { fmt.Fprint(f, it.String()) }

// view returns the namespace-bound (or cluster) view this item lives in.
func (it *Item[S]) view() *View[S] {
	v := NewView(it.client, it.kind)
	if it.kind.Namespaced {
		v = v.In(it.meta.Namespace)
	}
	return v
}

// Fetch returns the newest snapshot of the object (the seed's fetch()).
func (it *Item[S]) Fetch(ctx context.Context) (*Item[S], error) {
	return it.view().Get(ctx, it.meta.Name)
}

// Delete deletes the object. For kinds whose repeated delete answers 409
// while the object terminates (Namespace), that answer counts as success.
func (it *Item[S]) Delete(ctx context.Context) error {
	return it.view().Delete(ctx, it.meta.Name, DeleteOptions{})
}

// SetLabel sets label key to value on the server and returns the new
// snapshot (the seed's meta.labels.set).
func (it *Item[S]) SetLabel(ctx context.Context, key, value string) (*Item[S], error) {
	return it.patchMeta(ctx, "labels", key, &value)
}

// DeleteLabel removes label key on the server and returns the new snapshot
// (the seed's meta.labels.delete).
func (it *Item[S]) DeleteLabel(ctx context.Context, key string) (*Item[S], error) {
	return it.patchMeta(ctx, "labels", key, nil)
}

// SetAnnotation sets annotation key to value and returns the new snapshot.
func (it *Item[S]) SetAnnotation(ctx context.Context, key, value string) (*Item[S], error) {
	return it.patchMeta(ctx, "annotations", key, &value)
}

// DeleteAnnotation removes annotation key and returns the new snapshot.
func (it *Item[S]) DeleteAnnotation(ctx context.Context, key string) (*Item[S], error) {
	return it.patchMeta(ctx, "annotations", key, nil)
}

// patchMeta merge-patches one metadata map entry; a nil value removes it.
func (it *Item[S]) patchMeta(ctx context.Context, field, key string, value *string) (*Item[S], error) {
	if key == "" {
		return nil, &Error{Op: "set " + field, Err: fmt.Errorf("empty key")}
	}
	var v any
	if value != nil {
		v = *value
	}
	patch := map[string]any{"metadata": map[string]any{field: map[string]any{key: v}}}
	return it.view().Patch(ctx, it.meta.Name, MergePatch, patch, PatchOptions{})
}

var _ Object = (*Item[FromStatus])(nil)

// Watch returns a single-use iterator over changes to this object after
// this snapshot's version (the seed's item.watch()). If the version is too
// old for the server to replay, the watch relists (see package watch).
func (it *Item[S]) Watch(ctx context.Context) iter.Seq2[watch.Event[*Item[S]], error] {
	return watch.Watch(ctx, it.view().ObjectSource(it.meta.Name), watch.Options{ResourceVersion: it.meta.ResourceVersion})
}
