package kinds

import "github.com/kube-for-go/kube/sdk"

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

// NamespaceStatus holds a namespace's status attributes.
type NamespaceStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	PhaseValue      *string    `json:"phase"`
	ConditionsValue Conditions `json:"conditions"`
}

// Phase returns the namespace's phase.
func (s NamespaceStatus) Phase() (NamespacePhase, error) {
	p, err := str(s.PhaseValue, "Namespace", "status.phase")
	return NamespacePhase(p), err
}

// Conditions returns the namespace's conditions (set while terminating).
func (s NamespaceStatus) Conditions() Conditions { return s.ConditionsValue }

func init() { register(NamespaceKind) }
