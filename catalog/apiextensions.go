package catalog

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
)

// CustomResourceDefinitionStatus holds a CRD's status attributes.
type CustomResourceDefinitionStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	w crdWire
}

type crdWire struct {
	Conditions     []kinds.Condition `json:"conditions"`
	AcceptedNames  *CRDNames         `json:"acceptedNames"`
	StoredVersions []string          `json:"storedVersions"`
}

// CRDNames are the names of a custom resource as the server accepted them.
type CRDNames struct {
	Plural     string   `json:"plural"`
	Singular   string   `json:"singular,omitempty"`
	ShortNames []string `json:"shortNames,omitempty"`
	Kind       string   `json:"kind"`
	ListKind   string   `json:"listKind,omitempty"`
	Categories []string `json:"categories,omitempty"`
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *CustomResourceDefinitionStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// Conditions returns the CRD's conditions (Established, NamesAccepted,
// NonStructuralSchema, Terminating, ...), empty if none.
func (s CustomResourceDefinitionStatus) Conditions() kinds.Conditions {
	return kinds.NewConditions("CustomResourceDefinition", "status.conditions", s.w.Conditions)
}

// Established reports whether the Established condition is True: the
// server serves the custom resource.
func (s CustomResourceDefinitionStatus) Established() bool {
	return s.Conditions().IsTrue("Established")
}

// NamesAccepted reports whether the NamesAccepted condition is True: the
// names do not conflict with another resource's.
func (s CustomResourceDefinitionStatus) NamesAccepted() bool {
	return s.Conditions().IsTrue("NamesAccepted")
}

// AcceptedNames returns the names the server accepted; unavailable until
// the naming controller reports them (kind empty).
func (s CustomResourceDefinitionStatus) AcceptedNames() (CRDNames, error) {
	n := s.w.AcceptedNames
	if n == nil || n.Kind == "" {
		return CRDNames{}, unavailable("CustomResourceDefinition", "status.acceptedNames")
	}
	out := *n
	out.ShortNames = append([]string(nil), n.ShortNames...)
	out.Categories = append([]string(nil), n.Categories...)
	return out, nil
}

// StoredVersions returns the versions ever persisted, empty if none.
func (s CustomResourceDefinitionStatus) StoredVersions() []string {
	return append([]string(nil), s.w.StoredVersions...)
}

// CRDEstablished holds when the CRD's Established condition is True
// (kubectl wait --for=condition=Established): its resource can be used.
func CRDEstablished() watch.Condition[*CustomResourceDefinition] {
	return watch.Match(func(c *CustomResourceDefinition) bool { return c.Status().Established() })
}
