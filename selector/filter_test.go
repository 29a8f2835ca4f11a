package selector

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSelectLabels(t *testing.T) {
	tests := []struct {
		reason string
		filter LabelFilter
		want   string // String of the selector; "<nothing>" on error
		err    error  // matched with errors.Is
		part   Part   // of the *ValidationError, if any
		offset int    // of the *SyntaxError or *ValidationError, if any
	}{
		{"parsed selector", MustParse("b=1,a"), "a,b=1", nil, "", 0},
		{"Everything is an explicit choice", Everything(), "", nil, "", 0},
		{"Nothing is an explicit choice", Nothing(), "<nothing>", nil, "", 0},
		{"selector carrying an error", And(Label("a").Exists(), Label("-a").Exists()), "<nothing>", ErrInvalid, PartLabelKey, -1},
		{"set", Set{"tier": "db", "app": "web"}, "app=web,tier=db", nil, "", 0},
		{"empty set matches everything", Set{}, "<nothing>", ErrInvalid, PartSelector, -1},
		{"nil set matches everything", Set(nil), "<nothing>", ErrInvalid, PartSelector, -1},
		{"set with an invalid value", Set{"app": "a b"}, "<nothing>", ErrInvalid, PartLabelValue, -1},
		{"requirement", Label("app").In("web", "api"), "app in (api,web)", nil, "", 0},
		{"invalid requirement", Label("app").GreaterThan(-1), "<nothing>", ErrInvalid, PartLabelValue, -1},
		{"zero requirement", Requirement{}, "<nothing>", ErrInvalid, PartOperator, -1},
		{"expression", Expr("tier!=db, app==web"), "app==web,tier!=db", nil, "", 0},
		{"empty expression matches everything", Expr(""), "<nothing>", ErrInvalid, PartSelector, -1},
		{"white space expression matches everything", Expr(" \t"), "<nothing>", ErrInvalid, PartSelector, -1},
		{"syntax error keeps its offset", Expr("app in (web"), "<nothing>", ErrSyntax, "", 11},
		{"validation error keeps its offset", Expr("a=1, b=-x"), "<nothing>", ErrInvalid, PartLabelValue, 7},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			sel, err := tt.filter.SelectLabels()
			assert.Equal(t, tt.want, sel.String())
			if tt.err == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.err)
			assert.True(t, sel.IsNothing(), "on error the selector is Nothing, never Everything")
			assert.False(t, sel.Matches(map[string]string{}), "on error the selector matches nothing")
			assertPosition(t, err, tt.part, tt.offset)
		})
	}
}

func TestSelectFields(t *testing.T) {
	tests := []struct {
		reason string
		filter FieldFilter
		want   string
		err    error
		part   Part
		offset int
	}{
		{"parsed selector", MustParseFields("status.phase=Running"), "status.phase=Running", nil, "", 0},
		{"EverythingFields is an explicit choice", EverythingFields(), "", nil, "", 0},
		{"NothingFields is an explicit choice", NothingFields(), "<nothing>", nil, "", 0},
		{"selector carrying an error", AndFields(Field("a b").Equals("x")), "<nothing>", ErrInvalid, PartFieldName, -1},
		{"fields", Fields{"spec.nodeName": "n1", "metadata.name": "x"}, "metadata.name=x,spec.nodeName=n1", nil, "", 0},
		{"empty fields match everything", Fields{}, "<nothing>", ErrInvalid, PartSelector, -1},
		{"nil fields match everything", Fields(nil), "<nothing>", ErrInvalid, PartSelector, -1},
		{"fields with an invalid name", Fields{"a,b": "x"}, "<nothing>", ErrInvalid, PartFieldName, -1},
		{"requirement", Field("metadata.name").NotEquals("a,b"), `metadata.name!=a\,b`, nil, "", 0},
		{"invalid requirement", Field("a").Equals("\xff"), "<nothing>", ErrInvalid, PartFieldValue, -1},
		{"zero requirement", FieldRequirement{}, "<nothing>", ErrInvalid, PartOperator, -1},
		{"expression", FieldExpr("status.phase==Running,metadata.name!=x"), "metadata.name!=x,status.phase=Running", nil, "", 0},
		{"empty expression matches everything", FieldExpr(""), "<nothing>", ErrInvalid, PartSelector, -1},
		{"expression of empty terms matches everything", FieldExpr(",,"), "<nothing>", ErrInvalid, PartSelector, -1},
		{"syntax error keeps its offset", FieldExpr("a=1,b"), "<nothing>", ErrSyntax, "", 5},
		{"validation error keeps its offset", FieldExpr("a=1,b c=2"), "<nothing>", ErrInvalid, PartFieldName, 5},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			sel, err := tt.filter.SelectFields()
			assert.Equal(t, tt.want, sel.String())
			if tt.err == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.err)
			assert.True(t, sel.IsNothing(), "on error the selector is NothingFields, never EverythingFields")
			assert.False(t, sel.Matches(map[string]string{}), "on error the selector matches nothing")
			assertPosition(t, err, tt.part, tt.offset)
		})
	}
}

// assertPosition checks the Part of a *ValidationError (part != "") or the
// Offset of a *SyntaxError (part == "").
func assertPosition(t *testing.T, err error, part Part, offset int) {
	t.Helper()
	if part == "" {
		var se *SyntaxError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, offset, se.Offset)
		return
	}
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, part, ve.Part)
	assert.Equal(t, offset, ve.Offset)
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
