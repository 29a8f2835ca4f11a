package kubefake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/kube-for-go/kube/selector"
)

// filter is a list's or watch's namespace and selectors.
type filter struct {
	ns     string
	labels selector.Selector
	fields selector.FieldSelector
	res    *Resource
}

func (s *Server) parseFilter(req *request) (*filter, *apiStatus) {
	f := &filter{ns: req.ns, res: req.res}
	var err error
	if f.labels, err = selector.Parse(req.query.Get("labelSelector")); err != nil {
		return nil, errBadRequest("unable to parse requirement: %v", err)
	}
	if f.fields, err = selector.ParseFields(req.query.Get("fieldSelector")); err != nil {
		return nil, errBadRequest("invalid field selector: %v", err)
	}
	supported := req.res.fields()
	for _, r := range f.fields.Requirements() {
		name := r.Field()
		if name == "spec.host" && req.res.Resource == "pods" {
			name = "spec.nodeName"
		}
		found := false
		for _, x := range supported {
			if x == name {
				found = true
			}
		}
		if !found {
			quoted := make([]string, len(supported))
			for i, x := range supported {
				quoted[i] = strconv.Quote(x)
			}
			return nil, errBadRequest("%q is not a known field selector: only %s", r.Field(), strings.Join(quoted, ", "))
		}
	}
	return f, nil
}

func (f *filter) matches(o obj) bool {
	m := meta(o)
	if f.ns != "" && str(m, "namespace") != f.ns {
		return false
	}
	if !f.labels.Empty() && !f.labels.Matches(stringMap(m["labels"])) {
		return false
	}
	if !f.fields.Empty() {
		vals := map[string]string{}
		for _, r := range f.fields.Requirements() {
			name := r.Field()
			if name == "spec.host" {
				vals[name] = fieldValue(o, "spec.nodeName")
				continue
			}
			vals[name] = fieldValue(o, name)
		}
		if !f.fields.Matches(vals) {
			return false
		}
	}
	return true
}

func (s *Server) get(req *request) ([]byte, *apiStatus) {
	s.st.mu.Lock()
	cur := s.st.getLocked(req.res.GroupResource(), objKey(req.ns, req.name))
	s.st.mu.Unlock()
	if cur == nil {
		return nil, errNotFound(req.res, req.name)
	}
	if req.sub == "scale" {
		data, err := json.Marshal(scaleOf(req.res, cur.o))
		if err != nil {
			return nil, errInternal(err.Error())
		}
		return data, nil
	}
	return cur.raw, nil
}

// continueToken is the decoded continue parameter of a list.
type continueToken struct {
	RV    int64  `json:"rv"`
	Start string `json:"start"`
}

func (s *Server) list(req *request) ([]byte, *apiStatus) {
	f, st := s.parseFilter(req)
	if st != nil {
		return nil, st
	}
	limit := int64(0)
	if l := req.query.Get("limit"); l != "" {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil || n < 0 {
			return nil, errBadRequest("invalid limit %q", l)
		}
		limit = n
	}
	var tok continueToken
	if c := req.query.Get("continue"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || json.Unmarshal(raw, &tok) != nil || tok.RV <= 0 {
			return nil, errBadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
		}
		if req.query.Get("resourceVersion") != "" && req.query.Get("resourceVersion") != "0" {
			return nil, errBadRequest("specifying resource version is not allowed when using continue")
		}
	}
	rvMatch := req.query.Get("resourceVersionMatch")
	var at int64
	if rv := req.query.Get("resourceVersion"); rv != "" && rv != "0" {
		n, err := strconv.ParseInt(rv, 10, 64)
		if err != nil {
			return nil, errBadRequest("invalid resource version %q", rv)
		}
		if rvMatch == "Exact" {
			at = n
		}
	}
	if tok.RV != 0 {
		at = tok.RV
	}
	gr := req.res.GroupResource()
	s.st.mu.Lock()
	if at > s.st.rv {
		s.st.mu.Unlock()
		return nil, &apiStatus{Code: 504, Reason: "Timeout", Message: fmt.Sprintf("Too large resource version: %d, current: %d", at, s.st.rv)}
	}
	objs, keys, ok := s.st.snapshotLocked(gr, at)
	listRV := s.st.rv
	if at != 0 {
		listRV = at
	}
	s.st.mu.Unlock()
	if !ok {
		if tok.RV != 0 {
			return nil, errGone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
		}
		return nil, errGone(fmt.Sprintf("Timeout: Too large resource version or too old resource version: %d", at))
	}
	var buf bytes.Buffer
	buf.WriteString(`{"kind":`)
	buf.WriteString(strconv.Quote(req.res.Kind + "List"))
	buf.WriteString(`,"apiVersion":`)
	buf.WriteString(strconv.Quote(req.res.APIVersion()))
	buf.WriteString(`,"metadata":{"resourceVersion":"`)
	buf.WriteString(strconv.FormatInt(listRV, 10))
	buf.WriteString(`"`)
	var items bytes.Buffer
	n := int64(0)
	next := ""
	filtered := !f.labels.Empty() || !f.fields.Empty()
	remaining := int64(0)
	for i, o := range objs {
		if tok.Start != "" && keys[i] <= tok.Start {
			continue
		}
		if req.ns != "" && !strings.HasPrefix(keys[i], req.ns+"/") {
			continue
		}
		if !f.matches(o.o) {
			continue
		}
		if limit > 0 && n == limit {
			if next == "" {
				next = keys[i-1]
			}
			if filtered {
				break
			}
			remaining++
			continue
		}
		if n > 0 {
			items.WriteByte(',')
		}
		items.Write(listItem(req.res, o))
		n++
	}
	if next != "" {
		t, _ := json.Marshal(continueToken{RV: listRV, Start: next})
		buf.WriteString(`,"continue":"`)
		buf.WriteString(base64.RawURLEncoding.EncodeToString(t))
		buf.WriteString(`"`)
		if !filtered {
			fmt.Fprintf(&buf, `,"remainingItemCount":%d`, remaining)
		}
	}
	buf.WriteString(`},"items":[`)
	buf.Write(items.Bytes())
	buf.WriteString(`]}`)
	return buf.Bytes(), nil
}

