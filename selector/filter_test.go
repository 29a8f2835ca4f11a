package selector

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// selected is what SelectLabels or SelectFields must return.
type selected struct {
	want   string // String of the selector; "<nothing>" on error
	err    error  // matched with errors.Is
	part   Part   // of the *ValidationError; "" for a *SyntaxError
	offset int    // of the *SyntaxError or *ValidationError
}

// check asserts that sel and err are what s describes.
func (s selected) check(t *testing.T, sel interface {
	String() string
	IsNothing() bool
	Matches(map[string]string) bool
}, err error) {
	t.Helper()
	assert.Equal(t, s.want, sel.String())
	if s.err == nil {
		require.NoError(t, err)
		return
	}
	require.ErrorIs(t, err, s.err)
	assert.True(t, sel.IsNothing(), "on error the selector is Nothing, never Everything")
	assert.False(t, sel.Matches(map[string]string{}), "on error the selector matches nothing")
	assertErrorAt(t, err, s.part, s.offset)
}

func TestSelectLabels(t *testing.T) {
	tests := []struct {
		reason string
		filter LabelFilter
		selected
	}{
		{"parsed selector", MustParse("b=1,a"), selected{"a,b=1", nil, "", 0}},
		{"Everything is an explicit choice", Everything(), selected{"", nil, "", 0}},
		{"Nothing is an explicit choice", Nothing(), selected{"<nothing>", nil, "", 0}},
		{"selector carrying an error", And(Label("a").Exists(), Label("-a").Exists()), selected{"<nothing>", ErrInvalid, PartLabelKey, -1}},
		{"set", Set{"tier": "db", "app": "web"}, selected{"app=web,tier=db", nil, "", 0}},
		{"empty set matches everything", Set{}, selected{"<nothing>", ErrInvalid, PartSelector, -1}},
		{"nil set matches everything", Set(nil), selected{"<nothing>", ErrInvalid, PartSelector, -1}},
		{"set with an invalid value", Set{"app": "a b"}, selected{"<nothing>", ErrInvalid, PartLabelValue, -1}},
		{"requirement", Label("app").In("web", "api"), selected{"app in (api,web)", nil, "", 0}},
		{"invalid requirement", Label("app").GreaterThan(-1), selected{"<nothing>", ErrInvalid, PartLabelValue, -1}},
		{"zero requirement", Requirement{}, selected{"<nothing>", ErrInvalid, PartOperator, -1}},
		{"expression", Expr("tier!=db, app==web"), selected{"app==web,tier!=db", nil, "", 0}},
		{"empty expression matches everything", Expr(""), selected{"<nothing>", ErrInvalid, PartSelector, -1}},
		{"white space expression matches everything", Expr(" \t"), selected{"<nothing>", ErrInvalid, PartSelector, -1}},
		{"syntax error keeps its offset", Expr("app in (web"), selected{"<nothing>", ErrSyntax, "", 11}},
		{"validation error keeps its offset", Expr("a=1, b=-x"), selected{"<nothing>", ErrInvalid, PartLabelValue, 7}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			sel, err := tt.filter.SelectLabels()
			tt.check(t, sel, err)
		})
	}
}

func TestSelectFields(t *testing.T) {
	tests := []struct {
		reason string
		filter FieldFilter
		selected
	}{
		{"parsed selector", MustParseFields("status.phase=Running"), selected{"status.phase=Running", nil, "", 0}},
		{"EverythingFields is an explicit choice", EverythingFields(), selected{"", nil, "", 0}},
		{"NothingFields is an explicit choice", NothingFields(), selected{"<nothing>", nil, "", 0}},
		{"selector carrying an error", AndFields(Field("a b").Equals("x")), selected{"<nothing>", ErrInvalid, PartFieldName, -1}},
		{"fields", Fields{"spec.nodeName": "n1", "metadata.name": "x"}, selected{"metadata.name=x,spec.nodeName=n1", nil, "", 0}},
		{"empty fields match everything", Fields{}, selected{"<nothing>", ErrInvalid, PartSelector, -1}},
		{"nil fields match everything", Fields(nil), selected{"<nothing>", ErrInvalid, PartSelector, -1}},
		{"fields with an invalid name", Fields{"a,b": "x"}, selected{"<nothing>", ErrInvalid, PartFieldName, -1}},
		{"requirement", Field("metadata.name").NotEquals("a,b"), selected{`metadata.name!=a\,b`, nil, "", 0}},
		{"invalid requirement", Field("a").Equals("\xff"), selected{"<nothing>", ErrInvalid, PartFieldValue, -1}},
		{"zero requirement", FieldRequirement{}, selected{"<nothing>", ErrInvalid, PartOperator, -1}},
		{"expression", FieldExpr("status.phase==Running,metadata.name!=x"), selected{"metadata.name!=x,status.phase=Running", nil, "", 0}},
		{"empty expression matches everything", FieldExpr(""), selected{"<nothing>", ErrInvalid, PartSelector, -1}},
		{"expression of empty terms matches everything", FieldExpr(",,"), selected{"<nothing>", ErrInvalid, PartSelector, -1}},
		{"syntax error keeps its offset", FieldExpr("a=1,b"), selected{"<nothing>", ErrSyntax, "", 5}},
		{"validation error keeps its offset", FieldExpr("a=1,b c=2"), selected{"<nothing>", ErrInvalid, PartFieldName, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			sel, err := tt.filter.SelectFields()
			tt.check(t, sel, err)
		})
	}
}

func TestEmptyFilterMessage(t *testing.T) {
	tests := []struct {
		reason string
		err    func() error
		msg    string
	}{
		{"empty Set", func() error { _, err := Set{}.SelectLabels(); return err },
			`selector: invalid selector "": an empty Set would match every object; use Everything() or EverythingFields() to select every object`},
		{"white space Expr quotes the text", func() error { _, err := Expr("  ").SelectLabels(); return err },
			`selector: invalid selector "  ": an empty Expr would match every object; use Everything() or EverythingFields() to select every object`},
		{"empty FieldExpr", func() error { _, err := FieldExpr(",").SelectFields(); return err },
			`selector: invalid selector ",": an empty FieldExpr would match every object; use Everything() or EverythingFields() to select every object`},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			assert.EqualError(t, tt.err(), tt.msg)
		})
	}
}
