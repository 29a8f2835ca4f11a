package sdk

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kube-for-go/kube/watch"
)

// ErrKube is matched by every error this SDK returns:
// errors.Is(err, sdk.ErrKube) tells an SDK error from any other.
var ErrKube = errors.New("kube")

// Sentinels matched with errors.Is against an *APIError (or any error
// wrapping one). Each corresponds to a Kubernetes Status reason and HTTP code.
var (
	ErrNotFound         = errors.New("kube: not found")           // 404 NotFound
	ErrAlreadyExists    = errors.New("kube: already exists")      // 409 AlreadyExists
	ErrConflict         = errors.New("kube: conflict")            // 409 Conflict (stale resourceVersion, apply conflict)
	ErrGone             = errors.New("kube: gone")                // 410 Gone / Expired (resourceVersion or continue token too old)
	ErrForbidden        = errors.New("kube: forbidden")           // 403 Forbidden
	ErrUnauthorized     = errors.New("kube: unauthorized")        // 401 Unauthorized
	ErrTooManyRequests  = errors.New("kube: too many requests")   // 429 TooManyRequests
	ErrServerTimeout    = errors.New("kube: server timeout")      // 504 / reason ServerTimeout or Timeout
	ErrInvalid          = errors.New("kube: invalid")             // 422 Invalid
	ErrBadRequest       = errors.New("kube: bad request")         // 400 BadRequest
	ErrMethodNotAllowed = errors.New("kube: method not allowed")  // 405
	ErrInternal         = errors.New("kube: internal error")      // 500 InternalError
	ErrUnavailable      = errors.New("kube: service unavailable") // 503
)

// ErrStatusUnavailable is matched by the error every status accessor returns
// when the server has not (yet) reported that status attribute. It is the
// seed's StatusError.
var ErrStatusUnavailable = errors.New("kube: status unavailable")

// APIError is an error answer of the API server, or a failure to talk to it.
// It carries the failed request's method and path (never a credential), the
// HTTP status, and the reason and message of the server's Status object.
// Match categories with errors.Is (ErrNotFound, ErrConflict, ...), read
// details with errors.As.
type APIError struct {
	Method     string         // HTTP method of the failed request
	Path       string         // URL path of the failed request (no host, no query)
	Code       int            // HTTP status code; 0 when no answer was received
	Reason     string         // Status.reason, e.g. "NotFound", "Conflict", "Expired"
	Message    string         // Status.message from the server
	Details    *StatusDetails // Status.details, when the server sent them
	RetryDelay time.Duration  // from Retry-After or details.retryAfterSeconds
	Err        error          // underlying transport error, if no answer was received
}

// StatusDetails are the details of a Kubernetes Status.
type StatusDetails struct {
	Name              string        `json:"name,omitempty"`
	Group             string        `json:"group,omitempty"`
	Kind              string        `json:"kind,omitempty"`
	UID               string        `json:"uid,omitempty"`
	Causes            []StatusCause `json:"causes,omitempty"`
	RetryAfterSeconds int           `json:"retryAfterSeconds,omitempty"`
}

