package selector

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrorMessages(t *testing.T) {
	long := strings.Repeat("a=b,", 30) + "!"
	tests := []struct {
		reason string
		err    error
		msg    string
		caret  string
	}{
		{
			"syntax error quotes offset and input",
			func() error { _, err := Parse("app in (web"); return err }(),
			`selector: syntax error at offset 11 in "app in (web": found end of input, expected "," or ")"`,
			"app in (web\n           ^",
		},
		{
			"long input is windowed",
			func() error { _, err := Parse(long); return err }(),
			`selector: syntax error at offset 121 in "...=b,a=b,a=b,a=b,a=b,a=b,a=b,a=b,!": found end of input, expected a label key`,
			"...=b,a=b,a=b,a=b,a=b,a=b,a=b,a=b,!\n                                   ^",
		},
		{
			"validation error from parsing",
			func() error { _, err := Parse("a=b, c=-d"); return err }(),
			`selector: invalid label value "-d" at offset 7 in "a=b, c=-d": a label value must be empty or must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', 'my.name', '123-abc')`,
			"a=b, c=-d\n       ^",
		},
		{
			"validation error from a builder has no input",
			Label("a").In().Err(),
			`selector: invalid values "": 'in' and 'notin' need at least one value (the empty string counts)`,
			"",
		},
		{
			"non-printable bytes keep the caret aligned",
			func() error { _, err := ParseFields("\ta=\\x"); return err }(),
			`selector: invalid field name "\ta" at offset 0 in "\ta=\\x": a field name must be printable ASCII without spaces`,
			"?a=\\x\n^",
		},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			require.Error(t, tt.err)
			assert.Equal(t, tt.msg, tt.err.Error())
			var caret interface{ Caret() string }
			require.True(t, errors.As(tt.err, &caret))
			assert.Equal(t, tt.caret, caret.Caret())
		})
	}
}

// assertErrorAt asserts that err is a *SyntaxError at offset (part == "") or
// a *ValidationError about part at offset, and returns its Input.
func assertErrorAt(t *testing.T, err error, part Part, offset int) (input string) {
	t.Helper()
	if part == "" {
		var se *SyntaxError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, offset, se.Offset)
		return se.Input
	}
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, part, ve.Part)
	assert.Equal(t, offset, ve.Offset)
	return ve.Input
}

func TestErrorsWrap(t *testing.T) {
	_, err := Parse("a in (")
	wrapped := fmt.Errorf("listing pods: %w", err)
	var se *SyntaxError
	assert.ErrorAs(t, wrapped, &se, "errors.As sees through wrapping")
	assert.ErrorIs(t, wrapped, ErrSyntax)
	assert.NotErrorIs(t, wrapped, ErrUnsupportedField)
}
