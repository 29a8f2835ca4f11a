package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/kube-for-go/kube/selector"
)

// Unstructured is the status type of kinds known only from discovery (see
// Dynamic): it decodes from the whole object and gives access to any of
// its fields, so *Item[Unstructured] is an untyped object with the same
// methods as every typed item:
//
//	cm, err := view.Get(ctx, "settings")
//	mode, ok := cm.Status().String("data", "mode")
//
// Every accessor decodes a fresh copy of the object: changing what it
// returns cannot change the item. Its markers say the kind may serve the
// status and scale subresources; a DynamicView checks discovery before
// using them.
type Unstructured struct {
	FromObject
	HasStatus
	HasScale
	raw []byte
}

// UnmarshalJSON keeps a copy of the object's JSON.
func (u *Unstructured) UnmarshalJSON(b []byte) error {
	u.raw = bytes.Clone(b)
	return nil
}

// Object returns a decoded copy of the whole object: JSON objects are
// map[string]any, arrays []any, integers int64 and other numbers float64.
// An empty Unstructured (a zero value) gives an empty map.
func (u Unstructured) Object() map[string]any {
	if len(u.raw) == 0 {
		return map[string]any{}
	}
	obj, err := decodeObject(u.raw)
	if err != nil {
		return map[string]any{}
	}
	return obj
}

