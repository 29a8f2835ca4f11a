package sdk

import (
	"fmt"
	"slices"
	"strings"
)

// discoveryDoc is what one discovery root (/api or /apis) says: the
// resources of an aggregated document, or the group versions to read one
// by one from a legacy one.
type discoveryDoc struct {
	aggregated    bool
	resources     []APIResource
	failed        []string
	groupVersions []legacyGroupVersion
}

type legacyGroupVersion struct{ group, version string }

// wireDiscovery is the union of the documents a discovery root answers
// with: APIGroupDiscoveryList (aggregated), APIVersions (legacy /api) and
// APIGroupList (legacy /apis).
type wireDiscovery struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	// APIGroupDiscoveryList
	Items []struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Versions []struct {
			Version   string `json:"version"`
			Freshness string `json:"freshness"`
			Resources []struct {
				Resource     string `json:"resource"`
				ResponseKind *struct {
					Kind string `json:"kind"`
				} `json:"responseKind"`
				Scope            string   `json:"scope"`
				SingularResource string   `json:"singularResource"`
				Verbs            []string `json:"verbs"`
				ShortNames       []string `json:"shortNames"`
				Categories       []string `json:"categories"`
				Subresources     []struct {
					Subresource string `json:"subresource"`
				} `json:"subresources"`
			} `json:"resources"`
		} `json:"versions"`
	} `json:"items"`
	// APIVersions
	Versions []string `json:"versions"`
	// APIGroupList
	Groups []struct {
		Name     string `json:"name"`
		Versions []struct {
			Version string `json:"version"`
		} `json:"versions"`
		PreferredVersion struct {
			Version string `json:"version"`
		} `json:"preferredVersion"`
	} `json:"groups"`
}

// parseDiscovery decodes the answer of a discovery root. Entries with
// names that cannot be part of a URL path are dropped, so a hostile
// server cannot steer later requests elsewhere.
func parseDiscovery(data []byte, path string) (*discoveryDoc, error) {
	if err := checkObjectJSON(data, path); err != nil {
		return nil, err
	}
	var w wireDiscovery
	if err := unmarshal(data, &w); err != nil {
		return nil, decodeError(path, err)
	}
	doc := &discoveryDoc{}
	switch {
	case w.Kind == "APIGroupDiscoveryList" && strings.HasPrefix(w.APIVersion, "apidiscovery.k8s.io/"):
		doc.aggregated = true
		for _, g := range w.Items {
			group := g.Metadata.Name
			if group != "" && !validDNSName(group) {
				continue
			}
			for _, v := range g.Versions {
				if !validVersion(v.Version) {
					continue
				}
				if v.Freshness == "Stale" {
					doc.failed = append(doc.failed, gvString(group, v.Version))
				}
				for _, r := range v.Resources {
					if r.ResponseKind == nil || !validLabel(r.Resource) || !validKindName(r.ResponseKind.Kind) {
						continue
					}
					res := APIResource{
						Group: group, Version: v.Version, Resource: r.Resource, Kind: r.ResponseKind.Kind,
						Namespaced: r.Scope == "Namespaced", Singular: r.SingularResource,
						Verbs: r.Verbs, ShortNames: r.ShortNames, Categories: r.Categories,
					}
					for _, s := range r.Subresources {
						if validLabel(s.Subresource) {
							res.Subresources = append(res.Subresources, s.Subresource)
						}
					}
					doc.resources = append(doc.resources, res)
				}
			}
		}
	case w.Kind == "APIVersions":
		for _, v := range w.Versions {
			if validVersion(v) {
				doc.groupVersions = append(doc.groupVersions, legacyGroupVersion{version: v})
			}
		}
	case w.Kind == "APIGroupList":
		for _, g := range w.Groups {
			if !validDNSName(g.Name) {
				continue
			}
			var vs []string
			for _, v := range g.Versions {
				if validVersion(v.Version) {
					vs = append(vs, v.Version)
				}
			}
			// The preferred version first, the others in server order.
			if p := g.PreferredVersion.Version; slices.Contains(vs, p) {
				vs = append([]string{p}, slices.DeleteFunc(vs, func(v string) bool { return v == p })...)
			}
			for _, v := range vs {
				doc.groupVersions = append(doc.groupVersions, legacyGroupVersion{group: g.Name, version: v})
			}
		}
	default:
		return nil, &DecodeError{Path: path, Offset: -1, Reason: fmt.Sprintf("not a discovery document (kind %q, apiVersion %q)", w.Kind, w.APIVersion)}
	}
	return doc, nil
}

