package selector

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		reason string
		in     string
		want   string // canonical String()
	}{
		{"empty input is Everything", "", ""},
		{"white space only is Everything", " \t\r\n", ""},
		{"equality", "x=a", "x=a"},
		{"double equals is Equals, written as parsed like apimachinery", "x==a", "x==a"},
		{"not equals", "x!=a", "x!=a"},
		{"empty value after =", "x=", "x="},
		{"empty value before comma", "x=,y!=", "x=,y!="},
		{"spaces around operators are skipped", " x = a , y != b ", "x=a,y!=b"},
		{"tabs and newlines are white space", "x\t==\na", "x==a"},
		{"exists", "x", "x"},
		{"does not exist", "!x", "!x"},
		{"space after bang", "! x", "!x"},
		{"in sorts and dedups values", "x in (c, a, c,b)", "x in (a,b,c)"},
		{"notin without space before paren", "x notin(a)", "x notin (a)"},
		{"empty list means the empty value", "x in ()", "x in ()"},
		{"leading comma adds empty value", "x in (,a)", "x in (,a)"},
		{"trailing comma adds empty value", "x in (a,)", "x in (,a)"},
		{"double comma adds empty value", "x in (a,,b)", "x in (,a,b)"},
		{"odd run of trailing commas is accepted as by the server", "x in (a,,,)", "x in (,a)"},
		{"lone comma is the empty value", "x in (,)", "x in ()"},
		{"greater than", "x>1", "x>1"},
		{"less than with spaces", "x < 10", "x<10"},
		{"leading zeros are an integer", "x>007", "x>007"},
		{"keywords are keys in key position", "in in (in),notin notin (notin)", "in in (in),notin notin (notin)"},
		{"keywords are values", "notin=in", "notin=in"},
		{"sorted by key", "z,y=1,x in (a),!w", "!w,x in (a),y=1,z"},
		{"same key keeps the written order, as sort.Sort by key does", "a=2,a!=3,a=1", "a=2,a!=3,a=1"},
		{"keys sorted, same key in written order", "b,a=2,b=1,a", "a=2,a,b,b=1"},
		{"duplicates are kept", "a,a", "a,a"},
		{"prefixed key", "example.com/app=web", "example.com/app=web"},
		{"253 character prefix", strings.Repeat("p", 253) + "/k", strings.Repeat("p", 253) + "/k"},
		{"63 character name and value", strings.Repeat("k", 63) + "=" + strings.Repeat("v", 63), strings.Repeat("k", 63) + "=" + strings.Repeat("v", 63)},
		{"value with dots, dashes and underscores", "x=a.b-c_d", "x=a.b-c_d"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			sel, err := Parse(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, sel.String())
			again, err := Parse(sel.String())
			require.NoError(t, err)
			assert.True(t, again.Equal(sel), "String must round-trip")
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		reason   string
		in       string
		syntax   bool // *SyntaxError, else *ValidationError
		offset   int
		found    string
		part     Part // for validation errors
		expected string
	}{
		{"lone comma", ",", true, 0, `","`, "", `"!" or a label key`},
		{"trailing comma", "a,", true, 2, "end of input", "", `"!" or a label key`},
		{"double comma between requirements", "a,,b", true, 2, `","`, "", `"!" or a label key`},
		{"lone bang", "!", true, 1, "end of input", "", "a label key"},
		{"double bang", "!!a", true, 1, `"!"`, "", "a label key"},
		{"operator after does-not-exist", "!x=a", true, 2, `"="`, "", `"," or end of input`},
		{"two values", "x=a b", true, 4, `"b"`, "", `"," or end of input`},
		{"chained equality", "x==a==b", true, 4, `"=="`, "", `"," or end of input`},
		{"pipes are not operators but part of the value", "x=a||y=b", false, 2, "a||y", PartLabelValue, ""},
		{"unknown word operator", "x nott in (y)", true, 2, `"nott"`, "", `"=", "==", "!=", "in", "notin", ">", "<", "," or end of input`},
		{"in without list", "x in y", true, 5, `"y"`, "", `"("`},
		{"in at end", "x in", true, 4, "end of input", "", `"("`},
		{"unclosed list", "x in (a", true, 7, "end of input", "", `"," or ")"`},
		{"values without comma", "x in (a b)", true, 8, `"b"`, "", `"," or ")"`},
		{"even run of trailing commas", "x in (a,,)", true, 9, `")"`, "", `a value or "," (the API server rejects an even run of commas before ")")`},
		{"nested paren", "x in ((a))", true, 6, `"("`, "", `a value, "," or ")"`},
		{"paren as value", "x=(a)", true, 2, `"("`, "", `a value, "," or end of input`},
		{"space inside !=", "x ! = a", true, 2, `"!"`, "", `"=", "==", "!=", "in", "notin", ">", "<", "," or end of input`},
		{"greater or equal", "x>=1", true, 2, `"="`, "", `a value, "," or end of input`},
		{"NUL byte", "a\x00", true, 1, "a NUL byte", "", "any other character"},
		{"invalid key", "A_=x", false, 0, "A_", PartLabelKey, ""},
		{"key with two slashes", "a/b/c", false, 0, "a/b/c", PartLabelKey, ""},
		{"empty prefix", "/a", false, 0, "/a", PartLabelKey, ""},
		{"uppercase prefix", "Example.com/a", false, 0, "Example.com/a", PartLabelKey, ""},
		{"254 character prefix", strings.Repeat("p", 254) + "/k", false, 0, strings.Repeat("p", 254) + "/k", PartLabelKey, ""},
		{"64 character name", "a," + strings.Repeat("k", 64), false, 2, strings.Repeat("k", 64), PartLabelKey, ""},
		{"invalid key after bang", "! -a", false, 2, "-a", PartLabelKey, ""},
		{"64 character value", "x=" + strings.Repeat("v", 64), false, 2, strings.Repeat("v", 64), PartLabelValue, ""},
		{"value starting with dash", "x = -v", false, 4, "-v", PartLabelValue, ""},
		{"invalid value in list", "x in (a, b-)", false, 9, "b-", PartLabelValue, ""},
		{"non-integer for >", "x>a", false, 2, "a", PartLabelValue, ""},
		{"empty value for <", "x<", false, 2, "", PartLabelValue, ""},
		{"negative integer is not a label value", "x>-1", false, 2, "-1", PartLabelValue, ""},
		{"integer overflow", "x<99999999999999999999", false, 2, "99999999999999999999", PartLabelValue, ""},
		{"non-ASCII key", "ä", false, 0, "ä", PartLabelKey, ""},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			_, err := Parse(tt.in)
			require.Error(t, err)
			if tt.syntax {
				var se *SyntaxError
				require.ErrorAs(t, err, &se)
				assert.ErrorIs(t, err, ErrSyntax)
				assert.NotErrorIs(t, err, ErrInvalid)
				assert.Equal(t, tt.in, se.Input)
				assert.Equal(t, tt.offset, se.Offset)
				assert.Equal(t, tt.found, se.Found)
				assert.Equal(t, tt.expected, se.Expected)
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.NotErrorIs(t, err, ErrSyntax)
			assert.Equal(t, tt.in, ve.Input)
			assert.Equal(t, tt.offset, ve.Offset)
			assert.Equal(t, tt.found, ve.Found)
			assert.Equal(t, tt.part, ve.Part)
			assert.NotEmpty(t, ve.Expected)
		})
	}
}

