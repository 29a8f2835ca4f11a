package watch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
	"github.com/kube-for-go/kube/watch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestE2EStoreDropsSpec caches real pods without their spec: the cached
// items have no spec, their metadata, labels and status read as a fresh
// read's, and updates (a label, a deletion) flow.
func TestE2EStoreDropsSpec(t *testing.T) {
	tc := testutil.Shared(t)
	e := newEnv(t, tc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, n := range []string{"a", "b"} {
		require.NoError(t, e.createPod(ctx, n, tc.Nodes[0], map[string]string{"app": "d"}))
	}
	// Compare once kwok has reported the pods Running (no more updates).
	for _, n := range []string{"a", "b"} {
		_, err := watch.WaitFor(ctx, e.c.Pods.In(e.ns).ObjectSource(n), kinds.PodIsRunning())
		require.NoError(t, err)
	}
	store := watch.NewStore(e.c.Pods.In(e.ns).Source(), watch.StoreOptions{DropFields: []string{"spec"}})
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go store.Run(sctx)
	require.NoError(t, store.WaitForSync(ctx))

	var full, cached *kinds.Pod
	testutil.Eventually(t, ctx, "the store and a fresh read at the same version", func() error {
		var err error
		if full, err = e.c.Pods.In(e.ns).Get(ctx, "a"); err != nil {
			return err
		}
		var ok bool
		if cached, ok = store.Get(e.ns + "/a"); !ok || cached.Version() != full.Version() {
			return errors.New("versions differ")
		}
		return nil
	})
	require.True(t, bytes.Contains(full.Raw(), []byte(`"spec"`)), "the server sends a spec")
	assert.False(t, bytes.Contains(cached.Raw(), []byte(`"spec"`)), "no spec cached")
	assert.False(t, bytes.Contains(cached.Raw(), []byte(`"managedFields"`)), "no managedFields cached")
	assert.Equal(t, map[string]any{}, cached.Spec())
	fm, cm := full.Meta(), cached.Meta()
	assert.Equal(t, fm.Labels.Map(), cm.Labels.Map())
	assert.Equal(t, fm.Annotations.Map(), cm.Annotations.Map())
	fm.Labels, fm.Annotations, cm.Labels, cm.Annotations = sdk.Labels{}, sdk.Labels{}, sdk.Labels{}, sdk.Labels{}
	assert.Equal(t, fm, cm, "the metadata reads as a fresh read's")
	assert.Equal(t, full.Labels().Map(), cached.Labels().Map())
	assert.Equal(t, full.Status(), cached.Status(), "the status reads as a fresh read's")
	phase, err := cached.Status().Phase()
	require.NoError(t, err)
	assert.Equal(t, kinds.PodRunning, phase)
	_, err = kinds.PodSpecOf(full)
	require.NoError(t, err)
	spec, err := kinds.PodSpecOf(cached)
	require.NoError(t, err)
	_, err = spec.NodeName()
	var unavailable *sdk.UnavailableError
	assert.ErrorAs(t, err, &unavailable, "the node of a dropped spec is unavailable")
	assert.Empty(t, spec.Containers())
	t.Logf("raw JSON of a real pod: %d bytes as sent, %d bytes cached without spec and managedFields", len(full.Raw()), len(cached.Raw()))

	require.NoError(t, e.labelPod(ctx, "b", "app", "e"))
	testutil.Eventually(t, ctx, "the label update in the store", func() error {
		got, err := store.List(selector.MustParse("app=e"))
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0].Name() != "b" {
			return fmt.Errorf("app=e lists %v", names(got))
		}
		return nil
	})
	b, _ := store.Get(e.ns + "/b")
	assert.False(t, bytes.Contains(b.Raw(), []byte(`"spec"`)), "an updated object is cached without spec too")
	require.NoError(t, e.deletePod(ctx, "a"))
	testutil.Eventually(t, ctx, "the deletion in the store", func() error {
		if _, ok := store.Get(e.ns + "/a"); ok {
			return errors.New("still cached")
		}
		return nil
	})
	d, err := storeDiff(ctx, e, store)
	require.NoError(t, err)
	assert.Empty(t, d, "the store equals a fresh list")
	assert.NoError(t, store.Err())
}
