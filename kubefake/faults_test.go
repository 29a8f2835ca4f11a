package kubefake_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kubefake"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
)

func TestFail(t *testing.T) {
	tests := []struct {
		reason     string
		match      kubefake.Match
		n, status  int
		retryAfter time.Duration
		wantReason string
		wantHeader string
	}{
		{"a list of configmaps fails twice with 503 and Retry-After", kubefake.Match{Verb: "list", Resource: "configmaps"}, 2, 503, 1500 * time.Millisecond, "ServiceUnavailable", "2"},
		{"any request to a path prefix gets 429", kubefake.Match{Path: "/api/v1/namespaces/default/*"}, 2, 429, time.Second, "TooManyRequests", "1"},
		{"500 without Retry-After", kubefake.Match{Verb: "list"}, 2, 500, 0, "InternalError", ""},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			srv := kubefake.MustNew(t, kubefake.Options{})
			srv.Fail(tt.match, tt.n, tt.status, tt.retryAfter)
			for i := range tt.n {
				code, o, h := doH(t, srv, "GET", "/api/v1/namespaces/default/configmaps", "", "")
				assert.Equal(t, tt.status, code, "request %d", i)
				assert.Equal(t, tt.wantReason, o["reason"])
				assert.Equal(t, tt.wantHeader, h.Get("Retry-After"))
			}
			code, _, _ := doH(t, srv, "GET", "/api/v1/namespaces/default/configmaps", "", "")
			assert.Equal(t, 200, code, "the fault is used up")
			reqs := srv.Requests()
			require.Len(t, reqs, tt.n+1)
			assert.NotEmpty(t, reqs[0].Fault)
			assert.Empty(t, reqs[tt.n].Fault)
			assert.Equal(t, "list", reqs[0].Verb)
		})
	}
}

func TestFailDoesNotMatchOtherRequests(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	srv.Fail(kubefake.Match{Verb: "create", Resource: "secrets"}, 1, 500)
	code, _ := do(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", cm)
	assert.Equal(t, 201, code, "another resource")
	code, _ = do(t, srv, "GET", "/api/v1/namespaces/default/secrets", "", "")
	assert.Equal(t, 200, code, "another verb")
	code, _ = do(t, srv, "POST", "/api/v1/namespaces/default/secrets", "application/json", `{"metadata":{"name":"s"}}`)
	assert.Equal(t, 500, code)
}

// The SDK sees an injected 409 as a conflict and RetryOnConflict retries.
func TestFailWithSDKErrors(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	c := srv.Client()
	srv.Fail(kubefake.Match{Verb: "get", Resource: "pods"}, 1, 429, 3*time.Second)
	_, err := c.Pods.In("default").Get(t.Context(), "x")
	var ae *sdk.APIError
	require.True(t, errors.As(err, &ae), "%v", err)
	assert.Equal(t, 429, ae.Code)
	assert.Equal(t, 3*time.Second, ae.RetryAfter())
	_, err = c.Pods.In("default").Get(t.Context(), "x")
	assert.True(t, errors.Is(err, sdk.ErrNotFound), "%v", err)
}

// In-process mode inside a synctest bubble: a scripted delay takes fake
// time, and a stalled request ends with the caller's context.
func TestDelayAndStallInSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := kubefake.MustNew(t, kubefake.Options{InProcess: true})
		hc := &http.Client{Transport: srv.RoundTripper()}
		srv.Delay(kubefake.Match{Verb: "list"}, 1, 5*time.Second)
		start := time.Now()
		resp, err := hc.Get(srv.URL() + "/api/v1/namespaces/default/configmaps")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, 5*time.Second, time.Since(start), "fake time advanced by the delay exactly")

		srv.StallHeaders(kubefake.Match{Verb: "get"}, 1)
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		start = time.Now()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+"/api/v1/namespaces/default", nil)
		_, err = hc.Do(req)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 30*time.Second, time.Since(start))

		srv.StallBody(kubefake.Match{Verb: "get"}, 1)
		ctx2, cancel2 := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel2()
		req, _ = http.NewRequestWithContext(ctx2, "GET", srv.URL()+"/api/v1/namespaces/default", nil)
		resp, err = hc.Do(req)
		require.NoError(t, err, "headers arrive")
		assert.Equal(t, 200, resp.StatusCode)
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Error(t, err, "the body stalls until the context ends")
		assert.True(t, len(data) > 0 && !json.Valid(data), "half a body: %q", data)
	})
}

