package watch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kube-for-go/kube/watch"
)

// modelServer is an in-memory API server driven by a script: each byte of
// the script is a change (create, update, delete, recreate under a new
// UID) or a fault (a clean end, a broken connection, a garbled frame, an
// in-stream 410 or 500, a failing list page, a 410 answering a watch).
// The script advances only when an open stream has delivered every
// change so far, so a consumer that keeps up sees every step. With legacy
// set, it ignores sendInitialEvents like a server before Kubernetes 1.27.
type modelServer struct {
	mu       sync.Mutex
	script   []byte
	pos      int
	legacy   bool
	rv       int
	objs     map[string]Obj
	hist     []watch.Event[Obj] // every change, in order
	uids     int
	listErr  error // the next ListPage fails with it
	watchErr error // the next OpenWatch fails with it
	idle     bool  // a stream waits for a script that is exhausted
}

// modelStatus is a server answer the loop reads as watch.APIStatus.
type modelStatus struct{ code int }

func (s *modelStatus) Error() string             { return "model: status " + strconv.Itoa(s.code) }
func (s *modelStatus) StatusCode() int           { return s.code }
func (s *modelStatus) StatusReason() string      { return "" }
func (s *modelStatus) RetryAfter() time.Duration { return 0 }

var errGarbled = fmt.Errorf("model: garbled frame: %w", watch.ErrMalformed)

func (m *modelServer) Meta(o Obj) (string, string, string) { return o.Name, o.UID, o.RV }

func (m *modelServer) InitialEventsEnd(o Obj) bool {
	return o.Annotations[watch.InitialEventsEndAnnotation] == "true"
}

// state is "name/uid@rv" per object, sorted.
func (m *modelServer) state() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m.objs)) {
		o := m.objs[k]
		out = append(out, o.Name+"/"+o.UID+"@"+o.RV)
	}
	return out
}

func (m *modelServer) ListPage(ctx context.Context, o watch.ListOptions) (watch.ListPage[Obj], error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.listErr; err != nil {
		m.listErr = nil
		return watch.ListPage[Obj]{}, err
	}
	keys := slices.Sorted(maps.Keys(m.objs))
	start := 0
	if o.Continue != "" {
		start, _ = strconv.Atoi(o.Continue)
	}
	end := min(start+2, len(keys)) // pages of two objects
	page := watch.ListPage[Obj]{ResourceVersion: strconv.Itoa(m.rv)}
	for _, k := range keys[min(start, end):end] {
		page.Items = append(page.Items, m.objs[k])
	}
	if end < len(keys) {
		page.Continue = strconv.Itoa(end)
	}
	return page, nil
}

func (m *modelServer) OpenWatch(ctx context.Context, o watch.WatchOptions) (watch.Stream[Obj], error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.watchErr; err != nil {
		m.watchErr = nil
		return nil, err
	}
	s := &modelStream{m: m, ctx: ctx, done: make(chan struct{})}
	if o.ResourceVersion == "" {
		// From now: synthetic Added events for every object (sent with
		// sendInitialEvents, and by a legacy server that ignores it).
		for _, k := range slices.Sorted(maps.Keys(m.objs)) {
			s.pending = append(s.pending, watch.Event[Obj]{Type: watch.Added, Object: m.objs[k]})
		}
		if o.SendInitialEvents && !m.legacy {
			s.pending = append(s.pending, watch.Event[Obj]{Type: watch.Bookmark, Object: Obj{RV: strconv.Itoa(m.rv),
				Annotations: map[string]string{watch.InitialEventsEndAnnotation: "true"}}})
		}
		if m.legacy {
			s.pending = append(s.pending, watch.Event[Obj]{Type: watch.Bookmark, Object: Obj{RV: strconv.Itoa(m.rv)}})
		}
		s.rv = m.rv
	} else {
		s.rv, _ = strconv.Atoi(o.ResourceVersion)
	}
	return s, nil
}

type modelStream struct {
	m       *modelServer
	ctx     context.Context
	pending []watch.Event[Obj]
	rv      int
	done    chan struct{}
	once    sync.Once
}

func (s *modelStream) Close() error {
	s.once.Do(func() { close(s.done) })
	return nil
}

func (s *modelStream) Next() (watch.Event[Obj], error) {
	for {
		select {
		case <-s.done:
			return watch.Event[Obj]{}, io.ErrUnexpectedEOF
		default:
		}
		if len(s.pending) > 0 {
			ev := s.pending[0]
			s.pending = s.pending[1:]
			return ev, nil
		}
		ev, err, ok := s.step()
		if ok {
			return ev, err
		}
	}
}

