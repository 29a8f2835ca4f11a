package selector

// LabelFilter is any form of label selector a view accepts: Selector, Set,
// Requirement, Expr.
type LabelFilter interface {
	// SelectLabels returns the selector, or an error if it is invalid or
	// would match every object by accident (an empty Set or Expr). On error
	// the Selector is Nothing, so a caller that ignores the error selects no
	// object instead of every object.
	SelectLabels() (Selector, error)
}

// FieldFilter is any form of field selector a view accepts: FieldSelector,
// Fields, FieldRequirement, FieldExpr.
type FieldFilter interface {
	// SelectFields returns the field selector, or an error if it is invalid
	// or would match every object by accident (an empty Fields or
	// FieldExpr). On error the FieldSelector is NothingFields, so a caller
	// that ignores the error selects no object instead of every object.
	SelectFields() (FieldSelector, error)
}

// Expr is a label selector in the API's text syntax ("app=web,tier!=db"),
// parsed by SelectLabels with Parse.
type Expr string

// FieldExpr is a field selector in the API's text syntax
// ("status.phase=Running"), parsed by SelectFields with ParseFields.
type FieldExpr string

// Compile-time checks that every form implements its filter interface.
var (
	_ LabelFilter = Selector{}
	_ LabelFilter = Set(nil)
	_ LabelFilter = Requirement{}
	_ LabelFilter = Expr("")
	_ FieldFilter = FieldSelector{}
	_ FieldFilter = Fields(nil)
	_ FieldFilter = FieldRequirement{}
	_ FieldFilter = FieldExpr("")
)

// SelectLabels returns s, or Nothing and the error s carries (see Err).
// Everything and Nothing are valid: they say what they select on purpose.
func (s Selector) SelectLabels() (Selector, error) {
	c, err := s.c.selected()
	return Selector{c}, err
}

// SelectLabels returns the selector of r alone, or Nothing and r's error.
func (r Requirement) SelectLabels() (Selector, error) { return And(r).SelectLabels() }

// SelectLabels returns ls.AsSelector(), or Nothing and its error. An empty or
// nil Set is an error matching ErrInvalid, because as a selector it matches
// every object; use Everything to select every object.
func (ls Set) SelectLabels() (Selector, error) {
	if len(ls) == 0 {
		return Nothing(), matchesEverything("", "an empty Set")
	}
	return ls.AsSelector().SelectLabels()
}

// SelectLabels parses e with Parse. It returns Nothing and the
// *SyntaxError or *ValidationError (with its byte offset) if e is not a valid
// label selector, and an error matching ErrInvalid if e has no requirement
// ("" or only white space), because such a selector matches every object;
// use Everything to select every object.
func (e Expr) SelectLabels() (Selector, error) {
	return parseFilter(string(e), "an empty Expr", Parse, Nothing())
}

// SelectFields returns s, or NothingFields and the error s carries (see
// Err). EverythingFields and NothingFields are valid: they say what they
// select on purpose.
func (s FieldSelector) SelectFields() (FieldSelector, error) {
	c, err := s.c.selected()
	return FieldSelector{c}, err
}

// SelectFields returns the field selector of r alone, or NothingFields and
// r's error.
func (r FieldRequirement) SelectFields() (FieldSelector, error) {
	return AndFields(r).SelectFields()
}

// SelectFields returns fs.AsSelector(), or NothingFields and its error. An
// empty or nil Fields is an error matching ErrInvalid, because as a selector
// it matches every object; use EverythingFields to select every object.
func (fs Fields) SelectFields() (FieldSelector, error) {
	if len(fs) == 0 {
		return NothingFields(), matchesEverything("", "an empty Fields")
	}
	return fs.AsSelector().SelectFields()
}

// SelectFields parses e with ParseFields. It returns NothingFields and the
// *SyntaxError or *ValidationError (with its byte offset) if e is not a valid
// field selector, and an error matching ErrInvalid if e has no term ("" or
// only commas), because such a selector matches every object; use
// EverythingFields to select every object.
func (e FieldExpr) SelectFields() (FieldSelector, error) {
	return parseFilter(string(e), "an empty FieldExpr", ParseFields, NothingFields())
}

// parseFilter implements Expr.SelectLabels and FieldExpr.SelectFields: it
// parses text with parse, and returns nothing and an error if text does not
// parse or has no requirement (what names it in the error, such as "an
// empty Expr").
func parseFilter[S interface{ Empty() bool }](text, what string, parse func(string) (S, error), nothing S) (S, error) {
	s, err := parse(text)
	switch {
	case err != nil:
		return nothing, err
	case s.Empty():
		return nothing, matchesEverything(text, what)
	}
	return s, nil
}

// matchesEverything returns the *ValidationError for a filter that has no
// requirement: what is a noun phrase such as "an empty Set".
func matchesEverything(text, what string) error {
	return &ValidationError{
		Offset:   -1,
		Part:     PartSelector,
		Found:    text,
		Expected: what + " would match every object; use Everything() or EverythingFields() to select every object",
	}
}