// wireResourceList is a legacy APIResourceList.
type wireResourceList struct {
	Kind      string `json:"kind"`
	Resources []struct {
		Name         string   `json:"name"`
		SingularName string   `json:"singularName"`
		Namespaced   bool     `json:"namespaced"`
		Kind         string   `json:"kind"`
		Verbs        []string `json:"verbs"`
		ShortNames   []string `json:"shortNames"`
		Categories   []string `json:"categories"`
	} `json:"resources"`
}

// parseResourceList decodes the legacy document of one group version;
// "pods/status" entries become subresources of pods.
func parseResourceList(data []byte, path string, gv legacyGroupVersion) ([]APIResource, error) {
	if err := checkObjectJSON(data, path); err != nil {
		return nil, err
	}
	var w wireResourceList
	if err := unmarshal(data, &w); err != nil {
		return nil, decodeError(path, err)
	}
	if w.Kind != "APIResourceList" {
		return nil, &DecodeError{Path: path, Offset: -1, Reason: fmt.Sprintf("not an APIResourceList (kind %q)", w.Kind)}
	}
	var out []APIResource
	subs := map[string][]string{}
	for _, r := range w.Resources {
		if parent, sub, ok := strings.Cut(r.Name, "/"); ok {
			if validLabel(parent) && validLabel(sub) {
				subs[parent] = append(subs[parent], sub)
			}
			continue
		}
		if !validLabel(r.Name) || !validKindName(r.Kind) {
			continue
		}
		out = append(out, APIResource{
			Group: gv.group, Version: gv.version, Resource: r.Name, Singular: r.SingularName, Kind: r.Kind,
			Namespaced: r.Namespaced, Verbs: r.Verbs, ShortNames: r.ShortNames, Categories: r.Categories,
		})
	}
	for i := range out {
		out[i].Subresources = subs[out[i].Resource]
	}
	return out, nil
}

// withVersions fills each resource's Versions: the versions of its group
// that serve it, in the order the group's versions first appear
// (preferred first).
func withVersions(rs []APIResource) []APIResource {
	order := map[string][]string{}  // group -> versions in order
	serves := map[string][]string{} // group/resource -> versions
	for _, r := range rs {
		if !slices.Contains(order[r.Group], r.Version) {
			order[r.Group] = append(order[r.Group], r.Version)
		}
		k := r.Group + "/" + r.Resource
		if !slices.Contains(serves[k], r.Version) {
			serves[k] = append(serves[k], r.Version)
		}
	}
	for i := range rs {
		vs := serves[rs[i].Group+"/"+rs[i].Resource]
		var sorted []string
		for _, v := range order[rs[i].Group] {
			if slices.Contains(vs, v) {
				sorted = append(sorted, v)
			}
		}
		rs[i].Versions = sorted
	}
	return rs
}

// validDNSName reports whether s is a lowercase DNS name (a group, a
// resource or a subresource name): safe as a URL path segment.
func validDNSName(s string) bool {
	if s == "" || len(s) > 253 || s[0] == '.' || s[0] == '-' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// validLabel reports whether s is a DNS label (a resource or subresource
// name): lowercase letters, digits and '-', no dots.
func validLabel(s string) bool {
	return len(s) <= 63 && validDNSName(s) && !strings.Contains(s, ".")
}

// validVersion reports whether s is a version name such as v1 or v1beta2.
func validVersion(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// validKindName reports whether s can be a kind name.
func validKindName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
