package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/sdk"
)

// wLogServer serves /api/v1/namespaces/ns/pods/{name}/log the way the API
// server does: text/plain, chunked, flushed line by line; with follow=true
// it keeps the response open after the lines until the client goes away,
// then reports that on closed.
type wLogServer struct {
	lines  []string
	closed chan struct{}
	more   chan string // with follow: further lines to send
}

func (s *wLogServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/v1/namespaces/ns/pods/p/log":
	case "/api/v1/namespaces/ns/pods/missing/log":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"missing\" not found","reason":"NotFound","code":404}`)
		return
	case "/api/v1/namespaces/ns/pods/two/log":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"a container name must be specified for pod two, choose one of: [a b]","reason":"BadRequest","code":400}`)
		return
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(200)
	f := w.(http.Flusher)
	ts := r.URL.Query().Get("timestamps") == "true"
	for i, l := range s.lines {
		if ts {
			l = time.Date(2025, 1, 2, 3, 4, i, 5, time.UTC).Format(time.RFC3339Nano) + " " + l
		}
		fmt.Fprint(w, l)
		f.Flush()
	}
	if r.URL.Query().Get("follow") != "true" {
		return
	}
	for {
		select {
		case l := <-s.more:
			fmt.Fprint(w, l)
			f.Flush()
		case <-r.Context().Done():
			close(s.closed)
			return
		}
	}
}

func newWLogServer(t *testing.T, lines ...string) (*kube.Cluster, *wLogServer) {
	t.Helper()
	s := &wLogServer{lines: lines, closed: make(chan struct{}), more: make(chan string)}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := kube.New(kube.Options{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, s
}

// waitClosed waits, with a deadline, for the server to see the client go.
func (s *wLogServer) waitClosed(t *testing.T) {
	t.Helper()
	select {
	case <-s.closed:
	case <-time.After(30 * time.Second):
		t.Fatal("the log stream was not closed by the client within 30s")
	}
}

func TestLogsRead(t *testing.T) {
	tests := []struct {
		name, reason string
		lines        []string
		want         []string
	}{
		{"lines", "each line is yielded without its line end", []string{"one\n", "two\r\n", "three\n"}, []string{"one", "two", "three"}},
		{"split chunks", "a line split over chunks is joined", []string{"hel", "lo\nwor", "ld\n"}, []string{"hello", "world"}},
		{"no final newline", "a last line without a line end (limitBytes) is yielded", []string{"a\n", "b"}, []string{"a", "b"}},
		{"empty lines", "empty lines are kept", []string{"\n", "x\n", "\n"}, []string{"", "x", ""}},
		{"empty log", "an empty log yields nothing", nil, nil},
		{"long line", "a line longer than any buffer is whole", []string{string(make([]byte, 200000)) + "\n"}, []string{string(make([]byte, 200000))}},
	}
	for _, tc := range tests {
		c, _ := newWLogServer(t, tc.lines...)
		var got []string
		for line, err := range c.Pods.In("ns").Logs(t.Context(), "p", sdk.LogOptions{}) {
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got = append(got, line)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %s: got %q, want %q", tc.name, tc.reason, got, tc.want)
		}
	}
}

func TestLogRecords(t *testing.T) {
	c, _ := newWLogServer(t, "started\n", "with  two spaces\n")
	var got []sdk.LogRecord
	for rec, err := range c.Pods.In("ns").LogRecords(t.Context(), "p", sdk.LogOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rec)
	}
	want := []sdk.LogRecord{
		{Time: time.Date(2025, 1, 2, 3, 4, 0, 5, time.UTC), Text: "started"},
		{Time: time.Date(2025, 1, 2, 3, 4, 1, 5, time.UTC), Text: "with  two spaces"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) || got[i].Text != want[i].Text {
			t.Errorf("record %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestLogsFollowBreakClosesStream(t *testing.T) {
	c, s := newWLogServer(t, "first\n")
	ctx := t.Context()
	var got []string
	go func() { s.more <- "second\n" }()
	for line, err := range c.Pods.In("ns").Logs(ctx, "p", sdk.LogOptions{Follow: true}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, line)
		if len(got) == 2 {
			break
		}
	}
	if !reflect.DeepEqual(got, []string{"first", "second"}) {
		t.Errorf("followed %q, want first and second", got)
	}
	s.waitClosed(t)
}

func TestLogsFollowCancelClosesStream(t *testing.T) {
	c, s := newWLogServer(t, "first\n")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var lines []string
	var last error
	for line, err := range c.Pods.In("ns").Logs(ctx, "p", sdk.LogOptions{Follow: true}) {
		if err != nil {
			last = err
			continue
		}
		lines = append(lines, line)
		cancel() // the follow stream stays open until ctx ends
	}
	if !errors.Is(last, context.Canceled) || !errors.Is(last, sdk.ErrKube) {
		t.Errorf("cancelled follow ended with %v, want an error matching context.Canceled and ErrKube", last)
	}
	if !reflect.DeepEqual(lines, []string{"first"}) {
		t.Errorf("lines %q", lines)
	}
	s.waitClosed(t)
}

func TestLogsErrors(t *testing.T) {
	c, _ := newWLogServer(t)
	tests := []struct {
		name, pod, reason string
		want              error
	}{
		{"missing pod", "missing", "the server's 404 is ErrNotFound", sdk.ErrNotFound},
		{"ambiguous container", "two", "the server's 400 is ErrBadRequest", sdk.ErrBadRequest},
	}
	for _, tc := range tests {
		n := 0
		for _, err := range c.Pods.In("ns").Logs(t.Context(), tc.pod, sdk.LogOptions{}) {
			n++
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: %s: got %v, want %v", tc.name, tc.reason, err, tc.want)
			}
		}
		if n != 1 {
			t.Errorf("%s: %d values yielded, want the error alone", tc.name, n)
		}
	}
}
