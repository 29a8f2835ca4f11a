package selector

import (
	"slices"
	"strings"
)

// term is what the core shared by Selector and FieldSelector needs from a
// requirement: Requirement and FieldRequirement implement it.
type term[R any] interface {
	Err() error
	Matches(map[string]string) bool
	// exact returns the one value the term requires name to have, if any.
	exact(name string) (value string, ok bool)
	// compare is a total order on terms, used by equal, which ignores the
	// order in which the terms were written.
	compare(R) int
	writeTo(*strings.Builder)
}

// conjunction is the core of Selector and FieldSelector: terms that must all
// hold, whether the selector is Nothing, and the error of the first invalid
// term it was built from. It is immutable: every method returns a new value
// and never writes to reqs.
type conjunction[R term[R]] struct {
	reqs    []R
	nothing bool
	err     error
}

// with returns c with reqs appended, then put in order by order (nil keeps
// the order given). The result carries c's error or else the error of the
// first invalid term of reqs. Nothing stays Nothing.
func (c conjunction[R]) with(order func([]R), reqs []R) conjunction[R] {
	out := conjunction[R]{nothing: c.nothing, err: c.err}
	for _, r := range reqs {
		if out.err == nil {
			out.err = r.Err()
		}
	}
	if len(reqs) == 0 {
		out.reqs = c.reqs
		return out
	}
	out.reqs = make([]R, 0, len(c.reqs)+len(reqs))
	out.reqs = append(append(out.reqs, c.reqs...), reqs...)
	if order != nil {
		order(out.reqs)
	}
	return out
}

// requirements returns a copy of the terms.
func (c conjunction[R]) requirements() []R { return slices.Clone(c.reqs) }

// empty reports whether c places no restriction: not Nothing, and no terms.
func (c conjunction[R]) empty() bool { return !c.nothing && len(c.reqs) == 0 }

// matches reports whether m satisfies every term. Nothing and invalid
// selectors match nothing.
func (c conjunction[R]) matches(m map[string]string) bool {
	if c.nothing || c.err != nil {
		return false
	}
	for _, r := range c.reqs {
		if !r.Matches(m) {
			return false
		}
	}
	return true
}

// exact returns the value of the first term that requires name to have one
// specific value.
func (c conjunction[R]) exact(name string) (string, bool) {
	for _, r := range c.reqs {
		if v, ok := r.exact(name); ok {
			return v, true
		}
	}
	return "", false
}

// equal reports whether c and o are both valid and both Nothing, or both
// valid with the same terms, in any order.
func (c conjunction[R]) equal(o conjunction[R]) bool {
	if c.err != nil || o.err != nil || c.nothing != o.nothing || len(c.reqs) != len(o.reqs) {
		return false
	}
	cmp := func(a, b R) int { return a.compare(b) }
	a, b := slices.SortedFunc(slices.Values(c.reqs), cmp), slices.SortedFunc(slices.Values(o.reqs), cmp)
	return slices.EqualFunc(a, b, func(x, y R) bool { return x.compare(y) == 0 })
}

// String returns the terms in their order, separated by ",", or "<nothing>"
// for Nothing.
func (c conjunction[R]) String() string {
	if c.nothing {
		return "<nothing>"
	}
	var b strings.Builder
	for i, r := range c.reqs {
		if i > 0 {
			b.WriteByte(',')
		}
		r.writeTo(&b)
	}
	return b.String()
}

// selected returns c if it is valid, and otherwise Nothing with c's error, so
// that a caller who ignores the error selects no object rather than every
// object. It implements SelectLabels and SelectFields.
func (c conjunction[R]) selected() (conjunction[R], error) {
	if c.err != nil {
		return conjunction[R]{nothing: true}, c.err
	}
	return c, nil
}

// must returns s, or panics with err. It implements MustParse and
// MustParseFields.
func must[S any](s S, err error) S {
	if err != nil {
		panic(err)
	}
	return s
}
