package sdk

import (
	"fmt"

	"github.com/kube-for-go/kube/selector"
)

// Filter returns the view restricted to objects matching a label selector
// and a field selector (the seed's filter). Each of labels and fields may be:
//
//   - nil: no restriction;
//   - a string in the API's selector syntax, parsed and validated now;
//   - a map[string]string, selector.Set or selector.Fields of exact matches;
//   - a selector.Selector or selector.FieldSelector, or a single
//     selector.Requirement or selector.FieldRequirement.
//
// An empty map or empty string is an error, as in the seed: Kubernetes
// reads an empty selector as "everything", which is almost never meant; use
// the unfiltered view (or selector.Everything()) for that. Field selectors
// are checked against the fields the API server supports for the kind, so
// an unsupported field fails here, before any request. Errors are returned
// by every request of the returned view (see Err). Filtering an already
// filtered view replaces its selectors.
func (v *View[T]) Filter(labels, fields any) *View[T] {
	n := *v
	if labels == nil && fields == nil {
		n.err = firstErr(n.err, &Error{Op: "filter", Err: fmt.Errorf("no selector given")})
		return &n
	}
	if labels != nil {
		ls, err := toLabelSelector(labels)
		if err != nil {
			n.err = firstErr(n.err, &Error{Op: "filter " + v.kind.Resource, Err: err})
			return &n
		}
		n.labels, n.nothing = ls.String(), n.nothing || ls.IsNothing()
	}
	if fields != nil {
		fs, err := toFieldSelector(fields)
		if err == nil {
			err = fs.ValidateFor(v.fieldResource())
		}
		if err != nil {
			n.err = firstErr(n.err, &Error{Op: "filter " + v.kind.Resource, Err: err})
			return &n
		}
		n.fields, n.nothing = fs.String(), n.nothing || fs.IsNothing()
	}
	return &n
}

// Labels returns the view restricted by a label selector (typed form of Filter).
func (v *View[T]) Labels(sel selector.Selector) *View[T] { return v.Filter(sel, nil) }

// Fields returns the view restricted by a field selector (typed form of Filter).
func (v *View[T]) Fields(sel selector.FieldSelector) *View[T] { return v.Filter(nil, sel) }

// Selectors returns the view's label and field selectors in query form.
func (v *View[T]) Selectors() (labels, fields string) { return v.labels, v.fields }

// fieldResource names the kind for selector.SupportedFields.
func (v *View[T]) fieldResource() string {
	if g := v.kind.Group(); g != "" {
		return v.kind.Resource + "." + g
	}
	return v.kind.Resource
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func toLabelSelector(x any) (selector.Selector, error) {
	var s selector.Selector
	switch t := x.(type) {
	case string:
		if t == "" {
			return s, fmt.Errorf("empty label selector (it would match everything)")
		}
		return selector.Parse(t)
	case map[string]string:
		if len(t) == 0 {
			return s, fmt.Errorf("empty label selector map (it would match everything)")
		}
		s = selector.Set(t).AsSelector()
	case selector.Set:
		if len(t) == 0 {
			return s, fmt.Errorf("empty label selector set (it would match everything)")
		}
		s = t.AsSelector()
	case selector.Selector:
		s = t
	case selector.Requirement:
		s = selector.And(t)
	default:
		return s, fmt.Errorf("unsupported label selector type %T", x)
	}
	return s, s.Err()
}

func toFieldSelector(x any) (selector.FieldSelector, error) {
	var s selector.FieldSelector
	switch t := x.(type) {
	case string:
		if t == "" {
			return s, fmt.Errorf("empty field selector (it would match everything)")
		}
		return selector.ParseFields(t)
	case map[string]string:
		if len(t) == 0 {
			return s, fmt.Errorf("empty field selector map (it would match everything)")
		}
		s = selector.Fields(t).AsSelector()
	case selector.Fields:
		if len(t) == 0 {
			return s, fmt.Errorf("empty field selector map (it would match everything)")
		}
		s = t.AsSelector()
	case selector.FieldSelector:
		s = t
	case selector.FieldRequirement:
		s = selector.AndFields(t)
	default:
		return s, fmt.Errorf("unsupported field selector type %T", x)
	}
	return s, s.Err()
}
