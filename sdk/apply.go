package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ApplyOptions configure server-side apply (View.Apply, Client.Apply,
// Client.ApplyManifests).
type ApplyOptions struct {
	// WriteOptions: FieldManager is required for apply (it names the owner
	// of the applied fields: the server records which manager set which
	// field, and a later apply by the same manager may remove fields it no
	// longer sets).
	WriteOptions
	// Force takes ownership of fields another manager owns instead of
	// failing with an *ApplyConflictError.
	Force bool
	// Namespace for manifests that set none; it must agree with those that
	// do, and with the namespace of a bound view.
	Namespace string
}

func (o ApplyOptions) query() (url.Values, error) {
	if o.FieldManager == "" {
		return nil, fmt.Errorf("server-side apply needs a field manager (ApplyOptions.FieldManager)")
	}
	v := o.WriteOptions.query()
	if o.Force {
		v.Set("force", strconv.FormatBool(true))
	}
	return v, nil
}

// Apply applies a manifest (see ParseManifest for the accepted forms) with
// server-side apply, creating the object if it does not exist, and returns
// the new snapshot. The manifest is the whole intent of opts.FieldManager:
// fields it set before and no longer sets are removed unless another
// manager owns them. When another manager owns a field the manifest sets
// to a different value, the error is an *ApplyConflictError (also matching
// ErrConflict) naming the fields and managers, unless opts.Force is set.
//
// A Go struct (a k8s.io/api type) is sent as MarshalApply encodes it,
// without its zero-valued fields, so that the manager owns only the fields
// the struct sets; apiVersion and kind it leaves empty come from the view.
func (v *View[S]) Apply(ctx context.Context, manifest any, opts ApplyOptions) (*Item[S], error) {
	var zero *Item[S]
	if v.err != nil {
		return zero, v.err
	}
	m, err := v.manifest(ctx, manifest)
	if err != nil {
		return zero, err
	}
	asked, err := v.optionNamespace(opts.Namespace, "ApplyOptions")
	if err != nil {
		return zero, err
	}
	req, err := v.client.applyRequest(ctx, v.info(), m, asked, opts)
	if err != nil {
		return zero, err
	}
	obj, err := v.readObject(ctx, req)
	return obj, asApplyConflict(err)
}

// applyRequest builds the PATCH of a server-side apply.
func (c *Client) applyRequest(ctx context.Context, k *KindInfo, m *Manifest, asked string, opts ApplyOptions) (request, error) {
	q, err := opts.query()
	if err != nil {
		return request{}, &Error{Op: "apply " + k.Kind, Err: err}
	}
	if m.Name == "" {
		return request{}, &ManifestError{Field: "metadata.name", Reason: "missing (server-side apply cannot use generateName)"}
	}
	ns, err := resolveNamespace(k, m, asked)
	if err != nil {
		return request{}, err
	}
	p, err := c.objectPath(ctx, k, ns, m.Name)
	if err != nil {
		return request{}, err
	}
	body, err := applyBody(m)
	if err != nil {
		return request{}, err
	}
	return request{method: http.MethodPatch, path: p, query: q, body: body, contentType: string(ApplyPatch)}, nil
}

// applyBody is the body of an apply of m: the manifest's JSON as given,
// except for a Go struct, which is marshalled again with MarshalApply (so
// that it does not claim its zero-valued fields), with the manifest's
// apiVersion and kind.
func applyBody(m *Manifest) ([]byte, error) {
	if m.src == nil {
		return m.JSON, nil
	}
	b, err := MarshalApply(m.src)
	if err != nil {
		return nil, &ManifestError{Reason: fmt.Sprintf("cannot marshal %T to JSON", m.src), Err: err}
	}
	if b, err = setTypeMeta(b, m.APIVersion, m.Kind); err != nil {
		return nil, &ManifestError{Reason: "not a JSON object", Err: err}
	}
	return b, nil
}

// Apply applies a manifest of any kind the server serves with server-side
// apply (see View.Apply) and returns the typed item of its kind, e.g. a
// *kinds.Deployment, for a registered kind, or an *Item[Unstructured] for
// a kind known only from discovery (see As for typed access either way).
// A kind the server does not serve, or a namespace contradicting the
// manifest, is reported before any write.
func (c *Client) Apply(ctx context.Context, manifest any, opts ApplyOptions) (Object, error) {
	m, err := ParseManifest(manifest)
	if err != nil {
		return nil, err
	}
	k, err := c.lookupManifest(ctx, m, 0)
	if err != nil {
		return nil, err
	}
	return c.applyManifest(ctx, k, m, opts)
}

// lookupManifest finds the kind of a manifest: the registered typed kind
// of its group and kind, or else the untyped kind of the resource that
// discovery says serves its apiVersion and kind.
func (c *Client) lookupManifest(ctx context.Context, m *Manifest, doc int) (AnyKind, error) {
	if k, ok := Lookup(m.APIVersion, m.Kind); ok && servesVersion(k.info(), m.APIVersion) {
		return k, nil
	}
	// Not registered, or registered at other versions only (an
	// autoscaling/v1 manifest of a kind registered at autoscaling/v2): the
	// server's discovery says how to write it, at the manifest's version.
	d := c.Discovery()
	r, err := d.ForKind(ctx, m.APIVersion, m.Kind)
	if err != nil {
		reason := fmt.Sprintf("unknown kind %s %s: the server serves no such kind (install its CustomResourceDefinition, or register a typed kind with sdk.Register)", m.APIVersion, m.Kind)
		if !errors.Is(err, ErrUnknownResource) {
			reason = fmt.Sprintf("cannot resolve kind %s %s: discovery failed", m.APIVersion, m.Kind)
		}
		return nil, &ManifestError{Document: doc, Field: "kind", Reason: reason, Err: err}
	}
	return d.kindFor(r), nil
}

func (c *Client) applyManifest(ctx context.Context, k AnyKind, m *Manifest, opts ApplyOptions) (Object, error) {
	req, err := c.applyRequest(ctx, k.info(), m, opts.Namespace, opts)
	if err != nil {
		return nil, err
	}
	data, err := c.readBody(ctx, req)
	if err != nil {
		return nil, asApplyConflict(err)
	}
	obj, err := k.decodeObject(c, data)
	if err != nil {
		if de, ok := err.(*DecodeError); ok {
			de.Path = req.path
		}
		return nil, err
	}
	return obj, nil
}

// DocumentError reports the failure of one document of a multi-document
// manifest in ApplyManifests: its 1-based number, what it describes, and
// the error (an *APIError, *ApplyConflictError, *NamespaceError...), which
// errors.Is and errors.As see through Unwrap.
type DocumentError struct {
	Document  int
	Kind      string
	Namespace string
	Name      string
	Err       error
}

func (e *DocumentError) Error() string {
	n := e.Name
	if e.Namespace != "" {
		n = e.Namespace + "/" + n
	}
	return fmt.Sprintf("kube: manifest document %d (%s %s): %v", e.Document, e.Kind, n, e.Err)
}

// Unwrap returns the document's error.
func (e *DocumentError) Unwrap() error { return e.Err }

// Is matches ErrKube.
func (e *DocumentError) Is(target error) bool { return target == ErrKube }

// ApplyManifests applies every document of a YAML (or JSON) stream with
// server-side apply, in order, like `kubectl apply --server-side -f file`,
// and returns the items, typed for registered kinds and untyped
// (*Item[Unstructured]) for kinds known only from discovery; see As. Every
// document is parsed and its kind and namespace resolved before the first
// write, so a malformed document or unknown kind changes nothing (the error is a *ManifestError or
// *DocumentError with the document number). Applying stops at the first
// failure, with a *DocumentError naming the document; the items applied
// before it are returned along with the error.
func (c *Client) ApplyManifests(ctx context.Context, data []byte, opts ApplyOptions) ([]Object, error) {
	if opts.FieldManager == "" {
		return nil, &Error{Op: "apply manifests", Err: fmt.Errorf("server-side apply needs a field manager (ApplyOptions.FieldManager)")}
	}
	ms, err := ParseManifests(data)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, &ManifestError{Reason: "no documents"}
	}
	type doc struct {
		m  *Manifest
		k  AnyKind
		ns string
	}
	docs := make([]doc, len(ms))
	crd := false // an earlier document defines a custom resource
	for i, m := range ms {
		derr := &DocumentError{Document: i + 1, Kind: m.Kind, Namespace: m.Namespace, Name: m.Name}
		if m.Name == "" {
			derr.Err = &ManifestError{Document: i + 1, Field: "metadata.name", Reason: "missing (server-side apply cannot use generateName)"}
			return nil, derr
		}
		k, err := c.lookupManifest(ctx, m, i+1)
		if err != nil {
			if crd && errors.Is(err, ErrUnknownResource) {
				// Perhaps a kind the CRD above defines: resolved when its
				// turn comes, after the CRD is applied.
				docs[i] = doc{m: m}
				continue
			}
			return nil, err
		}
		crd = crd || (m.Kind == "CustomResourceDefinition" && strings.HasPrefix(m.APIVersion, "apiextensions.k8s.io/"))
		ns, err := manifestsNamespace(k.info(), m, opts.Namespace)
		if err != nil {
			derr.Err = err
			return nil, derr
		}
		docs[i] = doc{m: m, k: k, ns: ns}
	}
	out := make([]Object, 0, len(docs))
	for i, d := range docs {
		if d.k == nil {
			k, ns, err := c.awaitDefinedKind(ctx, d.m, i+1, opts.Namespace)
			if err != nil {
				return out, &DocumentError{Document: i + 1, Kind: d.m.Kind, Namespace: d.m.Namespace, Name: d.m.Name, Err: err}
			}
			d.k, d.ns = k, ns
		}
		o := opts
		o.Namespace = d.ns
		obj, err := c.applyManifest(ctx, d.k, d.m, o)
		if err != nil {
			return out, &DocumentError{Document: i + 1, Kind: d.m.Kind, Namespace: d.ns, Name: d.m.Name, Err: err}
		}
		out = append(out, obj)
	}
	return out, nil
}

