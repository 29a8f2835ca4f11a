package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/kube-for-go/kube/sdk"
)

// AddFinalizer adds the finalizer name to the object it is a snapshot of,
// unless that snapshot already has it, and returns the newest snapshot. It
// writes with the snapshot's resourceVersion and, when another writer
// changed the object since (ErrConflict), fetches it again and retries as
// retry says (the zero value: sdk's defaults). An object being deleted
// gets no new finalizer (the server would refuse it): the error then
// matches ErrDeleting.
func AddFinalizer[S sdk.Status](ctx context.Context, it *sdk.Item[S], name string, retry sdk.RetryOptions) (*sdk.Item[S], error) {
	return editFinalizers(ctx, it, name, true, retry)
}

// RemoveFinalizer removes the finalizer name from the object it is a
// snapshot of, with the same conflict retry as AddFinalizer, and returns
// the newest snapshot (nil with a nil error when the object is already
// gone).
func RemoveFinalizer[S sdk.Status](ctx context.Context, it *sdk.Item[S], name string, retry sdk.RetryOptions) (*sdk.Item[S], error) {
	return editFinalizers(ctx, it, name, false, retry)
}

// ErrDeleting is matched by the error of AddFinalizer for an object that is
// being deleted (its deletionTimestamp is set).
var ErrDeleting = errors.New("controller: the object is being deleted")

// HasFinalizer reports whether the object's metadata lists the finalizer
// name.
func HasFinalizer(m sdk.ObjectMeta, name string) bool { return slices.Contains(m.Finalizers, name) }

func editFinalizers[S sdk.Status](ctx context.Context, it *sdk.Item[S], name string, add bool, retry sdk.RetryOptions) (*sdk.Item[S], error) {
	if it == nil || name == "" {
		return nil, fmt.Errorf("controller: %w: nil object or empty finalizer name", ErrInvalidOptions)
	}
	op := "remove"
	if add {
		op = "add"
	}
	cur := it
	err := sdk.RetryOnConflict(ctx, retry, func() error {
		if cur == nil { // a conflict: read the newest state
			fresh, err := it.Fetch(ctx)
			if err != nil {
				return err
			}
			cur = fresh
		}
		m := cur.Meta()
		if HasFinalizer(m, name) == add {
			return nil // nothing to do
		}
		if add && m.DeletionTimestamp != nil {
			return ErrDeleting
		}
		next, err := cur.Update(ctx, func(obj map[string]any) error {
			md := obj["metadata"].(map[string]any) // Edit guarantees it
			var keep []any
			list, _ := md["finalizers"].([]any)
			for _, f := range list {
				if f != name {
					keep = append(keep, f)
				}
			}
			if add {
				keep = append(keep, name)
			}
			if len(keep) == 0 {
				delete(md, "finalizers")
			} else {
				md["finalizers"] = keep
			}
			return nil
		}, sdk.WriteOptions{})
		if err != nil {
			cur = nil
			return err
		}
		cur = next
		return nil
	})
	if err != nil {
		if !add && errors.Is(err, sdk.ErrNotFound) {
			return nil, nil // gone: nothing left to remove it from
		}
		return nil, fmt.Errorf("controller: %s finalizer %q on %s: %w", op, name, describe(it.Kind().Kind, it.Namespace(), it.Name()), err)
	}
	return cur, nil
}

// Finalizer runs cleanup before an object is deleted, the way a
// controller must for state outside the object (external resources,
// objects in other namespaces): Handle, called from Reconcile, adds the
// finalizer to live objects, so the server keeps a deleted object until
// the finalizer is removed; once the object's deletionTimestamp is set, it
// runs Cleanup and then removes the finalizer, letting the deletion
// complete.
//
// Cleanup runs exactly once per object (UID) within a process: when it
// succeeds but the finalizer's removal fails, the next Handle (the retry)
// only retries the removal, and a stale cached snapshot that still shows
// the finalizer does not run it again. A failing Cleanup is retried by the
// next Handle. After a restart of the process between Cleanup and the removal,
// Cleanup runs again, so it should tolerate finding its work done.
//
// A Finalizer is safe for concurrent use.
type Finalizer[S sdk.Status] struct {
	name    string
	cleanup func(ctx context.Context, it *sdk.Item[S]) error
	retry   sdk.RetryOptions

	mu      sync.Mutex
	cleaned map[string]struct{} // UIDs of the objects cleaned up
	order   []string            // the same UIDs, oldest first
}

