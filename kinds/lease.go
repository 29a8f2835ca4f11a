package kinds

import (
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/sdk"
)

// LeaseKind describes coordination.k8s.io/v1 Leases: the records leader
// election and node heartbeats are built on. A Lease has no status
// subresource; its attributes are read from its spec.
var LeaseKind = sdk.MustKind[LeaseStatus](sdk.KindInfo{
	Kind: "Lease", Resource: "leases", Namespaced: true, APIPaths: []string{"apis/coordination.k8s.io/v1"},
})

// Lease is a snapshot of one Lease.
type Lease = sdk.Item[LeaseStatus]

// LeaseStatus holds a Lease's attributes, read from its spec. Every one of
// them may be unset (a released lease has no holder), so each returns an
// error matching sdk.ErrStatusUnavailable when it is.
type LeaseStatus struct {
	sdk.FromObject
	w leaseWire
}

type leaseWire struct {
	Spec struct {
		HolderIdentity       *string    `json:"holderIdentity"`
		LeaseDurationSeconds *int32     `json:"leaseDurationSeconds"`
		AcquireTime          *time.Time `json:"acquireTime"`
		RenewTime            *time.Time `json:"renewTime"`
		LeaseTransitions     *int32     `json:"leaseTransitions"`
	} `json:"spec"`
}

// UnmarshalJSONFrom decodes the lease in one pass.
func (s *LeaseStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// HolderIdentity returns the identity of the lease's current holder
// (spec.holderIdentity); unavailable when nobody holds it.
func (s LeaseStatus) HolderIdentity() (string, error) {
	return str(s.w.Spec.HolderIdentity, "Lease", "spec.holderIdentity")
}

// LeaseDuration returns how long a candidate must wait after the last
// observed renewal before taking the lease over
// (spec.leaseDurationSeconds); unavailable when unset.
func (s LeaseStatus) LeaseDuration() (time.Duration, error) {
	p := s.w.Spec.LeaseDurationSeconds
	if p == nil {
		return 0, unavailable("Lease", "spec.leaseDurationSeconds")
	}
	return time.Duration(*p) * time.Second, nil
}

// AcquireTime returns when the current holder acquired the lease
// (spec.acquireTime); unavailable when unset.
func (s LeaseStatus) AcquireTime() (time.Time, error) {
	return timeAt(s.w.Spec.AcquireTime, "spec.acquireTime")
}

// RenewTime returns when the holder last renewed the lease
// (spec.renewTime), by the holder's clock; unavailable when unset.
func (s LeaseStatus) RenewTime() (time.Time, error) {
	return timeAt(s.w.Spec.RenewTime, "spec.renewTime")
}

// LeaseTransitions returns how many times the lease changed holders
// (spec.leaseTransitions); unavailable when unset.
func (s LeaseStatus) LeaseTransitions() (int32, error) {
	p := s.w.Spec.LeaseTransitions
	if p == nil {
		return 0, unavailable("Lease", "spec.leaseTransitions")
	}
	return *p, nil
}

func timeAt(p *time.Time, field string) (time.Time, error) {
	if p == nil || p.IsZero() {
		return time.Time{}, unavailable("Lease", field)
	}
	return *p, nil
}

func init() { register(LeaseKind) }
