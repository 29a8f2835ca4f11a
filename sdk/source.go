package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/kube-for-go/kube/selector"
	"github.com/kube-for-go/kube/watch"
)

// Source returns the view as a watch.Source, for watch.Store,
// watch.WaitFor and watch.Watch. The view's namespace and label and field
// selectors apply to every request, so the server does the filtering. It
// also implements watch.Labeler (labels for Store.List),
// watch.StreamingLister (streaming initial lists), watch.Trimmer (drops
// metadata.managedFields from cached items), watch.FieldDropper (drops
// the members watch.StoreOptions.DropFields names) and watch.Tombstoner.
func (v *View[S]) Source() watch.Source[*Item[S]] { return viewSource[S]{v} }

// ObjectSource returns a watch.Source of the single object name of the
// view (a server-side field selector on metadata.name, which replaces the
// view's selectors), for waiting on one object:
//
//	pod, err := watch.WaitFor(ctx, cluster.Pods.In(ns).ObjectSource("web"), kinds.PodIsReady())
func (v *View[S]) ObjectSource(name string) watch.Source[*Item[S]] {
	return v.Filter(nil, selector.Fields{"metadata.name": name}).Source()
}

type viewSource[S Status] struct{ v *View[S] }

var (
	_ watch.Labeler[*Item[FromStatus]]         = viewSource[FromStatus]{}
	_ watch.StreamingLister[*Item[FromStatus]] = viewSource[FromStatus]{}
	_ watch.Trimmer[*Item[FromStatus]]         = viewSource[FromStatus]{}
	_ watch.Tombstoner[*Item[FromStatus]]      = viewSource[FromStatus]{}
)

// Meta implements watch.Source.
func (s viewSource[S]) Meta(obj *Item[S]) (key, uid, rv string) {
	return obj.key(), obj.meta.UID, obj.meta.ResourceVersion
}

// Labels implements watch.Labeler.
func (s viewSource[S]) Labels(obj *Item[S]) map[string]string { return obj.labelMap() }

// InitialEventsEnd implements watch.StreamingLister.
func (s viewSource[S]) InitialEventsEnd(obj *Item[S]) bool {
	return obj.wmeta().Annotations[watch.InitialEventsEndAnnotation] == "true"
}

// Trim implements watch.Trimmer: the item decoded again from its JSON
// without metadata.managedFields (the item itself if it has none, or if
// the trimmed JSON does not decode). The trimmed JSON is spliced from the
// original's bytes into one allocation of its exact size: a cache keeps
// no spare capacity per object.
func (s viewSource[S]) Trim(obj *Item[S]) *Item[S] {
	raw := obj.raw
	if !bytes.Contains(raw, []byte(`"managedFields"`)) {
		return obj
	}
	trimmed, ok := dropManagedFields(raw)
	if !ok {
		return obj
	}
	it, err := decodeLazy(s.v.client, s.v.kind, trimmed)
	if err != nil {
		return obj
	}
	return it
}

// managedFieldsPath is what Trim drops (see dropFields).
var managedFieldsPath = []string{"metadata.managedFields"}

// dropManagedFields returns a copy of an object's JSON without the
// members named managedFields of its metadata, and false when raw is not
// a valid object, has no such member, or repeats metadata as an object
// (whose merge the decoder does). The other members are copied byte for
// byte (dropFields).
func dropManagedFields(raw []byte) ([]byte, bool) { return dropFields(raw, managedFieldsPath) }

// Tombstone implements watch.Tombstoner: an item with only kind, name,
// namespace, UID and resourceVersion (nil if that cannot decode).
func (s viewSource[S]) Tombstone(key, uid, rv string) *Item[S] {
	ns, name, ok := strings.Cut(key, "/")
	if !ok {
		ns, name = "", key
	}
	md := map[string]string{"name": name, "uid": uid, "resourceVersion": rv}
	if ns != "" {
		md["namespace"] = ns
	}
	raw, err := json.Marshal(map[string]any{"apiVersion": APIVersion(s.v.kind.APIPaths[0]), "kind": s.v.kind.Kind, "metadata": md})
	var zero *Item[S]
	if err != nil {
		return zero
	}
	it, err := s.v.decode(raw)
	if err != nil {
		return zero
	}
	return it
}

