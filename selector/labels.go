package selector

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Operator relates a key to values in a Requirement or FieldRequirement. The
// values of the constants are the ones apimachinery's selection package uses.
type Operator string

// The operators of label selectors. Field selectors support only Equals and
// NotEquals.
const (
	// Equals matches when the label is present with the value. The parser
	// reads both "=" and "==" as Equals; String writes the spelling that was
	// parsed, as apimachinery does, and "=" for built requirements.
	Equals Operator = "="
	// NotEquals matches when the label is absent or has another value.
	NotEquals Operator = "!="
	// In matches when the label is present with one of the values.
	In Operator = "in"
	// NotIn matches when the label is absent or has none of the values.
	NotIn Operator = "notin"
	// Exists matches when the label is present, whatever its value.
	Exists Operator = "exists"
	// DoesNotExist matches when the label is absent.
	DoesNotExist Operator = "!"
	// GreaterThan matches when the label is present and its value, read as a
	// base-10 int64, is greater than the requirement's integer.
	GreaterThan Operator = "gt"
	// LessThan matches when the label is present and its value, read as a
	// base-10 int64, is less than the requirement's integer.
	LessThan Operator = "lt"
)

// String returns the operator's name.
func (o Operator) String() string { return string(o) }

// Requirement is one condition of a label selector: a key, an operator and
// zero or more values. It is immutable. Requirements built with NewRequirement
// or the LabelKey methods are validated; one that breaks a rule carries the
// error, which Err reports and which every Selector it is added to reports too.
// The zero Requirement is invalid.
type Requirement struct {
	key    string
	op     Operator
	values []string // sorted and de-duplicated for In and NotIn
	err    error
	// doubleEquals records that Equals was parsed from "==", which String
	// writes back as apimachinery does. It plays no part in Equal.
	doubleEquals bool
}

// NewRequirement returns a validated requirement. The key must be a qualified
// name and every value a label value (see Parse). In and NotIn need at least
// one value (the empty string is a value); Equals, NotEquals, GreaterThan and
// LessThan exactly one (for GreaterThan and LessThan a base-10 integer);
// Exists and DoesNotExist none. Values of In and NotIn are kept sorted and
// without duplicates. The error is a *ValidationError; the returned
// Requirement carries it as well.
func NewRequirement(key string, op Operator, values ...string) (Requirement, error) {
	r := Requirement{key: key, op: op, values: slices.Clone(values)}
	if op == In || op == NotIn {
		slices.Sort(r.values)
		r.values = slices.Compact(r.values)
	}
	r.err = r.validate("", -1, -1)
	return r, r.err
}

// validate checks r against the API server's rules. input, keyOff and
// valueOff locate the key and the (first) value in parsed text; they are ""
// and -1 for requirements built in code.
func (r Requirement) validate(input string, keyOff, valueOff int) error {
	invalid := func(part Part, found, expected string, off int) error {
		return &ValidationError{Input: input, Offset: off, Part: part, Found: found, Expected: expected}
	}
	if msg := checkLabelKey(r.key); msg != "" {
		return invalid(PartLabelKey, r.key, msg, keyOff)
	}
	n := len(r.values)
	switch r.op {
	case In, NotIn:
		if n == 0 {
			return invalid(PartValues, "", "'in' and 'notin' need at least one value (the empty string counts)", keyOff)
		}
	case Equals, NotEquals:
		if n != 1 {
			return invalid(PartValues, strings.Join(r.values, ","), "'=' and '!=' need exactly one value", keyOff)
		}
	case GreaterThan, LessThan:
		if n != 1 {
			return invalid(PartValues, strings.Join(r.values, ","), "'>' and '<' need exactly one value", keyOff)
		}
		if _, err := strconv.ParseInt(r.values[0], 10, 64); err != nil {
			return invalid(PartLabelValue, r.values[0], "'>' and '<' need a base-10 integer that fits in 64 bits", valueOff)
		}
	case Exists, DoesNotExist:
		if n != 0 {
			return invalid(PartValues, strings.Join(r.values, ","), "'exists' and '!' take no values", keyOff)
		}
	default:
		return invalid(PartOperator, string(r.op), "one of =, !=, in, notin, exists, !, gt, lt", keyOff)
	}
	for _, v := range r.values {
		if msg := checkLabelValue(v); msg != "" {
			return invalid(PartLabelValue, v, msg, valueOff)
		}
	}
	return nil
}

// Key returns the label key.
func (r Requirement) Key() string { return r.key }

// Operator returns the operator.
func (r Requirement) Operator() Operator { return r.op }

// Values returns a copy of the values: sorted and without duplicates for In
// and NotIn, one value for Equals, NotEquals, GreaterThan and LessThan, none
// for Exists and DoesNotExist.
func (r Requirement) Values() []string { return slices.Clone(r.values) }

