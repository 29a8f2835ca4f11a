package kubefake

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Match selects requests for a fault. Empty fields match anything.
type Match struct {
	// Verb is the API verb: get, list, watch, create, update, patch,
	// delete, deletecollection; for paths that are not resources
	// (discovery, /version) it is the lowercase HTTP method.
	Verb string
	// Resource is the plural resource name ("pods", "deployments").
	Resource string
	// Subresource is "status", "scale" or "" for any.
	Subresource string
	// Namespace and Name of the request.
	Namespace, Name string
	// Path is the request's URL path; a trailing "*" matches any path that
	// starts with the rest.
	Path string
}

func (m Match) matches(req *request, method, path string) bool {
	verb, res, sub, ns, name := strings.ToLower(method), "", "", "", ""
	if req != nil {
		verb, sub, ns, name = req.verb, req.sub, req.ns, req.name
		if req.res != nil {
			res = req.res.Resource
		}
		if req.verb == "" {
			verb = strings.ToLower(method)
		}
	}
	if m.Path != "" {
		if p, ok := strings.CutSuffix(m.Path, "*"); ok {
			if !strings.HasPrefix(path, p) {
				return false
			}
		} else if path != m.Path {
			return false
		}
	}
	return (m.Verb == "" || m.Verb == verb) && (m.Resource == "" || m.Resource == res) &&
		(m.Subresource == "" || m.Subresource == sub) && (m.Namespace == "" || m.Namespace == ns) &&
		(m.Name == "" || m.Name == name)
}

type faultKind int

const (
	faultStatus faultKind = iota
	faultDelay
	faultStallHeaders
	faultStallBody
	faultCut
	faultTruncate
	faultGoneInStream
)

func (k faultKind) stream() bool { return k >= faultCut }

type fault struct {
	m           Match
	n           int // remaining uses; <0 means unlimited
	kind        faultKind
	status      int
	retryAfter  time.Duration
	delay       time.Duration
	afterEvents int
}

// Request is a request the server received, as Server.Requests logs it.
type Request struct {
	Method, Path, Query string
	Verb                string // as in Match
	Resource            string
	Namespace, Name     string
	Fault               string // the fault injected, if any
}

// maxLog bounds the request log.
const maxLog = 10000

type faults struct {
	mu   sync.Mutex
	list []*fault
	log  []Request
}

func (fs *faults) add(f *fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.list = append(fs.list, f)
}

// take logs the request and returns the first matching request fault,
// consuming one use of it.
func (fs *faults) take(req *request, method, path string) *fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	entry := Request{Method: method, Path: path}
	if req != nil {
		entry.Query, entry.Verb, entry.Namespace, entry.Name = req.r.URL.RawQuery, req.verb, req.ns, req.name
		if req.res != nil {
			entry.Resource = req.res.Resource
		}
	}
	var found *fault
	for i, f := range fs.list {
		if f.kind.stream() || !f.m.matches(req, method, path) {
			continue
		}
		found = f
		if f.n > 0 {
			f.n--
			if f.n == 0 {
				fs.list = append(fs.list[:i:i], fs.list[i+1:]...)
			}
		}
		entry.Fault = f.describe()
		break
	}
	if len(fs.log) >= maxLog {
		fs.log = fs.log[1:]
	}
	fs.log = append(fs.log, entry)
	return found
}

// watchFault returns the first matching stream fault for a watch.
func (fs *faults) watchFault(req *request) *fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.list {
		if !f.kind.stream() || !f.m.matches(req, http.MethodGet, req.path) {
			continue
		}
		if f.n > 0 {
			f.n--
			if f.n == 0 {
				fs.list = append(fs.list[:i:i], fs.list[i+1:]...)
			}
		}
		return f
	}
	return nil
}

func (f *fault) describe() string {
	switch f.kind {
	case faultStatus:
		return "status " + strconv.Itoa(f.status)
	case faultDelay:
		return "delay " + f.delay.String()
	case faultStallHeaders:
		return "stall headers"
	case faultStallBody:
		return "stall body"
	}
	return "watch fault"
}

