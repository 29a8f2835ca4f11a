package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kube-for-go/kube/transport"
)

// DefaultPageSize is the number of objects a view asks for per list page.
const DefaultPageSize = 500

// Options configure a Client. The zero value connects to kubectl proxy at
// transport.DefaultProxyURL.
type Options struct {
	// URL of the API server or of kubectl proxy; empty means
	// transport.DefaultProxyURL. A path ("http://host/prefix") is kept in
	// front of every request's path, except a final "/api", which the seed
	// library's URLs ("http://localhost:8080/api") end with and which names
	// the core API root, not a prefix.
	URL string
	// Transport carries the requests; nil means a clone of
	// http.DefaultTransport. The transport package builds transports for
	// kubeconfig, in-cluster and other configurations
	// (transport.Config.RoundTripper; kube.NewFromConfig wires both).
	Transport http.RoundTripper
	// DisableCompression stops the default transport (the clone of
	// http.DefaultTransport made when Transport is nil) from asking for
	// gzip-compressed responses. The API server compresses large answers,
	// such as list pages, when asked; inflating them costs the client CPU
	// time, so turning compression off can be faster where the link is fast
	// and the server has CPU to spare (loopback, kubectl proxy on the same
	// host), and is slower where bandwidth is scarce; measure (bench/
	// reports both ways). It is client-go's
	// rest.Config.DisableCompression. It does not change a Transport passed
	// in, which is the caller's: set transport.Config.DisableCompression, or
	// http.Transport.DisableCompression, there instead.
	DisableCompression bool
	// PageSize is the default list page size of views; 0 means DefaultPageSize.
	PageSize int
	// UserAgent is sent with every request that has none; empty means the
	// transport package's DefaultUserAgent.
	UserAgent string
	// HeaderTimeout bounds the wait for the response headers of every
	// request, watches and log streams included; 0 means
	// DefaultHeaderTimeout and a negative value no bound. A request that
	// exceeds it is abandoned with a *TimeoutError (ErrTimeout).
	HeaderTimeout time.Duration
	// BodyTimeout bounds the wait for the next bytes of a response body
	// (not of a watch or a followed log, which may be idle); 0 means
	// DefaultBodyTimeout and a negative value no bound.
	BodyTimeout time.Duration
	// MaxObjectBytes bounds the size of one object in a list or watch, and
	// of a whole answer otherwise; 0 means DefaultMaxObjectBytes. A larger
	// answer is an error matching ErrTooLarge.
	MaxObjectBytes int64
}

// Client is a connection to one Kubernetes API server: the kind-agnostic
// core under every view and item. It is safe for concurrent use. The root
// package's Cluster embeds it and adds the typed views of the built-in kinds.
type Client struct {
	base      *url.URL
	http      *http.Client
	own       bool // whether Close should close idle connections of http.Transport
	pageSize  int
	userAgent string
	limits    limits

	mu    sync.Mutex
	paths map[*KindInfo]string // discovered API base path per kind

	// discovery holds the client's *Discovery, made on first use by
	// Client.Discovery (an atomic.Value, so programs that never use
	// discovery do not link it).
	discovery atomic.Value
}

// New returns a Client for opts. It makes no request.
func New(opts Options) (*Client, error) {
	raw := opts.URL
	if raw == "" {
		raw = transport.DefaultProxyURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &Error{Op: "new client", Err: fmt.Errorf("invalid URL: %w", err)}
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, &Error{Op: "new client", Err: fmt.Errorf("invalid URL %q: want http(s)://host[:port][/path]", u.Redacted())}
	}
	if u.User != nil {
		return nil, &Error{Op: "new client", Err: fmt.Errorf("URL %q carries credentials; configure them through the transport instead", u.Redacted())}
	}
	// The seed's form names the core API root ("http://host:8080/api"):
	// the client's base is the server, so that root is dropped.
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api") + "/"
	u.RawQuery, u.Fragment = "", ""
	rt := opts.Transport
	own := false
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = opts.DisableCompression
		rt, own = t, true
	}
	c := &Client{
		base:      u,
		http:      &http.Client{Transport: rt, CheckRedirect: sameOriginRedirects(u)},
		own:       own,
		pageSize:  opts.PageSize,
		userAgent: opts.UserAgent,
		limits:    newLimits(opts),
		paths:     map[*KindInfo]string{},
	}
	if c.pageSize <= 0 {
		c.pageSize = DefaultPageSize
	}
	if c.userAgent == "" {
		c.userAgent = transport.DefaultUserAgent()
	}
	return c, nil
}