// FieldConflict is one field of an apply conflict: a field the manifest
// sets that another field manager owns with a different value.
type FieldConflict struct {
	// Field is the path of the field as the server prints it, e.g.
	// ".spec.replicas" or ".spec.template.spec.containers[name=\"web\"].image".
	Field string
	// Manager is the field manager that owns the field.
	Manager string
	// Subresource is the subresource through which the manager set the
	// field ("scale", "status"), "" for the main resource.
	Subresource string
	// APIVersion through which the manager set the field, when it did so
	// with an update rather than an apply.
	APIVersion string
	// Time of that update, when the server reports it.
	Time time.Time
	// Message is the server's text for this conflict.
	Message string
}

// ApplyConflictError is the answer to a server-side apply that would change
// fields other managers own. Conflicts lists them, as the server named
// them. Retry with ApplyOptions.Force to take them over, or drop the
// fields from the manifest. It matches ErrConflict and ErrKube, and
// errors.As also finds the underlying *APIError.
type ApplyConflictError struct {
	Conflicts []FieldConflict
	Err       *APIError
}

func (e *ApplyConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kube: apply conflict on %s %s: ", e.Err.Method, e.Err.Path)
	for i, c := range e.Conflicts {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s owned by %q", c.Field, c.Manager)
		if c.Subresource != "" {
			fmt.Fprintf(&b, " (through %s)", c.Subresource)
		}
	}
	if len(e.Conflicts) == 0 {
		b.WriteString(e.Err.Message)
	}
	return b.String()
}