// Err returns the *ValidationError found when r was built, or nil if r is valid.
func (r Requirement) Err() error {
	if r.err == nil && r.op == "" {
		return &ValidationError{Offset: -1, Part: PartOperator, Expected: "a requirement built with NewRequirement or Label (the zero Requirement is invalid)"}
	}
	return r.err
}

// Equal reports whether r and o have the same key, operator and values.
// "a=1" and "a==1" are Equal.
func (r Requirement) Equal(o Requirement) bool { return r.compare(o) == 0 }

// Matches reports whether labels satisfy r. A nil map has no labels. An
// invalid requirement matches nothing. GreaterThan and LessThan match only
// labels whose value is a base-10 int64.
func (r Requirement) Matches(labels map[string]string) bool {
	if r.Err() != nil {
		return false
	}
	v, ok := labels[r.key]
	switch r.op {
	case Equals, In:
		return ok && slices.Contains(r.values, v)
	case NotEquals, NotIn:
		return !ok || !slices.Contains(r.values, v)
	case Exists:
		return ok
	case DoesNotExist:
		return !ok
	case GreaterThan, LessThan:
		if !ok {
			return false
		}
		have, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return false
		}
		want, _ := strconv.ParseInt(r.values[0], 10, 64) // validated
		if r.op == GreaterThan {
			return have > want
		}
		return have < want
	}
	return false
}

// String returns the requirement in the selector syntax as apimachinery's
// Requirement.String writes it: "key=v" (or "key==v" if parsed so),
// "key!=v", "key in (a,b)", "key notin (a,b)", "key", "!key", "key>5" or
// "key<5".
func (r Requirement) String() string {
	var b strings.Builder
	r.writeTo(&b)
	return b.String()
}

func (r Requirement) writeTo(b *strings.Builder) {
	if r.op == DoesNotExist {
		b.WriteByte('!')
	}
	b.WriteString(r.key)
	switch r.op {
	case Equals, NotEquals:
		b.WriteString(string(r.op))
		if r.doubleEquals {
			b.WriteByte('=')
		}
	case GreaterThan:
		b.WriteByte('>')
	case LessThan:
		b.WriteByte('<')
	case In, NotIn:
		b.WriteByte(' ')
		b.WriteString(string(r.op))
		b.WriteString(" (")
		for i, v := range r.values {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(v)
		}
		b.WriteByte(')')
		return
	default:
		return
	}
	if len(r.values) > 0 {
		b.WriteString(r.values[0])
	}
}

// compare orders requirements by key, operator and values: a total order
// for Equal, which ignores the spelling of Equals.
func (r Requirement) compare(o Requirement) int {
	return cmp.Or(strings.Compare(r.key, o.key), strings.Compare(string(r.op), string(o.op)), slices.Compare(r.values, o.values))
}

// exact returns the value r requires the label key to have, if r requires
// one specific value.
func (r Requirement) exact(key string) (string, bool) {
	if r.key == key && (r.op == Equals || r.op == In) && len(r.values) == 1 {
		return r.values[0], true
	}
	return "", false
}

// LabelKey names a label in a requirement under construction; see Label.
type LabelKey string

// Label starts a requirement on the label key, to be finished with one of the
// LabelKey methods:
//
//	selector.Label("app").In("web", "api")
//	selector.Label("tier").Exists()
//
// The methods validate like NewRequirement. They return the Requirement
// directly so that calls nest inside And; an invalid key or value is carried
// by the Requirement (see Requirement.Err) and by every Selector built from
// it (see Selector.Err).
func Label(key string) LabelKey { return LabelKey(key) }

func (k LabelKey) build(op Operator, values ...string) Requirement {
	r, _ := NewRequirement(string(k), op, values...)
	return r
}

// Equals requires the label to be present with the value.
func (k LabelKey) Equals(value string) Requirement { return k.build(Equals, value) }

// NotEquals requires the label to be absent or to have another value.
func (k LabelKey) NotEquals(value string) Requirement { return k.build(NotEquals, value) }

// In requires the label to be present with one of the values.
func (k LabelKey) In(values ...string) Requirement { return k.build(In, values...) }

// NotIn requires the label to be absent or to have none of the values.
func (k LabelKey) NotIn(values ...string) Requirement { return k.build(NotIn, values...) }

// Exists requires the label to be present.
func (k LabelKey) Exists() Requirement { return k.build(Exists) }

// DoesNotExist requires the label to be absent.
func (k LabelKey) DoesNotExist() Requirement { return k.build(DoesNotExist) }

// GreaterThan requires the label's value to be an integer greater than n.
// Label values cannot start with '-', so a negative n is invalid.
func (k LabelKey) GreaterThan(n int64) Requirement {
	return k.build(GreaterThan, strconv.FormatInt(n, 10))
}

// LessThan requires the label's value to be an integer less than n.
// Label values cannot start with '-', so a negative n is invalid.
func (k LabelKey) LessThan(n int64) Requirement {
	return k.build(LessThan, strconv.FormatInt(n, 10))
}

