package kubefake

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// request is a parsed resource request.
type request struct {
	r     *http.Request
	path  string
	query url.Values
	res   *Resource
	ns    string
	name  string
	sub   string // "status", "scale" or ""
	verb  string // get list watch create update patch delete deletecollection
	body  []byte
	ctype string
}

// ServeHTTP serves the Kubernetes API: discovery, /version, /healthz and
// the resources, after the scripted faults.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil { // a bug must not take the test binary down
			writeStatus(w, errInternal("kubefake: internal error while serving the request"))
		}
	}()
	path := "/" + trimSlash(r.URL.Path)
	req, _ := s.parse(r, path)
	if f := s.faults.take(req, r.Method, path); f != nil && s.inject(w, r, f) {
		return
	}
	s.serveInner(w, r)
}

// serveInner serves a request without faults.
func (s *Server) serveInner(w http.ResponseWriter, r *http.Request) {
	path := "/" + trimSlash(r.URL.Path)
	req, st := s.parse(r, path)
	if st != nil {
		writeStatus(w, st)
		return
	}
	if req == nil {
		s.serveNonResource(w, r, path)
		return
	}
	if req.verb != "get" && req.verb != "list" && req.verb != "watch" && req.verb != "deletecollection" || r.ContentLength != 0 {
		body, err := io.ReadAll(io.LimitReader(r.Body, s.opts.MaxBody+1))
		if err != nil {
			writeStatus(w, errBadRequest("reading the request body: %v", err))
			return
		}
		if int64(len(body)) > s.opts.MaxBody {
			writeStatus(w, errTooLarge())
			return
		}
		req.body = body
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			req.ctype = mt
		} else {
			req.ctype = ct
		}
	}
	s.serveResource(w, req)
}

// parse recognizes a resource path; it returns nil, nil for other paths.
func (s *Server) parse(r *http.Request, path string) (*request, *apiStatus) {
	parts := strings.Split(trimSlash(path), "/")
	var grp, version string
	var rest []string
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		version, rest = parts[1], parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		grp, version, rest = parts[1], parts[2], parts[3:]
	default:
		return nil, nil
	}
	watchPath := false
	if len(rest) > 1 && rest[0] == "watch" {
		watchPath, rest = true, rest[1:]
	}
	for _, p := range rest {
		if p == "" {
			return nil, errPathNotFound()
		}
	}
	req := &request{r: r, path: path, query: r.URL.Query()}
	var resName string
	switch {
	case rest[0] == "namespaces" && len(rest) >= 3 && !(len(rest) == 3 && (rest[2] == "status" || rest[2] == "finalize")):
		req.ns, resName, rest = rest[1], rest[2], rest[3:]
	default:
		resName, rest = rest[0], rest[1:]
	}
	if len(rest) > 2 {
		return nil, errPathNotFound()
	}
	if len(rest) >= 1 {
		req.name = rest[0]
	}
	if len(rest) == 2 {
		req.sub = rest[1]
	}
	res := s.reg.lookup(grp, version, resName)
	if res == nil {
		return nil, errPathNotFound()
	}
	req.res = res
	if req.ns != "" && !res.Namespaced {
		return nil, errPathNotFound()
	}
	switch req.sub {
	case "":
	case "status":
		if !res.Status {
			return nil, errPathNotFound()
		}
	case "scale":
		if res.Scale == "" {
			return nil, errPathNotFound()
		}
	case "finalize":
		if res.Resource != "namespaces" {
			return nil, errPathNotFound()
		}
		req.sub = "status"
	default:
		return nil, errPathNotFound()
	}
	collection := req.name == ""
	switch r.Method {
	case http.MethodGet:
		switch {
		case watchPath || isWatch(req.query.Get("watch")):
			req.verb = "watch"
			if !collection {
				// a watch of one object is a watch of its collection by name
				req.query.Set("fieldSelector", joinSelector(req.query.Get("fieldSelector"), "metadata.name="+req.name))
				req.name = ""
			}
		case collection:
			req.verb = "list"
		default:
			req.verb = "get"
		}
	case http.MethodPost:
		req.verb = "create"
		if !collection {
			return req, errMethodNotAllowed("the server does not allow this method on the requested resource")
		}
	case http.MethodPut:
		req.verb = "update"
	case http.MethodPatch:
		req.verb = "patch"
	case http.MethodDelete:
		req.verb = "delete"
		if collection {
			req.verb = "deletecollection"
		}
	default:
		return req, errMethodNotAllowed("the server does not allow this method on the requested resource")
	}
	if collection && (req.verb == "update" || req.verb == "patch") || req.sub != "" && collection {
		return req, errMethodNotAllowed("the server does not allow this method on the requested resource")
	}
	if req.sub != "" && (req.verb == "delete" || req.verb == "create") {
		return req, errMethodNotAllowed("the server does not allow this method on the requested resource")
	}
	return req, nil
}

func joinSelector(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}

func (s *Server) serveResource(w http.ResponseWriter, req *request) {
	var (
		code = http.StatusOK
		out  []byte
		st   *apiStatus
	)
	switch req.verb {
	case "get":
		out, st = s.get(req)
	case "list":
		out, st = s.list(req)
	case "watch":
		s.watch(w, req)
		return
	case "create":
		out, st = s.createRequest(req)
		code = http.StatusCreated
	case "update":
		out, code, st = s.update(req)
	case "patch":
		out, code, st = s.patch(req)
	case "delete":
		out, code, st = s.deleteRequest(req)
	case "deletecollection":
		out, st = s.deleteCollection(req)
	}
	if st != nil {
		writeStatus(w, st)
		return
	}
	writeRaw(w, code, out)
}
