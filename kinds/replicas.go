package kinds

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/kube-for-go/kube/sdk"
)

// replicaWire is the shared status of ReplicaSets, ReplicationControllers
// and Deployments, plus the desired count from the spec.
type replicaWire struct {
	Spec struct {
		Replicas *int64 `json:"replicas"`
	} `json:"spec"`
	Status struct {
		ObservedGeneration   *int64      `json:"observedGeneration"`
		Replicas             *int64      `json:"replicas"`
		FullyLabeledReplicas *int64      `json:"fullyLabeledReplicas"`
		ReadyReplicas        *int64      `json:"readyReplicas"`
		AvailableReplicas    *int64      `json:"availableReplicas"`
		UpdatedReplicas      *int64      `json:"updatedReplicas"`
		UnavailableReplicas  *int64      `json:"unavailableReplicas"`
		TerminatingReplicas  *int64      `json:"terminatingReplicas"`
		CollisionCount       *int64      `json:"collisionCount"`
		Conditions           []Condition `json:"conditions"`
	} `json:"status"`
}

// ReplicaStatus holds the replica counters shared by ReplicaSets,
// ReplicationControllers and Deployments, and the desired replica count of
// the spec. Counters are unavailable until the controller first reports
// status.observedGeneration (see the package doc).
type ReplicaStatus struct {
	sdk.FromObject
	sdk.HasStatus
	sdk.HasScale
	kind string
	w    replicaWire
}

func (s *ReplicaStatus) decode(dec *jsontext.Decoder, kind string) error {
	s.kind = kind
	return json.UnmarshalDecode(dec, &s.w)
}

func (s ReplicaStatus) count(p *int64, field string) (int64, error) {
	return counter(p, s.w.Status.ObservedGeneration, s.kind, "status."+field)
}

// DesiredReplicas returns spec.replicas. The server defaults it to 1, so
// it is unavailable only in an object that did not come from the server.
func (s ReplicaStatus) DesiredReplicas() (int64, error) {
	if s.w.Spec.Replicas == nil {
		return 0, unavailable(s.kind, "spec.replicas")
	}
	return *s.w.Spec.Replicas, nil
}

// ObservedGeneration returns the generation the controller last acted on.
func (s ReplicaStatus) ObservedGeneration() (int64, error) {
	if s.w.Status.ObservedGeneration == nil {
		return 0, unavailable(s.kind, "status.observedGeneration")
	}
	return *s.w.Status.ObservedGeneration, nil
}

// ObservedReplicas returns status.replicas: the number of replicas the
// controller observed (for a Deployment, its non-terminated pods).
func (s ReplicaStatus) ObservedReplicas() (int64, error) {
	return s.count(s.w.Status.Replicas, "replicas")
}

// ReadyReplicas returns the number of ready replicas.
func (s ReplicaStatus) ReadyReplicas() (int64, error) {
	return s.count(s.w.Status.ReadyReplicas, "readyReplicas")
}

// AvailableReplicas returns the number of replicas ready for at least minReadySeconds.
func (s ReplicaStatus) AvailableReplicas() (int64, error) {
	return s.count(s.w.Status.AvailableReplicas, "availableReplicas")
}

// Conditions returns the controller's conditions, empty if none.
func (s ReplicaStatus) Conditions() Conditions {
	return conditionsOf(s.kind, "status.conditions", s.w.Status.Conditions)
}
