package kinds

import (
	"net/netip"
	"os"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lazyMatchesDecode checks that a lazily read status returns what a whole
// decode of the same JSON holds, for every attribute a reader reads.
func lazyMatchesDecode(t *testing.T, raw []byte) {
	var s PodStatus
	if err := s.IndexStatus(raw); err != nil {
		return
	}
	var w podStatusWire
	if s.CheckStatus() != nil || json.Unmarshal(raw, &w, rawOptions) != nil {
		return
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	phase, _ := s.Phase()
	assert.Equal(t, deref(w.Phase), string(phase), "phase")
	ip, err := s.IP()
	if a, perr := netip.ParseAddr(deref(w.PodIP)); perr == nil {
		assert.Equal(t, a, ip)
	} else {
		assert.Error(t, err)
	}
	msg, _ := s.Message()
	assert.Equal(t, deref(w.Message), msg)
	assert.Equal(t, len(w.Conditions), s.Conditions().Len(), "conditions")
	for _, pair := range []struct {
		got  []Container
		want []containerFields
	}{{s.Containers(), w.ContainerStatuses}, {s.InitContainers(), w.InitContainerStatuses}} {
		require.Len(t, pair.got, len(pair.want), "containers")
		for i, c := range pair.got {
			want := pair.want[i]
			assert.Equal(t, want.Name, c.Name())
			assert.Equal(t, want.Ready != nil && *want.Ready, c.Ready())
			assert.Equal(t, want.Started != nil && *want.Started, c.Started())
			assert.Equal(t, int(want.RestartCount), c.RestartCount())
			assert.Equal(t, want.Image, c.Image())
			id, _ := c.ID()
			assert.Equal(t, want.ContainerID, id)
			st, err := c.State()
			assert.Equal(t, want.State != nil, err == nil, "state present")
			if want.State != nil && err == nil {
				assert.Equal(t, want.State.Running != nil, st.Running())
				assert.Equal(t, want.State.Terminated != nil, st.Terminated())
			}
		}
	}
}

func TestLazyPodStatusMatchesDecode(t *testing.T) {
	for _, f := range []string{"pod_running.json", "pod_pending.json"} {
		data, err := os.ReadFile("testdata/" + f)
		require.NoError(t, err)
		var obj struct {
			Status jsontext.Value `json:"status"`
		}
		require.NoError(t, json.Unmarshal(data, &obj))
		t.Run(f, func(t *testing.T) { lazyMatchesDecode(t, obj.Status) })
	}
	tests := []struct{ reason, in string }{
		{"repeated phase keeps the last", `{"phase":"Pending","phase":"Running"}`},
		{"repeated containerStatuses keep the last list", `{"containerStatuses":[{"name":"a"}],"containerStatuses":[{"name":"b","ready":true}]}`},
		{"repeated member inside a container", `{"containerStatuses":[{"name":"a","ready":false,"ready":true,"restartCount":2}]}`},
		{"escaped names", `{"ph\u0061se":"Failed","containerStatuses":[{"n\u0061me":"x\u0041"}]}`},
		{"nulls read as absent", `{"phase":null,"podIP":null,"containerStatuses":null,"conditions":null}`},
		{"an empty state object", `{"containerStatuses":[{"name":"a","state":{}}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) { lazyMatchesDecode(t, []byte(tc.in)) })
	}
}

// TestIndexStatusTypeErrors checks that a member of the wrong JSON kind is
// an error of IndexStatus at its offset, and deeper ones of CheckStatus.
func TestIndexStatusTypeErrors(t *testing.T) {
	var s PodStatus
	err := s.IndexStatus([]byte(`{"phase":5}`))
	var se *json.SemanticError
	require.ErrorAs(t, err, &se)
	assert.EqualValues(t, 9, se.ByteOffset)
	require.Error(t, s.IndexStatus([]byte(`[1]`)), "a status that is not an object")
	// IndexStatus trusts its input (the SDK validated it); UnmarshalJSON,
	// for JSON from elsewhere, validates it first.
	var u0 PodStatus
	err = u0.UnmarshalJSON([]byte(`{"phase":"x"`))
	var syn *jsontext.SyntacticError
	require.ErrorAs(t, err, &syn, "truncated")
	assert.Equal(t, PodStatus{}, u0, "and the status is left empty")
	require.NoError(t, s.IndexStatus([]byte(`{"containerStatuses":[{"name":"a","ready":"yes"}]}`)))
	assert.False(t, s.Containers()[0].Ready(), "a ready that is not a boolean reads as false")
	assert.Error(t, s.CheckStatus(), "and the whole decode reports it")
	var u PodStatus
	assert.Error(t, json.Unmarshal([]byte(`{"containerStatuses":[{"name":"a","ready":"yes"}]}`), &u), "UnmarshalJSON is strict")
}

// statusJSON returns the "status" member of the object in testdata/file.
func statusJSON(tb testing.TB, file string) []byte {
	tb.Helper()
	data, err := os.ReadFile("testdata/" + file)
	if err != nil {
		tb.Fatal(err)
	}
	var obj struct {
		Status jsontext.Value `json:"status"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		tb.Fatal(err)
	}
	return []byte(obj.Status)
}

// FuzzPodStatusLazy checks the lazy reads against the whole decode on any
// input, and that nothing panics.
func FuzzPodStatusLazy(f *testing.F) {
	for _, file := range []string{"pod_running.json", "pod_pending.json"} {
		f.Add(statusJSON(f, file))
	}
	f.Add([]byte(`{"phase":"Running","containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var s PodStatus
		if s.IndexStatus(raw) != nil {
			return
		}
		// Every accessor on anything IndexStatus accepted: no panic, even
		// on input that is not valid JSON, which it trusts to be.
		_, _ = s.Phase()
		_, _ = s.IP()
		_ = s.IPs()
		_, _ = s.StartTime()
		_ = s.Ready()
		for _, c := range append(s.Containers(), s.InitContainers()...) {
			_, _ = c.State()
			_, _ = c.LastState()
			_, _ = c.ID()
			_ = c.RestartCount()
		}
		lazyMatchesDecode(t, raw)
	})
}
