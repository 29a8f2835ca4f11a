package sdk

import (
	"context"
	"fmt"
	"net/http"
)

// checkSubresource reports a kind that does not declare a subresource in
// Kind.Subresources, before any request.
func checkSubresource(k *Kind, sub string) error {
	if k.hasSubresource(sub) {
		return nil
	}
	return &Error{Op: sub + " of " + k.Kind, Err: fmt.Errorf("the kind has no %q subresource (see Kind.Subresources)", sub)}
}

// GetStatus reads the named object through its status subresource. The
// answer is the whole object, like Get, but needs only the permission to
// read the status subresource.
func (v *View[T]) GetStatus(ctx context.Context, name string) (T, error) {
	var zero T
	if err := checkSubresource(v.kind, "status"); err != nil {
		return zero, err
	}
	p, err := v.object(ctx, name, "status")
	if err != nil {
		return zero, err
	}
	return v.readObject(ctx, request{method: http.MethodGet, path: p})
}

// PatchStatus patches the status of the named object through its status
// subresource (see Patch for the patch forms) and returns the new
// snapshot. Changes to anything but status in the patch are ignored by the
// server, as changes to status are ignored by Patch.
func (v *View[T]) PatchStatus(ctx context.Context, name string, typ PatchType, patch any, opts PatchOptions) (T, error) {
	var zero T
	if err := checkSubresource(v.kind, "status"); err != nil {
		return zero, err
	}
	return v.patch(ctx, name, "status", typ, patch, opts)
}

// UpdateStatus replaces the status of the object named by the manifest
// through its status subresource (PUT) and returns the new snapshot. As
// with Update, a manifest carrying a stale resourceVersion fails with
// ErrConflict. Only the manifest's status is used.
func (v *View[T]) UpdateStatus(ctx context.Context, manifest any, opts WriteOptions) (T, error) {
	var zero T
	if err := checkSubresource(v.kind, "status"); err != nil {
		return zero, err
	}
	return v.put(ctx, manifest, "status", opts)
}

// PatchStatus patches this object's status (see View.PatchStatus) and
// returns the new snapshot.
func (it *Item[S]) PatchStatus(ctx context.Context, typ PatchType, patch any, opts PatchOptions) (*Item[S], error) {
	return it.view().PatchStatus(ctx, it.meta.Name, typ, patch, opts)
}

// UpdateStatus replaces this object's status with a copy of the snapshot
// edited by change (PUT to the status subresource) and returns the new
// snapshot. Like Update it sends the snapshot's resourceVersion and fails
// with ErrConflict if the object changed since; wrap it in RetryOnConflict
// with a Fetch to retry.
func (it *Item[S]) UpdateStatus(ctx context.Context, change Change, opts WriteOptions) (*Item[S], error) {
	obj, err := it.edit(change)
	if err != nil {
		return nil, err
	}
	return it.view().UpdateStatus(ctx, obj, opts)
}
