package sdk

import (
	"context"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strings"

	"github.com/kube-for-go/kube/watch"
)

// Proxy is low-level access to the API server (the seed's APIServerProxy):
// plain HTTP verbs on API paths with JSON in and decoded JSON out, for
// objects the SDK does not wrap. Errors are *APIError like everywhere else.
type Proxy struct{ c *Client }

// JoinPath joins API path components by the seed's rules: components are
// joined with "/"; the first may itself contain "/" ("api/v1"), later ones
// may not; a single component starting with "/" is an absolute path used
// as is (for example an object's Meta().Link). The result starts with "/".
func JoinPath(parts ...string) (string, error) {
	if len(parts) == 0 {
		return "", &Error{Op: "path", Err: fmt.Errorf("no path components")}
	}
	if len(parts) == 1 && strings.HasPrefix(parts[0], "/") {
		return parts[0], nil
	}
	var b strings.Builder
	for i, p := range parts {
		if p == "" {
			return "", &Error{Op: "path", Err: fmt.Errorf("component %d is empty", i)}
		}
		if i > 0 && strings.Contains(p, "/") {
			return "", &Error{Op: "path", Err: fmt.Errorf("component %d (%q) contains '/'; only the first may", i, p)}
		}
		if p == "." || p == ".." {
			return "", &Error{Op: "path", Err: fmt.Errorf("component %d is %q", i, p)}
		}
		b.WriteByte('/')
		if i == 0 {
			b.WriteString(strings.Trim(p, "/"))
		} else {
			b.WriteString(p)
		}
	}
	return b.String(), nil
}

// Get GETs the path (see JoinPath) with optional query parameters and
// returns the decoded JSON object. Answers that are not JSON objects
// (/healthz, /readyz and /livez say "ok", /metrics is Prometheus text,
// service and pod proxy subpaths answer whatever the backend does) are
// read with GetRaw, Raw or Stream; Get fails on them with a *DecodeError
// that says so.
func (p *Proxy) Get(ctx context.Context, path string, query url.Values) (map[string]any, error) {
	return p.Do(ctx, http.MethodGet, path, query, "", nil)
}

// Post POSTs body (marshalled to JSON; []byte is sent as is) and returns the
// decoded answer.
func (p *Proxy) Post(ctx context.Context, path string, query url.Values, body any) (map[string]any, error) {
	return p.Do(ctx, http.MethodPost, path, query, "", body)
}

// Put PUTs body and returns the decoded answer.
func (p *Proxy) Put(ctx context.Context, path string, query url.Values, body any) (map[string]any, error) {
	return p.Do(ctx, http.MethodPut, path, query, "", body)
}

// Patch PATCHes with the given patch type (the seed used strategic merge;
// StrategicMergePatch, MergePatch, JSONPatch and ApplyPatch all work) and
// returns the object after the patch.
func (p *Proxy) Patch(ctx context.Context, path string, typ PatchType, patch any) (map[string]any, error) {
	if typ == "" {
		typ = StrategicMergePatch
	}
	return p.Do(ctx, http.MethodPatch, path, nil, string(typ), patch)
}

// Delete DELETEs the path with an optional body (e.g. DeleteOptions) and
// returns the decoded answer.
func (p *Proxy) Delete(ctx context.Context, path string, query url.Values, body any) (map[string]any, error) {
	return p.Do(ctx, http.MethodDelete, path, query, "", body)
}

// Do sends one request and decodes a JSON object answer. A nil body sends
// none; contentType "" means application/json. An answer that is not a
// JSON object is a *DecodeError pointing to Raw (see Get).
func (p *Proxy) Do(ctx context.Context, method, path string, query url.Values, contentType string, body any) (map[string]any, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, &Error{Op: method, Err: fmt.Errorf("path %q is not absolute (build it with JoinPath)", path)}
	}
	r := request{method: method, path: path, query: query, contentType: contentType}
	if body != nil {
		data, err := marshalBody(body)
		if err != nil {
			return nil, &Error{Op: method + " " + path, Err: err}
		}
		r.body = data
	}
	data, err := p.c.readBody(ctx, r)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if err := checkObjectJSON(data, p.c.fullPath(path)); err != nil {
		return nil, notJSON(err.(*DecodeError), data)
	}
	if err := unmarshal(data, &out); err != nil {
		return nil, notJSON(decodeError(p.c.fullPath(path), err), data)
	}
	return out, nil
}

// notJSON adds to the error of an answer that is not a JSON object a hint
// to read it raw. The answer itself is not quoted: it may hold anything.
func notJSON(de *DecodeError, data []byte) *DecodeError {
	de.Reason += fmt.Sprintf(" (the answer is %d bytes of something else: read text, metrics and other non-JSON answers with Proxy.GetRaw, Proxy.Raw or Proxy.Stream)", len(data))
	return de
}

