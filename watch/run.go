package watch

import (
	"context"
	"errors"
	"io"
	"iter"
)

// Options configure Watch.
type Options struct {
	// ResourceVersion to start after; "" starts from now.
	ResourceVersion string
	// InitialList sends the current state as Added events first, then the
	// changes after it.
	InitialList bool
	// Bookmarks asks for Bookmark events (they are passed to the loop).
	Bookmarks bool
	// TimeoutSeconds asks the server to end each connection after this
	// long (the watch resumes transparently); 0 = server default.
	TimeoutSeconds int64
}

// Watch returns a single-use iterator over the events of src. The loop
// resumes from the last seen resourceVersion when the server ends a
// connection. Breaking out of the loop or cancelling ctx closes the
// connection at once; the context's error is then not yielded. Iteration
// stops at the first error, which is yielded.
func Watch[T any](ctx context.Context, src Source[T], opts Options) iter.Seq2[Event[T], error] {
	used := false
	return func(yield func(Event[T], error) bool) {
		var zero Event[T]
		if used {
			yield(zero, errors.New("watch: iterator already used (watch iterators are single-use)"))
			return
		}
		used = true
		rv := opts.ResourceVersion
		if opts.InitialList {
			var err error
			rv, err = listAll(ctx, src, func(obj T) bool { return yield(Event[T]{Type: Added, Object: obj}, nil) })
			if err != nil {
				if err != errStop && ctx.Err() == nil {
					yield(zero, err)
				}
				return
			}
		}
		for {
			s, err := src.OpenWatch(ctx, WatchOptions{ResourceVersion: rv, AllowBookmarks: opts.Bookmarks, TimeoutSeconds: opts.TimeoutSeconds})
			if err != nil {
				if ctx.Err() == nil {
					yield(zero, err)
				}
				return
			}
			for {
				ev, err := s.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					s.Close()
					if ctx.Err() == nil {
						yield(zero, err)
					}
					return
				}
				if _, _, v := src.Meta(ev.Object); v != "" {
					rv = v
				}
				if !yield(ev, nil) {
					s.Close()
					return
				}
			}
			s.Close()
			if ctx.Err() != nil {
				return
			}
		}
	}
}

var errStop = errors.New("stop")

// listAll lists every page of src, calling each per object, and returns
// the list's resourceVersion.
func listAll[T any](ctx context.Context, src Source[T], each func(T) bool) (string, error) {
	var opts ListOptions
	for {
		page, err := src.ListPage(ctx, opts)
		if err != nil {
			return "", err
		}
		for _, obj := range page.Items {
			if !each(obj) {
				return "", errStop
			}
		}
		if page.Continue == "" {
			return page.ResourceVersion, nil
		}
		opts.Continue = page.Continue
	}
}
