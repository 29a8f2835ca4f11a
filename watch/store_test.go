package watch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/selector"
	"github.com/kube-for-go/kube/watch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func names(pods []*kinds.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name())
	}
	return out
}

func TestStoreScripted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testCtx(t)
		release := make(chan struct{})
		f := newFakeAPI(t,
			func(w http.ResponseWriter, r *http.Request) {
				stream(false, frame("ADDED", pod("a", "ua", "5", "app=web")), frame("ADDED", pod("b", "ub", "6", "app=db")), bookmark("10", true))(w, r)
				<-release
				stream(false, frame("MODIFIED", pod("b", "ub", "11", "app=web")), frame("ERROR", statusJSON(410, "Expired", "too old")))(w, r)
			},
			stream(true, frame("ADDED", pod("b", "ub", "11", "app=web")), frame("ADDED", pod("c", "uc", "14", "app=web")), bookmark("15", true)),
		)
		store := watch.NewStore(f.pods().Source(), watch.StoreOptions{})
		runErr := make(chan error, 1)
		sctx, stop := context.WithCancel(ctx)
		go func() { runErr <- store.Run(sctx) }()
		require.NoError(t, store.WaitForSync(ctx))
		assert.True(t, store.HasSynced())
		assert.Equal(t, 2, store.Len())

		var got []string
		n := 0
		for ev, err := range store.Changes(ctx) {
			require.NoError(t, err)
			got = append(got, fmt.Sprintf("%s %s@%s %s", ev.Type, ev.Object.Name(), ev.Object.Version(), ev.Object.Labels()))
			if n++; n == 2 {
				close(release) // the snapshot is read: let the server go on
			}
			if n == 5 {
				break
			}
		}
		assert.Equal(t, []string{
			"ADDED a@5 app=web", "ADDED b@6 app=db", // snapshot
			"MODIFIED b@11 app=web", // watch
			"ADDED c@14 app=web",    // relist after the in-stream 410: the difference only
			"DELETED a@5 app=web",   // a is gone; its Deleted event carries its cached state
		}, got)

		_, ok := store.Get("ns/a")
		assert.False(t, ok)
		b, ok := store.Get(watch.Key("ns", "b"))
		require.True(t, ok)
		assert.Equal(t, "11", b.Version())
		assert.False(t, bytes.Contains(b.Raw(), []byte("managedFields")), "cached items are trimmed")
		web, err := store.List(selector.MustParse("app=web"))
		require.NoError(t, err)
		assert.Equal(t, []string{"b", "c"}, names(web))
		all, err := store.List(selector.Everything())
		require.NoError(t, err)
		assert.Len(t, all, 2)
		none, err := store.List(selector.Nothing())
		require.NoError(t, err)
		assert.Empty(t, none)
		assert.Equal(t, []string{"watch initial", "watch initial"}, f.described()[:2])

		stop()
		assert.ErrorIs(t, <-runErr, context.Canceled)
		assert.Error(t, store.Run(ctx), "a store runs once")
	})
}

func TestStoreKeepManagedFields(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testCtx(t)
		f := newFakeAPI(t, stream(true, frame("ADDED", pod("a", "ua", "5")), bookmark("10", true)))
		store := watch.NewStore(f.pods().Source(), watch.StoreOptions{KeepManagedFields: true})
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		go store.Run(sctx)
		require.NoError(t, store.WaitForSync(ctx))
		a, ok := store.Get("ns/a")
		require.True(t, ok)
		assert.True(t, bytes.Contains(a.Raw(), []byte("managedFields")))
	})
}

func TestStoreSlowConsumer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testCtx(t)
		release := make(chan struct{})
		var frames []string
		for i := 11; i <= 15; i++ {
			frames = append(frames, frame("MODIFIED", pod("a", "ua", fmt.Sprint(i))))
		}
		f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
			stream(false, frame("ADDED", pod("a", "ua", "5")), bookmark("10", true))(w, r)
			<-release
			stream(true, frames...)(w, r)
		})
		store := watch.NewStore(f.pods().Source(), watch.StoreOptions{Buffer: 2})
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		go store.Run(sctx)
		require.NoError(t, store.WaitForSync(ctx))
		var got []string
		var last error
		for ev, err := range store.Changes(ctx) {
			if err != nil {
				last = err
				break
			}
			got = append(got, string(ev.Type)+" "+ev.Object.Version())
			if len(got) == 1 {
				close(release)
				// Do not read on until the store has applied every change.
				testutil.Eventually(t, ctx, "the store to apply rv 15", func() error {
					if a, _ := store.Get("ns/a"); a.Version() != "15" {
						return errors.New("not yet")
					}
					return nil
				})
			}
		}
		assert.ErrorIs(t, last, watch.ErrSlowConsumer)
		assert.Equal(t, []string{"ADDED 5", "MODIFIED 11", "MODIFIED 12"}, got, "the buffered changes come before the error")
	})
}

