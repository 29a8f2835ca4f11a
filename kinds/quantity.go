package kinds

import (
	"cmp"
	"fmt"
	"iter"
	"maps"
	"math/big"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Quantity is an exact Kubernetes resource quantity such as "1500m" (1.5
// CPU cores), "2Gi" (2147483648 bytes), "1e3" or "0.5". It keeps the text
// it was parsed from and its exact rational value. The zero value is 0.
type Quantity struct {
	text string
	val  *big.Rat
}

// QuantityError reports text that is not a Kubernetes quantity.
type QuantityError struct {
	Input  string
	Offset int // byte offset of the problem
	Reason string
}

func (e *QuantityError) Error() string {
	return fmt.Sprintf("kinds: invalid quantity %q at byte %d: %s", e.Input, e.Offset, e.Reason)
}

var binarySuffixes = map[string]int64{"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60}

var decimalSuffixes = map[string]int{"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}

// ParseQuantity parses the Kubernetes quantity grammar exactly:
//
//	quantity  ::= sign? digits ( "." digits? )? suffix | sign? "." digits suffix
//	suffix    ::= binarySI | decimalSI | exponent
//	binarySI  ::= "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"
//	decimalSI ::= "n" | "u" | "m" | "" | "k" | "M" | "G" | "T" | "P" | "E"
//	exponent  ::= ( "e" | "E" ) sign? digits
func ParseQuantity(s string) (Quantity, error) {
	if s == "" {
		return Quantity{}, &QuantityError{Input: s, Reason: "empty"}
	}
	i := 0
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intPart := s[start:i]
	frac := ""
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		frac = s[fs:i]
	}
	if intPart == "" && frac == "" {
		return Quantity{}, &QuantityError{Input: s, Offset: i, Reason: "expected digits"}
	}
	num := new(big.Int)
	num.SetString(intPart+frac+"0", 10) // trailing 0 keeps SetString happy on ""
	num.Quo(num, big.NewInt(10))
	val := new(big.Rat).SetFrac(num, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil))
	suffix := s[i:]
	switch {
	case binarySuffixes[suffix] != 0:
		val.Mul(val, new(big.Rat).SetInt64(binarySuffixes[suffix]))
	case len(suffix) > 1 && (suffix[0] == 'e' || suffix[0] == 'E'):
		exp := suffix[1:]
		j := 0
		eneg := false
		if j < len(exp) && (exp[j] == '+' || exp[j] == '-') {
			eneg = exp[j] == '-'
			j++
		}
		if j == len(exp) || len(exp)-j > 4 {
			return Quantity{}, &QuantityError{Input: s, Offset: i + 1, Reason: "exponent needs 1 to 4 digits"}
		}
		n := 0
		for ; j < len(exp); j++ {
			if exp[j] < '0' || exp[j] > '9' {
				return Quantity{}, &QuantityError{Input: s, Offset: i + 1 + j, Reason: "exponent is not a number"}
			}
			n = n*10 + int(exp[j]-'0')
		}
		if eneg {
			n = -n
		}
		scale(val, n)
	default:
		e, ok := decimalSuffixes[suffix]
		if !ok {
			return Quantity{}, &QuantityError{Input: s, Offset: i, Reason: fmt.Sprintf("unknown suffix %q", suffix)}
		}
		scale(val, e)
	}
	if neg {
		val.Neg(val)
	}
	return Quantity{text: s, val: val}, nil
}

func scale(r *big.Rat, exp10 int) {
	if exp10 == 0 {
		return
	}
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp10))), nil)
	if exp10 > 0 {
		r.Mul(r, new(big.Rat).SetInt(p))
	} else {
		r.Quo(r, new(big.Rat).SetInt(p))
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// MustParseQuantity is ParseQuantity for constants; it panics on bad input.
func MustParseQuantity(s string) Quantity {
	q, err := ParseQuantity(s)
	if err != nil {
		panic(err)
	}
	return q
}

// String returns the text the quantity was parsed from ("0" for the zero value).
func (q Quantity) String() string {
	if q.text == "" {
		return "0"
	}
	return q.text
}

// Rat returns the exact value (a new value the caller may change).
func (q Quantity) Rat() *big.Rat {
	if q.val == nil {
		return new(big.Rat)
	}
	return new(big.Rat).Set(q.val)
}

// Float64 returns the nearest float64, e.g. 1.5 for "1500m" CPU cores.
func (q Quantity) Float64() float64 {
	f, _ := q.Rat().Float64()
	return f
}

// Int64 returns the value if it is an integer that fits in an int64, e.g.
// the bytes of a memory quantity. Like MilliValue it is a conversion, not
// a status attribute: ok is false when the value has no int64 form, so it
// keeps the (value, ok) form of strconv-like conversions rather than
// returning an *sdk.UnavailableError.
func (q Quantity) Int64() (int64, bool) {
	r := q.Rat()
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

// MilliValue returns the value in thousandths, rounded away from zero as
// Kubernetes does (1500 for "1.5" CPU cores, 2 for "1.5m", -1001 for
// "-1.0005"); ok is false if it does not fit in an int64. It is a
// conversion that can overflow, not a status attribute, so it keeps the
// (value, ok) form rather than returning an *sdk.UnavailableError.
func (q Quantity) MilliValue() (int64, bool) {
	r := q.Rat()
	r.Mul(r, big.NewRat(1000, 1))
	n := new(big.Int).Quo(r.Num(), r.Denom())
	if new(big.Rat).SetInt(n).Cmp(r) != 0 {
		n.Add(n, big.NewInt(int64(r.Sign())))
	}
	if !n.IsInt64() {
		return 0, false
	}
	return n.Int64(), true
}

// MarshalText returns the quantity's text, so quantities marshal as the
// JSON strings Kubernetes uses.
func (q Quantity) MarshalText() ([]byte, error) { return []byte(q.String()), nil }

// Cmp compares two quantities by value: -1, 0 or +1.
func (q Quantity) Cmp(o Quantity) int { return q.Rat().Cmp(o.Rat()) }

// UnmarshalJSONFrom decodes a quantity from a JSON string (or number).
func (q *Quantity) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	var s string
	switch tok.Kind() {
	case '"':
		s = tok.String()
	case '0':
		s = strings.TrimSpace(tok.String())
	case 'n':
		*q = Quantity{}
		return nil
	default:
		return fmt.Errorf("quantity must be a string, got %s", tok.Kind())
	}
	v, err := ParseQuantity(s)
	if err != nil {
		return err
	}
	*q = v
	return nil
}

// ResourceList is a set of named resource quantities ("cpu", "memory",
// "pods", "ephemeral-storage", ...), like a node's capacity: a collection,
// empty when the server reported none. It remembers the object's kind and
// where it was read (e.g. "status.capacity"), so a lookup that finds
// nothing says what and where. The zero value is an empty list.
type ResourceList struct {
	kind  string
	field string
	m     map[string]Quantity
}

// NewResourceList returns the resource list of an object of the given kind,
// read at field (e.g. "Widget", "status.capacity"): what the status type
// of a custom kind returns from the map it decoded. It keeps a copy of m.
func NewResourceList(kind, field string, m map[string]Quantity) ResourceList {
	return resourcesOf(kind, field, maps.Clone(m))
}

// resourcesOf wraps a decoded map without copying it: the map belongs to
// an immutable status snapshot and ResourceList never hands it out.
func resourcesOf(kind, field string, m map[string]Quantity) ResourceList {
	return ResourceList{kind: kind, field: field, m: m}
}

// Len returns the number of resources.
func (r ResourceList) Len() int { return len(r.m) }

// Names returns the resource names, sorted.
func (r ResourceList) Names() []string { return slices.Sorted(maps.Keys(r.m)) }

// All yields the resources sorted by name.
func (r ResourceList) All() iter.Seq2[string, Quantity] {
	return func(yield func(string, Quantity) bool) {
		for _, name := range r.Names() {
			if !yield(name, r.m[name]) {
				return
			}
		}
	}
}

// Get returns the quantity of the named resource. When the list has none,
// the error is an *sdk.UnavailableError (matching sdk.ErrStatusUnavailable)
// whose Field is e.g. "status.capacity[nvidia.com/gpu]".
func (r ResourceList) Get(name string) (Quantity, error) {
	q, ok := r.m[name]
	if !ok {
		return Quantity{}, unavailable(r.kind, cmp.Or(r.field, "resources")+"["+name+"]")
	}
	return q, nil
}

// CPU returns the "cpu" quantity in cores (fractions allowed: 1.5 for
// "1500m"); see Get.
func (r ResourceList) CPU() (Quantity, error) { return r.Get("cpu") }

// Memory returns the "memory" quantity in bytes; see Get.
func (r ResourceList) Memory() (Quantity, error) { return r.Get("memory") }

// Pods returns the "pods" quantity: how many pods fit; see Get.
func (r ResourceList) Pods() (Quantity, error) { return r.Get("pods") }