// The SDK's header timeout ends a stalled request against the socket
// server; Close does not hang on it.
func TestStallHeadersWithSDKTimeout(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	srv.StallHeaders(kubefake.Match{}, 0)
	c, err := sdk.New(sdk.Options{URL: srv.URL(), HeaderTimeout: 200 * time.Millisecond})
	require.NoError(t, err)
	_, err = sdk.NewView(c, podKind()).In("default").Get(t.Context(), "x")
	assert.True(t, errors.Is(err, sdk.ErrTimeout), "%v", err)
	srv.ClearFaults()
	srv.Close()
}

// watchLines opens a raw watch and returns its decoded events as they come.
func watchLines(t *testing.T, srv *kubefake.Server, ctx context.Context, path string) <-chan map[string]any {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL()+path, nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: srv.RoundTripper()}).Do(req)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	ch := make(chan map[string]any, 100)
	go func() {
		defer resp.Body.Close()
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			var ev map[string]any
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				ch <- map[string]any{"type": "GARBLED", "raw": sc.Text()}
				continue
			}
			ch <- ev
		}
	}()
	return ch
}

func next(t *testing.T, ch <-chan map[string]any) (string, string) {
	t.Helper()
	return nextWithin(t, ch, 10*time.Second)
}

// nextWithin is next with a bound on the wait (fake time in a bubble).
func nextWithin(t *testing.T, ch <-chan map[string]any, d time.Duration) (string, string) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			return "CLOSED", ""
		}
		name, _ := dig(ev["object"], "metadata.name").(string)
		if ev["type"] == "ERROR" {
			return "ERROR", strings.TrimSpace(strings.Join([]string{toString(dig(ev["object"], "code")), toString(dig(ev["object"], "reason"))}, " "))
		}
		return ev["type"].(string), name
	case <-time.After(d):
		t.Fatalf("no watch event within %v", d)
	}
	return "", ""
}

func toString(v any) string { b, _ := json.Marshal(v); return strings.Trim(string(b), `"`) }

func TestWatchFaults(t *testing.T) {
	tests := []struct {
		reason string
		script func(*kubefake.Server)
		want   [][2]string
	}{
		{"cut after one event", func(s *kubefake.Server) { s.CutWatch(kubefake.Match{Verb: "watch"}, 1, 1) },
			[][2]string{{"ADDED", "a"}, {"CLOSED", ""}}},
		{"truncated after one event", func(s *kubefake.Server) { s.TruncateWatch(kubefake.Match{Resource: "configmaps"}, 1, 1) },
			[][2]string{{"ADDED", "a"}, {"GARBLED", ""}, {"CLOSED", ""}}},
		{"410 in the stream after one event", func(s *kubefake.Server) { s.ExpireWatch(kubefake.Match{}, 1, 1) },
			[][2]string{{"ADDED", "a"}, {"ERROR", "410 Expired"}, {"CLOSED", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			srv := kubefake.MustNew(t, kubefake.Options{})
			tt.script(srv)
			ch := watchLines(t, srv, t.Context(), "/api/v1/namespaces/default/configmaps?watch=true")
			do(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"metadata":{"name":"a"}}`)
			do(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"metadata":{"name":"b"}}`)
			for _, w := range tt.want {
				typ, name := next(t, ch)
				assert.Equal(t, w[0], typ)
				if w[0] != "GARBLED" {
					assert.Equal(t, w[1], name)
				}
			}
		})
	}
}

func TestDropAndExpireOpenWatches(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	a := watchLines(t, srv, t.Context(), "/api/v1/namespaces/default/configmaps?watch=true")
	b := watchLines(t, srv, t.Context(), "/api/v1/namespaces/default/secrets?watch=true")
	require.Eventually(t, func() bool { return srv.Watches() == 2 }, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, 1, srv.DropWatches(kubefake.Match{Resource: "configmaps"}, false))
	typ, _ := next(t, a)
	assert.Equal(t, "CLOSED", typ)
	assert.Equal(t, 1, srv.ExpireWatches(kubefake.Match{}))
	typ, reason := next(t, b)
	assert.Equal(t, "ERROR", typ)
	assert.Equal(t, "410 Expired", reason)
}

