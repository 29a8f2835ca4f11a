package sdk

import (
	"context"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kube-for-go/kube/watch"
)

// View is a view of the objects of one kind (the seed's ViewABC): global
// (every namespace) or bound to one namespace, optionally filtered by label
// and field selectors. A View is an immutable value describing what to
// read; it makes no request until a method with a ctx is called, and is
// safe for concurrent use. Methods that narrow it (In, Filter, PageSize)
// return a new View.
//
// S is the kind's status type; the items are *Item[S]. Kinds with
// subresources have views that embed View and add their methods:
// StatusView, ScaleView and PodView.
type View[S Status] struct {
	client    *Client
	kind      *Kind[S]
	namespace string
	bound     bool
	labels    string
	fields    string
	pageSize  int
	nothing   bool  // a selector matches nothing: answer empty without a request
	err       error // sticky error from a narrowing method, returned by every request
}

// NewView returns the global view of kind k. For a namespaced kind it spans
// all namespaces; use In to bind it. A nil client or an invalid descriptor
// makes every request of the view fail (see Err).
func NewView[S Status](c *Client, k *Kind[S]) *View[S] {
	v := &View[S]{client: c, kind: k}
	switch {
	case k == nil:
		v.err = &Error{Op: "view", Err: fmt.Errorf("nil kind")}
		v.kind = &Kind[S]{}
	case c == nil:
		v.err = &Error{Op: k.Kind, Err: fmt.Errorf("no client (an item decoded offline cannot make requests)")}
	default:
		v.err = k.Validate()
	}
	return v
}

// info is the view's kind data.
func (v *View[S]) info() *KindInfo { return &v.kind.KindInfo }

// reader returns how the view decodes an item from a stream.
func (v *View[S]) reader() itemReader[*Item[S]] { return readItem(v.client, v.kind) }

// decode decodes the JSON of one object of the view's kind.
func (v *View[S]) decode(raw []byte) (*Item[S], error) { return DecodeItem(v.client, v.kind, raw) }

// Kind returns the descriptor of the view's kind.
func (v *View[S]) Kind() *Kind[S] { return v.kind }

// Resource returns the plural resource name, e.g. "pods".
func (v *View[S]) Resource() string { return v.kind.Resource }

// Namespace returns the namespace the view is bound to and true, or "" and
// false for a global view.
func (v *View[S]) Namespace() (string, bool) { return v.namespace, v.bound }

// Client returns the client of the view.
func (v *View[S]) Client() *Client { return v.client }

// In returns the view bound to namespace ns. For a cluster-scoped kind, or
// an empty ns, every request of the returned view fails with a
// *NamespaceError.
func (v *View[S]) In(ns string) *View[S] {
	n := *v
	switch {
	case v.err != nil:
		return &n
	case !v.kind.Namespaced:
		n.err = &NamespaceError{Kind: v.kind.Kind, Namespace: ns, Reason: "the kind is cluster-scoped and takes no namespace"}
	case ns == "":
		n.err = &NamespaceError{Kind: v.kind.Kind, Reason: "empty namespace (use the global view for all namespaces)"}
	case !validNamespace(ns):
		n.err = &NamespaceError{Kind: v.kind.Kind, Namespace: ns, Reason: "invalid namespace name"}
	}
	n.namespace, n.bound = ns, true
	return &n
}

// PageSize returns the view reading lists n objects per request (0 restores the client's default).
func (v *View[S]) PageSize(n int) *View[S] {
	c := *v
	c.pageSize = n
	return &c
}

// Err returns the error every request of this view would fail with
// because of how it was built (a namespace or selector error), or nil.
func (v *View[S]) Err() error { return v.err }

func (v *View[S]) collection(ctx context.Context) (string, error) {
	if v.err != nil {
		return "", v.err
	}
	return v.client.collectionPath(ctx, v.info(), v.namespace)
}

// object is the path of a named object in the view's namespace. A
// namespaced kind needs a bound view.
func (v *View[S]) object(ctx context.Context, name string, sub ...string) (string, error) {
	if v.err != nil {
		return "", v.err
	}
	if v.kind.Namespaced && !v.bound {
		return "", &NamespaceError{Kind: v.kind.Kind, Reason: "the kind is namespaced: bind the view with In(namespace) (the default namespace is not assumed)"}
	}
	return v.client.objectPath(ctx, v.info(), v.namespace, name, sub...)
}

