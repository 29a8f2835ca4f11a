package selector

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuilders(t *testing.T) {
	tests := []struct {
		reason string
		req    Requirement
		want   string
		op     Operator
		values []string
	}{
		{"equals", Label("app").Equals("web"), "app=web", Equals, []string{"web"}},
		{"equals empty", Label("app").Equals(""), "app=", Equals, []string{""}},
		{"not equals", Label("app").NotEquals("web"), "app!=web", NotEquals, []string{"web"}},
		{"in sorts and dedups", Label("app").In("web", "api", "web"), "app in (api,web)", In, []string{"api", "web"}},
		{"in with empty value", Label("app").In(""), "app in ()", In, []string{""}},
		{"not in", Label("app").NotIn("x"), "app notin (x)", NotIn, []string{"x"}},
		{"exists", Label("tier").Exists(), "tier", Exists, nil},
		{"does not exist", Label("tier").DoesNotExist(), "!tier", DoesNotExist, nil},
		{"greater than", Label("n").GreaterThan(5), "n>5", GreaterThan, []string{"5"}},
		{"less than zero", Label("n").LessThan(0), "n<0", LessThan, []string{"0"}},
		{"prefixed key", Label("example.com/app").Exists(), "example.com/app", Exists, nil},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			require.NoError(t, tt.req.Err())
			assert.Equal(t, tt.want, tt.req.String())
			assert.Equal(t, tt.op, tt.req.Operator())
			assert.Equal(t, tt.values, tt.req.Values())
			parsed := MustParse(tt.want)
			assert.True(t, And(tt.req).Equal(parsed), "builder and parser must agree")
		})
	}
}

func TestBuilderErrors(t *testing.T) {
	tests := []struct {
		reason string
		req    Requirement
		part   Part
		found  string
	}{
		{"invalid key", Label("no spaces").Exists(), PartLabelKey, "no spaces"},
		{"empty key", Label("").Equals("x"), PartLabelKey, ""},
		{"invalid value", Label("a").Equals("-x"), PartLabelValue, "-x"},
		{"value too long", Label("a").NotEquals(strings.Repeat("v", 64)), PartLabelValue, strings.Repeat("v", 64)},
		{"in without values", Label("a").In(), PartValues, ""},
		{"negative integer", Label("a").GreaterThan(-1), PartLabelValue, "-1"},
		{"zero requirement", Requirement{}, PartOperator, ""},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			err := tt.req.Err()
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Equal(t, tt.part, ve.Part)
			assert.Equal(t, tt.found, ve.Found)
			assert.Equal(t, -1, ve.Offset, "built requirements have no input")
			sel := And(Label("ok").Exists(), tt.req)
			assert.ErrorIs(t, sel.Err(), ErrInvalid, "the selector carries the error")
			assert.False(t, sel.Matches(map[string]string{"ok": "1", tt.req.Key(): ""}), "invalid selectors match nothing")
			assert.False(t, tt.req.Matches(map[string]string{}), "invalid requirements match nothing")
		})
	}
}

func TestNewRequirement(t *testing.T) {
	tests := []struct {
		reason string
		key    string
		op     Operator
		values []string
		ok     bool
	}{
		{"equals takes one value", "a", Equals, []string{"x"}, true},
		{"equals with two values", "a", Equals, []string{"x", "y"}, false},
		{"not equals without value", "a", NotEquals, nil, false},
		{"exists with a value", "a", Exists, []string{"x"}, false},
		{"does not exist without values", "a", DoesNotExist, nil, true},
		{"gt with two values", "a", GreaterThan, []string{"1", "2"}, false},
		{"lt with a word", "a", LessThan, []string{"x"}, false},
		{"unknown operator", "a", Operator("~"), []string{"x"}, false},
		{"the == spelling is not an operator value", "a", Operator("=="), []string{"x"}, false},
		{"notin with empty value", "a", NotIn, []string{""}, true},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			r, err := NewRequirement(tt.key, tt.op, tt.values...)
			if tt.ok {
				assert.NoError(t, err)
				assert.NoError(t, r.Err())
			} else {
				assert.ErrorIs(t, err, ErrInvalid)
				assert.Equal(t, err, r.Err(), "the requirement carries its error")
			}
		})
	}
}

