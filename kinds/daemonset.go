package kinds

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/sdk"
)

// DaemonSetKind describes DaemonSets.
var DaemonSetKind = sdk.MustKind[DaemonSetStatus](sdk.KindInfo{
	Kind: "DaemonSet", Resource: "daemonsets", Namespaced: true, APIPaths: []string{"apis/apps/v1", "apis/extensions/v1beta1"},
})

// DaemonSet is a snapshot of one DaemonSet (the seed's DaemonSetItem).
type DaemonSet = sdk.Item[DaemonSetStatus]

// DaemonSetStatus holds a DaemonSet's status attributes. Counters are
// unavailable until the controller reports status.observedGeneration.
type DaemonSetStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	w daemonSetWire
}

type daemonSetWire struct {
	ObservedGeneration     *int64      `json:"observedGeneration"`
	CurrentNumberScheduled *int64      `json:"currentNumberScheduled"`
	DesiredNumberScheduled *int64      `json:"desiredNumberScheduled"`
	NumberMisscheduled     *int64      `json:"numberMisscheduled"`
	NumberReady            *int64      `json:"numberReady"`
	UpdatedNumberScheduled *int64      `json:"updatedNumberScheduled"`
	NumberAvailable        *int64      `json:"numberAvailable"`
	NumberUnavailable      *int64      `json:"numberUnavailable"`
	Conditions             []Condition `json:"conditions"`
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *DaemonSetStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

func (s DaemonSetStatus) count(p *int64, field string) (int64, error) {
	return counter(p, s.w.ObservedGeneration, "DaemonSet", "status."+field)
}

// ObservedGeneration returns the generation the controller last acted on.
func (s DaemonSetStatus) ObservedGeneration() (int64, error) {
	if s.w.ObservedGeneration == nil {
		return 0, unavailable("DaemonSet", "status.observedGeneration")
	}
	return *s.w.ObservedGeneration, nil
}

// CurrentNumberScheduled returns the number of nodes running at least one
// daemon pod that should run it.
func (s DaemonSetStatus) CurrentNumberScheduled() (int64, error) {
	return s.count(s.w.CurrentNumberScheduled, "currentNumberScheduled")
}

// DesiredNumberScheduled returns the number of nodes that should run the daemon pod.
func (s DaemonSetStatus) DesiredNumberScheduled() (int64, error) {
	return s.count(s.w.DesiredNumberScheduled, "desiredNumberScheduled")
}

// NumberMisscheduled returns the number of nodes running the daemon pod
// that should not.
func (s DaemonSetStatus) NumberMisscheduled() (int64, error) {
	return s.count(s.w.NumberMisscheduled, "numberMisscheduled")
}

// NumberReady returns the number of nodes with a ready daemon pod.
func (s DaemonSetStatus) NumberReady() (int64, error) { return s.count(s.w.NumberReady, "numberReady") }

// UpdatedNumberScheduled returns the number of nodes running the updated daemon pod.
func (s DaemonSetStatus) UpdatedNumberScheduled() (int64, error) {
	return s.count(s.w.UpdatedNumberScheduled, "updatedNumberScheduled")
}

// NumberAvailable returns the number of nodes with an available daemon pod.
func (s DaemonSetStatus) NumberAvailable() (int64, error) {
	return s.count(s.w.NumberAvailable, "numberAvailable")
}

// NumberUnavailable returns the number of nodes without an available daemon pod.
func (s DaemonSetStatus) NumberUnavailable() (int64, error) {
	return s.count(s.w.NumberUnavailable, "numberUnavailable")
}

// Conditions returns the DaemonSet's conditions, empty if none.
func (s DaemonSetStatus) Conditions() Conditions {
	return conditionsOf("DaemonSet", "status.conditions", s.w.Conditions)
}

func init() { register(DaemonSetKind) }