// Unwrap returns the underlying *APIError.
func (e *ApplyConflictError) Unwrap() error { return e.Err }

// Managers returns the distinct managers of the conflicting fields, in the
// order the server named them.
func (e *ApplyConflictError) Managers() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range e.Conflicts {
		if !seen[c.Manager] {
			seen[c.Manager] = true
			out = append(out, c.Manager)
		}
	}
	return out
}

// fieldManagerConflict is the StatusCause type of an apply conflict.
const fieldManagerConflict = "FieldManagerConflict"

// asApplyConflict turns a 409 answer carrying FieldManagerConflict causes
// into an *ApplyConflictError; any other error is returned as is.
func asApplyConflict(err error) error {
	var ae *APIError
	if err == nil || !errors.As(err, &ae) || !ae.Is(ErrConflict) || ae.Details == nil {
		return err
	}
	var cs []FieldConflict
	for _, c := range ae.Details.Causes {
		if c.Type == fieldManagerConflict {
			cs = append(cs, parseConflict(c))
		}
	}
	if len(cs) == 0 {
		return err
	}
	return &ApplyConflictError{Conflicts: cs, Err: ae}
}

// parseConflict reads the manager out of a cause message, which the server
// writes as
//
//	conflict with "manager"[ with subresource "sub"][ using apps/v1[ at 2006-01-02T15:04:05Z]]
//
// A message of another form leaves Manager empty; Message keeps the text.
func parseConflict(c StatusCause) FieldConflict {
	fc := FieldConflict{Field: c.Field, Message: c.Message}
	rest, ok := strings.CutPrefix(c.Message, "conflict with ")
	if !ok {
		return fc
	}
	q, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return fc
	}
	fc.Manager, _ = strconv.Unquote(q)
	rest = rest[len(q):]
	if r, ok := strings.CutPrefix(rest, " with subresource "); ok {
		if q, err := strconv.QuotedPrefix(r); err == nil {
			fc.Subresource, _ = strconv.Unquote(q)
			rest = r[len(q):]
		}
	}
	if r, ok := strings.CutPrefix(rest, " using "); ok {
		v, at, _ := strings.Cut(r, " at ")
		fc.APIVersion = v
		if t, err := time.Parse(time.RFC3339, at); err == nil {
			fc.Time = t
		}
	}
	return fc
}