func TestCompactAnswers410(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	for _, n := range []string{"a", "b", "c"} {
		do(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"metadata":{"name":"`+n+`"}}`)
	}
	code, page := do(t, srv, "GET", "/api/v1/namespaces/default/configmaps?limit=1", "", "")
	require.Equal(t, 200, code)
	cont := dig(page, "metadata.continue").(string)
	rv := dig(page, "metadata.resourceVersion").(string)
	do(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"metadata":{"name":"d"}}`)
	code, page2 := do(t, srv, "GET", "/api/v1/namespaces/default/configmaps?limit=10&continue="+cont, "", "")
	require.Equal(t, 200, code)
	assert.Equal(t, []string{"b", "c"}, itemNames(page2), "a consistent snapshot: d came later")
	srv.Compact()
	code, o := do(t, srv, "GET", "/api/v1/namespaces/default/configmaps?limit=10&continue="+cont, "", "")
	assert.Equal(t, 410, code)
	assert.Equal(t, "Expired", o["reason"])
	ch := watchLines(t, srv, t.Context(), "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion="+rv)
	typ, reason := next(t, ch)
	assert.Equal(t, "ERROR", typ)
	assert.Equal(t, "410 Expired", reason)
}

func TestHistoryWindow(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{History: 2})
	rv := srv.ResourceVersion()
	for _, n := range []string{"a", "b", "c"} {
		do(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"metadata":{"name":"`+n+`"}}`)
	}
	typ, _ := next(t, watchLines(t, srv, t.Context(), "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion="+rv))
	assert.Equal(t, "ERROR", typ, "three changes do not fit a history of two")
}

func TestWatchWithSDK(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	c := srv.Client()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	pods := sdk.NewView(c.Client, podKind()).In("default")
	events := make(chan string, 10)
	go func() {
		for ev, err := range pods.Watch(ctx, watch.Options{InitialList: true}) {
			if err != nil {
				events <- "error: " + err.Error()
				return
			}
			events <- string(ev.Type) + " " + ev.Object.Name()
		}
	}()
	require.NoError(t, srv.Add("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p1\nspec:\n  containers:\n  - name: c\n    image: x\n"))
	assert.Equal(t, "ADDED p1", <-events)
	srv.DropWatches(kubefake.Match{}, true) // the SDK's loop resumes
	_, err := pods.Patch(ctx, "p1", sdk.MergePatch, map[string]any{"metadata": map[string]any{"labels": map[string]any{"a": "b"}}}, sdk.PatchOptions{})
	require.NoError(t, err)
	assert.Equal(t, "MODIFIED p1", <-events)
}

func TestBookmark(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	ch := watchLines(t, srv, t.Context(), "/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true")
	require.Eventually(t, func() bool { return srv.Watches() == 1 }, 10*time.Second, 5*time.Millisecond)
	srv.Bookmark()
	typ, _ := next(t, ch)
	assert.Equal(t, "BOOKMARK", typ)
}

func TestCloseEndsWatches(t *testing.T) {
	srv, err := kubefake.New(kubefake.Options{})
	require.NoError(t, err)
	ch := watchLines(t, srv, context.Background(), "/api/v1/namespaces/default/configmaps?watch=true")
	require.Eventually(t, func() bool { return srv.Watches() == 1 }, 10*time.Second, 5*time.Millisecond)
	srv.Close()
	typ, _ := next(t, ch)
	assert.Equal(t, "CLOSED", typ)
}

// Bookmarks at Options.BookmarkInterval and the watch's timeoutSeconds run
// on fake time in a synctest bubble.
func TestBookmarkIntervalAndTimeoutInSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := kubefake.MustNew(t, kubefake.Options{InProcess: true, BookmarkInterval: time.Minute})
		start := time.Now()
		ch := watchLines(t, srv, t.Context(), "/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=150&resourceVersion="+srv.ResourceVersion())
		for i := 1; i <= 2; i++ {
			typ, _ := nextWithin(t, ch, 10*time.Minute)
			assert.Equal(t, "BOOKMARK", typ)
			assert.Equal(t, time.Duration(i)*time.Minute, time.Since(start))
		}
		typ, _ := nextWithin(t, ch, 10*time.Minute)
		assert.Equal(t, "CLOSED", typ, "timeoutSeconds ends the watch")
		assert.Equal(t, 150*time.Second, time.Since(start))
	})
}

func TestSendInitialEvents(t *testing.T) {
	srv := kubefake.MustNew(t, kubefake.Options{})
	for _, n := range []string{"a", "b"} {
		do(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"metadata":{"name":"`+n+`"}}`)
	}
	ch := watchLines(t, srv, t.Context(), "/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan")
	for _, want := range [][2]string{{"ADDED", "a"}, {"ADDED", "b"}, {"BOOKMARK", ""}} {
		typ, name := next(t, ch)
		assert.Equal(t, want, [2]string{typ, name})
	}
	code, o := do(t, srv, "GET", "/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true", "", "")
	assert.Equal(t, 422, code, "sendInitialEvents needs resourceVersionMatch=NotOlderThan")
	assert.Equal(t, "Invalid", o["reason"])
}
