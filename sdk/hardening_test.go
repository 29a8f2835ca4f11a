package sdk_test

// Regression tests for the sdk side of issue #11 (never a panic, never a
// hang, nothing leaks). Each test fails on the code before the fix.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
)

// hRT is an in-memory http.RoundTripper: no socket, so it can run inside a
// synctest bubble.
type hRT func(*http.Request) (*http.Response, error)

func (f hRT) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// hResp is a response to req with code and body.
func hResp(req *http.Request, code int, body io.Reader) *http.Response {
	return &http.Response{
		StatusCode: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   io.NopCloser(body), Request: req, ContentLength: -1,
	}
}

// hCluster returns a cluster at base whose requests go to rt.
func hCluster(t *testing.T, opts kube.Options, rt http.RoundTripper) *kube.Cluster {
	t.Helper()
	if opts.URL == "" {
		opts.URL = base
	}
	opts.Transport = rt
	c, err := kube.New(opts)
	require.NoError(t, err)
	return c
}

// stallReader returns data, then blocks until ctx (the request's context)
// ends, returning its cause: a server that stopped sending. Its wait is a
// channel receive, so a synctest bubble sees it as durably blocked.
type stallReader struct {
	data []byte
	ctx  context.Context
}

func (s *stallReader) Read(p []byte) (int, error) {
	if len(s.data) > 0 {
		n := copy(p, s.data)
		s.data = s.data[n:]
		return n, nil
	}
	<-s.ctx.Done()
	return 0, context.Cause(s.ctx)
}

// stalled is a RoundTripper whose response headers never come: it returns
// only when the request's context ends.
var stalled = hRT(func(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, context.Cause(r.Context())
})

// ---- 1. watch frames -------------------------------------------------------

func secretPodJSON(name string) string { return podJSON("ns", name, "7", "Running") }

// openWatch opens one watch of the pods of every namespace whose body is
// frames, and returns the stream.
func openWatch(t *testing.T, frames string) watch.Stream[*kinds.Pod] {
	t.Helper()
	c := hCluster(t, kube.Options{}, hRT(func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("watch") != "true" {
			return hResp(r, 500, strings.NewReader("not a watch")), nil
		}
		return hResp(r, 200, strings.NewReader(frames)), nil
	}))
	st, err := c.Pods.Source().OpenWatch(context.Background(), watch.WatchOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func TestWatchFrameForms(t *testing.T) {
	pod := secretPodJSON("web")
	tests := []struct {
		reason string
		frames string
		typ    watch.EventType // the event expected; "" for an error
		check  func(t *testing.T, err error)
	}{
		{
			reason: "object before type (sorted keys, as a re-encoding proxy sends) is a normal event",
			frames: `{"object":` + pod + `,"type":"ADDED"}` + "\n",
			typ:    watch.Added,
		},
		{
			reason: "unknown members around the known ones are skipped",
			frames: `{"kind":"WatchEvent","type":"MODIFIED","extra":{"a":[1,{"b":null}]},"object":` + pod + `,"more":1}`,
			typ:    watch.Modified,
		},
		{
			reason: "unknown members and object before type",
			frames: `{"z":[[]],"object":` + pod + `,"a":"x","type":"DELETED"}`,
			typ:    watch.Deleted,
		},
		{
			reason: "white space and new lines between every token",
			frames: " \n\t{ \"type\" :\n \"ADDED\" ,\r\n \"object\" :\n " + pod + " \n}\n\n",
			typ:    watch.Added,
		},
		{
			reason: "white space with the object first",
			frames: "{\n\"object\"\n:\n" + pod + "\n,\n\"type\"\n:\n\"ADDED\"\n}",
			typ:    watch.Added,
		},
		{
			reason: "a null object is a DecodeError with an offset, not a panic",
			frames: `{"type":"ADDED","object":null}`,
			check: func(t *testing.T, err error) {
				var de *sdk.DecodeError
				require.ErrorAs(t, err, &de)
				assert.GreaterOrEqual(t, de.Offset, int64(0), "the error says where")
			},
		},
		{
			reason: "a null object before the type is a DecodeError too",
			frames: `{"object":null,"type":"ADDED"}`,
			check: func(t *testing.T, err error) {
				var de *sdk.DecodeError
				require.ErrorAs(t, err, &de)
			},
		},
		{
			reason: "an object of another JSON type before the type is a DecodeError",
			frames: `{"object":[1,2],"type":"MODIFIED"}`,
			check: func(t *testing.T, err error) {
				var de *sdk.DecodeError
				require.ErrorAs(t, err, &de)
			},
		},
		{
			reason: "an ERROR whose object is {} says it carried no Status, and is malformed (the loop relists)",
			frames: `{"type":"ERROR","object":{}}`,
			check: func(t *testing.T, err error) {
				var de *sdk.DecodeError
				require.ErrorAs(t, err, &de)
				assert.ErrorIs(t, err, watch.ErrMalformed)
				assert.Contains(t, err.Error(), "carried no Status")
				assert.Contains(t, err.Error(), "/api/v1/pods")
			},
		},
		{
			reason: "an ERROR whose object has only a message is malformed too",
			frames: `{"object":{"kind":"Status","message":"something"},"type":"ERROR"}`,
			check: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, watch.ErrMalformed)
				assert.Contains(t, err.Error(), "carried no Status")
			},
		},
		{
			reason: "an ERROR with a 410 Status matches ErrGone and is a watch.APIStatus",
			frames: `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}`,
			check: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, sdk.ErrGone)
				var st watch.APIStatus
				require.ErrorAs(t, err, &st)
				assert.Equal(t, 410, st.StatusCode())
				assert.Equal(t, "Expired", st.StatusReason())
				assert.Contains(t, err.Error(), "too old resource version")
			},
		},
		{
			reason: "an ERROR with its Status before the type is the same error",
			frames: `{"object":{"kind":"Status","code":410,"reason":"Gone","message":"gone"},"type":"ERROR"}`,
			check: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, sdk.ErrGone)
				var st watch.APIStatus
				require.ErrorAs(t, err, &st)
				assert.Equal(t, 410, st.StatusCode())
			},
		},
		{
			reason: "an ERROR with a 500 Status is temporary, not gone",
			frames: `{"type":"ERROR","object":{"kind":"Status","code":500,"reason":"InternalError","message":"etcd"}}`,
			check: func(t *testing.T, err error) {
				assert.NotErrorIs(t, err, sdk.ErrGone)
				assert.ErrorIs(t, err, sdk.ErrInternal)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			st := openWatch(t, tt.frames)
			ev, err := st.Next()
			if tt.typ == "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, sdk.ErrKube)
				tt.check(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.typ, ev.Type)
			require.NotNil(t, ev.Object)
			assert.Equal(t, "web", ev.Object.Name())
			assert.Equal(t, "ns", ev.Object.Namespace())
			assert.Equal(t, "7", ev.Object.Version())
			phase, perr := ev.Object.Status().Phase()
			require.NoError(t, perr)
			assert.Equal(t, kinds.PodRunning, phase)
			assert.JSONEq(t, pod, string(ev.Object.Raw()), "the item keeps the object's bytes")
			_, err = st.Next()
			assert.ErrorIs(t, err, io.EOF, "one frame, then the end")
		})
	}
}

