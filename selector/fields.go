package selector

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// FieldRequirement is one condition of a field selector: a field name, Equals
// or NotEquals, and a value. It is immutable. Requirements built with
// NewFieldRequirement or the FieldPath methods are validated; an invalid one
// carries the error, which Err reports and which every FieldSelector it is
// added to reports too. The zero FieldRequirement is invalid.
type FieldRequirement struct {
	field string
	op    Operator
	value string
	err   error
}

// NewFieldRequirement returns a validated field requirement. op must be Equals
// or NotEquals. The field name must be non-empty printable ASCII without
// spaces and without the characters \ , = ! (every field the API server
// supports, such as "status.phase", qualifies). The value may be any UTF-8
// text, including ""; String escapes it. The error is a *ValidationError; the
// returned FieldRequirement carries it as well.
func NewFieldRequirement(field string, op Operator, value string) (FieldRequirement, error) {
	r := FieldRequirement{field: field, op: op, value: value}
	r.err = r.validate()
	return r, r.err
}

func (r FieldRequirement) validate() error {
	if _, msg := checkFieldName(r.field); msg != "" {
		return &ValidationError{Offset: -1, Part: PartFieldName, Found: r.field, Expected: msg}
	}
	if r.op != Equals && r.op != NotEquals {
		return &ValidationError{Offset: -1, Part: PartOperator, Found: string(r.op), Expected: "field selectors support only = and !="}
	}
	if !utf8.ValidString(r.value) {
		return &ValidationError{Offset: -1, Part: PartFieldValue, Found: r.value, Expected: "a field value must be valid UTF-8"}
	}
	return nil
}

// checkFieldName returns "" if name is a valid field name, or the offset in
// name of the first bad byte and a description of the rule.
func checkFieldName(name string) (int, string) {
	if name == "" {
		return 0, "a field name must be non-empty"
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c <= ' ' || c >= 0x7f:
			return i, "a field name must be printable ASCII without spaces"
		case c == '\\' || c == ',' || c == '=' || c == '!':
			return i, `a field name must not contain \ , = or !`
		}
	}
	return 0, ""
}

// Field returns the field name of its FieldRequirement.
func (r FieldRequirement) Field() string { return r.field }

// Operator returns Equals or NotEquals.
func (r FieldRequirement) Operator() Operator { return r.op }

// Value returns the unescaped value.
func (r FieldRequirement) Value() string { return r.value }

// Err returns the *ValidationError found when r was built, or nil if r is valid.
func (r FieldRequirement) Err() error {
	if r.err == nil && r.op == "" {
		return &ValidationError{Offset: -1, Part: PartOperator, Expected: "a requirement built with NewFieldRequirement or Field (the zero FieldRequirement is invalid)"}
	}
	return r.err
}

// Equal reports whether r and o have the same field, operator and value.
func (r FieldRequirement) Equal(o FieldRequirement) bool { return r.compare(o) == 0 }

// compare orders field requirements by field, operator and value, a total
// order for Equal.
func (r FieldRequirement) compare(o FieldRequirement) int {
	return cmp.Or(strings.Compare(r.field, o.field), strings.Compare(string(r.op), string(o.op)), strings.Compare(r.value, o.value))
}

// exact returns the value r requires the field to have, if r is an equality
// on field.
func (r FieldRequirement) exact(field string) (string, bool) {
	if r.field == field && r.op == Equals {
		return r.value, true
	}
	return "", false
}

// Matches reports whether the flattened fields satisfy r. As on the API
// server, a missing field has the value "": "spec.nodeName=" matches an
// object without a node. An invalid requirement matches nothing.
func (r FieldRequirement) Matches(fields map[string]string) bool {
	if r.Err() != nil {
		return false
	}
	if r.op == Equals {
		return fields[r.field] == r.value
	}
	return fields[r.field] != r.value
}

// String returns "field=value" or "field!=value" with \, , and = in the
// value escaped by a backslash.
func (r FieldRequirement) String() string {
	var b strings.Builder
	r.writeTo(&b)
	return b.String()
}

func (r FieldRequirement) writeTo(b *strings.Builder) {
	b.WriteString(r.field)
	b.WriteString(string(r.op))
	b.WriteString(EscapeFieldValue(r.value))
}

// EscapeFieldValue escapes \, , and = with a backslash, so that any value can
// appear in a field selector.
func EscapeFieldValue(value string) string {
	if !strings.ContainsAny(value, `\,=`) {
		return value
	}
	var b strings.Builder
	b.Grow(len(value) + 4)
	for i := 0; i < len(value); i++ {
		if c := value[i]; c == '\\' || c == ',' || c == '=' {
			b.WriteByte('\\')
		}
		b.WriteByte(value[i])
	}
	return b.String()
}

// FieldPath names a field in a field requirement under construction; see Field.
type FieldPath string

