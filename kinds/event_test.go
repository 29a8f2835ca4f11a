package kinds_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

func decodeEvent(t *testing.T, raw string) *kinds.Event {
	t.Helper()
	e, err := sdk.DecodeItem(nil, kinds.EventKind, []byte(raw))
	if err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return e
}

func TestEventFields(t *testing.T) {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	ts := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }
	tests := []struct {
		name, reason string
		raw          string
		count        int32
		firstSeen    time.Time
		lastSeen     time.Time
		component    string
		hasFirst     bool
	}{
		{
			name: "core/v1", reason: "the old form: count, first and last timestamps, source",
			raw:   fmt.Sprintf(`{"kind":"Event","metadata":{"name":"e","creationTimestamp":%q},"count":4,"firstTimestamp":%q,"lastTimestamp":%q,"source":{"component":"kubelet","host":"n1"}}`, ts(0), ts(time.Second), ts(time.Minute)),
			count: 4, firstSeen: t0.Add(time.Second), lastSeen: t0.Add(time.Minute), component: "kubelet", hasFirst: true,
		},
		{
			name: "events.k8s.io", reason: "the new form: eventTime, reportingComponent, no count (means once)",
			raw:   fmt.Sprintf(`{"kind":"Event","metadata":{"name":"e","creationTimestamp":%q},"eventTime":"2025-01-02T03:04:06.000001Z","firstTimestamp":null,"lastTimestamp":null,"reportingComponent":"default-scheduler","reportingInstance":"s-1"}`, ts(0)),
			count: 1, firstSeen: t0.Add(time.Second + time.Microsecond), lastSeen: t0.Add(time.Second + time.Microsecond), component: "default-scheduler",
		},
		{
			name: "series", reason: "a series counts and dates the latest occurrence",
			raw:   fmt.Sprintf(`{"kind":"Event","metadata":{"name":"e"},"eventTime":%q,"series":{"count":7,"lastObservedTime":%q},"reportingComponent":"c"}`, ts(0), ts(time.Hour)),
			count: 7, firstSeen: t0, lastSeen: t0.Add(time.Hour), component: "c",
		},
		{
			name: "bare", reason: "with no times, the creation time is used",
			raw:   fmt.Sprintf(`{"kind":"Event","metadata":{"name":"e","creationTimestamp":%q}}`, ts(0)),
			count: 1, firstSeen: t0, lastSeen: t0,
		},
	}
	for _, tc := range tests {
		st := decodeEvent(t, tc.raw).Status()
		if st.Count() != tc.count {
			t.Errorf("%s: %s: Count %d, want %d", tc.name, tc.reason, st.Count(), tc.count)
		}
		if !st.FirstSeen().Equal(tc.firstSeen) || !st.LastSeen().Equal(tc.lastSeen) {
			t.Errorf("%s: %s: seen %v..%v, want %v..%v", tc.name, tc.reason, st.FirstSeen(), st.LastSeen(), tc.firstSeen, tc.lastSeen)
		}
		if c, err := st.ReportingComponent(); c != tc.component || (err == nil) != (tc.component != "") {
			t.Errorf("%s: %s: ReportingComponent %q, %v; want %q", tc.name, tc.reason, c, err, tc.component)
		}
		if _, err := st.FirstTimestamp(); (err == nil) != tc.hasFirst || err != nil && !errors.Is(err, sdk.ErrStatusUnavailable) {
			t.Errorf("%s: %s: FirstTimestamp error %v", tc.name, tc.reason, err)
		}
	}
	st := decodeEvent(t, `{"kind":"Event","metadata":{"name":"e"},"type":"Warning","reason":"BackOff","message":"m","action":"Pull",
		"involvedObject":{"apiVersion":"v1","kind":"Pod","namespace":"ns","name":"p","uid":"u","resourceVersion":"3","fieldPath":"spec.containers{c}"},
		"related":{"kind":"Node","name":"n"}}`).Status()
	want := kinds.ObjectReference{APIVersion: "v1", Kind: "Pod", Namespace: "ns", Name: "p", UID: "u", ResourceVersion: "3", FieldPath: "spec.containers{c}"}
	if st.InvolvedObject() != want {
		t.Errorf("InvolvedObject: %+v", st.InvolvedObject())
	}
	typ, err := st.Type()
	if err != nil || typ != kinds.EventWarning {
		t.Errorf("Type() = %q, %v", typ, err)
	}
	for _, f := range []struct {
		name string
		get  func() (string, error)
		want string
	}{{"Reason", st.Reason, "BackOff"}, {"Message", st.Message, "m"}, {"Action", st.Action, "Pull"}} {
		if v, err := f.get(); err != nil || v != f.want {
			t.Errorf("%s() = %q, %v; want %q", f.name, v, err, f.want)
		}
	}
	if r, err := st.Related(); err != nil || r.Name != "n" {
		t.Errorf("Related() = %v, %v", r, err)
	}
}

// TestEventsForRequest checks the request EventsFor makes and the order of
// its answer.
func TestEventsForRequest(t *testing.T) {
	var mu sync.Mutex
	var queries []url.Values
	var paths []string
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		queries = append(queries, req.URL.Query())
		paths = append(paths, req.URL.Path)
		mu.Unlock()
		if req.Body != nil {
			io.Copy(io.Discard, req.Body)
		}
		ev := func(name, last string) string {
			return fmt.Sprintf(`{"metadata":{"name":%q},"lastTimestamp":%q,"involvedObject":{"kind":"Pod","name":"p","uid":"u-p"}}`, name, last)
		}
		return httpmock.NewStringResponse(200, `{"kind":"EventList","apiVersion":"v1","metadata":{},"items":[`+
			ev("old", "2025-01-01T00:00:00Z")+","+ev("new", "2025-01-03T00:00:00Z")+","+ev("mid", "2025-01-02T00:00:00Z")+`]}`), nil
	})
	c, err := kube.New(kube.Options{URL: "http://kube.test", Transport: mt})
	if err != nil {
		t.Fatal(err)
	}
	pod, err := sdk.DecodeItem(c.Client, kinds.PodKind, []byte(`{"kind":"Pod","metadata":{"name":"p","namespace":"ns","uid":"u-p"}}`))
	if err != nil {
		t.Fatal(err)
	}
	node, err := sdk.DecodeItem(c.Client, kinds.NodeKind, []byte(`{"kind":"Node","metadata":{"name":"n"}}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, reason string
		obj          sdk.Object
		path         string
		fields       string
	}{
		{"pod", "a namespaced object's events are read in its namespace by UID", pod, "/api/v1/namespaces/ns/events", "involvedObject.uid=u-p"},
		{"no uid", "without a UID, kind and name identify the object", node, "/api/v1/events", "involvedObject.kind=Node,involvedObject.name=n"},
	}
	for i, tc := range tests {
		evs, err := kinds.EventsFor(t.Context(), c.Client, tc.obj)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var order []string
		for _, e := range evs {
			order = append(order, e.Name())
		}
		if fmt.Sprint(order) != "[new mid old]" {
			t.Errorf("%s: order %v, want newest first", tc.name, order)
		}
		mu.Lock()
		if paths[i] != tc.path || queries[i].Get("fieldSelector") != tc.fields {
			t.Errorf("%s: %s: GET %s ?fieldSelector=%s, want %s ?fieldSelector=%s", tc.name, tc.reason, paths[i], queries[i].Get("fieldSelector"), tc.path, tc.fields)
		}
		mu.Unlock()
	}
}
