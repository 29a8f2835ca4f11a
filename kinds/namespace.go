package kinds

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/sdk"
)

// NamespaceKind describes Namespaces (cluster-scoped). Deleting a namespace
// that is already terminating succeeds instead of answering 409, as the
// seed promised.
var NamespaceKind = sdk.MustKind[NamespaceStatus](sdk.KindInfo{
	Kind: "Namespace", Resource: "namespaces", Namespaced: false, APIPaths: []string{"api/v1"},
})

// Namespace is a snapshot of one Namespace (the seed's NamespaceItem).
type Namespace = sdk.Item[NamespaceStatus]

// NamespacePhase is the phase of a namespace.
type NamespacePhase string

// Namespace phases.
const (
	NamespaceActive      NamespacePhase = "Active"
	NamespaceTerminating NamespacePhase = "Terminating"
)

// NamespaceStatus holds a namespace's status attributes; see the package
// doc for how absent attributes are reported.
type NamespaceStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	w namespaceStatusWire
}

type namespaceStatusWire struct {
	Phase      *string     `json:"phase"`
	Conditions []Condition `json:"conditions"`
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *NamespaceStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// Phase returns the namespace's phase.
func (s NamespaceStatus) Phase() (NamespacePhase, error) {
	p, err := str(s.w.Phase, "Namespace", "status.phase")
	return NamespacePhase(p), err
}

// Conditions returns the namespace's conditions (set while terminating),
// empty if none.
func (s NamespaceStatus) Conditions() Conditions {
	return conditionsOf("Namespace", "status.conditions", s.w.Conditions)
}

func init() { register(NamespaceKind) }