func TestWatchFramesInSequenceThroughView(t *testing.T) {
	// The reordered frame in the middle of a stream through View.Watch:
	// the loop delivers every event in order.
	var frames strings.Builder
	frames.WriteString(`{"type":"ADDED","object":` + secretPodJSON("a") + "}\n")
	frames.WriteString(`{"object":` + podJSON("ns", "b", "8", "Pending") + `,"type":"ADDED"}` + "\n")
	frames.WriteString(`{"type":"MODIFIED","x":1,"object":` + podJSON("ns", "b", "9", "Running") + "}\n")
	var watches atomic.Int32
	c := hCluster(t, kube.Options{}, hRT(func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("watch") != "true" {
			return hResp(r, 200, strings.NewReader(`{"kind":"PodList","metadata":{"resourceVersion":"5"},"items":[]}`)), nil
		}
		if watches.Add(1) == 1 {
			return hResp(r, 200, strings.NewReader(frames.String())), nil
		}
		return hResp(r, 200, &stallReader{ctx: r.Context()}), nil
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []string
	for ev, err := range c.Pods.Watch(ctx, watch.Options{ResourceVersion: "5"}) {
		require.NoError(t, err)
		got = append(got, string(ev.Type)+" "+ev.Object.Name()+" "+ev.Object.Version())
		if len(got) == 3 {
			break
		}
	}
	assert.Equal(t, []string{"ADDED a 7", "ADDED b 8", "MODIFIED b 9"}, got)
}

// ---- 2. bounded waits --------------------------------------------------------

func TestHeadersThatNeverArriveTimeOut(t *testing.T) {
	const bound = 7 * time.Second
	tests := []struct {
		reason string
		call   func(ctx context.Context, c *kube.Cluster) error
	}{
		{"a Get", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Pods.In("ns").Get(ctx, "p")
			return err
		}},
		{"a list", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Pods.List(ctx)
			return err
		}},
		{"a watch's OpenWatch (streams are not exempt)", func(ctx context.Context, c *kube.Cluster) error {
			st, err := c.Pods.Source().OpenWatch(ctx, watch.WatchOptions{ResourceVersion: "1"})
			if st != nil {
				st.Close()
			}
			return err
		}},
		{"a followed log (a stream)", func(ctx context.Context, c *kube.Cluster) error {
			for _, err := range c.Pods.In("ns").Logs(ctx, "p", sdk.LogOptions{Follow: true}) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := hCluster(t, kube.Options{HeaderTimeout: bound}, stalled)
				start := time.Now()
				err := tt.call(t.Context(), c)
				require.Error(t, err)
				assert.Equal(t, bound, time.Since(start), "abandoned after exactly HeaderTimeout")
				assert.ErrorIs(t, err, sdk.ErrTimeout)
				assert.ErrorIs(t, err, sdk.ErrKube)
				var te *sdk.TimeoutError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, "headers", te.Phase)
				assert.Equal(t, bound, te.After)
				assert.True(t, te.Timeout())
			})
		})
	}
}

