package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/transport"
)

// closeCounter wraps a transport and counts the response bodies opened and
// closed, to prove that a log stream's connection is released.
type closeCounter struct {
	next           http.RoundTripper
	opened, closed atomic.Int64
}

func (c *closeCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err == nil {
		c.opened.Add(1)
		resp.Body = &countedBody{ReadCloser: resp.Body, c: c}
	}
	return resp, err
}

type countedBody struct {
	io.ReadCloser
	c    *closeCounter
	once atomic.Bool
}

func (b *countedBody) Close() error {
	if b.once.CompareAndSwap(false, true) {
		b.c.closed.Add(1)
	}
	return b.ReadCloser.Close()
}

// logsConn is one way to reach the test cluster.
type logsConn struct {
	name    string
	cluster *kube.Cluster
	bodies  *closeCounter
}

// logsConns returns a client over the direct HTTPS kubeconfig connection
// and one through kubectl proxy, each counting its response bodies.
func logsConns(t *testing.T, tc *testutil.Cluster) []logsConn {
	t.Helper()
	cfg, err := transport.LoadKubeconfig(transport.KubeconfigOptions{Paths: []string{tc.KubeconfigPath}})
	require.NoError(t, err)
	rt, err := cfg.RoundTripper()
	require.NoError(t, err)
	direct := &closeCounter{next: rt}
	dc, err := kube.New(kube.Options{URL: cfg.Server, Transport: direct})
	require.NoError(t, err)
	proxied := &closeCounter{next: http.DefaultTransport.(*http.Transport).Clone()}
	pc, err := kube.New(kube.Options{URL: tc.ProxyURL, Transport: proxied})
	require.NoError(t, err)
	t.Cleanup(func() { dc.Close(); pc.Close() })
	return []logsConn{{"kubeconfig", dc, direct}, {"kubectl proxy", pc, proxied}}
}

// logsPod creates a kwok pod with the containers and waits until it is ready.
func logsPod(t *testing.T, ctx context.Context, tc *testutil.Cluster, ns, name string, containers ...string) {
	t.Helper()
	require.GreaterOrEqual(t, tc.Harness, 3, "the shared cluster's kwok does not serve the kubelet API: restart it (make cluster-down)")
	var cs []any
	for _, n := range containers {
		cs = append(cs, map[string]any{"name": n, "image": "registry.example/" + n})
	}
	pod, err := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     map[string]any{"containers": cs},
	})
	require.NoError(t, err)
	_, err = tc.Kubectl(ctx, string(pod), "apply", "-f", "-")
	require.NoError(t, err)
	_, err = tc.Kubectl(ctx, "", "-n", ns, "wait", "pod/"+name, "--for=condition=Ready", "--timeout=60s")
	require.NoError(t, err)
}

func collectLogs(ctx context.Context, v *sdk.PodView[kinds.PodStatus], name string, opts sdk.LogOptions) ([]string, error) {
	var out []string
	for l, err := range v.Logs(ctx, name, opts) {
		if err != nil {
			return out, err
		}
		out = append(out, l)
	}
	return out, nil
}

