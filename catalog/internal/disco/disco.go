// Package disco reads the aggregated discovery documents of an API server
// (apidiscovery.k8s.io/v2 APIGroupDiscoveryList, as served at /api and
// /apis) into the list of resources the catalogue describes. The catalogue's
// generator and its tests share it.
package disco

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Resource is one top-level resource of one group, at its preferred
// version.
type Resource struct {
	Group        string   // "" for the core group
	Version      string   // the group's preferred version
	Kind         string   // e.g. "ConfigMap"
	Resource     string   // e.g. "configmaps"
	Namespaced   bool     // scope Namespaced
	Verbs        []string // sorted
	ShortNames   []string
	Subresources []string // sorted, e.g. {"scale", "status"}
}

// APIPath returns the API base path of the resource's preferred version,
// e.g. "api/v1" or "apis/apps/v1".
func (r Resource) APIPath() string {
	if r.Group == "" {
		return "api/" + r.Version
	}
	return "apis/" + r.Group + "/" + r.Version
}

// Key returns "<group>/<Kind>", the key of the SDK's registry.
func (r Resource) Key() string { return r.Group + "/" + r.Kind }

// HasSubresource reports whether the resource serves the subresource.
func (r Resource) HasSubresource(name string) bool { return slices.Contains(r.Subresources, name) }

type groupList struct {
	Items []struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Versions []struct {
			Version   string `json:"version"`
			Resources []struct {
				Resource     string `json:"resource"`
				ResponseKind *struct {
					Kind string `json:"kind"`
				} `json:"responseKind"`
				Scope        string   `json:"scope"`
				Verbs        []string `json:"verbs"`
				ShortNames   []string `json:"shortNames"`
				Subresources []struct {
					Subresource string `json:"subresource"`
				} `json:"subresources"`
			} `json:"resources"`
		} `json:"versions"`
	} `json:"items"`
}

// BuiltIn reports whether group is one of Kubernetes' built-in API groups
// by the project's naming rule: the core group, a group without a dot
// (apps, batch, policy, autoscaling), or a group under k8s.io that is not
// a SIG project's x-k8s.io group (those are served by custom resources,
// e.g. kwok.x-k8s.io). A CustomResourceDefinition's group must contain a
// dot, so a custom resource never has a dot-less group.
func BuiltIn(group string) bool {
	switch {
	case group == "" || !strings.Contains(group, "."):
		return true
	case strings.HasSuffix(group, ".x-k8s.io"):
		return false
	}
	return strings.HasSuffix(group, ".k8s.io")
}

// Parse reads one or more APIGroupDiscoveryList documents and returns every
// resource of the preferred version (the first listed) of each group for
// which keep(group) is true, that has a kind and at least one verb,
// sorted by group and kind. Subresources are not resources of their own.
// A kind served twice in one group is an error.
func Parse(keep func(group string) bool, docs ...[]byte) ([]Resource, error) {
	var out []Resource
	seen := map[string]bool{}
	for i, doc := range docs {
		var gl groupList
		if err := json.Unmarshal(doc, &gl, jsontext.AllowDuplicateNames(true)); err != nil {
			return nil, fmt.Errorf("discovery document %d: %w", i+1, err)
		}
		for _, g := range gl.Items {
			if !keep(g.Metadata.Name) || len(g.Versions) == 0 {
				continue
			}
			v := g.Versions[0]
			for _, r := range v.Resources {
				if r.ResponseKind == nil || r.ResponseKind.Kind == "" || len(r.Verbs) == 0 || strings.Contains(r.Resource, "/") {
					continue
				}
				res := Resource{
					Group: g.Metadata.Name, Version: v.Version, Kind: r.ResponseKind.Kind, Resource: r.Resource,
					Namespaced: r.Scope == "Namespaced", Verbs: slices.Sorted(slices.Values(r.Verbs)),
					ShortNames: slices.Clone(r.ShortNames),
				}
				for _, s := range r.Subresources {
					res.Subresources = append(res.Subresources, s.Subresource)
				}
				slices.Sort(res.Subresources)
				if seen[res.Key()] {
					return nil, fmt.Errorf("discovery: kind %s served twice in group %q", res.Kind, res.Group)
				}
				seen[res.Key()] = true
				out = append(out, res)
			}
		}
	}
	slices.SortFunc(out, func(a, b Resource) int { return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Kind, b.Kind)) })
	return out, nil
}

// Snapshot is the layout of testdata/discovery-v1.34.json: the raw
// documents of /api and /apis.
type Snapshot struct {
	Comment       string         `json:"comment"`
	ServerVersion string         `json:"serverVersion"`
	API           jsontext.Value `json:"api"`
	APIs          jsontext.Value `json:"apis"`
}

// ParseSnapshot reads a snapshot file's contents.
func ParseSnapshot(raw []byte, keep func(group string) bool) ([]Resource, error) {
	var s Snapshot
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("discovery snapshot: %w", err)
	}
	return Parse(keep, s.API, s.APIs)
}
