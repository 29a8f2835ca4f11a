package sdk

// Status is the constraint on a kind's status type: the Go type whose
// methods are the kind's typed status attributes (kinds.PodStatus has
// Phase, IP, Containers, ...). A status type says, in its type, how it is
// read and what its kind can do, by embedding zero-size markers:
//
//   - exactly one source marker: FromStatus (the status decodes from the
//     object's "status" member, the usual case) or FromObject (it decodes
//     from the whole object, for kinds that keep their data at the top
//     level, like Secret, or whose attributes combine spec and status);
//   - any capability markers: HasStatus (the kind serves the status
//     subresource), HasScale (the scale subresource) and
//     HasPodSubresources (logs, eviction: pods only).
//
// For example, a custom resource with a status subresource:
//
//	type WidgetStatus struct {
//		sdk.FromStatus
//		sdk.HasStatus
//		Ready bool `json:"ready"`
//	}
//
// The capability constraints WithStatus, WithScale and WithPod select the
// views that offer subresource methods (StatusView, ScaleView, PodView), so
// calling Scale on a Secret view or Logs on a Namespace view does not
// compile. The markers are empty structs: JSON decoding ignores them.
type Status interface {
	statusSource() statusSource
}

// statusSource says where a status type decodes from.
type statusSource uint8

const (
	fromStatusMember statusSource = iota // the object's "status" member
	fromWholeObject                      // the whole object
)

// FromStatus is embedded in a status type whose values decode from the
// object's "status" member. See Status.
type FromStatus struct{}

func (FromStatus) statusSource() statusSource { return fromStatusMember }

// FromObject is embedded in a status type whose values decode from the
// whole object (its own members select what they read). See Status.
type FromObject struct{}

func (FromObject) statusSource() statusSource { return fromWholeObject }

// HasStatus is embedded in a status type whose kind serves the status
// subresource ({object}/status): views of the kind are StatusViews.
type HasStatus struct{}

//lint:ignore U1000 a marker method: the capability constraints (WithStatus, ...) require it
func (HasStatus) statusSubresource() {}

// HasScale is embedded in a status type whose kind serves the scale
// subresource ({object}/scale): views of the kind are ScaleViews. Such a
// kind has a status subresource too (embed HasStatus as well).
type HasScale struct{}

//lint:ignore U1000 a marker method: the capability constraints (WithStatus, ...) require it
func (HasScale) scaleSubresource() {}

// HasPodSubresources is embedded in the status type of pods: its views are
// PodViews, with logs and eviction.
type HasPodSubresources struct{}

//lint:ignore U1000 a marker method: the capability constraints (WithStatus, ...) require it
func (HasPodSubresources) podSubresources() {}

// WithStatus is the constraint of status types whose kind serves the status
// subresource (they embed HasStatus).
type WithStatus interface {
	Status
	statusSubresource()
}

// WithScale is the constraint of status types whose kind serves the status
// and scale subresources (they embed HasStatus and HasScale).
type WithScale interface {
	WithStatus
	scaleSubresource()
}

// WithPod is the constraint of the status type of pods (it embeds HasStatus
// and HasPodSubresources).
type WithPod interface {
	WithStatus
	podSubresources()
}

// sourceOf returns where values of status type S decode from. It asks a
// pointer to a zero S, so a pointer status type (whose zero value is nil)
// cannot make the call panic.
func sourceOf[S Status]() statusSource {
	if s, ok := any(new(S)).(interface{ statusSource() statusSource }); ok {
		return s.statusSource()
	}
	return fromStatusMember
}

// LazyStatus is implemented (on the pointer) by status types that read
// their attributes from the object's JSON when asked, instead of decoding
// all of it when the item is read: kinds.PodStatus does. Items of lists
// and watches hand such a status the bytes of their "status" member
// without decoding them; the accessors decode what they read.
type LazyStatus interface {
	// IndexStatus records where the status's attributes are in raw, the
	// JSON of the object's "status" member. raw is valid JSON, never
	// changes and lives as long as the item: the status keeps views of it.
	// It returns the type errors it finds on the way (a
	// *json.SemanticError with the byte offset in raw); the status is then
	// read as empty.
	IndexStatus(raw []byte) error
	// CheckStatus decodes every attribute and returns the first type
	// error, which Item.Err reports.
	CheckStatus() error
}