// maxCleaned bounds Finalizer's memory of the objects it cleaned up (by
// UID, so that a stale snapshot of a finalized object, from a cache that
// has not yet seen its finalizer go, does not run cleanup again); past it
// the oldest is forgotten.
const maxCleaned = 10000

// NewFinalizer returns a Finalizer named name (a qualified name such as
// "example.com/cleanup") running cleanup; retry configures the conflict
// retries of adding and removing the finalizer (the zero value: sdk's
// defaults).
func NewFinalizer[S sdk.Status](name string, cleanup func(ctx context.Context, it *sdk.Item[S]) error, retry sdk.RetryOptions) (*Finalizer[S], error) {
	if name == "" || cleanup == nil {
		return nil, fmt.Errorf("controller: %w: finalizer needs a name and a cleanup function", ErrInvalidOptions)
	}
	return &Finalizer[S]{name: name, cleanup: cleanup, retry: retry, cleaned: map[string]struct{}{}}, nil
}

// Name returns the finalizer's name.
func (f *Finalizer[S]) Name() string { return f.name }

// Handle makes sure the object it is a snapshot of has the finalizer while
// it lives, and finalizes it when it is being deleted. It returns the
// newest snapshot (nil once the object is gone) and deleting = true when
// the object is being deleted, in which case the reconciler should do
// nothing more with it. An error (from Cleanup or a write) should be
// returned from Reconcile, to be retried with backoff.
func (f *Finalizer[S]) Handle(ctx context.Context, it *sdk.Item[S]) (next *sdk.Item[S], deleting bool, err error) {
	if it == nil {
		return nil, true, nil
	}
	m := it.Meta()
	if m.DeletionTimestamp == nil {
		next, err := AddFinalizer(ctx, it, f.name, f.retry)
		if errors.Is(err, ErrDeleting) {
			return it, true, nil // deleted meanwhile, before it had the finalizer: nothing to clean
		}
		return next, false, err
	}
	if !HasFinalizer(m, f.name) {
		return it, true, nil // not ours to finalize (or done)
	}
	f.mu.Lock()
	_, done := f.cleaned[m.UID]
	f.mu.Unlock()
	if !done {
		if err := f.cleanup(ctx, it); err != nil {
			return it, true, fmt.Errorf("controller: finalizer %q cleanup of %s: %w", f.name, describe(it.Kind().Kind, m.Namespace, m.Name), err)
		}
		f.mu.Lock()
		if len(f.order) >= maxCleaned { // forget the oldest: bounded memory
			delete(f.cleaned, f.order[0])
			f.order = f.order[1:]
		}
		f.cleaned[m.UID] = struct{}{}
		f.order = append(f.order, m.UID)
		f.mu.Unlock()
	}
	next, err = RemoveFinalizer(ctx, it, f.name, f.retry)
	if err != nil {
		return it, true, err
	}
	return next, true, nil
}

// CreateOrUpdate creates or updates the object manifest describes, with
// server-side apply as fieldManager, forcing ownership of the fields it
// sets (like controller-runtime's server-side apply patches): the
// manifest is the controller's whole intent for the object, and fields it
// set before and no longer sets are removed. It returns the stored
// snapshot. Set owner references first with SetControllerReference.
func CreateOrUpdate[S sdk.Status](ctx context.Context, view *sdk.View[S], manifest any, fieldManager string) (*sdk.Item[S], error) {
	if view == nil || fieldManager == "" {
		return nil, fmt.Errorf("controller: %w: CreateOrUpdate needs a view and a field manager", ErrInvalidOptions)
	}
	return view.Apply(ctx, manifest, sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: fieldManager}, Force: true})
}
