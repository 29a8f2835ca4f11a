package remote_test

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/remote"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/transport"
)

// wsServer plays the API server's side of a stream: serve runs on the
// accepted WebSocket of each request for a pod subresource.
type wsServer struct {
	protocols []string // offered in the handshake; nil means v5 and v4
	serve     func(ctx context.Context, c *websocket.Conn, r *http.Request)

	mu   sync.Mutex
	reqs []*http.Request
	wg   sync.WaitGroup // running handlers
}

// wait waits, with a bound, until every handler has returned.
func (s *wsServer) wait(t *testing.T) {
	t.Helper()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the server's handler did not return")
	}
}

func (s *wsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.wg.Add(1)
	defer s.wg.Done()
	s.mu.Lock()
	s.reqs = append(s.reqs, r.Clone(context.Background()))
	s.mu.Unlock()
	protos := s.protocols
	if protos == nil {
		protos = []string{remote.ProtocolV5, remote.ProtocolV4}
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: protos})
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	s.serve(ctx, c, r)
}

func (s *wsServer) lastRequest(t *testing.T) *http.Request {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.NotEmpty(t, s.reqs)
	return s.reqs[len(s.reqs)-1]
}

// newUnitCluster serves h and returns a client for it.
func newUnitCluster(t *testing.T, h http.Handler) *kube.Cluster {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := kube.New(kube.Options{URL: srv.URL})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func send(ctx context.Context, c *websocket.Conn, ch byte, data string) {
	c.Write(ctx, websocket.MessageBinary, append([]byte{ch}, data...))
}

const exit3 = `{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}`

func TestExecStreams(t *testing.T) {
	type result struct {
		stdout, stderr string
		stdinSeen      string
		closeSeen      bool
	}
	tests := []struct {
		name      string
		reason    string
		protocols []string
		stdin     string
		serve     func(ctx context.Context, c *websocket.Conn, got *result)
		check     func(t *testing.T, err error, out result)
	}{
		{
			name: "success", reason: "stdout and stderr come apart, a Success status is nil",
			serve: func(ctx context.Context, c *websocket.Conn, _ *result) {
				send(ctx, c, 1, "")
				send(ctx, c, 1, "out ")
				send(ctx, c, 2, "err")
				send(ctx, c, 1, "put")
				send(ctx, c, 3, `{"metadata":{},"status":"Success"}`)
				c.Close(websocket.StatusNormalClosure, "")
			},
			check: func(t *testing.T, err error, out result) {
				require.NoError(t, err)
				assert.Equal(t, "out put", out.stdout)
				assert.Equal(t, "err", out.stderr)
			},
		},
		{
			name: "exit code", reason: "NonZeroExitCode is an *ExitError with the code",
			serve: func(ctx context.Context, c *websocket.Conn, _ *result) {
				send(ctx, c, 3, exit3)
				c.Close(websocket.StatusNormalClosure, "")
			},
			check: func(t *testing.T, err error, _ result) {
				var ee *remote.ExitError
				require.ErrorAs(t, err, &ee)
				assert.Equal(t, 3, ee.Code)
				assert.Equal(t, "ns/p", ee.Pod)
				var se *remote.StreamError
				assert.False(t, errors.As(err, &se))
			},
		},
		{
			name: "remote failure", reason: "another Failure is a *RemoteError with the server's message",
			serve: func(ctx context.Context, c *websocket.Conn, _ *result) {
				send(ctx, c, 3, `{"status":"Failure","reason":"InternalError","message":"exec: \"nope\": executable file not found"}`)
				c.Close(websocket.StatusNormalClosure, "")
			},
			check: func(t *testing.T, err error, _ result) {
				var re *remote.RemoteError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, "InternalError", re.Reason)
				assert.Contains(t, re.Message, "executable file not found")
			},
		},
		{
			name: "stdin with v5", reason: "stdin is sent on channel 0 and its end signalled with the v5 close message",
			stdin: "hello\nworld\n",
			serve: func(ctx context.Context, c *websocket.Conn, got *result) {
				for {
					_, data, err := c.Read(ctx)
					if err != nil {
						return
					}
					if len(data) == 2 && data[0] == 255 && data[1] == 0 {
						got.closeSeen = true
						break
					}
					if len(data) > 0 && data[0] == 0 {
						got.stdinSeen += string(data[1:])
					}
				}
				send(ctx, c, 1, strings.ToUpper(got.stdinSeen))
				c.Close(websocket.StatusNormalClosure, "")
			},
			check: func(t *testing.T, err error, out result) {
				require.NoError(t, err)
				assert.Equal(t, "hello\nworld\n", out.stdinSeen)
				assert.True(t, out.closeSeen)
				assert.Equal(t, "HELLO\nWORLD\n", out.stdout)
			},
		},
		{
			name: "v4 fallback", reason: "a server that only speaks v4 is used with it; stdin's end cannot be signalled",
			protocols: []string{remote.ProtocolV4}, stdin: "abc",
			serve: func(ctx context.Context, c *websocket.Conn, got *result) {
				// A v5 client would send its close message right after the
				// data: wait a little for one after "abc".
				msgs := make(chan []byte)
				go func() {
					defer close(msgs)
					for {
						_, data, err := c.Read(ctx)
						if err != nil {
							return
						}
						msgs <- data
					}
				}()
				window := time.After(10 * time.Second)
			read:
				for {
					select {
					case data, ok := <-msgs:
						if !ok {
							break read
						}
						if len(data) > 0 && data[0] == 255 {
							got.closeSeen = true
						}
						if len(data) > 0 && data[0] == 0 {
							got.stdinSeen += string(data[1:])
							if got.stdinSeen == "abc" {
								window = time.After(300 * time.Millisecond)
							}
						}
					case <-window:
						break read
					}
				}
				send(ctx, c, 3, exit3)
				c.Close(websocket.StatusNormalClosure, "")
				for range msgs {
				}
			},
			check: func(t *testing.T, err error, out result) {
				var ee *remote.ExitError
				require.ErrorAs(t, err, &ee)
				assert.Equal(t, "abc", out.stdinSeen)
				assert.False(t, out.closeSeen, "no v5 close message on v4")
			},
		},
		{
			name: "unknown channel", reason: "a message on a channel the protocol does not have is a protocol error",
			serve: func(ctx context.Context, c *websocket.Conn, _ *result) {
				send(ctx, c, 9, "??")
				c.Close(websocket.StatusNormalClosure, "")
			},
			check: func(t *testing.T, err error, _ result) {
				assert.ErrorIs(t, err, remote.ErrProtocol)
				var se *remote.StreamError
				assert.ErrorAs(t, err, &se)
			},
		},
		{
			name: "hostile status", reason: "a status that is not JSON is a protocol error",
			serve: func(ctx context.Context, c *websocket.Conn, _ *result) {
				send(ctx, c, 3, `{"status":"Failure","details":{"causes":[{"reason":"ExitCode","message":"-1"}]},"reason":"NonZeroExitCode"`)
				c.Close(websocket.StatusNormalClosure, "")
			},
			check: func(t *testing.T, err error, _ result) {
				assert.ErrorIs(t, err, remote.ErrProtocol)
			},
		},
		{
			name: "negative exit code", reason: "an exit code that is not positive is a protocol error, not an ExitError",
			serve: func(ctx context.Context, c *websocket.Conn, _ *result) {
				send(ctx, c, 3, `{"status":"Failure","details":{"causes":[{"reason":"ExitCode","message":"-1"}]},"reason":"NonZeroExitCode"}`)
				c.Close(websocket.StatusNormalClosure, "")
			},
			check: func(t *testing.T, err error, _ result) {
				assert.ErrorIs(t, err, remote.ErrProtocol)
			},
		},
		{
			name: "closed early", reason: "a connection dropped without a close frame or status is a stream error",
			serve: func(ctx context.Context, c *websocket.Conn, _ *result) {
				send(ctx, c, 1, "partial")
				c.CloseNow()
			},
			check: func(t *testing.T, err error, out result) {
				var se *remote.StreamError
				require.ErrorAs(t, err, &se)
				assert.NotErrorIs(t, err, remote.ErrProtocol)
				assert.Equal(t, "partial", out.stdout)
			},
		},
		{
			name: "closed without status", reason: "a normal close without a status is a success (what v4 servers do)",
			serve: func(ctx context.Context, c *websocket.Conn, _ *result) {
				send(ctx, c, 1, "done")
				c.Close(websocket.StatusNormalClosure, "")
			},
			check: func(t *testing.T, err error, out result) {
				require.NoError(t, err)
				assert.Equal(t, "done", out.stdout)
			},
		},
		{
			name: "two statuses", reason: "a second status is a protocol error",
			serve: func(ctx context.Context, c *websocket.Conn, _ *result) {
				send(ctx, c, 3, `{"status":"Success"}`)
				send(ctx, c, 3, exit3)
				c.Close(websocket.StatusNormalClosure, "")
			},
			check: func(t *testing.T, err error, _ result) {
				assert.ErrorIs(t, err, remote.ErrProtocol)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got result
			srv := &wsServer{protocols: tt.protocols, serve: func(ctx context.Context, c *websocket.Conn, _ *http.Request) { tt.serve(ctx, c, &got) }}
			c := newUnitCluster(t, srv)
			var stdout, stderr strings.Builder
			opts := remote.ExecOptions{Command: []string{"sh", "-c", "x"}, Streams: remote.Streams{Stdout: &stdout, Stderr: &stderr}}
			if tt.stdin != "" {
				opts.Stdin = strings.NewReader(tt.stdin)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			err := remote.Exec(ctx, c.Pods.In("ns"), "p", opts)
			srv.wait(t)
			got.stdout, got.stderr = stdout.String(), stderr.String()
			tt.check(t, err, got)
		})
	}
}

func TestExecRequest(t *testing.T) {
	srv := &wsServer{serve: func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		c.Close(websocket.StatusNormalClosure, "")
	}}
	c := newUnitCluster(t, srv)
	err := remote.Exec(t.Context(), c.Pods.In("ns"), "p", remote.ExecOptions{
		Command: []string{"ls", "-l", "/a b&c"}, Container: "app",
		Streams: remote.Streams{Stdin: strings.NewReader(""), TTY: true},
	})
	require.NoError(t, err)
	r := srv.lastRequest(t)
	assert.Equal(t, "/api/v1/namespaces/ns/pods/p/exec", r.URL.Path)
	q := r.URL.Query()
	assert.Equal(t, []string{"ls", "-l", "/a b&c"}, q["command"], "each argument, in order, escaped")
	assert.Equal(t, "app", q.Get("container"))
	assert.Equal(t, "true", q.Get("stdin"))
	assert.Equal(t, "true", q.Get("stdout"))
	assert.Equal(t, "true", q.Get("tty"))
	assert.Empty(t, q.Get("stderr"), "a TTY merges stderr into stdout")
	assert.Equal(t, remote.ProtocolV5+","+remote.ProtocolV4, r.Header.Get("Sec-WebSocket-Protocol"))

	err = remote.Attach(t.Context(), c.Pods.In("ns"), "p", remote.AttachOptions{Container: "app"})
	require.NoError(t, err)
	r = srv.lastRequest(t)
	assert.Equal(t, "/api/v1/namespaces/ns/pods/p/attach", r.URL.Path)
	assert.Equal(t, "true", r.URL.Query().Get("stderr"))
	assert.Empty(t, r.URL.Query()["command"])
}

