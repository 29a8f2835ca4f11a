package kubefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// apiStatus is a metav1.Status failure the server answers with.
type apiStatus struct {
	Code    int
	Reason  string
	Message string
	Details map[string]any
}

func (s *apiStatus) Error() string { return s.Message }

func (s *apiStatus) object() map[string]any {
	o := map[string]any{
		"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": s.Message, "reason": s.Reason, "code": s.Code,
	}
	if s.Details != nil {
		o["details"] = s.Details
	}
	return o
}

func writeStatus(w http.ResponseWriter, s *apiStatus) {
	writeJSON(w, s.Code, s.object())
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		data = []byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"encoding failed","reason":"InternalError","code":500}`)
	}
	writeRaw(w, code, data)
}

func writeRaw(w http.ResponseWriter, code int, data []byte) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(code)
	_, _ = w.Write(data)
}

func details(r *Resource, name string) map[string]any {
	d := map[string]any{"kind": r.Resource}
	if r.Group != "" {
		d["group"] = r.Group
	}
	if name != "" {
		d["name"] = name
	}
	return d
}

func errNotFound(r *Resource, name string) *apiStatus {
	return &apiStatus{Code: 404, Reason: "NotFound", Message: fmt.Sprintf("%s %q not found", r.GroupResource(), name), Details: details(r, name)}
}

func errAlreadyExists(r *Resource, name string) *apiStatus {
	return &apiStatus{Code: 409, Reason: "AlreadyExists", Message: fmt.Sprintf("%s %q already exists", r.GroupResource(), name), Details: details(r, name)}
}

func errConflict(r *Resource, name string) *apiStatus {
	return &apiStatus{Code: 409, Reason: "Conflict", Message: fmt.Sprintf("Operation cannot be fulfilled on %s %q: the object has been modified; please apply your changes to the latest version and try again", r.GroupResource(), name), Details: details(r, name)}
}

func errBadRequest(format string, args ...any) *apiStatus {
	return &apiStatus{Code: 400, Reason: "BadRequest", Message: fmt.Sprintf(format, args...)}
}

func errInvalid(r *Resource, name, field, msg string) *apiStatus {
	d := details(r, name)
	d["kind"] = r.Kind
	d["causes"] = []any{map[string]any{"reason": "FieldValueInvalid", "message": msg, "field": field}}
	return &apiStatus{Code: 422, Reason: "Invalid", Message: fmt.Sprintf("%s %q is invalid: %s: %s", r.Kind, name, field, msg), Details: d}
}

func errUnprocessable(msg string) *apiStatus {
	return &apiStatus{Code: 422, Reason: "Invalid", Message: msg}
}

func errGone(msg string) *apiStatus {
	return &apiStatus{Code: 410, Reason: "Expired", Message: msg}
}

func errMethodNotAllowed(msg string) *apiStatus {
	return &apiStatus{Code: 405, Reason: "MethodNotAllowed", Message: msg}
}

func errPathNotFound() *apiStatus {
	return &apiStatus{Code: 404, Reason: "NotFound", Message: "the server could not find the requested resource"}
}

func errUnsupportedMedia(ct string) *apiStatus {
	return &apiStatus{Code: 415, Reason: "UnsupportedMediaType", Message: fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got %q)", ct)}
}

func errTooLarge() *apiStatus {
	return &apiStatus{Code: 413, Reason: "RequestEntityTooLarge", Message: "the request body is too large"}
}

func errInternal(msg string) *apiStatus {
	return &apiStatus{Code: 500, Reason: "InternalError", Message: msg}
}
