package selector

import (
	"errors"
	"strconv"
	"strings"
)

// ErrSyntax is matched by errors.Is for every *SyntaxError: the text does not
// follow the selector grammar.
var ErrSyntax = errors.New("selector: syntax error")

// ErrInvalid is matched by errors.Is for every *ValidationError: the text is
// well formed, or the selector was built in code, but a key, value, field or
// operator breaks the rules the API server enforces.
var ErrInvalid = errors.New("selector: invalid selector")

// ErrUnsupportedField is matched by errors.Is for a *ValidationError returned by
// FieldSelector.ValidateFor or FieldSelector.ValidateFields when a field
// selector names a field the resource does not support.
var ErrUnsupportedField = errors.New("selector: field not supported")

// SyntaxError reports text that does not follow the label or field selector
// grammar. It matches ErrSyntax with errors.Is.
type SyntaxError struct {
	// Input is the complete text that was parsed.
	Input string
	// Offset is the byte offset in Input of the offending token; it equals
	// len(Input) when the input ended too early.
	Offset int
	// Found describes what was found at Offset, for example `")"` or
	// "end of input".
	Found string
	// Expected describes what the grammar allows at Offset.
	Expected string
}

// Error returns a one-line message that quotes the offset and the text around it.
func (e *SyntaxError) Error() string {
	var b strings.Builder
	b.WriteString("selector: syntax error at offset ")
	b.WriteString(strconv.Itoa(e.Offset))
	b.WriteString(" in ")
	b.WriteString(strconv.Quote(excerpt(e.Input, e.Offset)))
	b.WriteString(": found ")
	b.WriteString(e.Found)
	b.WriteString(", expected ")
	b.WriteString(e.Expected)
	return b.String()
}

// Is reports whether target is ErrSyntax.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

// Caret returns two lines for terminals: the input (or a window of it around
// the offset, for long inputs) and a caret under the offending byte.
func (e *SyntaxError) Caret() string { return caret(e.Input, e.Offset) }

// Part names the element of a selector that a ValidationError is about.
type Part string

// The parts of a selector a ValidationError can be about.
const (
	// PartLabelKey is a label key: an optional DNS subdomain prefix and "/",
	// then a name of at most 63 characters.
	PartLabelKey Part = "label key"
	// PartLabelValue is a label value: at most 63 characters, or empty.
	PartLabelValue Part = "label value"
	// PartValues is the number of values an operator takes.
	PartValues Part = "values"
	// PartOperator is an operator that is unknown or not allowed there.
	PartOperator Part = "operator"
	// PartFieldName is the field name of a field selector requirement.
	PartFieldName Part = "field name"
	// PartFieldValue is the value of a field selector requirement.
	PartFieldValue Part = "field value"
	// PartSelector is the selector as a whole: an empty Set, Fields, Expr or
	// FieldExpr passed as a filter, which would match every object.
	PartSelector Part = "selector"
	// PartUnsupportedField is a field name the target resource does not
	// support; such errors also match ErrUnsupportedField.
	PartUnsupportedField Part = "field"
)

// ValidationError reports a selector element that breaks the API server's
// rules, found while parsing or while building a selector in code. It matches
// ErrInvalid with errors.Is (and ErrUnsupportedField when Part is
// PartUnsupportedField).
type ValidationError struct {
	// Input is the parsed text, or "" when the selector was built in code.
	Input string
	// Offset is the byte offset in Input of the offending element, or -1 when
	// there is no Input.
	Offset int
	// Part names the element that is invalid.
	Part Part
	// Found is the offending element itself, such as the key or the value.
	Found string
	// Expected describes the rule that Found breaks.
	Expected string
	// Resource is the resource a field selector was validated for, set only
	// when Part is PartUnsupportedField.
	Resource string
}

// Error returns a one-line message naming the element, the rule and, for
// parsed input, the offset and the text around it.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("selector: invalid ")
	b.WriteString(string(e.Part))
	b.WriteString(" ")
	b.WriteString(strconv.Quote(shorten(e.Found)))
	if e.Resource != "" {
		b.WriteString(" for resource ")
		b.WriteString(strconv.Quote(e.Resource))
	}
	if e.Offset >= 0 && e.Input != "" {
		b.WriteString(" at offset ")
		b.WriteString(strconv.Itoa(e.Offset))
		b.WriteString(" in ")
		b.WriteString(strconv.Quote(excerpt(e.Input, e.Offset)))
	}
	b.WriteString(": ")
	b.WriteString(e.Expected)
	return b.String()
}

// Is reports whether target is ErrInvalid, or ErrUnsupportedField for an
// unsupported field.
func (e *ValidationError) Is(target error) bool {
	return target == ErrInvalid || (target == ErrUnsupportedField && e.Part == PartUnsupportedField)
}

// Caret returns two lines for terminals: the input (or a window of it) and a
// caret under the offending element. It returns "" when there is no Input.
func (e *ValidationError) Caret() string {
	if e.Offset < 0 || e.Input == "" {
		return ""
	}
	return caret(e.Input, e.Offset)
}

// window is how many bytes of context error messages show on each side of an
// offset, so that errors about megabyte inputs stay short.
const window = 32

// excerptBounds returns the start and end of the window of s around off.
func excerptBounds(s string, off int) (start, end int) {
	start, end = max(off-window, 0), min(off+window, len(s))
	if start > end { // off beyond len(s): cannot happen, but stay safe
		start = end
	}
	return start, end
}

// shorten returns s, or its first 64 bytes followed by "...".
func shorten(s string) string {
	if len(s) <= 2*window {
		return s
	}
	return s[:2*window] + "..."
}

// excerpt returns s, or a window of it around off marked with "...".
func excerpt(s string, off int) string {
	start, end := excerptBounds(s, off)
	out := s[start:end]
	if start > 0 {
		out = "..." + out
	}
	if end < len(s) {
		out += "..."
	}
	return out
}

// caret renders the window of s around off and a caret line below it. Bytes
// that are not printable ASCII are shown as '?', so the caret stays aligned.
func caret(s string, off int) string {
	start, end := excerptBounds(s, off)
	var line strings.Builder
	pad := 0
	if start > 0 {
		line.WriteString("...")
		pad = 3
	}
	for i := start; i < end; i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			c = '?'
		}
		line.WriteByte(c)
	}
	if end < len(s) {
		line.WriteString("...")
	}
	return line.String() + "\n" + strings.Repeat(" ", pad+off-start) + "^"
}
