package controller

import (
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/kube-for-go/kube/sdk"
)

// ErrInvalidOwner is matched (errors.Is) by the *OwnerError of an owner
// reference Kubernetes would reject or ignore: an owner in another
// namespace than the object, a namespaced owner of a cluster-scoped
// object, an owner without a name or UID, or a manifest without metadata.
var ErrInvalidOwner = errors.New("controller: invalid owner")

// ErrAlreadyOwned is matched by the *OwnerError of SetControllerReference
// when another object already is the object's controller (an object has at
// most one).
var ErrAlreadyOwned = errors.New("controller: object already has a controller")

// OwnerError says why an owner reference cannot be set: which owner, which
// object, and what is wrong. It matches ErrInvalidOwner or
// ErrAlreadyOwned.
type OwnerError struct {
	Owner  string // "Kind namespace/name" of the owner
	Object string // "Kind namespace/name" of the object (name may be empty before creation)
	Reason string
	Err    error // ErrInvalidOwner or ErrAlreadyOwned
}

func (e *OwnerError) Error() string {
	return fmt.Sprintf("controller: owner %s of %s: %s", e.Owner, e.Object, e.Reason)
}

// Unwrap returns ErrInvalidOwner or ErrAlreadyOwned.
func (e *OwnerError) Unwrap() error { return e.Err }

// OwnerReferenceOf returns the ownerReference that names owner, with
// Controller and BlockOwnerDeletion set to controller (the garbage
// collector then deletes the owned object in the foreground of its owner's
// deletion).
func OwnerReferenceOf[O sdk.Status](owner *sdk.Item[O], controller bool) sdk.OwnerReference {
	return sdk.OwnerReference{
		APIVersion: apiVersionOf(owner), Kind: owner.Kind().Kind, Name: owner.Name(), UID: owner.UID(),
		Controller: controller, BlockOwnerDeletion: controller,
	}
}

// apiVersionOf returns the apiVersion the owner was served with, else its
// kind's first.
func apiVersionOf(owner sdk.Object) string {
	var head struct {
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal(owner.Raw(), &head); err == nil && head.APIVersion != "" {
		return head.APIVersion
	}
	if paths := owner.Descriptor().Info().APIPaths; len(paths) > 0 {
		return sdk.APIVersion(paths[0])
	}
	return ""
}

// SetControllerReference makes owner the controller of the object obj
// describes: a manifest of kind child about to be written (Create, Apply,
// Update; obj is changed in place). Events on the object then reconcile
// its owner (Owns), and the garbage collector deletes it when the owner
// goes. A namespaced object without metadata.namespace gets the owner's.
//
// It refuses, with an *OwnerError, an owner in another namespace, a
// namespaced owner of a cluster-scoped object, and an object that already
// has another controller (ErrAlreadyOwned); setting the same controller
// again does nothing.
func SetControllerReference[O sdk.Status](owner *sdk.Item[O], child sdk.AnyKind, obj map[string]any) error {
	return setOwner(owner, child, obj, true)
}

// SetOwnerReference adds owner to the ownerReferences of the object obj
// describes (a manifest of kind child; changed in place), as a
// non-controller owner: the garbage collector deletes the object once all
// its owners are gone. An existing reference to the same owner is updated
// (keeping its controller flag). It refuses the same invalid owners as
// SetControllerReference.
func SetOwnerReference[O sdk.Status](owner *sdk.Item[O], child sdk.AnyKind, obj map[string]any) error {
	return setOwner(owner, child, obj, false)
}

func setOwner[O sdk.Status](owner *sdk.Item[O], child sdk.AnyKind, obj map[string]any, controller bool) error {
	ownerName := "<nil>"
	if owner != nil {
		ownerName = describe(owner.Kind().Kind, owner.Namespace(), owner.Name())
	}
	childKind := "<unknown kind>"
	if child != nil {
		childKind = child.Info().Kind
	}
	md, _ := obj["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	if name == "" {
		name, _ = md["generateName"].(string)
	}
	ns, _ := md["namespace"].(string)
	fail := func(err error, reason string, args ...any) error {
		return &OwnerError{Owner: ownerName, Object: describe(childKind, ns, name), Reason: fmt.Sprintf(reason, args...), Err: err}
	}
	switch {
	case owner == nil || owner.Name() == "" || owner.UID() == "":
		return fail(ErrInvalidOwner, "the owner has no name or UID (use a snapshot read from the server)")
	case child == nil:
		return fail(ErrInvalidOwner, "the object's kind is unknown")
	case md == nil:
		return fail(ErrInvalidOwner, "the manifest has no metadata object")
	}
	ownerNamespaced := owner.Kind().Namespaced
	if child.Info().Namespaced {
		if ns == "" && ownerNamespaced {
			ns = owner.Namespace()
			md["namespace"] = ns
		}
		if ownerNamespaced && ns != owner.Namespace() {
			return fail(ErrInvalidOwner, "cross-namespace owner references are not allowed (the owner is in %q)", owner.Namespace())
		}
	} else if ownerNamespaced {
		return fail(ErrInvalidOwner, "a cluster-scoped object cannot have a namespaced owner")
	}

	ref := OwnerReferenceOf(owner, controller)
	refs, err := ownerRefs(md)
	if err != nil {
		return fail(ErrInvalidOwner, "%v", err)
	}
	group := groupOf(ref.APIVersion)
	idx := -1
	for i, r := range refs {
		same := r.Kind == ref.Kind && r.Name == ref.Name && groupOf(r.APIVersion) == group
		if same {
			idx = i
			continue
		}
		if controller && r.Controller {
			return fail(ErrAlreadyOwned, "%s %s is its controller", r.Kind, r.Name)
		}
	}
	if idx >= 0 {
		if !controller && refs[idx].Controller {
			ref.Controller, ref.BlockOwnerDeletion = true, refs[idx].BlockOwnerDeletion
		}
		refs[idx] = ref
	} else {
		refs = append(refs, ref)
	}
	out := make([]any, len(refs))
	for i, r := range refs {
		m := map[string]any{"apiVersion": r.APIVersion, "kind": r.Kind, "name": r.Name, "uid": r.UID}
		if r.Controller {
			m["controller"] = true
		}
		if r.BlockOwnerDeletion {
			m["blockOwnerDeletion"] = true
		}
		out[i] = m
	}
	md["ownerReferences"] = out
	return nil
}

// ownerRefs reads metadata.ownerReferences of a manifest, whether built
// as []any of maps or as []sdk.OwnerReference.
func ownerRefs(md map[string]any) ([]sdk.OwnerReference, error) {
	switch v := md["ownerReferences"].(type) {
	case nil:
		return nil, nil
	case []sdk.OwnerReference:
		return append([]sdk.OwnerReference(nil), v...), nil
	case []any:
		refs := make([]sdk.OwnerReference, 0, len(v))
		for i, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("metadata.ownerReferences[%d] is not an object", i)
			}
			var r sdk.OwnerReference
			r.APIVersion, _ = m["apiVersion"].(string)
			r.Kind, _ = m["kind"].(string)
			r.Name, _ = m["name"].(string)
			r.UID, _ = m["uid"].(string)
			r.Controller, _ = m["controller"].(bool)
			r.BlockOwnerDeletion, _ = m["blockOwnerDeletion"].(bool)
			refs = append(refs, r)
		}
		return refs, nil
	default:
		return nil, fmt.Errorf("metadata.ownerReferences is a %T, not a list", v)
	}
}

func describe(kind, ns, name string) string {
	if ns == "" {
		return kind + " " + name
	}
	return kind + " " + ns + "/" + name
}
