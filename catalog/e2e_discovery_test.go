package catalog_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/catalog/internal/disco"
	"github.com/kube-for-go/kube/internal/testutil"
)

// getDoc reads one document of the test cluster through kubectl proxy,
// bounded in time and size.
func getDoc(ctx context.Context, t *testing.T, base, path, accept string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	require.NoError(t, err)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "GET %s", path)
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	require.NoError(t, err, "GET %s", path)
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", path, body)
	return body
}

const aggregatedAccept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

// TestE2ECatalogMatchesDiscovery checks the catalogue against what the
// test cluster's aggregated discovery serves now: every built-in resource
// with a kind (subresources excluded) that package kinds does not declare
// has a descriptor, none is extra, and scope, preferred version, verbs and
// subresource markers are equal. Groups served by custom resources are not
// built in (the rule of disco.BuiltIn, and any group a CRD in the cluster
// defines).
func TestE2ECatalogMatchesDiscovery(t *testing.T) {
	tc := testutil.Shared(t)
	ctx := t.Context()
	crdGroups := map[string]bool{}
	var crds struct {
		Items []struct {
			Spec struct {
				Group string `json:"group"`
			} `json:"spec"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(getDoc(ctx, t, tc.ProxyURL, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", ""), &crds))
	for _, c := range crds.Items {
		crdGroups[c.Spec.Group] = true
	}
	keep := func(group string) bool { return disco.BuiltIn(group) && !crdGroups[group] }
	rs, err := disco.Parse(keep,
		getDoc(ctx, t, tc.ProxyURL, "/api", aggregatedAccept),
		getDoc(ctx, t, tc.ProxyURL, "/apis", aggregatedAccept))
	require.NoError(t, err)
	require.Greater(t, len(rs), 60, "discovery lists the built-in resources")
	checkCatalog(t, rs)
	if t.Failed() {
		t.Log("the cluster's discovery differs from the catalogue: refresh testdata/discovery-v1.34.json and run go generate ./catalog")
	}
}
