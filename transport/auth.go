package transport

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// tokenFileRefresh is how often a bearer token file is re-read.
const tokenFileRefresh = time.Minute

// authorizer supplies the Authorization header of the authentication layer.
type authorizer interface {
	// header returns the header value ("" for none) and a handle to the
	// credential it came from.
	header(ctx context.Context) (value string, used any, err error)
	// renew is called after the server rejected the credential used with
	// 401. It returns the header to use now and whether it differs.
	renew(ctx context.Context, used any) (value string, changed bool, err error)
}

// staticAuth is a fixed bearer token or basic authentication.
type staticAuth struct{ value Secret }

func (a staticAuth) header(context.Context) (string, any, error) { return a.value.Reveal(), nil, nil }
func (a staticAuth) renew(context.Context, any) (string, bool, error) {
	return a.value.Reveal(), false, nil
}

func basicAuth(user string, password Secret) staticAuth {
	return staticAuth{NewSecret("Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password.Reveal())))}
}

// tokenFileAuth reads a bearer token from a file, again every
// tokenFileRefresh and after a 401, keeping the last good token when a
// re-read fails.
type tokenFileAuth struct {
	path   string
	logger *slog.Logger // warnings; never nil

	mu     sync.Mutex
	token  string
	readAt time.Time
}

func (a *tokenFileAuth) readLocked() error {
	b, err := readFile(a.path)
	if err == nil && len(strings.TrimSpace(string(b))) == 0 {
		err = fmt.Errorf("token file %s is empty", a.path)
	}
	a.readAt = time.Now()
	if err != nil {
		if a.token == "" {
			return &ConfigError{File: a.path, Field: "BearerTokenFile", Err: err}
		}
		a.logger.Warn("transport: cannot re-read bearer token file; keeping the previous token", "file", a.path, "error", err)
		return nil
	}
	a.token = strings.TrimSpace(string(b))
	return nil
}

func (a *tokenFileAuth) header(context.Context) (string, any, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token == "" || time.Since(a.readAt) >= tokenFileRefresh {
		if err := a.readLocked(); err != nil {
			return "", nil, err
		}
	}
	return "Bearer " + a.token, a.token, nil
}

func (a *tokenFileAuth) renew(_ context.Context, used any) (string, bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.readLocked(); err != nil {
		return "", false, err
	}
	return "Bearer " + a.token, a.token != used, nil
}

// execAuth takes the bearer token from an exec plugin.
type execAuth struct{ p *execProvider }

func bearer(c *execCred) string {
	if c.token == "" {
		return ""
	}
	return "Bearer " + c.token
}

func (a execAuth) header(ctx context.Context) (string, any, error) {
	c, err := a.p.get(ctx)
	if err != nil {
		return "", nil, err
	}
	return bearer(c), c, nil
}

func (a execAuth) renew(ctx context.Context, used any) (string, bool, error) {
	old, _ := used.(*execCred)
	c, err := a.p.refresh(ctx, old)
	if err != nil {
		return "", false, err
	}
	return bearer(c), old == nil || c.token != old.token, nil
}

// authRT adds the Authorization header to requests for the configured
// server's origin, and only to those: a redirect to another host, followed
// by any http.Client, never carries the credential. A request that already
// has an Authorization header is passed through unchanged. After a 401 it
// renews the credential and, when it changed and the body can be replayed,
// sends the request once more.
type authRT struct {
	next   http.RoundTripper
	origin string
	auth   authorizer
}

func (t *authRT) RoundTrip(req *http.Request) (*http.Response, error) {
	if originOf(req.URL) != t.origin || req.Header.Get("Authorization") != "" {
		return t.next.RoundTrip(req)
	}
	ctx := req.Context()
	value, used, err := t.auth.header(ctx)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.next.RoundTrip(withAuthorization(req, value, false))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	value2, changed, rerr := t.auth.renew(ctx, used)
	if rerr != nil || !changed || !replayable(req) {
		// The renewed credential, if any, serves the next request.
		return resp, nil
	}
	retry, err := rewind(req)
	if err != nil {
		return resp, nil
	}
	discard(resp)
	return t.next.RoundTrip(withAuthorization(retry, value2, true))
}

// withAuthorization returns req with the header set, cloning unless owned.
func withAuthorization(req *http.Request, value string, owned bool) *http.Request {
	if value == "" {
		return req
	}
	if !owned {
		req = req.Clone(req.Context())
	}
	req.Header.Set("Authorization", value)
	return req
}

// replayable reports whether req can be sent again.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// rewind returns a clone of req with a fresh body.
func rewind(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.Body == nil || req.Body == http.NoBody {
		return r, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r.Body = body
	return r, nil
}

// closeBody closes the request body, as a RoundTripper must even when it
// fails before sending.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// discard drains a little of a response body, so the connection can be
// reused, and closes it.
func discard(resp *http.Response) {
	io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
}
