// Package sdk is the kind-agnostic core of kube for Go: a Client connected
// to one API server, generic views (View[T]) of the objects of a kind, and
// immutable typed snapshots of objects (Item[S]).
//
//	c, _ := sdk.New(sdk.Options{})                // kubectl proxy on localhost:8001
//	pods := sdk.NewView[kinds.PodStatus](c, kinds.PodKind).In("default")
//	for pod, err := range pods.Filter(selector.Expr("app=web"), nil).All(ctx) {
//		if err != nil {
//			return err
//		}
//		phase, err := pod.Status().Phase() // unset: an *UnavailableError
//		if err != nil {
//			phase = "(no phase yet)"
//		}
//		fmt.Println(pod.Name(), phase)
//	}
//
// Most programs start from the root package's kube.Cluster, which embeds a
// Client and holds a global view per built-in kind.
//
// # Kinds are data
//
// A Kind describes one kind: names, scope, API base paths (newest first; the
// newest the server serves is discovered once and cached) and a few flags.
// A view or item of any kind, built-in or custom, is the same generic code:
// declare a Kind and a status struct, then NewView[S](client, kind). Register
// (or RegisterItem) makes a kind known to Create and Lookup.
//
// # Views
//
// A View is an immutable description of what to read: a kind, an optional
// namespace (In) and optional selectors (Filter). It makes requests only in
// methods that take a context: Get, All, List, Watch, Create, Update,
// Patch, Delete. All pages through the collection and decodes each list
// body item by item as it streams in, so iterating a huge collection keeps
// memory flat.
//
// # Items
//
// An Item is a snapshot of one object at one resourceVersion. Meta, Labels,
// Spec and Raw return copies; Status returns the typed status S. Methods
// that change the object on the server (SetLabel, Patch, ...) return a new
// Item and leave the receiver unchanged.
//
// # Errors
//
// Every error of this package matches ErrKube. Answers of the server are
// *APIError values matched by category with errors.Is (ErrNotFound,
// ErrConflict, ErrGone, ErrForbidden, ...); a misuse of namespaces is a
// *NamespaceError; a missing status attribute is a *UnavailableError matching
// ErrStatusUnavailable; a bad manifest is a *ManifestError; a malformed body
// is a *DecodeError with the byte offset. No error contains a credential.
package sdk