// listItem is an object as a list item: built-in kinds' items carry no
// apiVersion and kind, like the real server's typed lists.
func listItem(r *Resource, o *stored) []byte {
	if !r.Builtin {
		return o.raw
	}
	if p := o.item.Load(); p != nil {
		return *p
	}
	data, err := json.Marshal(withoutKeys(o.o, "apiVersion", "kind"))
	if err != nil {
		return o.raw
	}
	o.item.Store(&data)
	return data
}

// scaleOf is the autoscaling/v1 Scale of o.
func scaleOf(r *Resource, o obj) map[string]any {
	m := meta(o)
	path := strings.Split(strings.TrimPrefix(r.Scale, "."), ".")
	replicas, _ := getPath(o, path...)
	if replicas == nil {
		replicas = json.Number("1")
	}
	status := map[string]any{"replicas": json.Number("0")}
	if v, ok := getPath(o, "status", "replicas"); ok {
		status["replicas"] = v
	}
	if sel, ok := getPath(o, "spec", "selector", "matchLabels"); ok {
		labels := stringMap(sel)
		status["selector"] = selector.Set(labels).String()
	}
	return map[string]any{
		"kind": "Scale", "apiVersion": "autoscaling/v1",
		"metadata": map[string]any{"name": m["name"], "namespace": m["namespace"], "uid": m["uid"],
			"resourceVersion": m["resourceVersion"], "creationTimestamp": m["creationTimestamp"]},
		"spec":   map[string]any{"replicas": replicas},
		"status": status,
	}
}

// manager is the field manager of a write: the fieldManager parameter, or
// the User-Agent's product name like the real server.
func manager(req *request) string {
	if m := req.query.Get("fieldManager"); m != "" {
		return m
	}
	if req.r == nil {
		return "kubefake"
	}
	ua := req.r.Header.Get("User-Agent")
	if i := strings.IndexByte(ua, '/'); i >= 0 {
		ua = ua[:i]
	}
	if ua == "" {
		return "unknown"
	}
	return ua
}

func (s *Server) createRequest(req *request) ([]byte, *apiStatus) {
	o, err := decodeObject(req.body)
	if err != nil {
		return nil, errBadRequest("the body of the request could not be decoded: %v", err)
	}
	st, e := s.create(req, o)
	if e != nil {
		return nil, e
	}
	return st.raw, nil
}

// checkKind verifies apiVersion and kind of a request body, filling them in
// if missing.
func checkKind(r *Resource, o obj) *apiStatus {
	av, k := str(o, "apiVersion"), str(o, "kind")
	if av == "" && k == "" {
		o["apiVersion"], o["kind"] = r.APIVersion(), r.Kind
		return nil
	}
	if k != r.Kind || av != r.APIVersion() {
		return errBadRequest("the API version in the data (%s) does not match the expected API version (%s)", av, r.APIVersion())
	}
	return nil
}

