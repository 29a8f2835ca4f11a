package sdk

import (
	"fmt"

	"github.com/kube-for-go/kube/selector"
)

// Filter returns the view restricted to objects matching a label selector
// and a field selector (the seed's filter). Each is one of the typed forms
// of package selector, or nil for no restriction:
//
//	pods.Filter(selector.Expr("app=web,tier!=db"), nil)
//	pods.Filter(selector.Set{"app": "web"}, selector.FieldExpr("status.phase=Running"))
//	pods.Filter(selector.MustParse("env in (prod)"), selector.Fields{"spec.nodeName": "n1"})
//
// Text is parsed and validated now (errors carry byte offsets); an empty
// Set or expression is an error, as in the seed: Kubernetes reads an empty
// selector as "everything", which is almost never meant (use the
// unfiltered view, or selector.Everything(), for that). Field selectors are
// checked against the fields the API server supports for the kind, so an
// unsupported field fails here, before any request. Errors are returned by
// every request of the returned view (see Err). Filtering an already
// filtered view replaces the selectors given.
func (v *View[S]) Filter(labels selector.LabelFilter, fields selector.FieldFilter) *View[S] {
	n := *v
	if labels == nil && fields == nil {
		n.err = firstErr(n.err, &Error{Op: "filter", Err: fmt.Errorf("no selector given")})
		return &n
	}
	if labels != nil {
		ls, err := labels.SelectLabels()
		if err != nil {
			n.err = firstErr(n.err, &Error{Op: "filter " + v.kind.Resource, Err: err})
			return &n
		}
		n.labels, n.nothing = ls.String(), n.nothing || ls.IsNothing()
	}
	if fields != nil {
		fs, err := fields.SelectFields()
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

// Selectors returns the view's label and field selectors in query form.
func (v *View[S]) Selectors() (labels, fields string) { return v.labels, v.fields }

// fieldResource names the kind for selector.SupportedFields.
func (v *View[S]) fieldResource() string {
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
