package sdk

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/internal/jsonscan"
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
	// meta holds name, namespace, uid, resourceVersion and
	// deletionTimestamp, decoded eagerly, and for an item decoded whole
	// (lazy == nil) all the metadata.
	meta   wireMeta
	ident  string // namespace/name, or name (Item.key)
	link   string
	status S
	lazy   *lazyParts // nil: metadata and status were decoded eagerly
}

// lazyParts is the state of the parts of a list or watch item that are
// decoded on first access: the whole metadata (labels, annotations, ...)
// and the status. Items are shared across goroutines: each part is
// decoded once, under a sync.Once.
type lazyParts struct {
	off                  int64 // the object's offset in its body
	metaSpan, statusSpan span  // relative to raw
	labelsSpan           span  // metadata.labels, relative to raw
	labelsOnce           sync.Once
	labels               []string // name, value, ...: see decodeLabels
	labelMapOnce         sync.Once
	labelMap             map[string]string // built from labels when asked
	dupStatus            bool              // status appeared twice: decode from the whole object
	metaOnce, statusOnce sync.Once
	meta                 *wireMeta // allocated on first access
	metaErr, statusErr   error
}

// lazyItem lays out an item and its parts in one allocation.
type lazyItem[S Status] struct {
	it Item[S]
	d  itemData[S]
	lz lazyParts
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

// readItem returns the reader of list and watch items of kind k: lazy
// items over the validated raw bytes (see newLazyItem).
func readItem[S Status](c *Client, k *Kind[S]) itemReader[*Item[S]] {
	return func(raw []byte, x *objIndex, off int64) (*Item[S], error) {
		return newLazyItem(c, k, raw, x, off)
	}
}

// decodeLazy is DecodeItem for a lazy item: it validates raw with the
// scanner and indexes it. raw is kept (not copied).
func decodeLazy[S Status](c *Client, k *Kind[S], raw []byte) (*Item[S], error) {
	if err := checkObjectJSON(raw, k.Kind); err != nil {
		return nil, err
	}
	var x objIndex
	i := skipSpace(raw, 0)
	end, err := scanObject(raw, i, true, &x, 0)
	if err == nil {
		if j := skipSpace(raw, end); j < len(raw) {
			end, err = j, badChar(raw, j, "after top-level value")
		}
	}
	if err != nil {
		return nil, &DecodeError{Path: k.Kind, Offset: int64(end), Reason: "invalid JSON", Err: err}
	}
	x.rebase(i)
	return newLazyItem(c, k, raw[i:end:end], &x, int64(i))
}

// newLazyItem makes an item of a validated object: it decodes the kind,
// name, namespace, uid, resourceVersion and deletionTimestamp now (their
// errors are the item's), and the rest of the metadata and the status on
// first access (their errors are Err's).
func newLazyItem[S Status](c *Client, k *Kind[S], raw []byte, x *objIndex, off int64) (*Item[S], error) {
	bad := func(s span, what string) (*Item[S], error) {
		return nil, &DecodeError{Path: k.Kind, Offset: off + int64(s.start), Reason: "unexpected JSON value: " + what}
	}
	if x.kind.ok() {
		kind, ok := stringAt(raw, x.kind)
		if !ok {
			return bad(x.kind, "kind is not a string")
		}
		if len(kind) > 0 && string(kind) != k.Kind {
			return nil, &DecodeError{Path: k.Kind, Offset: off, Reason: fmt.Sprintf("got an object of kind %q, want %q", kind, k.Kind)}
		}
	}
	if x.metadata.ok() && raw[x.metadata.start] != '{' && raw[x.metadata.start] != 'n' {
		return bad(x.metadata, "metadata is not an object")
	}
	li := &lazyItem[S]{}
	li.it.itemData = &li.d
	d := &li.d
	d.client, d.kind, d.raw, d.lazy = c, k, raw, &li.lz
	lz := &li.lz
	lz.off, lz.metaSpan, lz.statusSpan, lz.dupStatus = off, x.metadata, x.status, x.dupStatus
	if !x.dupLabels {
		lz.labelsSpan = x.labels // repeated labels merge: leave them to the whole decode
	}
	if x.dupMeta {
		// Repeated metadata merge: decode it whole now, as DecodeItem does.
		var env metaEnvelope
		if err := unmarshal(raw, &env); err != nil {
			de := decodeError(k.Kind, err)
			if de.Offset >= 0 {
				de.Offset += off
			}
			return nil, de
		}
		m := env.Metadata
		d.meta, lz.meta = env.Metadata, &m
		lz.metaOnce.Do(func() {})
	} else {
		name, ok1 := stringAt(raw, x.name)
		ns, ok2 := stringAt(raw, x.namespace)
		uid, ok3 := stringAt(raw, x.uid)
		rv, ok4 := stringAt(raw, x.rv)
		switch {
		case !ok1:
			return bad(x.name, "metadata.name is not a string")
		case !ok2:
			return bad(x.namespace, "metadata.namespace is not a string")
		case !ok3:
			return bad(x.uid, "metadata.uid is not a string")
		case !ok4:
			return bad(x.rv, "metadata.resourceVersion is not a string")
		}
		// One string holds them all: "ns/name" + uid + rv.
		var sb strings.Builder
		sb.Grow(len(ns) + 1 + len(name) + len(uid) + len(rv))
		sb.Write(ns)
		sb.WriteByte('/')
		sb.Write(name)
		sb.Write(uid)
		sb.Write(rv)
		all := sb.String()
		i := len(ns) + 1
		d.meta.Namespace = all[:len(ns)]
		d.meta.Name = all[i : i+len(name)]
		i += len(name)
		d.meta.UID = all[i : i+len(uid)]
		d.meta.ResourceVersion = all[i+len(uid):]
		if x.dts.ok() && raw[x.dts.start] != 'n' {
			var t time.Time
			if err := unmarshal(x.dts.of(raw), &t); err != nil {
				return bad(x.dts, "metadata.deletionTimestamp is not a time")
			}
			d.meta.DeletionTimestamp = &t
		}
		d.ident = d.meta.Name
		if len(ns) > 0 {
			d.ident = all[:len(ns)+1+len(name)]
		}
		return &li.it, nil
	}
	d.ident = d.meta.Name
	if d.meta.Namespace != "" {
		d.ident = d.meta.Namespace + "/" + d.meta.Name
	}
	return &li.it, nil
}

// stringAt returns the value of the JSON string at s in raw (a view when
// it has no escapes), nil for null or an absent member, and false for a
// value of another type (jsonscan.StringAt).
func stringAt(raw []byte, s span) ([]byte, bool) {
	return jsonscan.StringAt(raw, jsonscan.Span{Start: s.start, End: s.end})
}

// wmeta returns the item's whole metadata, decoding it on first access.
func (it *Item[S]) wmeta() *wireMeta {
	lz := it.lazy
	if lz == nil {
		return &it.meta
	}
	lz.metaOnce.Do(func() {
		m := &wireMeta{}
		if lz.metaSpan.ok() {
			if err := unmarshal(lz.metaSpan.of(it.raw), m); err != nil {
				lz.metaErr = it.lazyError("metadata", lz.metaSpan, err)
				*m = wireMeta{}
			}
		}
		m.Name, m.Namespace, m.UID, m.ResourceVersion = it.meta.Name, it.meta.Namespace, it.meta.UID, it.meta.ResourceVersion
		m.DeletionTimestamp = it.meta.DeletionTimestamp
		lz.meta = m
	})
	return lz.meta
}

// decodedStatus decodes the status of a lazy item on first access.
func (it *Item[S]) decodedStatus() {
	lz := it.lazy
	lz.statusOnce.Do(func() {
		var s S
		var err error
		var at span
		switch {
		case sourceOf[S]() == fromWholeObject:
			err = unmarshal(it.raw, &s)
		case lz.dupStatus:
			var env struct {
				Status S `json:"status"`
			}
			err = unmarshal(it.raw, &env)
			s = env.Status
		case lz.statusSpan.ok():
			at = lz.statusSpan
			if ls, ok := any(&s).(LazyStatus); ok {
				err = ls.IndexStatus(at.of(it.raw))
				break
			}
			err = unmarshal(at.of(it.raw), &s)
		}
		if err != nil {
			lz.statusErr = it.lazyError("status", at, err)
			var zero S
			s = zero
		}
		it.status = s
	})
}

// lazyError is the *DecodeError of a part decoded on first access, its
// offset in the body the item came from.
func (it *Item[S]) lazyError(part string, at span, err error) error {
	de := decodeError(it.kind.Kind, err)
	de.Reason = "the item's " + part + " does not decode: " + de.Reason
	if de.Offset >= 0 {
		de.Offset += it.lazy.off + int64(at.start)
	}
	return de
}

// Err returns the error of decoding the parts of the item read on first
// access, or nil. Items of lists and watches (View.All, List, Watch,
// watch.Store) are validated in full when read, and their kind, name,
// namespace, UID, resourceVersion and deletionTimestamp decoded then; the
// rest of the metadata and the status are decoded when first read. When
// one of them holds a value of the wrong JSON type (a phase that is a
// number), its accessors read it as absent (Status returns the zero
// status, whose attributes are unavailable; Labels are empty) and Err
// returns the *DecodeError saying what and where. A LazyStatus reads as
// absent only the attributes of the wrong type; Err decodes it whole to
// find them. Items of Get and
// DecodeItem are decoded whole, and such errors are theirs; Err is nil.
func (it *Item[S]) Err() error {
	lz := it.lazy
	if lz == nil {
		return nil
	}
	it.wmeta()
	it.decodedStatus()
	if lz.metaErr != nil {
		return lz.metaErr
	}
	if lz.statusErr != nil {
		return lz.statusErr
	}
	if ls, ok := any(&it.status).(LazyStatus); ok {
		if err := ls.CheckStatus(); err != nil {
			return it.lazyError("status", lz.statusSpan, err)
		}
	}
	return nil
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
	it.ident = it.meta.Name
	if it.meta.Namespace != "" {
		it.ident = it.meta.Namespace + "/" + it.meta.Name
	}
	return it, nil
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
func (it *Item[S]) key() string { return it.ident }

// Meta returns the item's metadata. Its maps and slices are copies or
// read-only, so the item stays unchanged.
func (it *Item[S]) Meta() ObjectMeta {
	m := it.wmeta().toMeta(it.Link())
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
func (it *Item[S]) Labels() Labels {
	if kv, ok := it.labelPairs(); ok {
		return labelsOfPairs(kv)
	}
	return labelsOf(it.wmeta().Labels)
}

// labelPairs returns the labels of a lazy item, decoding only
// metadata.labels on first access (a type error is left to the whole
// metadata's decode, which Err reports, and reads as no labels); false
// for an item whose labels are read from its whole metadata.
func (it *Item[S]) labelPairs() ([]string, bool) {
	lz := it.lazy
	if lz == nil || !lz.labelsSpan.ok() || !lz.metaSpan.ok() {
		return nil, false
	}
	lz.labelsOnce.Do(func() { lz.labels = decodeLabels(lz.labelsSpan.of(it.raw)) })
	return lz.labels, true
}

// labelMap returns the labels as a map (a watch.Store's selectors match
// maps), built once for a lazy item.
func (it *Item[S]) labelMap() map[string]string {
	kv, ok := it.labelPairs()
	if !ok {
		return it.wmeta().Labels
	}
	lz := it.lazy
	lz.labelMapOnce.Do(func() { lz.labelMap = labelsOfPairs(kv).entries() })
	return lz.labelMap
}

// decodeLabels decodes the JSON of metadata.labels, validated with the
// object, without reflection, into name, value, name, value, ... with
// distinct names: nil for null, or when a value is not a string or null
// (the whole metadata's decode then reports it); a repeated name keeps its
// last value. The names and values share one string: two allocations in
// all.
func decodeLabels(b []byte) []string {
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var small [32][]byte
	parts := small[:0] // name, value, name, value, ... (unquoted)
	size := 0
	bad := false
	jsonscan.EachMember(b, 0, func(name []byte, esc bool, v jsonscan.Span) {
		if bad || len(name) < 2 {
			return
		}
		val, ok := jsonscan.StringAt(b, v)
		if !ok {
			bad = true
			return
		}
		if !utf8.Valid(val) {
			val, _ = unquoteJSON(v.Of(b)) // invalid UTF-8 is replaced, as the decoder does
		}
		key := name[1 : len(name)-1]
		if esc || !utf8.Valid(key) {
			key, _ = unquoteJSON(name)
		}
		parts = append(parts, key, val)
	})
	if bad {
		return nil
	}
	parts = distinctNames(parts)
	for _, p := range parts {
		size += len(p)
	}
	var sb strings.Builder
	sb.Grow(size)
	for _, p := range parts {
		sb.Write(p)
	}
	all := sb.String()
	kv := make([]string, len(parts))
	for i, p := range parts {
		kv[i], all = all[:len(p)], all[len(p):]
	}
	return kv
}

// distinctNames keeps, of name, value pairs, the last value of each name
// in the place of its first: by comparing names for the few labels an
// object has, with a map for more.
func distinctNames(parts [][]byte) [][]byte {
	const few = 32 // pairs
	out := parts[:0]
	if len(parts) <= 2*few {
	next:
		for i := 0; i < len(parts); i += 2 {
			for k := 0; k < len(out); k += 2 {
				if string(out[k]) == string(parts[i]) {
					out[k+1] = parts[i+1]
					continue next
				}
			}
			out = append(out, parts[i], parts[i+1])
		}
		return out
	}
	at := make(map[string]int, len(parts)/2)
	for i := 0; i < len(parts); i += 2 {
		if k, ok := at[string(parts[i])]; ok {
			out[k+1] = parts[i+1]
			continue
		}
		at[string(parts[i])] = len(out)
		out = append(out, parts[i], parts[i+1])
	}
	return out
}

// Version returns the item's resourceVersion.
func (it *Item[S]) Version() string { return it.meta.ResourceVersion }

// Status returns the item's typed status. For an item of a list or a
// watch it is decoded on first access; see Err.
func (it *Item[S]) Status() S {
	if it.lazy != nil {
		it.decodedStatus()
	}
	return it.status
}

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
