package watch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/kube-for-go/kube/selector"
	"github.com/kube-for-go/kube/watch"
)

// Obj is the object type of the in-memory source used by the examples;
// with a real cluster the items are the sdk's typed items (e.g.
// *kinds.Pod) and the source is a view's Source().
type Obj struct {
	Name, UID, RV string
	Labels        map[string]string
	Annotations   map[string]string
}

// memSource is an in-memory watch.Source: a list and a script of events
// served to the first watch; later watches stay idle.
type memSource struct {
	mu     sync.Mutex
	items  []Obj
	rv     string
	events []watch.Event[Obj]
	served bool
}

func (m *memSource) ListPage(ctx context.Context, opts watch.ListOptions) (watch.ListPage[Obj], error) {
	return watch.ListPage[Obj]{Items: m.items, ResourceVersion: m.rv}, nil
}

func (m *memSource) OpenWatch(ctx context.Context, opts watch.WatchOptions) (watch.Stream[Obj], error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := &memStream{ctx: ctx, done: make(chan struct{})}
	if opts.SendInitialEvents {
		for _, it := range m.items {
			s.events = append(s.events, watch.Event[Obj]{Type: watch.Added, Object: it})
		}
		s.events = append(s.events, watch.Event[Obj]{Type: watch.Bookmark, Object: Obj{RV: m.rv, Annotations: map[string]string{watch.InitialEventsEndAnnotation: "true"}}})
	}
	if !m.served {
		s.events = append(s.events, m.events...)
		m.served = true
	}
	return s, nil
}

func (m *memSource) Meta(o Obj) (key, uid, rv string) { return o.Name, o.UID, o.RV }
func (m *memSource) Labels(o Obj) map[string]string   { return o.Labels }
func (m *memSource) InitialEventsEnd(o Obj) bool {
	return o.Annotations[watch.InitialEventsEndAnnotation] == "true"
}
func (m *memSource) Tombstone(key, uid, rv string) Obj { return Obj{Name: key, UID: uid, RV: rv} }

type memStream struct {
	ctx    context.Context
	events []watch.Event[Obj]
	done   chan struct{}
	once   sync.Once
}

func (s *memStream) Next() (watch.Event[Obj], error) {
	if len(s.events) > 0 {
		ev := s.events[0]
		s.events = s.events[1:]
		return ev, nil
	}
	select {
	case <-s.ctx.Done():
		return watch.Event[Obj]{}, s.ctx.Err()
	case <-s.done:
		return watch.Event[Obj]{}, io.ErrUnexpectedEOF
	}
}

func (s *memStream) Close() error {
	s.once.Do(func() { close(s.done) })
	return nil
}

func exampleSource() *memSource {
	return &memSource{
		rv: "10",
		items: []Obj{
			{Name: "web-1", UID: "u1", RV: "5", Labels: map[string]string{"app": "web"}},
			{Name: "db-1", UID: "u2", RV: "6", Labels: map[string]string{"app": "db"}},
		},
		events: []watch.Event[Obj]{
			{Type: watch.Modified, Object: Obj{Name: "web-1", UID: "u1", RV: "11", Labels: map[string]string{"app": "web", "ready": "true"}}},
			{Type: watch.Added, Object: Obj{Name: "web-2", UID: "u3", RV: "12", Labels: map[string]string{"app": "web"}}},
			{Type: watch.Deleted, Object: Obj{Name: "db-1", UID: "u2", RV: "13", Labels: map[string]string{"app": "db"}}},
		},
	}
}

// A typed watch loop: the current state as Added events, then changes.
// With a cluster: for ev, err := range cluster.Pods.In(ns).Watch(ctx, opts).
func ExampleWatch() {
	ctx := context.Background()
	n := 0
	for ev, err := range watch.Watch(ctx, exampleSource(), watch.Options{InitialList: true}) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(ev.Type, ev.Object.Name, ev.Object.RV)
		if n++; n == 5 {
			break // closes the connection
		}
	}
	// Output:
	// ADDED web-1 5
	// ADDED db-1 6
	// MODIFIED web-1 11
	// ADDED web-2 12
	// DELETED db-1 13
}

// A Store keeps a typed cache in sync; reads are served from memory.
func ExampleStore() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := exampleSource()
	src.events = nil // keep the example's output independent of timing
	store := watch.NewStore(src, watch.StoreOptions{})
	go store.Run(ctx)
	if err := store.WaitForSync(ctx); err != nil {
		fmt.Println("error:", err)
		return
	}
	web, _ := store.List(selector.MustParse("app=web"))
	for _, o := range web {
		fmt.Println("web:", o.Name)
	}
	_, ok := store.Get("db-1")
	fmt.Println("db-1 cached:", ok)
	// Handlers consume the changes: a snapshot of the cache first, then
	// every change as it is applied.
	n := 0
	for ev, err := range store.Changes(ctx) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(ev.Type, ev.Object.Name)
		if n++; n == store.Len() {
			break
		}
	}
	// Output:
	// web: web-1
	// db-1 cached: true
	// ADDED db-1
	// ADDED web-1
}

// WaitFor waits until a condition holds, like kubectl wait. With a
// cluster: watch.WaitFor(ctx, cluster.Pods.In(ns).ObjectSource("web"),
// kinds.PodIsReady()).
func ExampleWaitFor() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ready := watch.Match(func(o Obj) bool { return o.Name == "web-1" && o.Labels["ready"] == "true" })
	crashed := watch.Match(func(o Obj) bool { return o.Labels["crashed"] == "true" })
	obj, err := watch.WaitFor(ctx, exampleSource(), watch.Or(ready, watch.FailIf(crashed, errors.New("web-1 crashed"))))
	fmt.Println(obj.Name, obj.RV, err)
	// Output:
	// web-1 11 <nil>
}

// The n-th retry waits Initial·Factor^(n-1), capped, less up to Jitter of
// it at random (r is the random number; r = 1 means no jitter).
func ExampleBackoff_Delay() {
	b := watch.Backoff{Initial: time.Second, Max: 8 * time.Second}
	for n := 1; n <= 5; n++ {
		fmt.Println(n, b.Delay(n, 1), b.Delay(n, 0))
	}
	// Output:
	// 1 1s 500ms
	// 2 2s 1s
	// 3 4s 2s
	// 4 8s 4s
	// 5 8s 4s
}

// A Watcher hands out one event per Next call, each with its own
// deadline (the seed's ResourceWatcher.next(timeout)).
func ExampleNewWatcher() {
	ctx := context.Background()
	w := watch.NewWatcher(ctx, exampleSource(), watch.Options{InitialList: true})
	defer w.Close()
	for range 3 {
		next, cancel := context.WithTimeout(ctx, time.Second)
		ev, err := w.Next(next)
		cancel()
		if err != nil {
			fmt.Println("error:", err) // a deadline means: no event in time
			return
		}
		fmt.Println(ev.Type, ev.Object.Name, ev.Object.RV)
	}
	// Output:
	// ADDED web-1 5
	// ADDED db-1 6
	// MODIFIED web-1 11
}
