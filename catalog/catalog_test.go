package catalog_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/catalog"
	"github.com/kube-for-go/kube/catalog/internal/disco"
	"github.com/kube-for-go/kube/sdk"
)

// genKind is one row of the generated table (zz_kinds_test.go).
type genKind struct {
	kind   sdk.AnyKind
	status any
	decode func(raw []byte) (any, error)
}

// builtInNotInKinds is the catalogue's selection: a built-in group, and a
// kind package kinds does not declare.
func notInKinds(rs []disco.Resource) []disco.Resource {
	var out []disco.Resource
	for _, r := range rs {
		if k, ok := sdk.Lookup(apiVersionOf(r), r.Kind); ok && !slices.Contains(catalog.Kinds(), k) {
			continue // declared (and registered) by package kinds
		}
		out = append(out, r)
	}
	return out
}

func apiVersionOf(r disco.Resource) string { return sdk.APIVersion(r.APIPath()) }

// checkCatalog checks that the catalogue holds exactly the resources rs
// (all of them in the catalogue's selection), with their scope, preferred
// version, verbs and status subresource markers.
func checkCatalog(t *testing.T, rs []disco.Resource) {
	t.Helper()
	want := map[string]disco.Resource{}
	for _, r := range notInKinds(rs) {
		want[r.Key()] = r
	}
	got := map[string]sdk.AnyKind{}
	for _, k := range catalog.Kinds() {
		info := k.Info()
		got[info.Group()+"/"+info.Kind] = k
	}
	for key := range want {
		assert.Contains(t, got, key, "discovered resource %s has no descriptor in the catalogue", key)
	}
	for key := range got {
		assert.Contains(t, want, key, "the catalogue has %s, which discovery does not serve", key)
	}
	markers := map[sdk.AnyKind]any{}
	for _, g := range generated {
		markers[g.kind] = g.status
	}
	for key, r := range want {
		k, ok := got[key]
		if !ok {
			continue
		}
		info := k.Info()
		assert.Equal(t, r.Namespaced, info.Namespaced, "%s: scope", key)
		assert.Equal(t, []string{r.APIPath()}, info.APIPaths, "%s: preferred version", key)
		assert.Equal(t, r.Resource, info.Resource, "%s: resource", key)
		assert.Equal(t, r.Verbs, catalog.Verbs(k), "%s: verbs", key)
		st := markers[k]
		require.NotNil(t, st, "%s: not in the generated test table", key)
		_, hasStatus := st.(sdk.WithStatus)
		_, hasScale := st.(sdk.WithScale)
		assert.Equal(t, r.HasSubresource("status"), hasStatus, "%s: status marker (subresources %v)", key, r.Subresources)
		assert.Equal(t, r.HasSubresource("scale"), hasScale, "%s: scale marker (subresources %v)", key, r.Subresources)
		reg, ok := sdk.Lookup(apiVersionOf(r), r.Kind)
		assert.True(t, ok && reg == k, "%s: registered", key)
	}
}

func TestCatalogMatchesSnapshot(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "discovery-v1.34.json"))
	require.NoError(t, err)
	rs, err := disco.ParseSnapshot(raw, disco.BuiltIn)
	require.NoError(t, err)
	require.Greater(t, len(rs), 60, "the snapshot lists the built-in resources")
	checkCatalog(t, rs)
	assert.Len(t, generated, len(catalog.Kinds()), "generated test table")
}

func TestBuiltInGroups(t *testing.T) {
	tests := []struct {
		group  string
		want   bool
		reason string
	}{
		{"", true, "the core group"},
		{"apps", true, "a dot-less group is built in (a CRD's group needs a dot)"},
		{"storage.k8s.io", true, "a k8s.io group"},
		{"flowcontrol.apiserver.k8s.io", true, "a nested k8s.io group"},
		{"kwok.x-k8s.io", false, "a SIG project's group, served by CRDs"},
		{"example.com", false, "a custom group"},
		{"k8s.io.example.com", false, "k8s.io is not its suffix"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, disco.BuiltIn(tt.group), "%q: %s", tt.group, tt.reason)
	}
}

func TestVerbsOfVirtualKinds(t *testing.T) {
	assert.Equal(t, []string{"create"}, catalog.Verbs(catalog.TokenReviewKind), "TokenReview is create-only")
	assert.Contains(t, catalog.Verbs(catalog.ConfigMapKind), "watch")
	assert.Nil(t, catalog.Verbs(nil), "not in the catalogue")
}
