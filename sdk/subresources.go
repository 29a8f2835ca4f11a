package sdk

import (
	"context"
	"net/http"
)

// GetStatus reads the named object through its status subresource. The
// answer is the whole object, like Get, but needs only the permission to
// read the status subresource.
func (v *StatusView[S]) GetStatus(ctx context.Context, name string) (*Item[S], error) {
	var zero *Item[S]
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
func (v *StatusView[S]) PatchStatus(ctx context.Context, name string, typ PatchType, patch any, opts PatchOptions) (*Item[S], error) {
	return v.patch(ctx, name, "status", typ, patch, opts)
}

// UpdateStatus replaces the status of the object named by the manifest
// through its status subresource (PUT) and returns the new snapshot. As
// with Update, a manifest carrying a stale resourceVersion fails with
// ErrConflict. Only the manifest's status is used.
func (v *StatusView[S]) UpdateStatus(ctx context.Context, manifest any, opts WriteOptions) (*Item[S], error) {
	return v.put(ctx, manifest, "status", opts)
}
