package selector

import (
	"testing"
)

// FuzzParse checks that Parse never panics and that an accepted selector's
// String is stable and parses back to an Equal selector whose Matches agrees.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "x=a,y=b", "x in (a,,b),y,z notin ()", "!a, b==c", "in in (in)", "x>1,z<5",
		"example.com/app notin (a,)", "x in (v,,)", "a=b=c", "a\x00", "a in ((", "a,,b"} {
		f.Add(s)
	}
	labels := []map[string]string{nil, {"a": "1", "x": "", "y": "b"}, {"in": "in", "z": "5"}}
	f.Fuzz(func(t *testing.T, text string) {
		sel, err := Parse(text)
		if err != nil {
			if sel.String() != "" || !sel.Empty() {
				t.Fatalf("Parse(%q) returned a non-empty selector with error %v", text, err)
			}
			return
		}
		s1 := sel.String()
		again, err := Parse(s1)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", text, s1, err)
		}
		if !again.Equal(sel) {
			t.Fatalf("Parse(%q) round trip: %q became %q", text, s1, again.String())
		}
		if s2 := again.String(); s2 != s1 {
			t.Fatalf("String of %q unstable: %q then %q", text, s1, s2)
		}
		for _, ls := range labels {
			if sel.Matches(ls) != again.Matches(ls) {
				t.Fatalf("Matches of %q and %q differ on %v", text, s1, ls)
			}
		}
	})
}

// FuzzParseFields checks that ParseFields never panics and that an accepted
// selector's String parses back to an Equal selector whose Matches agrees,
// and whose String is stable.
func FuzzParseFields(f *testing.F) {
	for _, s := range []string{"", "status.phase=Running", `metadata.name!=a\,b\=c\\`, "a==b,c!=d", ",a=1,,",
		`k=\a`, "=", "a=b=c", "a=\xff", " a = b "} {
		f.Add(s)
	}
	fields := []map[string]string{nil, {"a": "", "metadata.name": "x"}, {"a": "b", "c": ","}}
	f.Fuzz(func(t *testing.T, text string) {
		sel, err := ParseFields(text)
		if err != nil {
			return
		}
		s1 := sel.String()
		again, err := ParseFields(s1)
		if err != nil {
			t.Fatalf("ParseFields(%q).String() = %q does not parse: %v", text, s1, err)
		}
		if !again.Equal(sel) {
			t.Fatalf("ParseFields(%q) round trip: %q became %q", text, s1, again.String())
		}
		// String keeps the order of the written terms, as apimachinery
		// does, so "b==x,b=w" prints "b=x,b=w", which parses to "b=w,b=x";
		// from there on the text is stable.
		s2 := again.String()
		if s3 := MustParseFields(s2).String(); s3 != s2 {
			t.Fatalf("String of %q unstable: %q then %q then %q", text, s1, s2, s3)
		}
		for _, fs := range fields {
			if sel.Matches(fs) != again.Matches(fs) {
				t.Fatalf("Matches of %q and %q differ on %v", text, s1, fs)
			}
		}
	})
}