func TestExecResize(t *testing.T) {
	got := make(chan string, 4)
	srv := &wsServer{serve: func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		for i := 0; i < 2; i++ {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			if data[0] == 4 {
				got <- string(data[1:])
			}
		}
		c.Close(websocket.StatusNormalClosure, "")
	}}
	c := newUnitCluster(t, srv)
	sizes := make(chan remote.TerminalSize, 2)
	sizes <- remote.TerminalSize{Width: 80, Height: 24}
	sizes <- remote.TerminalSize{Width: 120, Height: 40}
	err := remote.Exec(t.Context(), c.Pods.In("ns"), "p", remote.ExecOptions{Command: []string{"sh"}, Streams: remote.Streams{TTY: true, Resize: sizes}})
	require.NoError(t, err)
	assert.Equal(t, `{"Width":80,"Height":24}`, <-got)
	assert.Equal(t, `{"Width":120,"Height":40}`, <-got)
}

func TestExecContextEndsStream(t *testing.T) {
	srv := &wsServer{serve: func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		send(ctx, c, 1, "started\n")
		c.Read(ctx) // until the client goes or the bound
	}}
	c := newUnitCluster(t, srv)
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- remote.Exec(ctx, c.Pods.In("ns"), "p", remote.ExecOptions{Command: []string{"sleep"}, Streams: remote.Streams{Stdout: pw}})
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "started\n", line)
	cancel()
	select {
	case err := <-done:
		var se *remote.StreamError
		require.ErrorAs(t, err, &se)
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("Exec did not return after ctx ended")
	}
}