// URL returns the base URL the client talks to.
func (c *Client) URL() string { return c.base.String() }

// HTTPClient returns a copy of the HTTP client the requests go through
// (its transport carries the configured authentication, TLS, proxy and
// impersonation), for protocols the client does not speak itself, such as
// the WebSocket streams of package remote. Requests sent with it get no
// User-Agent, timeouts or error decoding from the Client.
func (c *Client) HTTPClient() *http.Client {
	cp := *c.http
	return &cp
}

// UserAgent returns the User-Agent the client sends.
func (c *Client) UserAgent() string { return c.userAgent }

// Close releases idle connections. Requests made after Close still work but
// open new connections.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	return nil
}

// Proxy returns low-level access to the API server (the seed's
// APIServerProxy), for objects the SDK does not wrap.
func (c *Client) Proxy() *Proxy { return &Proxy{c: c} }

// request is one HTTP exchange with the API server.
type request struct {
	method      string
	path        string // absolute URL path below the base, starting with "/"
	query       url.Values
	body        []byte
	contentType string
	accept      string
	streaming   bool
}

// resolve turns an API path ("/api/v1/pods") into a full URL.
func (c *Client) resolve(path string, query url.Values) string {
	u := *c.base
	u.Path = c.base.Path + strings.TrimPrefix(path, "/")
	u.RawQuery = query.Encode()
	return u.String()
}

// do sends r and returns the response if its status is 2xx; otherwise it
// reads the body into an *APIError. The wait for the headers is bounded by
// the client's header timeout; the returned body is bounded by its body
// timeout (unless r is a stream) and, with limit, by MaxObjectBytes.
// Closing the body releases the request.
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	return c.doLimited(ctx, r, false)
}

func (c *Client) doLimited(ctx context.Context, r request, limit bool) (*http.Response, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	if r.streaming {
		ctx = streamingContext(ctx)
	}
	g := newGuard(ctx)
	req, err := http.NewRequestWithContext(g.ctx, r.method, c.resolve(r.path, r.query), body)
	if err != nil {
		g.cancel(nil)
		return nil, &APIError{Method: r.method, Path: c.fullPath(r.path), Err: err}
	}
	if r.body != nil {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.userAgent)
	g.arm(c.limits.header, "headers")
	resp, err := c.http.Do(req)
	g.disarm()
	if err != nil {
		if te := g.cause(); te != nil {
			err = te
		} else {
			err = scrubURLError(err)
		}
		g.cancel(nil)
		return nil, &APIError{Method: r.method, Path: c.fullPath(r.path), Err: err}
	}
	gb := &guardedBody{rc: resp.Body, g: g, limit: -1}
	if !r.streaming {
		gb.idle = c.limits.body
	}
	if limit {
		gb.limit = c.limits.maxObject
	}
	resp.Body = gb
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, errorFromResponse(r.method, c.fullPath(r.path), resp)
}

// fullPath is the URL path of an API path as sent, with the base URL's
// own path (a prefix such as /k8s) in front, for errors.
func (c *Client) fullPath(path string) string {
	return c.base.Path + strings.TrimPrefix(path, "/")
}

