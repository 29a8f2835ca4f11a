package conformance

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/kube-for-go/kube/selector"
)

// Deliberate differences from apimachinery, each checked by the comparisons
// below rather than skipped. Whenever both packages accept a text, String
// must be identical, for the selector and for every requirement in order.
//
//  1. NUL bytes (labels and fields). apimachinery's label lexer treats a NUL
//     byte as the end of the input in some positions ("a\x00" parses as "a"),
//     which hides garbage; selector.Parse rejects any input with a NUL (with a
//     *SyntaxError at the NUL, or an earlier error). For field selectors NUL
//     is an ordinary value byte in both.
//  2. Field names (fields). apimachinery accepts any text before the
//     operator as the field, including "", white space and non-ASCII, and
//     drops a term whose field and value are both empty ("=" selects
//     everything); the API server then rejects every such field as
//     unsupported. selector.ParseFields rejects them up front with a
//     *ValidationError for selector.PartFieldName. So when only apimachinery
//     accepts, the test requires that error.
//  3. Invalid UTF-8 (fields). apimachinery replaces invalid bytes by U+FFFD
//     when a value contains an escape and keeps them otherwise;
//     selector.ParseFields rejects text that is not UTF-8.
//  4. Duplicate values given to a builder (labels). apimachinery's
//     NewRequirement keeps them ("x in (a,a)"), selector.NewRequirement drops
//     them ("x in (a)"); both parsers drop them, so only TestDifferentialBuilt
//     could see this, and it builds without duplicates.

// labelSets are the label maps every accepted label selector is matched against.
var labelSets = []map[string]string{
	nil,
	{"a": "v"},
	{"a": ""},
	{"a": "5", "b": "007"},
	{"a": "w", "x": "abc", "y": "b"},
	{"app": "web", "tier": "frontend", "env": "prod"},
	{"in": "in", "notin": "notin", "x": "in"},
	{"example.com/app": "v", "k8s.io/name": "v-1", "a": "-3"},
	{"x": "", "y": "", "z": "", "w": "1"},
	{"a": "99999999999999999999", "x": "2", "z": "v2"},
}

