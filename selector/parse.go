package selector

import (
	"slices"
	"strconv"
)

// Parse parses a label selector in the syntax of the Kubernetes API
// (the labelSelector query parameter) and validates it as the API server does:
//
//	<selector>     ::= "" | <requirement> { "," <requirement> }
//	<requirement>  ::= "!" KEY                                  (DoesNotExist)
//	                 | KEY                                      (Exists)
//	                 | KEY <exact-op> [ VALUE ]                 (empty VALUE is "")
//	                 | KEY <compare-op> INTEGER
//	                 | KEY <set-op> "(" <values> ")"
//	<exact-op>     ::= "=" | "==" | "!="
//	<compare-op>   ::= ">" | "<"
//	<set-op>       ::= "in" | "notin"
//	<values>       ::= [ VALUE ] { "," [ VALUE ] }              (an omitted VALUE is "")
//
// Tokens may be separated by white space (' ', '\t', '\r', '\n'), which is
// otherwise ignored; "==" and "!=" must not contain any. KEY, VALUE and
// INTEGER are runs of bytes other than white space and the symbols
// = ! ( ) , > <. "in" and "notin" are operators only right after a key, so
// "in in (in)" is valid. Then:
//
//   - KEY is a qualified name: an optional prefix, a lowercase RFC 1123 DNS
//     subdomain of at most 253 characters followed by "/", then a name of 1
//     to 63 characters from [A-Za-z0-9-_.] that starts and ends with an
//     alphanumeric character.
//   - VALUE is empty, or 1 to 63 characters with the same rules as a name.
//   - INTEGER is a VALUE that is a base-10 int64 (so it cannot be negative).
//   - Values of "in" and "notin" form a set: "x in (b,a,b)" is "x in (a,b)",
//     and "x in ()" means the single empty value.
//   - As in the API server of Kubernetes v1.34 (apimachinery v0.34), a run
//     of commas right before ")" must have odd length: "x in (a,)" and
//     "x in (a,,,)" are valid, "x in (a,,)" is not. Later apimachinery
//     versions accept even runs too; rejecting them keeps selectors valid on
//     every server.
//   - "" (or only white space) is Everything.
//
// Parse is stricter than the API server in one way: a NUL byte is a syntax
// error, where apimachinery treats it as the end of the input.
//
// The result has its requirements sorted by key as apimachinery sorts them,
// and "==" is kept as a spelling of Equals, so that Selector.String equals
// what apimachinery's labels.Parse(text).String() returns. Errors
// are a *SyntaxError for text that breaks the grammar and a *ValidationError
// for keys, values and operators that break the rules; both give the byte
// offset. Parse takes time linear in the length of text (plus sorting).
func Parse(text string) (Selector, error) {
	p := labelParser{lex: lexer{s: text}}
	reqs, err := p.parse()
	if err != nil {
		return Selector{}, err
	}
	sortByKey(reqs)
	return Selector{conjunction[Requirement]{reqs: reqs}}, nil
}

type tokenKind uint8

const (
	tEOF tokenKind = iota
	tIdent
	tOpen     // (
	tClose    // )
	tComma    // ,
	tBang     // !
	tEq       // =
	tDoubleEq // ==
	tNotEq    // !=
	tGt       // >
	tLt       // <
)

type token struct {
	kind tokenKind
	lit  string
	off  int
}

// describe returns a short description of t for error messages.
func (t token) describe() string {
	if t.kind == tEOF {
		return "end of input"
	}
	lit := t.lit
	if len(lit) > 40 {
		lit = lit[:40] + "..."
	}
	return strconv.Quote(lit)
}

type lexer struct {
	s   string
	pos int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isSymbol(c byte) bool {
	switch c {
	case '=', '!', '(', ')', ',', '>', '<':
		return true
	}
	return false
}

// next returns the next token, or a *SyntaxError for a NUL byte.
func (l *lexer) next() (token, error) {
	for l.pos < len(l.s) && isSpace(l.s[l.pos]) {
		l.pos++
	}
	start := l.pos
	if start == len(l.s) {
		return token{kind: tEOF, off: start}, nil
	}
	c := l.s[start]
	two := func(kind tokenKind) (token, error) {
		l.pos += 2
		return token{kind: kind, lit: l.s[start:l.pos], off: start}, nil
	}
	one := func(kind tokenKind) (token, error) {
		l.pos++
		return token{kind: kind, lit: l.s[start:l.pos], off: start}, nil
	}
	following := byte(0)
	if start+1 < len(l.s) {
		following = l.s[start+1]
	}
	switch c {
	case 0:
		return token{}, &SyntaxError{Input: l.s, Offset: start, Found: "a NUL byte", Expected: "any other character"}
	case '=':
		if following == '=' {
			return two(tDoubleEq)
		}
		return one(tEq)
	case '!':
		if following == '=' {
			return two(tNotEq)
		}
		return one(tBang)
	case '(':
		return one(tOpen)
	case ')':
		return one(tClose)
	case ',':
		return one(tComma)
	case '>':
		return one(tGt)
	case '<':
		return one(tLt)
	}
	for l.pos < len(l.s) {
		c := l.s[l.pos]
		if c == 0 || isSpace(c) || isSymbol(c) {
			break
		}
		l.pos++
	}
	return token{kind: tIdent, lit: l.s[start:l.pos], off: start}, nil
}

// exactOperators maps the tokens of single-value operators to operators.
var exactOperators = [...]Operator{tEq: Equals, tDoubleEq: Equals, tNotEq: NotEquals, tGt: GreaterThan, tLt: LessThan}

type labelParser struct {
	lex lexer
	tok token // current token (one token of lookahead)
}

func (p *labelParser) advance() error {
	t, err := p.lex.next()
	p.tok = t
	return err
}

func (p *labelParser) unexpected(expected string) error {
	return &SyntaxError{Input: p.lex.s, Offset: p.tok.off, Found: p.tok.describe(), Expected: expected}
}

func (p *labelParser) parse() ([]Requirement, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, nil
	}
	var reqs []Requirement
	for {
		r, err := p.requirement()
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, r)
		switch p.tok.kind {
		case tEOF:
			return reqs, nil
		case tComma:
			if err := p.advance(); err != nil {
				return nil, err
			}
		default:
			return nil, p.unexpected(`"," or end of input`)
		}
	}
}