func TestStalledBodyTimesOut(t *testing.T) {
	const bound = 9 * time.Second
	tests := []struct {
		reason string
		first  string // what the server sends before it stalls
		call   func(ctx context.Context, c *kube.Cluster) (int, error)
	}{
		{
			reason: "a list body that stalls mid-way (after one item)",
			first:  `{"kind":"PodList","metadata":{"resourceVersion":"5"},"items":[` + podJSON("ns", "a", "1", "Running") + `,`,
			call: func(ctx context.Context, c *kube.Cluster) (int, error) {
				n := 0
				for _, err := range c.Pods.All(ctx) {
					if err != nil {
						return n, err
					}
					n++
				}
				return n, nil
			},
		},
		{
			reason: "a Get body that stalls",
			first:  `{"kind":"Pod","metadata":{"name":`,
			call: func(ctx context.Context, c *kube.Cluster) (int, error) {
				_, err := c.Pods.In("ns").Get(ctx, "a")
				return 0, err
			},
		},
		{
			reason: "a list page read through the watch Source (Store, relists)",
			first:  `{"kind":"PodList","metadata":{"resourceVersion":"5"},"items":[`,
			call: func(ctx context.Context, c *kube.Cluster) (int, error) {
				page, err := c.Pods.Source().ListPage(ctx, watch.ListOptions{Limit: 1})
				return len(page.Items), err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := hCluster(t, kube.Options{BodyTimeout: bound}, hRT(func(r *http.Request) (*http.Response, error) {
					return hResp(r, 200, &stallReader{data: []byte(tt.first), ctx: r.Context()}), nil
				}))
				start := time.Now()
				n, err := tt.call(t.Context(), c)
				require.Error(t, err)
				assert.Equal(t, bound, time.Since(start), "abandoned after exactly BodyTimeout")
				assert.ErrorIs(t, err, sdk.ErrTimeout)
				var te *sdk.TimeoutError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, "body", te.Phase)
				assert.Equal(t, bound, te.After)
				if strings.Contains(tt.reason, "after one item") {
					assert.Equal(t, 1, n, "the item before the stall was delivered")
				}
			})
		})
	}
}

func TestFollowedLogIsNotCutByBodyTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const bound = 5 * time.Second
		const pause = 60 * time.Second // 12 times the body bound
		c := hCluster(t, kube.Options{BodyTimeout: bound, HeaderTimeout: bound}, hRT(func(r *http.Request) (*http.Response, error) {
			if r.URL.Query().Get("follow") != "true" {
				return hResp(r, 400, strings.NewReader("want follow")), nil
			}
			pr, pw := io.Pipe()
			go func() {
				defer pw.Close()
				fmt.Fprint(pw, "first\n")
				select {
				case <-time.After(pause):
				case <-r.Context().Done():
					pw.CloseWithError(context.Cause(r.Context()))
					return
				}
				fmt.Fprint(pw, "second\n")
			}()
			return hResp(r, 200, pr), nil
		}))
		start := time.Now()
		var lines []string
		for line, err := range c.Pods.In("ns").Logs(t.Context(), "p", sdk.LogOptions{Follow: true}) {
			require.NoError(t, err, "a followed log may be idle longer than BodyTimeout")
			lines = append(lines, line)
		}
		assert.Equal(t, []string{"first", "second"}, lines)
		assert.Equal(t, pause, time.Since(start))
	})
}

func TestNegativeTimeoutsDisableTheBounds(t *testing.T) {
	// The ctx deadline is longer than the default bounds (70 s), so a
	// bound left in place would fire first.
	const deadline = 5 * time.Minute
	tests := []struct {
		reason string
		opts   kube.Options
		rt     func(r *http.Request) (*http.Response, error)
	}{
		{"HeaderTimeout < 0: no header bound", kube.Options{HeaderTimeout: -1}, stalled},
		{"BodyTimeout < 0: no body bound", kube.Options{BodyTimeout: -1}, func(r *http.Request) (*http.Response, error) {
			return hResp(r, 200, &stallReader{data: []byte(`{"kind":"PodList","items":[`), ctx: r.Context()}), nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := hCluster(t, tt.opts, hRT(tt.rt))
				ctx, cancel := context.WithTimeout(t.Context(), deadline)
				defer cancel()
				start := time.Now()
				_, err := c.Pods.List(ctx)
				require.Error(t, err)
				assert.Equal(t, deadline, time.Since(start), "only the caller's deadline ended the wait")
				assert.NotErrorIs(t, err, sdk.ErrTimeout)
				var te *sdk.TimeoutError
				assert.False(t, errors.As(err, &te))
			})
		})
	}
}

func TestDefaultTimeoutsApply(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := hCluster(t, kube.Options{}, stalled)
		start := time.Now()
		_, err := c.Pods.In("ns").Get(t.Context(), "p")
		assert.ErrorIs(t, err, sdk.ErrTimeout)
		assert.Equal(t, sdk.DefaultHeaderTimeout, time.Since(start))
	})
}

// ---- 4. names escaped once --------------------------------------------------

