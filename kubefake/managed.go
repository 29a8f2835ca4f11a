package kubefake

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// A field path is a list of path elements as fieldsV1 spells them:
// "f:name" (a map field), "k:{"name":"web"}" (a list item by its merge
// key), "v:"x"" (a set member). A fieldSet holds paths joined by sep.
const sep = "\x1f"

type fieldSet map[string]struct{}

func (s fieldSet) add(path []string) { s[strings.Join(path, sep)] = struct{}{} }

// removeTree removes p and every path under it.
func (s fieldSet) removeTree(p string) {
	for q := range s {
		if q == p || strings.HasPrefix(q, p+sep) {
			delete(s, q)
		}
	}
}

func (s fieldSet) sorted() []string {
	out := make([]string, 0, len(s))
	for p := range s {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// setLists are list fields with set semantics (listType=set).
var setLists = map[string]bool{"finalizers": true}

// atomicMaps are map fields of the built-in kinds that server-side apply
// treats as one value (+structType=atomic or +mapType=atomic): label
// selectors and a Service's selector.
var atomicMaps = map[string]bool{"selector": true}

func atomicMap(r *Resource, names []string) bool {
	return r.Builtin && len(names) > 0 && atomicMaps[names[len(names)-1]]
}

// trackedMeta are the metadata fields managed fields track.
var trackedMeta = []string{"labels", "annotations", "finalizers", "ownerReferences"}

// roots returns the top-level values of o a field set covers for a write
// through sub.
func roots(r *Resource, o obj, sub string) map[string]any {
	out := map[string]any{}
	if o == nil {
		return out
	}
	for k, v := range o {
		switch {
		case k == "apiVersion" || k == "kind":
		case k == "metadata":
			m, _ := v.(map[string]any)
			tm := map[string]any{}
			for _, f := range trackedMeta {
				if x, ok := m[f]; ok {
					tm[f] = x
				}
			}
			if len(tm) > 0 && sub != "status" {
				out[k] = tm
			}
		case k == "status" && r.Status:
			if sub == "status" {
				out[k] = v
			}
		default:
			if sub != "status" || !r.Status {
				out[k] = v
			}
		}
	}
	return out
}

func itemKey(key string, item any) (string, bool) {
	m, ok := item.(map[string]any)
	if !ok {
		return "", false
	}
	v, ok := m[key]
	if !ok {
		return "", false
	}
	data, _ := json.Marshal(map[string]any{key: v})
	return "k:" + string(data), true
}

func setKey(item any) string {
	data, _ := json.Marshal(item)
	return "v:" + string(data)
}

func extend(path []string, e string) []string { return append(slices.Clip(path), e) }

// listKind classifies the list at names: "k" keyed by the returned key,
// "v" a set, "" atomic.
func listKind(r *Resource, names []string, l []any) (string, string) {
	if len(names) > 0 && setLists[names[len(names)-1]] {
		return "v", ""
	}
	key := r.mergeKey(names)
	if key == "" {
		return "", ""
	}
	for _, it := range l {
		if _, ok := itemKey(key, it); !ok {
			return "", ""
		}
	}
	return "k", key
}

// applySet is the set of fields an applied configuration sets: its leaves
// and its keyed list items.
func applySet(r *Resource, o obj, sub string) fieldSet {
	set := fieldSet{}
	walkApply(r, roots(r, o, sub), nil, nil, set)
	return set
}

func walkApply(r *Resource, v any, path, names []string, set fieldSet) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 && len(path) > 0 || atomicMap(r, names) {
			set.add(path)
			return
		}
		for k, x := range t {
			walkApply(r, x, extend(path, "f:"+k), extend(names, k), set)
		}
	case []any:
		switch kind, key := listKind(r, names, t); kind {
		case "v":
			for _, it := range t {
				set.add(extend(path, setKey(it)))
			}
		case "k":
			for _, it := range t {
				k, _ := itemKey(key, it)
				p := extend(path, k)
				set.add(p)
				for f, x := range it.(map[string]any) {
					walkApply(r, x, extend(p, "f:"+f), extend(names, f), set)
				}
			}
		default:
			set.add(path)
		}
	default:
		set.add(path)
	}
}

