package kubefake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// mergePatch applies an RFC 7386 JSON merge patch.
func mergePatch(doc, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return deepCopy(patch)
	}
	dm, ok := doc.(map[string]any)
	if !ok {
		dm = map[string]any{}
	} else {
		dm = deepCopy(dm).(map[string]any)
	}
	for k, v := range pm {
		if v == nil {
			delete(dm, k)
			continue
		}
		dm[k] = mergePatch(dm[k], v)
	}
	return dm
}

// jsonPatch applies an RFC 6902 JSON patch.
func jsonPatch(doc any, ops []any) (any, error) {
	doc = deepCopy(doc)
	for i, x := range ops {
		op, ok := x.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("operation %d is not an object", i)
		}
		path, _ := op["path"].(string)
		var err error
		switch str(op, "op") {
		case "add":
			v, ok := op["value"]
			if !ok {
				return nil, fmt.Errorf("operation %d: add needs a value", i)
			}
			doc, err = pointerSet(doc, path, deepCopy(v), true)
		case "replace":
			v, ok := op["value"]
			if !ok {
				return nil, fmt.Errorf("operation %d: replace needs a value", i)
			}
			if _, err = pointerGet(doc, path); err == nil {
				doc, err = pointerSet(doc, path, deepCopy(v), false)
			}
		case "remove":
			doc, _, err = pointerRemove(doc, path)
		case "move", "copy":
			from, _ := op["from"].(string)
			var v any
			if v, err = pointerGet(doc, from); err == nil {
				v = deepCopy(v)
				if str(op, "op") == "move" {
					doc, _, err = pointerRemove(doc, from)
				}
				if err == nil {
					doc, err = pointerSet(doc, path, v, true)
				}
			}
		case "test":
			var v any
			if v, err = pointerGet(doc, path); err == nil && !jsonEqual(v, op["value"]) {
				err = fmt.Errorf("testing value %s failed", path)
			}
		default:
			return nil, fmt.Errorf("unexpected kind: %q", str(op, "op"))
		}
		if err != nil {
			return nil, err
		}
	}
	return doc, nil
}

func splitPointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("invalid JSON pointer %q", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

func pointerGet(doc any, p string) (any, error) {
	parts, err := splitPointer(p)
	if err != nil {
		return nil, err
	}
	cur := doc
	for _, s := range parts {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[s]
			if !ok {
				return nil, fmt.Errorf("path %s does not exist", p)
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 || i >= len(t) {
				return nil, fmt.Errorf("path %s: invalid index %q", p, s)
			}
			cur = t[i]
		default:
			return nil, fmt.Errorf("path %s does not exist", p)
		}
	}
	return cur, nil
}

// pointerSet sets (or, with insert, adds into a list) the value at p and
// returns the new document.
func pointerSet(doc any, p string, v any, insert bool) (any, error) {
	parts, err := splitPointer(p)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return v, nil
	}
	parent, err := pointerGet(doc, "/"+strings.Join(escape(parts[:len(parts)-1]), "/"))
	if len(parts) == 1 {
		parent, err = doc, nil
	}
	if err != nil {
		return nil, err
	}
	last := parts[len(parts)-1]
	switch t := parent.(type) {
	case map[string]any:
		t[last] = v
		return doc, nil
	case []any:
		var i int
		if last == "-" {
			i = len(t)
		} else if i, err = strconv.Atoi(last); err != nil || i < 0 || i > len(t) || !insert && i == len(t) {
			return nil, fmt.Errorf("path %s: invalid index %q", p, last)
		}
		var nl []any
		if insert {
			nl = slices.Insert(slices.Clone(t), i, v)
		} else {
			nl = slices.Clone(t)
			nl[i] = v
		}
		return pointerSet(doc, "/"+strings.Join(escape(parts[:len(parts)-1]), "/"), nl, false)
	}
	return nil, fmt.Errorf("path %s does not exist", p)
}

func pointerRemove(doc any, p string) (any, any, error) {
	parts, err := splitPointer(p)
	if err != nil || len(parts) == 0 {
		return nil, nil, fmt.Errorf("cannot remove %q", p)
	}
	parentPath := "/" + strings.Join(escape(parts[:len(parts)-1]), "/")
	if len(parts) == 1 {
		parentPath = ""
	}
	parent, err := pointerGet(doc, parentPath)
	if err != nil {
		return nil, nil, err
	}
	last := parts[len(parts)-1]
	switch t := parent.(type) {
	case map[string]any:
		v, ok := t[last]
		if !ok {
			return nil, nil, fmt.Errorf("unable to remove nonexistent key: %s: missing value", last)
		}
		delete(t, last)
		return doc, v, nil
	case []any:
		i, err := strconv.Atoi(last)
		if err != nil || i < 0 || i >= len(t) {
			return nil, nil, fmt.Errorf("path %s: invalid index %q", p, last)
		}
		v := t[i]
		nl := slices.Delete(slices.Clone(t), i, i+1)
		if parentPath == "" {
			return nl, v, nil
		}
		doc, err = pointerSet(doc, parentPath, nl, false)
		return doc, v, err
	}
	return nil, nil, fmt.Errorf("path %s does not exist", p)
}

