package controller

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

func decodeItem[S sdk.Status](t *testing.T, k *sdk.Kind[S], raw string) *sdk.Item[S] {
	t.Helper()
	c, err := sdk.New(sdk.Options{URL: "http://fake.invalid"})
	require.NoError(t, err)
	it, err := sdk.DecodeItem(c, k, []byte(raw))
	require.NoError(t, err)
	return it
}

func TestSetControllerReference(t *testing.T) {
	deploy := decodeItem(t, kinds.DeploymentKind, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"a","uid":"u-1"}}`)
	node := decodeItem(t, kinds.NodeKind, `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","uid":"u-n"}}`)
	noUID := decodeItem(t, kinds.DeploymentKind, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"a"}}`)
	webRef := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u-1", "controller": true, "blockOwnerDeletion": true}
	tests := []struct {
		reason   string
		owner    *sdk.Item[kinds.DeploymentStatus]
		child    sdk.AnyKind
		md       map[string]any
		wantErr  error
		wantRefs []any
		wantNS   any
	}{
		{reason: "a namespaced child in the owner's namespace gets the reference", owner: deploy, child: kinds.ServiceKind,
			md: map[string]any{"name": "web", "namespace": "a"}, wantRefs: []any{webRef}, wantNS: "a"},
		{reason: "a namespaced child without a namespace gets the owner's", owner: deploy, child: kinds.ServiceKind,
			md: map[string]any{"name": "web"}, wantRefs: []any{webRef}, wantNS: "a"},
		{reason: "setting the same controller again changes nothing", owner: deploy, child: kinds.ServiceKind,
			md: map[string]any{"name": "web", "ownerReferences": []any{webRef}}, wantRefs: []any{webRef}, wantNS: "a"},
		{reason: "other non-controller owners are kept", owner: deploy, child: kinds.ServiceKind,
			md:       map[string]any{"name": "web", "ownerReferences": []sdk.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "cm", UID: "u-cm"}}},
			wantRefs: []any{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": "cm", "uid": "u-cm"}, webRef}, wantNS: "a"},
		{reason: "a cross-namespace owner is refused", owner: deploy, child: kinds.ServiceKind,
			md: map[string]any{"name": "web", "namespace": "b"}, wantErr: ErrInvalidOwner},
		{reason: "a cluster-scoped child of a namespaced owner is refused", owner: deploy, child: kinds.NamespaceKind,
			md: map[string]any{"name": "web"}, wantErr: ErrInvalidOwner},
		{reason: "a second controller is refused", owner: deploy, child: kinds.ServiceKind,
			md:      map[string]any{"name": "web", "ownerReferences": []any{map[string]any{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "u-2", "controller": true}}},
			wantErr: ErrAlreadyOwned},
		{reason: "an owner without a UID (not read from the server) is refused", owner: noUID, child: kinds.ServiceKind,
			md: map[string]any{"name": "web"}, wantErr: ErrInvalidOwner},
		{reason: "a nil owner is refused, not a panic", owner: nil, child: kinds.ServiceKind,
			md: map[string]any{"name": "web"}, wantErr: ErrInvalidOwner},
		{reason: "a malformed ownerReferences is refused", owner: deploy, child: kinds.ServiceKind,
			md: map[string]any{"name": "web", "ownerReferences": "x"}, wantErr: ErrInvalidOwner},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			obj := map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": tt.md}
			err := SetControllerReference(tt.owner, tt.child, obj)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr, tt.reason)
				var oe *OwnerError
				require.True(t, errors.As(err, &oe))
				assert.NotEmpty(t, oe.Reason)
				return
			}
			require.NoError(t, err, tt.reason)
			assert.Equal(t, tt.wantRefs, tt.md["ownerReferences"], tt.reason)
			assert.Equal(t, tt.wantNS, tt.md["namespace"], tt.reason)
		})
	}

	t.Run("a cluster-scoped owner may own a namespaced child", func(t *testing.T) {
		md := map[string]any{"name": "x", "namespace": "a"}
		require.NoError(t, SetControllerReference(node, kinds.ServiceKind, map[string]any{"metadata": md}))
		assert.Equal(t, []any{map[string]any{"apiVersion": "v1", "kind": "Node", "name": "n1", "uid": "u-n", "controller": true, "blockOwnerDeletion": true}}, md["ownerReferences"])
	})
}

func TestSetOwnerReference(t *testing.T) {
	deploy := decodeItem(t, kinds.DeploymentKind, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"a","uid":"u-1"}}`)
	other := map[string]any{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "u-2", "controller": true}
	md := map[string]any{"name": "web", "ownerReferences": []any{other}}
	require.NoError(t, SetOwnerReference(deploy, kinds.ServiceKind, map[string]any{"metadata": md}), "a plain owner beside another controller is fine")
	assert.Equal(t, []any{other, map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u-1"}}, md["ownerReferences"])
	require.NoError(t, SetOwnerReference(deploy, kinds.ServiceKind, map[string]any{"metadata": md}))
	assert.Len(t, md["ownerReferences"], 2, "setting it twice adds no duplicate")
	require.ErrorIs(t, SetOwnerReference(deploy, kinds.ServiceKind, map[string]any{"metadata": map[string]any{"namespace": "b"}}), ErrInvalidOwner)
}

// putObject gives the named lease these finalizers, as another client
// would, and deletes it when deleting (the server then sets its
// deletionTimestamp and keeps it while finalizers remain).
func (f *fakeLeases) putObject(name string, finalizers []any, deleting bool) {
	f.put(name, func(o map[string]any) {
		md := o["metadata"].(map[string]any)
		if finalizers != nil {
			md["finalizers"] = finalizers
		} else {
			delete(md, "finalizers")
		}
	})
	if deleting {
		_, err := f.raw.Proxy().Delete(context.Background(), "/apis/"+leaseAPIVersion+"/namespaces/"+f.ns+"/leases/"+name, nil, nil)
		require.NoError(f.t, err, "delete lease %s", name)
	}
}

// finalizers returns the named lease's finalizers, nil if it has none or
// is gone.
func (f *fakeLeases) finalizers(name string) any {
	md, _ := f.object(name)["metadata"].(map[string]any)
	return md["finalizers"]
}

func TestFinalizers(t *testing.T) {
	ctx := context.Background()
	f := newFakeLeases(t, "ns")
	leases := sdk.NewView(f.client(t), kinds.LeaseKind).In("ns")
	f.putObject("l", []any{"other"}, false)
	stale, err := leases.Get(ctx, "l")
	require.NoError(t, err)
	f.putObject("l", []any{"other", "third"}, false) // another writer: the snapshot is stale

	it, err := AddFinalizer(ctx, stale, "example.com/f", sdk.RetryOptions{})
	require.NoError(t, err, "a conflict is retried on a fresh read")
	assert.Equal(t, []any{"other", "third", "example.com/f"}, f.finalizers("l"), "the other writer's finalizer is kept")
	assert.True(t, HasFinalizer(it.Meta(), "example.com/f"))
	puts := f.putCount()
	_, err = AddFinalizer(ctx, it, "example.com/f", sdk.RetryOptions{})
	require.NoError(t, err)
	assert.Equal(t, puts, f.putCount(), "adding a finalizer that is there writes nothing")

	it, err = RemoveFinalizer(ctx, it, "example.com/f", sdk.RetryOptions{})
	require.NoError(t, err)
	assert.Equal(t, []any{"other", "third"}, f.finalizers("l"))
	assert.False(t, HasFinalizer(it.Meta(), "example.com/f"))

	f.putObject("gone", []any{"other"}, true) // being deleted, held by another finalizer
	d, err := leases.Get(ctx, "gone")
	require.NoError(t, err)
	_, err = AddFinalizer(ctx, d, "example.com/f", sdk.RetryOptions{})
	require.ErrorIs(t, err, ErrDeleting, "no finalizer is added to an object being deleted")

	_, err = AddFinalizer[kinds.LeaseStatus](ctx, nil, "x", sdk.RetryOptions{})
	require.ErrorIs(t, err, ErrInvalidOptions)
}

func TestFinalizerHandle(t *testing.T) {
	ctx := context.Background()
	f := newFakeLeases(t, "ns")
	leases := sdk.NewView(f.client(t), kinds.LeaseKind).In("ns")
	var cleanups atomic.Int32
	failCleanup := true
	fin, err := NewFinalizer(leases.Kind().Kind+"/f", func(ctx context.Context, it *kinds.Lease) error {
		cleanups.Add(1)
		if failCleanup {
			failCleanup = false
			return errors.New("external system down")
		}
		return nil
	}, sdk.RetryOptions{Attempts: 2})
	require.NoError(t, err)
	name := fin.Name()

	f.putObject("l", nil, false)
	it, err := leases.Get(ctx, "l")
	require.NoError(t, err)
	_, deleting, err := fin.Handle(ctx, it)
	require.NoError(t, err)
	assert.False(t, deleting)
	assert.Equal(t, []any{name}, f.finalizers("l"), "a live object gets the finalizer")

	f.putObject("l", []any{name}, true) // deleted
	it, err = leases.Get(ctx, "l")
	require.NoError(t, err)
	staleIt := it
	_, deleting, err = fin.Handle(ctx, it)
	require.Error(t, err, "a failing cleanup is an error, to retry")
	assert.True(t, deleting)
	assert.Equal(t, []any{name}, f.finalizers("l"), "the finalizer stays until cleanup succeeds")

	f.setDown(true) // cleanup succeeds, but the removal fails
	_, _, err = fin.Handle(ctx, it)
	require.Error(t, err)
	assert.Equal(t, int32(2), cleanups.Load())
	f.setDown(false)
	_, deleting, err = fin.Handle(ctx, it)
	require.NoError(t, err)
	assert.True(t, deleting)
	assert.Equal(t, int32(2), cleanups.Load(), "a retry after a successful cleanup only removes the finalizer")
	assert.Nil(t, f.finalizers("l"))

	_, err = leases.Get(ctx, "l")
	require.ErrorIs(t, err, sdk.ErrNotFound, "its last finalizer removed, the deleted object is gone")

	f.putObject("m", []any{"other"}, true) // being deleted, held by another finalizer only
	it, err = leases.Get(ctx, "m")
	require.NoError(t, err)
	_, deleting, err = fin.Handle(ctx, it)
	require.NoError(t, err)
	assert.True(t, deleting)
	assert.Equal(t, int32(2), cleanups.Load(), "without our finalizer, nothing runs")
	assert.Equal(t, []any{"other"}, f.finalizers("m"), "and nothing is written")

	_, deleting, err = fin.Handle(ctx, staleIt)
	require.NoError(t, err)
	assert.True(t, deleting)
	assert.Equal(t, int32(2), cleanups.Load(), "a stale snapshot that still shows the finalizer does not run cleanup again")

	_, err = NewFinalizer[kinds.LeaseStatus]("", nil, sdk.RetryOptions{})
	require.ErrorIs(t, err, ErrInvalidOptions)
}
