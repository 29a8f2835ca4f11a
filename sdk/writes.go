package sdk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-json-experiment/json"
)

// PatchType is the content type of a patch.
type PatchType string

// The patch types the API server accepts.
const (
	// JSONPatch is an RFC 6902 JSON patch: a list of operations.
	JSONPatch PatchType = "application/json-patch+json"
	// MergePatch is an RFC 7386 JSON merge patch.
	MergePatch PatchType = "application/merge-patch+json"
	// StrategicMergePatch is Kubernetes' strategic merge patch (built-in kinds only).
	StrategicMergePatch PatchType = "application/strategic-merge-patch+json"
	// ApplyPatch is server-side apply (needs a field manager).
	ApplyPatch PatchType = "application/apply-patch+yaml"
)

// WriteOptions are common to every write.
type WriteOptions struct {
	// DryRun asks the server to validate and answer without persisting.
	DryRun bool
	// FieldManager names the actor making the change (required by ApplyPatch).
	FieldManager string
}

func (o WriteOptions) query() url.Values {
	q := url.Values{}
	if o.DryRun {
		q.Set("dryRun", "All")
	}
	if o.FieldManager != "" {
		q.Set("fieldManager", o.FieldManager)
	}
	return q
}

// PatchOptions configure Patch.
type PatchOptions struct {
	WriteOptions
	// Force takes ownership of conflicting fields (ApplyPatch only).
	Force bool
}

// DeletePropagation says what happens to an object's dependents.
type DeletePropagation string

// Propagation policies.
const (
	PropagateForeground DeletePropagation = "Foreground"
	PropagateBackground DeletePropagation = "Background"
	PropagateOrphan     DeletePropagation = "Orphan"
)

// DeleteOptions configure Delete.
type DeleteOptions struct {
	DryRun bool
	// Propagation policy for dependents; "" = the kind's default.
	Propagation DeletePropagation
	// GracePeriodSeconds overrides the object's grace period when not nil.
	GracePeriodSeconds *int64
	// Preconditions: delete only if the object still has this UID /
	// resourceVersion (ErrConflict otherwise).
	PreconditionUID, PreconditionVersion string
}

func (o DeleteOptions) body() map[string]any {
	b := map[string]any{"apiVersion": "v1", "kind": "DeleteOptions"}
	if o.DryRun {
		b["dryRun"] = []string{"All"}
	}
	if o.Propagation != "" {
		b["propagationPolicy"] = string(o.Propagation)
	}
	if o.GracePeriodSeconds != nil {
		b["gracePeriodSeconds"] = *o.GracePeriodSeconds
	}
	if o.PreconditionUID != "" || o.PreconditionVersion != "" {
		p := map[string]any{}
		if o.PreconditionUID != "" {
			p["uid"] = o.PreconditionUID
		}
		if o.PreconditionVersion != "" {
			p["resourceVersion"] = o.PreconditionVersion
		}
		b["preconditions"] = p
	}
	return b
}

// Delete deletes the named object. For kinds with DeleteConflictMeansGone
// (Namespace), a 409 answer while the object terminates counts as success.
func (v *View[T]) Delete(ctx context.Context, name string, opts DeleteOptions) error {
	p, err := v.object(ctx, name)
	if err != nil {
		return err
	}
	body, err := json.Marshal(opts.body())
	if err != nil {
		return &Error{Op: "delete", Err: err}
	}
	err = v.client.roundTripJSON(ctx, request{method: http.MethodDelete, path: p, body: body}, nil)
	if err != nil && v.kind.DeleteConflictMeansGone {
		if ae, ok := err.(*APIError); ok && ae.Is(ErrConflict) {
			return nil
		}
	}
	return err
}

// Patch patches the named object with patch (a value marshalled to JSON,
// or []byte / json.RawMessage sent as is) and returns the new snapshot.
func (v *View[T]) Patch(ctx context.Context, name string, typ PatchType, patch any, opts PatchOptions) (T, error) {
	var zero T
	p, err := v.object(ctx, name)
	if err != nil {
		return zero, err
	}
	if typ == "" {
		return zero, &Error{Op: "patch", Err: fmt.Errorf("no patch type")}
	}
	if typ == ApplyPatch && opts.FieldManager == "" {
		return zero, &Error{Op: "apply", Err: fmt.Errorf("server-side apply needs a field manager")}
	}
	body, err := marshalBody(patch)
	if err != nil {
		return zero, &Error{Op: "patch", Err: err}
	}
	q := opts.query()
	if opts.Force {
		q.Set("force", strconv.FormatBool(true))
	}
	return v.readObject(ctx, request{method: http.MethodPatch, path: p, query: q, body: body, contentType: string(typ)})
}

// Create creates an object of the view's kind from a manifest (see
// ParseManifest for the accepted forms) and returns it as stored. A bound
// view creates in its namespace; the manifest's own namespace must then
// agree.
func (v *View[T]) Create(ctx context.Context, manifest any, opts WriteOptions) (T, error) {
	var zero T
	if v.err != nil {
		return zero, v.err
	}
	m, err := ParseManifest(manifest)
	if err != nil {
		return zero, err
	}
	if m.Kind != v.kind.Kind {
		return zero, &ManifestError{Field: "kind", Reason: fmt.Sprintf("manifest is a %s, the view holds %s", m.Kind, v.kind.Kind)}
	}
	ns, err := resolveNamespace(v.kind, m, v.namespace)
	if err != nil {
		return zero, err
	}
	path, err := v.client.collectionPath(ctx, v.kind, ns)
	if err != nil {
		return zero, err
	}
	return v.readObject(ctx, request{method: http.MethodPost, path: path, query: opts.query(), body: m.JSON})
}

// Update replaces the object with the given manifest (PUT). The manifest
// must carry metadata.resourceVersion of the snapshot it was derived from:
// if the object changed since, the answer matches ErrConflict.
func (v *View[T]) Update(ctx context.Context, manifest any, opts WriteOptions) (T, error) {
	var zero T
	m, err := ParseManifest(manifest)
	if err != nil {
		return zero, err
	}
	if m.Kind != v.kind.Kind {
		return zero, &ManifestError{Field: "kind", Reason: fmt.Sprintf("manifest is a %s, the view holds %s", m.Kind, v.kind.Kind)}
	}
	if m.Name == "" {
		return zero, &ManifestError{Field: "metadata.name", Reason: "missing"}
	}
	ns, err := resolveNamespace(v.kind, m, v.namespace)
	if err != nil {
		return zero, err
	}
	w := v
	if v.kind.Namespaced && !v.bound {
		w = v.In(ns)
	}
	p, err := w.object(ctx, m.Name)
	if err != nil {
		return zero, err
	}
	return v.readObject(ctx, request{method: http.MethodPut, path: p, query: opts.query(), body: m.JSON})
}

func marshalBody(v any) ([]byte, error) {
	switch b := v.(type) {
	case []byte:
		return b, nil
	case string:
		return []byte(b), nil
	}
	return json.Marshal(v)
}
