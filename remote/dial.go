package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/kube-for-go/kube/sdk"
)

// Subprotocols of the API server's WebSocket streams.
const (
	// ProtocolV5 is the exec and attach protocol with the close signal for
	// standard input (Kubernetes 1.30 and later).
	ProtocolV5 = "v5.channel.k8s.io"
	// ProtocolV4 is the previous exec and attach protocol, whose error
	// channel carries a Status, and the port-forward protocol.
	ProtocolV4 = "v4.channel.k8s.io"
)

// HandshakeTimeout bounds the WebSocket handshake of every stream.
const HandshakeTimeout = 30 * time.Second

// maxMessage bounds one WebSocket message from the server.
const maxMessage = 1 << 20

// target is one pod subresource to open a stream on.
type target struct {
	op     string // exec, attach, port-forward
	pod    string // namespace/name
	client *sdk.Client
	path   string // URL path, as sent
	query  url.Values
}

// podTarget builds the target of subresource sub of the named pod of the
// view, which must be bound to a namespace.
func podTarget[S sdk.WithPod](op string, pods *sdk.PodView[S], name, sub string, q url.Values) (*target, error) {
	if pods == nil || pods.StatusView == nil || pods.View == nil {
		return nil, &sdk.Error{Op: op, Err: errors.New("nil pod view")}
	}
	if err := pods.Err(); err != nil {
		return nil, err
	}
	ns, bound := pods.Namespace()
	if !bound {
		return nil, &sdk.NamespaceError{Kind: pods.Kind().Kind, Reason: "the pod view is global: bind it with In(namespace)"}
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/%") {
		return nil, &sdk.Error{Op: op, Err: fmt.Errorf("invalid pod name %q", name)}
	}
	c := pods.Client()
	k := pods.Kind()
	// Pods are served by the core API only (APIPaths[0] is "api/v1").
	root := "/api/v1"
	if len(k.APIPaths) > 0 {
		root = "/" + strings.Trim(k.APIPaths[0], "/")
	}
	base, err := url.Parse(c.URL())
	if err != nil {
		return nil, &sdk.Error{Op: op, Err: err}
	}
	p := strings.TrimSuffix(base.Path, "/") + root + "/namespaces/" + ns + "/" + k.Resource + "/" + name + "/" + sub
	return &target{op: op, pod: ns + "/" + name, client: c, path: p, query: q}, nil
}

func (t *target) url() string {
	u, _ := url.Parse(t.client.URL())
	u.Path = t.path
	u.RawQuery = t.query.Encode()
	return u.String()
}

// dial opens the WebSocket with one of protocols. The connection outlives
// ctx, which bounds the handshake only (with HandshakeTimeout); the
// returned cancel func releases it.
func (t *target) dial(ctx context.Context, protocols []string) (*websocket.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, &StreamError{Op: t.op, Pod: t.pod, Err: err}
	}
	// The handshake's context must not end the upgraded connection.
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), HandshakeTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	hdr := http.Header{}
	hdr.Set("User-Agent", t.client.UserAgent())
	conn, resp, err := websocket.Dial(hctx, t.url(), &websocket.DialOptions{
		HTTPClient:   t.client.HTTPClient(),
		HTTPHeader:   hdr,
		Subprotocols: protocols,
	})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, t.refused(resp)
		}
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
		} else if hctx.Err() != nil {
			err = fmt.Errorf("WebSocket handshake took more than %v: %w", HandshakeTimeout, context.DeadlineExceeded)
		} else {
			var ue *url.Error
			if errors.As(err, &ue) {
				// Not the URL: its query holds the command line.
				err = fmt.Errorf("connect: %w", ue.Err)
			}
		}
		return nil, &StreamError{Op: t.op, Pod: t.pod, Err: err}
	}
	if conn.Subprotocol() == "" || !contains(protocols, conn.Subprotocol()) {
		conn.CloseNow()
		return nil, &StreamError{Op: t.op, Pod: t.pod, Err: fmt.Errorf("%w: the server chose no subprotocol of %v", ErrProtocol, protocols)}
	}
	conn.SetReadLimit(maxMessage)
	return conn, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// refused turns a handshake answered with something other than 101 into
// an *sdk.APIError, or a *ProxyRejectedError for kubectl proxy's refusal.
func (t *target) refused(resp *http.Response) error {
	var data []byte
	if resp.Body != nil {
		data, _ = io.ReadAll(io.LimitReader(resp.Body, 1024))
	}
	e := &sdk.APIError{Method: http.MethodGet, Path: t.path, Code: resp.StatusCode}
	var st struct {
		Kind    string             `json:"kind"`
		Reason  string             `json:"reason"`
		Message string             `json:"message"`
		Details *sdk.StatusDetails `json:"details"`
	}
	if json.Unmarshal(data, &st) == nil && st.Kind == "Status" {
		e.Reason, e.Message, e.Details = st.Reason, clip(st.Message, 1024), st.Details
		return e
	}
	text := strings.TrimSpace(string(data))
	if resp.StatusCode == http.StatusForbidden && strings.EqualFold(text, "forbidden") {
		// Not the API server (its 403 is a Status): kubectl proxy's filter.
		return &ProxyRejectedError{Op: t.op, Path: t.path}
	}
	e.Message = clip(strings.Join(strings.Fields(text), " "), 200)
	return e
}