func TestHandshakeRefused(t *testing.T) {
	tests := []struct {
		name, reason string
		code         int
		body         string
		check        func(t *testing.T, err error)
	}{
		{"kubectl proxy", "kubectl proxy's plain 403 is a *ProxyRejectedError saying what to do", 403, "Forbidden\n", func(t *testing.T, err error) {
			require.ErrorIs(t, err, remote.ErrProxyRejected)
			assert.Contains(t, err.Error(), "kubeconfig")
			assert.Contains(t, err.Error(), "--reject-paths")
		}},
		{"RBAC", "the API server's 403 is a Status: an *sdk.APIError, ErrForbidden", 403,
			`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"p\" is forbidden: User \"alice\" cannot create resource \"pods/exec\"","reason":"Forbidden","code":403}`,
			func(t *testing.T, err error) {
				assert.ErrorIs(t, err, sdk.ErrForbidden)
				assert.NotErrorIs(t, err, remote.ErrProxyRejected)
				assert.Contains(t, err.Error(), "cannot create resource")
			}},
		{"not found", "a missing pod is ErrNotFound", 404,
			`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"p\" not found","reason":"NotFound","code":404}`,
			func(t *testing.T, err error) { assert.ErrorIs(t, err, sdk.ErrNotFound) }},
		{"bad request", "a bad request is ErrBadRequest", 400,
			`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"container nope is not valid for pod p","reason":"BadRequest","code":400}`,
			func(t *testing.T, err error) { assert.ErrorIs(t, err, sdk.ErrBadRequest) }},
		{"html", "a page that is not a Status is kept short", 502, "<html><title>Bad Gateway</title>" + strings.Repeat("x", 5000),
			func(t *testing.T, err error) {
				var ae *sdk.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, 502, ae.Code)
				assert.Less(t, len(err.Error()), 600)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newUnitCluster(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.code)
				io.WriteString(w, tt.body)
			}))
			err := remote.Exec(t.Context(), c.Pods.In("ns"), "p", remote.ExecOptions{Command: []string{"true"}})
			require.Error(t, err, tt.reason)
			tt.check(t, err)
			_, err = remote.NewDialer(c.Pods.In("ns"), "p").DialPort(t.Context(), 80)
			require.Error(t, err, tt.reason)
			tt.check(t, err)
		})
	}
}

