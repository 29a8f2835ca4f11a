package sdk

import (
	"fmt"
	"iter"
	"maps"
	"time"

	"github.com/go-json-experiment/json"
)

// ObjectMeta is the metadata of an item's snapshot (the seed's ObjectMeta).
// It is a value: changing it changes nothing on the server or in the item.
type ObjectMeta struct {
	Name        string
	Namespace   string // "" for cluster-scoped kinds
	Labels      Labels
	Annotations Labels
	// Version is the opaque resourceVersion of this snapshot.
	Version    string
	UID        string
	Created    time.Time
	Generation int64
	// Link is the object's own API path, usable with Proxy (the seed's
	// meta.link; the server no longer sends selfLink, so it is computed).
	Link              string
	OwnerReferences   []OwnerReference
	Finalizers        []string
	DeletionTimestamp *time.Time
	GenerateName      string
}

// OwnerReference names an object that owns this one.
type OwnerReference struct {
	APIVersion         string `json:"apiVersion"`
	Kind               string `json:"kind"`
	Name               string `json:"name"`
	UID                string `json:"uid"`
	Controller         bool   `json:"controller,omitempty"`
	BlockOwnerDeletion bool   `json:"blockOwnerDeletion,omitempty"`
}

// Labels is a read-only string map: an item's labels or annotations. The
// zero value is empty. Methods that change labels live on the item and
// return a new item.
//
// The entries are held by a closure, which fmt prints as an address
// whatever the verb and however deep, so that printing Labels by reflection
// (in an unexported field of another struct, or with a verb such as %p that
// bypasses Format) never shows the value of LastAppliedAnnotation.
type Labels struct {
	get   func() map[string]string // the entries as a map, or
	pairs func() []string          // as name, value, name, value, ... (names distinct)
}

// labelsOf returns Labels holding m itself (not a copy).
func labelsOf(m map[string]string) Labels {
	if m == nil {
		return Labels{}
	}
	return Labels{get: func() map[string]string { return m }}
}

// labelsOfPairs returns Labels holding kv itself: name, value, name,
// value, ... with distinct names. A list or watch item's labels are
// decoded so: for the few labels an object has, a walk of the pairs reads
// as fast as a map and costs no hashing to build.
func labelsOfPairs(kv []string) Labels {
	if kv == nil {
		return Labels{}
	}
	return Labels{pairs: func() []string { return kv }}
}

// entries returns the map of entries (nil for the zero value); for pairs,
// a new map.
func (l Labels) entries() map[string]string {
	switch {
	case l.pairs != nil:
		kv := l.pairs()
		m := make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	case l.get != nil:
		return l.get()
	}
	return nil
}

// NewLabels returns Labels holding a copy of m.
func NewLabels(m map[string]string) Labels { return labelsOf(maps.Clone(m)) }

// Get returns the value of key and whether it is set.
func (l Labels) Get(key string) (string, bool) {
	if l.pairs != nil {
		kv := l.pairs()
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == key {
				return kv[i+1], true
			}
		}
		return "", false
	}
	v, ok := l.entries()[key]
	return v, ok
}

// Value returns the value of key, or "" if it is not set.
func (l Labels) Value(key string) string {
	v, _ := l.Get(key)
	return v
}

// Has reports whether key is set.
func (l Labels) Has(key string) bool {
	_, ok := l.Get(key)
	return ok
}

// Len returns the number of entries.
func (l Labels) Len() int {
	if l.pairs != nil {
		return len(l.pairs()) / 2
	}
	return len(l.entries())
}

// All iterates over the entries in no particular order.
func (l Labels) All() iter.Seq2[string, string] {
	if l.pairs != nil {
		kv := l.pairs()
		return func(yield func(string, string) bool) {
			for i := 0; i+1 < len(kv); i += 2 {
				if !yield(kv[i], kv[i+1]) {
					return
				}
			}
		}
	}
	return maps.All(l.entries())
}

// Map returns a copy of the entries as a map (never nil).
func (l Labels) Map() map[string]string {
	if l.pairs != nil {
		return l.entries() // a new map already
	}
	if l.entries() == nil {
		return map[string]string{}
	}
	return maps.Clone(l.entries())
}

// Equal reports whether both hold the same entries.
func (l Labels) Equal(o Labels) bool {
	if l.Len() != o.Len() {
		return false
	}
	equal := true
	l.All()(func(k, v string) bool {
		w, ok := o.Get(k)
		equal = ok && w == v
		return equal
	})
	return equal
}

// String formats the entries like a label selector, sorted by key.
//
// The value of the annotation kubectl.kubernetes.io/last-applied-configuration
// is shown as "<redacted N bytes>": it is a copy of the whole object as last
// applied, a Secret's data included. Value and Get still return it.
func (l Labels) String() string {
	m := l.entries()
	keys := sortedKeys(m)
	b := make([]byte, 0, 16*len(keys))
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, k...)
		b = append(b, '=')
		if k == LastAppliedAnnotation {
			b = fmt.Appendf(b, "<redacted %d bytes>", len(m[k]))
			continue
		}
		b = append(b, m[k]...)
	}
	return string(b)
}

// LastAppliedAnnotation is the annotation in which kubectl apply keeps the
// object as last applied; Labels never print its value.
const LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// GoString is String, so %#v prints no more than %v.
func (l Labels) GoString() string { return "Labels{" + l.String() + "}" }

// Format prints String for every verb, so no verb prints the redacted value.
func (l Labels) Format(f fmt.State, verb rune) { fmt.Fprint(f, l.String()) }

// MarshalJSON encodes the entries as a JSON object, without the value of
// LastAppliedAnnotation (encoded as its redacted form).
func (l Labels) MarshalJSON() ([]byte, error) {
	m := make(map[string]string, l.Len())
	for k, v := range l.All() {
		if k == LastAppliedAnnotation {
			v = fmt.Sprintf("<redacted %d bytes>", len(v))
		}
		m[k] = v
	}
	return json.Marshal(m, json.Deterministic(true))
}

// wireMeta is the JSON form of metadata; unknown members such as
// managedFields are skipped by the decoder without being stored.
type wireMeta struct {
	Name              string            `json:"name"`
	GenerateName      string            `json:"generateName"`
	Namespace         string            `json:"namespace"`
	Labels            map[string]string `json:"labels"`
	Annotations       map[string]string `json:"annotations"`
	ResourceVersion   string            `json:"resourceVersion"`
	UID               string            `json:"uid"`
	CreationTimestamp *time.Time        `json:"creationTimestamp"`
	DeletionTimestamp *time.Time        `json:"deletionTimestamp"`
	Generation        int64             `json:"generation"`
	OwnerReferences   []OwnerReference  `json:"ownerReferences"`
	Finalizers        []string          `json:"finalizers"`
}

func (w *wireMeta) toMeta(link string) ObjectMeta {
	m := ObjectMeta{
		Name: w.Name, GenerateName: w.GenerateName, Namespace: w.Namespace,
		Labels: labelsOf(w.Labels), Annotations: labelsOf(w.Annotations),
		Version: w.ResourceVersion, UID: w.UID, Generation: w.Generation,
		OwnerReferences: w.OwnerReferences, Finalizers: w.Finalizers,
		DeletionTimestamp: w.DeletionTimestamp, Link: link,
	}
	if w.CreationTimestamp != nil {
		m.Created = *w.CreationTimestamp
	}
	return m
}
