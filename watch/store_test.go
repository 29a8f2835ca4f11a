package watch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/kube-for-go/kube/internal/testutil"
	"net/http"
	"testing"

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
}

func TestStoreKeepManagedFields(t *testing.T) {
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
}

func TestStoreSlowConsumer(t *testing.T) {
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