// changedSet is the set of fields a write from old to o adds or changes,
// with the maps and items it creates (an Update's managed fields).
func changedSet(r *Resource, old, o obj, sub string) fieldSet {
	set := fieldSet{}
	walkChanged(r, roots(r, old, sub), roots(r, o, sub), true, nil, nil, set)
	return set
}

func walkChanged(r *Resource, old, v any, had bool, path, names []string, set fieldSet) {
	switch t := v.(type) {
	case map[string]any:
		om, isMap := old.(map[string]any)
		if atomicMap(r, names) {
			if !had || !jsonEqual(old, v) {
				set.add(path)
			}
			return
		}
		if len(path) > 0 && (!had || !isMap) && !(len(path) == 1 && path[0] == "f:metadata") {
			set.add(path)
		}
		for k, x := range t {
			ox, ok := om[k]
			walkChanged(r, ox, x, ok, extend(path, "f:"+k), extend(names, k), set)
		}
	case []any:
		ol, _ := old.([]any)
		switch kind, key := listKind(r, names, t); kind {
		case "v":
			if !had {
				set.add(path)
			}
			for _, it := range t {
				if !slices.ContainsFunc(ol, func(x any) bool { return jsonEqual(x, it) }) {
					set.add(extend(path, setKey(it)))
				}
			}
		case "k":
			if !had {
				set.add(path)
			}
			for _, it := range t {
				k, _ := itemKey(key, it)
				var prev any
				found := false
				for _, x := range ol {
					if ok2, ok := itemKey(key, x); ok && ok2 == k {
						prev, found = x, true
					}
				}
				p := extend(path, k)
				if !found {
					set.add(p)
				}
				pm, _ := prev.(map[string]any)
				for f, x := range it.(map[string]any) {
					ox, ok := pm[f]
					walkChanged(r, ox, x, ok, extend(p, "f:"+f), extend(names, f), set)
				}
			}
		default:
			if !had || !jsonEqual(old, v) {
				set.add(path)
			}
		}
	default:
		if !had || !jsonEqual(old, v) {
			set.add(path)
		}
	}
}

// managedEntry is one metadata.managedFields entry.
type managedEntry struct {
	Manager     string
	Operation   string
	APIVersion  string
	Time        string
	Subresource string
	Set         fieldSet
}

func parseManaged(v any) []*managedEntry {
	l, _ := v.([]any)
	var out []*managedEntry
	for _, x := range l {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		e := &managedEntry{Manager: str(m, "manager"), Operation: str(m, "operation"), APIVersion: str(m, "apiVersion"),
			Time: str(m, "time"), Subresource: str(m, "subresource"), Set: fieldSet{}}
		if f, ok := m["fieldsV1"].(map[string]any); ok {
			parseFieldsV1(f, nil, e.Set)
		}
		out = append(out, e)
	}
	return out
}

func parseFieldsV1(node map[string]any, path []string, set fieldSet) {
	for k, child := range node {
		if k == "." {
			set.add(path)
			continue
		}
		p := extend(path, k)
		cm, _ := child.(map[string]any)
		if len(cm) == 0 {
			set.add(p)
			continue
		}
		parseFieldsV1(cm, p, set)
	}
}

// fieldsV1 encodes set as a fieldsV1 tree.
func fieldsV1(set fieldSet) map[string]any {
	root := map[string]any{}
	paths := set.sorted()
	for _, p := range paths {
		node := root
		for e := range strings.SplitSeq(p, sep) {
			child, ok := node[e].(map[string]any)
			if !ok {
				child = map[string]any{}
				node[e] = child
			}
			node = child
		}
	}
	// a member with members under it is marked "."
	for _, p := range paths {
		node := root
		for e := range strings.SplitSeq(p, sep) {
			node = node[e].(map[string]any)
		}
		if len(node) > 0 {
			node["."] = map[string]any{}
		}
	}
	return root
}

func encodeManaged(es []*managedEntry) []any {
	var out []any
	for _, e := range es {
		if len(e.Set) == 0 {
			continue
		}
		m := map[string]any{"manager": e.Manager, "operation": e.Operation, "apiVersion": e.APIVersion,
			"time": e.Time, "fieldsType": "FieldsV1", "fieldsV1": fieldsV1(e.Set)}
		if e.Subresource != "" {
			m["subresource"] = e.Subresource
		}
		out = append(out, m)
	}
	return out
}

