package kinds

import (
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/sdk"
)

// ReplicaSetKind describes ReplicaSets. The seed's api_paths become
// APIPaths: apps/v1 first, the long-gone extensions/v1beta1 as fallback.
var ReplicaSetKind = sdk.MustKind[ReplicaSetStatus](sdk.KindInfo{
	Kind: "ReplicaSet", Resource: "replicasets", Namespaced: true, APIPaths: []string{"apis/apps/v1", "apis/extensions/v1beta1"},
})

// ReplicaSet is a snapshot of one ReplicaSet (the seed's ReplicaSetItem).
type ReplicaSet = sdk.Item[ReplicaSetStatus]

// ReplicaSetStatus holds a ReplicaSet's status attributes.
type ReplicaSetStatus struct{ ReplicaStatus }

// UnmarshalJSONFrom decodes the status in one pass.
func (s *ReplicaSetStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return s.decode(dec, "ReplicaSet")
}

// FullyLabeledReplicas returns the number of pods whose labels match the
// whole selector.
func (s ReplicaSetStatus) FullyLabeledReplicas() (int64, error) {
	return s.count(s.w.Status.FullyLabeledReplicas, "fullyLabeledReplicas")
}

func init() { register(ReplicaSetKind) }
