package kinds

import (
	"fmt"
	"math"
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

// IsTrue reports whether the condition's status is True.
func (c Condition) IsTrue() bool { return c.Status == ConditionTrue }

// Conditions is a list of conditions.
type Conditions []Condition

// Get returns the condition of the given type, or an error matching
// sdk.ErrStatusUnavailable if there is none.
func (cs Conditions) Get(typ string) (Condition, error) {
	for _, c := range cs {
		if c.Type == typ {
			return c, nil
		}
	}
	return Condition{}, &sdk.UnavailableError{Field: "conditions[type=" + typ + "]"}
}

// IsTrue reports whether the condition of the given type exists and is True.
func (cs Conditions) IsTrue(typ string) bool {
	c, err := cs.Get(typ)
	return err == nil && c.IsTrue()
}

func unavailable(kind, field string) error { return &sdk.UnavailableError{Kind: kind, Field: field} }

// str returns *p or a StatusError when p is nil or empty.
func str(p *string, kind, field string) (string, error) {
	if p == nil || *p == "" {
		return "", unavailable(kind, field)
	}
	return *p, nil
}

// counter returns *p (zero when nil) once the controller has reported
// status (observed is set), and a StatusError before.
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
