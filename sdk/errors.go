package sdk

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
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
	StatusCode int            // HTTP status code; 0 when no answer was received
	Reason     string         // Status.reason, e.g. "NotFound", "Conflict", "Expired"
	Message    string         // Status.message from the server
	Details    *StatusDetails // Status.details, when the server sent them
	RetryAfter time.Duration  // from Retry-After or details.retryAfterSeconds
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
	if e.StatusCode == 0 {
		if e.Err != nil {
			fmt.Fprintf(&b, ": %v", e.Err)
		}
		return b.String()
	}
	fmt.Fprintf(&b, ": %d", e.StatusCode)
	if e.Reason != "" {
		fmt.Fprintf(&b, " %s", e.Reason)
	} else if t := http.StatusText(e.StatusCode); t != "" {
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
	if e.StatusCode == 0 {
		return false
	}
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrAlreadyExists:
		return e.StatusCode == http.StatusConflict && e.Reason == "AlreadyExists"
	case ErrConflict:
		return e.StatusCode == http.StatusConflict && e.Reason != "AlreadyExists"
	case ErrGone:
		return e.StatusCode == http.StatusGone || e.Reason == "Expired" || e.Reason == "Gone"
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrTooManyRequests:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServerTimeout:
		return e.StatusCode == http.StatusGatewayTimeout || e.Reason == "ServerTimeout" || e.Reason == "Timeout"
	case ErrInvalid:
		return e.StatusCode == http.StatusUnprocessableEntity
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrMethodNotAllowed:
		return e.StatusCode == http.StatusMethodNotAllowed
	case ErrInternal:
		return e.StatusCode == http.StatusInternalServerError
	case ErrUnavailable:
		return e.StatusCode == http.StatusServiceUnavailable
	}
	return false
}

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

// Is matches ErrKube.
func (e *DecodeError) Is(target error) bool { return target == ErrKube }

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