// step returns the next change after the stream's position, or runs the
// next script byte; ok is false when the caller should look again.
func (s *modelStream) step() (ev watch.Event[Obj], err error, ok bool) {
	m := s.m
	m.mu.Lock()
	for _, h := range m.hist {
		if rv, _ := strconv.Atoi(h.Object.RV); rv > s.rv {
			s.rv = rv
			m.mu.Unlock()
			return h, nil, true
		}
	}
	if m.pos >= len(m.script) {
		m.idle = true
		m.mu.Unlock()
		select {
		case <-s.done:
		case <-s.ctx.Done():
		}
		m.mu.Lock()
		m.idle = false
		m.mu.Unlock()
		return ev, io.ErrUnexpectedEOF, true
	}
	op := m.script[m.pos]
	m.pos++
	defer m.mu.Unlock()
	name := string(rune('a' + int(op>>4)%4))
	switch op % 12 {
	case 0, 1: // create or update
		m.change(name, false)
	case 2: // delete
		if o, ok := m.objs[name]; ok {
			m.rv++
			delete(m.objs, name)
			o.RV = strconv.Itoa(m.rv)
			m.hist = append(m.hist, watch.Event[Obj]{Type: watch.Deleted, Object: o})
		}
	case 3: // delete and create again: a new UID under the same name
		m.change(name, true)
	case 4:
		return ev, io.EOF, true
	case 5:
		return ev, io.ErrUnexpectedEOF, true
	case 6: // a change whose frame arrives garbled
		m.change(name, false)
		s.rv = m.rv
		return ev, errGarbled, true
	case 7:
		return ev, &modelStatus{410}, true
	case 8:
		return ev, &modelStatus{500}, true
	case 9:
		m.listErr = errGarbled
	case 10:
		m.listErr = &modelStatus{503}
	case 11:
		m.watchErr = &modelStatus{410}
		return ev, io.EOF, true
	}
	return ev, nil, false
}

// change creates or updates object name (recreate: delete it first).
func (m *modelServer) change(name string, recreate bool) {
	o, ok := m.objs[name]
	if ok && recreate {
		m.rv++
		o.RV = strconv.Itoa(m.rv)
		m.hist = append(m.hist, watch.Event[Obj]{Type: watch.Deleted, Object: o})
		delete(m.objs, name)
		ok = false
	}
	typ := watch.Modified
	if !ok {
		m.uids++
		o = Obj{Name: name, UID: "u" + strconv.Itoa(m.uids)}
		typ = watch.Added
	}
	m.rv++
	o.RV = strconv.Itoa(m.rv)
	m.objs[name] = o
	m.hist = append(m.hist, watch.Event[Obj]{Type: typ, Object: o})
}

// FuzzStoreConverges runs a Store against a model server under a script
// of changes and faults, and checks that it ends with exactly the
// server's state and healthy, whatever the order of faults; also when the
// server ignores sendInitialEvents, and with paged lists.
func FuzzStoreConverges(f *testing.F) {
	f.Add(byte(0), []byte{0x00, 0x10, 0x20, 0x06, 0x12, 0x04, 0x31, 0x07, 0x02, 0x09, 0x08, 0x0b, 0x13, 0x05, 0x0a, 0x01})
	f.Add(byte(1), []byte{0x00, 0x10, 0x20, 0x30, 0x02, 0x16, 0x07, 0x03, 0x04})
	f.Add(byte(2), []byte{0x00, 0x10, 0x09, 0x0a, 0x07, 0x12, 0x06, 0x06, 0x06, 0x0b, 0x0b})
	f.Fuzz(func(t *testing.T, mode byte, script []byte) {
		if len(script) > 200 {
			script = script[:200]
		}
		synctest.Test(t, func(t *testing.T) {
			m := &modelServer{script: script, legacy: mode&1 == 1, objs: map[string]Obj{}}
			retries := 0
			store := watch.NewStore[Obj](m, watch.StoreOptions{LoopOptions: watch.LoopOptions{
				NoStreamingList: mode&2 == 2,
				OnRetry:         func(error, time.Duration) { retries++ },
			}})
			ctx, cancel := context.WithCancel(t.Context())
			runErr := make(chan error, 1)
			go func() { runErr <- store.Run(ctx) }()
			// Let the store work through the script: its backoff waits
			// pass in fake time.
			done := false
			for i := 0; i < 240 && !done; i++ {
				time.Sleep(time.Minute)
				synctest.Wait()
				m.mu.Lock()
				done = m.idle && m.pos >= len(m.script)
				m.mu.Unlock()
			}
			if !done {
				t.Fatalf("the store did not work through the script in 4 hours of fake time (script %x, mode %d)", script, mode)
			}
			t.Logf("script of %d steps: %d changes, %d retries", len(script), len(m.hist), retries)
			var got []string
			for _, o := range store.All() {
				got = append(got, o.Name+"/"+o.UID+"@"+o.RV)
			}
			want := m.state()
			if !slices.Equal(got, want) {
				t.Errorf("store %v, server %v (script %x, mode %d)", got, want, script, mode)
			}
			if err := store.Err(); err != nil {
				t.Errorf("store unhealthy at the end: %v", err)
			}
			if !store.HasSynced() {
				t.Errorf("store never synced")
			}
			cancel()
			if err := <-runErr; !errors.Is(err, context.Canceled) {
				t.Errorf("Run: %v, want context.Canceled", err)
			}
		})
	})
}
