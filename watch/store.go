package watch

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kube-for-go/kube/selector"
)

// Store is a typed in-memory cache of a Source kept in sync by a watch
// loop (an informer without the boilerplate): list, then watch, with the
// loop's resumption and relists, so its content converges to the server's
// state. Reads (Get, List, All) are served from memory and are safe for
// concurrent use, also while Run updates the store.
//
//	store := watch.NewStore(pods.Source(), watch.StoreOptions{})
//	go store.Run(ctx)
//	if err := store.WaitForSync(ctx); err != nil { ... }
//	web, err := store.List(selector.MustParse("app=web"))
//
// Cached objects are trimmed (managedFields dropped) when the Source is a
// Trimmer, unless StoreOptions.KeepManagedFields is set; with
// StoreOptions.DropFields they also lose the members it names (see
// FieldDropper).
//
// A Store never freezes on an error it can recover from (see the package's
// Recovery section): after a broken connection, a stalled request, an
// expired resourceVersion or data that does not decode it resumes or
// relists with backoff, and ends with exactly the server's state. While it
// recovers, Err reports why (health checks), and LoopOptions.OnRetry is
// called for every such error.
type Store[T any] struct {
	src     Source[T]
	opts    StoreOptions
	labeler Labeler[T]
	trimmer Trimmer[T]
	dropper FieldDropper[T]
	drop    []string // the paths dropper drops (DropFields, and managedFields)

	mu      sync.RWMutex
	items   map[string]T
	synced  bool
	subs    map[*subscription[T]]struct{}
	ended   bool
	err     error         // Run's error once ended
	lastErr error         // the error being recovered from; nil when in sync
	syncCh  chan struct{} // closed at the first sync
	endCh   chan struct{} // closed when Run returns
	running bool
}

// StoreOptions configure a Store. A Store always lists first, then
// watches, and never delivers bookmarks: the loop's other settings are the
// embedded LoopOptions.
type StoreOptions struct {
	// LoopOptions tune the loop's requests and recovery.
	LoopOptions
	// KeepManagedFields keeps metadata.managedFields in cached objects.
	KeepManagedFields bool
	// DropFields names JSON members removed from every cached object, in
	// addition to metadata.managedFields (unless KeepManagedFields), like
	// client-go's SetTransform or controller-runtime's DefaultTransform
	// trimming objects: a controller that reads only the metadata and
	// status of a kind caches it with []string{"spec"}, which for pods is
	// about half of the bytes. Each path is a top-level member ("spec") or
	// a member of a top-level object ("metadata.annotations",
	// "status.conditions"); a dropped member is absent from the cached
	// object, as if the server had not sent it (with the sdk's items: the
	// item reads as the original for everything kept, Raw has no such
	// member, and a dropped part reads as absent, e.g.
	// kinds.PodSpecOf of an item without spec gives an empty PodSpec whose
	// accessors report *sdk.UnavailableError and whose lists are empty).
	// Get, List, All and the Added and Modified events of Changes give
	// the cached objects (a Deleted event sent by the server carries the
	// object it sent, whole).
	//
	// Store.Run fails at once with a *DropFieldError for a path of another
	// form (empty, deeper, empty member name) or one the store needs to
	// key objects (metadata, metadata.name, metadata.namespace,
	// metadata.uid, metadata.resourceVersion), and with ErrNoFieldDropper
	// when the Source does not implement FieldDropper. Dropping
	// metadata.labels makes List with a label selector match no object.
	// controller.Options.Store applies it to every cache of a controller
	// (the primary kind, owned and watched kinds).
	DropFields []string
	// Buffer is the number of changes each Changes iterator may fall
	// behind before it is ended with ErrSlowConsumer; 0 means 1024.
	Buffer int
}

// ErrSlowConsumer ends a Changes iteration whose consumer fell more than
// StoreOptions.Buffer changes behind: the store never blocks on, or
// buffers without bound for, a slow consumer. Call Changes again to
// resume from a fresh snapshot.
var ErrSlowConsumer = errors.New("watch: change consumer too slow (buffer full)")

// ErrNoLabels is returned by Store.List with a label selector when the
// Source does not implement Labeler.
var ErrNoLabels = errors.New("watch: the source does not expose labels")

// ErrNoFieldDropper ends Store.Run at once when StoreOptions.DropFields is
// set and the Source does not implement FieldDropper.
var ErrNoFieldDropper = errors.New("watch: StoreOptions.DropFields is set but the source cannot drop fields (it does not implement watch.FieldDropper)")

// DropFieldError ends Store.Run at once for a path of
// StoreOptions.DropFields that a Store cannot drop.
type DropFieldError struct {
	Path   string // the path as given
	Reason string // why it cannot be dropped
}