func dryRun(req *request) bool { return req.query.Get("dryRun") == "All" }

// create stores a new object; req.body is not used.
func (s *Server) create(req *request, o obj) (*stored, *apiStatus) {
	r := req.res
	if st := checkKind(r, o); st != nil {
		return nil, st
	}
	m := meta(o)
	if r.Namespaced {
		ns := str(m, "namespace")
		if ns != "" && ns != req.ns {
			return nil, errBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
		m["namespace"] = req.ns
	} else {
		delete(m, "namespace")
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if str(m, "name") == "" {
		gen := str(m, "generateName")
		if gen == "" {
			return nil, errInvalid(r, "", "metadata.name", "Required value: name or generateName is required")
		}
		m["name"] = gen + randomSuffix()
	}
	name := str(m, "name")
	if !validName(name) {
		return nil, errInvalid(r, name, "metadata.name", "Invalid value: "+strconv.Quote(name)+": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")
	}
	if r.Namespaced && s.reg.lookup("", "v1", "namespaces") != nil && s.st.getLocked("namespaces", objKey("", req.ns)) == nil {
		return nil, errNotFound(&Resource{Resource: "namespaces"}, req.ns)
	}
	key := objKey(req.ns, name)
	if s.st.getLocked(r.GroupResource(), key) != nil {
		return nil, errAlreadyExists(r, name)
	}
	for _, k := range []string{"resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"} {
		delete(m, k)
	}
	if req.r != nil {
		delete(m, "managedFields")
	}
	m["uid"] = newUID()
	m["creationTimestamp"] = s.timestamp()
	if !r.NoGeneration {
		m["generation"] = json.Number("1")
	} else {
		delete(m, "generation")
	}
	if r.Status && r.Builtin {
		delete(o, "status")
	}
	if r.Resource == "namespaces" {
		setPath(o, "Active", "status", "phase")
		if _, ok := getPath(o, "spec", "finalizers"); !ok {
			setPath(o, []any{"kubernetes"}, "spec", "finalizers")
		}
	}
	if req.r != nil {
		trackUpdate(r, nil, o, manager(req), "", s.timestamp())
	}
	if dryRun(req) {
		m["resourceVersion"] = ""
		raw, _ := json.Marshal(o)
		return &stored{o: o, raw: raw}, nil
	}
	st := s.st.commitLocked("ADDED", r.GroupResource(), key, o)
	s.afterWriteLocked(r, st.o)
	return st, nil
}

func validName(n string) bool {
	if n == "" || len(n) > 253 || n == "." || n == ".." {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return n[0] != '-' && n[0] != '.' && n[len(n)-1] != '-' && n[len(n)-1] != '.'
}

func (s *Server) update(req *request) ([]byte, int, *apiStatus) {
	o, err := decodeObject(req.body)
	if err != nil {
		return nil, 0, errBadRequest("the body of the request could not be decoded: %v", err)
	}
	r := req.res
	if req.sub == "scale" {
		return s.updateScale(req, o)
	}
	if st := checkKind(r, o); st != nil {
		return nil, 0, st
	}
	m := meta(o)
	if n := str(m, "name"); n != req.name {
		return nil, 0, errBadRequest("the name of the object (%s) does not match the name on the URL (%s)", n, req.name)
	}
	if r.Namespaced {
		if ns := str(m, "namespace"); ns != "" && ns != req.ns {
			return nil, 0, errBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	cur := s.st.getLocked(r.GroupResource(), objKey(req.ns, req.name))
	if cur == nil {
		return nil, 0, errNotFound(r, req.name)
	}
	if rv := str(m, "resourceVersion"); rv != "" && rv != str(meta(cur.o), "resourceVersion") {
		return nil, 0, errConflict(r, req.name)
	}
	st, e := s.writeLocked(req, cur, o, true)
	if e != nil {
		return nil, 0, e
	}
	return st, 200, nil
}

func (s *Server) updateScale(req *request, sc obj) ([]byte, int, *apiStatus) {
	r := req.res
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	cur := s.st.getLocked(r.GroupResource(), objKey(req.ns, req.name))
	if cur == nil {
		return nil, 0, errNotFound(r, req.name)
	}
	if rv := str(meta(sc), "resourceVersion"); rv != "" && rv != str(meta(cur.o), "resourceVersion") {
		return nil, 0, errConflict(r, req.name)
	}
	replicas, ok := getPath(sc, "spec", "replicas")
	if _, isNum := replicas.(json.Number); !ok || !isNum {
		replicas = json.Number("0")
	}
	o := copyObj(cur.o)
	setPath(o, replicas, strings.Split(strings.TrimPrefix(r.Scale, "."), ".")...)
	sub := *req
	sub.sub = ""
	if _, e := s.writeLocked(&sub, cur, o, false); e != nil {
		return nil, 0, e
	}
	now := s.st.getLocked(r.GroupResource(), objKey(req.ns, req.name))
	data, err := json.Marshal(scaleOf(r, now.o))
	if err != nil {
		return nil, 0, errInternal(err.Error())
	}
	return data, 200, nil
}

// writeLocked stores o as the new state of cur after the server's rules:
// identity and system metadata kept, status or spec kept depending on the
// subresource, generation bumped on spec changes, managed fields tracked
// (unless track is false), and the object removed once it is being deleted
// and has no finalizers left. It returns the stored JSON.
func (s *Server) writeLocked(req *request, cur *stored, o obj, track bool) ([]byte, *apiStatus) {
	r := req.res
	old := cur.o
	om, m := meta(old), meta(o)
	if req.sub == "status" {
		// only the status changes (and, for namespaces/finalize, spec.finalizers)
		n := copyObj(old)
		if st, ok := o["status"]; ok {
			n["status"] = st
		} else {
			delete(n, "status")
		}
		if r.Resource == "namespaces" {
			if f, ok := getPath(o, "spec", "finalizers"); ok {
				setPath(n, f, "spec", "finalizers")
			}
		}
		o, m = n, meta(n)
	} else if r.Status {
		if st, ok := old["status"]; ok {
			o["status"] = st
		} else {
			delete(o, "status")
		}
	}
	for _, k := range []string{"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "name"} {
		if v, ok := om[k]; ok {
			m[k] = v
		} else {
			delete(m, k)
		}
	}
	if _, ok := om["deletionTimestamp"]; ok {
		// a terminating object cannot gain finalizers
		for _, f := range stringList(m["finalizers"]) {
			found := false
			for _, g := range stringList(om["finalizers"]) {
				found = found || f == g
			}
			if !found {
				return nil, &apiStatus{Code: 422, Reason: "Invalid", Message: fmt.Sprintf("%s %q is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{%q}", r.Kind, req.name, f)}
			}
		}
	}
	if !r.NoGeneration && specChanged(r, old, o) {
		g, _ := strconv.ParseInt(fmt.Sprint(om["generation"]), 10, 64)
		m["generation"] = json.Number(strconv.FormatInt(g+1, 10))
	}
	if track {
		m["managedFields"] = om["managedFields"]
		if m["managedFields"] == nil {
			delete(m, "managedFields")
		}
	}
	if track && req.r != nil {
		trackUpdate(r, old, o, manager(req), req.sub, s.timestamp())
	}
	if dryRun(req) {
		raw, _ := json.Marshal(o)
		return raw, nil
	}
	if jsonEqual(withoutKeys(old, "metadata"), withoutKeys(o, "metadata")) && jsonEqual(withoutKeys(om, "managedFields", "resourceVersion"), withoutKeys(m, "managedFields", "resourceVersion")) &&
		jsonEqual(untimed(om["managedFields"]), untimed(m["managedFields"])) {
		// a no-op write changes nothing, not even the resourceVersion
		return cur.raw, nil
	}
	key := objKey(str(m, "namespace"), str(m, "name"))
	if _, deleting := m["deletionTimestamp"]; deleting && len(stringList(m["finalizers"])) == 0 {
		st := s.st.commitLocked("DELETED", r.GroupResource(), key, o)
		s.afterDeleteLocked(r, st.o)
		return st.raw, nil
	}
	st := s.st.commitLocked("MODIFIED", r.GroupResource(), key, o)
	s.afterWriteLocked(r, st.o)
	return st.raw, nil
}

// specChanged says whether a write changes what bumps the generation:
// everything but metadata and (with a status subresource) status.
func specChanged(r *Resource, old, o obj) bool {
	skip := []string{"metadata"}
	if r.Status {
		skip = append(skip, "status")
	}
	return !jsonEqual(withoutKeys(old, skip...), withoutKeys(o, skip...))
}

// untimed drops the times of managed fields entries: a write that changes
// only them changes nothing.
func untimed(v any) any {
	l, _ := v.([]any)
	out := make([]any, 0, len(l))
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, withoutKeys(m, "time"))
		}
	}
	return out
}