func TestNewRequirementCopiesValues(t *testing.T) {
	vals := []string{"b", "a"}
	r, err := NewRequirement("k", In, vals...)
	require.NoError(t, err)
	assert.Equal(t, []string{"b", "a"}, vals, "the caller's slice is not sorted in place")
	got := r.Values()
	got[0] = "changed"
	assert.Equal(t, []string{"a", "b"}, r.Values(), "Values returns a copy")
}

func TestMatches(t *testing.T) {
	labels := map[string]string{"app": "web", "tier": "", "n": "10", "in": "in", "word": "ten"}
	tests := []struct {
		reason string
		sel    string
		want   bool
	}{
		{"everything matches", "", true},
		{"equal value", "app=web", true},
		{"other value", "app=api", false},
		{"missing key does not equal", "missing=x", false},
		{"missing key equals nothing, not even empty", "missing=", false},
		{"empty value present", "tier=", true},
		{"not equals on other value", "app!=api", true},
		{"not equals on missing key", "missing!=x", true},
		{"not equals on same value", "app!=web", false},
		{"in", "app in (api,web)", true},
		{"in without match", "app in (api)", false},
		{"in on missing key", "missing in (x)", false},
		{"notin", "app notin (api)", true},
		{"notin on missing key", "missing notin (x)", true},
		{"notin with match", "app notin (web)", false},
		{"exists", "tier", true},
		{"exists on missing key", "missing", false},
		{"does not exist", "!missing", true},
		{"does not exist on present key", "!tier", false},
		{"greater than", "n>9", true},
		{"not greater than", "n>10", false},
		{"less than", "n<11", true},
		{"greater than on word", "word>1", false},
		{"greater than on missing key", "missing>1", false},
		{"keyword key and value", "in=in", true},
		{"all requirements must hold", "app=web,tier,!missing,n>1", true},
		{"one failing requirement fails", "app=web,tier,missing", false},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			assert.Equal(t, tt.want, MustParse(tt.sel).Matches(labels))
		})
	}
}

func TestMatchesNilMap(t *testing.T) {
	assert.True(t, MustParse("!a,b!=c,d notin (e)").Matches(nil), "negative requirements match no labels")
	assert.False(t, MustParse("a").Matches(nil), "a positive requirement needs labels")
	assert.True(t, Everything().Matches(nil), "Everything matches no labels")
}

func TestEverythingAndNothing(t *testing.T) {
	tests := []struct {
		reason    string
		sel       Selector
		empty     bool
		nothing   bool
		text      string
		matchesOK bool
	}{
		{"zero value is Everything", Selector{}, true, false, "", true},
		{"Everything", Everything(), true, false, "", true},
		{"And of nothing is Everything", And(), true, false, "", true},
		{"empty Set is Everything", Set{}.AsSelector(), true, false, "", true},
		{"Nothing", Nothing(), false, true, "<nothing>", false},
		{"Nothing stays Nothing when added to", Nothing().Add(Label("a").Exists()), false, true, "<nothing>", false},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			assert.Equal(t, tt.empty, tt.sel.Empty())
			assert.Equal(t, tt.nothing, tt.sel.IsNothing())
			assert.Equal(t, tt.text, tt.sel.String())
			assert.Equal(t, tt.matchesOK, tt.sel.Matches(map[string]string{"a": "b"}))
		})
	}
	_, err := Parse(Nothing().String())
	assert.ErrorIs(t, err, ErrSyntax, "Nothing's text must not parse")
	assert.True(t, Nothing().Equal(Nothing()))
	assert.False(t, Nothing().Equal(Everything()))
}

func TestAddDoesNotModify(t *testing.T) {
	base := And(Label("b").Exists())
	one := base.Add(Label("a").Exists())
	two := base.Add(Label("c").Exists())
	assert.Equal(t, "b", base.String())
	assert.Equal(t, "a,b", one.String())
	assert.Equal(t, "b,c", two.String())
	reqs := one.Requirements()
	reqs[0] = Label("z").Exists()
	assert.Equal(t, "a,b", one.String(), "Requirements returns a copy")
}

