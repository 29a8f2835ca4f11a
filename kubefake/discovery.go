package kubefake

import (
	"net/http"
	"slices"
	"strings"
)

const aggregatedV2 = "as=APIGroupDiscoveryList"

// serveNonResource serves discovery, /version, /healthz, /livez, /readyz.
func (s *Server) serveNonResource(w http.ResponseWriter, r *http.Request, path string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeStatus(w, errMethodNotAllowed("the server does not allow this method on the requested resource"))
		return
	}
	aggregated := strings.Contains(r.Header.Get("Accept"), aggregatedV2)
	parts := strings.Split(trimSlash(path), "/")
	switch {
	case path == "/healthz" || path == "/livez" || path == "/readyz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	case path == "/version":
		writeJSON(w, 200, map[string]any{
			"major": "1", "minor": "34", "gitVersion": "v1.34.4-kubefake", "gitCommit": "", "gitTreeState": "clean",
			"buildDate": "", "goVersion": "", "compiler": "gc", "platform": "linux/amd64",
		})
	case path == "/api" && aggregated:
		s.serveAggregated(w, true)
	case path == "/apis" && aggregated:
		s.serveAggregated(w, false)
	case path == "/api":
		writeJSON(w, 200, map[string]any{"kind": "APIVersions", "versions": []string{"v1"},
			"serverAddressByClientCIDRs": []any{map[string]any{"clientCIDR": "0.0.0.0/0", "serverAddress": r.Host}}})
	case path == "/apis":
		writeJSON(w, 200, map[string]any{"kind": "APIGroupList", "apiVersion": "v1", "groups": s.groups()})
	case len(parts) == 2 && parts[0] == "api":
		s.serveResourceList(w, "", parts[1])
	case len(parts) == 2 && parts[0] == "apis":
		for _, g := range s.groups() {
			if g["name"] == parts[1] {
				out := map[string]any{"kind": "APIGroup", "apiVersion": "v1"}
				for k, v := range g {
					out[k] = v
				}
				writeJSON(w, 200, out)
				return
			}
		}
		notFoundText(w)
	case len(parts) == 3 && parts[0] == "apis":
		s.serveResourceList(w, parts[1], parts[2])
	default:
		writeStatus(w, errPathNotFound())
	}
}

// groups returns the served API groups (not the core group) as APIGroup
// maps.
func (s *Server) groups() []map[string]any {
	versions := map[string][]string{}
	var names []string
	for _, r := range s.reg.all() {
		if r.Group == "" {
			continue
		}
		if _, ok := versions[r.Group]; !ok {
			names = append(names, r.Group)
		}
		if !slices.Contains(versions[r.Group], r.Version) {
			versions[r.Group] = append(versions[r.Group], r.Version)
		}
	}
	out := make([]map[string]any, 0, len(names))
	for _, g := range names {
		var vs []any
		for _, v := range versions[g] {
			vs = append(vs, map[string]any{"groupVersion": g + "/" + v, "version": v})
		}
		out = append(out, map[string]any{"name": g, "versions": vs, "preferredVersion": vs[0]})
	}
	return out
}

var verbsAll = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

func (s *Server) serveResourceList(w http.ResponseWriter, grp, version string) {
	var list []any
	for _, r := range s.reg.all() {
		if r.Group != grp || r.Version != version {
			continue
		}
		list = append(list, map[string]any{"name": r.Resource, "singularName": strings.ToLower(r.Kind),
			"namespaced": r.Namespaced, "kind": r.Kind, "verbs": verbsAll})
		if r.Status {
			list = append(list, map[string]any{"name": r.Resource + "/status", "singularName": "",
				"namespaced": r.Namespaced, "kind": r.Kind, "verbs": []string{"get", "patch", "update"}})
		}
		if r.Scale != "" {
			list = append(list, map[string]any{"name": r.Resource + "/scale", "singularName": "", "group": "autoscaling",
				"version": "v1", "namespaced": r.Namespaced, "kind": "Scale", "verbs": []string{"get", "patch", "update"}})
		}
	}
	if list == nil {
		notFoundText(w)
		return
	}
	gv := version
	if grp != "" {
		gv = grp + "/" + version
	}
	writeJSON(w, 200, map[string]any{"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list})
}

// serveAggregated answers the aggregated discovery (apidiscovery.k8s.io/v2)
// of the core group (/api) or of the named groups (/apis).
func (s *Server) serveAggregated(w http.ResponseWriter, coreGroup bool) {
	type gv struct{ g, v string }
	byGV := map[gv][]any{}
	var order []gv
	for _, r := range s.reg.all() {
		if (r.Group == "") != coreGroup {
			continue
		}
		k := gv{r.Group, r.Version}
		if _, ok := byGV[k]; !ok {
			order = append(order, k)
		}
		scope := "Cluster"
		if r.Namespaced {
			scope = "Namespaced"
		}
		res := map[string]any{"resource": r.Resource, "responseKind": map[string]any{"group": r.Group, "version": r.Version, "kind": r.Kind},
			"scope": scope, "singularResource": strings.ToLower(r.Kind), "verbs": verbsAll}
		var subs []any
		if r.Status {
			subs = append(subs, map[string]any{"subresource": "status", "responseKind": map[string]any{"group": r.Group, "version": r.Version, "kind": r.Kind}, "verbs": []string{"get", "patch", "update"}})
		}
		if r.Scale != "" {
			subs = append(subs, map[string]any{"subresource": "scale", "responseKind": map[string]any{"group": "autoscaling", "version": "v1", "kind": "Scale"}, "verbs": []string{"get", "patch", "update"}})
		}
		if subs != nil {
			res["subresources"] = subs
		}
		byGV[k] = append(byGV[k], res)
	}
	groups := map[string][]any{}
	var gorder []string
	for _, k := range order {
		if _, ok := groups[k.g]; !ok {
			gorder = append(gorder, k.g)
		}
		groups[k.g] = append(groups[k.g], map[string]any{"version": k.v, "resources": byGV[k], "freshness": "Current"})
	}
	var items []any
	for _, g := range gorder {
		items = append(items, map[string]any{"metadata": map[string]any{"name": g}, "versions": groups[g]})
	}
	w.Header().Set("Content-Type", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
	writeJSON(w, 200, map[string]any{"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": map[string]any{}, "items": items})
}

// notFoundText is the real server's answer to an unknown non-resource
// path: a plain-text 404, not a Status.
func notFoundText(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("404 page not found\n"))
}