// GetRaw GETs the path and returns the answer's body as is, whatever its
// content type: /healthz and /readyz (text), /version, /metrics
// (Prometheus text), /openapi/v3, and the proxy subresources of services,
// pods and nodes. The body is bounded by Options.MaxObjectBytes; read
// longer or endless answers with Stream.
func (p *Proxy) GetRaw(ctx context.Context, path string, query url.Values) ([]byte, error) {
	return p.Raw(ctx, http.MethodGet, path, query, "", nil)
}

// Raw sends one request with an optional body (sent with contentType, ""
// meaning application/json) and returns the answer's body as is. The body
// is bounded by Options.MaxObjectBytes; an error answer is an *APIError as
// for every request.
func (p *Proxy) Raw(ctx context.Context, method, path string, query url.Values, contentType string, body []byte) ([]byte, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, &Error{Op: method, Err: fmt.Errorf("path %q is not absolute (build it with JoinPath)", path)}
	}
	return p.c.readBody(ctx, request{method: method, path: path, query: query, contentType: contentType, body: body, accept: "*/*"})
}

// Stream GETs the path and returns its body as it arrives, for long or
// endless answers (a followed stream through a pod's proxy subresource, a
// large /metrics). The wait for the headers is bounded by
// Options.HeaderTimeout; reads of the body are not bounded in time. The
// caller must close the body; closing it, or ctx ending, ends the request.
func (p *Proxy) Stream(ctx context.Context, path string, query url.Values) (io.ReadCloser, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, &Error{Op: http.MethodGet, Err: fmt.Errorf("path %q is not absolute (build it with JoinPath)", path)}
	}
	resp, err := p.c.do(ctx, request{method: http.MethodGet, path: path, query: query, accept: "*/*", streaming: true})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// Watch watches the collection at path and yields raw events whose objects
// are decoded JSON maps. Field and label selectors go in query
// (fieldSelector, labelSelector): the server filters, unlike the seed's
// client-side filtering. The iterator is single-use; breaking out of the
// loop closes the stream. It resumes after a server-side timeout like any
// watch in this SDK.
func (p *Proxy) Watch(ctx context.Context, path string, query url.Values, opts watch.Options) iter.Seq2[watch.Event[map[string]any], error] {
	return watch.Watch[map[string]any](ctx, rawSource{c: p.c, path: path, query: query}, opts)
}

type rawSource struct {
	c     *Client
	path  string
	query url.Values
}

func (s rawSource) Meta(obj map[string]any) (key, uid, rv string) {
	md, _ := obj["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	ns, _ := md["namespace"].(string)
	uid, _ = md["uid"].(string)
	rv, _ = md["resourceVersion"].(string)
	if ns != "" {
		name = ns + "/" + name
	}
	return name, uid, rv
}

func (s rawSource) ListPage(ctx context.Context, opts watch.ListOptions) (watch.ListPage[map[string]any], error) {
	var page watch.ListPage[map[string]any]
	q := cloneValues(s.query)
	if opts.Limit > 0 {
		q.Set("limit", fmt.Sprint(opts.Limit))
	}
	if opts.Continue != "" {
		q.Set("continue", opts.Continue)
	}
	if opts.ResourceVersion != "" {
		q.Set("resourceVersion", opts.ResourceVersion)
	}
	var list struct {
		Metadata listMeta         `json:"metadata"`
		Items    []map[string]any `json:"items"`
	}
	if err := s.c.getJSON(ctx, s.path, q, &list); err != nil {
		return page, err
	}
	page.Items, page.ResourceVersion, page.Continue = list.Items, list.Metadata.ResourceVersion, list.Metadata.Continue
	return page, nil
}

func (s rawSource) OpenWatch(ctx context.Context, opts watch.WatchOptions) (watch.Stream[map[string]any], error) {
	q := cloneValues(s.query)
	q.Set("watch", "true")
	if opts.ResourceVersion != "" {
		q.Set("resourceVersion", opts.ResourceVersion)
	}
	if opts.AllowBookmarks {
		q.Set("allowWatchBookmarks", "true")
	}
	if opts.TimeoutSeconds > 0 {
		q.Set("timeoutSeconds", fmt.Sprint(opts.TimeoutSeconds))
	}
	resp, err := s.c.do(ctx, request{method: http.MethodGet, path: s.path, query: q, streaming: true})
	if err != nil {
		return nil, err
	}
	return newEventStream(resp.Body, resp.Body, s.c.limits.maxObject, s.path, rawReader(func(raw []byte) (map[string]any, error) {
		m := map[string]any{}
		if err := unmarshal(raw, &m); err != nil {
			return nil, decodeError(s.path, err)
		}
		return m, nil
	})), nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