func TestAddKeepsFirstError(t *testing.T) {
	sel := And(Label("A_").Exists()).Add(Label("b-").Exists())
	var ve *ValidationError
	require.ErrorAs(t, sel.Err(), &ve)
	assert.Equal(t, "A_", ve.Found)
}

func TestSetAsSelector(t *testing.T) {
	tests := []struct {
		reason string
		set    Set
		want   string
		bad    string // Found of the expected error
	}{
		{"sorted by key", Set{"b": "2", "a": "1"}, "a=1,b=2", ""},
		{"empty value", Set{"a": ""}, "a=", ""},
		{"nil set", nil, "", ""},
		{"first invalid key in key order", Set{"z_": "1", "B-": "2", "ok": "3"}, "", "B-"},
		{"invalid value", Set{"a": "x y"}, "", "x y"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			sel := tt.set.AsSelector()
			if tt.bad == "" {
				require.NoError(t, sel.Err())
				assert.Equal(t, tt.want, sel.String())
				assert.Equal(t, tt.want, tt.set.String())
				assert.True(t, sel.Matches(tt.set), "a set matches its own selector")
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, sel.Err(), &ve)
			assert.Equal(t, tt.bad, ve.Found)
		})
	}
}

func TestRequiresExactMatch(t *testing.T) {
	tests := []struct {
		reason string
		sel    string
		key    string
		value  string
		ok     bool
	}{
		{"equality", "a=1,b=2", "b", "2", true},
		{"single-value in", "a in (x)", "a", "x", true},
		{"multi-value in", "a in (x,y)", "a", "", false},
		{"not equals", "a!=x", "a", "", false},
		{"absent key", "a=1", "b", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			v, ok := MustParse(tt.sel).RequiresExactMatch(tt.key)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.value, v)
		})
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		reason string
		a, b   Selector
		want   bool
	}{
		{"same text", MustParse("a=1"), MustParse("a = 1"), true},
		{"builder and parser", And(Label("a").In("2", "1")), MustParse("a in (1,2)"), true},
		{"different operator", MustParse("a=1"), MustParse("a in (1)"), false},
		{"different values", MustParse("a=1"), MustParse("a=2"), false},
		{"invalid selectors are never equal", And(Label("-").Exists()), And(Label("-").Exists()), false},
		{"Everything and empty parse", Everything(), MustParse(""), true},
		{"same requirements on one key in another order", MustParse("a!=1,a=2,a"), MustParse("a,a=2,a!=1"), true},
		{"== and = are the same requirement", MustParse("a==1"), MustParse("a=1"), true},
		{"same key, different multiset", MustParse("a,a"), MustParse("a"), false},
		{"Nothing is not Everything", Nothing(), Everything(), false},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.a.Equal(tt.b))
		})
	}
}

func TestKeyValidation(t *testing.T) {
	tests := []struct {
		reason string
		key    string
		ok     bool
	}{
		{"simple", "app", true},
		{"dots dashes underscores inside", "a.b-c_d", true},
		{"uppercase name", "App", true},
		{"digits only", "123", true},
		{"single character", "a", true},
		{"prefix", "k8s.io/app", true},
		{"prefix with dashes", "my-org.example.com/app", true},
		{"name starts with dot", ".a", false},
		{"name ends with underscore", "a_", false},
		{"empty", "", false},
		{"empty name after prefix", "example.com/", false},
		{"uppercase prefix", "K8s.io/app", false},
		{"underscore in prefix", "k_8s.io/app", false},
		{"empty prefix label", "k8s..io/app", false},
		{"prefix label ends with dash", "k8s-.io/app", false},
		{"two slashes", "a/b/c", false},
		{"63 characters", strings.Repeat("a", 63), true},
		{"64 characters", strings.Repeat("a", 64), false},
		{"253 character prefix", strings.Repeat("a", 253) + "/b", true},
		{"254 character prefix", strings.Repeat("a", 254) + "/b", false},
		{"space", "a b", false},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			assert.Equal(t, tt.ok, checkLabelKey(tt.key) == "", checkLabelKey(tt.key))
		})
	}
}
