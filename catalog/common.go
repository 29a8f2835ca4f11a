package catalog

import (
	"slices"
	"time"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// entry is one descriptor of the catalogue and the verbs its resource
// serves.
type entry struct {
	kind  sdk.AnyKind
	verbs []string
}

// Kinds returns every descriptor of the catalogue, sorted by group and
// kind. Package kinds' descriptors (Pod, Deployment, ...) are not in it.
func Kinds() []sdk.AnyKind {
	out := make([]sdk.AnyKind, len(all))
	for i, e := range all {
		out[i] = e.kind
	}
	return out
}

// Verbs returns the verbs the server serves for a kind of the catalogue,
// sorted (e.g. {"create"} for TokenReview), as discovered in the snapshot
// the catalogue was generated from; nil for a kind not in the catalogue.
func Verbs(k sdk.AnyKind) []string {
	for _, e := range all {
		if e.kind == k {
			return slices.Clone(e.verbs)
		}
	}
	return nil
}

// conditionsWire is the status of the kinds with only generic accessors.
type conditionsWire struct {
	Conditions []kinds.Condition `json:"conditions"`
}

func init() {
	for _, e := range all {
		if err := sdk.Register(e.kind); err != nil {
			panic(err) // a conflicting registration: a programming error caught by the package's tests
		}
	}
}

// unavailable returns the error of rule 1 of package kinds' doc: the
// attribute at field of an object of the given kind is not set.
func unavailable(kind, field string) error { return &sdk.UnavailableError{Kind: kind, Field: field} }

// str returns *p, or an *sdk.UnavailableError when p is nil or empty.
func str(p *string, kind, field string) (string, error) {
	if p == nil || *p == "" {
		return "", unavailable(kind, field)
	}
	return *p, nil
}

// num returns *p, or an *sdk.UnavailableError when p is nil.
func num[N int32 | int64](p *N, kind, field string) (N, error) {
	if p == nil {
		return 0, unavailable(kind, field)
	}
	return *p, nil
}

// timeAt returns *p, or an *sdk.UnavailableError when p is nil or zero.
func timeAt(p *time.Time, kind, field string) (time.Time, error) {
	if p == nil || p.IsZero() {
		return time.Time{}, unavailable(kind, field)
	}
	return *p, nil
}

// counter returns *p (zero when nil) once the controller has reported
// status (observed is set), and an *sdk.UnavailableError before: the
// replica counter rule of package kinds.
func counter(p *int32, observed *int64, kind, field string) (int32, error) {
	if observed == nil {
		return 0, unavailable(kind, field)
	}
	if p == nil {
		return 0, nil
	}
	return *p, nil
}