func TestHandshakeWithoutSubprotocol(t *testing.T) {
	srv := &wsServer{protocols: []string{"other"}, serve: func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		c.Close(websocket.StatusNormalClosure, "")
	}}
	c := newUnitCluster(t, srv)
	err := remote.Exec(t.Context(), c.Pods.In("ns"), "p", remote.ExecOptions{Command: []string{"true"}})
	assert.ErrorIs(t, err, remote.ErrProtocol, "a server that picked none of the offered subprotocols")
}

// TestTruncatedFrame answers the handshake by hand and then sends half a
// WebSocket frame: a stream error, not a hang or a panic.
func TestTruncatedFrame(t *testing.T) {
	c := newUnitCluster(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(buf, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
			base64.StdEncoding.EncodeToString(h[:]), remote.ProtocolV5)
		// A binary frame announcing 100 bytes, with 3.
		buf.Write([]byte{0x82, 100, 1, 'a', 'b'})
		buf.Flush()
	}))
	var out strings.Builder
	err := remote.Exec(t.Context(), c.Pods.In("ns"), "p", remote.ExecOptions{Command: []string{"true"}, Streams: remote.Streams{Stdout: &out}})
	var se *remote.StreamError
	require.ErrorAs(t, err, &se)
	assert.Empty(t, out.String(), "nothing of the truncated frame is delivered")
}

