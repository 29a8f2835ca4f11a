package sdk

import (
	"context"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-json-experiment/json"
)

// Every write of this file follows the seed's rule: a call that changes an
// object returns the newest snapshot of it, typed, as the server stored it
// (or, with DryRun, as it would have stored it). The receiver never changes.

// PatchType is the content type of a patch, which tells the server how to
// read it.
type PatchType string

// The patch types the API server accepts.
const (
	// JSONPatch is an RFC 6902 JSON patch: a list of operations (build one
	// with JSONPatchOps).
	JSONPatch PatchType = "application/json-patch+json"
	// MergePatch is an RFC 7386 JSON merge patch: the object's members to
	// change, null to remove one. Lists are replaced as a whole.
	MergePatch PatchType = "application/merge-patch+json"
	// StrategicMergePatch is Kubernetes' strategic merge patch, which
	// merges lists by key (containers by name, ...). The server accepts it
	// for built-in kinds only, not for custom resources.
	StrategicMergePatch PatchType = "application/strategic-merge-patch+json"
	// ApplyPatch is server-side apply: the patch is the full intent of one
	// field manager (see View.Apply, which is the usual way to send it).
	ApplyPatch PatchType = "application/apply-patch+yaml"
)

func (t PatchType) valid() bool {
	switch t {
	case JSONPatch, MergePatch, StrategicMergePatch, ApplyPatch:
		return true
	}
	return false
}

