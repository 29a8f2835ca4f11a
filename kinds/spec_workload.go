package kinds

import (
	"maps"
	"slices"

	"github.com/kube-for-go/kube/selector"
)

// WorkloadSpec is the spec of a workload that runs pods from a template:
// a Deployment, ReplicaSet, DaemonSet (DeploymentSpecOf, ...) or a
// StatefulSet (package catalog), decoded on demand.
type WorkloadSpec struct {
	kind string
	w    workloadWire
}

type workloadWire struct {
	Replicas        *int32         `json:"replicas"`
	MinReadySeconds *int32         `json:"minReadySeconds"`
	Selector        *LabelSelector `json:"selector"`
	Template        struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec podSpecWire `json:"spec"`
	} `json:"template"`
	Strategy       *strategyWire `json:"strategy"`       // Deployment
	UpdateStrategy *strategyWire `json:"updateStrategy"` // DaemonSet, StatefulSet
}

type strategyWire struct {
	Type          string `json:"type"`
	RollingUpdate *struct {
		MaxSurge       *IntOrString `json:"maxSurge"`
		MaxUnavailable *IntOrString `json:"maxUnavailable"`
		Partition      *int32       `json:"partition"`
	} `json:"rollingUpdate"`
}

// DecodeWorkloadSpec decodes the spec of a workload of the given kind
// from the object's JSON (an item's Raw): what the XxxSpecOf functions of
// this package and of package catalog do.
func DecodeWorkloadSpec(kind string, raw []byte) (WorkloadSpec, error) {
	s := WorkloadSpec{kind: kind}
	return s, decodeSpec(kind, raw, &s.w)
}

func workloadSpecOf[S interface{ Raw() []byte }](kind string, it S, isNil bool) (WorkloadSpec, error) {
	if isNil {
		return WorkloadSpec{kind: kind}, specError(kind, errNilItem)
	}
	return DecodeWorkloadSpec(kind, it.Raw())
}

// DeploymentSpecOf decodes the spec of a Deployment.
func DeploymentSpecOf(d *Deployment) (WorkloadSpec, error) {
	return workloadSpecOf("Deployment", d, d == nil)
}

// ReplicaSetSpecOf decodes the spec of a ReplicaSet.
func ReplicaSetSpecOf(r *ReplicaSet) (WorkloadSpec, error) {
	return workloadSpecOf("ReplicaSet", r, r == nil)
}

// DaemonSetSpecOf decodes the spec of a DaemonSet (which has no replica
// count: Replicas is unavailable).
func DaemonSetSpecOf(d *DaemonSet) (WorkloadSpec, error) {
	return workloadSpecOf("DaemonSet", d, d == nil)
}

// Replicas returns spec.replicas, the desired number of pods (the server
// defaults it to 1); unavailable for a DaemonSet.
func (s WorkloadSpec) Replicas() (int32, error) {
	if s.w.Replicas == nil {
		return 0, unavailable(s.kind, "spec.replicas")
	}
	return *s.w.Replicas, nil
}

// MinReadySeconds returns how long a new pod must be ready to count as
// available; zero when unset.
func (s WorkloadSpec) MinReadySeconds() int32 {
	if s.w.MinReadySeconds == nil {
		return 0
	}
	return *s.w.MinReadySeconds
}

// Selector returns the label selector of the workload's pods (empty when
// unset: the server requires it for every apps/v1 workload).
func (s WorkloadSpec) Selector() LabelSelector {
	if s.w.Selector == nil {
		return LabelSelector{}
	}
	return s.w.Selector.clone()
}

// TemplateLabels returns a copy of the labels of the pod template, empty
// if none.
func (s WorkloadSpec) TemplateLabels() map[string]string {
	out := make(map[string]string, len(s.w.Template.Metadata.Labels))
	maps.Copy(out, s.w.Template.Metadata.Labels)
	return out
}

// Template returns the spec of the pod template (containers, volumes,
// ...), whose errors name "spec.template.spec".
func (s WorkloadSpec) Template() PodSpec {
	return PodSpec{kind: s.kind, field: "spec.template.spec", w: s.w.Template.Spec}
}

// Strategy is how a workload replaces its pods: spec.strategy of a
// Deployment, spec.updateStrategy of a DaemonSet or StatefulSet. A part
// left unset is empty or nil.
type Strategy struct {
	// Type is RollingUpdate, Recreate (Deployment) or OnDelete
	// (DaemonSet, StatefulSet); "" when unset.
	Type string
	// MaxSurge and MaxUnavailable bound a rolling update (a count or a
	// percentage); nil when unset.
	MaxSurge, MaxUnavailable *IntOrString
	// Partition is a StatefulSet's rolling update partition; nil when
	// unset.
	Partition *int32
}

// Strategy returns the workload's update strategy; a ReplicaSet has none
// (the zero Strategy).
func (s WorkloadSpec) Strategy() Strategy {
	w := s.w.Strategy
	if w == nil {
		w = s.w.UpdateStrategy
	}
	if w == nil {
		return Strategy{}
	}
	out := Strategy{Type: w.Type}
	if ru := w.RollingUpdate; ru != nil {
		if ru.MaxSurge != nil {
			v := *ru.MaxSurge
			out.MaxSurge = &v
		}
		if ru.MaxUnavailable != nil {
			v := *ru.MaxUnavailable
			out.MaxUnavailable = &v
		}
		if ru.Partition != nil {
			v := *ru.Partition
			out.Partition = &v
		}
	}
	return out
}

// LabelSelector is a workload's (or a PodDisruptionBudget's) selector of
// pods, as written in its spec: labels to match and set-based
// expressions. Selector converts it to a selector.Selector.
type LabelSelector struct {
	MatchLabels      map[string]string          `json:"matchLabels,omitempty"`
	MatchExpressions []LabelSelectorRequirement `json:"matchExpressions,omitempty"`
}

// LabelSelectorRequirement is one set-based expression of a LabelSelector.
type LabelSelectorRequirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"` // In, NotIn, Exists or DoesNotExist
	Values   []string `json:"values,omitempty"`
}

func (l LabelSelector) clone() LabelSelector {
	out := LabelSelector{MatchLabels: maps.Clone(l.MatchLabels)}
	for _, r := range l.MatchExpressions {
		out.MatchExpressions = append(out.MatchExpressions, LabelSelectorRequirement{Key: r.Key, Operator: r.Operator, Values: slices.Clone(r.Values)})
	}
	return out
}

// Selector returns the selector.Selector that selects what l selects (an
// empty LabelSelector selects everything, as the API server reads it). A
// key, value or operator the selector package rejects is an error (a
// *selector.ValidationError).
func (l LabelSelector) Selector() (selector.Selector, error) {
	var reqs []selector.Requirement
	for _, k := range slices.Sorted(maps.Keys(l.MatchLabels)) {
		r, err := selector.NewRequirement(k, selector.Equals, l.MatchLabels[k])
		if err != nil {
			return selector.Selector{}, err
		}
		reqs = append(reqs, r)
	}
	ops := map[string]selector.Operator{"In": selector.In, "NotIn": selector.NotIn, "Exists": selector.Exists, "DoesNotExist": selector.DoesNotExist}
	for _, e := range l.MatchExpressions {
		op, ok := ops[e.Operator]
		if !ok {
			op = selector.Operator(e.Operator) // rejected by NewRequirement
		}
		r, err := selector.NewRequirement(e.Key, op, e.Values...)
		if err != nil {
			return selector.Selector{}, err
		}
		reqs = append(reqs, r)
	}
	return selector.And(reqs...), nil
}
