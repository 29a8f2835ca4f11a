package kinds

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
)

// EventKind describes core/v1 Events: reports of what happened to an
// object (scheduled, pulled, killed, failed...), written by controllers,
// the scheduler and kubelets. Events written through events.k8s.io/v1 are
// served here too.
var EventKind = sdk.MustKind[EventStatus](sdk.KindInfo{
	Kind: "Event", Resource: "events", Namespaced: true, APIPaths: []string{"api/v1"},
})

// Event is a snapshot of one Event. Its fields are read through Status().
type Event = sdk.Item[EventStatus]

// EventType is the type of an Event: Normal or Warning.
type EventType string

// Event types.
const (
	EventNormal  EventType = "Normal"
	EventWarning EventType = "Warning"
)

// ObjectReference names the object an Event is about.
type ObjectReference struct {
	APIVersion      string `json:"apiVersion,omitempty"`
	Kind            string `json:"kind,omitempty"`
	Namespace       string `json:"namespace,omitempty"`
	Name            string `json:"name,omitempty"`
	UID             string `json:"uid,omitempty"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
	// FieldPath names a part of the object, e.g. "spec.containers{web}".
	FieldPath string `json:"fieldPath,omitempty"`
}

// EventSource is the component (and host) that reported an Event, in the
// older core/v1 form.
type EventSource struct {
	Component string `json:"component,omitempty"`
	Host      string `json:"host,omitempty"`
}

// EventStatus holds an Event's fields. Events have no spec or status: the
// whole object is the report.
type EventStatus struct {
	sdk.FromObject
	w eventWire
}

type eventWire struct {
	Metadata struct {
		CreationTimestamp *time.Time `json:"creationTimestamp"`
	} `json:"metadata"`
	InvolvedObject      ObjectReference  `json:"involvedObject"`
	Related             *ObjectReference `json:"related"`
	Reason              string           `json:"reason"`
	Message             string           `json:"message"`
	Type                string           `json:"type"`
	Action              string           `json:"action"`
	Count               int32            `json:"count"`
	FirstTimestamp      *time.Time       `json:"firstTimestamp"`
	LastTimestamp       *time.Time       `json:"lastTimestamp"`
	EventTime           *time.Time       `json:"eventTime"`
	Source              EventSource      `json:"source"`
	ReportingController string           `json:"reportingComponent"`
	ReportingInstance   string           `json:"reportingInstance"`
	Series              *struct {
		Count            int32      `json:"count"`
		LastObservedTime *time.Time `json:"lastObservedTime"`
	} `json:"series"`
}

// UnmarshalJSONFrom decodes the event in one pass.
func (s *EventStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// InvolvedObject returns the object the event is about. It is returned
// plainly: the server requires it in every Event.
func (s EventStatus) InvolvedObject() ObjectReference { return s.w.InvolvedObject }

// Related returns a second object the event concerns; unavailable when the
// event names none (an empty reference names none).
func (s EventStatus) Related() (ObjectReference, error) {
	if s.w.Related == nil || *s.w.Related == (ObjectReference{}) {
		return ObjectReference{}, unavailable("Event", "related")
	}
	return *s.w.Related, nil
}

// Reason returns the short, machine-readable reason, e.g. "Scheduled";
// unavailable if the reporter set none.
func (s EventStatus) Reason() (string, error) { return str(&s.w.Reason, "Event", "reason") }

// Message returns the human-readable description; unavailable if the
// reporter set none.
func (s EventStatus) Message() (string, error) { return str(&s.w.Message, "Event", "message") }

// Type returns Normal or Warning; unavailable if the reporter set none.
func (s EventStatus) Type() (EventType, error) {
	t, err := str(&s.w.Type, "Event", "type")
	return EventType(t), err
}

// Action returns what was done or failed, e.g. "Binding"; newer events set
// it, older ones leave it unavailable.
func (s EventStatus) Action() (string, error) { return str(&s.w.Action, "Event", "action") }

// Count returns how many times the event occurred: the series count, else
// the count. It is returned plainly: an event happened at least once, so
// an omitted or zero count reads as 1.
func (s EventStatus) Count() int32 {
	if s.w.Series != nil && s.w.Series.Count > 0 {
		return s.w.Series.Count
	}
	return max(s.w.Count, 1)
}

// Source returns the reporting component and host of the core/v1 form: a
// struct of optional parts, empty when the reporter used the newer form.
func (s EventStatus) Source() EventSource { return s.w.Source }

// ReportingComponent returns the component that reported the event (the
// newer form, e.g. "default-scheduler"), else Source().Component;
// unavailable when both are empty.
func (s EventStatus) ReportingComponent() (string, error) {
	c := cmp.Or(s.w.ReportingController, s.w.Source.Component)
	return str(&c, "Event", "reportingComponent")
}

// ReportingInstance returns the instance of the reporting component (the
// newer form), else Source().Host; unavailable when both are empty.
func (s EventStatus) ReportingInstance() (string, error) {
	i := cmp.Or(s.w.ReportingInstance, s.w.Source.Host)
	return str(&i, "Event", "reportingInstance")
}

// FirstTimestamp returns when the event was first seen (core/v1 form);
// newer events set EventTime instead.
func (s EventStatus) FirstTimestamp() (time.Time, error) {
	return timeOf(s.w.FirstTimestamp, "firstTimestamp")
}

// LastTimestamp returns when the event was last seen (core/v1 form).
func (s EventStatus) LastTimestamp() (time.Time, error) {
	return timeOf(s.w.LastTimestamp, "lastTimestamp")
}

// EventTime returns the precise time of the first occurrence (newer form).
func (s EventStatus) EventTime() (time.Time, error) { return timeOf(s.w.EventTime, "eventTime") }

// FirstSeen returns the best known time of the first occurrence: the first
// timestamp, else the event time, else the creation time. It is returned
// plainly: the server sets the creation time of every object, so only an
// Event that did not come from the server can give the zero time.
func (s EventStatus) FirstSeen() time.Time {
	for _, t := range []*time.Time{s.w.FirstTimestamp, s.w.EventTime, s.w.Metadata.CreationTimestamp} {
		if t != nil && !t.IsZero() {
			return *t
		}
	}
	return time.Time{}
}

// LastSeen returns the best known time of the latest occurrence: the
// series' last observation, else the last timestamp, else FirstSeen. It is
// returned plainly, like FirstSeen.
func (s EventStatus) LastSeen() time.Time {
	if s.w.Series != nil && s.w.Series.LastObservedTime != nil && !s.w.Series.LastObservedTime.IsZero() {
		return *s.w.Series.LastObservedTime
	}
	if s.w.LastTimestamp != nil && !s.w.LastTimestamp.IsZero() {
		return *s.w.LastTimestamp
	}
	return s.FirstSeen()
}

func timeOf(t *time.Time, field string) (time.Time, error) {
	if t == nil || t.IsZero() {
		return time.Time{}, unavailable("Event", field)
	}
	return *t, nil
}

// EventsFor returns the Events about obj (those whose involvedObject is
// obj: the same UID, or for an object without one the same kind, name and
// namespace), newest first by LastSeen. Events about a namespaced object
// are read from its namespace, those about a cluster-scoped object (a
// Node) from every namespace.
//
//	events, err := kinds.EventsFor(ctx, cluster.Client, pod)
//	for _, e := range events {
//		reason, err := e.Status().Reason()
//		if err != nil {
//			reason = "(no reason)" // the reporter set none
//		}
//		fmt.Println(e.Status().LastSeen(), reason)
//	}
func EventsFor(ctx context.Context, c *sdk.Client, obj sdk.Object) ([]*Event, error) {
	v := sdk.NewView(c, EventKind)
	ns := obj.Namespace()
	if ns != "" {
		v = v.In(ns)
	}
	fields := selector.Fields{"involvedObject.uid": obj.UID()}
	if obj.UID() == "" {
		fields = selector.Fields{"involvedObject.kind": obj.Descriptor().Info().Kind, "involvedObject.name": obj.Name()}
		if ns != "" {
			fields["involvedObject.namespace"] = ns
		}
	}
	events, err := v.Filter(nil, fields).List(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(events, func(a, b *Event) int {
		return b.Status().LastSeen().Compare(a.Status().LastSeen())
	})
	return events, nil
}

func init() { register(EventKind) }
