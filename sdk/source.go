package sdk

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/kube-for-go/kube/watch"
)

// Source returns the view as a watch.Source, for watch.Store and watch.WaitFor.
func (v *View[T]) Source() watch.Source[T] { return viewSource[T]{v} }

type viewSource[T Object] struct{ v *View[T] }

func (s viewSource[T]) Meta(obj T) (key, uid, rv string) {
	m := obj.Meta()
	key = m.Name
	if m.Namespace != "" {
		key = m.Namespace + "/" + m.Name
	}
	return key, m.UID, m.Version
}

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
		return page, err
	}
	defer resp.Body.Close()
	var itemErr error
	meta, err := decodeList(resp.Body, base, func(raw []byte) bool {
		it, err := s.v.decode(s.v.client, s.v.kind, raw)
		if err != nil {
			itemErr = err
			return false
		}
		page.Items = append(page.Items, it)
		return true
	})
	if itemErr != nil {
		return page, itemErr
	}
	if err != nil {
		return page, err
	}
	page.ResourceVersion, page.Continue = meta.ResourceVersion, meta.Continue
	return page, nil
}

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
	if opts.AllowBookmarks {
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
	return newEventStream(resp.Body, base, func(raw []byte) (T, error) { return s.v.decode(s.v.client, s.v.kind, raw) }), nil
}