func TestNamesEscapedOnce(t *testing.T) {
	tests := []struct {
		reason   string
		call     func(ctx context.Context, c *kube.Cluster) error
		wantPath string // EscapedPath of the request
	}{
		{"Get of a name with a space", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Pods.In("ns").Get(ctx, "with space")
			return err
		}, "/api/v1/namespaces/ns/pods/with%20space"},
		{"Get of a name with '?' and '#'", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Pods.In("ns").Get(ctx, "a?b#c")
			return err
		}, "/api/v1/namespaces/ns/pods/a%3Fb%23c"},
		{"Proxy.Get of a JoinPath with a space", func(ctx context.Context, c *kube.Cluster) error {
			p, err := sdk.JoinPath("/api/v1", "namespaces", "ns", "configmaps", "with space")
			if err != nil {
				return err
			}
			_, err = c.Proxy().Get(ctx, p, nil)
			return err
		}, "/api/v1/namespaces/ns/configmaps/with%20space"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			var got []string
			c := hCluster(t, kube.Options{}, hRT(func(r *http.Request) (*http.Response, error) {
				got = append(got, r.URL.EscapedPath())
				return hResp(r, 404, strings.NewReader(statusBody(404, "NotFound", "nope"))), nil
			}))
			err := tt.call(context.Background(), c)
			require.ErrorIs(t, err, sdk.ErrNotFound)
			require.Len(t, got, 1)
			assert.Equal(t, tt.wantPath, got[0])
			assert.NotContains(t, got[0], "%25", "nothing is escaped twice")
		})
	}
}

// ---- 5. non-object bodies, APIError read errors -------------------------------

func TestNonObjectBodiesAreDecodeErrors(t *testing.T) {
	bodies := []struct {
		reason string
		body   string
	}{
		{"null", "null"},
		{"an array", "[]"},
		{"a number", "42"},
		{"a string", `"pod"`},
		{"an empty body", ""},
		{"only white space", " \n "},
	}
	secret := `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"ns"},"data":{"k":"dg=="}}`
	for _, b := range bodies {
		for _, op := range []string{"Get", "Create"} {
			t.Run(op+" answered "+b.reason, func(t *testing.T) {
				c := hCluster(t, kube.Options{}, hRT(func(r *http.Request) (*http.Response, error) {
					code := 200
					if r.Method == http.MethodPost {
						code = 201
					}
					return hResp(r, code, strings.NewReader(b.body)), nil
				}))
				var err error
				var it *kinds.Secret
				if op == "Get" {
					it, err = c.Secrets.In("ns").Get(context.Background(), "s")
				} else {
					it, err = c.Secrets.In("ns").Create(context.Background(), secret, sdk.CreateOptions{})
				}
				require.Error(t, err, "an empty item is no answer")
				assert.Nil(t, it)
				var de *sdk.DecodeError
				require.ErrorAs(t, err, &de)
				assert.ErrorIs(t, err, sdk.ErrKube)
			})
		}
	}
	t.Run("Client.Create answered null", func(t *testing.T) {
		c := hCluster(t, kube.Options{}, hRT(func(r *http.Request) (*http.Response, error) {
			return hResp(r, 201, strings.NewReader("null")), nil
		}))
		obj, err := c.Create(context.Background(), secret, sdk.CreateOptions{})
		assert.Nil(t, obj)
		var de *sdk.DecodeError
		require.ErrorAs(t, err, &de)
	})
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func TestAPIErrorShowsTheReadError(t *testing.T) {
	c := hCluster(t, kube.Options{}, hRT(func(r *http.Request) (*http.Response, error) {
		return hResp(r, 500, io.MultiReader(strings.NewReader(`{"kind":"Sta`), failingReader{errors.New("connection reset by peer")})), nil
	}))
	_, err := c.Pods.In("ns").Get(context.Background(), "p")
	var ae *sdk.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 500, ae.Code)
	assert.ErrorIs(t, err, sdk.ErrInternal)
	assert.Contains(t, err.Error(), "connection reset by peer", "the read error is not hidden by the status code")
	assert.Contains(t, err.Error(), "500")
}

// ---- 6. manifests validated before any request --------------------------------

func TestManifestNamesAndNamespacesValidated(t *testing.T) {
	manifest := func(ns, name string) string {
		return fmt.Sprintf(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":%q,"namespace":%q},"data":{"k":"dg=="}}`, name, ns)
	}
	tests := []struct {
		reason   string
		manifest string
		opts     sdk.CreateOptions
		field    string // ManifestError.Field; "" for a NamespaceError
	}{
		{"namespace .. would climb the path", manifest("..", "s"), sdk.CreateOptions{}, "metadata.namespace"},
		{"namespace with a slash and capitals", manifest("Bad/NS", "s"), sdk.CreateOptions{}, "metadata.namespace"},
		{"name ..", manifest("ns", ".."), sdk.CreateOptions{}, "metadata.name"},
		{"name .", manifest("ns", "."), sdk.CreateOptions{}, "metadata.name"},
		{"name with a slash", manifest("ns", "a/b"), sdk.CreateOptions{}, "metadata.name"},
		{"name with a percent", manifest("ns", "a%2Fb"), sdk.CreateOptions{}, "metadata.name"},
		{"CreateOptions.Namespace with a slash", manifest("", "s"), sdk.CreateOptions{Namespace: "a/b"}, ""},
		{"CreateOptions.Namespace ..", manifest("", "s"), sdk.CreateOptions{Namespace: ".."}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			var calls atomic.Int32
			c := hCluster(t, kube.Options{}, hRT(func(r *http.Request) (*http.Response, error) {
				calls.Add(1)
				return hResp(r, 201, strings.NewReader(manifest("ns", "s"))), nil
			}))
			check := func(err error) {
				t.Helper()
				require.Error(t, err)
				if tt.field == "" {
					var ne *sdk.NamespaceError
					require.ErrorAs(t, err, &ne)
				} else {
					var me *sdk.ManifestError
					require.ErrorAs(t, err, &me)
					assert.Equal(t, tt.field, me.Field)
				}
			}
			_, err := c.Create(context.Background(), tt.manifest, tt.opts)
			check(err)
			_, err = c.Secrets.Create(context.Background(), tt.manifest, tt.opts)
			check(err)
			_, err = c.ApplyManifests(context.Background(), []byte(tt.manifest), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "t"}, Namespace: tt.opts.Namespace})
			check(err)
			assert.Zero(t, calls.Load(), "no request was sent")
		})
	}
}

