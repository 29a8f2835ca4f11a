package sdk

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Kind describes one kind of Kubernetes object as data: its names, its
// scope and the API base paths that serve it. A kind is declared once (the
// package kinds holds the built-in ones; a custom resource is declared the
// same way) and shared by every view and item of that kind.
type Kind struct {
	// Kind is the object kind, e.g. "Pod".
	Kind string
	// ListKind is the kind of its collection, e.g. "PodList"; empty means
	// Kind+"List".
	ListKind string
	// Resource is the plural lowercase resource name used in URLs, e.g. "pods".
	Resource string
	// Namespaced says whether objects of this kind live in a namespace.
	Namespaced bool
	// APIPaths are the API base paths that may serve the kind, newest
	// first, e.g. {"apis/apps/v1", "apis/extensions/v1beta1"}. The newest
	// one the server offers is discovered once per cluster and cached.
	APIPaths []string
	// StatusInObject says that the status type decodes from the whole
	// object rather than from its "status" member (Secrets keep their data
	// and type at the top level).
	StatusInObject bool
	// NoSpec says the kind has no spec: Spec returns an empty map (Secret).
	NoSpec bool
	// DeleteConflictMeansGone says a 409 Conflict answer to a delete means
	// the object is already being deleted (Namespace), so Delete succeeds.
	DeleteConflictMeansGone bool
	// Subresources lists the subresources the kind serves, e.g. "status", "scale".
	Subresources []string
}

// ListKindName returns ListKind, or Kind+"List" if it is empty.
func (k *Kind) ListKindName() string {
	if k.ListKind != "" {
		return k.ListKind
	}
	return k.Kind + "List"
}

// APIVersion returns the apiVersion string ("v1", "apps/v1") of an API base
// path such as "api/v1" or "apis/apps/v1".
func APIVersion(apiPath string) string {
	p := strings.Trim(apiPath, "/")
	if rest, ok := strings.CutPrefix(p, "apis/"); ok {
		return rest
	}
	if rest, ok := strings.CutPrefix(p, "api/"); ok {
		return rest
	}
	return p
}

// Group returns the API group of the kind ("" for the core group).
func (k *Kind) Group() string {
	if len(k.APIPaths) == 0 {
		return ""
	}
	if g, _, ok := strings.Cut(APIVersion(k.APIPaths[0]), "/"); ok {
		return g
	}
	return ""
}

// String returns the kind's name qualified by its group, e.g. "Deployment.apps".
func (k *Kind) String() string {
	if g := k.Group(); g != "" {
		return k.Kind + "." + g
	}
	return k.Kind
}

// Validate reports a descriptor that cannot work.
func (k *Kind) Validate() error {
	switch {
	case k == nil:
		return &Error{Op: "kind", Err: fmt.Errorf("nil kind")}
	case k.Kind == "":
		return &Error{Op: "kind", Err: fmt.Errorf("kind descriptor has no Kind")}
	case k.Resource == "":
		return &Error{Op: "kind " + k.Kind, Err: fmt.Errorf("no Resource")}
	case len(k.APIPaths) == 0:
		return &Error{Op: "kind " + k.Kind, Err: fmt.Errorf("no APIPaths")}
	}
	return nil
}

func (k *Kind) hasSubresource(name string) bool {
	for _, s := range k.Subresources {
		if s == name {
			return true
		}
	}
	return false
}

// Decoder turns the JSON of one object into the typed item of its kind.
type Decoder func(c *Client, k *Kind, raw []byte) (Object, error)

type registration struct {
	kind   *Kind
	decode Decoder
}

var (
	registryMu sync.RWMutex
	registry   = map[string]registration{} // key: group + "/" + Kind
)

func registryKey(group, kind string) string { return group + "/" + kind }

// Register makes a kind known to Create, Apply and Lookup (the seed's
// Cluster.kindimpl), with the function that decodes its objects. The
// package kinds registers the built-in kinds; call Register (or
// RegisterItem) for your own. Registering the same group and kind again
// replaces the earlier entry.
func Register(k *Kind, decode Decoder) error {
	if err := k.Validate(); err != nil {
		return err
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	registry[registryKey(k.Group(), k.Kind)] = registration{kind: k, decode: decode}
	return nil
}

// RegisterItem registers k with the standard decoder for *Item[S].
func RegisterItem[S any](k *Kind) error {
	return Register(k, func(c *Client, k *Kind, raw []byte) (Object, error) {
		return DecodeItem[S](c, k, raw)
	})
}

// Lookup finds a registered kind by apiVersion ("apps/v1", "v1") and kind
// name. The version is not part of the key: any served version of a
// registered group and kind resolves to it.
func Lookup(apiVersion, kind string) (*Kind, Decoder, bool) {
	group := ""
	if g, _, ok := strings.Cut(apiVersion, "/"); ok {
		group = g
	}
	registryMu.RLock()
	defer registryMu.RUnlock()
	r, ok := registry[registryKey(group, kind)]
	return r.kind, r.decode, ok
}

// Kinds returns the registered kinds sorted by group and name.
func Kinds() []*Kind {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]*Kind, 0, len(registry))
	for _, r := range registry {
		out = append(out, r.kind)
	}
	slices.SortFunc(out, func(a, b *Kind) int {
		return cmp.Or(cmp.Compare(a.Group(), b.Group()), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}