// Get returns the current snapshot of the named object (the seed's
// fetch). A missing object is an error matching ErrNotFound; a namespaced
// kind read through a global view is a *NamespaceError.
func (v *View[S]) Get(ctx context.Context, name string) (*Item[S], error) {
	var zero *Item[S]
	p, err := v.object(ctx, name)
	if err != nil {
		return zero, err
	}
	return v.readObject(ctx, request{method: http.MethodGet, path: p})
}

// readObject sends r and decodes the answer as one object of the view's kind.
func (v *View[S]) readObject(ctx context.Context, r request) (*Item[S], error) {
	var zero *Item[S]
	data, err := v.client.readBody(ctx, r)
	if err != nil {
		return zero, err
	}
	it, err := v.decode(data)
	if err != nil {
		if de, ok := err.(*DecodeError); ok {
			de.Path = r.path
		}
		return zero, err
	}
	return it, nil
}

func (v *View[S]) listQuery(limit int64, cont, rv string) url.Values {
	q := url.Values{}
	if v.labels != "" {
		q.Set("labelSelector", v.labels)
	}
	if v.fields != "" {
		q.Set("fieldSelector", v.fields)
	}
	if limit > 0 {
		q.Set("limit", strconv.FormatInt(limit, 10))
	}
	if cont != "" {
		q.Set("continue", cont)
	}
	if rv != "" {
		q.Set("resourceVersion", rv)
	}
	return q
}

func (v *View[S]) limit() int64 {
	if v.pageSize > 0 {
		return int64(v.pageSize)
	}
	return int64(v.client.pageSize)
}

