package catalog

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// PodDisruptionBudgetStatus holds a PodDisruptionBudget's status
// attributes. Its counters are unavailable until the disruption
// controller first reports status.observedGeneration, and read as zero
// when omitted after that.
type PodDisruptionBudgetStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	w pdbWire
}

type pdbWire struct {
	ObservedGeneration *int64            `json:"observedGeneration"`
	DisruptionsAllowed *int32            `json:"disruptionsAllowed"`
	CurrentHealthy     *int32            `json:"currentHealthy"`
	DesiredHealthy     *int32            `json:"desiredHealthy"`
	ExpectedPods       *int32            `json:"expectedPods"`
	Conditions         []kinds.Condition `json:"conditions"`
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *PodDisruptionBudgetStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

func (s PodDisruptionBudgetStatus) count(p *int32, field string) (int32, error) {
	return counter(p, s.w.ObservedGeneration, "PodDisruptionBudget", "status."+field)
}

// ObservedGeneration returns the generation the controller last acted on.
func (s PodDisruptionBudgetStatus) ObservedGeneration() (int64, error) {
	return num(s.w.ObservedGeneration, "PodDisruptionBudget", "status.observedGeneration")
}

// DisruptionsAllowed returns how many pod disruptions are allowed now.
func (s PodDisruptionBudgetStatus) DisruptionsAllowed() (int32, error) {
	return s.count(s.w.DisruptionsAllowed, "disruptionsAllowed")
}

// CurrentHealthy returns the number of healthy pods.
func (s PodDisruptionBudgetStatus) CurrentHealthy() (int32, error) {
	return s.count(s.w.CurrentHealthy, "currentHealthy")
}

// DesiredHealthy returns the least number of healthy pods wanted.
func (s PodDisruptionBudgetStatus) DesiredHealthy() (int32, error) {
	return s.count(s.w.DesiredHealthy, "desiredHealthy")
}

// ExpectedPods returns the number of pods the budget counts.
func (s PodDisruptionBudgetStatus) ExpectedPods() (int32, error) {
	return s.count(s.w.ExpectedPods, "expectedPods")
}

// Conditions returns the budget's conditions (DisruptionAllowed), empty
// if none.
func (s PodDisruptionBudgetStatus) Conditions() kinds.Conditions {
	return kinds.NewConditions("PodDisruptionBudget", "status.conditions", s.w.Conditions)
}
