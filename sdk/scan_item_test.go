package sdk

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type widgetStatus struct {
	FromStatus
	Phase string `json:"phase"`
}

var widgetKind = MustKind[widgetStatus](KindInfo{Kind: "Widget", Resource: "widgets", Namespaced: true, APIPaths: []string{"apis/example.com/v1"}})

func widgetJSON(i int, status string) string {
	return fmt.Sprintf(`{"kind":"Widget","apiVersion":"example.com/v1","metadata":{"name":"w%d","namespace":"ns%d","uid":"u%d","resourceVersion":"%d","labels":{"n":"%d"}},"spec":{"pad":%q},"status":%s}`,
		i, i%7, i, i+1, i, strings.Repeat("x", i%300), status)
}

func widgetList(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = widgetJSON(i, fmt.Sprintf(`{"phase":"P%d"}`, i))
	}
	return `{"kind":"WidgetList","metadata":{"resourceVersion":"77"},"items":[` + strings.Join(items, ",") + `]}`
}

// smallReads returns at most n bytes per Read, so values straddle reads
// and buffers.
type smallReads struct {
	r io.Reader
	n int
}

func (s smallReads) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), s.n)]) }

func listWidgets(t *testing.T, body io.Reader) ([]*Item[widgetStatus], error) {
	t.Helper()
	var out []*Item[widgetStatus]
	_, err := decodeList(body, 0, "/widgets", readItem[widgetStatus](nil, widgetKind), func(it *Item[widgetStatus]) bool {
		out = append(out, it)
		return true
	}, nil)
	return out, err
}

// TestListItemsOutliveTheirBuffer: items' raw bytes are views of the read
// buffers, so every item kept from a long list (several buffers, values
// cut across reads) must still read its own bytes after the rest was
// read.
func TestListItemsOutliveTheirBuffer(t *testing.T) {
	const n = 3000 // about 3 buffers
	body := widgetList(n)
	require.Greater(t, len(body), 2*chunkSize, "the list spans several buffers")
	for _, c := range []struct {
		step  int
		ahead bool // read by an aheadReader, whose goroutine makes the new buffers
	}{{7, false}, {4096, false}, {1 << 20, false}, {7, true}, {4096, true}, {1 << 20, true}} {
		step := c.step
		var r io.Reader = smallReads{strings.NewReader(body), step}
		if c.ahead {
			a := newAheadReader(t.Context(), r)
			defer a.Close()
			r = flushingReader{r: a, flush: func() bool { return true }}
		}
		items, err := listWidgets(t, r)
		require.NoError(t, err)
		require.Len(t, items, n)
		for i, it := range items {
			require.Equal(t, widgetJSON(i, fmt.Sprintf(`{"phase":"P%d"}`, i)), string(it.raw), "item %d read %d bytes at a time", i, step)
			assert.Equal(t, fmt.Sprintf("w%d", i), it.Name())
			assert.Equal(t, fmt.Sprintf("ns%d/w%d", i%7, i), it.key())
			assert.Equal(t, fmt.Sprintf("P%d", i), it.Status().Phase)
			assert.Equal(t, fmt.Sprint(i), it.Labels().Value("n"))
			require.NoError(t, it.Err())
		}
	}
}

