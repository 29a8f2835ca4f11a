package kinds

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/kube-for-go/kube/sdk"
)

// ConditionStatus is the status of a condition: True, False or Unknown.
type ConditionStatus string

// Condition statuses.
const (
	ConditionTrue    ConditionStatus = "True"
	ConditionFalse   ConditionStatus = "False"
	ConditionUnknown ConditionStatus = "Unknown"
)

// Condition is one entry of a status' conditions list.
type Condition struct {
	Type               string          `json:"type"`
	Status             ConditionStatus `json:"status"`
	Reason             string          `json:"reason,omitempty"`
	Message            string          `json:"message,omitempty"`
	LastTransitionTime time.Time       `json:"lastTransitionTime,omitzero"`
	LastUpdateTime     time.Time       `json:"lastUpdateTime,omitzero"`
	LastProbeTime      time.Time       `json:"lastProbeTime,omitzero"`
	LastHeartbeatTime  time.Time       `json:"lastHeartbeatTime,omitzero"`
	ObservedGeneration int64           `json:"observedGeneration,omitempty"`
}

// IsTrue reports whether the condition's status is True: a predicate,
// false for False, Unknown and an empty status.
func (c Condition) IsTrue() bool { return c.Status == ConditionTrue }

// Conditions is the list of conditions in one object's status (a
// collection: empty when the server reported none). It remembers the
// object's kind and where the list was read (e.g. "status.conditions"), so
// a lookup that finds nothing says what and where. The zero value is an
// empty list. Iterate with All; look a condition up with Get or IsTrue.
type Conditions struct {
	kind  string
	field string
	list  []Condition
}

// NewConditions returns the conditions of an object of the given kind,
// read at field (e.g. "Widget", "status.conditions"): what the status type
// of a custom kind returns from the list it decoded. It keeps a copy of
// list.
func NewConditions(kind, field string, list []Condition) Conditions {
	return conditionsOf(kind, field, slices.Clone(list))
}

// conditionsOf wraps a decoded list without copying it: the list belongs
// to an immutable status snapshot and Conditions never hands it out.
func conditionsOf(kind, field string, list []Condition) Conditions {
	return Conditions{kind: kind, field: field, list: list}
}

// Len returns the number of conditions.
func (cs Conditions) Len() int { return len(cs.list) }

// All yields the conditions in the order the server reported them. Each is
// a copy: changing it does not change the list.
func (cs Conditions) All() iter.Seq[Condition] { return slices.Values(cs.list) }

// Get returns the condition of the given type. When there is none, the
// error is an *sdk.UnavailableError (matching sdk.ErrStatusUnavailable)
// whose Field is e.g. "status.conditions[type=Ready]".
func (cs Conditions) Get(typ string) (Condition, error) {
	for _, c := range cs.list {
		if c.Type == typ {
			return c, nil
		}
	}
	return Condition{}, unavailable(cs.kind, cmp.Or(cs.field, "conditions")+"[type="+typ+"]")
}

// IsTrue reports whether the condition of the given type exists and is
// True: a predicate, false when the condition is absent.
func (cs Conditions) IsTrue(typ string) bool {
	c, err := cs.Get(typ)
	return err == nil && c.IsTrue()
}

// unavailable returns the error of rule 1 of the package doc: the
// attribute at field of an object of the given kind is not set.
func unavailable(kind, field string) error { return &sdk.UnavailableError{Kind: kind, Field: field} }

// notIP returns the error for a value at field that should be an IP
// address but is not: the attribute is unavailable as an address. The
// value (an address or a host name, never a secret) is quoted in Field.
func notIP(kind, field, v string) error {
	return unavailable(kind, field+" (not an IP address: "+strconv.Quote(v)+")")
}

// str returns *p, or an *sdk.UnavailableError when p is nil or empty.
func str(p *string, kind, field string) (string, error) {
	if p == nil || *p == "" {
		return "", unavailable(kind, field)
	}
	return *p, nil
}

// counter returns *p (zero when nil) once the controller has reported
// status (observed is set), and an *sdk.UnavailableError before.
func counter(p *int64, observed *int64, kind, field string) (int64, error) {
	if observed == nil {
		return 0, unavailable(kind, field)
	}
	if p == nil {
		return 0, nil
	}
	return *p, nil
}

// register registers a built-in kind; a conflicting registration is a
// programming error, caught by the package's tests.
func register(k sdk.AnyKind) {
	if err := sdk.Register(k); err != nil {
		panic(err)
	}
}

// IntOrString is a value that is either a number or a name, like a
// Service's targetPort.
type IntOrString struct {
	IntVal int32
	StrVal string
	IsStr  bool
}

// String returns the name, or the number in decimal.
func (v IntOrString) String() string {
	if v.IsStr {
		return v.StrVal
	}
	return strconv.Itoa(int(v.IntVal))
}

// UnmarshalJSONFrom decodes a JSON number or string.
func (v *IntOrString) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case '"':
		*v = IntOrString{StrVal: tok.String(), IsStr: true}
	case '0':
		n, err := tok.Int()
		if err != nil || n < math.MinInt32 || n > math.MaxInt32 {
			return fmt.Errorf("int-or-string: %s is not a 32-bit integer", tok.String())
		}
		*v = IntOrString{IntVal: int32(n)}
	case 'n':
		*v = IntOrString{}
	default:
		return fmt.Errorf("int-or-string: want a number or a string, got %s", tok.Kind())
	}
	return nil
}

// MarshalJSONTo encodes the number or the string.
func (v IntOrString) MarshalJSONTo(enc *jsontext.Encoder) error {
	if v.IsStr {
		return enc.WriteToken(jsontext.String(v.StrVal))
	}
	return enc.WriteToken(jsontext.Int(int64(v.IntVal)))
}