// manifestsNamespace is resolveNamespace for a stream of documents, where
// the asked namespace is the default of the namespaced documents (as
// kubectl apply -n): a cluster-scoped document ignores it.
func manifestsNamespace(k *KindInfo, m *Manifest, asked string) (string, error) {
	if !k.Namespaced {
		asked = ""
	}
	return resolveNamespace(k, m, asked)
}

// DefinedKindWait bounds how long ApplyManifests waits for the server to
// serve a kind defined by a CustomResourceDefinition earlier in the same
// stream (the CRD must become Established and appear in discovery).
const DefinedKindWait = 30 * time.Second

// awaitDefinedKind resolves the kind of document doc once the server
// serves it, polling discovery (which refreshes on a miss at most once per
// DiscoveryRefreshInterval) for at most DefinedKindWait.
func (c *Client) awaitDefinedKind(ctx context.Context, m *Manifest, doc int, asked string) (AnyKind, string, error) {
	ctx, cancel := context.WithTimeout(ctx, DefinedKindWait)
	defer cancel()
	for {
		k, err := c.lookupManifest(ctx, m, doc)
		if err == nil {
			ns, err := manifestsNamespace(k.info(), m, asked)
			return k, ns, err
		}
		if !errors.Is(err, ErrUnknownResource) {
			return nil, "", err
		}
		t := time.NewTimer(DiscoveryRefreshInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, "", fmt.Errorf("%w (waited %s for a CustomResourceDefinition above to define it)", err, DefinedKindWait)
		case <-t.C:
		}
	}
}

// servesVersion reports whether one of k's API paths is apiVersion's.
func servesVersion(k *KindInfo, apiVersion string) bool {
	for _, p := range k.APIPaths {
		if APIVersion(p) == apiVersion {
			return true
		}
	}
	return false
}