func TestStoreListWithoutLabels(t *testing.T) {
	src := &memSource{rv: "1"}
	store := watch.NewStore[Obj](noLabels{src}, watch.StoreOptions{})
	_, err := store.List(selector.MustParse("app=web"))
	assert.ErrorIs(t, err, watch.ErrNoLabels)
	all, err := store.List(selector.Everything())
	assert.NoError(t, err)
	assert.Empty(t, all)
}

// noLabels hides the optional interfaces of a source.
type noLabels struct{ s *memSource }

func (n noLabels) ListPage(ctx context.Context, o watch.ListOptions) (watch.ListPage[Obj], error) {
	return n.s.ListPage(ctx, o)
}
func (n noLabels) OpenWatch(ctx context.Context, o watch.WatchOptions) (watch.Stream[Obj], error) {
	return n.s.OpenWatch(ctx, o)
}
func (n noLabels) Meta(o Obj) (string, string, string) { return n.s.Meta(o) }

// storeState is "key@rv" per cached object, sorted by key.
func storeState(s *watch.Store[*kinds.Pod]) []string {
	var out []string
	for k, p := range s.All() {
		out = append(out, k+"@"+p.Version())
	}
	return out
}

// TestStoreRecovers: a Store that meets bad data, a stalled request or a
// server that ignores sendInitialEvents reports it (Store.Err, OnRetry),
// recovers by relisting, and ends with exactly the server's state; Err is
// nil again once it is in sync.
func TestStoreRecovers(t *testing.T) {
	cases := []struct {
		reason string
		opts   watch.LoopOptions
		steps  []step
		want   []string // the store's content at the end
		errs   []error  // sentinels the reported errors match, in order
		reqs   []string
	}{{
		reason: "a malformed frame after the initial events: relist; b changed, c added and a deleted meanwhile",
		steps: []step{
			stream(false, frame("ADDED", pod("a", "ua", "5")), frame("ADDED", pod("b", "ub", "6")), bookmark("10", true), "{not json}\n"),
			stream(true, frame("ADDED", pod("b", "ub", "11")), frame("ADDED", pod("c", "uc", "14")), bookmark("15", true)),
		},
		want: []string{"ns/b@11", "ns/c@14"},
		errs: []error{watch.ErrMalformed},
		reqs: []string{"watch initial", "watch initial"},
	}, {
		reason: "an object of another kind in the streaming initial list: relist",
		steps: []step{
			stream(false, frame("ADDED", pod("a", "ua", "5")), frame("ADDED", `{"kind":"Service","apiVersion":"v1","metadata":{"name":"s"}}`)),
			stream(true, frame("ADDED", pod("a", "ua", "5")), bookmark("15", true)),
		},
		want: []string{"ns/a@5"},
		errs: []error{watch.ErrMalformed},
		reqs: []string{"watch initial", "watch initial"},
	}, {
		reason: "a malformed list page (paged lists): list again",
		opts:   watch.LoopOptions{NoStreamingList: true},
		steps: []step{
			list("10", pod("a", "ua", "5"), `{"kind":"Service","apiVersion":"v1","metadata":{"name":"s"}}`),
			list("12", pod("a", "ua", "5"), pod("b", "ub", "11")),
			hold,
		},
		want: []string{"ns/a@5", "ns/b@11"},
		errs: []error{watch.ErrMalformed},
		reqs: []string{"list", "list", "watch rv=12"},
	}, {
		reason: "the second page of a paged list stalls: abandon it and list again from the first page",
		opts:   watch.LoopOptions{NoStreamingList: true},
		steps: []step{
			listPage("10", "tok1", pod("a", "ua", "5")),
			stallBody,
			listPage("12", "tok2", pod("a", "ua", "5")),
			listPage("12", "", pod("b", "ub", "11")),
			hold,
		},
		want: []string{"ns/a@5", "ns/b@11"},
		errs: []error{&watch.TimeoutError{}},
		reqs: []string{"list", "list continue=tok1", "list", "list continue=tok2", "watch rv=12"},
	}, {
		reason: "a server that ignores sendInitialEvents (legacy stream with a deletion, no end bookmark): fall back to list + watch",
		steps: []step{
			stream(true, frame("ADDED", pod("a", "ua", "5")), frame("ADDED", pod("b", "ub", "6")), frame("DELETED", pod("a", "ua", "7"))),
			list("7", pod("b", "ub", "6")),
			hold,
		},
		want: []string{"ns/b@6"},
		errs: []error{errors.New("does not support the streaming initial list")},
		reqs: []string{"watch initial", "list", "watch rv=7"},
	}, {
		reason: "a server that repeats a continue token: list again instead of paging forever",
		opts:   watch.LoopOptions{NoStreamingList: true},
		steps: []step{
			listPage("10", "same", pod("a", "ua", "5")),
			listPage("10", "same", pod("a", "ua", "5")),
			list("10", pod("a", "ua", "5")),
			hold,
		},
		want: []string{"ns/a@5"},
		errs: []error{watch.ErrMalformed},
		reqs: []string{"list", "list continue=same", "list", "watch rv=10"},
	}}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				ctx := testCtx(t)
				f := newFakeAPI(t, c.steps...)
				var store *watch.Store[*kinds.Pod]
				var reported, health []error
				opts := watch.StoreOptions{LoopOptions: c.opts}
				opts.OnRetry = func(err error, _ time.Duration) {
					reported = append(reported, err)
					health = append(health, store.Err())
				}
				store = watch.NewStore(f.pods().Source(), opts)
				sctx, stop := context.WithCancel(ctx)
				runErr := make(chan error, 1)
				go func() { runErr <- store.Run(sctx) }()
				require.NoError(t, store.WaitForSync(ctx), c.reason)
				// Two minutes of fake time are enough for every retry and
				// relist, and less than the idle timeout of the last watch.
				time.Sleep(2 * time.Minute)
				synctest.Wait() // the store has applied everything and waits on its watch
				assert.Equal(t, c.want, storeState(store), c.reason)
				assert.NoError(t, store.Err(), "%s: healthy again", c.reason)
				require.Len(t, reported, len(c.errs), "%s: %v", c.reason, reported)
				for i, want := range c.errs {
					switch want := want.(type) {
					case *watch.TimeoutError:
						assert.ErrorAs(t, reported[i], &want, c.reason)
					default:
						if want == watch.ErrMalformed {
							assert.ErrorIs(t, reported[i], want, c.reason)
						} else {
							assert.Contains(t, reported[i].Error(), want.Error(), c.reason)
						}
					}
					assert.Equal(t, reported[i], health[i], "%s: Store.Err reports the error while the store recovers", c.reason)
				}
				assert.Equal(t, c.reqs, f.described(), c.reason)
				stop()
				assert.ErrorIs(t, <-runErr, context.Canceled)
				assert.ErrorIs(t, store.Err(), context.Canceled, "after Run, Err is Run's error")
			})
		})
	}
}

// TestStoreLegacyServerSyncs reproduces issue #11.7: a server that ignores
// sendInitialEvents and sends bookmarks without the end annotation. The
// store must sync and lose no deletion.
func TestStoreLegacyServerSyncs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testCtx(t)
		f := newFakeAPI(t,
			stream(true, frame("ADDED", pod("a", "ua", "5")), frame("ADDED", pod("b", "ub", "6")), bookmark("8", false)),
			list("9", pod("b", "ub", "6")),
			stream(true, frame("ADDED", pod("c", "uc", "10"))),
		)
		store := watch.NewStore(f.pods().Source(), watch.StoreOptions{})
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		go store.Run(sctx)
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		require.NoError(t, store.WaitForSync(wctx), "the store syncs with a server that ignores sendInitialEvents")
		synctest.Wait()
		assert.Equal(t, []string{"ns/b@6", "ns/c@10"}, storeState(store), "a, deleted on the server, is gone")
		assert.Equal(t, []string{"watch initial", "list", "watch rv=9"}, f.described())
	})
}