// TestListItemsOfEverySizeReadAhead reads, through an aheadReader, items
// small, large and larger than a buffer, so that the decoder takes every
// path: a value carried into a new buffer from the reading goroutine, and
// a value too long for it moved into a larger one. Every item must read
// its own bytes once the whole list was read, and a bound below the large
// items must fail the list with ErrTooLarge.
func TestListItemsOfEverySizeReadAhead(t *testing.T) {
	const n = 400
	items := make([]string, n)
	for i := range items {
		status := fmt.Sprintf(`{"phase":"P%d"}`, i)
		if i%9 == 4 {
			size := 16<<10 + i*131 // large, some longer than a buffer
			if i%27 == 13 {
				size = chunkSize + i
			}
			status = fmt.Sprintf(`{"phase":"P%d","message":%q}`, i, strings.Repeat("m", size))
		}
		items[i] = widgetJSON(i, status)
	}
	body := `{"kind":"WidgetList","metadata":{"resourceVersion":"77"},"items":[` + strings.Join(items, ",") + `]}`
	require.Greater(t, len(body), 10*chunkSize)
	for _, step := range []int{997, 4096, 1 << 20} {
		a := newAheadReader(t.Context(), smallReads{strings.NewReader(body), step})
		got, err := listWidgets(t, flushingReader{r: a, flush: func() bool { return true }})
		a.Close()
		require.NoError(t, err, "reads of %d bytes", step)
		require.Len(t, got, n)
		for i, it := range got {
			require.Equal(t, items[i], string(it.raw), "item %d, reads of %d bytes", i, step)
			require.Equal(t, fmt.Sprintf("P%d", i), it.Status().Phase)
		}
	}
	a := newAheadReader(t.Context(), strings.NewReader(body))
	defer a.Close()
	_, err := decodeList(flushingReader{r: a, flush: func() bool { return true }}, 16<<10, "/widgets", readItem[widgetStatus](nil, widgetKind), func(*Item[widgetStatus]) bool { return true }, nil)
	require.ErrorIs(t, err, ErrTooLarge, "an item over the bound fails the list")
}

// TestLazyPartsConcurrent reads the lazy parts of shared items from many
// goroutines at once (run with -race).
func TestLazyPartsConcurrent(t *testing.T) {
	items, err := listWidgets(t, strings.NewReader(widgetList(50)))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, it := range items {
				assert.Equal(t, fmt.Sprintf("P%d", i), it.Status().Phase)
				assert.Equal(t, fmt.Sprint(i), it.Labels().Value("n"))
				assert.Equal(t, fmt.Sprintf("u%d", i), it.Meta().UID)
				assert.NoError(t, it.Err())
			}
		}()
	}
	wg.Wait()
}

func TestLazyErrors(t *testing.T) {
	tests := []struct {
		reason  string
		item    string
		listErr string // the iterator's error
		itemErr string // Err's, once read
		check   func(t *testing.T, it *Item[widgetStatus])
	}{
		{reason: "a status of the wrong type is Err's, and the status reads as absent",
			item: widgetJSON(1, `{"phase":5}`), itemErr: "status does not decode",
			check: func(t *testing.T, it *Item[widgetStatus]) {
				assert.Equal(t, "", it.Status().Phase)
				assert.Equal(t, "w1", it.Name(), "the eager members are still there")
			}},
		{reason: "labels of the wrong type are Err's, and the labels read as empty",
			item: `{"kind":"Widget","metadata":{"name":"a","labels":{"x":1}},"status":{"phase":"ok"}}`, itemErr: "metadata does not decode",
			check: func(t *testing.T, it *Item[widgetStatus]) {
				assert.Equal(t, 0, it.Labels().Len())
				assert.Equal(t, "a", it.Meta().Name)
				assert.Equal(t, "ok", it.Status().Phase)
			}},
		{reason: "a name of the wrong type fails the list", item: `{"metadata":{"name":1}}`, listErr: "metadata.name is not a string"},
		{reason: "a resourceVersion of the wrong type fails the list", item: `{"metadata":{"resourceVersion":{}}}`, listErr: "resourceVersion is not a string"},
		{reason: "a kind of the wrong type fails the list", item: `{"kind":[],"metadata":{}}`, listErr: "kind is not a string"},
		{reason: "another kind fails the list", item: `{"kind":"Pod"}`, listErr: `got an object of kind "Pod"`},
		{reason: "a bad deletionTimestamp fails the list (writes rely on it)", item: `{"metadata":{"deletionTimestamp":"soon"}}`, listErr: "deletionTimestamp"},
		{reason: "metadata that is not an object fails the list", item: `{"metadata":"x"}`, listErr: "metadata is not an object"},
		{reason: "escaped names and values decode", item: `{"kind":"Wid\u0067et","meta\u0064ata":{"name":"a\"b","namespace":"n\u0073"}}`,
			check: func(t *testing.T, it *Item[widgetStatus]) {
				assert.Equal(t, `a"b`, it.Name())
				assert.Equal(t, "ns", it.Namespace())
				assert.Equal(t, `ns/a"b`, it.key())
			}},
		{reason: "repeated labels merge as a whole decode does", item: `{"metadata":{"labels":{"a":"1"},"labels":{"b":"2"}}}`,
			check: func(t *testing.T, it *Item[widgetStatus]) {
				assert.Equal(t, map[string]string{"a": "1", "b": "2"}, it.Labels().Map())
			}},
		{reason: "repeated metadata merges as a whole decode does", item: `{"metadata":{"name":"a","labels":{"k":"v"}},"metadata":{"namespace":"b"},"status":{"phase":"x"},"status":{}}`,
			check: func(t *testing.T, it *Item[widgetStatus]) {
				assert.Equal(t, "b/a", it.key())
				assert.Equal(t, "v", it.Labels().Value("k"))
				assert.Equal(t, "x", it.Status().Phase, "a repeated status merges too")
			}},
	}
	for _, tc := range tests {
		body := `{"metadata":{},"items":[` + widgetJSON(0, `{}`) + `,` + tc.item + `]}`
		items, err := listWidgets(t, strings.NewReader(body))
		if tc.listErr != "" {
			var de *DecodeError
			require.True(t, errors.As(err, &de), "%s: %v", tc.reason, err)
			assert.Contains(t, err.Error(), tc.listErr, tc.reason)
			assert.Equal(t, "/widgets", de.Path, tc.reason)
			assert.GreaterOrEqual(t, de.Offset, int64(len(body)-len(tc.item)-2), "%s: the offset is in the item", tc.reason)
			continue
		}
		require.NoError(t, err, tc.reason)
		require.Len(t, items, 2, tc.reason)
		it := items[1]
		if tc.check != nil {
			tc.check(t, it)
		}
		if tc.itemErr == "" {
			assert.NoError(t, it.Err(), tc.reason)
			continue
		}
		var de *DecodeError
		require.True(t, errors.As(it.Err(), &de), "%s: %v", tc.reason, it.Err())
		assert.Contains(t, de.Error(), tc.itemErr, tc.reason)
		assert.Greater(t, de.Offset, int64(len(body)-len(tc.item)-2), "%s: the offset is in the item, in the body", tc.reason)
	}
}