// WriteOptions are common to every write.
type WriteOptions struct {
	// DryRun asks the server to validate the write and answer with what it
	// would store, without persisting anything (the query dryRun=All).
	DryRun bool
	// FieldManager names the actor making the change, recorded in the
	// object's managedFields; empty lets the server derive one from the
	// user agent. Server-side apply requires it.
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

// PatchOptions configure Patch and PatchStatus.
type PatchOptions struct {
	WriteOptions
	// Force takes ownership of fields other managers own instead of failing
	// with an *ApplyConflictError. Only valid with ApplyPatch.
	Force bool
}

// DeletePropagation says what happens to an object's dependents (the
// objects whose ownerReferences name it) when it is deleted.
type DeletePropagation string

// Propagation policies.
const (
	// PropagateForeground keeps the object, marked for deletion, until the
	// garbage collector has deleted every dependent that blocks it.
	PropagateForeground DeletePropagation = "Foreground"
	// PropagateBackground deletes the object at once and its dependents
	// afterwards.
	PropagateBackground DeletePropagation = "Background"
	// PropagateOrphan deletes the object and leaves its dependents, with
	// their ownerReferences to it removed.
	PropagateOrphan DeletePropagation = "Orphan"
)

// Preconditions make a delete (or an eviction) conditional: it happens only
// if the object still has this UID and/or resourceVersion, and fails with
// an error matching ErrConflict otherwise. Empty fields are not checked.
// Item.Preconditions returns those of a snapshot.
type Preconditions struct {
	UID     string
	Version string // resourceVersion
}

func (p Preconditions) empty() bool { return p.UID == "" && p.Version == "" }

// DeleteOptions configure Delete, DeleteCollection and Evict. The zero value
// deletes with the kind's default propagation and the object's own grace
// period.
type DeleteOptions struct {
	// DryRun asks the server to check the delete without doing it.
	DryRun bool
	// Propagation policy for dependents; "" means the kind's default
	// (background for most kinds).
	Propagation DeletePropagation
	// GracePeriodSeconds overrides the object's grace period when not nil;
	// new(int64(0)) deletes at once.
	GracePeriodSeconds *int64
	// Preconditions the object must meet to be deleted.
	Preconditions Preconditions
}

// body is the DeleteOptions object sent as the request body. The server
// reads a DELETE's options from its body and ignores the query when a body
// is present, so dryRun goes into the body too.
func (o DeleteOptions) body() ([]byte, error) {
	switch o.Propagation {
	case "", PropagateForeground, PropagateBackground, PropagateOrphan:
	default:
		return nil, fmt.Errorf("unknown propagation policy %q", o.Propagation)
	}
	if o.GracePeriodSeconds != nil && *o.GracePeriodSeconds < 0 {
		return nil, fmt.Errorf("negative grace period %d", *o.GracePeriodSeconds)
	}
	type preconditions struct {
		UID             string `json:"uid,omitempty"`
		ResourceVersion string `json:"resourceVersion,omitempty"`
	}
	b := struct {
		APIVersion         string         `json:"apiVersion"`
		Kind               string         `json:"kind"`
		DryRun             []string       `json:"dryRun,omitempty"`
		PropagationPolicy  string         `json:"propagationPolicy,omitempty"`
		GracePeriodSeconds *int64         `json:"gracePeriodSeconds,omitempty"`
		Preconditions      *preconditions `json:"preconditions,omitempty"`
	}{APIVersion: "v1", Kind: "DeleteOptions", PropagationPolicy: string(o.Propagation), GracePeriodSeconds: o.GracePeriodSeconds}
	if o.DryRun {
		b.DryRun = []string{"All"}
	}
	if !o.Preconditions.empty() {
		b.Preconditions = &preconditions{UID: o.Preconditions.UID, ResourceVersion: o.Preconditions.Version}
	}
	return json.Marshal(b)
}

// Delete deletes the named object. When a delete without preconditions is
// answered 409 Conflict because the object is already terminating (a
// namespace answers so while its content is removed), Delete succeeds, as
// in the seed: the conflict is checked by reading the object, which is
// then gone or carries a deletion timestamp.
// Item.DeleteWith does the same and also returns the snapshot of an object
// whose deletion is pending.
func (v *View[S]) Delete(ctx context.Context, name string, opts DeleteOptions) error {
	_, _, err := v.deleteObject(ctx, name, opts)
	return err
}

// deleteObject deletes the named object and returns the object the server
// answered with when its deletion is pending (pending is then true), or the
// nil when the server answered with a Status (the object is gone).
func (v *View[S]) deleteObject(ctx context.Context, name string, opts DeleteOptions) (obj *Item[S], pending bool, err error) {
	p, err := v.object(ctx, name)
	if err != nil {
		return obj, false, err
	}
	body, err := opts.body()
	if err != nil {
		return obj, false, &Error{Op: "delete " + v.kind.Kind, Err: err}
	}
	r := request{method: http.MethodDelete, path: p, body: body}
	data, err := v.client.readBody(ctx, r)
	if err != nil {
		// A failed precondition is also a 409: only hide the conflict when
		// none was asked for.
		if opts.Preconditions.empty() && errors.Is(err, ErrConflict) && v.terminating(ctx, name) {
			return obj, false, nil
		}
		return obj, false, err
	}
	_, kind, err := decodeObjectKind(data)
	if err != nil {
		return obj, false, decodeError(p, err)
	}
	if kind == "Status" {
		return obj, false, nil
	}
	obj, err = v.decodeAnswer(p, data)
	return obj, err == nil, err
}

// terminating reports whether the named object is gone or being deleted.
func (v *View[S]) terminating(ctx context.Context, name string) bool {
	it, err := v.Get(ctx, name)
	if err != nil {
		return errors.Is(err, ErrNotFound)
	}
	return it.meta.DeletionTimestamp != nil
}

// decodeAnswer decodes one object the server answered at path.
func (v *View[S]) decodeAnswer(path string, data []byte) (*Item[S], error) {
	it, err := v.decode(data)
	if err != nil {
		if de, ok := err.(*DecodeError); ok {
			de.Path = path
		}
		var zero *Item[S]
		return zero, err
	}
	return it, nil
}

// DeleteCollection deletes every object of the view that matches its label
// and field selectors (see Filter) in one request, and returns the deleted
// objects as the server last saw them (those whose deletion is pending carry
// a deletion timestamp). A namespaced kind needs a view bound to a namespace.
// An unfiltered view deletes every object of the kind in its namespace.
// Preconditions cannot be used: they name one object.
func (v *View[S]) DeleteCollection(ctx context.Context, opts DeleteOptions) ([]*Item[S], error) {
	if v.err != nil {
		return nil, v.err
	}
	if v.kind.Namespaced && !v.bound {
		return nil, &NamespaceError{Kind: v.kind.Kind, Reason: "DeleteCollection of a namespaced kind needs a view bound with In(namespace)"}
	}
	if !opts.Preconditions.empty() {
		return nil, &Error{Op: "delete collection " + v.kind.Resource, Err: fmt.Errorf("preconditions apply to one object, not to a collection")}
	}
	if v.nothing {
		return nil, nil
	}
	p, err := v.collection(ctx)
	if err != nil {
		return nil, err
	}
	body, err := opts.body()
	if err != nil {
		return nil, &Error{Op: "delete collection " + v.kind.Resource, Err: err}
	}
	resp, err := v.client.do(ctx, request{method: http.MethodDelete, path: p, query: v.listQuery(0, "", ""), body: body})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out []*Item[S]
	if _, err := decodeList(resp.Body, v.client.limits.maxObject, p, v.reader(), func(it *Item[S]) bool {
		out = append(out, it)
		return true
	}, nil); err != nil {
		return out, err
	}
	return out, nil
}

// Patch patches the named object and returns the new snapshot. patch is
// JSONPatchOps, []byte / string / json.RawMessage sent as is, or any other
// value marshalled to JSON. With ApplyPatch, opts.FieldManager is required
// and a conflict with other managers is an *ApplyConflictError; prefer
// View.Apply, which takes a manifest. opts.Force is valid with ApplyPatch only.
func (v *View[S]) Patch(ctx context.Context, name string, typ PatchType, patch any, opts PatchOptions) (*Item[S], error) {
	return v.patch(ctx, name, "", typ, patch, opts)
}

// patch sends a patch to the named object or to one of its subresources.
func (v *View[S]) patch(ctx context.Context, name, sub string, typ PatchType, patch any, opts PatchOptions) (*Item[S], error) {
	var zero *Item[S]
	op := "patch " + v.kind.Kind
	if sub != "" {
		op += " " + sub
	}
	if !typ.valid() {
		return zero, &Error{Op: op, Err: fmt.Errorf("unknown patch type %q", typ)}
	}
	if typ == ApplyPatch && opts.FieldManager == "" {
		return zero, &Error{Op: op, Err: fmt.Errorf("server-side apply needs a field manager")}
	}
	if opts.Force && typ != ApplyPatch {
		return zero, &Error{Op: op, Err: fmt.Errorf("option Force is only valid with server-side apply")}
	}
	body, err := patchBody(typ, patch)
	if err != nil {
		return zero, &Error{Op: op, Err: err}
	}
	var subs []string
	if sub != "" {
		subs = []string{sub}
	}
	p, err := v.object(ctx, name, subs...)
	if err != nil {
		return zero, err
	}
	q := opts.query()
	if opts.Force {
		q.Set("force", strconv.FormatBool(true))
	}
	obj, err := v.readObject(ctx, request{method: http.MethodPatch, path: p, query: q, body: body, contentType: string(typ)})
	if err != nil && typ == ApplyPatch {
		err = asApplyConflict(err)
	}
	return obj, err
}

// patchBody marshals a patch and checks that its JSON has the shape the
// patch type needs.
func patchBody(typ PatchType, patch any) ([]byte, error) {
	if patch == nil {
		return nil, fmt.Errorf("nil patch")
	}
	if ops, ok := patch.(JSONPatchOps); ok {
		if typ != JSONPatch {
			return nil, fmt.Errorf("JSONPatchOps need the JSONPatch type, not %s", typ)
		}
		if err := ops.Validate(); err != nil {
			return nil, err
		}
	}
	marshal := marshalBody
	if typ == ApplyPatch {
		marshal = MarshalApply // a typed struct must not claim its zero fields
	}
	body, err := marshal(patch)
	if err != nil {
		return nil, err
	}
	if typ == ApplyPatch {
		// An apply patch may be YAML; it is sent as JSON, which is YAML too.
		if body, err = textToJSON(body); err != nil {
			return nil, err
		}
	}
	var shape any
	if err := json.Unmarshal(body, &shape); err != nil {
		return nil, fmt.Errorf("the patch is not JSON: %w", err)
	}
	switch shape.(type) {
	case []any:
		if typ != JSONPatch {
			return nil, fmt.Errorf("a %s must be a JSON object, got an array", typ)
		}
	case map[string]any:
		if typ == JSONPatch {
			return nil, fmt.Errorf("a JSON patch must be an array of operations, got an object")
		}
	default:
		return nil, fmt.Errorf("the patch must be a JSON object or array")
	}
	return body, nil
}

// Create creates an object of the view's kind from a manifest (see
// ParseManifest for the accepted forms) and returns it as stored (with
// DryRun: as it would be stored). A bound view creates in its namespace;
// the manifest's own namespace and opts.Namespace must then agree.
//
// A manifest that leaves apiVersion or kind empty, such as a k8s.io/api
// struct with an empty TypeMeta, gets them from the view; one that names
// another kind, or another version than the view uses, is a
// *ManifestError before any request. Update and Apply do the same.
func (v *View[S]) Create(ctx context.Context, manifest any, opts CreateOptions) (*Item[S], error) {
	var zero *Item[S]
	if v.err != nil {
		return zero, v.err
	}
	m, err := v.manifest(ctx, manifest)
	if err != nil {
		return zero, err
	}
	asked, err := v.optionNamespace(opts.Namespace, "CreateOptions")
	if err != nil {
		return zero, err
	}
	ns, err := resolveNamespace(v.info(), m, asked)
	if err != nil {
		return zero, err
	}
	path, err := v.client.collectionPath(ctx, v.info(), ns)
	if err != nil {
		return zero, err
	}
	return v.readObject(ctx, request{method: http.MethodPost, path: path, query: opts.query(), body: m.JSON})
}

// optionNamespace reconciles the Namespace of an options struct with the
// view's: a bound view's namespace wins, and a different one is an error.
func (v *View[S]) optionNamespace(asked, options string) (string, error) {
	if !v.bound {
		return asked, nil
	}
	if asked != "" && asked != v.namespace {
		return "", &NamespaceError{Kind: v.kind.Kind, Namespace: asked, Reason: fmt.Sprintf("%s.Namespace contradicts the view's namespace %q", options, v.namespace)}
	}
	return v.namespace, nil
}

// manifest parses a manifest for the view: apiVersion and kind that the
// manifest leaves empty (a Go struct with an empty TypeMeta) are filled in
// from the view, and those it sets must be the view's kind at the version
// the view uses, as the server requires.
func (v *View[S]) manifest(ctx context.Context, manifest any) (*Manifest, error) {
	data, err := manifestJSON(manifest)
	if err != nil {
		return nil, err
	}
	gotVersion, gotKind, err := decodeObjectKind(data)
	if err != nil {
		return nil, &ManifestError{Reason: "not a JSON object with string apiVersion and kind", Err: err}
	}
	if gotKind != "" && gotKind != v.kind.Kind {
		return nil, &ManifestError{Field: "kind", Reason: fmt.Sprintf("manifest is a %s, the view holds %s", gotKind, v.kind.Kind)}
	}
	base, err := v.client.apiPath(ctx, v.info())
	if err != nil {
		return nil, err
	}
	want := APIVersion(base)
	if gotVersion != "" && gotVersion != want {
		return nil, &ManifestError{Field: "apiVersion", Reason: fmt.Sprintf("manifest is %s %s, the view serves %s at %s", gotVersion, gotKind, v.kind.Kind, want)}
	}
	if gotVersion == "" || gotKind == "" {
		if data, err = setTypeMeta(data, want, v.kind.Kind); err != nil {
			return nil, &ManifestError{Reason: "not a JSON object", Err: err}
		}
	}
	m, err := checkManifest(data, 0)
	if err != nil {
		return nil, err
	}
	if isStruct(manifest) {
		m.src = manifest
	}
	return m, nil
}

// Update replaces the object with the given manifest (PUT) and returns the
// new snapshot. Optimistic concurrency: when the manifest carries
// metadata.resourceVersion (as one derived from a snapshot does) and the
// object changed since, the answer matches ErrConflict; without it the
// replacement is unconditional. Item.Update and Item.Modify derive the
// manifest from a snapshot.
func (v *View[S]) Update(ctx context.Context, manifest any, opts WriteOptions) (*Item[S], error) {
	return v.put(ctx, manifest, "", opts)
}

// put PUTs a manifest to its object or to one of its subresources.
func (v *View[S]) put(ctx context.Context, manifest any, sub string, opts WriteOptions) (*Item[S], error) {
	var zero *Item[S]
	if v.err != nil {
		return zero, v.err
	}
	m, err := v.manifest(ctx, manifest)
	if err != nil {
		return zero, err
	}
	if m.Name == "" {
		return zero, &ManifestError{Field: "metadata.name", Reason: "missing"}
	}
	ns, err := resolveNamespace(v.info(), m, v.namespace)
	if err != nil {
		return zero, err
	}
	w := v
	if v.kind.Namespaced && !v.bound {
		w = v.In(ns)
	}
	var subs []string
	if sub != "" {
		subs = []string{sub}
	}
	p, err := w.object(ctx, m.Name, subs...)
	if err != nil {
		return zero, err
	}
	return v.readObject(ctx, request{method: http.MethodPut, path: p, query: opts.query(), body: m.JSON})
}

// marshalBody returns []byte and string as they are and marshals any other
// value with encoding/json, whose omitempty rules the structs of
// k8s.io/api and most user types are written for.
func marshalBody(v any) ([]byte, error) {
	switch b := v.(type) {
	case []byte:
		return b, nil
	case string:
		return []byte(b), nil
	}
	return stdjson.Marshal(v)
}