func TestYAMLErrorsDoNotQuoteTheSource(t *testing.T) {
	tests := []struct {
		reason string
		yaml   string
		line   string
	}{
		{"an unknown anchor in a Secret", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: *S3cret\n", "line 6"},
		{"an unknown anchor on the first line", "password: *S3cret\n", "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			for name, parse := range map[string]func() error{
				"ParseManifest":  func() error { _, err := sdk.ParseManifest(tt.yaml); return err },
				"ParseManifests": func() error { _, err := sdk.ParseManifests([]byte(tt.yaml)); return err },
			} {
				err := parse()
				var me *sdk.ManifestError
				require.ErrorAs(t, err, &me, name)
				assert.NotContains(t, err.Error(), "S3cret", name)
				assert.NotContains(t, fmt.Sprintf("%+v %#v", err, me), "S3cret", name)
				assert.Contains(t, err.Error(), tt.line, name)
			}
		})
	}
}

// ---- 7. limits ----------------------------------------------------------------

// endless is a body far larger than any limit: prefix, then filler bytes
// up to 16 MiB (so that a client without a limit fails this test quickly
// instead of reading forever); it counts what was read.
type endless struct {
	prefix []byte
	fill   byte
	n      atomic.Int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n.Load() >= 16<<20 {
		return 0, io.EOF
	}
	n := copy(p, e.prefix)
	e.prefix = e.prefix[n:]
	for i := n; i < len(p); i++ {
		p[i] = e.fill
	}
	e.n.Add(int64(len(p)))
	return len(p), nil
}

func TestObjectSizeLimit(t *testing.T) {
	const max = 4096
	tests := []struct {
		reason string
		prefix string
		call   func(ctx context.Context, c *kube.Cluster) error
	}{
		{"a list item that never ends", `{"kind":"PodList","metadata":{},"items":[{"kind":"Pod","metadata":{"name":"`, func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Pods.List(ctx)
			return err
		}},
		{"a list item that never ends, through the watch Source", `{"kind":"PodList","metadata":{},"items":[` + podJSON("ns", "a", "1", "x") + `,{"metadata":{"annotations":{"a":"`, func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Pods.Source().ListPage(ctx, watch.ListOptions{})
			return err
		}},
		{"a Get body that never ends", `{"kind":"Pod","metadata":{"name":"`, func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Pods.In("ns").Get(ctx, "a")
			return err
		}},
		{"a watch object that never ends", `{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"`, func(ctx context.Context, c *kube.Cluster) error {
			st, err := c.Pods.Source().OpenWatch(ctx, watch.WatchOptions{ResourceVersion: "1"})
			if err != nil {
				return err
			}
			defer st.Close()
			_, err = st.Next()
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			body := &endless{prefix: []byte(tt.prefix), fill: 'a'}
			c := hCluster(t, kube.Options{MaxObjectBytes: max}, hRT(func(r *http.Request) (*http.Response, error) {
				return hResp(r, 200, body), nil
			}))
			err := tt.call(context.Background(), c)
			require.ErrorIs(t, err, sdk.ErrTooLarge)
			assert.ErrorIs(t, err, sdk.ErrKube)
			assert.Less(t, body.n.Load(), int64(1<<20), "reading stopped near the limit")
		})
	}
	t.Run("objects under the limit decode", func(t *testing.T) {
		c := hCluster(t, kube.Options{MaxObjectBytes: max}, hRT(func(r *http.Request) (*http.Response, error) {
			return hResp(r, 200, strings.NewReader(listBody([]string{podJSON("ns", "a", "1", "x"), podJSON("ns", "b", "2", "x"), podJSON("ns", "c", "3", "x")}, "", "9"))), nil
		}))
		items, err := c.Pods.List(context.Background())
		require.NoError(t, err)
		assert.Len(t, items, 3, "the limit is per object, not per list")
	})
}

