package kubefake

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// deleteOptions are the parts of metav1.DeleteOptions the server honours.
type deleteOptions struct {
	PropagationPolicy string   `json:"propagationPolicy"`
	OrphanDependents  *bool    `json:"orphanDependents"`
	DryRun            []string `json:"dryRun"`
	Preconditions     *struct {
		UID             *string `json:"uid"`
		ResourceVersion *string `json:"resourceVersion"`
	} `json:"preconditions"`
}

func (s *Server) parseDelete(req *request) (deleteOptions, *apiStatus) {
	var o deleteOptions
	if len(strings.TrimSpace(string(req.body))) > 0 {
		if err := json.Unmarshal(req.body, &o); err != nil {
			return o, errBadRequest("the body of the request could not be decoded as DeleteOptions: %v", err)
		}
	}
	if p := req.query.Get("propagationPolicy"); p != "" {
		o.PropagationPolicy = p
	}
	if o.OrphanDependents != nil && *o.OrphanDependents && o.PropagationPolicy == "" {
		o.PropagationPolicy = "Orphan"
	}
	switch o.PropagationPolicy {
	case "", "Background", "Foreground", "Orphan":
	default:
		return o, errUnprocessable(fmt.Sprintf("DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: %q: supported values: \"Foreground\", \"Background\", \"Orphan\"", o.PropagationPolicy))
	}
	if slices.Contains(o.DryRun, "All") {
		req.query.Set("dryRun", "All")
	}
	return o, nil
}