// StatusCause is one cause of a failure, e.g. a field that failed validation
// or a field an apply conflict was about.
type StatusCause struct {
	Type    string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	Field   string `json:"field,omitempty"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kube: %s %s", e.Method, e.Path)
	if e.Code == 0 {
		if e.Message != "" {
			fmt.Fprintf(&b, ": %s", e.Message)
		}
		if e.Err != nil {
			fmt.Fprintf(&b, ": %v", e.Err)
		}
		return b.String()
	}
	fmt.Fprintf(&b, ": %d", e.Code)
	if e.Reason != "" {
		fmt.Fprintf(&b, " %s", e.Reason)
	} else if t := http.StatusText(e.Code); t != "" {
		fmt.Fprintf(&b, " %s", t)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the transport error, if any.
func (e *APIError) Unwrap() error { return e.Err }

// Is matches ErrKube and the sentinel of the error's category.
func (e *APIError) Is(target error) bool {
	if target == ErrKube {
		return true
	}
	if e.Code == 0 {
		return false
	}
	switch target {
	case ErrNotFound:
		return e.Code == http.StatusNotFound
	case ErrAlreadyExists:
		return e.Code == http.StatusConflict && e.Reason == "AlreadyExists"
	case ErrConflict:
		return e.Code == http.StatusConflict && e.Reason != "AlreadyExists"
	case ErrGone:
		return watch.Expired(e.Code, e.Reason)
	case ErrForbidden:
		return e.Code == http.StatusForbidden
	case ErrUnauthorized:
		return e.Code == http.StatusUnauthorized
	case ErrTooManyRequests:
		return e.Code == http.StatusTooManyRequests
	case ErrServerTimeout:
		return e.Code == http.StatusGatewayTimeout || e.Reason == "ServerTimeout" || e.Reason == "Timeout"
	case ErrInvalid:
		return e.Code == http.StatusUnprocessableEntity
	case ErrBadRequest:
		return e.Code == http.StatusBadRequest
	case ErrMethodNotAllowed:
		return e.Code == http.StatusMethodNotAllowed
	case ErrInternal:
		return e.Code == http.StatusInternalServerError
	case ErrUnavailable:
		return e.Code == http.StatusServiceUnavailable
	}
	return false
}

// StatusCode returns the HTTP status code (watch.APIStatus).
func (e *APIError) StatusCode() int { return e.Code }

// StatusReason returns the reason of the server's Status (watch.APIStatus).
func (e *APIError) StatusReason() string { return e.Reason }

// RetryAfter returns how long the server asked to wait before a retry
// (watch.APIStatus); 0 if it did not say.
func (e *APIError) RetryAfter() time.Duration { return e.RetryDelay }

// Temporary reports whether retrying may succeed: the server answered 429,
// 5xx, or a timeout reason (watch.Temporary's rule).
func (e *APIError) Temporary() bool { return e.Code != 0 && watch.Temporary(e.Code, e.Reason) }

var _ watch.APIStatus = (*APIError)(nil)

// NamespaceError reports the use of an invalid namespace: a namespace given
// for a cluster-scoped kind, none given where the kind needs one, or a
// manifest whose namespace contradicts the one asked for (the seed's
// NamespaceError).
type NamespaceError struct {
	Kind      string // the kind concerned
	Namespace string // the namespace given, "" if none
	Reason    string // what is wrong
}

func (e *NamespaceError) Error() string {
	if e.Namespace != "" {
		return fmt.Sprintf("kube: namespace %q for %s: %s", e.Namespace, e.Kind, e.Reason)
	}
	return fmt.Sprintf("kube: %s: %s", e.Kind, e.Reason)
}

// Is matches ErrKube.
func (e *NamespaceError) Is(target error) bool { return target == ErrKube }

// UnavailableError says that a status attribute is not available in an
// item's snapshot (the seed's StatusError; renamed because in Kubernetes a
// "status error" is the server's Status answer, an *APIError here). It
// matches ErrStatusUnavailable and ErrKube.
type UnavailableError struct {
	Kind  string // kind of the item
	Name  string // name of the item
	Field string // JSON path of the missing attribute, e.g. "status.podIP"
}

func (e *UnavailableError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("kube: %s: %s is not available", e.Kind, e.Field)
	}
	return fmt.Sprintf("kube: %s %q: %s is not available", e.Kind, e.Name, e.Field)
}

// Is matches ErrStatusUnavailable and ErrKube.
func (e *UnavailableError) Is(target error) bool {
	return target == ErrStatusUnavailable || target == ErrKube
}

// ManifestError reports a manifest that cannot be used: malformed JSON or
// YAML, a missing apiVersion, kind or metadata, or an unknown kind. Document
// is the 1-based position in a multi-document stream (0 for a single one).
type ManifestError struct {
	Document int    // 1-based document number in a multi-document manifest, 0 if single
	Field    string // offending field, e.g. "kind", "metadata.name"
	Reason   string
	Err      error
}

func (e *ManifestError) Error() string {
	var b strings.Builder
	b.WriteString("kube: manifest")
	if e.Document > 0 {
		fmt.Fprintf(&b, " document %d", e.Document)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	fmt.Fprintf(&b, ": %s", e.Reason)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ManifestError) Unwrap() error { return e.Err }

// Is matches ErrKube.
func (e *ManifestError) Is(target error) bool { return target == ErrKube }

// DecodeError reports a response body that is not what the API promises:
// malformed or truncated JSON, or an object of another kind.
type DecodeError struct {
	Path   string // request path the body answered
	Offset int64  // byte offset in the body where decoding failed, -1 if unknown
	Reason string
	Err    error
}

func (e *DecodeError) Error() string {
	s := fmt.Sprintf("kube: decode %s", e.Path)
	if e.Offset >= 0 {
		s += fmt.Sprintf(" at byte %d", e.Offset)
	}
	s += ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is matches ErrKube, and watch.ErrMalformed unless the body was merely
// cut short (a broken connection, which io.ErrUnexpectedEOF marks): the
// watch loop relists after malformed data and resumes after a cut.
func (e *DecodeError) Is(target error) bool {
	switch target {
	case ErrKube:
		return true
	case watch.ErrMalformed:
		return !errors.Is(e.Err, io.ErrUnexpectedEOF)
	}
	return false
}

// Error is a general SDK error: an operation that failed for a reason other
// than those above, e.g. an invalid argument or an invalid selector. Op
// names the operation.
type Error struct {
	Op  string
	Err error
}

func (e *Error) Error() string { return "kube: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is matches ErrKube.
func (e *Error) Is(target error) bool { return target == ErrKube }
