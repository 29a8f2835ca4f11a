package sdk

import (
	"bytes"
	"context"
	stdjson "encoding/json"
	"fmt"
	"math"
)

// Change is a function that edits a decoded copy of an object (the object
// of Item.Update and Item.Modify, or its status for UpdateStatus). In obj,
// JSON objects are map[string]any, arrays []any, integers int64 and other
// numbers float64, so that every value survives the round trip exactly. A
// Change may be called more than once (once per attempt of Modify), each
// time with a fresh copy; it must not keep obj.
type Change func(obj map[string]any) error

// decodeObject decodes an object's JSON for a Change: numbers become int64
// when they are integers that fit, float64 otherwise.
func decodeObject(raw []byte) (map[string]any, error) {
	dec := stdjson.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	return convertNumbers(obj).(map[string]any), nil
}

func convertNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = convertNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = convertNumbers(e)
		}
	case stdjson.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		if f, err := t.Float64(); err == nil && !math.IsInf(f, 0) {
			return f
		}
		return t // out of range: kept exact as a json.Number
	}
	return v
}

// Edit applies change to a decoded copy of the snapshot and returns the
// manifest to send, carrying the snapshot's apiVersion, kind, name and
// resourceVersion, so a write of it fails with ErrConflict if the object
// changed since. Update does this; use Edit with the methods that take a
// manifest, e.g. StatusView.UpdateStatus:
//
//	obj, err := svc.Edit(func(obj map[string]any) error {
//		obj["status"] = map[string]any{"loadBalancer": lb}
//		return nil
//	})
//	if err == nil {
//		svc, err = cluster.Services.In(ns).UpdateStatus(ctx, obj, sdk.WriteOptions{})
//	}
func (it *Item[S]) Edit(change Change) (map[string]any, error) {
	if change == nil {
		return nil, &Error{Op: "update " + it.kind.Kind, Err: fmt.Errorf("nil change function")}
	}
	obj, err := decodeObject(it.raw)
	if err != nil {
		return nil, decodeError(it.kind.Kind, err)
	}
	if err := change(obj); err != nil {
		return nil, err
	}
	md, ok := obj["metadata"].(map[string]any)
	if !ok {
		return nil, &Error{Op: "update " + it.kind.Kind, Err: fmt.Errorf("the change removed metadata")}
	}
	if md["name"] != it.meta.Name {
		return nil, &Error{Op: "update " + it.kind.Kind, Err: fmt.Errorf("the change renamed the object; names cannot change")}
	}
	md["resourceVersion"] = it.meta.ResourceVersion
	obj["apiVersion"], obj["kind"] = it.apiVersion(), it.kind.Kind
	return obj, nil
}

// apiVersion returns the snapshot's apiVersion (the object's own, else the
// kind's first).
func (it *Item[S]) apiVersion() string {
	if v, _, err := decodeObjectKind(it.raw); err == nil && v != "" {
		return v
	}
	if p, ok := it.client.cachedPath(&it.kind.KindInfo); ok {
		return APIVersion(p)
	}
	return APIVersion(it.kind.APIPaths[0])
}

// Update replaces the object with a copy of this snapshot edited by change
// (PUT) and returns the new snapshot. The snapshot's resourceVersion is
// sent, so if the object changed on the server since this snapshot was
// read the update fails with an error matching ErrConflict and nothing is
// written; Modify retries in that case. For kinds with a status
// subresource the server ignores changes to status here (see UpdateStatus).
//
//	d, err = d.Update(ctx, func(obj map[string]any) error {
//		obj["spec"].(map[string]any)["paused"] = true
//		return nil
//	}, sdk.WriteOptions{})
func (it *Item[S]) Update(ctx context.Context, change Change, opts WriteOptions) (*Item[S], error) {
	obj, err := it.Edit(change)
	if err != nil {
		return nil, err
	}
	return it.view().Update(ctx, obj, opts)
}

// ModifyOptions configure Modify.
type ModifyOptions struct {
	WriteOptions
	// Retry says how often to retry after a conflict; the zero value
	// means the defaults (see RetryOptions).
	Retry RetryOptions
}

// Modify is Update with retries: when the object changed since the snapshot
// (ErrConflict), it fetches the newest snapshot, applies change to it again
// and retries, waiting as opts.Retry says. change must therefore compute
// its edit from the obj it is given, not from state captured earlier. It
// returns the snapshot that was finally stored.
func (it *Item[S]) Modify(ctx context.Context, change Change, opts ModifyOptions) (*Item[S], error) {
	cur := it
	var out *Item[S]
	first := true
	err := RetryOnConflict(ctx, opts.Retry, func() error {
		if !first {
			fresh, err := cur.Fetch(ctx)
			if err != nil {
				return err
			}
			cur = fresh
		}
		first = false
		var err error
		out, err = cur.Update(ctx, change, opts.WriteOptions)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Preconditions returns the preconditions that hold only for this very
// snapshot: its UID and resourceVersion. A delete or eviction with them
// fails with ErrConflict if the object changed or was replaced since.
func (it *Item[S]) Preconditions() Preconditions {
	return Preconditions{UID: it.meta.UID, Version: it.meta.ResourceVersion}
}

// DeleteWith deletes the object with options (propagation, grace period,
// preconditions, dry run). When the deletion is pending, because of
// finalizers, foreground propagation or a grace period, it returns the
// snapshot the server answered with, whose Meta().DeletionTimestamp is set.
// When the object is gone at once it returns nil and a nil error.
func (it *Item[S]) DeleteWith(ctx context.Context, opts DeleteOptions) (*Item[S], error) {
	obj, pending, err := it.view().deleteObject(ctx, it.meta.Name, opts)
	if err != nil || !pending {
		return nil, err
	}
	return obj, nil
}