// requirement parses one requirement and leaves the token after it current.
func (p *labelParser) requirement() (Requirement, error) {
	negated := p.tok.kind == tBang
	if negated {
		if err := p.advance(); err != nil {
			return Requirement{}, err
		}
	}
	if p.tok.kind != tIdent {
		if negated {
			return Requirement{}, p.unexpected("a label key")
		}
		return Requirement{}, p.unexpected(`"!" or a label key`)
	}
	r := Requirement{key: p.tok.lit}
	keyOff := p.tok.off
	if msg := checkLabelKey(r.key); msg != "" {
		return Requirement{}, &ValidationError{Input: p.lex.s, Offset: keyOff, Part: PartLabelKey, Found: r.key, Expected: msg}
	}
	if err := p.advance(); err != nil {
		return Requirement{}, err
	}
	valueOff := -1
	switch {
	case negated:
		r.op = DoesNotExist
	case p.tok.kind == tEOF || p.tok.kind == tComma:
		r.op = Exists
	case p.tok.kind == tEq || p.tok.kind == tDoubleEq || p.tok.kind == tNotEq || p.tok.kind == tGt || p.tok.kind == tLt:
		r.op, r.doubleEquals = exactOperators[p.tok.kind], p.tok.kind == tDoubleEq
		if err := p.advance(); err != nil {
			return Requirement{}, err
		}
		switch p.tok.kind {
		case tIdent:
			r.values, valueOff = []string{p.tok.lit}, p.tok.off
			if err := p.advance(); err != nil {
				return Requirement{}, err
			}
		case tEOF, tComma:
			r.values, valueOff = []string{""}, p.tok.off
		default:
			return Requirement{}, p.unexpected(`a value, "," or end of input`)
		}
	case p.tok.kind == tIdent && (p.tok.lit == "in" || p.tok.lit == "notin"):
		r.op = Operator(p.tok.lit)
		if err := p.advance(); err != nil {
			return Requirement{}, err
		}
		if p.tok.kind != tOpen {
			return Requirement{}, p.unexpected(`"("`)
		}
		if err := p.advance(); err != nil {
			return Requirement{}, err
		}
		vals, err := p.values()
		if err != nil {
			return Requirement{}, err
		}
		slices.Sort(vals)
		r.values = slices.Compact(vals)
	default:
		return Requirement{}, p.unexpected(`"=", "==", "!=", "in", "notin", ">", "<", "," or end of input`)
	}
	if err := r.validate(p.lex.s, keyOff, valueOff); err != nil {
		return Requirement{}, err
	}
	return r, nil
}

// values parses the list after "(" up to and including ")". Each value is
// validated where it appears; empty slots add "". The comma handling follows
// the API server, including its rejection of an even run of commas before ")".
func (p *labelParser) values() ([]string, error) {
	var vals []string
	add := func(v string, off int) error {
		if msg := checkLabelValue(v); msg != "" {
			return &ValidationError{Input: p.lex.s, Offset: off, Part: PartLabelValue, Found: v, Expected: msg}
		}
		vals = append(vals, v)
		return nil
	}
	switch p.tok.kind {
	case tClose:
		vals = []string{""}
		return vals, p.advance()
	case tIdent, tComma:
	default:
		return nil, p.unexpected(`a value, "," or ")"`)
	}
	for {
		switch p.tok.kind {
		case tIdent:
			if err := add(p.tok.lit, p.tok.off); err != nil {
				return nil, err
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			switch p.tok.kind {
			case tComma:
				continue
			case tClose:
				return vals, p.advance()
			default:
				return nil, p.unexpected(`"," or ")"`)
			}
		case tComma:
			if len(vals) == 0 {
				vals = append(vals, "") // leading comma: "(,a)"
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			switch p.tok.kind {
			case tClose: // trailing comma: "(a,)"
				vals = append(vals, "")
				return vals, p.advance()
			case tComma: // two commas in a row: "(a,,b)"
				vals = append(vals, "")
				if err := p.advance(); err != nil {
					return nil, err
				}
				if p.tok.kind == tClose {
					return nil, p.unexpected(`a value or "," (the API server rejects an even run of commas before ")")`)
				}
			}
		default:
			return nil, p.unexpected(`a value or ","`)
		}
	}
}
