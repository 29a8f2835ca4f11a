package catalog

import (
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// HorizontalPodAutoscalerStatus holds an autoscaling/v2
// HorizontalPodAutoscaler's status attributes.
type HorizontalPodAutoscalerStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	w hpaWire
}

type hpaWire struct {
	ObservedGeneration *int64            `json:"observedGeneration"`
	LastScaleTime      *time.Time        `json:"lastScaleTime"`
	CurrentReplicas    *int32            `json:"currentReplicas"`
	DesiredReplicas    *int32            `json:"desiredReplicas"`
	CurrentMetrics     []metricWire      `json:"currentMetrics"`
	Conditions         []kinds.Condition `json:"conditions"`
}

type metricWire struct {
	Type     string      `json:"type"`
	Resource *sourceWire `json:"resource"`
	// ContainerResource has the resource's name and the container's.
	ContainerResource *sourceWire `json:"containerResource"`
	Pods              *sourceWire `json:"pods"`
	Object            *sourceWire `json:"object"`
	External          *sourceWire `json:"external"`
}

type sourceWire struct {
	Name   string `json:"name"` // resource name (Resource, ContainerResource)
	Metric *struct {
		Name string `json:"name"`
	} `json:"metric"` // Pods, Object, External
	Current struct {
		Value              *kinds.Quantity `json:"value"`
		AverageValue       *kinds.Quantity `json:"averageValue"`
		AverageUtilization *int32          `json:"averageUtilization"`
	} `json:"current"`
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *HorizontalPodAutoscalerStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// ObservedGeneration returns the generation the autoscaler last acted on.
func (s HorizontalPodAutoscalerStatus) ObservedGeneration() (int64, error) {
	return num(s.w.ObservedGeneration, "HorizontalPodAutoscaler", "status.observedGeneration")
}

// LastScaleTime returns when the autoscaler last scaled its target;
// unavailable before the first.
func (s HorizontalPodAutoscalerStatus) LastScaleTime() (time.Time, error) {
	return timeAt(s.w.LastScaleTime, "HorizontalPodAutoscaler", "status.lastScaleTime")
}

// CurrentReplicas returns the number of replicas the autoscaler last saw.
// The server omits it when zero: it is unavailable only until the
// autoscaler reports desiredReplicas, and zero when omitted after that.
func (s HorizontalPodAutoscalerStatus) CurrentReplicas() (int32, error) {
	if s.w.DesiredReplicas == nil {
		return 0, unavailable("HorizontalPodAutoscaler", "status.currentReplicas")
	}
	if s.w.CurrentReplicas == nil {
		return 0, nil
	}
	return *s.w.CurrentReplicas, nil
}

// DesiredReplicas returns the number of replicas the autoscaler wants.
func (s HorizontalPodAutoscalerStatus) DesiredReplicas() (int32, error) {
	return num(s.w.DesiredReplicas, "HorizontalPodAutoscaler", "status.desiredReplicas")
}

// Conditions returns the autoscaler's conditions (AbleToScale,
// ScalingActive, ScalingLimited), empty if none.
func (s HorizontalPodAutoscalerStatus) Conditions() kinds.Conditions {
	return kinds.NewConditions("HorizontalPodAutoscaler", "status.conditions", s.w.Conditions)
}

// MetricValue is the current value of one metric of an autoscaler. Each
// of Value, AverageValue and AverageUtilization is set only when the
// metric reports it (the Has fields say which).
type MetricValue struct {
	// Type is the metric's source type: Resource, ContainerResource, Pods,
	// Object or External.
	Type string
	// Name is the resource (cpu, memory) or the metric's name.
	Name string

	Value                 kinds.Quantity
	HasValue              bool
	AverageValue          kinds.Quantity
	HasAverageValue       bool
	AverageUtilization    int32 // percent of the requests
	HasAverageUtilization bool
}

// CurrentMetrics returns the last read value of each metric, empty until
// the autoscaler reads them.
func (s HorizontalPodAutoscalerStatus) CurrentMetrics() []MetricValue {
	out := make([]MetricValue, 0, len(s.w.CurrentMetrics))
	for _, m := range s.w.CurrentMetrics {
		mv := MetricValue{Type: m.Type}
		src := m.Resource
		for _, c := range []*sourceWire{m.ContainerResource, m.Pods, m.Object, m.External} {
			if src == nil {
				src = c
			}
		}
		if src != nil {
			mv.Name = src.Name
			if src.Metric != nil {
				mv.Name = src.Metric.Name
			}
			cur := src.Current
			if cur.Value != nil {
				mv.Value, mv.HasValue = *cur.Value, true
			}
			if cur.AverageValue != nil {
				mv.AverageValue, mv.HasAverageValue = *cur.AverageValue, true
			}
			if cur.AverageUtilization != nil {
				mv.AverageUtilization, mv.HasAverageUtilization = *cur.AverageUtilization, true
			}
		}
		out = append(out, mv)
	}
	return out
}