func TestRepeatedContinueTokenEndsAll(t *testing.T) {
	tests := []struct {
		reason   string
		tokens   []string // continue token of each page
		wantReqs int32
	}{
		{"the same token twice in a row", []string{"t1", "t1", "t1", "t1"}, 2},
		{"a token seen two pages before", []string{"t1", "t2", "t1", "t2"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			var reqs atomic.Int32
			c := hCluster(t, kube.Options{}, hRT(func(r *http.Request) (*http.Response, error) {
				i := reqs.Add(1) - 1
				if int(i) >= len(tt.tokens) {
					return hResp(r, 500, strings.NewReader("too many pages")), nil
				}
				name := fmt.Sprintf("p%d", i)
				return hResp(r, 200, strings.NewReader(listBody([]string{podJSON("ns", name, "1", "x")}, tt.tokens[i], "9"))), nil
			}))
			n := 0
			var last error
			for _, err := range c.Pods.All(context.Background()) {
				if err != nil {
					last = err
					break
				}
				n++
			}
			require.Error(t, last)
			assert.Contains(t, last.Error(), "repeated a continue token")
			assert.ErrorIs(t, last, sdk.ErrKube)
			assert.Equal(t, tt.wantReqs, reqs.Load(), "ended at the first repeat")
			assert.Equal(t, int(tt.wantReqs), n, "every page's items were delivered")
		})
	}
}

// ---- 8. printing a Secret item --------------------------------------------------

const (
	plainSecret = "hunter2-plain-value"
	annotSecret = "annotation-only-value"
)

