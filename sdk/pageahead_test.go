package sdk

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pageLog records the list requests of a test server (their continue
// tokens, in order).
type pageLog struct {
	mu    sync.Mutex
	conts []string
}

func (l *pageLog) asked(cont string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conts {
		if c == cont {
			return true
		}
	}
	return false
}

// logPages wraps a responder so that l records each request.
func logPages(l *pageLog, r httpmock.Responder) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		l.mu.Lock()
		l.conts = append(l.conts, req.URL.Query().Get("continue"))
		l.mu.Unlock()
		return r(req)
	}
}

// TestAllAsksForTheNextPageEarly: the next page is asked for as soon as
// the current page's metadata gives its token, while the loop is still on
// the current page's first item.
func TestAllAsksForTheNextPageEarly(t *testing.T) {
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			withProcs(t, procs)
			var l pageLog
			mt := httpmock.NewMockTransport()
			mt.RegisterResponder(http.MethodGet, pfBase+"/api/v1/pods", logPages(&l, pfPager(250, -1)))
			var names []string
			for it, err := range pfView(t, mt).PageSize(100).All(t.Context()) {
				require.NoError(t, err)
				if len(names) == 0 {
					require.Eventually(t, func() bool { return l.asked("100") }, 10*time.Second, time.Millisecond,
						"page 2 is asked for while the loop is on page 1's first item")
				}
				names = append(names, it.Name())
			}
			require.Len(t, names, 250)
			for i, n := range names {
				require.Equal(t, fmt.Sprintf("p%04d", i), n, "in order, none twice")
			}
			assert.Equal(t, []string{"", "100", "200"}, l.conts, "each page asked for once")
		})
	}
}

// TestAllBreakDropsThePageAskedAhead: a loop that stops on page 1 gets
// nothing of page 2, and page 2's answer is let go when All returns: the
// server, which sent the start of it and waits, sees the client leave.
func TestAllBreakDropsThePageAskedAhead(t *testing.T) {
	asked := make(chan struct{})
	released := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("continue") == "" {
			items := make([]string, 100)
			for i := range items {
				items[i] = pfPod(i)
			}
			fmt.Fprintf(w, `{"metadata":{"continue":"100"},"items":[%s]}`, strings.Join(items, ","))
			return
		}
		close(asked)
		fmt.Fprintf(w, `{"metadata":{"continue":"200"},"items":[%s,`, pfPod(100))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			close(released)
		case <-time.After(20 * time.Second): // bounded: the test fails below
		}
	}))
	defer srv.Close()
	c, err := New(Options{URL: srv.URL})
	require.NoError(t, err)
	n := 0
	for _, err := range NewView(c, pfPodKind).PageSize(100).All(t.Context()) {
		require.NoError(t, err)
		if n == 0 {
			select {
			case <-asked:
			case <-time.After(10 * time.Second):
				t.Fatal("page 2 was not asked for while the loop was on page 1")
			}
		}
		if n++; n == 5 {
			break
		}
	}
	assert.Equal(t, 5, n)
	select {
	case <-released:
	case <-time.After(10 * time.Second):
		t.Fatal("the page asked for ahead was not let go after the loop stopped")
	}
}

// TestAllPageTokenChangedLate: when a list's metadata comes again after
// the items with another continue token (not what kube-apiserver does,
// but valid JSON), the token read last wins: the page asked for with the
// first one (if it was asked for yet) is dropped and never read.
func TestAllPageTokenChangedLate(t *testing.T) {
	var l pageLog
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, pfBase+"/api/v1/pods", logPages(&l, func(req *http.Request) (*http.Response, error) {
		switch req.URL.Query().Get("continue") {
		case "":
			return httpmock.NewStringResponse(200, `{"metadata":{"continue":"early"},"items":[`+pfPod(0)+`],"metadata":{"continue":"late"}}`), nil
		case "late":
			return httpmock.NewStringResponse(200, `{"metadata":{},"items":[`+pfPod(1)+`]}`), nil
		default:
			return httpmock.NewStringResponse(200, `{"metadata":{},"items":[`+pfPod(99)+`]}`), nil
		}
	}))
	var names []string
	for it, err := range pfView(t, mt).PageSize(1).All(t.Context()) {
		require.NoError(t, err)
		names = append(names, it.Name())
	}
	assert.Equal(t, []string{"p0000", "p0001"}, names)
	assert.True(t, l.asked("late"))
}

// TestAllPageAheadFails: the page asked for ahead fails; its error comes
// after every item of the current page, with the count of items read.
func TestAllPageAheadFails(t *testing.T) {
	mt := httpmock.NewMockTransport()
	pager := pfPager(150, -1)
	mt.RegisterResponder(http.MethodGet, pfBase+"/api/v1/pods", func(req *http.Request) (*http.Response, error) {
		if req.URL.Query().Get("continue") != "" {
			return httpmock.NewStringResponse(410, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"too old resource version"}`), nil
		}
		return pager(req)
	})
	n := 0
	var last error
	for _, err := range pfView(t, mt).PageSize(100).All(t.Context()) {
		if err != nil {
			last = err
			break
		}
		n++
	}
	assert.Equal(t, 100, n, "every item of page 1 before the error")
	require.ErrorIs(t, last, ErrGone)
	assert.True(t, strings.Contains(last.Error(), "after 100 objects"), last.Error())
}

// withProcs runs the rest of the test with GOMAXPROCS n (1: everything on
// the loop's goroutine; more: read ahead).
func withProcs(t *testing.T, n int) {
	old := runtime.GOMAXPROCS(n)
	t.Cleanup(func() { runtime.GOMAXPROCS(old) })
}