func setManaged(o obj, es []*managedEntry) {
	if l := encodeManaged(es); l != nil {
		meta(o)["managedFields"] = l
	} else {
		delete(meta(o), "managedFields")
	}
}

func findEntry(es []*managedEntry, manager, op, sub string) (*managedEntry, []*managedEntry) {
	for _, e := range es {
		if e.Manager == manager && e.Operation == op && e.Subresource == sub {
			return e, es
		}
	}
	e := &managedEntry{Manager: manager, Operation: op, Subresource: sub, Set: fieldSet{}}
	return e, append(es, e)
}

// trackUpdate records an Update by manager from old (nil on create) to o
// in o's managed fields: the manager owns what it added or changed, the
// other managers lose it, and removed fields leave every set.
func trackUpdate(r *Resource, old, o obj, manager, sub, now string) {
	var es []*managedEntry
	if old != nil {
		es = parseManaged(meta(old)["managedFields"])
	}
	changed := changedSet(r, old, o, sub)
	removed := applySet(r, old, sub)
	for p := range applySet(r, o, sub) {
		delete(removed, p)
	}
	for _, e := range es {
		for p := range removed {
			e.Set.removeTree(p)
		}
		for p := range changed {
			delete(e.Set, p)
		}
	}
	if len(changed) > 0 {
		var e *managedEntry
		e, es = findEntry(es, manager, "Update", sub)
		for p := range changed {
			e.Set[p] = struct{}{}
		}
		e.APIVersion, e.Time = r.APIVersion(), now
	}
	setManaged(o, es)
}

// lookup finds the value at a field path in o.
func lookup(o any, path []string) (any, bool) {
	cur := o
	for _, e := range path {
		switch {
		case strings.HasPrefix(e, "f:"):
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = m[e[2:]]; !ok {
				return nil, false
			}
		case strings.HasPrefix(e, "k:"), strings.HasPrefix(e, "v:"):
			l, ok := cur.([]any)
			if !ok {
				return nil, false
			}
			found := false
			for _, it := range l {
				if elemMatches(e, it) {
					cur, found = it, true
					break
				}
			}
			if !found {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return cur, true
}

func elemMatches(e string, it any) bool {
	if strings.HasPrefix(e, "v:") {
		return setKey(it) == e
	}
	var km map[string]any
	if err := json.Unmarshal([]byte(e[2:]), &km); err != nil || len(km) != 1 {
		return false
	}
	for k := range km {
		got, ok := itemKey(k, it)
		return ok && got == e
	}
	return false
}

// removeField removes the field at path from o, if present.
func removeField(o obj, path []string) {
	if len(path) == 0 {
		return
	}
	parent, ok := lookup(o, path[:len(path)-1])
	if !ok {
		return
	}
	last := path[len(path)-1]
	switch p := parent.(type) {
	case map[string]any:
		if strings.HasPrefix(last, "f:") {
			delete(p, last[2:])
		}
	case []any:
		kept := p[:0:0]
		for _, it := range p {
			if !elemMatches(last, it) {
				kept = append(kept, it)
			}
		}
		// write the shortened list back into its parent map
		if len(path) >= 2 {
			gp, ok := lookup(o, path[:len(path)-2])
			if m, isMap := gp.(map[string]any); ok && isMap && strings.HasPrefix(path[len(path)-2], "f:") {
				m[path[len(path)-2][2:]] = kept
			}
		}
	}
}

// printPath spells a field path the way the server's conflict messages
// do: .spec.containers[name="web"].image.
func printPath(p string) string {
	var b strings.Builder
	for e := range strings.SplitSeq(p, sep) {
		switch {
		case strings.HasPrefix(e, "f:"):
			b.WriteString("." + e[2:])
		case strings.HasPrefix(e, "k:"):
			var km map[string]any
			_ = json.Unmarshal([]byte(e[2:]), &km)
			var parts []string
			for k, v := range km {
				data, _ := json.Marshal(v)
				parts = append(parts, fmt.Sprintf("%s=%s", k, data))
			}
			slices.Sort(parts)
			b.WriteString("[" + strings.Join(parts, ",") + "]")
		case strings.HasPrefix(e, "v:"):
			b.WriteString("[=" + e[2:] + "]")
		}
	}
	return b.String()
}