// fieldSets are the flattened field maps every accepted field selector is matched against.
var fieldSets = []map[string]string{
	nil,
	{"metadata.name": "x", "status.phase": "Running"},
	{"a": "", "x": "a", "y": "b", "z": "c"},
	{"k": ",", "a": `\`, "b": "=", "x": "a=b"},
	{"metadata.name": " x ", "spec.nodeName": ""},
}

// compareLabels parses text with both packages and reports every
// difference that is not one of the documented ones.
func compareLabels(t *testing.T, text string) {
	t.Helper()
	mine, myErr := selector.Parse(text)
	theirs, theirErr := labels.Parse(text)

	if strings.IndexByte(text, 0) >= 0 { // difference 1
		if myErr == nil {
			t.Errorf("Parse(%q) with a NUL byte: accepted as %q, want an error", text, mine.String())
		}
		return
	}
	if (myErr == nil) != (theirErr == nil) {
		t.Errorf("Parse(%q): selector error %v, apimachinery error %v", text, myErr, theirErr)
		return
	}
	if myErr != nil {
		var syn *selector.SyntaxError
		var val *selector.ValidationError
		if !errors.As(myErr, &syn) && !errors.As(myErr, &val) {
			t.Errorf("Parse(%q): error %T is neither *SyntaxError nor *ValidationError", text, myErr)
		}
		return
	}

	reqs, _ := theirs.Requirements()
	if got, want := mine.String(), theirs.String(); got != want {
		t.Errorf("Parse(%q).String() = %q, apimachinery %q", text, got, want)
	}
	myReqs := mine.Requirements()
	if len(myReqs) != len(reqs) {
		t.Errorf("Parse(%q): %d requirements, apimachinery %d", text, len(myReqs), len(reqs))
	} else {
		for i := range reqs {
			if got, want := myReqs[i].String(), reqs[i].String(); got != want {
				t.Errorf("Parse(%q): requirement %d is %q, apimachinery %q", text, i, got, want)
			}
		}
	}

	// The text must mean the same to apimachinery and print the same again.
	again, err := labels.Parse(mine.String())
	if err != nil {
		t.Errorf("apimachinery rejects selector's String %q of %q: %v", mine.String(), text, err)
	} else if mine2, err := selector.Parse(mine.String()); err != nil {
		t.Errorf("selector rejects its own String %q of %q: %v", mine.String(), text, err)
	} else if got, want := mine2.String(), again.String(); got != want {
		t.Errorf("Parse(%q).String() = %q, apimachinery %q", mine.String(), got, want)
	}

	for _, ls := range labelSets {
		if got, want := mine.Matches(ls), theirs.Matches(labels.Set(ls)); got != want {
			t.Errorf("Parse(%q).Matches(%v) = %v, apimachinery %v", text, ls, got, want)
		}
	}
}

// compareFields parses text with both packages and reports every
// difference that is not one of the documented ones.
func compareFields(t *testing.T, text string) {
	t.Helper()
	mine, myErr := selector.ParseFields(text)
	theirs, theirErr := fields.ParseSelector(text)

	if !utf8.ValidString(text) { // difference 3
		if !errors.Is(myErr, selector.ErrSyntax) {
			t.Errorf("ParseFields(%q) with invalid UTF-8: got error %v, want a *SyntaxError", text, myErr)
		}
		return
	}
	if myErr == nil && theirErr != nil {
		t.Errorf("ParseFields(%q) accepted, apimachinery error %v", text, theirErr)
		return
	}
	if myErr != nil && theirErr == nil { // difference 2
		var val *selector.ValidationError
		if !errors.As(myErr, &val) || val.Part != selector.PartFieldName {
			t.Errorf("ParseFields(%q): error %v, but apimachinery accepts it as %q", text, myErr, theirs.String())
		}
		return
	}
	if myErr != nil {
		var syn *selector.SyntaxError
		var val *selector.ValidationError
		if !errors.As(myErr, &syn) && !errors.As(myErr, &val) {
			t.Errorf("ParseFields(%q): error %T is neither *SyntaxError nor *ValidationError", text, myErr)
		}
		return
	}

	if got, want := mine.String(), theirs.String(); got != want {
		t.Errorf("ParseFields(%q).String() = %q, apimachinery %q", text, got, want)
	}
	theirReqs := theirs.Requirements()
	myReqs := mine.Requirements()
	if len(myReqs) != len(theirReqs) {
		t.Errorf("ParseFields(%q): %d requirements, apimachinery %d", text, len(myReqs), len(theirReqs))
	} else {
		for i, r := range theirReqs {
			m := myReqs[i]
			if m.Field() != r.Field || string(m.Operator()) != string(r.Operator) || m.Value() != r.Value {
				t.Errorf("ParseFields(%q): requirement %d is %q %q %q, apimachinery %q %q %q",
					text, i, m.Field(), m.Operator(), m.Value(), r.Field, r.Operator, r.Value)
			}
		}
	}
	again, err := fields.ParseSelector(mine.String())
	if err != nil {
		t.Errorf("apimachinery rejects selector's String %q of %q: %v", mine.String(), text, err)
	} else if mine2, err := selector.ParseFields(mine.String()); err != nil {
		t.Errorf("selector rejects its own String %q of %q: %v", mine.String(), text, err)
	} else if got, want := mine2.String(), again.String(); got != want {
		t.Errorf("ParseFields(%q).String() = %q, apimachinery %q", mine.String(), got, want)
	}
	for _, fs := range fieldSets {
		if got, want := mine.Matches(fs), theirs.Matches(fields.Set(fs)); got != want {
			t.Errorf("ParseFields(%q).Matches(%v) = %v, apimachinery %v", text, fs, got, want)
		}
	}
}

// upstreamLabelCases are the inputs of apimachinery's own
// pkg/labels/selector_test.go (TestSelectorParse, TestSelectorMatches,
// TestLexer, TestParserLookahead, TestSetSelectorParser, TestToString),
// restated as a plain list: the comparison decides acceptance.
var upstreamLabelCases = []string{
	"x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5",
	"x=a||y=b", "x==a==b", "!x=a", "x<a",
	"x=y", "x=y,z=w", "x!=y,z!=w", "notin=in", "x", "x<1", "x=z",
	"foo=bar", "baz=blah", "foo=bar,baz=blah", "foo=blah",
	",", "notin", "in", "=", "==", ">", "<", "!", "!=", "(", ")", "~", "||",
	"key in ( value )", "key notin ( value )", "key in ( value1, value2 )", "key", "!key", "()",
	"x in (),y", "== != (), = notin", "key>2", "key<1",
	"\rx", "this-is-a-dns.domain.com/key-with-dash",
	"this-is-another-dns.domain.com/key-with-dash in (so,what)",
	"0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
	"foo  in\t (abc)", "x notin\n (abc)", "x  notin\t\t\t(abc,def)", "x in (abc,def)", "x in (abc,)",
	"x in ()", "x notin (abc,,def),bar,z in (),w", "x,y in (a)", "x=a", "x<7", "x=a,y!=b",
	"x=a,y!=b,z in (h,i,j)", "x,,y", ",x,y", "x nott in (y)", "x notin ( )", "x notin (, a)",
	"a in (xyz),", "a in (xyz)b notin ()", "a ", "a in (x,y,notin, z,in)", "a in (xyz abc)",
	"a notin(", "a (", "(", "a in (x,,y)", "x in (abc,def),y notin (jkl),z",
	"x notin (abc,def),y!=jkl,!z", "x in (abc,def),", "x notin (abc),y in (jkl,mno),z notin ()",
	"x=abc,y==jkl,z!=a,z", "x>2,y<8,z", "x=a,a=x", "a=x,x=a", "exists",
}

// upstreamFieldCases are the inputs of apimachinery's own
// pkg/fields/selector_test.go (TestSplitTerms, TestSplitTerm,
// TestEscapeValue, TestSelectorParse, TestSelectorMatches), restated.
var upstreamFieldCases = []string{
	"a", "a=avalue", "a=avalue,b=bvalue", "a=avalue,b==bvalue,c!=cvalue", "", "a=a,", ",a=a",
	`k=\,,k2=v2`, `k=\\,k2=v2`, `k=\\\,,k2=v2`, `k=\a\b\`, `k=\`, "함=수,목=록",
	"a=value", "b==value", "c!=value", `k=\,`, `k=\=`, `k=\\\a\b\=\,\`, "함=수",
	`k=`, `k=a`, `k=\=`, `k=\,`, `k=\\`, `k=\\\=\\\,\\`, `k=\`, `k=\\\`, `k=\a`,
	"x=a,y=b,z=c", "x!=a,y=b", `x=a||y\=b`, `x=a\=\=b`, "x=a||y=b", "x==a==b", "x=a,b",
	"x in (a)", "x in (a,b,c)", "x", "x=y", "x=y,z=w", "x!=y,z!=w", "x=z", "x!=z",
	"x=y,z!=w", "x=a,x!=b", "=", "==", "!=", "=x",
}

// generatedLabelCases builds label selectors systematically: every key shape
// with every operator and value shape, spacing variants, value lists with
// every comma pattern, and pairs of requirements.
func generatedLabelCases() []string {
	keys := []string{
		"a", "app", "x.y", "a_b", "A9", "example.com/app", "k8s.io/name", "in", "notin",
		"-a", "a-", "_a", "a/b/c", "/a", "a/", "Example.com/a", "ex_ample.com/a", "a..b/c", ".a/b",
		strings.Repeat("k", 63), strings.Repeat("k", 64),
		strings.Repeat("p", 253) + "/k", strings.Repeat("p", 254) + "/k", "ä", "a~b",
	}
	values := []string{
		"", "v", "V-1", "v_w", "v.w", "-v", "v.", "in", "notin", "1", "007", "-1", "+1",
		"99999999999999999999", strings.Repeat("v", 63), strings.Repeat("v", 64), "ü", "a/b",
	}
	var out []string
	for _, k := range keys {
		out = append(out, k, "!"+k, "! "+k, k+" ", "!"+k+"=v")
		for _, op := range []string{"=", "==", "!=", ">", "<"} {
			for _, v := range values {
				out = append(out, k+op+v)
			}
		}
		for _, op := range []string{" in ", " notin "} {
			for _, v := range values {
				out = append(out, k+op+"("+v+")", k+op+"("+v+",x)")
			}
		}
	}
	for _, spacing := range []string{"x=v", " x = v ", "\tx\n=\rv", "x =v", "x= v", "x ! = v", "x! =v", "x !=v",
		"x = = v", "x==v", "x == v", "x ==v", "x in(v)", "x notin(v)", "x in ( v )", "xin (v)", "x in v", "x in",
		"x notin", "x in ()", "x in (", "x in )", "x in ((v))", "x > 1", "x >1", "x> 1", "x>=1", "x<=1", "x=>1",
		"x=!v", "x=(v)", "x=v)", "x=,y", "x!=,y", "x>", "x<", "x>,y"} {
		out = append(out, spacing)
	}
	for _, list := range []string{"()", "(,)", "(,,)", "(,,,)", "(,,,,)", "(v)", "(v,)", "(v,,)", "(v,,,)",
		"(v,,,,)", "(,v)", "(,,v)", "(,,,v)", "(v,w)", "(v,,w)", "(v,,,w)", "(v,w,)", "(v,w,,)", "(w,v,v)",
		"( v , w )", "(v w)", "(v", "(v,", "(,", "(v,w", "(v)(w)", "(in,notin)", "(v,(w))", "(!)", "(=)"} {
		out = append(out, "x in "+list, "x notin "+list)
	}
	pairs := []string{"a=1", "a!=2", "b in (x,y)", "!c", "d", "a", "e>3", "a notin (1)"}
	for _, p := range pairs {
		for _, q := range pairs {
			out = append(out, p+","+q, p+" , "+q, p+",,"+q, p+" "+q)
		}
	}
	out = append(out, ",a", "a,", "a,,", " , ", "!", "!!a", "a!", "!a!", "a=b=c", "(a)", "a b", "a\x00",
		"a=\x00", "\x00", "a in (\x00)", "a=b,\x00")
	return append(out, longCases(append(pairs, "a==1", "b=", "a in (3)", "!a"), 1)...)
}

// generatedFieldCases builds field selectors systematically.
func generatedFieldCases() []string {
	names := []string{"metadata.name", "status.phase", "a", "", " a", "a ", "a b", "a!b", `a\b`, "a(b)", "ü", "a/b", "a\tb"}
	values := []string{"", "x", "Running", " x ", `a\,b`, `a\=b`, `a\\b`, `a\`, `a\x`, "a=b", "ü", `\\\,`, "a!b", "\x00", "a\x01"}
	var out []string
	for _, n := range names {
		out = append(out, n)
		for _, op := range []string{"=", "==", "!=", "!==", "==="} {
			for _, v := range values {
				out = append(out, n+op+v)
			}
		}
	}
	terms := []string{"a=1", "a!=1", "a==1", "a==2", "b=", `c=\,`, "a.b=x", "ab=x"}
	for _, p := range terms {
		for _, q := range terms {
			out = append(out, p+","+q, p+",,"+q)
		}
	}
	out = append(out, ",", ",,", "a=1,", ",a=1", `a=b\`, "a=b,\xff", "\xff=a", `a=\`+"\xff")
	return append(out, longCases(terms, 2)...)
}

// longCases joins 2 to 40 terms drawn, with a fixed seed, from terms, many
// of which share a key or field. Beyond 12 requirements sort.Sort, which
// apimachinery uses, no longer keeps requirements that share a key in their
// written order, and selector must order them exactly as it does.
func longCases(terms []string, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 42))
	var out []string
	for n := 2; n <= 40; n++ {
		for range 4 {
			picked := make([]string, n)
			for i := range picked {
				picked[i] = terms[rng.IntN(len(terms))]
			}
			out = append(out, strings.Join(picked, ","))
		}
	}
	return out
}

func TestDifferentialLabels(t *testing.T) {
	cases := append(slices.Clone(upstreamLabelCases), generatedLabelCases()...)
	if len(cases) < 300 {
		t.Fatalf("only %d label cases", len(cases))
	}
	accepted := 0
	for _, text := range cases {
		compareLabels(t, text)
		if _, err := selector.Parse(text); err == nil {
			accepted++
		}
	}
	// Both outcomes must be well represented, or the comparison proves little.
	if accepted < len(cases)/5 || accepted > len(cases)*4/5 {
		t.Errorf("%d of %d label cases accepted: generator is unbalanced", accepted, len(cases))
	}
	t.Logf("%d label cases, %d accepted", len(cases), accepted)
}

func TestDifferentialFields(t *testing.T) {
	cases := append(slices.Clone(upstreamFieldCases), generatedFieldCases()...)
	if len(cases) < 300 {
		t.Fatalf("only %d field cases", len(cases))
	}
	accepted := 0
	for _, text := range cases {
		compareFields(t, text)
		if _, err := selector.ParseFields(text); err == nil {
			accepted++
		}
	}
	if accepted < len(cases)/5 || accepted > len(cases)*4/5 {
		t.Errorf("%d of %d field cases accepted: generator is unbalanced", accepted, len(cases))
	}
	t.Logf("%d field cases, %d accepted", len(cases), accepted)
}

// TestDifferentialBuilt compares selectors built in code with the same
// selectors built with apimachinery's constructors, and with apimachinery's
// parse of their text.
func TestDifferentialBuilt(t *testing.T) {
	type req struct {
		key    string
		op     selector.Operator
		values []string
	}
	every := []req{
		{"a", selector.Equals, []string{"1"}}, {"b", selector.NotEquals, []string{""}},
		{"c", selector.In, []string{"y", "x"}}, {"d", selector.NotIn, []string{""}},
		{"e", selector.Exists, nil}, {"f", selector.DoesNotExist, nil},
		{"g", selector.GreaterThan, []string{"3"}}, {"h", selector.LessThan, []string{"0"}},
	}
	shared := []req{
		{"a", selector.NotEquals, []string{"2"}}, {"a", selector.Exists, nil}, {"b", selector.Equals, []string{"x"}},
		{"a", selector.In, []string{"1"}}, {"a", selector.DoesNotExist, nil}, {"b", selector.NotIn, []string{"y"}},
		{"a", selector.Equals, []string{"1"}}, {"c", selector.GreaterThan, []string{"1"}},
	}
	tests := []struct {
		reason      string
		first, then []req // And(first...).Add(then...)
	}{
		{"every builder operator", every, nil},
		{"every builder operator, reversed", reversed(every), nil},
		{"requirements that share a key keep their order", shared, nil},
		{"more than 12 requirements sharing keys", append(slices.Clone(shared), shared...), shared},
		{"added in two steps", shared[:3], shared[3:]},
		{"prefixed keys", []req{{"example.com/app", selector.In, []string{"in", "notin"}}, {"app", selector.Exists, nil}}, nil},
	}
	for _, tt := range tests {
		build := func(reqs []req) ([]selector.Requirement, []labels.Requirement) {
			var mine []selector.Requirement
			var theirs []labels.Requirement
			for _, r := range reqs {
				m, err := selector.NewRequirement(r.key, r.op, r.values...)
				if err != nil {
					t.Fatalf("%s: %v", tt.reason, err)
				}
				th, err := labels.NewRequirement(r.key, selection.Operator(r.op), r.values)
				if err != nil {
					t.Fatalf("%s: apimachinery: %v", tt.reason, err)
				}
				mine, theirs = append(mine, m), append(theirs, *th)
			}
			return mine, theirs
		}
		m1, t1 := build(tt.first)
		m2, t2 := build(tt.then)
		mine := selector.And(m1...).Add(m2...)
		theirs := labels.NewSelector().Add(t1...).Add(t2...)
		if got, want := mine.String(), theirs.String(); got != want {
			t.Errorf("%s: String() = %q, apimachinery %q", tt.reason, got, want)
		}
		compareLabels(t, mine.String())
	}

	set := map[string]string{"app": "web", "tier": "frontend", "example.com/a": "", "z": "1"}
	if got, want := selector.Set(set).AsSelector().String(), labels.SelectorFromSet(set).String(); got != want {
		t.Errorf("Set.AsSelector().String() = %q, apimachinery %q", got, want)
	}

	fs := selector.AndFields(selector.Field("status.phase").NotEquals(""), selector.Field("metadata.name").Equals(`a,b=c\d`))
	fs = fs.Add(selector.Field("a").Equals("2"), selector.Field("a").Equals("1"))
	theirFields := fields.AndSelectors(fields.OneTermNotEqualSelector("status.phase", ""),
		fields.OneTermEqualSelector("metadata.name", `a,b=c\d`))
	theirFields = fields.AndSelectors(theirFields, fields.OneTermEqualSelector("a", "2"), fields.OneTermEqualSelector("a", "1"))
	if got, want := fs.String(), theirFields.String(); got != want {
		t.Errorf("AndFields(...).Add(...).String() = %q, apimachinery %q", got, want)
	}
	compareFields(t, fs.String())
	one := map[string]string{"metadata.name": "x"} // apimachinery orders larger sets as the map iterates
	if got, want := selector.Fields(one).AsSelector().String(), fields.SelectorFromSet(one).String(); got != want {
		t.Errorf("Fields.AsSelector().String() = %q, apimachinery %q", got, want)
	}
}

func reversed[T any](s []T) []T {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func FuzzDifferential(f *testing.F) {
	for _, s := range upstreamLabelCases {
		f.Add(s)
	}
	for _, s := range upstreamFieldCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		compareLabels(t, text)
		compareFields(t, text)
	})
}

func Example() {
	sel, _ := selector.Parse("x in (b,a), y == 1")
	theirs, _ := labels.Parse("x in (b,a), y == 1")
	fmt.Println(sel, "|", theirs)
	// Output: x in (a,b),y==1 | x in (a,b),y==1
}