func TestParseDeterministic(t *testing.T) {
	tests := []struct {
		reason   string
		a, b     string
		sameText bool // String is the same, not only Equal
	}{
		{"order of keys does not matter", "x=a,a=x", "a=x,x=a", true},
		{"order of values does not matter", "x in (b,a)", "x in (a,b,a)", true},
		{"order on one key is kept in String but not in Equal", "a!=1,a=2,a", "a,a=2,a!=1", false},
		{"spelling of equality is kept in String but not in Equal", "x==a", "x = a", false},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			a, b := MustParse(tt.a), MustParse(tt.b)
			assert.Equal(t, tt.sameText, a.String() == b.String(), "%q and %q", a, b)
			assert.True(t, a.Equal(b))
		})
	}
}

func TestMustParsePanics(t *testing.T) {
	assert.Panics(t, func() { MustParse("a=(") }, "invalid text must panic")
	assert.Panics(t, func() { MustParseFields("a") }, "invalid text must panic")
}

func TestLinearTime(t *testing.T) {
	const size = 1 << 20
	tests := []struct {
		reason string
		in     string
		count  int // requirements when valid
		err    error
		offset int
	}{
		{"many requirements", strings.Repeat("a=b,", size/4-1) + "a=b", size/4 - 1 + 1, nil, 0},
		{"one huge list", "x in (" + strings.Repeat("a,", size/2) + "b)", 1, nil, 0},
		{"deeply repeated bangs", strings.Repeat("!", size), 0, ErrSyntax, 1},
		{"opening parens", "x in " + strings.Repeat("(", size), 0, ErrSyntax, 6},
		{"huge white space", strings.Repeat(" ", size) + "a", 1, nil, 0},
		{"huge key", strings.Repeat("k", size), 0, ErrInvalid, 0},
		{"commas in a list", "x in (" + strings.Repeat(",", size), 0, ErrSyntax, 6 + size},
		{"error at the very end", strings.Repeat("a,", size/2) + "!", 0, ErrSyntax, size + 1},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			sel, err := Parse(tt.in)
			if tt.err == nil {
				require.NoError(t, err)
				assert.Len(t, sel.Requirements(), tt.count)
				return
			}
			require.ErrorIs(t, err, tt.err)
			var se *SyntaxError
			if errors.As(err, &se) {
				assert.Equal(t, tt.offset, se.Offset)
				assert.Less(t, len(se.Error()), 400, "messages about huge inputs stay short")
			}
		})
	}
}

func TestLinearTimeFields(t *testing.T) {
	const size = 1 << 20
	tests := []struct {
		reason string
		in     string
		count  int
		err    error
	}{
		{"many terms", strings.Repeat("a=b,", size/4), size / 4, nil},
		{"many escapes", "a=" + strings.Repeat(`\,`, size/2), 1, nil},
		{"many empty terms", strings.Repeat(",", size), 0, nil},
		{"huge field without operator", strings.Repeat("a", size), 0, ErrSyntax},
		{"many equals signs", "a=" + strings.Repeat("=", size), 0, ErrSyntax},
		{"many bangs", strings.Repeat("!", size) + "=x", 0, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			sel, err := ParseFields(tt.in)
			if tt.err == nil {
				require.NoError(t, err)
				assert.Len(t, sel.Requirements(), tt.count)
				return
			}
			require.ErrorIs(t, err, tt.err)
			assert.Less(t, len(err.Error()), 400, "messages about huge inputs stay short")
		})
	}
}