// TestE2ELogs reads real log content that kwok serves for a pod with two
// containers with every option of LogOptions, over the direct HTTPS
// connection and through kubectl proxy.
func TestE2ELogs(t *testing.T) {
	tc := testutil.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns := tc.Namespace(t)
	logsPod(t, ctx, tc, ns, "web", "app", "sidecar")
	at := func(h, m, ns int) time.Time { return time.Date(2026, 1, 2, h, m, 0, ns, time.UTC) }
	recent := time.Now().UTC().Add(-10 * time.Second)
	require.NoError(t, tc.WriteLog(ctx, ns, "web", "app",
		testutil.LogLine{Time: at(10, 0, 1), Text: "one"},
		testutil.LogLine{Time: at(10, 1, 20), Text: "two"},
		testutil.LogLine{Time: at(10, 2, 300), Stderr: true, Text: "three"},
		testutil.LogLine{Time: recent, Text: "recent four"}))
	require.NoError(t, tc.WriteLog(ctx, ns, "web", "sidecar", testutil.Lines("side a\nside b")...))
	require.NoError(t, tc.WritePreviousLog(ctx, ns, "web", "app", testutil.LogLine{Time: at(9, 0, 0), Text: "before the restart"}))

	tests := []struct {
		name   string
		opts   sdk.LogOptions
		want   []string
		reason string
	}{
		{"content", sdk.LogOptions{Container: "app"}, []string{"one", "two", "three", "recent four"},
			"every line, stdout and stderr interleaved as written"},
		{"container", sdk.LogOptions{Container: "sidecar"}, []string{"side a", "side b"},
			"each container has its own log"},
		{"tail lines", sdk.LogOptions{Container: "app", TailLines: 2}, []string{"three", "recent four"},
			"the last two lines"},
		{"timestamps", sdk.LogOptions{Container: "app", TailLines: 2, Timestamps: true},
			[]string{"2026-01-02T10:02:00.000000300Z three", recent.Format("2006-01-02T15:04:05.000000000Z07:00") + " recent four"},
			"each line prefixed with its time, in nanoseconds"},
		{"since time", sdk.LogOptions{Container: "app", SinceTime: at(10, 1, 0)}, []string{"two", "three", "recent four"},
			"lines written at or after the time"},
		{"since", sdk.LogOptions{Container: "app", Since: time.Hour}, []string{"recent four"},
			"only the line of the last hour"},
		{"limit bytes", sdk.LogOptions{Container: "app", LimitBytes: 6}, []string{"one", "tw"},
			"the first six bytes, the last line cut"},
		{"previous", sdk.LogOptions{Container: "app", Previous: true}, []string{"before the restart"},
			"the previous instance's log"},
	}
	for _, conn := range logsConns(t, tc) {
		pods := conn.cluster.Pods.In(ns)
		t.Run(conn.name, func(t *testing.T) {
			for _, tt := range tests {
				got, err := collectLogs(ctx, pods, "web", tt.opts)
				require.NoError(t, err, "%s: %s", tt.name, tt.reason)
				assert.Equal(t, tt.want, got, "%s: %s", tt.name, tt.reason)
			}

			var recs []sdk.LogRecord
			for r, err := range pods.LogRecords(ctx, "web", sdk.LogOptions{Container: "app", TailLines: 3}) {
				require.NoError(t, err)
				recs = append(recs, r)
			}
			assert.Equal(t, []sdk.LogRecord{
				{Time: at(10, 1, 20), Text: "two"},
				{Time: at(10, 2, 300), Text: "three"},
				{Time: recent, Text: "recent four"},
			}, recs, "LogRecords parses the runtime's timestamps to the nanosecond")

			_, err := collectLogs(ctx, pods, "web", sdk.LogOptions{})
			assert.ErrorIs(t, err, sdk.ErrBadRequest, "a pod with two containers needs Container")
			_, err = collectLogs(ctx, pods, "web", sdk.LogOptions{Container: "nope"})
			assert.ErrorIs(t, err, sdk.ErrBadRequest, "an unknown container")
			_, err = collectLogs(ctx, pods, "missing", sdk.LogOptions{})
			assert.ErrorIs(t, err, sdk.ErrNotFound, "an unknown pod")
			_, err = collectLogs(ctx, pods, "web", sdk.LogOptions{Container: "sidecar", Previous: true})
			assert.ErrorIs(t, err, sdk.ErrBadRequest, "the sidecar has no previous instance: 400, as from a kubelet")

			assert.Equal(t, conn.bodies.opened.Load(), conn.bodies.closed.Load(), "every response body was closed")
		})
	}
}

// TestE2ELogsFollow follows a log: the lines written before, then each
// line appended, arrive; breaking out of the loop closes the connection,
// and so does ending ctx, whose error is then yielded.
func TestE2ELogsFollow(t *testing.T) {
	tc := testutil.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns := tc.Namespace(t)
	logsPod(t, ctx, tc, ns, "tailer", "app")
	require.NoError(t, tc.WriteLog(ctx, ns, "tailer", "app", testutil.Lines("first\nsecond")...))

	for _, conn := range logsConns(t, tc) {
		pods := conn.cluster.Pods.In(ns)
		t.Run(conn.name+" break", func(t *testing.T) {
			var got []string
			appended := 0
			for line, err := range pods.Logs(ctx, "tailer", sdk.LogOptions{Container: "app", Follow: true, Since: time.Hour}) {
				require.NoError(t, err)
				got = append(got, line)
				if len(got) >= 2 && appended < 3 {
					text := fmt.Sprintf("%s appended %d", conn.name, appended)
					appended++
					require.NoError(t, tc.WriteLog(ctx, ns, "tailer", "app", testutil.Lines(text)...))
				}
				if appended == 3 && line == fmt.Sprintf("%s appended 2", conn.name) {
					break
				}
			}
			require.GreaterOrEqual(t, len(got), 5)
			assert.Equal(t, []string{"first", "second"}, got[:2])
			assert.Equal(t, []string{conn.name + " appended 0", conn.name + " appended 1", conn.name + " appended 2"}, got[len(got)-3:],
				"each appended line is followed")
			assert.Equal(t, conn.bodies.opened.Load(), conn.bodies.closed.Load(), "breaking out of the loop closed the stream")
		})
		t.Run(conn.name+" cancel", func(t *testing.T) {
			fctx, stop := context.WithCancel(ctx)
			defer stop()
			n := 0
			var last error
			for line, err := range pods.Logs(fctx, "tailer", sdk.LogOptions{Container: "app", Follow: true, TailLines: 1}) {
				if err != nil {
					last = err
					break
				}
				require.NotEmpty(t, line)
				n++
				stop() // while the stream is open and idle
			}
			assert.Equal(t, 1, n, "the tail line came before the cancellation")
			require.Error(t, last, "ending ctx is reported")
			assert.True(t, errors.Is(last, context.Canceled), "the error wraps ctx.Err(): %v", last)
			assert.Equal(t, conn.bodies.opened.Load(), conn.bodies.closed.Load(), "ending ctx closed the stream")
		})
	}
}