func (s *Server) deleteRequest(req *request) ([]byte, int, *apiStatus) {
	opts, st := s.parseDelete(req)
	if st != nil {
		return nil, 0, st
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	cur := s.st.getLocked(req.res.GroupResource(), objKey(req.ns, req.name))
	if cur == nil {
		return nil, 0, errNotFound(req.res, req.name)
	}
	if p := opts.Preconditions; p != nil {
		m := meta(cur.o)
		if p.UID != nil && *p.UID != str(m, "uid") {
			return nil, 0, &apiStatus{Code: 409, Reason: "Conflict", Message: fmt.Sprintf("Precondition failed: UID in precondition: %s, UID in object meta: %s", *p.UID, str(m, "uid")), Details: details(req.res, req.name)}
		}
		if p.ResourceVersion != nil && *p.ResourceVersion != str(m, "resourceVersion") {
			return nil, 0, &apiStatus{Code: 409, Reason: "Conflict", Message: fmt.Sprintf("Precondition failed: ResourceVersion in precondition: %s, ResourceVersion in object meta: %s", *p.ResourceVersion, str(m, "resourceVersion")), Details: details(req.res, req.name)}
		}
	}
	if dryRun(req) {
		if len(stringList(meta(cur.o)["finalizers"])) > 0 || opts.PropagationPolicy == "Foreground" || opts.PropagationPolicy == "Orphan" {
			return cur.raw, 200, nil
		}
		return deletedAnswer(req.res, cur), 200, nil
	}
	return s.deleteLocked(req.res, cur, opts.PropagationPolicy)
}

// deleteLocked deletes cur with a propagation policy: an object with
// finalizers (Foreground adds foregroundDeletion, Orphan orphan) is only
// marked with deletionTimestamp; its dependents are handled at once, like
// a garbage collector with no delay.
func (s *Server) deleteLocked(r *Resource, cur *stored, policy string) ([]byte, int, *apiStatus) {
	m := meta(cur.o)
	key := objKey(str(m, "namespace"), str(m, "name"))
	uid := str(m, "uid")
	if _, deleting := m["deletionTimestamp"]; deleting {
		return cur.raw, 200, nil
	}
	fins := stringList(m["finalizers"])
	gcFin := map[string]string{"Foreground": "foregroundDeletion", "Orphan": "orphan"}[policy]
	if gcFin != "" && !slices.Contains(fins, gcFin) {
		fins = append(fins, gcFin)
	}
	if len(fins) == 0 {
		st := s.st.commitLocked("DELETED", r.GroupResource(), key, nil)
		s.afterDeleteLocked(r, st.o)
		s.collectLocked(uid, "Background")
		return deletedAnswer(r, st), 200, nil
	}
	o := copyObj(cur.o)
	om := meta(o)
	om["finalizers"] = anyList(fins)
	om["deletionTimestamp"] = s.timestamp()
	om["deletionGracePeriodSeconds"] = json.Number("0")
	if g, ok := om["generation"]; ok {
		n, _ := strconv.ParseInt(fmt.Sprint(g), 10, 64)
		om["generation"] = json.Number(strconv.FormatInt(n+1, 10))
	}
	st := s.st.commitLocked("MODIFIED", r.GroupResource(), key, o)
	if gcFin == "" {
		return st.raw, 200, nil
	}
	// the garbage collector's part, at once: handle the dependents, then
	// drop its finalizer
	if gcFin == "orphan" {
		s.orphanLocked(uid)
	} else {
		s.collectLocked(uid, "Foreground")
	}
	now := s.st.getLocked(r.GroupResource(), key)
	if now == nil {
		return st.raw, 200, nil
	}
	n := copyObj(now.o)
	rest := slices.DeleteFunc(stringList(meta(n)["finalizers"]), func(f string) bool { return f == gcFin })
	if len(rest) == 0 {
		delete(meta(n), "finalizers")
		gone := s.st.commitLocked("DELETED", r.GroupResource(), key, n)
		s.afterDeleteLocked(r, gone.o)
	} else {
		meta(n)["finalizers"] = anyList(rest)
		s.st.commitLocked("MODIFIED", r.GroupResource(), key, n)
	}
	return st.raw, 200, nil
}

// deletedAnswer is the answer to a delete that removed the object: the
// object for pods and custom kinds, a success Status for other built-ins.
func deletedAnswer(r *Resource, st *stored) []byte {
	if !r.Builtin || r.Resource == "pods" {
		return st.raw
	}
	m := meta(st.o)
	d := details(r, str(m, "name"))
	d["uid"] = m["uid"]
	data, _ := json.Marshal(map[string]any{"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{}, "status": "Success", "details": d})
	return data
}

func anyList(l []string) []any {
	out := make([]any, len(l))
	for i, x := range l {
		out[i] = x
	}
	return out
}

// dependentsLocked returns the objects with an ownerReference to uid.
func (s *Server) dependentsLocked(uid string) []*stored {
	var out []*stored
	for _, gr := range sortedKeys(s.st.objs) {
		objs := s.st.objs[gr]
		for _, k := range sortedKeys(objs) {
			o := objs[k]
			refs, _ := meta(o.o)["ownerReferences"].([]any)
			for _, ref := range refs {
				if rm, ok := ref.(map[string]any); ok && str(rm, "uid") == uid {
					out = append(out, o)
					break
				}
			}
		}
	}
	return out
}

// collectLocked deletes the dependents of uid, as the garbage collector
// does after its owner is deleted.
func (s *Server) collectLocked(uid, policy string) {
	for _, d := range s.dependentsLocked(uid) {
		r := s.reg.byKind(str(d.o, "apiVersion"), str(d.o, "kind"))
		if r == nil {
			continue
		}
		_, _, _ = s.deleteLocked(r, d, policy)
	}
}

// orphanLocked removes the ownerReferences to uid from its dependents.
func (s *Server) orphanLocked(uid string) {
	for _, d := range s.dependentsLocked(uid) {
		r := s.reg.byKind(str(d.o, "apiVersion"), str(d.o, "kind"))
		if r == nil {
			continue
		}
		o := copyObj(d.o)
		m := meta(o)
		refs, _ := m["ownerReferences"].([]any)
		refs = slices.DeleteFunc(refs, func(x any) bool { rm, _ := x.(map[string]any); return str(rm, "uid") == uid })
		if len(refs) == 0 {
			delete(m, "ownerReferences")
		} else {
			m["ownerReferences"] = refs
		}
		s.st.commitLocked("MODIFIED", r.GroupResource(), objKey(str(m, "namespace"), str(m, "name")), o)
	}
}

func (s *Server) deleteCollection(req *request) ([]byte, *apiStatus) {
	opts, st := s.parseDelete(req)
	if st != nil {
		return nil, st
	}
	f, st := s.parseFilter(req)
	if st != nil {
		return nil, st
	}
	r := req.res
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	objs, _, _ := s.st.snapshotLocked(r.GroupResource(), 0)
	var items []any
	for _, o := range objs {
		if !f.matches(o.o) {
			continue
		}
		if !dryRun(req) {
			_, _, _ = s.deleteLocked(r, o, opts.PropagationPolicy)
		}
		items = append(items, json.RawMessage(listItem(r, o)))
	}
	if items == nil {
		items = []any{}
	}
	data, err := json.Marshal(map[string]any{"kind": r.Kind + "List", "apiVersion": r.APIVersion(),
		"metadata": map[string]any{"resourceVersion": strconv.FormatInt(s.st.rv, 10)}, "items": items})
	if err != nil {
		return nil, errInternal(err.Error())
	}
	return data, nil
}

// afterWriteLocked registers the served versions of a stored
// CustomResourceDefinition.
func (s *Server) afterWriteLocked(r *Resource, o obj) {
	if r.Resource != "customresourcedefinitions" || r.Group != "apiextensions.k8s.io" {
		return
	}
	spec, _ := o["spec"].(map[string]any)
	names, _ := spec["names"].(map[string]any)
	versions, _ := spec["versions"].([]any)
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		if vm == nil || vm["served"] == false {
			continue
		}
		res := &Resource{Group: str(spec, "group"), Version: str(vm, "name"), Resource: str(names, "plural"),
			Kind: str(names, "kind"), Namespaced: str(spec, "scope") == "Namespaced"}
		if sub, ok := vm["subresources"].(map[string]any); ok {
			_, res.Status = sub["status"]
			if sc, ok := sub["scale"].(map[string]any); ok {
				res.Status = true
				res.Scale = str(sc, "specReplicasPath")
			}
		}
		sfs, _ := vm["selectableFields"].([]any)
		for _, sf := range sfs {
			if sfm, ok := sf.(map[string]any); ok {
				res.Fields = append(res.Fields, strings.TrimPrefix(str(sfm, "jsonPath"), "."))
			}
		}
		if res.Fields != nil {
			res.Fields = append(res.fieldsDefault(), res.Fields...)
		}
		_ = s.reg.add(res)
	}
}

func (r *Resource) fieldsDefault() []string {
	c := *r
	c.Fields = nil
	return c.fields()
}

// afterDeleteLocked unregisters the kinds of a deleted CRD.
func (s *Server) afterDeleteLocked(r *Resource, o obj) {
	if r.Resource != "customresourcedefinitions" || r.Group != "apiextensions.k8s.io" {
		return
	}
	spec, _ := o["spec"].(map[string]any)
	names, _ := spec["names"].(map[string]any)
	versions, _ := spec["versions"].([]any)
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		s.reg.remove(str(spec, "group"), str(vm, "name"), str(names, "plural"))
	}
	delete(s.st.objs, str(names, "plural")+"."+str(spec, "group"))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
