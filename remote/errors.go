package remote

import (
	"errors"
	"fmt"
	"strings"
)

// ErrProxyRejected is matched (errors.Is) by the *ProxyRejectedError of a
// request that kubectl proxy refused.
var ErrProxyRejected = errors.New("remote: rejected by kubectl proxy")

// ErrProtocol is matched by the *StreamError of a stream whose frames broke
// the protocol (unknown channel, malformed status, truncated port header).
var ErrProtocol = errors.New("remote: protocol violation")

// ExitError is the error of a command that ran and exited with a non-zero
// status: the stream itself worked. Match it with errors.As.
type ExitError struct {
	Pod  string // namespace/name of the pod
	Code int    // the command's exit status, > 0
	// Message is the server's description, e.g. "command terminated with
	// non-zero exit code: ...".
	Message string
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("remote: command in pod %s terminated with exit code %d", e.Pod, e.Code)
}

// RemoteError is a failure the server reported on the stream's error
// channel: the command could not start, the container is not running, the
// port could not be reached. It is not a non-zero exit (see ExitError).
type RemoteError struct {
	Op      string // "exec", "attach" or "port-forward"
	Pod     string // namespace/name of the pod
	Reason  string // the Status reason, e.g. "InternalError"; "" for a plain-text error
	Message string // what the server said
}

func (e *RemoteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "remote: %s in pod %s failed", e.Op, e.Pod)
	if e.Reason != "" {
		fmt.Fprintf(&b, " (%s)", e.Reason)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// StreamError is a failure of the stream itself: the connection broke, or
// the server broke the protocol (then it matches ErrProtocol). It also
// wraps ctx.Err() when ctx ended the stream.
type StreamError struct {
	Op  string // "exec", "attach" or "port-forward"
	Pod string // namespace/name of the pod
	Err error
}

func (e *StreamError) Error() string {
	return fmt.Sprintf("remote: %s stream of pod %s: %v", e.Op, e.Pod, e.Err)
}

func (e *StreamError) Unwrap() error { return e.Err }

// ProxyRejectedError is the error of an exec or attach request refused by
// kubectl proxy, which by default rejects the paths of these
// subresources (its --reject-paths). It matches ErrProxyRejected.
type ProxyRejectedError struct {
	Op   string // "exec", "attach" or "port-forward"
	Path string // the refused URL path
}

func (e *ProxyRejectedError) Error() string {
	return fmt.Sprintf("remote: %s: kubectl proxy refused %s: by default it rejects the exec and attach paths "+
		"(--reject-paths='^/api/.*/pods/.*/exec,^/api/.*/pods/.*/attach'); connect to the API server with a kubeconfig "+
		"(kube.NewFromConfig) instead, or restart the proxy with a --reject-paths that does not match this path",
		e.Op, e.Path)
}

// Is matches ErrProxyRejected.
func (e *ProxyRejectedError) Is(target error) bool { return target == ErrProxyRejected }
