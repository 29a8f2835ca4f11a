package kinds

import (
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/sdk"
)

// DeploymentKind describes Deployments.
var DeploymentKind = sdk.MustKind[DeploymentStatus](sdk.KindInfo{
	Kind: "Deployment", Resource: "deployments", Namespaced: true, APIPaths: []string{"apis/apps/v1", "apis/extensions/v1beta1"},
})

// Deployment is a snapshot of one Deployment (the seed's DeploymentItem).
type Deployment = sdk.Item[DeploymentStatus]

// DeploymentStatus holds a Deployment's status attributes.
type DeploymentStatus struct{ ReplicaStatus }

// UnmarshalJSONFrom decodes the status in one pass.
func (s *DeploymentStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return s.decode(dec, "Deployment")
}

// UpdatedReplicas returns the number of non-terminated pods with the
// desired template.
func (s DeploymentStatus) UpdatedReplicas() (int64, error) {
	return s.count(s.w.Status.UpdatedReplicas, "updatedReplicas")
}

// UnavailableReplicas returns the number of pods still unavailable.
func (s DeploymentStatus) UnavailableReplicas() (int64, error) {
	return s.count(s.w.Status.UnavailableReplicas, "unavailableReplicas")
}

// CollisionCount returns the count of hash collisions of the Deployment.
func (s DeploymentStatus) CollisionCount() (int64, error) {
	return s.count(s.w.Status.CollisionCount, "collisionCount")
}

// Available reports whether the rollout of generation gen is complete: the
// controller observed it, and the updated and available replicas equal the
// desired count with none unavailable (what `kubectl rollout status` and
// `kubectl wait --for=condition=Available` look at).
func (s DeploymentStatus) Available(gen int64) bool {
	og, err := s.ObservedGeneration()
	if err != nil || og < gen {
		return false
	}
	want, err := s.DesiredReplicas()
	if err != nil {
		return false
	}
	for _, c := range []struct {
		get  func() (int64, error)
		want int64
	}{{s.UpdatedReplicas, want}, {s.AvailableReplicas, want}, {s.UnavailableReplicas, 0}} {
		if n, err := c.get(); err != nil || n != c.want {
			return false
		}
	}
	return s.Conditions().IsTrue("Available")
}

func init() { register(DeploymentKind) }
