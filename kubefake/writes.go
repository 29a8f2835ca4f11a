package kubefake

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

func (s *Server) patch(req *request) ([]byte, int, *apiStatus) {
	r := req.res
	if req.ctype == "application/apply-patch+yaml" {
		return s.apply(req)
	}
	var ops []any
	var p any
	var err error
	switch req.ctype {
	case "application/json-patch+json":
		ops, err = decodePatchOps(req.body)
	case "application/merge-patch+json":
		p, err = decodeAny(req.body)
	case "application/strategic-merge-patch+json":
		if !r.Builtin {
			return nil, 0, &apiStatus{Code: 415, Reason: "UnsupportedMediaType", Message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"}
		}
		p, err = decodeAny(req.body)
		if err == nil {
			if _, ok := p.(map[string]any); !ok {
				err = fmt.Errorf("strategic merge patch must be a JSON object")
			}
		}
	default:
		return nil, 0, errUnsupportedMedia(req.ctype)
	}
	if err != nil {
		return nil, 0, errBadRequest("error decoding patch: %v", err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	cur := s.st.getLocked(r.GroupResource(), objKey(req.ns, req.name))
	if cur == nil {
		return nil, 0, errNotFound(r, req.name)
	}
	var base any = cur.o
	if req.sub == "scale" {
		base = scaleOf(r, cur.o)
	}
	var out any
	switch req.ctype {
	case "application/json-patch+json":
		out, err = jsonPatch(base, ops)
		if err != nil {
			return nil, 0, errUnprocessable(err.Error())
		}
	case "application/merge-patch+json":
		out = mergePatch(base, p)
	default:
		out, err = strategicMerge(r, base, p, nil)
		if err != nil {
			return nil, 0, errUnprocessable(err.Error())
		}
	}
	o, ok := out.(map[string]any)
	if !ok {
		return nil, 0, errUnprocessable("the patch did not produce an object")
	}
	if req.sub == "scale" {
		// updateScale takes the lock itself and checks the resourceVersion
		// the patched Scale carries, so a concurrent write is a conflict
		s.st.mu.Unlock()
		data, code, st := s.updateScale(req, o)
		s.st.mu.Lock()
		return data, code, st
	}
	m := meta(o)
	if rv := str(m, "resourceVersion"); rv != "" && rv != str(meta(cur.o), "resourceVersion") {
		return nil, 0, errConflict(r, req.name)
	}
	if str(m, "name") != req.name || str(o, "kind") != r.Kind || str(o, "apiVersion") != r.APIVersion() {
		return nil, 0, errBadRequest("the patch may not change the name, kind or apiVersion of the object")
	}
	data, st := s.writeLocked(req, cur, o, true)
	return data, 200, st
}

// yamlToJSON converts a decoded YAML value to the JSON model.
func yamlToJSON(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			c, err := yamlToJSON(x)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			c, err := yamlToJSON(x)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case int:
		return json.Number(strconv.Itoa(t)), nil
	case int64:
		return json.Number(strconv.FormatInt(t, 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(t, 10)), nil
	case float64:
		return json.Number(strconv.FormatFloat(t, 'g', -1, 64)), nil
	case string, bool, nil:
		return t, nil
	}
	return nil, fmt.Errorf("unsupported YAML value of type %T", v)
}

// decodeYAMLObject decodes one YAML (or JSON) document into an object.
func decodeYAMLObject(data []byte) (obj, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	j, err := yamlToJSON(v)
	if err != nil {
		return nil, err
	}
	o, ok := j.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want an object, got %T", j)
	}
	return o, nil
}

// apply serves a server-side apply patch.
func (s *Server) apply(req *request) ([]byte, int, *apiStatus) {
	r := req.res
	mgr := req.query.Get("fieldManager")
	if mgr == "" {
		return nil, 0, errUnprocessable("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
	}
	force := req.query.Get("force") == "true"
	applied, err := decodeYAMLObject(req.body)
	if err != nil {
		return nil, 0, errBadRequest("error decoding YAML: %v", err)
	}
	if req.sub == "scale" {
		return nil, 0, errBadRequest("server-side apply of the scale subresource is not supported by kubefake")
	}
	if str(applied, "apiVersion") == "" || str(applied, "kind") == "" {
		return nil, 0, errBadRequest("invalid object type: /, Kind=")
	}
	if st := checkKind(r, applied); st != nil {
		return nil, 0, st
	}
	am := meta(applied)
	if n := str(am, "name"); n != req.name {
		return nil, 0, errBadRequest("the name of the object (%s) does not match the name on the URL (%s)", n, req.name)
	}
	if r.Namespaced {
		if ns := str(am, "namespace"); ns != "" && ns != req.ns {
			return nil, 0, errBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
	}
	if req.sub == "" && r.Status {
		delete(applied, "status")
	}
	set := applySet(r, applied, req.sub)
	now := s.timestamp()
	s.st.mu.Lock()
	cur := s.st.getLocked(r.GroupResource(), objKey(req.ns, req.name))
	if cur == nil {
		s.st.mu.Unlock()
		if req.sub != "" {
			return nil, 0, errNotFound(r, req.name)
		}
		o := copyObj(applied)
		setManaged(o, []*managedEntry{{Manager: mgr, Operation: "Apply", APIVersion: r.APIVersion(), Time: now, Set: set}})
		cr := *req
		cr.r = nil // managed fields are set
		st, e := s.create(&cr, o)
		if e != nil {
			return nil, 0, e
		}
		return st.raw, 201, nil
	}
	defer s.st.mu.Unlock()
	if rv := str(am, "resourceVersion"); rv != "" && rv != str(meta(cur.o), "resourceVersion") {
		return nil, 0, errConflict(r, req.name)
	}
	es := parseManaged(meta(cur.o)["managedFields"])
	// conflicts: fields others own whose value the configuration changes
	var causes []any
	var msgs []string
	for _, e := range es {
		if e.Manager == mgr && e.Operation == "Apply" {
			continue
		}
		for _, p := range e.Set.sorted() {
			if _, ok := set[p]; !ok {
				continue
			}
			path := strings.Split(p, sep)
			want, _ := lookup(applied, path)
			have, ok := lookup(cur.o, path)
			if last := path[len(path)-1]; strings.HasPrefix(last, "k:") || strings.HasPrefix(last, "v:") {
				continue // owning an item: only its fields conflict
			}
			if ok && jsonEqual(want, have) {
				continue
			}
			if force {
				delete(e.Set, p)
				continue
			}
			msg := fmt.Sprintf("conflict with %q", e.Manager)
			if e.Subresource != "" {
				msg += fmt.Sprintf(" with subresource %q", e.Subresource)
			}
			if e.Operation == "Update" {
				msg += " using " + e.APIVersion
			}
			causes = append(causes, map[string]any{"reason": "FieldManagerConflict", "message": msg, "field": printPath(p)})
			msgs = append(msgs, msg+": "+printPath(p))
		}
	}
	if len(causes) > 0 {
		word := "conflicts"
		if len(causes) == 1 {
			word = "conflict"
		}
		d := details(r, req.name)
		d["causes"] = causes
		return nil, 0, &apiStatus{Code: 409, Reason: "Conflict", Message: fmt.Sprintf("Apply failed with %d %s: %s", len(causes), word, strings.Join(msgs, "\n")), Details: d}
	}
	mine, es := findEntry(es, mgr, "Apply", req.sub)
	// fields this manager applied before and no longer does, owned by no
	// one else, are removed
	o := copyObj(cur.o)
	for _, p := range mine.Set.sorted() {
		if _, ok := set[p]; ok {
			continue
		}
		shared := false
		for _, e := range es {
			if _, ok := e.Set[p]; ok && e != mine {
				shared = true
			}
		}
		if !shared {
			removeField(o, strings.Split(p, sep))
		}
	}
	merged := applyMerge(r, o, withoutKeys(applied, "metadata"), nil).(map[string]any)
	mm := meta(merged)
	for k, v := range am {
		switch k {
		case "labels", "annotations", "finalizers", "ownerReferences":
			mm[k] = applyMerge(r, mm[k], v, []string{k})
		}
	}
	mine.Set, mine.APIVersion, mine.Time = set, r.APIVersion(), now
	setManaged(merged, es)
	data, st := s.writeLocked(req, cur, merged, false)
	return data, 200, st
}

// toObjects turns what Add accepts into objects.
func toObjects(x any) ([]obj, error) {
	var data []byte
	switch t := x.(type) {
	case map[string]any:
		data, _ = json.Marshal(t)
		o, err := decodeObject(data)
		return []obj{o}, err
	case []byte:
		data = t
	case string:
		data = []byte(t)
	case interface{ Raw() []byte }:
		o, err := decodeObject(t.Raw())
		return []obj{o}, err
	default:
		var err error
		if data, err = json.Marshal(x); err != nil {
			return nil, fmt.Errorf("kubefake: add %T: %w", x, err)
		}
		o, err := decodeObject(data)
		if err != nil {
			return nil, fmt.Errorf("kubefake: add %T: %w", x, err)
		}
		return []obj{o}, nil
	}
	var out []obj
	for doc := range strings.SplitSeq("\n"+string(data), "\n---") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		o, err := decodeYAMLObject([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("kubefake: add: %w", err)
		}
		if len(o) == 0 {
			continue
		}
		out = append(out, o)
	}
	return out, nil
}