// Field starts a field requirement, to be finished with Equals or NotEquals:
//
//	selector.Field("status.phase").Equals("Running")
//
// The methods validate like NewFieldRequirement and return the
// FieldRequirement directly; an invalid field name is carried by it (see
// FieldRequirement.Err) and by every FieldSelector built from it.
func Field(name string) FieldPath { return FieldPath(name) }

// Equals requires the field to have the value.
func (f FieldPath) Equals(value string) FieldRequirement {
	r, _ := NewFieldRequirement(string(f), Equals, value)
	return r
}

// NotEquals requires the field to have another value.
func (f FieldPath) NotEquals(value string) FieldRequirement {
	r, _ := NewFieldRequirement(string(f), NotEquals, value)
	return r
}

// FieldSelector is a field selector: the conjunction of its requirements. It
// is immutable and safe for concurrent use. It is a FieldFilter.
//
// The zero FieldSelector is EverythingFields. NothingFields matches no object
// and has no query-string form; see IsNothing. A FieldSelector built from an
// invalid FieldRequirement carries the error: Err reports it and Matches
// returns false.
type FieldSelector struct {
	c conjunction[FieldRequirement] // terms in the order of String
}

// EverythingFields returns the field selector that matches everything. It is
// the zero FieldSelector; its String is "".
func EverythingFields() FieldSelector { return FieldSelector{} }

// NothingFields returns the field selector that matches nothing. The API
// cannot express it, so callers must check IsNothing before sending a request
// and answer with an empty result themselves.
func NothingFields() FieldSelector {
	return FieldSelector{conjunction[FieldRequirement]{nothing: true}}
}

// AndFields returns the field selector that requires all of reqs, in the
// order given, as apimachinery's fields.AndSelectors keeps them.
func AndFields(reqs ...FieldRequirement) FieldSelector { return FieldSelector{}.Add(reqs...) }

// MustParseFields is like ParseFields but panics if text is not a valid field
// selector. It is meant for constants in code and tests.
func MustParseFields(text string) FieldSelector { return must(ParseFields(text)) }

// Add returns a field selector that requires everything s requires and then
// all of reqs, in that order (apimachinery's fields package does not reorder
// terms it combines). s is not modified. Adding to NothingFields returns
// NothingFields. If s has no error, the result carries the error of the first
// invalid requirement in reqs.
func (s FieldSelector) Add(reqs ...FieldRequirement) FieldSelector {
	return FieldSelector{s.c.with(nil, reqs)}
}

// Requirements returns a copy of the requirements in the order of String.
func (s FieldSelector) Requirements() []FieldRequirement { return s.c.requirements() }

// Empty reports whether s places no restriction. NothingFields is not empty.
func (s FieldSelector) Empty() bool { return s.c.empty() }

// IsNothing reports whether s is NothingFields. Its String is "<nothing>",
// which the API server rejects, so a caller must check IsNothing first and
// produce an empty result without a request.
func (s FieldSelector) IsNothing() bool { return s.c.nothing }

// Err returns the *ValidationError of the first invalid requirement s was
// built from, or nil.
func (s FieldSelector) Err() error { return s.c.err }

// Matches reports whether the flattened fields (for example
// {"metadata.name": "web-0", "status.phase": "Running"}) satisfy every
// requirement. Missing fields have the value "". NothingFields and invalid
// selectors match nothing.
func (s FieldSelector) Matches(fields map[string]string) bool { return s.c.matches(fields) }

// RequiresExactMatch reports whether s requires the field to have one specific
// value, and returns it.
func (s FieldSelector) RequiresExactMatch(field string) (value string, ok bool) {
	return s.c.exact(field)
}

// Equal reports whether s and o are the same: both NothingFields, or both
// valid with the same requirements in any order. ParseFields(s.String()) is
// Equal to s.
func (s FieldSelector) Equal(o FieldSelector) bool { return s.c.equal(o.c) }

// String returns the text of s as apimachinery's fields.Selector String
// writes it: the requirements in order (see ParseFields and Add), separated
// by "," without spaces, "==" written as "=", values escaped.
// EverythingFields is "", and NothingFields is "<nothing>", which no parser
// accepts.
func (s FieldSelector) String() string { return s.c.String() }

// Fields is a set of flattened fields. As a selector it means "every field
// has that value".
type Fields map[string]string

// AsSelector returns the field selector that requires each field to have its
// value, sorted by field name (apimachinery's order is that of map
// iteration, so it has no fixed String to match). An empty or nil Fields
// gives EverythingFields. The first invalid field name (in name order) is
// reported by the selector's Err.
func (fs Fields) AsSelector() FieldSelector {
	names := make([]string, 0, len(fs))
	for name := range fs {
		names = append(names, name)
	}
	slices.Sort(names)
	reqs := make([]FieldRequirement, 0, len(fs))
	for _, name := range names {
		reqs = append(reqs, Field(name).Equals(fs[name]))
	}
	return AndFields(reqs...)
}

// String returns the selector text of fs.AsSelector().
func (fs Fields) String() string { return fs.AsSelector().String() }

