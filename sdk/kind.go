package sdk

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// KindInfo is the data that describes one kind of Kubernetes object: its
// names, its scope and the API base paths that serve it. It says nothing
// about the kind's Go types; a Kind binds it to its status type.
type KindInfo struct {
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
	// one the server offers is discovered once per client and cached.
	APIPaths []string
}

// ListKindName returns ListKind, or Kind+"List" if it is empty.
func (k *KindInfo) ListKindName() string {
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
func (k *KindInfo) Group() string {
	if len(k.APIPaths) == 0 {
		return ""
	}
	if g, _, ok := strings.Cut(APIVersion(k.APIPaths[0]), "/"); ok {
		return g
	}
	return ""
}

// String returns the kind's name qualified by its group, e.g. "Deployment.apps".
func (k *KindInfo) String() string {
	if g := k.Group(); g != "" {
		return k.Kind + "." + g
	}
	return k.Kind
}

// Validate reports a descriptor that cannot work.
func (k *KindInfo) Validate() error {
	switch {
	case k == nil:
		return &Error{Op: "kind", Err: errors.New("nil kind")}
	case k.Kind == "":
		return &Error{Op: "kind", Err: errors.New("kind descriptor has no Kind")}
	case k.Resource == "":
		return &Error{Op: "kind " + k.Kind, Err: errors.New("no Resource")}
	case len(k.APIPaths) == 0:
		return &Error{Op: "kind " + k.Kind, Err: errors.New("no APIPaths")}
	}
	for _, p := range k.APIPaths {
		p = strings.Trim(p, "/")
		if !strings.HasPrefix(p, "api/") && !strings.HasPrefix(p, "apis/") {
			return &Error{Op: "kind " + k.Kind, Err: fmt.Errorf("API path %q: want api/<version> or apis/<group>/<version>", p)}
		}
	}
	return nil
}

// Kind is a kind descriptor bound to its status type S: the KindInfo data
// plus, in its type, where the status decodes from and which subresources
// the kind serves (see Status). Views and items are built from a Kind, so
// a descriptor and a status type cannot disagree:
//
//	pods := sdk.NewPodView(client, kinds.PodKind) // *PodView[kinds.PodStatus]
//
// Declare a kind once, as a package-level variable, with MustKind (or
// NewKind), and share it. A Kind must not be changed after use.
type Kind[S Status] struct {
	KindInfo
}

// NewKind returns the descriptor of a kind with status type S, after
// checking info (see KindInfo.Validate). The descriptor keeps a copy of
// info's API paths.
func NewKind[S Status](info KindInfo) (*Kind[S], error) {
	if err := info.Validate(); err != nil {
		return nil, err
	}
	info.APIPaths = slices.Clone(info.APIPaths)
	return &Kind[S]{KindInfo: info}, nil
}

// MustKind is NewKind for package-level descriptors: it panics if info is
// invalid, a programming error caught by the first test that loads the
// package (like regexp.MustCompile).
func MustKind[S Status](info KindInfo) *Kind[S] {
	k, err := NewKind[S](info)
	if err != nil {
		panic(err)
	}
	return k
}

// Info returns a copy of the kind's data.
func (k *Kind[S]) Info() KindInfo {
	i := k.KindInfo
	i.APIPaths = slices.Clone(i.APIPaths)
	return i
}

func (k *Kind[S]) info() *KindInfo { return &k.KindInfo }

func (k *Kind[S]) decodeObject(c *Client, raw []byte) (Object, error) {
	return DecodeItem(c, k, raw)
}

// AnyKind is a kind descriptor whatever its status type: what the registry,
// manifests and Create handle. Every *Kind[S] is an AnyKind, and nothing
// else is.
type AnyKind interface {
	// Info returns a copy of the kind's data.
	Info() KindInfo
	// String returns the kind's name qualified by its group.
	String() string

	info() *KindInfo
	decodeObject(c *Client, raw []byte) (Object, error)
}

var (
	registryMu sync.RWMutex
	registry   = map[string]AnyKind{} // key: group + "/" + Kind
)

func registryKey(group, kind string) string { return group + "/" + kind }

// ErrKindRegistered is matched by the error of Register when another
// descriptor is already registered for the same group and kind.
var ErrKindRegistered = errors.New("kube: kind already registered")

// Register makes a kind known to Create, Apply, ApplyManifests and Lookup
// (the seed's Cluster.kindimpl), so their answers decode as the kind's
// typed items. The package kinds registers the built-in kinds when it is
// imported. Registering the same descriptor again does nothing; registering
// a different descriptor for a group and kind already registered is an
// error matching ErrKindRegistered, so two libraries cannot silently
// override each other.
func Register(k AnyKind) error {
	if k == nil {
		return &Error{Op: "register", Err: errors.New("nil kind")}
	}
	info := k.info()
	if err := info.Validate(); err != nil {
		return err
	}
	key := registryKey(info.Group(), info.Kind)
	registryMu.Lock()
	defer registryMu.Unlock()
	if old, ok := registry[key]; ok {
		if old == k {
			return nil
		}
		return &Error{Op: "register " + info.String(), Err: fmt.Errorf("%w: another descriptor is registered for %s", ErrKindRegistered, info.String())}
	}
	registry[key] = k
	return nil
}

// Lookup finds a registered kind by apiVersion ("apps/v1", "v1") and kind
// name. The version is not part of the key: any served version of a
// registered group and kind resolves to it.
func Lookup(apiVersion, kind string) (AnyKind, bool) {
	group := ""
	if g, _, ok := strings.Cut(apiVersion, "/"); ok {
		group = g
	}
	registryMu.RLock()
	defer registryMu.RUnlock()
	k, ok := registry[registryKey(group, kind)]
	return k, ok
}

// Kinds returns the registered kinds sorted by group and name.
func Kinds() []AnyKind {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]AnyKind, 0, len(registry))
	for _, k := range registry {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b AnyKind) int {
		ai, bi := a.info(), b.info()
		return cmp.Or(cmp.Compare(ai.Group(), bi.Group()), cmp.Compare(ai.Kind, bi.Kind))
	})
	return out
}