func escape(parts []string) []string {
	out := make([]string, len(parts))
	for i, s := range parts {
		out[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
	}
	return out
}

// strategicMerge applies a strategic merge patch to a built-in kind's
// object: maps merge, null deletes, lists with a merge key merge by it
// (an item {"$patch": "delete"} removes its match), other lists replace;
// {"$patch": "replace"} in a map replaces it; $setElementOrder and
// $retainKeys directives are accepted and ignored;
// $deleteFromPrimitiveList/<field> removes values from a primitive list.
func strategicMerge(r *Resource, doc, patch any, names []string) (any, error) {
	pm, ok := patch.(map[string]any)
	if !ok {
		return deepCopy(patch), nil
	}
	if d, ok := pm["$patch"]; ok {
		switch d {
		case "replace":
			return withoutKeys(pm, "$patch"), nil
		case "delete":
			return nil, nil
		default:
			return nil, fmt.Errorf("unknown patch type: %v", d)
		}
	}
	dm, ok := doc.(map[string]any)
	if !ok {
		dm = map[string]any{}
	} else {
		dm = deepCopy(dm).(map[string]any)
	}
	for k, v := range pm {
		switch {
		case k == "$retainKeys" || strings.HasPrefix(k, "$setElementOrder/"):
			continue
		case strings.HasPrefix(k, "$deleteFromPrimitiveList/"):
			f := strings.TrimPrefix(k, "$deleteFromPrimitiveList/")
			l, _ := dm[f].([]any)
			del, _ := v.([]any)
			dm[f] = slices.DeleteFunc(slices.Clone(l), func(x any) bool {
				return slices.ContainsFunc(del, func(y any) bool { return jsonEqual(x, y) })
			})
			continue
		}
		if v == nil {
			delete(dm, k)
			continue
		}
		path := extend(names, k)
		if pl, ok := v.([]any); ok {
			if key := r.mergeKey(path); key != "" {
				merged, err := mergeList(r, dm[k], pl, key, path)
				if err != nil {
					return nil, err
				}
				if l, _ := merged.([]any); len(l) == 0 {
					delete(dm, k) // built-in types omit empty lists
				} else {
					dm[k] = merged
				}
				continue
			}
			dm[k] = deepCopy(pl)
			continue
		}
		nv, err := strategicMerge(r, dm[k], v, path)
		if err != nil {
			return nil, err
		}
		if nv == nil {
			delete(dm, k)
		} else {
			dm[k] = nv
		}
	}
	return dm, nil
}

func mergeList(r *Resource, doc any, patch []any, key string, names []string) (any, error) {
	dl, _ := doc.([]any)
	out := slices.Clone(dl)
	var added []any // new items go first, like the real server's
	for _, it := range patch {
		im, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("list %s: items of a list merged by %q must be objects", strings.Join(names, "."), key)
		}
		if d, ok := im["$patch"]; ok && d == "replace" {
			var keep []any
			for _, x := range patch {
				if xm, ok := x.(map[string]any); ok && xm["$patch"] == nil {
					keep = append(keep, deepCopy(x))
				}
			}
			return keep, nil
		}
		kv, ok := im[key]
		if !ok {
			return nil, fmt.Errorf("map: %v does not contain declared merge key: %s", it, key)
		}
		idx := slices.IndexFunc(out, func(x any) bool {
			xm, ok := x.(map[string]any)
			return ok && jsonEqual(xm[key], kv)
		})
		if d, ok := im["$patch"]; ok && d == "delete" {
			if idx >= 0 {
				out = slices.Delete(out, idx, idx+1)
			}
			continue
		}
		if idx < 0 {
			nv, err := strategicMerge(r, nil, it, names)
			if err != nil {
				return nil, err
			}
			added = append(added, nv)
			continue
		}
		nv, err := strategicMerge(r, out[idx], it, names)
		if err != nil {
			return nil, err
		}
		out[idx] = nv
	}
	return append(added, out...), nil
}

// applyMerge merges an applied configuration into base for server-side
// apply: maps merge, keyed lists merge by key, set lists union, other
// lists and scalars are replaced.
func applyMerge(r *Resource, base, applied any, names []string) any {
	switch t := applied.(type) {
	case map[string]any:
		bm, ok := base.(map[string]any)
		if !ok || atomicMap(r, names) {
			bm = map[string]any{}
		}
		out := deepCopy(bm).(map[string]any)
		for k, v := range t {
			out[k] = applyMerge(r, bm[k], v, extend(names, k))
		}
		return out
	case []any:
		bl, _ := base.([]any)
		switch kind, key := listKind(r, names, t); kind {
		case "v":
			out := slices.Clone(bl)
			for _, it := range t {
				if !slices.ContainsFunc(out, func(x any) bool { return jsonEqual(x, it) }) {
					out = append(out, deepCopy(it))
				}
			}
			return out
		case "k":
			out := slices.Clone(bl)
			for _, it := range t {
				k, _ := itemKey(key, it)
				idx := slices.IndexFunc(out, func(x any) bool { got, ok := itemKey(key, x); return ok && got == k })
				if idx < 0 {
					out = append(out, deepCopy(it))
				} else {
					out[idx] = applyMerge(r, out[idx], it, names)
				}
			}
			return out
		}
		return deepCopy(t)
	}
	return applied
}

func decodePatchOps(body []byte) ([]any, error) {
	v, err := decodeAny(body)
	if err != nil {
		return nil, err
	}
	ops, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("json: cannot unmarshal %T into Go value of type jsonpatch.Patch", v)
	}
	return ops, nil
}