// TestStreamUsesTheClientTransport checks that the WebSocket goes through
// the client's transport: TLS with the configured CA, the bearer token and
// the impersonation headers.
func TestStreamUsesTheClientTransport(t *testing.T) {
	hdr := make(chan http.Header, 1)
	srv := httptest.NewTLSServer(&wsServer{serve: func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		hdr <- r.Header.Clone()
		c.Close(websocket.StatusNormalClosure, "")
	}})
	t.Cleanup(srv.Close)
	cfg := &transport.Config{
		Server:      srv.URL,
		TLS:         transport.TLSConfig{CAData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})},
		BearerToken: transport.NewSecret("s3cret-token"),
		Impersonate: transport.Impersonation{UserName: "jane", Groups: []string{"devs"}},
		UserAgent:   "remote-test/1",
	}
	c, err := kube.NewFromConfig(cfg)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, remote.Exec(t.Context(), c.Pods.In("ns"), "p", remote.ExecOptions{Command: []string{"true"}}))
	h := <-hdr
	assert.Equal(t, "Bearer s3cret-token", h.Get("Authorization"))
	assert.Equal(t, "jane", h.Get("Impersonate-User"))
	assert.Equal(t, []string{"devs"}, h.Values("Impersonate-Group"))
	assert.Equal(t, "remote-test/1", h.Get("User-Agent"))
}

func TestMisuse(t *testing.T) {
	c := newUnitCluster(t, http.NotFoundHandler())
	tests := []struct {
		name, reason string
		err          error
	}{
		{"global view", "a pod view must be bound to a namespace", remote.Exec(t.Context(), c.Pods, "p", remote.ExecOptions{Command: []string{"true"}})},
		{"no command", "exec needs a command", remote.Exec(t.Context(), c.Pods.In("ns"), "p", remote.ExecOptions{})},
		{"bad name", "a pod name with a slash", remote.Attach(t.Context(), c.Pods.In("ns"), "a/b", remote.AttachOptions{})},
		{"empty name", "an empty pod name", remote.Attach(t.Context(), c.Pods.In("ns"), "", remote.AttachOptions{})},
		{"nil view", "a nil view", remote.Exec(t.Context(), (*sdk.PodView[kinds.PodStatus])(nil), "p", remote.ExecOptions{Command: []string{"true"}})},
	}
	for _, tt := range tests {
		assert.Error(t, tt.err, "%s: %s", tt.name, tt.reason)
	}
	_, err := remote.NewDialer(c.Pods.In("ns"), "p").DialPort(t.Context(), 0)
	assert.Error(t, err, "port 0")
	_, err = remote.NewDialer(c.Pods.In("ns"), "p").DialContext(t.Context(), "udp", "x:53")
	assert.Error(t, err, "only tcp")
	_, err = remote.Forward(t.Context(), c.Pods.In("ns"), "p", remote.ForwardOptions{})
	assert.Error(t, err, "no ports")
}

