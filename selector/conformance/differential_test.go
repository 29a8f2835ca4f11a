package conformance

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kube-for-go/kube/selector"
)

// Deliberate differences from apimachinery, each checked by the comparisons
// below rather than skipped:
//
//  1. NUL bytes (labels and fields). apimachinery's label lexer treats a NUL
//     byte as the end of the input in some positions ("a\x00" parses as "a"),
//     which hides garbage; selector.Parse rejects any input with a NUL (with a
//     *SyntaxError at the NUL, or an earlier error). For field selectors NUL is an ordinary value byte in both.
//  2. "==" (labels). apimachinery keeps DoubleEquals and prints "==";
//     selector has one Equals operator and prints "=". The two are the same
//     requirement, so canonical forms are compared after mapping "==" to "=".
//  3. Order of requirements with the same key (labels). apimachinery sorts by
//     key only, so "a=1,a!=2" and "a!=2,a=1" print differently; selector also
//     orders by operator and values so that String is canonical. With
//     duplicate keys the requirements are compared as multisets.
//  4. Field names (fields). apimachinery accepts any text before the
//     operator as the field, including "", white space and non-ASCII, and
//     drops a term whose field and value are both empty ("=" selects
//     everything); the API server then rejects every such field as
//     unsupported. selector.ParseFields rejects them up front with a
//     *ValidationError for selector.PartFieldName. So when only apimachinery
//     accepts, the test requires that error.
//  5. Invalid UTF-8 (fields). apimachinery replaces invalid bytes by U+FFFD
//     when a value contains an escape and keeps them otherwise;
//     selector.ParseFields rejects text that is not UTF-8.
//  6. Term order (fields). apimachinery sorts the raw terms before parsing,
//     so "b==x" and "b=x" sort differently although they print the same;
//     selector sorts the canonical terms. Canonical text is therefore
//     compared exactly only when the input is already canonical, and as a
//     multiset otherwise.

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

func labelReqStrings(reqs []string) []string {
	out := slices.Clone(reqs)
	slices.Sort(out)
	return out
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
	theirReqs := make([]string, len(reqs))
	keys := map[string]bool{}
	dupKeys := false
	for i, r := range reqs {
		theirReqs[i] = strings.ReplaceAll(r.String(), "==", "=") // difference 2
		dupKeys = dupKeys || keys[r.Key()]
		keys[r.Key()] = true
	}
	myReqs := make([]string, 0, len(mine.Requirements()))
	for _, r := range mine.Requirements() {
		myReqs = append(myReqs, r.String())
	}
	theirString := strings.ReplaceAll(theirs.String(), "==", "=")
	if dupKeys { // difference 3
		if !slices.Equal(labelReqStrings(myReqs), labelReqStrings(theirReqs)) {
			t.Errorf("Parse(%q): requirements %q, apimachinery %q", text, myReqs, theirReqs)
		}
	} else if mine.String() != theirString {
		t.Errorf("Parse(%q).String() = %q, apimachinery %q", text, mine.String(), theirString)
	}

	// The canonical form must mean the same to apimachinery.
	again, err := labels.Parse(mine.String())
	if err != nil {
		t.Errorf("apimachinery rejects selector's canonical form %q of %q: %v", mine.String(), text, err)
	} else if !dupKeys && strings.ReplaceAll(again.String(), "==", "=") != mine.String() {
		t.Errorf("apimachinery reprints canonical %q as %q", mine.String(), again.String())
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

	if !utf8.ValidString(text) { // difference 5
		if !errors.Is(myErr, selector.ErrSyntax) {
			t.Errorf("ParseFields(%q) with invalid UTF-8: got error %v, want a *SyntaxError", text, myErr)
		}
		return
	}
	if myErr == nil && theirErr != nil {
		t.Errorf("ParseFields(%q) accepted, apimachinery error %v", text, theirErr)
		return
	}
	if myErr != nil && theirErr == nil { // difference 4
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

	var theirReqs []string
	for _, r := range theirs.Requirements() {
		theirReqs = append(theirReqs, r.Field+string(r.Operator)+fields.EscapeValue(r.Value))
	}
	var myReqs []string
	for _, r := range mine.Requirements() {
		myReqs = append(myReqs, r.String())
	}
	slices.Sort(theirReqs)
	if !slices.Equal(myReqs, theirReqs) { // difference 6: compare as multisets
		t.Errorf("ParseFields(%q): requirements %q, apimachinery %q", text, myReqs, theirReqs)
	}
	if text == mine.String() && theirs.String() != text {
		t.Errorf("ParseFields(%q): canonical input reprinted by apimachinery as %q", text, theirs.String())
	}
	again, err := fields.ParseSelector(mine.String())
	if err != nil {
		t.Errorf("apimachinery rejects selector's canonical form %q of %q: %v", mine.String(), text, err)
	} else if again.String() != mine.String() {
		t.Errorf("apimachinery reprints canonical %q as %q", mine.String(), again.String())
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
	return append(out, ",a", "a,", "a,,", " , ", "!", "!!a", "a!", "!a!", "a=b=c", "(a)", "a b", "a\x00",
		"a=\x00", "\x00", "a in (\x00)", "a=b,\x00")
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
	terms := []string{"a=1", "a!=1", "a==1", "b=", `c=\,`, "a.b=x", "ab=x"}
	for _, p := range terms {
		for _, q := range terms {
			out = append(out, p+","+q, p+",,"+q)
		}
	}
	return append(out, ",", ",,", "a=1,", ",a=1", `a=b\`, "a=b,\xff", "\xff=a", `a=\`+"\xff")
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

// TestDifferentialBuilt compares selectors built in code with apimachinery's
// parse of their canonical text.
func TestDifferentialBuilt(t *testing.T) {
	tests := []struct {
		reason string
		sel    selector.Selector
	}{
		{"set selector", selector.Set{"app": "web", "tier": "frontend"}.AsSelector()},
		{"every builder operator", selector.And(
			selector.Label("a").Equals("1"), selector.Label("b").NotEquals(""), selector.Label("c").In("y", "x", "y"),
			selector.Label("d").NotIn(""), selector.Label("e").Exists(), selector.Label("f").DoesNotExist(),
			selector.Label("g").GreaterThan(3), selector.Label("h").LessThan(0))},
		{"prefixed keys", selector.And(selector.Label("example.com/app").In("in", "notin"))},
	}
	for _, tt := range tests {
		if err := tt.sel.Err(); err != nil {
			t.Errorf("%s: %v", tt.reason, err)
			continue
		}
		compareLabels(t, tt.sel.String())
	}
	fs := selector.AndFields(selector.Field("metadata.name").Equals(`a,b=c\d`), selector.Field("status.phase").NotEquals(""))
	compareFields(t, fs.String())
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
	// Output: x in (a,b),y=1 | x in (a,b),y==1
}