// Error names the path and the reason.
func (e *DropFieldError) Error() string {
	return fmt.Sprintf("watch: StoreOptions.DropFields: path %q: %s", e.Path, e.Reason)
}

// keyFields are the members a store keys and versions objects by
// (Source.Meta), which it cannot drop.
var keyFields = []string{"metadata", "metadata.name", "metadata.namespace", "metadata.uid", "metadata.resourceVersion"}

// checkDropField returns the *DropFieldError of a path a Store cannot drop.
func checkDropField(path string) error {
	bad := func(reason string) error { return &DropFieldError{Path: path, Reason: reason} }
	top, rest, nested := strings.Cut(path, ".")
	switch {
	case path == "":
		return bad("empty path")
	case top == "" || nested && rest == "":
		return bad("empty member name (want \"member\" or \"member.member\")")
	case strings.Contains(rest, "."):
		return bad("deeper than a member of a top-level object (want \"member\" or \"member.member\")")
	case slices.Contains(keyFields, path):
		return bad("the store keys objects by it (Source.Meta)")
	}
	return nil
}

// NewStore returns an empty store of src. It makes no request: call Run.
func NewStore[T any](src Source[T], opts StoreOptions) *Store[T] {
	s := &Store[T]{
		src: src, opts: opts, items: map[string]T{}, subs: map[*subscription[T]]struct{}{},
		syncCh: make(chan struct{}), endCh: make(chan struct{}),
	}
	s.labeler, _ = src.(Labeler[T])
	if len(opts.DropFields) > 0 {
		s.dropper, _ = src.(FieldDropper[T])
		s.drop = slices.Clone(opts.DropFields)
		if !opts.KeepManagedFields {
			s.drop = append(s.drop, "metadata.managedFields")
		}
	} else if !opts.KeepManagedFields {
		s.trimmer, _ = src.(Trimmer[T])
	}
	if s.opts.Buffer <= 0 {
		s.opts.Buffer = 1024
	}
	return s
}

// Key returns the key of an object in a Store: "namespace/name", or
// "name" for cluster-scoped kinds (namespace "").
func Key(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

// Run fills the store and keeps it in sync until ctx is done (it returns
// ctx's error) or a permanent error (returned). A Store runs once: a
// second call returns an error at once.
func (s *Store[T]) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("watch: Store.Run called twice")
	}
	s.running = true
	s.mu.Unlock()

	err := s.checkOptions()
	if err == nil {
		l := newLoop(s.src, s.opts.LoopOptions, s.apply)
		l.initial = true
		l.last = s.Get
		l.onSync = s.markSynced
		l.health = s.setHealth
		err = l.run(ctx)
	}

	s.mu.Lock()
	s.ended, s.err = true, err
	for sub := range s.subs {
		sub.end(err)
	}
	s.mu.Unlock()
	close(s.endCh)
	return err
}

// checkOptions returns the error of options a Store cannot run with.
func (s *Store[T]) checkOptions() error {
	for _, p := range s.opts.DropFields {
		if err := checkDropField(p); err != nil {
			return err
		}
	}
	if len(s.opts.DropFields) > 0 && s.dropper == nil {
		return ErrNoFieldDropper
	}
	return nil
}

func (s *Store[T]) apply(ev Event[T]) bool {
	key, _, _ := s.src.Meta(ev.Object)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch ev.Type {
	case Added, Modified:
		switch {
		case s.dropper != nil:
			ev.Object = s.dropper.DropFields(ev.Object, s.drop)
		case s.trimmer != nil:
			ev.Object = s.trimmer.Trim(ev.Object)
		}
		s.items[key] = ev.Object
	case Deleted:
		// The server's Deleted events carry the final state; the loop's
		// synthesized ones carry the cached state (loop.last = Get).
		delete(s.items, key)
	default:
		return true
	}
	for sub := range s.subs {
		sub.send(ev)
	}
	return true
}

func (s *Store[T]) setHealth(err error) {
	s.mu.Lock()
	s.lastErr = err
	s.mu.Unlock()
}

// Err reports the store's health. While Run runs, it is nil when the store
// is in sync with the server (or still making its first list), and the
// last error the loop is recovering from otherwise: set by each such
// error (a broken connection, a *TimeoutError, a 410, 429 or 5xx answer,
// an error matching ErrMalformed, ...), cleared once the loop is in sync
// again (a completed relist, or a resumed watch connection). After Run has
// ended, it is Run's error.
func (s *Store[T]) Err() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ended {
		return s.err
	}
	return s.lastErr
}

func (s *Store[T]) markSynced() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.synced {
		s.synced = true
		close(s.syncCh)
	}
}