// portServer serves one port-forward stream the way a kubelet does: the
// port number (2 bytes, little endian) first on both channels, split over
// messages here, then what script sends.
func portServer(script func(ctx context.Context, c *websocket.Conn)) *wsServer {
	return &wsServer{protocols: []string{remote.ProtocolV4}, serve: func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		send(ctx, c, 0, "\x50")
		send(ctx, c, 0, "\x00")
		send(ctx, c, 1, "\x50\x00")
		script(ctx, c)
	}}
}

func TestPortForwardStreams(t *testing.T) {
	tests := []struct {
		name, reason string
		script       func(ctx context.Context, c *websocket.Conn)
		check        func(t *testing.T, data string, err error)
	}{
		{"echo", "data after the port header comes back; what the client sends arrives on channel 0", func(ctx context.Context, c *websocket.Conn) {
			_, data, err := c.Read(ctx)
			if err != nil || data[0] != 0 {
				return
			}
			send(ctx, c, 0, "echo: "+string(data[1:]))
			c.Close(websocket.StatusNormalClosure, "")
		}, func(t *testing.T, data string, err error) {
			require.NoError(t, err)
			assert.Equal(t, "echo: ping", data)
		}},
		{"remote error", "text on the error channel is the connection's *RemoteError", func(ctx context.Context, c *websocket.Conn) {
			send(ctx, c, 1, "an error occurred forwarding 80 -> 80: connection refused")
			c.Close(websocket.StatusNormalClosure, "")
		}, func(t *testing.T, data string, err error) {
			var re *remote.RemoteError
			require.ErrorAs(t, err, &re)
			assert.Contains(t, re.Message, "connection refused")
			assert.Equal(t, "ns/p", re.Pod)
		}},
		{"unknown channel", "port 0's stream has channels 0 and 1 only", func(ctx context.Context, c *websocket.Conn) {
			send(ctx, c, 2, "x")
			c.Close(websocket.StatusNormalClosure, "")
		}, func(t *testing.T, data string, err error) {
			assert.ErrorIs(t, err, remote.ErrProtocol)
		}},
		{"closed early", "a dropped connection is a *StreamError", func(ctx context.Context, c *websocket.Conn) {
			send(ctx, c, 0, "part")
			c.CloseNow()
		}, func(t *testing.T, data string, err error) {
			var se *remote.StreamError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, "part", data)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := portServer(tt.script)
			c := newUnitCluster(t, srv)
			conn, err := remote.NewDialer(c.Pods.In("ns"), "p").DialPort(t.Context(), 80)
			require.NoError(t, err)
			defer conn.Close()
			require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
			io.WriteString(conn, "ping") // may fail: the server may have ended the stream already
			data, err := io.ReadAll(conn)
			tt.check(t, string(data), err)
			r := srv.lastRequest(t)
			assert.Equal(t, "/api/v1/namespaces/ns/pods/p/portforward", r.URL.Path)
			assert.Equal(t, "80", r.URL.Query().Get("ports"))
		})
	}
}

func TestPortConnClose(t *testing.T) {
	closed := make(chan struct{})
	srv := portServer(func(ctx context.Context, c *websocket.Conn) {
		c.Read(ctx)
		close(closed)
	})
	c := newUnitCluster(t, srv)
	conn, err := remote.NewDialer(c.Pods.In("ns"), "p").DialPort(t.Context(), 80)
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("closing the net.Conn did not close the WebSocket")
	}
	_, err = conn.Write([]byte("x"))
	assert.Error(t, err, "a closed connection refuses writes")
}

