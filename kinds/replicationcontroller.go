package kinds

import (
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/sdk"
)

// ReplicationControllerKind describes ReplicationControllers, the
// predecessor of ReplicaSets with equality-only selectors.
var ReplicationControllerKind = sdk.MustKind[ReplicationControllerStatus](sdk.KindInfo{
	Kind: "ReplicationController", Resource: "replicationcontrollers", Namespaced: true, APIPaths: []string{"api/v1"},
})

// ReplicationController is a snapshot of one ReplicationController.
type ReplicationController = sdk.Item[ReplicationControllerStatus]

// ReplicationControllerStatus holds a ReplicationController's status attributes.
type ReplicationControllerStatus struct{ ReplicaStatus }

// UnmarshalJSONFrom decodes the status in one pass.
func (s *ReplicationControllerStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return s.decode(dec, "ReplicationController")
}

// FullyLabeledReplicas returns the number of pods whose labels match the
// whole selector.
func (s ReplicationControllerStatus) FullyLabeledReplicas() (int64, error) {
	return s.count(s.w.Status.FullyLabeledReplicas, "fullyLabeledReplicas")
}

func init() { register(ReplicationControllerKind) }
