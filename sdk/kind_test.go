package sdk_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

func TestLookupBuiltInKinds(t *testing.T) {
	tests := []struct {
		reason     string
		apiVersion string
		kind       string
		want       *sdk.Kind
		listKind   string
		group      string
	}{
		{"core pods", "v1", "Pod", kinds.PodKind, "PodList", ""},
		{"nodes are cluster-scoped", "v1", "Node", kinds.NodeKind, "NodeList", ""},
		{"namespaces", "v1", "Namespace", kinds.NamespaceKind, "NamespaceList", ""},
		{"apps deployments", "apps/v1", "Deployment", kinds.DeploymentKind, "DeploymentList", "apps"},
		{"any version of a group resolves", "apps/v1beta2", "ReplicaSet", kinds.ReplicaSetKind, "ReplicaSetList", "apps"},
		{"daemonsets", "apps/v1", "DaemonSet", kinds.DaemonSetKind, "DaemonSetList", "apps"},
		{"replication controllers", "v1", "ReplicationController", kinds.ReplicationControllerKind, "ReplicationControllerList", ""},
		{"services", "v1", "Service", kinds.ServiceKind, "ServiceList", ""},
		{"secrets", "v1", "Secret", kinds.SecretKind, "SecretList", ""},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			k, dec, ok := sdk.Lookup(tt.apiVersion, tt.kind)
			require.True(t, ok)
			assert.Same(t, tt.want, k)
			assert.NotNil(t, dec)
			assert.Equal(t, tt.listKind, k.ListKindName())
			assert.Equal(t, tt.group, k.Group())
			require.NoError(t, k.Validate())
		})
	}
	_, _, ok := sdk.Lookup("v1", "Gadget")
	assert.False(t, ok, "unknown kinds are not found")
	_, _, ok = sdk.Lookup("apps/v1", "Pod")
	assert.False(t, ok, "the group is part of the key")
	assert.GreaterOrEqual(t, len(sdk.Kinds()), 9)
}

func TestKindValidate(t *testing.T) {
	tests := []struct {
		reason string
		kind   *sdk.Kind
	}{
		{"nil", nil},
		{"no kind", &sdk.Kind{Resource: "x", APIPaths: []string{"api/v1"}}},
		{"no resource", &sdk.Kind{Kind: "X", APIPaths: []string{"api/v1"}}},
		{"no API paths", &sdk.Kind{Kind: "X", Resource: "xs"}},
	}
	for _, tt := range tests {
		err := tt.kind.Validate()
		assert.ErrorIs(t, err, sdk.ErrKube, tt.reason)
		assert.Error(t, sdk.Register(tt.kind, nil), tt.reason)
	}
}

func TestAPIVersionOfPath(t *testing.T) {
	assert.Equal(t, "v1", sdk.APIVersion("api/v1"))
	assert.Equal(t, "apps/v1", sdk.APIVersion("/apis/apps/v1/"))
	assert.Equal(t, "example.com/v1alpha1", sdk.APIVersion("apis/example.com/v1alpha1"))
	assert.Equal(t, "Deployment.apps", kinds.DeploymentKind.String())
	assert.Equal(t, "Pod", kinds.PodKind.String())
}