// sameOriginRedirects is the redirect policy of every client: a redirect
// is followed only within the API server's origin (scheme, host and port),
// so neither a credential nor a request body (a Secret's data) ever goes
// to another host; a redirect elsewhere is returned as the answer, an
// *APIError with its 3xx code.
func sameOriginRedirects(base *url.URL) func(*http.Request, []*http.Request) error {
	origin := base.Scheme + "://" + base.Host
	return func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme+"://"+req.URL.Host != origin {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// scrubURLError drops the URL from a *url.Error: the path is reported
// separately and the URL could carry a host the user did not expect in logs.
func scrubURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// statusObject is the wire form of a Kubernetes Status.
type statusObject struct {
	Kind    string         `json:"kind"`
	Status  string         `json:"status"`
	Message string         `json:"message"`
	Reason  string         `json:"reason"`
	Code    int            `json:"code"`
	Details *StatusDetails `json:"details"`
}

const maxErrorBody = 64 << 10

func errorFromResponse(method, path string, resp *http.Response) *APIError {
	e := &APIError{Method: method, Path: path, Code: resp.StatusCode}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		e.Message = "redirect not followed: the client follows redirects only within the API server's origin"
		return e
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		e.Err = fmt.Errorf("read error body: %w", err)
	}
	var st statusObject
	if err := unmarshal(data, &st); err == nil && st.Kind == "Status" {
		e.Reason, e.Message, e.Details = st.Reason, st.Message, st.Details
		if st.Details != nil && st.Details.RetryAfterSeconds > 0 {
			e.RetryDelay = time.Duration(st.Details.RetryAfterSeconds) * time.Second
		}
	} else {
		e.Message = plainMessage(data)
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			e.RetryDelay = time.Duration(n) * time.Second
		}
	}
	return e
}

// plainMessage turns a body that is not a Status (an HTML error page of a
// proxy, plain text) into a one-line message of at most 200 bytes: an HTML
// page by its title, anything else with its white space collapsed.
func plainMessage(data []byte) string {
	text := strings.TrimSpace(string(data))
	if strings.HasPrefix(text, "<") {
		lower := strings.ToLower(text)
		if i := strings.Index(lower, "<title>"); i >= 0 {
			if j := strings.Index(lower[i:], "</title>"); j > 0 {
				return "HTML page: " + strings.Join(strings.Fields(text[i+len("<title>"):i+j]), " ")
			}
		}
		return fmt.Sprintf("HTML page of %d bytes", len(data))
	}
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > 200 {
		text = strings.ToValidUTF8(text[:200], "") + "..."
	}
	return text
}

// getJSON GETs path and decodes the JSON answer into out.
func (c *Client) getJSON(ctx context.Context, path string, query url.Values, out any) error {
	return c.roundTripJSON(ctx, request{method: http.MethodGet, path: path, query: query}, out)
}

// roundTripJSON sends r and decodes the JSON answer into out (if not nil).
func (c *Client) roundTripJSON(ctx context.Context, r request, out any) error {
	data, err := c.readBody(ctx, r)
	if err != nil || out == nil {
		return err
	}
	if err := checkObjectJSON(data, c.fullPath(r.path)); err != nil {
		return err
	}
	if err := unmarshal(data, out); err != nil {
		return decodeError(c.fullPath(r.path), err)
	}
	return nil
}

// readBody sends r and returns the whole answer body.
func (c *Client) readBody(ctx context.Context, r request) ([]byte, error) {
	resp, err := c.doLimited(ctx, r, true)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &APIError{Method: r.method, Path: c.fullPath(r.path), Code: resp.StatusCode, Err: fmt.Errorf("read body: %w", err)}
	}
	return data, nil
}

// apiResourceList is the discovery document of one group version.
type apiResourceList struct {
	Resources []struct {
		Name       string `json:"name"`
		Namespaced bool   `json:"namespaced"`
		Kind       string `json:"kind"`
	} `json:"resources"`
}

