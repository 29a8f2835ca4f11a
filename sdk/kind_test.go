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
		want       sdk.AnyKind
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
			k, ok := sdk.Lookup(tt.apiVersion, tt.kind)
			require.True(t, ok)
			assert.Same(t, tt.want, k)
			info := k.Info()
			assert.Equal(t, tt.listKind, info.ListKindName())
			assert.Equal(t, tt.group, info.Group())
			require.NoError(t, info.Validate())
		})
	}
	_, ok := sdk.Lookup("v1", "Gadget")
	assert.False(t, ok, "unknown kinds are not found")
	_, ok = sdk.Lookup("apps/v1", "Pod")
	assert.False(t, ok, "the group is part of the key")
	assert.GreaterOrEqual(t, len(sdk.Kinds()), 9)
}

type gadgetStatus struct{ sdk.FromStatus }

func TestKindValidate(t *testing.T) {
	tests := []struct {
		reason string
		info   sdk.KindInfo
	}{
		{"no kind", sdk.KindInfo{Resource: "x", APIPaths: []string{"api/v1"}}},
		{"no resource", sdk.KindInfo{Kind: "X", APIPaths: []string{"api/v1"}}},
		{"no API paths", sdk.KindInfo{Kind: "X", Resource: "xs"}},
		{"an API path that is not api/ or apis/", sdk.KindInfo{Kind: "X", Resource: "xs", APIPaths: []string{"v1"}}},
	}
	for _, tt := range tests {
		assert.ErrorIs(t, tt.info.Validate(), sdk.ErrKube, tt.reason)
		k, err := sdk.NewKind[gadgetStatus](tt.info)
		assert.ErrorIs(t, err, sdk.ErrKube, tt.reason)
		assert.Nil(t, k, tt.reason)
		assert.Panics(t, func() { sdk.MustKind[gadgetStatus](tt.info) }, tt.reason)
	}
	assert.Error(t, sdk.Register(nil), "a nil kind")
	assert.Error(t, sdk.Register(&sdk.Kind[gadgetStatus]{}), "an unchecked empty descriptor")
}

func TestRegisterConflicts(t *testing.T) {
	info := sdk.KindInfo{Kind: "Gadget", Resource: "gadgets", Namespaced: true, APIPaths: []string{"apis/conflict.example.com/v1"}}
	first := sdk.MustKind[gadgetStatus](info)
	require.NoError(t, sdk.Register(first))
	require.NoError(t, sdk.Register(first), "registering the same descriptor again is harmless")
	other := sdk.MustKind[gadgetStatus](info)
	err := sdk.Register(other)
	assert.ErrorIs(t, err, sdk.ErrKindRegistered, "a second descriptor for the same group and kind is refused")
	assert.ErrorIs(t, err, sdk.ErrKube)
	got, ok := sdk.Lookup("conflict.example.com/v1", "Gadget")
	require.True(t, ok)
	assert.Same(t, first, got, "the first registration stays in force")
	assert.ErrorIs(t, sdk.Register(kinds.PodKind), nil, "built-ins re-register idempotently")
	podAgain := sdk.MustKind[kinds.PodStatus](kinds.PodKind.Info())
	assert.ErrorIs(t, sdk.Register(podAgain), sdk.ErrKindRegistered, "a library cannot replace the built-in Pod kind")
}

func TestKindInfoIsACopy(t *testing.T) {
	info := kinds.DeploymentKind.Info()
	info.APIPaths[0] = "apis/changed/v1"
	assert.Equal(t, "apis/apps/v1", kinds.DeploymentKind.APIPaths[0], "Info returns a copy")
	assert.Equal(t, "Deployment.apps", kinds.DeploymentKind.String())
}

func TestAPIVersionOfPath(t *testing.T) {
	assert.Equal(t, "v1", sdk.APIVersion("api/v1"))
	assert.Equal(t, "apps/v1", sdk.APIVersion("/apis/apps/v1/"))
	assert.Equal(t, "example.com/v1alpha1", sdk.APIVersion("apis/example.com/v1alpha1"))
	assert.Equal(t, "Deployment.apps", kinds.DeploymentKind.String())
	assert.Equal(t, "Pod", kinds.PodKind.String())
}
