package kinds_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

func TestLeaseAccessors(t *testing.T) {
	held := `{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l","namespace":"ns"},
	"spec":{"holderIdentity":"pod-a","leaseDurationSeconds":15,"acquireTime":"2026-12-01T10:00:00.123456Z",
	"renewTime":"2026-12-01T10:05:02.500000Z","leaseTransitions":3}}`
	it, err := sdk.DecodeItem(nil, kinds.LeaseKind, []byte(held))
	require.NoError(t, err)
	st := it.Status()

	h, err := st.HolderIdentity()
	require.NoError(t, err)
	assert.Equal(t, "pod-a", h)
	d, err := st.LeaseDuration()
	require.NoError(t, err)
	assert.Equal(t, 15*time.Second, d)
	at, err := st.AcquireTime()
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 12, 1, 10, 0, 0, 123456000, time.UTC), at.UTC(), "MicroTime keeps its microseconds")
	rt, err := st.RenewTime()
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 12, 1, 10, 5, 2, 500000000, time.UTC), rt.UTC())
	n, err := st.LeaseTransitions()
	require.NoError(t, err)
	assert.Equal(t, int32(3), n)

	// A released lease: every attribute unavailable, and the error says which.
	released, err := sdk.DecodeItem(nil, kinds.LeaseKind, []byte(`{"kind":"Lease","metadata":{"name":"l","namespace":"ns"},"spec":{"holderIdentity":""}}`))
	require.NoError(t, err)
	rs := released.Status()
	for _, tc := range []struct {
		field  string
		reason string
		call   func() error
	}{
		{"spec.holderIdentity", "an empty holder is no holder", func() error { _, err := rs.HolderIdentity(); return err }},
		{"spec.leaseDurationSeconds", "absent", func() error { _, err := rs.LeaseDuration(); return err }},
		{"spec.acquireTime", "absent", func() error { _, err := rs.AcquireTime(); return err }},
		{"spec.renewTime", "absent", func() error { _, err := rs.RenewTime(); return err }},
		{"spec.leaseTransitions", "absent", func() error { _, err := rs.LeaseTransitions(); return err }},
	} {
		err := tc.call()
		require.ErrorIs(t, err, sdk.ErrStatusUnavailable, tc.reason)
		var ue *sdk.UnavailableError
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, "Lease", ue.Kind)
		assert.Equal(t, tc.field, ue.Field, tc.reason)
	}
}

func TestLeaseKindRegistered(t *testing.T) {
	k, ok := sdk.Lookup("coordination.k8s.io/v1", "Lease")
	require.True(t, ok, "Lease is registered when the package loads")
	assert.Same(t, sdk.AnyKind(kinds.LeaseKind), k)
	info := kinds.LeaseKind.Info()
	assert.True(t, info.Namespaced)
	assert.Equal(t, "leases", info.Resource)
	assert.Equal(t, "Lease.coordination.k8s.io", kinds.LeaseKind.String())
}

// FuzzLeaseAccessors decodes arbitrary bytes as a Lease and calls every
// accessor: nothing panics and every error follows the package's rule.
func FuzzLeaseAccessors(f *testing.F) {
	f.Add([]byte(`{"kind":"Lease","metadata":{"name":"l"},"spec":{"holderIdentity":"a","leaseDurationSeconds":15,"renewTime":"2026-12-01T10:05:02.5Z","leaseTransitions":1}}`))
	f.Add([]byte(`{"kind":"Lease","metadata":{"name":"l"},"spec":{"acquireTime":null,"leaseDurationSeconds":-1}}`))
	f.Add([]byte(`{"kind":"Lease","metadata":{"name":"l"},"spec":null}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkAccessors(t, kinds.LeaseKind, raw)
	})
}
