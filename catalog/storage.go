package catalog

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
)

// VolumePhase is the phase of a PersistentVolume or of a
// PersistentVolumeClaim.
type VolumePhase string

// Phases of PersistentVolumeClaims (Pending, Bound, Lost) and of
// PersistentVolumes (Pending, Available, Bound, Released, Failed).
const (
	VolumePending   VolumePhase = "Pending"
	VolumeAvailable VolumePhase = "Available"
	VolumeBound     VolumePhase = "Bound"
	VolumeReleased  VolumePhase = "Released"
	VolumeFailed    VolumePhase = "Failed"
	VolumeLost      VolumePhase = "Lost"
)

// AccessMode is how a volume can be mounted, e.g. ReadWriteOnce.
type AccessMode string

// PersistentVolumeClaimStatus holds a PersistentVolumeClaim's status
// attributes.
type PersistentVolumeClaimStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	w pvcWire
}

type pvcWire struct {
	Phase       *string                   `json:"phase"`
	AccessModes []AccessMode              `json:"accessModes"`
	Capacity    map[string]kinds.Quantity `json:"capacity"`
	Conditions  []kinds.Condition         `json:"conditions"`
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *PersistentVolumeClaimStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// Phase returns the claim's phase (Pending, Bound or Lost).
func (s PersistentVolumeClaimStatus) Phase() (VolumePhase, error) {
	p, err := str(s.w.Phase, "PersistentVolumeClaim", "status.phase")
	return VolumePhase(p), err
}

// Bound reports whether the claim's phase is Bound.
func (s PersistentVolumeClaimStatus) Bound() bool {
	p, err := s.Phase()
	return err == nil && p == VolumeBound
}

// Capacity returns the actual resources of the bound volume (storage),
// empty until the claim is bound.
func (s PersistentVolumeClaimStatus) Capacity() kinds.ResourceList {
	return kinds.NewResourceList("PersistentVolumeClaim", "status.capacity", s.w.Capacity)
}

// AccessModes returns the access modes of the bound volume, empty until
// the claim is bound.
func (s PersistentVolumeClaimStatus) AccessModes() []AccessMode {
	return append([]AccessMode(nil), s.w.AccessModes...)
}

// Conditions returns the claim's conditions (e.g. Resizing), empty if none.
func (s PersistentVolumeClaimStatus) Conditions() kinds.Conditions {
	return kinds.NewConditions("PersistentVolumeClaim", "status.conditions", s.w.Conditions)
}

// PVCBound holds when the claim's phase is Bound (kubectl wait
// --for=jsonpath='{.status.phase}'=Bound).
func PVCBound() watch.Condition[*PersistentVolumeClaim] {
	return watch.Match(func(c *PersistentVolumeClaim) bool { return c.Status().Bound() })
}

// PersistentVolumeStatus holds a PersistentVolume's status attributes.
type PersistentVolumeStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	w pvWire
}

type pvWire struct {
	Phase   *string `json:"phase"`
	Message *string `json:"message"`
	Reason  *string `json:"reason"`
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *PersistentVolumeStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// Phase returns the volume's phase (Pending, Available, Bound, Released
// or Failed).
func (s PersistentVolumeStatus) Phase() (VolumePhase, error) {
	p, err := str(s.w.Phase, "PersistentVolume", "status.phase")
	return VolumePhase(p), err
}

// Message returns the human-readable message about the volume's state.
func (s PersistentVolumeStatus) Message() (string, error) {
	return str(s.w.Message, "PersistentVolume", "status.message")
}

// Reason returns the brief reason for a failed volume.
func (s PersistentVolumeStatus) Reason() (string, error) {
	return str(s.w.Reason, "PersistentVolume", "status.reason")
}