// apiPath returns the newest of k's API base paths that the server serves,
// discovering it on first use and caching it for the client's lifetime.
func (c *Client) apiPath(ctx context.Context, k *KindInfo) (string, error) {
	if err := k.Validate(); err != nil {
		return "", err
	}
	if len(k.APIPaths) == 1 {
		return "/" + strings.Trim(k.APIPaths[0], "/"), nil
	}
	c.mu.Lock()
	p, ok := c.paths[k]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	if d, ok := c.discovery.Load().(interface {
		knownPath(*KindInfo) (string, bool)
	}); ok {
		// The client has read discovery: no need to probe each path.
		if p, ok := d.knownPath(k); ok {
			c.mu.Lock()
			c.paths[k] = p
			c.mu.Unlock()
			return p, nil
		}
	}
	var firstErr error
	for _, cand := range k.APIPaths {
		cand = "/" + strings.Trim(cand, "/")
		var list apiResourceList
		err := c.getJSON(ctx, cand, nil, &list)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			if isNotFound(err) {
				continue
			}
			return "", err
		}
		for _, r := range list.Resources {
			if r.Name == k.Resource {
				c.mu.Lock()
				c.paths[k] = cand
				c.mu.Unlock()
				return cand, nil
			}
		}
	}
	return "", &Error{Op: "discover " + k.String(), Err: fmt.Errorf("the server serves %s under none of %v (first error: %v)", k.Resource, k.APIPaths, firstErr)}
}

func isNotFound(err error) bool {
	ae, ok := err.(*APIError)
	return ok && ae.Code == http.StatusNotFound
}

// collectionPath is the URL path of k's collection in namespace ns ("" for
// all namespaces or a cluster-scoped kind).
func (c *Client) collectionPath(ctx context.Context, k *KindInfo, ns string) (string, error) {
	base, err := c.apiPath(ctx, k)
	if err != nil {
		return "", err
	}
	if ns != "" {
		return base + "/namespaces/" + ns + "/" + k.Resource, nil
	}
	return base + "/" + k.Resource, nil
}

// objectPath is the URL path of the named object, plus an optional subresource.
func (c *Client) objectPath(ctx context.Context, k *KindInfo, ns, name string, sub ...string) (string, error) {
	if err := validateName(k, name); err != nil {
		return "", err
	}
	p, err := c.collectionPath(ctx, k, ns)
	if err != nil {
		return "", err
	}
	p += "/" + name
	for _, s := range sub {
		p += "/" + s
	}
	return p, nil
}

// validateName rejects names that cannot be a path segment of an object.
func validateName(k *KindInfo, name string) error {
	switch {
	case name == "":
		return &Error{Op: k.Kind, Err: fmt.Errorf("empty name")}
	case len(name) > 253:
		return &Error{Op: k.Kind, Err: fmt.Errorf("invalid name: longer than 253 characters")}
	case !validObjectName(name):
		return &Error{Op: k.Kind, Err: fmt.Errorf("invalid name %q: may not be \".\" or \"..\" or contain '/' or '%%'", name)}
	}
	return nil
}

// validObjectName reports whether name can be the last segment of an
// object's path: the API server's own rule for every kind.
func validObjectName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/%") && len(name) <= 253
}

// validNamespace reports whether ns is a DNS-1123 label, as every
// namespace name is.
func validNamespace(ns string) bool {
	if ns == "" || len(ns) > 63 {
		return false
	}
	for i := 0; i < len(ns); i++ {
		c := ns[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (c != '-' || i == 0 || i == len(ns)-1) {
			return false
		}
	}
	return true
}

// cachedPath returns k's API base path if it is known without a request.
func (c *Client) cachedPath(k *KindInfo) (string, bool) {
	if len(k.APIPaths) == 1 {
		return "/" + strings.Trim(k.APIPaths[0], "/"), true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.paths[k]
	return p, ok
}
