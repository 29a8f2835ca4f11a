package watch_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
	"github.com/kube-for-go/kube/watch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStoreDropFields caches pods of the sdk without their spec: the
// cached items read right for everything kept, and updates flow.
func TestStoreDropFields(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testCtx(t)
		f := newFakeAPI(t, stream(true,
			frame("ADDED", pod("a", "ua", "5", "app=web")), bookmark("10", true),
			frame("MODIFIED", pod("a", "ua", "11", "app=db"))))
		store := watch.NewStore(f.pods().Source(), watch.StoreOptions{DropFields: []string{"spec"}})
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		go store.Run(sctx)
		require.NoError(t, store.WaitForSync(ctx))
		testutil.Eventually(t, ctx, "the update to flow", func() error {
			if p, ok := store.Get("ns/a"); !ok || p.Version() != "11" {
				return errors.New("not yet")
			}
			return nil
		})
		a, _ := store.Get("ns/a")
		assert.False(t, bytes.Contains(a.Raw(), []byte(`"spec"`)), "spec dropped: %s", a.Raw())
		assert.False(t, bytes.Contains(a.Raw(), []byte(`"managedFields"`)), "managedFields dropped too")
		assert.Equal(t, "a", a.Name())
		assert.Equal(t, "ua", a.UID())
		v, _ := a.Labels().Get("app")
		assert.Equal(t, "db", v)
		phase, err := a.Status().Phase()
		require.NoError(t, err)
		assert.Equal(t, kinds.PodPhase("Pending"), phase)
		spec, err := kinds.PodSpecOf(a)
		require.NoError(t, err, "an absent spec decodes as an empty one")
		assert.Empty(t, spec.Containers())
		_, err = spec.RestartPolicy()
		var unavailable *sdk.UnavailableError
		assert.ErrorAs(t, err, &unavailable, "a field of the dropped spec is unavailable")
		db, err := store.List(selector.MustParse("app=db"))
		require.NoError(t, err)
		assert.Equal(t, []string{"a"}, names(db))
	})
}

func TestStoreDropFieldsKeepManagedFields(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := testCtx(t)
		f := newFakeAPI(t, stream(true, frame("ADDED", pod("a", "ua", "5")), bookmark("10", true)))
		store := watch.NewStore(f.pods().Source(), watch.StoreOptions{KeepManagedFields: true, DropFields: []string{"spec"}})
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		go store.Run(sctx)
		require.NoError(t, store.WaitForSync(ctx))
		a, ok := store.Get("ns/a")
		require.True(t, ok)
		assert.True(t, bytes.Contains(a.Raw(), []byte(`"managedFields"`)))
		assert.False(t, bytes.Contains(a.Raw(), []byte(`"spec"`)))
	})
}

// TestStoreDropFieldsPaths checks the paths a Store hands its source's
// FieldDropper: the options' and metadata.managedFields unless
// KeepManagedFields; and that only Added and Modified objects are dropped.
func TestStoreDropFieldsPaths(t *testing.T) {
	tests := []struct {
		reason string
		opts   watch.StoreOptions
		want   []string
	}{
		{"managedFields goes with the fields asked for",
			watch.StoreOptions{DropFields: []string{"spec", "status.conditions"}},
			[]string{"spec", "status.conditions", "metadata.managedFields"}},
		{"KeepManagedFields keeps it",
			watch.StoreOptions{DropFields: []string{"spec"}, KeepManagedFields: true}, []string{"spec"}},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := testCtx(t)
				src := &dropSource{memSource: &memSource{rv: "1", items: []Obj{{Name: "a", UID: "ua", RV: "1"}},
					events: []watch.Event[Obj]{{Type: watch.Deleted, Object: Obj{Name: "a", UID: "ua", RV: "2"}}}}}
				store := watch.NewStore[Obj](src, tc.opts)
				var got []string
				done := make(chan error, 1)
				go func() {
					for ev, err := range store.Changes(ctx) {
						if err != nil {
							done <- err
							return
						}
						got = append(got, string(ev.Type)+" "+ev.Object.Annotations["dropped"])
						if ev.Type == watch.Deleted {
							break
						}
					}
					done <- nil
				}()
				synctest.Wait() // subscribed before the store runs
				sctx, stop := context.WithCancel(ctx)
				defer stop()
				go store.Run(sctx)
				require.NoError(t, <-done)
				assert.Equal(t, []string{"ADDED yes", "DELETED "}, got, "the server's Deleted object is passed on whole")
				assert.Equal(t, [][]string{tc.want}, src.calls())
			})
		})
	}
}

func TestStoreDropFieldsErrors(t *testing.T) {
	tests := []struct {
		reason string
		paths  []string
		bad    string // the path the error names
	}{
		{"an empty path", []string{"spec", ""}, ""},
		{"an empty member name before the dot", []string{".a"}, ".a"},
		{"an empty member name after the dot", []string{"spec."}, "spec."},
		{"a path deeper than a member of a top-level object", []string{"spec.template.spec"}, "spec.template.spec"},
		{"the metadata the store keys objects by", []string{"metadata"}, "metadata"},
		{"the name", []string{"metadata.name"}, "metadata.name"},
		{"the namespace", []string{"metadata.namespace"}, "metadata.namespace"},
		{"the UID", []string{"metadata.uid"}, "metadata.uid"},
		{"the resourceVersion", []string{"metadata.resourceVersion"}, "metadata.resourceVersion"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			src := &dropSource{memSource: &memSource{rv: "1"}}
			store := watch.NewStore[Obj](src, watch.StoreOptions{DropFields: tc.paths})
			err := store.Run(t.Context())
			var de *watch.DropFieldError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tc.bad, de.Path)
			assert.Contains(t, err.Error(), `"`+tc.bad+`"`, "the message names the path")
			assert.ErrorIs(t, store.WaitForSync(t.Context()), err, "the store ended before it synced")
			assert.Empty(t, src.calls())
		})
	}
	t.Run("a source that cannot drop fields", func(t *testing.T) {
		store := watch.NewStore[Obj](&memSource{rv: "1"}, watch.StoreOptions{DropFields: []string{"spec"}})
		err := store.Run(t.Context())
		assert.ErrorIs(t, err, watch.ErrNoFieldDropper)
		assert.ErrorIs(t, store.Err(), watch.ErrNoFieldDropper)
	})
	t.Run("an invalid path with a source that cannot drop fields: the path error comes first", func(t *testing.T) {
		store := watch.NewStore[Obj](&memSource{rv: "1"}, watch.StoreOptions{DropFields: []string{"a.b.c"}})
		var de *watch.DropFieldError
		assert.ErrorAs(t, store.Run(t.Context()), &de)
	})
}

// dropSource is a memSource that implements FieldDropper by marking the
// objects it is given, and records the paths.
type dropSource struct {
	*memSource
	mu    sync.Mutex
	paths [][]string
}

func (d *dropSource) DropFields(o Obj, paths []string) Obj {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.paths) == 0 || !slices.Equal(d.paths[len(d.paths)-1], paths) {
		d.paths = append(d.paths, slices.Clone(paths))
	}
	o.Annotations = map[string]string{"dropped": "yes"}
	return o
}

func (d *dropSource) calls() [][]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.paths
}