// ListPage implements watch.Source: one page of the view's list.
func (s viewSource[S]) ListPage(ctx context.Context, opts watch.ListOptions) (watch.ListPage[*Item[S]], error) {
	var page watch.ListPage[*Item[S]]
	base, err := s.v.collection(ctx)
	if err != nil {
		return page, err
	}
	if s.v.nothing {
		return page, &Error{Op: "list " + s.v.kind.Resource, Err: fmt.Errorf("the view's selector matches nothing")}
	}
	if opts.Continue == "" {
		if err := s.v.namespaceExists(ctx); err != nil {
			return page, err
		}
	}
	limit := opts.Limit
	if limit == 0 {
		limit = s.v.limit()
	}
	resp, err := s.v.client.do(ctx, request{method: http.MethodGet, path: base, query: s.v.listQuery(limit, opts.Continue, opts.ResourceVersion)})
	if err != nil {
		return page, err
	}
	defer resp.Body.Close()
	meta, err := decodeList(resp.Body, s.v.client.limits.maxObject, base, s.v.reader(), func(it *Item[S]) bool {
		page.Items = append(page.Items, it)
		return true
	}, nil)
	if err != nil {
		return page, err
	}
	page.ResourceVersion, page.Continue = meta.ResourceVersion, meta.Continue
	return page, nil
}

// OpenWatch implements watch.Source: one watch request of the view.
func (s viewSource[S]) OpenWatch(ctx context.Context, opts watch.WatchOptions) (watch.Stream[*Item[S]], error) {
	base, err := s.v.collection(ctx)
	if err != nil {
		return nil, err
	}
	if s.v.nothing {
		return nil, &Error{Op: "watch " + s.v.kind.Resource, Err: fmt.Errorf("the view's selector matches nothing")}
	}
	if err := s.v.namespaceExists(ctx); err != nil {
		return nil, err
	}
	q := s.v.listQuery(0, "", opts.ResourceVersion)
	q.Set("watch", "true")
	if opts.AllowBookmarks || opts.SendInitialEvents {
		q.Set("allowWatchBookmarks", "true")
	}
	if opts.SendInitialEvents {
		q.Set("sendInitialEvents", "true")
		q.Set("resourceVersionMatch", "NotOlderThan")
	}
	if opts.TimeoutSeconds > 0 {
		q.Set("timeoutSeconds", strconv.FormatInt(opts.TimeoutSeconds, 10))
	}
	resp, err := s.v.client.do(ctx, request{method: http.MethodGet, path: base, query: q, streaming: true})
	if err != nil {
		return nil, err
	}
	if !readAhead() {
		return newEventStream(resp.Body, resp.Body, s.v.client.limits.maxObject, base, s.v.reader()), nil
	}
	// Three goroutines: the socket reads, the scan, the loop.
	ahead := newAheadReader(ctx, resp.Body)
	return newPrefetchedStream(ahead, func(r io.Reader) watch.Stream[*Item[S]] {
		return newEventStream(closers{resp.Body, ahead}, r, s.v.client.limits.maxObject, base, s.v.reader())
	}), nil
}

// namespaceExists reports a view bound to a namespace that does not exist
// as a *NamespaceError (the seed's promise for watches: the server itself
// answers an empty list and an endless watch). It is checked when a watch
// or a list starts, so a namespace deleted during a watch ends it at the
// next reconnect or relist. When the namespace cannot be read (no
// permission, a failure) the watch goes on: the check only reports a
// namespace the server says is not there.
func (v *View[S]) namespaceExists(ctx context.Context) error {
	if !v.bound || !v.kind.Namespaced {
		return nil
	}
	err := v.client.roundTripJSON(ctx, request{method: http.MethodGet, path: "/api/v1/namespaces/" + v.namespace}, nil)
	if errors.Is(err, ErrNotFound) {
		return &NamespaceError{Kind: v.kind.Kind, Namespace: v.namespace, Reason: "the namespace does not exist"}
	}
	return nil
}