// TestNoGoroutineLeft runs exec, a dialed connection and a forwarder
// against a fake server and checks that, once they are closed, no
// goroutine of theirs is left.
func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/exec") {
				(&wsServer{serve: func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
					send(ctx, c, 1, "out")
					send(ctx, c, 3, exit3)
					c.Close(websocket.StatusNormalClosure, "")
				}}).ServeHTTP(w, r)
				return
			}
			portServer(func(ctx context.Context, c *websocket.Conn) {
				for {
					_, data, err := c.Read(ctx)
					if err != nil {
						return
					}
					send(ctx, c, 0, string(data[1:]))
				}
			}).ServeHTTP(w, r)
		}))
		defer srv.Close()
		c, err := kube.New(kube.Options{URL: srv.URL})
		require.NoError(t, err)
		defer c.Close()
		pods := c.Pods.In("ns")
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()

		var ee *remote.ExitError
		require.ErrorAs(t, remote.Exec(ctx, pods, "p", remote.ExecOptions{Command: []string{"x"}, Streams: remote.Streams{Stdin: strings.NewReader("in")}}), &ee)

		conn, err := remote.NewDialer(pods, "p").DialPort(ctx, 80)
		require.NoError(t, err)
		_, err = io.WriteString(conn, "x")
		require.NoError(t, err)
		_, err = io.ReadFull(conn, make([]byte, 1))
		require.NoError(t, err)
		require.NoError(t, conn.Close())

		fctx, stop := context.WithCancel(ctx)
		f, err := remote.Forward(fctx, pods, "p", remote.ForwardOptions{Ports: []remote.PortMapping{{Remote: 80}}})
		require.NoError(t, err)
		local, err := net.DialTimeout("tcp", f.Addrs()[0].String(), 10*time.Second)
		require.NoError(t, err)
		require.NoError(t, local.SetDeadline(time.Now().Add(10*time.Second)))
		_, err = io.WriteString(local, "y")
		require.NoError(t, err)
		_, err = io.ReadFull(local, make([]byte, 1))
		require.NoError(t, err)
		stop() // ending ctx stops the forwarder, with the open connection
		select {
		case <-f.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("the forwarder did not stop when its ctx ended")
		}
		n, _ := local.Read(make([]byte, 1))
		assert.Zero(t, n, "the forwarded connection was closed")
		local.Close()
		require.NoError(t, f.Close(), "Close after the end is harmless")
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	testutil.Eventually(t, ctx, "the goroutines end", func() error {
		if n := runtime.NumGoroutine(); n > before {
			return fmt.Errorf("%d goroutines, %d before", n, before)
		}
		return nil
	})
}

// A deadline set after the pod's side ended the connection is not an
// error (reads return at once: net.Pipe alone would refuse it); after
// Close it is.
func TestPortConnDeadlineAfterRemoteEnd(t *testing.T) {
	srv := portServer(func(ctx context.Context, c *websocket.Conn) {
		send(ctx, c, 1, "an error occurred forwarding 80 -> 80: connection refused")
		c.Close(websocket.StatusNormalClosure, "")
	})
	c := newUnitCluster(t, srv)
	conn, err := remote.NewDialer(c.Pods.In("ns"), "p").DialPort(t.Context(), 80)
	require.NoError(t, err)
	_, err = io.ReadAll(conn)
	var re *remote.RemoteError
	require.ErrorAs(t, err, &re, "the remote error ends the connection")
	require.NoError(t, conn.SetDeadline(time.Now().Add(time.Second)))
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(time.Second)))
	require.NoError(t, conn.SetWriteDeadline(time.Now().Add(time.Second)))
	require.NoError(t, conn.Close())
	assert.Error(t, conn.SetDeadline(time.Now().Add(time.Second)), "a closed connection refuses deadlines")
}