// Selector is a label selector: the conjunction of its requirements. It is
// immutable and safe for concurrent use. It is a LabelFilter.
//
// The zero Selector is Everything: it has no requirements and matches every
// label set. Nothing is a distinct value that matches no label set; it has no
// query-string form, see IsNothing. A Selector built from an invalid
// Requirement or Set carries the error: Err reports it, Matches returns false,
// and String renders the invalid text, which the API server would reject.
type Selector struct {
	c conjunction[Requirement] // terms ordered by sortByKey
}

// byKey orders requirements by key only, as apimachinery's labels.ByKey does.
type byKey []Requirement

func (a byKey) Len() int           { return len(a) }
func (a byKey) Swap(i, j int)      { a[i], a[j] = a[j], a[i] }
func (a byKey) Less(i, j int) bool { return a[i].key < a[j].key }

// sortByKey sorts requirements exactly as apimachinery's labels package does
// after parsing and in Selector.Add: sort.Sort by key alone. sort.Sort is
// deterministic, so, built with the same Go release, the same requirements
// in the same order end in the same order in both packages, including
// requirements that share a key (which sort.Sort leaves in their written
// order up to 12 requirements, and permutes deterministically beyond).
func sortByKey(reqs []Requirement) { sort.Sort(byKey(reqs)) }

// Everything returns the selector that matches every label set. It is the
// zero Selector; its String is "".
func Everything() Selector { return Selector{} }

// Nothing returns the selector that matches no label set. The Kubernetes API
// cannot express it as a query, so callers must check IsNothing before
// sending a request and answer with an empty result themselves.
func Nothing() Selector { return Selector{conjunction[Requirement]{nothing: true}} }

// And returns the selector that requires all of reqs. And() is Everything.
func And(reqs ...Requirement) Selector { return Selector{}.Add(reqs...) }

// MustParse is like Parse but panics if text is not a valid selector. It is
// meant for selectors written as constants in code and tests.
func MustParse(text string) Selector { return must(Parse(text)) }

// Add returns a selector that requires everything s requires and all of reqs,
// sorted by key as apimachinery's Selector.Add sorts them. s is not modified.
// Adding to Nothing returns Nothing. If s has no error, the result carries
// the error of the first invalid requirement in reqs.
func (s Selector) Add(reqs ...Requirement) Selector { return Selector{s.c.with(sortByKey, reqs)} }

// Requirements returns a copy of the requirements in the order of String.
// It returns nil for Everything and Nothing.
func (s Selector) Requirements() []Requirement { return s.c.requirements() }

// Empty reports whether s places no restriction: it is Everything or has no
// requirements. Nothing is not empty.
func (s Selector) Empty() bool { return s.c.empty() }

// IsNothing reports whether s is Nothing, which matches no label set. Such a
// selector cannot be sent to the API server: its String is "<nothing>", which
// the server rejects, so a caller must check IsNothing first and produce an
// empty result without a request.
func (s Selector) IsNothing() bool { return s.c.nothing }

// Err returns the *ValidationError of the first invalid requirement s was
// built from, or nil. Selectors returned by Parse without error are valid.
func (s Selector) Err() error { return s.c.err }

// Matches reports whether labels satisfy every requirement of s. A nil map has
// no labels. Everything matches every map; Nothing and invalid selectors match
// none.
func (s Selector) Matches(labels map[string]string) bool { return s.c.matches(labels) }

// RequiresExactMatch reports whether s requires the label key to have one
// specific value (through "=", "==" or "in" with a single value), and returns it.
func (s Selector) RequiresExactMatch(key string) (value string, ok bool) { return s.c.exact(key) }

// Equal reports whether s and o are the same selector: both Nothing, or both
// valid with the same requirements in any order ("a=1" and "a==1" are the
// same requirement). Parse(s.String()) is Equal to s.
func (s Selector) Equal(o Selector) bool { return s.c.equal(o.c) }

// String returns the text of s as apimachinery's labels.Selector String
// writes it for the same input: requirements sorted by key (see Add),
// separated by "," without spaces, "=" or "==" as written, values of "in" and
// "notin" sorted. The result parses back to an Equal selector. Everything is
// "", and Nothing is "<nothing>", which no parser accepts.
func (s Selector) String() string { return s.c.String() }

// Set is a set of labels, for example an object's labels. As a selector it
// means "every label of the set is present with that value".
type Set map[string]string

// AsSelector returns the selector that requires each label of ls with its
// value. An empty or nil Set gives Everything. Keys and values are validated;
// the first invalid one (in key order) is reported by the selector's Err.
func (ls Set) AsSelector() Selector {
	reqs := make([]Requirement, 0, len(ls))
	for k, v := range ls {
		r, _ := NewRequirement(k, Equals, v)
		reqs = append(reqs, r)
	}
	slices.SortFunc(reqs, func(a, b Requirement) int { return cmp.Compare(a.key, b.key) })
	return And(reqs...)
}

// String returns the selector text of ls.AsSelector(): "k1=v1,k2=v2", sorted by key.
func (ls Set) String() string { return ls.AsSelector().String() }