// ParseFields parses a field selector in the syntax of the Kubernetes API (the
// fieldSelector query parameter):
//
//	<selector>    ::= <term> { "," <term> }
//	<term>        ::= "" | FIELD <op> <value>                 (empty terms are ignored)
//	<op>          ::= "=" | "==" | "!="
//	<value>       ::= { CHAR | "\\" | "\," | "\=" }           (CHAR is any character but \ , =)
//
// The operator is the first "=" of the term (with a "!" just before it, "!=",
// and with a second "=" after it, "=="), so FIELD cannot contain "=". White
// space is not skipped: it is part of FIELD or VALUE, as on the API server.
// FIELD must be non-empty printable ASCII without spaces and without
// \ , = ! ; every field the API server supports qualifies. The value is
// unescaped: "\\" is a backslash, "\," a comma and "\=" an equals sign; any
// other backslash sequence and any unescaped "=" is an error.
//
// ParseFields is stricter than apimachinery's fields.ParseSelector, which
// accepts any FIELD (the server then answers that the field is not
// supported) and drops a term with an empty field and value ("=" alone): it
// rejects such FIELDs and text that is not valid UTF-8.
//
// The requirements keep the order apimachinery's fields.ParseSelector gives
// them: the terms sorted by their text as written (so "b==x" comes before
// "b=w"), which makes FieldSelector.String equal to apimachinery's.
//
// ParseFields does not know which fields a resource supports; use
// FieldSelector.ValidateFor. Errors are a *SyntaxError or a *ValidationError
// with the byte offset. ParseFields takes time linear in the length of text
// (plus sorting).
func ParseFields(text string) (FieldSelector, error) {
	if !utf8.ValidString(text) {
		off := 0
		for off < len(text) {
			r, size := utf8.DecodeRuneInString(text[off:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			off += size
		}
		return FieldSelector{}, &SyntaxError{Input: text, Offset: off, Found: "a byte that is not valid UTF-8", Expected: "UTF-8 text"}
	}
	type written struct {
		text string
		r    FieldRequirement
	}
	var terms []written
	start := 0
	for start <= len(text) {
		end := start
		for end < len(text) && text[end] != ',' {
			if text[end] == '\\' && end+1 < len(text) {
				end++
			}
			end++
		}
		if end > start {
			r, err := parseFieldTerm(text, start, end)
			if err != nil {
				return FieldSelector{}, err
			}
			terms = append(terms, written{text[start:end], r})
		}
		start = end + 1
	}
	// Errors are reported in input order above; the order of the result is
	// that of the written terms, as apimachinery sorts them before parsing.
	slices.SortFunc(terms, func(a, b written) int { return strings.Compare(a.text, b.text) })
	reqs := make([]FieldRequirement, len(terms))
	for i, t := range terms {
		reqs[i] = t.r
	}
	return FieldSelector{conjunction[FieldRequirement]{reqs: reqs}}, nil
}

// parseFieldTerm parses text[start:end], a term without unescaped commas.
func parseFieldTerm(text string, start, end int) (FieldRequirement, error) {
	term := text[start:end]
	eq := strings.IndexByte(term, '=')
	if eq < 0 {
		found := "end of input"
		if end < len(text) {
			found = `","`
		}
		return FieldRequirement{}, &SyntaxError{Input: text, Offset: end, Found: found, Expected: `"=", "==" or "!=" after the field name`}
	}
	r := FieldRequirement{op: Equals, field: term[:eq]}
	valueStart := eq + 1
	switch {
	case eq > 0 && term[eq-1] == '!':
		r.op, r.field = NotEquals, term[:eq-1]
	case eq+1 < len(term) && term[eq+1] == '=':
		valueStart = eq + 2
	}
	if off, msg := checkFieldName(r.field); msg != "" {
		return FieldRequirement{}, &ValidationError{Input: text, Offset: start + off, Part: PartFieldName, Found: r.field, Expected: msg}
	}
	raw := term[valueStart:]
	if !strings.ContainsAny(raw, `\=`) {
		r.value = raw
		return r, nil
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		off := start + valueStart + i
		switch c := raw[i]; c {
		case '\\':
			if i+1 == len(raw) {
				return FieldRequirement{}, &SyntaxError{Input: text, Offset: off, Found: `a lone "\" at the end of the value`, Expected: `"\\", "\," or "\="`}
			}
			i++
			switch n := raw[i]; n {
			case '\\', ',', '=':
				b.WriteByte(n)
			default:
				_, size := utf8.DecodeRuneInString(raw[i:])
				return FieldRequirement{}, &SyntaxError{Input: text, Offset: off, Found: "the escape sequence " + `"\` + raw[i:i+size] + `"`, Expected: `"\\", "\," or "\="`}
			}
		case '=':
			return FieldRequirement{}, &SyntaxError{Input: text, Offset: off, Found: `an unescaped "="`, Expected: `a value character or "\=" for a literal "="`}
		default:
			b.WriteByte(c)
		}
	}
	r.value = b.String()
	return r, nil
}