func uses(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

// Fail makes the next n requests matching m (n <= 0: all of them) fail
// with status, answered as a metav1.Status with the reason the real server
// gives that code (429 TooManyRequests, 503 ServiceUnavailable, 500
// InternalError, 504 Timeout, 409 Conflict, 410 Expired, ...). A
// retryAfter sets the Retry-After header and details.retryAfterSeconds.
func (s *Server) Fail(m Match, n int, status int, retryAfter ...time.Duration) {
	f := &fault{m: m, n: uses(n), kind: faultStatus, status: status}
	if len(retryAfter) > 0 {
		f.retryAfter = retryAfter[0]
	}
	s.faults.add(f)
}

// Delay holds the next n requests matching m (n <= 0: all) for d before
// serving them; the wait ends early when the request's context ends or the
// server closes.
func (s *Server) Delay(m Match, n int, d time.Duration) {
	s.faults.add(&fault{m: m, n: uses(n), kind: faultDelay, delay: d})
}

// StallHeaders makes the next n requests matching m (n <= 0: all) get no
// answer at all until the request's context ends or the server closes.
func (s *Server) StallHeaders(m Match, n int) {
	s.faults.add(&fault{m: m, n: uses(n), kind: faultStallHeaders})
}

// StallBody makes the next n requests matching m (n <= 0: all) receive
// their headers and the first half of their body, then nothing more until
// the request's context ends or the server closes.
func (s *Server) StallBody(m Match, n int) {
	s.faults.add(&fault{m: m, n: uses(n), kind: faultStallBody})
}

// CutWatch makes the next n watches matching m (n <= 0: all) end cleanly
// after afterEvents events, as when a connection or the server's watch
// timeout ends a watch.
func (s *Server) CutWatch(m Match, n, afterEvents int) {
	s.faults.add(&fault{m: m, n: uses(n), kind: faultCut, afterEvents: max(afterEvents, 0)})
}

// TruncateWatch makes the next n watches matching m (n <= 0: all) end
// after afterEvents events in the middle of the next frame: the client
// sees a truncated JSON document.
func (s *Server) TruncateWatch(m Match, n, afterEvents int) {
	s.faults.add(&fault{m: m, n: uses(n), kind: faultTruncate, afterEvents: max(afterEvents, 0)})
}

// ExpireWatch makes the next n watches matching m (n <= 0: all) end after
// afterEvents events with an ERROR event carrying a 410 Expired Status, as
// the real server does when a watch falls out of its window.
func (s *Server) ExpireWatch(m Match, n, afterEvents int) {
	s.faults.add(&fault{m: m, n: uses(n), kind: faultGoneInStream, afterEvents: max(afterEvents, 0)})
}

// DropWatches ends the open watches matching m now and returns how many
// it ended. With truncate, each ends in the middle of a frame.
func (s *Server) DropWatches(m Match, truncate bool) int {
	how := ""
	if truncate {
		how = "truncate"
	}
	return s.endWatches(m, how)
}

// ExpireWatches ends the open watches matching m now with an ERROR event
// carrying a 410 Expired Status, and returns how many it ended.
func (s *Server) ExpireWatches(m Match) int { return s.endWatches(m, "gone") }

func (s *Server) endWatches(m Match, how string) int {
	s.watchersMu.Lock()
	defer s.watchersMu.Unlock()
	n := 0
	for w, req := range s.open {
		if m.matches(req, http.MethodGet, req.path) {
			w.stop(how)
			n++
		}
	}
	return n
}

// ClearFaults removes every scripted fault not yet used up.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.list = nil
}

// Requests returns the requests received so far (the newest 10000), in
// order, with the fault injected into each.
func (s *Server) Requests() []Request {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return append([]Request(nil), s.faults.log...)
}

var reasons = map[int]string{
	400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
	406: "NotAcceptable", 409: "Conflict", 410: "Expired", 413: "RequestEntityTooLarge", 415: "UnsupportedMediaType",
	422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout",
}

// inject applies a request fault; it returns true when the request has
// been answered (or abandoned) and must not be served.
func (s *Server) inject(w http.ResponseWriter, r *http.Request, f *fault) bool {
	ctx := r.Context()
	switch f.kind {
	case faultStatus:
		st := &apiStatus{Code: f.status, Reason: reasons[f.status], Message: fmt.Sprintf("kubefake: injected failure (status %d)", f.status)}
		if st.Reason == "" {
			st.Reason = "Unknown"
		}
		if f.retryAfter > 0 {
			secs := int((f.retryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			st.Details = map[string]any{"retryAfterSeconds": secs}
		}
		if f.status == 429 {
			st.Message = "Too many requests, please try again later."
		}
		writeStatus(w, st)
		return true
	case faultDelay:
		return s.wait(ctx, f.delay) != nil
	case faultStallHeaders:
		select {
		case <-ctx.Done():
		case <-s.done:
		}
		return true
	case faultStallBody:
		rec := httptest.NewRecorder()
		if isWatch(r.URL.Query().Get("watch")) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
		} else {
			s.serveInner(rec, r)
			for k, v := range rec.Header() {
				if k != "Content-Length" {
					w.Header()[k] = v
				}
			}
			w.WriteHeader(rec.Code)
			body := rec.Body.Bytes()
			_, _ = w.Write(body[:len(body)/2])
		}
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		select {
		case <-ctx.Done():
		case <-s.done:
		}
		return true
	}
	return false
}