func secretItem(t *testing.T) *kinds.Secret {
	t.Helper()
	b64 := base64.StdEncoding.EncodeToString([]byte(plainSecret))
	lastApplied := fmt.Sprintf(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"ns"},"data":{"password":%q},"stringData":{"other":%q}}`, b64, annotSecret)
	raw, err := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{
			"name": "db", "namespace": "ns", "resourceVersion": "3", "uid": "u1",
			"labels":      map[string]string{"app": "db"},
			"annotations": map[string]string{sdk.LastAppliedAnnotation: lastApplied, "note": "visible"},
		},
		"type": "Opaque",
		"data": map[string]string{"password": b64},
	})
	require.NoError(t, err)
	it, err := sdk.DecodeItem(nil, kinds.SecretKind, raw)
	require.NoError(t, err)
	got, err := it.Status().Get("password")
	require.NoError(t, err)
	require.Equal(t, plainSecret, string(got), "the item does hold the data")
	require.Contains(t, it.Meta().Annotations.Value(sdk.LastAppliedAnnotation), annotSecret)
	return it
}

// leaks returns the secret material found in s.
func leaks(s string) []string {
	var found []string
	b64 := base64.StdEncoding.EncodeToString([]byte(plainSecret))
	for _, secret := range []string{plainSecret, b64, annotSecret, fmt.Sprintf("%x", plainSecret), fmt.Sprintf("%X", plainSecret), fmt.Sprintf("%x", b64), fmt.Sprintf("%X", b64), fmt.Sprintf("%x", annotSecret)} {
		if strings.Contains(s, secret) {
			found = append(found, secret)
		}
	}
	// the bytes of the raw JSON as a decimal list (%d of a []byte)
	if strings.Contains(s, fmt.Sprint([]byte(plainSecret[:8]))[1:20]) {
		found = append(found, "decimal bytes")
	}
	return found
}

type holder struct {
	Name   string
	item   *kinds.Secret
	meta   sdk.ObjectMeta
	status kinds.SecretStatus
	Item   *kinds.Secret
}

func TestSecretItemNeverPrintsItsData(t *testing.T) {
	it := secretItem(t)
	values := map[string]any{
		"pointer":                      it,
		"value":                        *it,
		"meta":                         it.Meta(),
		"annotations":                  it.Meta().Annotations,
		"status":                       it.Status(),
		"struct with unexported field": holder{Name: "h", item: it, meta: it.Meta(), status: it.Status(), Item: it},
		"pointer to that struct":       &holder{Name: "h", item: it, meta: it.Meta(), status: it.Status()},
		"slice":                        []*kinds.Secret{it, it},
		"slice of values":              []kinds.Secret{*it},
		"map":                          map[string]*kinds.Secret{"a": it},
		"map of metas":                 map[string]sdk.ObjectMeta{"a": it.Meta()},
		"any slice":                    []any{it, it.Meta(), it.Status()},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%p", "%T", "%t", "%o", "%O", "%b", "%e", "%g", "%c", "%U", "%8.3v", "%-20s"}
	for name, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			assert.Empty(t, leaks(out), "%s of %s printed %q", verb, name, out)
		}
		assert.Empty(t, leaks(fmt.Sprint(v)), "Sprint of %s", name)
		assert.Empty(t, leaks(fmt.Sprintln(v)), "Sprintln of %s", name)
	}
	t.Run("the item still says what it is", func(t *testing.T) {
		assert.Contains(t, fmt.Sprint(it), "ns/db")
		assert.Contains(t, fmt.Sprint(it.Meta().Annotations), "note=visible")
	})
	t.Run("encoding/json", func(t *testing.T) {
		for name, v := range map[string]any{
			"struct holding Meta":  struct{ Meta sdk.ObjectMeta }{it.Meta()},
			"Meta":                 it.Meta(),
			"pointer to Meta":      ptr(it.Meta()),
			"item":                 it,
			"struct holding items": struct{ Items []*kinds.Secret }{[]*kinds.Secret{it}},
			"status":               it.Status(),
		} {
			out, err := json.Marshal(v)
			require.NoError(t, err, name)
			assert.Empty(t, leaks(string(out)), "json of %s: %s", name, out)
		}
		out, err := json.Marshal(it.Meta())
		require.NoError(t, err)
		assert.Contains(t, string(out), `"note":"visible"`, "other annotations are kept")
	})
	t.Run("slog", func(t *testing.T) {
		var buf bytes.Buffer
		for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
			l := slog.New(h)
			l.Info("secret", "item", it, "meta", it.Meta(), "status", it.Status(), "holder", holder{item: it, meta: it.Meta()},
				"items", []*kinds.Secret{it}, "map", map[string]any{"m": it.Meta()}, slog.Group("g", "item", *it))
		}
		require.NotEmpty(t, buf.String())
		assert.Empty(t, leaks(buf.String()), "slog printed %s", buf.String())
	})
}

func ptr[T any](v T) *T { return &v }

// ---- 9. the seed's URL form ---------------------------------------------------

func TestSeedURLForms(t *testing.T) {
	tests := []struct {
		reason string
		url    string
		want   string
	}{
		{"the seed's form ends with /api", base + "/api", "/api/v1/namespaces/ns/pods/p"},
		{"the seed's form with a slash", base + "/api/", "/api/v1/namespaces/ns/pods/p"},
		{"a plain server", base, "/api/v1/namespaces/ns/pods/p"},
		{"a prefix", base + "/k8s", "/k8s/api/v1/namespaces/ns/pods/p"},
		{"a prefix with a slash", base + "/k8s/", "/k8s/api/v1/namespaces/ns/pods/p"},
		{"a prefix ending in /api", base + "/k8s/api", "/k8s/api/v1/namespaces/ns/pods/p"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			var got []string
			c := hCluster(t, kube.Options{URL: tt.url}, hRT(func(r *http.Request) (*http.Response, error) {
				got = append(got, r.URL.Path)
				return hResp(r, 404, strings.NewReader(statusBody(404, "NotFound", "no"))), nil
			}))
			_, err := c.Pods.In("ns").Get(context.Background(), "p")
			require.ErrorIs(t, err, sdk.ErrNotFound)
			assert.Equal(t, []string{tt.want}, got)
			var ae *sdk.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.want, ae.Path, "the error shows the full path sent")
			assert.Contains(t, err.Error(), tt.want)
			got = nil
			_, err = c.Deployments.In("ns").Get(context.Background(), "d")
			require.Error(t, err)
			require.NotEmpty(t, got)
			assert.NotContains(t, got[0], "/api/api", "a group path is not doubled either")
		})
	}
}

// ---- 10. logs -------------------------------------------------------------------

func TestLogsUnavailableIsNotNotFound(t *testing.T) {
	tests := []struct {
		reason       string
		podExists    bool
		want, notWnt error
	}{
		{"an existing pod whose log the node cannot give", true, sdk.ErrLogsUnavailable, sdk.ErrNotFound},
		{"a missing pod", false, sdk.ErrNotFound, sdk.ErrLogsUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			var paths []string
			c := hCluster(t, kube.Options{}, hRT(func(r *http.Request) (*http.Response, error) {
				paths = append(paths, r.URL.Path)
				if r.URL.Path == "/api/v1/namespaces/ns/pods/p" && tt.podExists {
					return hResp(r, 200, strings.NewReader(podJSON("ns", "p", "1", "Pending"))), nil
				}
				return hResp(r, 404, strings.NewReader(statusBody(404, "NotFound", `pods "p" not found`))), nil
			}))
			var errs []error
			for _, err := range c.Pods.In("ns").Logs(context.Background(), "p", sdk.LogOptions{}) {
				errs = append(errs, err)
			}
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], tt.want)
			assert.NotErrorIs(t, errs[0], tt.notWnt)
			assert.ErrorIs(t, errs[0], sdk.ErrKube)
			assert.Equal(t, "/api/v1/namespaces/ns/pods/p/log", paths[0])
		})
	}
}

// ---- 11. watching a missing namespace ----------------------------------------------

// nsServer answers the namespace check with nsCode, lists with one pod,
// and watches with an initial-list stream (ADDED, then the end bookmark)
// that then stays open until the request ends.
func nsServer(t *testing.T, nsCode int) (*kube.Cluster, *sync.Map) {
	t.Helper()
	var seen sync.Map // path -> count
	c := hCluster(t, kube.Options{}, hRT(func(r *http.Request) (*http.Response, error) {
		n, _ := seen.LoadOrStore(r.URL.Path, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		switch {
		case r.URL.Path == "/api/v1/namespaces/nope":
			if nsCode == 200 {
				return hResp(r, 200, strings.NewReader(`{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"nope"}}`)), nil
			}
			return hResp(r, nsCode, strings.NewReader(statusBody(nsCode, http.StatusText(nsCode), "namespace check"))), nil
		case r.URL.Path != "/api/v1/namespaces/nope/pods":
			return hResp(r, 500, strings.NewReader("unexpected path "+r.URL.Path)), nil
		case r.URL.Query().Get("watch") == "true":
			frames := `{"type":"ADDED","object":` + podJSON("nope", "p", "5", "Running") + "}\n" +
				`{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"6","annotations":{"k8s.io/initial-events-end":"true"}}}}` + "\n"
			return hResp(r, 200, &stallReader{data: []byte(frames), ctx: r.Context()}), nil
		default:
			return hResp(r, 200, strings.NewReader(listBody([]string{podJSON("nope", "p", "5", "Running")}, "", "6"))), nil
		}
	}))
	return c, &seen
}

func count(m *sync.Map, path string) int32 {
	n, ok := m.Load(path)
	if !ok {
		return 0
	}
	return n.(*atomic.Int32).Load()
}

func TestWatchingAMissingNamespace(t *testing.T) {
	entries := []struct {
		reason string
		run    func(ctx context.Context, v *sdk.PodView[kinds.PodStatus]) error
	}{
		{"Store.Run", func(ctx context.Context, v *sdk.PodView[kinds.PodStatus]) error {
			return watch.NewStore(v.Source(), watch.StoreOptions{}).Run(ctx)
		}},
		{"WaitFor", func(ctx context.Context, v *sdk.PodView[kinds.PodStatus]) error {
			_, err := watch.WaitFor(ctx, v.ObjectSource("p"), func(p *kinds.Pod, exists bool) (bool, error) { return exists, nil })
			return err
		}},
		{"View.Watch", func(ctx context.Context, v *sdk.PodView[kinds.PodStatus]) error {
			for _, err := range v.Watch(ctx, watch.Options{}) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"View.Watch with InitialList", func(ctx context.Context, v *sdk.PodView[kinds.PodStatus]) error {
			for _, err := range v.Watch(ctx, watch.Options{InitialList: true}) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"Source().OpenWatch", func(ctx context.Context, v *sdk.PodView[kinds.PodStatus]) error {
			st, err := v.Source().OpenWatch(ctx, watch.WatchOptions{ResourceVersion: "1"})
			if st != nil {
				st.Close()
			}
			return err
		}},
		{"Source().ListPage", func(ctx context.Context, v *sdk.PodView[kinds.PodStatus]) error {
			_, err := v.Source().ListPage(ctx, watch.ListOptions{})
			return err
		}},
	}
	for _, e := range entries {
		t.Run(e.reason+" ends with a NamespaceError", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, seen := nsServer(t, 404)
				ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
				defer cancel()
				start := time.Now()
				err := e.run(ctx, c.Pods.In("nope"))
				var ne *sdk.NamespaceError
				require.ErrorAs(t, err, &ne)
				assert.Equal(t, "nope", ne.Namespace)
				assert.Equal(t, "Pod", ne.Kind)
				assert.Contains(t, err.Error(), "does not exist")
				assert.Less(t, time.Since(start), time.Minute, "at once, not after retries until the deadline")
				assert.Zero(t, count(seen, "/api/v1/namespaces/nope/pods"), "no list or watch of the pods")
			})
		})
	}
	t.Run("a 403 on the namespace check does not stop the watch", func(t *testing.T) {
		for _, code := range []int{403, 200} {
			t.Run(fmt.Sprint(code), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					c, seen := nsServer(t, code)
					ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
					defer cancel()
					v := c.Pods.In("nope")
					page, err := v.Source().ListPage(ctx, watch.ListOptions{})
					require.NoError(t, err)
					require.Len(t, page.Items, 1)
					st, err := v.Source().OpenWatch(ctx, watch.WatchOptions{ResourceVersion: "6"})
					require.NoError(t, err)
					ev, err := st.Next()
					require.NoError(t, err)
					assert.Equal(t, "p", ev.Object.Name())
					st.Close()
					pod, err := watch.WaitFor(ctx, v.ObjectSource("p"), func(p *kinds.Pod, exists bool) (bool, error) { return exists, nil })
					require.NoError(t, err)
					assert.Equal(t, "p", pod.Name())
					assert.Positive(t, count(seen, "/api/v1/namespaces/nope"), "the namespace was checked")
				})
			})
		}
	})
}

func TestStoreSurvivesAnErrorFrameWithoutStatus(t *testing.T) {
	// A Store whose watch gets an ERROR frame without a Status relists and
	// keeps running (issue #11: a corrupted frame must not stop a Store).
	synctest.Test(t, func(t *testing.T) {
		var lists, watches atomic.Int32
		c := hCluster(t, kube.Options{}, hRT(func(r *http.Request) (*http.Response, error) {
			if r.URL.Query().Get("watch") != "true" {
				lists.Add(1)
				return hResp(r, 200, strings.NewReader(listBody([]string{podJSON("ns", "a", "1", "Running")}, "", "5"))), nil
			}
			if watches.Add(1) == 1 {
				return hResp(r, 200, strings.NewReader(`{"type":"ERROR","object":{}}`+"\n")), nil
			}
			return hResp(r, 200, &stallReader{ctx: r.Context()}), nil
		}))
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
		defer cancel()
		var retried []error
		s := watch.NewStore(c.Pods.Source(), watch.StoreOptions{LoopOptions: watch.LoopOptions{
			NoStreamingList: true,
			OnRetry:         func(err error, _ time.Duration) { retried = append(retried, err) },
		}})
		err := s.Run(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded, "the Store ran until its context ended")
		assert.GreaterOrEqual(t, lists.Load(), int32(2), "it relisted after the malformed frame")
		assert.GreaterOrEqual(t, watches.Load(), int32(2), "and watched again")
		require.NotEmpty(t, retried)
		assert.ErrorIs(t, retried[0], watch.ErrMalformed)
		_, ok := s.Get("ns/a")
		assert.True(t, ok)
	})
}
