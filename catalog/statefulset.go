package catalog

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
)

// StatefulSetStatus holds a StatefulSet's status attributes and the
// desired replica count and update strategy of its spec. Replica counters
// are unavailable until the controller first reports
// status.observedGeneration and read as zero when omitted after that (the
// rule of package kinds).
type StatefulSetStatus struct {
	sdk.FromObject
	sdk.HasStatus
	sdk.HasScale
	w statefulSetWire
}

type statefulSetWire struct {
	Spec struct {
		Replicas       *int32 `json:"replicas"`
		UpdateStrategy struct {
			Type          string `json:"type"`
			RollingUpdate *struct {
				Partition *int32 `json:"partition"`
			} `json:"rollingUpdate"`
		} `json:"updateStrategy"`
	} `json:"spec"`
	Status struct {
		ObservedGeneration *int64            `json:"observedGeneration"`
		Replicas           *int32            `json:"replicas"`
		ReadyReplicas      *int32            `json:"readyReplicas"`
		CurrentReplicas    *int32            `json:"currentReplicas"`
		UpdatedReplicas    *int32            `json:"updatedReplicas"`
		AvailableReplicas  *int32            `json:"availableReplicas"`
		CurrentRevision    *string           `json:"currentRevision"`
		UpdateRevision     *string           `json:"updateRevision"`
		CollisionCount     *int32            `json:"collisionCount"`
		Conditions         []kinds.Condition `json:"conditions"`
	} `json:"status"`
}

// UnmarshalJSONFrom decodes the StatefulSet in one pass.
func (s *StatefulSetStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

func (s StatefulSetStatus) count(p *int32, field string) (int32, error) {
	return counter(p, s.w.Status.ObservedGeneration, "StatefulSet", "status."+field)
}

// DesiredReplicas returns spec.replicas (the server defaults it to 1).
func (s StatefulSetStatus) DesiredReplicas() (int32, error) {
	return num(s.w.Spec.Replicas, "StatefulSet", "spec.replicas")
}

// ObservedGeneration returns the generation the controller last acted on.
func (s StatefulSetStatus) ObservedGeneration() (int64, error) {
	return num(s.w.Status.ObservedGeneration, "StatefulSet", "status.observedGeneration")
}

// ObservedReplicas returns status.replicas: the pods the controller created.
func (s StatefulSetStatus) ObservedReplicas() (int32, error) {
	return s.count(s.w.Status.Replicas, "replicas")
}

// ReadyReplicas returns the number of pods with a Ready condition.
func (s StatefulSetStatus) ReadyReplicas() (int32, error) {
	return s.count(s.w.Status.ReadyReplicas, "readyReplicas")
}

// CurrentReplicas returns the number of pods at the current revision.
func (s StatefulSetStatus) CurrentReplicas() (int32, error) {
	return s.count(s.w.Status.CurrentReplicas, "currentReplicas")
}

// UpdatedReplicas returns the number of pods at the update revision.
func (s StatefulSetStatus) UpdatedReplicas() (int32, error) {
	return s.count(s.w.Status.UpdatedReplicas, "updatedReplicas")
}

// AvailableReplicas returns the number of pods ready for at least
// minReadySeconds.
func (s StatefulSetStatus) AvailableReplicas() (int32, error) {
	return s.count(s.w.Status.AvailableReplicas, "availableReplicas")
}

// CollisionCount returns the count of hash collisions of the StatefulSet's
// revisions.
func (s StatefulSetStatus) CollisionCount() (int32, error) {
	return s.count(s.w.Status.CollisionCount, "collisionCount")
}

// CurrentRevision returns the revision of the pods 0 to
// currentReplicas-1.
func (s StatefulSetStatus) CurrentRevision() (string, error) {
	return str(s.w.Status.CurrentRevision, "StatefulSet", "status.currentRevision")
}

// UpdateRevision returns the revision the controller rolls pods to.
func (s StatefulSetStatus) UpdateRevision() (string, error) {
	return str(s.w.Status.UpdateRevision, "StatefulSet", "status.updateRevision")
}

// Conditions returns the StatefulSet's conditions, empty if none.
func (s StatefulSetStatus) Conditions() kinds.Conditions {
	return kinds.NewConditions("StatefulSet", "status.conditions", s.w.Status.Conditions)
}

// RolledOut reports whether the rolling update of generation gen is
// complete, as `kubectl rollout status` decides: the controller observed
// gen, every desired replica is ready, and either the update revision
// reached every pod (current and update revisions are equal) or, with a
// partition, every pod at or above the partition is updated. It is false
// for the OnDelete strategy, whose rollout the controller does not drive.
func (s StatefulSetStatus) RolledOut(gen int64) bool {
	og, err := s.ObservedGeneration()
	if err != nil || og < gen || s.w.Spec.UpdateStrategy.Type == "OnDelete" {
		return false
	}
	want, err := s.DesiredReplicas()
	if err != nil {
		return false
	}
	if ready, err := s.ReadyReplicas(); err != nil || ready < want {
		return false
	}
	if ru := s.w.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil && *ru.Partition > 0 {
		updated, err := s.UpdatedReplicas()
		return err == nil && updated >= want-*ru.Partition
	}
	cur, err1 := s.CurrentRevision()
	upd, err2 := s.UpdateRevision()
	return err1 == nil && err2 == nil && cur == upd
}

// StatefulSetRolledOut holds when the rollout of the StatefulSet's current
// generation is complete (kubectl rollout status; see
// StatefulSetStatus.RolledOut).
func StatefulSetRolledOut() watch.Condition[*StatefulSet] {
	return watch.Match(func(s *StatefulSet) bool { return s.Status().RolledOut(s.Meta().Generation) })
}

// StatefulSetSpec is a StatefulSet's spec, decoded on demand
// (StatefulSetSpecOf): the workload attributes it shares with
// Deployments (replicas, selector, template, update strategy with its
// partition) and its own.
type StatefulSetSpec struct {
	kinds.WorkloadSpec
	w struct {
		ServiceName         *string `json:"serviceName"`
		PodManagementPolicy *string `json:"podManagementPolicy"`
	}
}

// StatefulSetSpecOf decodes the spec of a StatefulSet.
func StatefulSetSpecOf(s *StatefulSet) (StatefulSetSpec, error) {
	if s == nil {
		return StatefulSetSpec{}, &sdk.DecodeError{Path: "StatefulSet.spec", Offset: -1, Reason: "nil item"}
	}
	raw := s.Raw()
	ws, err := kinds.DecodeWorkloadSpec("StatefulSet", raw)
	if err != nil {
		return StatefulSetSpec{}, err
	}
	out := StatefulSetSpec{WorkloadSpec: ws}
	var obj struct {
		Spec any `json:"spec"`
	}
	obj.Spec = &out.w
	if err := json.Unmarshal(raw, &obj, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)); err != nil {
		return StatefulSetSpec{}, &sdk.DecodeError{Path: "StatefulSet.spec", Offset: -1, Reason: "unexpected spec", Err: err}
	}
	return out, nil
}

// ServiceName returns the headless Service that gives the pods their
// network identity (optional since Kubernetes 1.33).
func (s StatefulSetSpec) ServiceName() (string, error) {
	return str(s.w.ServiceName, "StatefulSet", "spec.serviceName")
}

// PodManagementPolicy returns OrderedReady or Parallel (the server
// defaults it to OrderedReady).
func (s StatefulSetSpec) PodManagementPolicy() (string, error) {
	return str(s.w.PodManagementPolicy, "StatefulSet", "spec.podManagementPolicy")
}
