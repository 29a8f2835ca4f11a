package sdk

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/watch"
)

// Source returns the view as a watch.Source, for watch.Store,
// watch.WaitFor and watch.Watch. The view's namespace and label and field
// selectors apply to every request, so the server does the filtering. It
// also implements watch.Labeler (labels for Store.List),
// watch.StreamingLister (streaming initial lists), watch.Trimmer (drops
// metadata.managedFields from cached items) and watch.Tombstoner.
func (v *View[T]) Source() watch.Source[T] { return viewSource[T]{v} }

// ObjectSource returns a watch.Source of the single object name of the
// view (a server-side field selector on metadata.name, which replaces the
// view's selectors), for waiting on one object:
//
//	pod, err := watch.WaitFor(ctx, cluster.Pods.In(ns).ObjectSource("web"), kinds.PodIsReady())
func (v *View[T]) ObjectSource(name string) watch.Source[T] {
	return v.Filter(nil, map[string]string{"metadata.name": name}).Source()
}

type viewSource[T Object] struct{ v *View[T] }

var (
	_ watch.Labeler[*Item[struct{}]]         = viewSource[*Item[struct{}]]{}
	_ watch.StreamingLister[*Item[struct{}]] = viewSource[*Item[struct{}]]{}
	_ watch.Trimmer[*Item[struct{}]]         = viewSource[*Item[struct{}]]{}
	_ watch.Tombstoner[*Item[struct{}]]      = viewSource[*Item[struct{}]]{}
)

// Meta implements watch.Source.
func (s viewSource[T]) Meta(obj T) (key, uid, rv string) {
	m := obj.Meta()
	key = m.Name
	if m.Namespace != "" {
		key = m.Namespace + "/" + m.Name
	}
	return key, m.UID, m.Version
}

// Labels implements watch.Labeler.
func (s viewSource[T]) Labels(obj T) map[string]string { return obj.Meta().Labels.m }

// InitialEventsEnd implements watch.StreamingLister.
func (s viewSource[T]) InitialEventsEnd(obj T) bool {
	return obj.Meta().Annotations.m[watch.InitialEventsEndAnnotation] == "true"
}

// Trim implements watch.Trimmer: the item decoded again from its JSON
// without metadata.managedFields (the item itself if it has none, or if
// the trimmed JSON does not decode).
func (s viewSource[T]) Trim(obj T) T {
	raw := obj.Raw()
	if !bytes.Contains(raw, []byte(`"managedFields"`)) {
		return obj
	}
	trimmed, err := dropManagedFields(raw)
	if err != nil {
		return obj
	}
	it, err := s.v.decode(s.v.client, s.v.kind, trimmed)
	if err != nil {
		return obj
	}
	return it
}

// dropManagedFields re-encodes an object's JSON without
// metadata.managedFields.
func dropManagedFields(raw []byte) ([]byte, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	var out bytes.Buffer
	out.Grow(len(raw))
	enc := jsontext.NewEncoder(&out)
	copyObject := func(skip string, member func(name string) error) error {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if tok.Kind() != '{' {
			return fmt.Errorf("not a JSON object")
		}
		if err := enc.WriteToken(tok); err != nil {
			return err
		}
		for dec.PeekKind() != '}' {
			name, err := dec.ReadToken()
			if err != nil {
				return err
			}
			if name.String() == skip {
				if err := dec.SkipValue(); err != nil {
					return err
				}
				continue
			}
			if err := enc.WriteToken(name); err != nil {
				return err
			}
			if err := member(name.String()); err != nil {
				return err
			}
		}
		tok, err = dec.ReadToken()
		if err != nil {
			return err
		}
		return enc.WriteToken(tok)
	}
	copyValue := func() error {
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		return enc.WriteValue(v)
	}
	err := copyObject("", func(name string) error {
		if name == "metadata" && dec.PeekKind() == '{' {
			return copyObject("managedFields", func(string) error { return copyValue() })
		}
		return copyValue()
	})
	if err != nil {
		return nil, err
	}
	return bytes.TrimSpace(out.Bytes()), nil
}

// Tombstone implements watch.Tombstoner: an item with only kind, name,
// namespace, UID and resourceVersion (the zero T if that cannot decode).
func (s viewSource[T]) Tombstone(key, uid, rv string) T {
	ns, name, ok := strings.Cut(key, "/")
	if !ok {
		ns, name = "", key
	}
	md := map[string]string{"name": name, "uid": uid, "resourceVersion": rv}
	if ns != "" {
		md["namespace"] = ns
	}
	raw, err := json.Marshal(map[string]any{"apiVersion": APIVersion(s.v.kind.APIPaths[0]), "kind": s.v.kind.Kind, "metadata": md})
	var zero T
	if err != nil {
		return zero
	}
	it, err := s.v.decode(s.v.client, s.v.kind, raw)
	if err != nil {
		return zero
	}
	return it
}

// ListPage implements watch.Source: one page of the view's list.
func (s viewSource[T]) ListPage(ctx context.Context, opts watch.ListOptions) (watch.ListPage[T], error) {
	var page watch.ListPage[T]
	base, err := s.v.collection(ctx)
	if err != nil {
		return page, err
	}
	if s.v.nothing {
		return page, &Error{Op: "list " + s.v.kind.Resource, Err: fmt.Errorf("the view's selector matches nothing")}
	}
	limit := opts.Limit
	if limit == 0 {
		limit = s.v.limit()
	}
	resp, err := s.v.client.do(ctx, request{method: http.MethodGet, path: base, query: s.v.listQuery(limit, opts.Continue, opts.ResourceVersion)})
	if err != nil {
		return page, asStatus(err)
	}
	defer resp.Body.Close()
	meta, err := decodeList(resp.Body, base, s.v.reader(), func(it T) bool {
		page.Items = append(page.Items, it)
		return true
	})
	if err != nil {
		return page, malformed(err)
	}
	page.ResourceVersion, page.Continue = meta.ResourceVersion, meta.Continue
	return page, nil
}

// OpenWatch implements watch.Source: one watch request of the view.
func (s viewSource[T]) OpenWatch(ctx context.Context, opts watch.WatchOptions) (watch.Stream[T], error) {
	base, err := s.v.collection(ctx)
	if err != nil {
		return nil, err
	}
	if s.v.nothing {
		return nil, &Error{Op: "watch " + s.v.kind.Resource, Err: fmt.Errorf("the view's selector matches nothing")}
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
		return nil, asStatus(err)
	}
	return newEventStream(resp.Body, base, s.v.reader()), nil
}

// asStatus makes an error answer of the server implement
// watch.APIStatus, which the watch loop reads to decide between
// relisting, retrying and giving up. It still matches *APIError and its
// categories.
func asStatus(err error) error {
	ae, ok := err.(*APIError)
	if !ok || ae.StatusCode == 0 {
		return err
	}
	return &watchError{api: ae}
}