// All iterates over the objects of the view, page by page (limit and
// continue), decoding each list body item by item as it arrives, so memory
// stays flat however many objects there are. Iteration stops at the first
// error, which is yielded; breaking out of the loop releases the response.
//
// The pages are read ahead: while the loop body runs, other goroutines
// read the socket and validate and index the next items, at most about
// 400 items ahead of the loop (which may span pages when they are small),
// asking for the next page before the loop is done with the last, as
// client-go's pager does; an item reaches the loop as soon as the reader
// would wait for the network. All returns only after those goroutines
// have ended. With GOMAXPROCS 1 everything runs on the loop's goroutine.
//
// If a continue token expires while iterating (the server answers 410
// Gone, after about five minutes by default), iteration ends with an error
// matching ErrGone that says how many objects were read: the list cannot
// be resumed consistently, so start a new iteration.
func (v *View[S]) All(ctx context.Context) iter.Seq2[*Item[S], error] {
	return func(yield func(*Item[S], error) bool) {
		base, err := v.collection(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		if v.nothing {
			return
		}
		prefetch(ctx, yield, func(ctx context.Context, emit func(*Item[S]) bool, wrap func(io.Reader) io.Reader) error {
			return v.readPages(ctx, base, emit, wrap)
		})
	}
}

// readPages reads the pages of the view's list, giving each item to emit
// as soon as it is decoded, until the last page or emit returns false.
// Bodies are read through wrap. The next page is asked for as soon as the
// current page's metadata (which kube-apiserver writes before the items)
// gives its continue token, so that the server prepares it while this one
// is read, as client-go's pager buffers pages ahead; its answer is read
// only after the current page's last item, and dropped if the loop stops.
func (v *View[S]) readPages(ctx context.Context, base string, emit func(*Item[S]) bool, wrap func(io.Reader) io.Reader) error {
	cont := ""
	n := 0
	seen := map[string]struct{}{}
	var next *pageRequest // the next page, asked for ahead
	defer func() { next.drop() }()
	resp, err := v.client.do(ctx, v.pageQuery(base, ""))
	release := func() {}
	for {
		if err != nil {
			release()
			if cont != "" && isGone(err) {
				err = &Error{Op: "list " + v.kind.Resource, Err: fmt.Errorf("continue token expired after %d objects; restart the iteration: %w", n, err)}
			}
			return err
		}
		stopped := false
		var body io.Reader = resp.Body
		var ahead *aheadReader
		if readAhead() {
			ahead = newAheadReader(ctx, resp.Body)
			body = ahead
		}
		meta, derr := decodeList(wrap(body), v.client.limits.maxObject, base, v.reader(), func(it *Item[S]) bool {
			n++
			if !emit(it) {
				stopped = true
				return false
			}
			return true
		}, func(m listMeta) {
			if _, dup := seen[m.Continue]; next == nil && m.Continue != "" && m.Continue != cont && !dup {
				next = v.askPage(ctx, base, m.Continue)
			}
		})
		resp.Body.Close() // interrupts a read in progress
		if ahead != nil {
			ahead.Close()
		}
		release()
		if stopped {
			return nil
		}
		if derr != nil {
			return derr
		}
		if meta.Continue == "" {
			return nil
		}
		if _, dup := seen[meta.Continue]; dup || meta.Continue == cont {
			return &DecodeError{Path: v.client.fullPath(base), Offset: -1, Reason: fmt.Sprintf("the server repeated a continue token after %d objects (a list that would never end)", n)}
		}
		seen[cont] = struct{}{}
		cont = meta.Continue
		if next != nil && next.cont == cont {
			resp, release, err = next.wait()
		} else {
			next.drop() // asked for a token the page's last metadata replaced
			release = func() {}
			resp, err = v.client.do(ctx, v.pageQuery(base, cont))
		}
		next = nil
	}
}

// pageQuery is the request of the list page after cont.
func (v *View[S]) pageQuery(base, cont string) request {
	return request{method: http.MethodGet, path: base, query: v.listQuery(v.limit(), cont, "")}
}

// pageRequest is a list page asked for ahead, on its own goroutine.
type pageRequest struct {
	cont   string
	cancel context.CancelFunc
	done   chan struct{}
	resp   *http.Response // set before done is closed
	err    error
}

// askPage asks for the page after cont without waiting for the answer.
func (v *View[S]) askPage(ctx context.Context, base, cont string) *pageRequest {
	ctx, cancel := context.WithCancel(ctx)
	p := &pageRequest{cont: cont, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.resp, p.err = v.client.do(ctx, v.pageQuery(base, cont))
	}()
	return p
}

// wait returns the answer, and release, to call once its body was read.
func (p *pageRequest) wait() (*http.Response, func(), error) {
	<-p.done
	return p.resp, p.cancel, p.err
}

// drop cancels the request and waits for its goroutine, closing the
// answer's body if one came. A nil *pageRequest drops nothing.
func (p *pageRequest) drop() {
	if p == nil {
		return
	}
	p.cancel()
	<-p.done
	if p.resp != nil {
		p.resp.Body.Close()
	}
}

func isGone(err error) bool {
	ae, ok := err.(*APIError)
	return ok && ae.Is(ErrGone)
}

// List reads every object of the view into a slice. Prefer All for large
// collections.
func (v *View[S]) List(ctx context.Context) ([]*Item[S], error) {
	var out []*Item[S]
	for it, err := range v.All(ctx) {
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// Watch returns a single-use iterator over changes to the view's objects
// (see package watch for the guarantees: resume, relist on 410, backoff).
// It starts from now unless opts says otherwise, and runs until the loop
// breaks, a permanent error, or ctx ends, in which case ctx's error is the
// last value yielded. Each watch response is read ahead as All reads
// lists: events are decoded on a second goroutine and reach the loop as
// soon as the reader would wait for the network.
func (v *View[S]) Watch(ctx context.Context, opts watch.Options) iter.Seq2[watch.Event[*Item[S]], error] {
	return watch.Watch[*Item[S]](ctx, v.Source(), opts)
}

// Watcher returns a non-blocking watcher over the view (the seed's
// ResourceWatcher with next(timeout)).
func (v *View[S]) Watcher(ctx context.Context, opts watch.Options) *watch.Watcher[*Item[S]] {
	return watch.NewWatcher[*Item[S]](ctx, v.Source(), opts)
}