// HasSynced reports whether the store has received the whole initial
// list (it stays true afterwards, also across relists).
func (s *Store[T]) HasSynced() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.synced
}

// WaitForSync waits until the store has synced (nil), Run has ended
// before that (Run's error), or ctx is done (ctx's error).
func (s *Store[T]) WaitForSync(ctx context.Context) error {
	select {
	case <-s.syncCh:
		return nil
	case <-s.endCh:
		s.mu.RLock()
		defer s.mu.RUnlock()
		if s.synced {
			return nil
		}
		return fmt.Errorf("watch: store ended before it synced: %w", s.err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Get returns the cached object with key ("namespace/name" or "name", see
// Key) and whether it exists.
func (s *Store[T]) Get(key string) (T, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	obj, ok := s.items[key]
	return obj, ok
}

// Len returns the number of cached objects.
func (s *Store[T]) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.items)
}

// List returns the cached objects whose labels match sel, sorted by key.
// The zero Selector (or selector.Everything()) matches every object. A
// selector other than those needs a Source that implements Labeler (else
// ErrNoLabels); an invalid selector returns its error.
func (s *Store[T]) List(sel selector.Selector) ([]T, error) {
	if err := sel.Err(); err != nil {
		return nil, err
	}
	all := !sel.IsNothing() && sel.Empty()
	if !all && s.labeler == nil {
		return nil, ErrNoLabels
	}
	var out []T
	for _, obj := range s.All() {
		if all || sel.Matches(s.labeler.Labels(obj)) {
			out = append(out, obj)
		}
	}
	return out, nil
}

// All iterates over a snapshot of the cached objects sorted by key,
// taken when iteration starts.
func (s *Store[T]) All() iter.Seq2[string, T] {
	return func(yield func(string, T) bool) {
		s.mu.RLock()
		keys := slices.Sorted(maps.Keys(s.items))
		objs := make([]T, len(keys))
		for i, k := range keys {
			objs[i] = s.items[k]
		}
		s.mu.RUnlock()
		for i, k := range keys {
			if !yield(k, objs[i]) {
				return
			}
		}
	}
}

// Changes returns an iterator over the store's changes, for handlers:
// first the cached objects as Added events (a snapshot sorted by key),
// then every change as the store applies it, in order. Deleted events
// carry the object's last state.
//
// Backpressure: each iteration has a buffer of StoreOptions.Buffer
// events. The store never waits for a consumer; one that falls further
// behind is ended with ErrSlowConsumer (after the buffered events), and a
// new Changes iteration starts again from a snapshot. Iteration also ends
// with ctx's error, or with Run's error when Run ends. Each call returns a
// new iterator; each iterator is single-use.
func (s *Store[T]) Changes(ctx context.Context) iter.Seq2[Event[T], error] {
	var used atomic.Bool
	return func(yield func(Event[T], error) bool) {
		if used.Swap(true) {
			yield(Event[T]{}, ErrReused)
			return
		}
		sub := &subscription[T]{ch: make(chan Event[T], s.opts.Buffer), done: make(chan struct{})}
		s.mu.Lock()
		snapshot := make([]Event[T], 0, len(s.items))
		for _, k := range slices.Sorted(maps.Keys(s.items)) {
			snapshot = append(snapshot, Event[T]{Type: Added, Object: s.items[k]})
		}
		if s.ended {
			sub.end(s.err)
		} else {
			s.subs[sub] = struct{}{}
		}
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.subs, sub)
			s.mu.Unlock()
		}()
		for _, ev := range snapshot {
			if !yield(ev, nil) {
				return
			}
		}
		for {
			select {
			case ev := <-sub.ch:
				if !yield(ev, nil) {
					return
				}
				continue
			default:
			}
			select {
			case ev := <-sub.ch:
				if !yield(ev, nil) {
					return
				}
			case <-sub.done:
				// Deliver what was buffered before the end, then the error.
				for len(sub.ch) > 0 {
					if !yield(<-sub.ch, nil) {
						return
					}
				}
				yield(Event[T]{}, sub.err)
				return
			case <-ctx.Done():
				yield(Event[T]{}, ctx.Err())
				return
			}
		}
	}
}

// subscription is one Changes iteration. send and end are called with
// the store's lock held.
type subscription[T any] struct {
	ch   chan Event[T]
	done chan struct{}
	err  error
}

func (sub *subscription[T]) send(ev Event[T]) {
	if sub.err != nil {
		return
	}
	select {
	case sub.ch <- ev:
	default:
		sub.end(ErrSlowConsumer)
	}
}

func (sub *subscription[T]) end(err error) {
	if sub.err != nil {
		return
	}
	if err == nil {
		err = ErrClosed
	}
	sub.err = err
	close(sub.done)
}