// Get returns the value at path (object member names, and decimal indexes
// into arrays), e.g. Get("spec", "template", "spec", "containers", "0",
// "image"), and whether it exists. Get() is the whole object.
func (u Unstructured) Get(path ...string) (any, bool) {
	var v any = u.Object()
	for _, p := range path {
		switch t := v.(type) {
		case map[string]any:
			e, ok := t[p]
			if !ok {
				return nil, false
			}
			v = e
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			v = t[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// String returns the string at path, and whether there is one.
func (u Unstructured) String(path ...string) (string, bool) {
	v, ok := u.Get(path...)
	s, isString := v.(string)
	return s, ok && isString
}

// Int returns the integer at path, and whether there is one.
func (u Unstructured) Int(path ...string) (int64, bool) {
	v, ok := u.Get(path...)
	i, isInt := v.(int64)
	return i, ok && isInt
}

// Bool returns the boolean at path, and whether there is one.
func (u Unstructured) Bool(path ...string) (bool, bool) {
	v, ok := u.Get(path...)
	b, isBool := v.(bool)
	return b, ok && isBool
}

// Map returns the JSON object at path, and whether there is one.
func (u Unstructured) Map(path ...string) (map[string]any, bool) {
	v, ok := u.Get(path...)
	m, isMap := v.(map[string]any)
	return m, ok && isMap
}

// Slice returns the JSON array at path, and whether there is one.
func (u Unstructured) Slice(path ...string) ([]any, bool) {
	v, ok := u.Get(path...)
	s, isSlice := v.([]any)
	return s, ok && isSlice
}

// APIVersion returns the object's apiVersion ("" in list items, which
// omit it).
func (u Unstructured) APIVersion() string { s, _ := u.String("apiVersion"); return s }

// Kind returns the object's kind ("" in list items, which omit it).
func (u Unstructured) Kind() string { s, _ := u.String("kind"); return s }

// ErrNoSubresource is matched by the error of a subresource call on a
// dynamic view whose resource does not serve that subresource, according
// to discovery.
var ErrNoSubresource = errors.New("kube: subresource not served")

// DynamicView is a view of any resource the server serves, found by
// discovery, over untyped items (*Item[Unstructured]). It is a ScaleView,
// so it has every verb of the typed views: Get, List, All, Watch,
// Watcher, Source (for watch.Store and watch.WaitFor), Create, Update,
// Patch, Apply, Delete, DeleteCollection, and the status and scale
// subresources, which fail with ErrNoSubresource when discovery says the
// resource does not serve them. Binding a cluster-scoped resource to a
// namespace is a *NamespaceError, from the discovered scope.
type DynamicView struct {
	*ScaleView[Unstructured]
	res APIResource
}

// Dynamic returns the view of a resource found by name, as kubectl names
// it (see Discovery.Find): "deployments", "deploy", "Deployment",
// "deployments.apps", "deployments.v1.apps", or a custom resource's names.
// An unknown or ambiguous name is a *ResourceError.
func (c *Client) Dynamic(ctx context.Context, resource string) (*DynamicView, error) {
	d := c.Discovery()
	r, err := d.Find(ctx, resource)
	if err != nil {
		return nil, err
	}
	return newDynamicView(c, d, r), nil
}

// DynamicKind returns the view of the resource serving kind in apiVersion
// ("apps/v1", "v1"). An unknown kind is a *ResourceError.
func (c *Client) DynamicKind(ctx context.Context, apiVersion, kind string) (*DynamicView, error) {
	d := c.Discovery()
	r, err := d.ForKind(ctx, apiVersion, kind)
	if err != nil {
		return nil, err
	}
	return newDynamicView(c, d, r), nil
}

func newDynamicView(c *Client, d *Discovery, r APIResource) *DynamicView {
	return &DynamicView{ScaleView: NewScaleView(c, d.kindFor(r)), res: r}
}

// APIResource returns what discovery says of the view's resource.
func (v *DynamicView) APIResource() APIResource { return v.res.clone() }

// In returns the view bound to namespace ns (see View.In).
func (v *DynamicView) In(ns string) *DynamicView {
	return &DynamicView{ScaleView: v.ScaleView.In(ns), res: v.res}
}

// Filter returns the view narrowed by label and field selectors (see View.Filter).
func (v *DynamicView) Filter(labels selector.LabelFilter, fields selector.FieldFilter) *DynamicView {
	return &DynamicView{ScaleView: v.ScaleView.Filter(labels, fields), res: v.res}
}

// PageSize returns the view reading lists n objects per request.
func (v *DynamicView) PageSize(n int) *DynamicView {
	return &DynamicView{ScaleView: v.ScaleView.PageSize(n), res: v.res}
}

func (v *DynamicView) needs(sub string) error {
	if v.res.HasSubresource(sub) {
		return nil
	}
	return &Error{Op: sub + " of " + v.res.GroupResource(), Err: fmt.Errorf("%w: discovery lists %v", ErrNoSubresource, v.res.Subresources)}
}

// GetStatus reads the object through its status subresource.
func (v *DynamicView) GetStatus(ctx context.Context, name string) (*Item[Unstructured], error) {
	if err := v.needs("status"); err != nil {
		return nil, err
	}
	return v.ScaleView.GetStatus(ctx, name)
}

// PatchStatus patches the object's status subresource.
func (v *DynamicView) PatchStatus(ctx context.Context, name string, typ PatchType, patch any, opts PatchOptions) (*Item[Unstructured], error) {
	if err := v.needs("status"); err != nil {
		return nil, err
	}
	return v.ScaleView.PatchStatus(ctx, name, typ, patch, opts)
}

// UpdateStatus replaces the object's status through its status subresource.
func (v *DynamicView) UpdateStatus(ctx context.Context, manifest any, opts WriteOptions) (*Item[Unstructured], error) {
	if err := v.needs("status"); err != nil {
		return nil, err
	}
	return v.ScaleView.UpdateStatus(ctx, manifest, opts)
}

// GetScale reads the object's scale subresource.
func (v *DynamicView) GetScale(ctx context.Context, name string) (Scale, error) {
	if err := v.needs("scale"); err != nil {
		return Scale{}, err
	}
	return v.ScaleView.GetScale(ctx, name)
}

// Scale sets the object's replicas through its scale subresource.
func (v *DynamicView) Scale(ctx context.Context, name string, replicas int32, opts WriteOptions) (*Item[Unstructured], error) {
	if err := v.needs("scale"); err != nil {
		return nil, err
	}
	return v.ScaleView.Scale(ctx, name, replicas, opts)
}

// As returns obj as an item of status type S, whatever status type it was
// decoded with: the same item if it is one already, else the object's
// JSON decoded again as the kind registered for its group and kind with
// status type S, or, for S = Unstructured, as an untyped item. So the typed
// result of Create, Apply or ApplyManifests needs no type switch:
//
//	obj, err := client.Apply(ctx, manifest, opts)
//	dep, err := sdk.As[kinds.DeploymentStatus](obj)
//	cm, err := sdk.As[sdk.Unstructured](obj) // any object, untyped
//
// A kind with no descriptor of status type S is an *Error; an object whose
// JSON does not decode as S is a *DecodeError.
func As[S Status](obj Object) (*Item[S], error) {
	if obj == nil {
		return nil, &Error{Op: "as", Err: errors.New("nil object")}
	}
	if it, ok := obj.(*Item[S]); ok {
		if it == nil {
			return nil, &Error{Op: "as", Err: errors.New("nil item")}
		}
		return it, nil
	}
	info := obj.Descriptor().Info()
	var c *Client
	if cl, ok := obj.(interface{ Client() *Client }); ok {
		c = cl.Client()
	}
	var k *Kind[S]
	registryMu.RLock()
	reg, ok := registry[registryKey(info.Group(), info.Kind)]
	registryMu.RUnlock()
	if ok {
		k, _ = reg.(*Kind[S])
	}
	if k == nil {
		if _, untyped := any(new(S)).(*Unstructured); untyped {
			k = any(untypedKind(c, info)).(*Kind[S])
		}
	}
	if k == nil {
		var zero S
		return nil, &Error{Op: "as " + info.String(), Err: fmt.Errorf("no kind with status type %T is registered for %s (register one with sdk.Register, or use sdk.Unstructured)", zero, info.String())}
	}
	return DecodeItem(c, k, obj.Raw())
}

var (
	untypedMu    sync.Mutex
	untypedKinds = map[string]*Kind[Unstructured]{}
)

// untypedKind returns the untyped descriptor of a typed kind: the client's
// discovered one when its discovery knows the kind, else one per kind data.
func untypedKind(c *Client, info KindInfo) *Kind[Unstructured] {
	if c != nil {
		if d, ok := c.discovery.Load().(*Discovery); ok {
			d.mu.Lock()
			s := d.snap
			d.mu.Unlock()
			if s != nil {
				for _, r := range s.resources {
					if r.Kind == info.Kind && r.Resource == info.Resource && slices.Contains(info.APIPaths, r.APIPath()) {
						return d.kindFor(r)
					}
				}
			}
		}
	}
	key := fmt.Sprintf("%s/%s/%t/%v", info.Kind, info.Resource, info.Namespaced, info.APIPaths)
	untypedMu.Lock()
	defer untypedMu.Unlock()
	if k, ok := untypedKinds[key]; ok {
		return k
	}
	info.APIPaths = slices.Clone(info.APIPaths)
	k := &Kind[Unstructured]{KindInfo: info}
	untypedKinds[key] = k
	return k
}
