package kinds

import (
	"fmt"
	"maps"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/sdk"
)

// SecretKind describes Secrets. A Secret has no spec (Spec returns an empty
// map); its data and type are its status attributes.
var SecretKind = sdk.MustKind[SecretStatus](sdk.KindInfo{
	Kind: "Secret", Resource: "secrets", Namespaced: true, APIPaths: []string{"api/v1"},
})

// Secret is a snapshot of one Secret (the seed's SecretItem). Its String,
// and every fmt verb, print only the kind, name and version.
type Secret = sdk.Item[SecretStatus]

// SecretType is the type of a Secret.
type SecretType string

// Secret types.
const (
	SecretOpaque              SecretType = "Opaque"
	SecretServiceAccountToken SecretType = "kubernetes.io/service-account-token"
	SecretDockerConfigJSON    SecretType = "kubernetes.io/dockerconfigjson"
	SecretDockerConfig        SecretType = "kubernetes.io/dockercfg"
	SecretBasicAuth           SecretType = "kubernetes.io/basic-auth"
	SecretSSHAuth             SecretType = "kubernetes.io/ssh-auth"
	SecretTLS                 SecretType = "kubernetes.io/tls"
	SecretBootstrapToken      SecretType = "bootstrap.kubernetes.io/token"
)

// SecretValue is one secret value. Printing it with any fmt verb shows only
// its length; use Bytes to read it.
type SecretValue struct{ b []byte }

// Bytes returns a copy of the value.
func (v SecretValue) Bytes() []byte { return slices.Clone(v.b) }

// Len returns the value's length in bytes.
func (v SecretValue) Len() int { return len(v.b) }

// String hides the value.
func (v SecretValue) String() string { return fmt.Sprintf("<redacted %d bytes>", len(v.b)) }

// GoString hides the value.
func (v SecretValue) GoString() string { return v.String() }

// Format hides the value for every verb.
func (v SecretValue) Format(f fmt.State, verb rune) { fmt.Fprint(f, v.String()) }

// MarshalJSON hides the value, so logging a SecretValue as JSON leaks nothing.
func (v SecretValue) MarshalJSON() ([]byte, error) { return []byte(`"` + v.String() + `"`), nil }

// SecretStatus holds a Secret's type and decoded data. Its printed forms
// show the keys, never the values. The data is held by a closure, which
// fmt prints as an address whatever the verb, so even a struct holding a
// SecretStatus in an unexported field (where fmt cannot call String) does
// not print the values.
type SecretStatus struct {
	sdk.FromObject
	w func() *secretWire
}

type secretWire struct {
	Type *string           `json:"type"`
	Data map[string][]byte `json:"data"` // base64 in JSON, decoded by the JSON engine
}

// UnmarshalJSONFrom decodes the type and data in one pass.
func (s *SecretStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	w := new(secretWire)
	if err := json.UnmarshalDecode(dec, w); err != nil {
		return err
	}
	s.w = func() *secretWire { return w }
	return nil
}

func (s SecretStatus) wire() *secretWire {
	if s.w == nil {
		return &secretWire{}
	}
	return s.w()
}

// Type returns the Secret's type (the server defaults it to Opaque).
func (s SecretStatus) Type() (SecretType, error) {
	t, err := str(s.wire().Type, "Secret", "type")
	return SecretType(t), err
}

// Data returns a copy of the Secret's data, decoded from base64: keys are
// the names, values the secret bytes; empty if the Secret has none.
func (s SecretStatus) Data() map[string]SecretValue {
	w := s.wire()
	out := make(map[string]SecretValue, len(w.Data))
	for k, v := range w.Data {
		out[k] = SecretValue{b: slices.Clone(v)}
	}
	return out
}

// Get returns a copy of the decoded value of one key (empty, not an error,
// for a key whose value is empty). When the Secret has no such key, the
// error is an *sdk.UnavailableError whose Field is "data[<key>]"; errors
// name keys, never values.
func (s SecretStatus) Get(key string) ([]byte, error) {
	v, ok := s.wire().Data[key]
	if !ok {
		return nil, unavailable("Secret", "data["+key+"]")
	}
	if v == nil {
		return []byte{}, nil
	}
	return slices.Clone(v), nil
}

// Keys returns the data keys, sorted.
func (s SecretStatus) Keys() []string { return slices.Sorted(maps.Keys(s.wire().Data)) }

// String shows the type and the keys, never the values.
func (s SecretStatus) String() string {
	t := ""
	if w := s.wire(); w.Type != nil {
		t = *w.Type
	}
	return fmt.Sprintf("Secret(type=%s, keys=%v)", t, s.Keys())
}

// GoString is String.
func (s SecretStatus) GoString() string { return s.String() }

// Format prints String for every verb.
func (s SecretStatus) Format(f fmt.State, verb rune) { fmt.Fprint(f, s.String()) }

func init() { register(SecretKind) }