func TestListSyntaxErrors(t *testing.T) {
	good := widgetJSON(1, `{}`)
	tests := []struct {
		reason string
		body   string
		want   string
		off    int
	}{
		{"a syntax error in an item says where", `{"items":[` + good + `,{"a":tru}]}`, "invalid items", len(`{"items":[` + good + `,{"a":tru`)},
		{"a truncated body", `{"items":[` + good[:40], "truncated list body", len(`{"items":[`) + 40},
		{"an item that is not an object", `{"items":[1]}`, "list item is not a JSON object", 10},
		{"no items", `{"metadata":{}}`, "list body has no items member", 15},
		{"a body that is not an object", `[]`, "list body is not a JSON object", 0},
		{"bad list metadata", `{"metadata":{"continue":1},"items":[]}`, "invalid list metadata", 12},
	}
	for _, tc := range tests {
		items, err := listWidgets(t, strings.NewReader(tc.body))
		var de *DecodeError
		require.True(t, errors.As(err, &de), "%s: %v", tc.reason, err)
		assert.Contains(t, de.Reason, tc.want, tc.reason)
		assert.Equal(t, int64(tc.off), de.Offset, tc.reason)
		assert.LessOrEqual(t, len(items), 1, tc.reason)
	}
}

// TestWatchMetaNoAlloc: reading an event's key, UID and version through
// the Source allocates nothing.
func TestWatchMetaNoAlloc(t *testing.T) {
	items, err := listWidgets(t, strings.NewReader(widgetList(3)))
	require.NoError(t, err)
	src := viewSource[widgetStatus]{}
	allocs := testing.AllocsPerRun(100, func() {
		for _, it := range items {
			k, u, v := src.Meta(it)
			if k == "" || u == "" || v == "" {
				panic("empty meta")
			}
		}
	})
	assert.Zero(t, allocs)
}
