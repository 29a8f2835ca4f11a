package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/kube-for-go/kube/sdk"
)

// The channels of one port of the port-forward protocol: port i of the
// request has data channel 2i and error channel 2i+1. Each connection
// forwards a single port, so they are 0 and 1.
const (
	chData    = 0
	chPortErr = 1
)

// Dialer opens connections to ports of one pod through the API server's
// port-forward subresource: each connection is a WebSocket of its own.
// It is safe for concurrent use.
type Dialer struct {
	op   string
	open func(ctx context.Context, port uint16) (*target, error)
}

// NewDialer returns a Dialer to the named pod of pods (bound to its
// namespace). It makes no request.
func NewDialer[S sdk.WithPod](pods *sdk.PodView[S], name string) *Dialer {
	return &Dialer{op: "port-forward", open: func(ctx context.Context, port uint16) (*target, error) {
		q := url.Values{}
		q.Set("ports", strconv.Itoa(int(port)))
		return podTarget("port-forward", pods, name, "portforward", q)
	}}
}

// DialPort opens a connection to a port of the pod. ctx bounds the
// opening only. The connection's Read returns io.EOF when the pod's side
// closed it, or a *RemoteError when the server could not forward to the
// port (nothing listens on it, the pod is gone): remote errors surface
// per connection.
func (d *Dialer) DialPort(ctx context.Context, port uint16) (net.Conn, error) {
	if port == 0 {
		return nil, &sdk.Error{Op: d.op, Err: errors.New("port 0")}
	}
	t, err := d.open(ctx, port)
	if err != nil {
		return nil, err
	}
	ws, err := t.dial(ctx, []string{ProtocolV4})
	if err != nil {
		return nil, err
	}
	return newPortConn(t.pod, port, ws), nil
}

// DialContext is DialPort with the port of address ("host:port", the host
// is ignored), for http.Transport.DialContext and similar hooks: an
// http.Client whose transport dials with it talks to the pod.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, &sdk.Error{Op: d.op, Err: fmt.Errorf("network %q: only tcp can be forwarded", network)}
	}
	_, p, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &sdk.Error{Op: d.op, Err: err}
	}
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return nil, &sdk.Error{Op: d.op, Err: fmt.Errorf("port %q: %w", p, err)}
	}
	return d.DialPort(ctx, uint16(port))
}

// PodAddr is the address of a forwarded pod port (net.Conn.RemoteAddr).
type PodAddr struct {
	Pod  string // namespace/name
	Port uint16
}

// Network returns "port-forward".
func (a PodAddr) Network() string { return "port-forward" }

func (a PodAddr) String() string { return a.Pod + ":" + strconv.Itoa(int(a.Port)) }

// portConn is the net.Conn of one forwarded connection: the user's end of
// a net.Pipe, whose other end two goroutines copy to and from the
// WebSocket.
type portConn struct {
	net.Conn // the user's end
	addr     PodAddr

	mu     sync.Mutex
	err    error // the remote error, set before the pipe is closed
	closed bool  // Close was called
}

func newPortConn(pod string, port uint16, ws *websocket.Conn) *portConn {
	user, inner := net.Pipe()
	c := &portConn{Conn: user, addr: PodAddr{Pod: pod, Port: port}}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// pod → user
		err := readPort(ctx, ws, inner, pod)
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
		cancel()
		inner.Close()
		ws.CloseNow()
	}()
	go func() {
		// user → pod
		buf := make([]byte, 32<<10)
		buf[0] = chData
		for {
			n, err := inner.Read(buf[1:])
			if n > 0 {
				if ws.Write(ctx, websocket.MessageBinary, buf[:1+n]) != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		// The user closed the connection (or the pod's side ended): the
		// reader above records why and closes the pipe.
		cancel()
		ws.CloseNow()
	}()
	return c
}

// readPort copies the data channel to w until the stream ends and returns
// the error of the error channel, if any, as a *RemoteError; a broken
// stream is a *StreamError; a normal end is nil.
func readPort(ctx context.Context, ws *websocket.Conn, w io.Writer, pod string) error {
	f := &portFrames{pod: pod, skip: [2]int{2, 2}}
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			if rerr := f.remoteErr(); rerr != nil {
				return rerr
			}
			if websocket.CloseStatus(err) == websocket.StatusNormalClosure || ctx.Err() != nil {
				return nil
			}
			return &StreamError{Op: "port-forward", Pod: pod, Err: fmt.Errorf("connection lost: %w", err)}
		}
		if err := f.handle(data, w); err != nil {
			if errors.Is(err, errLocalClosed) {
				return nil
			}
			return err
		}
	}
}

// errLocalClosed is returned by portFrames.handle when w refused data.
var errLocalClosed = errors.New("remote: the local side of the connection is closed")

// portFrames decodes the messages of a single-port port-forward stream.
type portFrames struct {
	pod     string
	skip    [2]int // bytes of the port header still to skip, per channel
	errText []byte
}

// handle dispatches one message: data goes to w; error text is kept.
func (f *portFrames) handle(data []byte, w io.Writer) error {
	if len(data) == 0 {
		return nil
	}
	ch, payload := data[0], data[1:]
	if ch > chPortErr {
		return &StreamError{Op: "port-forward", Pod: f.pod, Err: fmt.Errorf("%w: message on unknown channel %d", ErrProtocol, ch)}
	}
	// Each channel starts with the port number (2 bytes, little endian).
	n := min(f.skip[ch], len(payload))
	f.skip[ch] -= n
	payload = payload[n:]
	if len(payload) == 0 {
		return nil
	}
	if ch == chPortErr {
		if len(f.errText)+len(payload) > maxStatusBytes {
			return &StreamError{Op: "port-forward", Pod: f.pod, Err: fmt.Errorf("%w: error message over %d bytes", ErrProtocol, maxStatusBytes)}
		}
		f.errText = append(f.errText, payload...)
		return nil
	}
	if _, err := w.Write(payload); err != nil {
		return errLocalClosed
	}
	return nil
}

// remoteErr returns the error text received, as a *RemoteError.
func (f *portFrames) remoteErr() error {
	if len(f.errText) == 0 {
		return nil
	}
	return &RemoteError{Op: "port-forward", Pod: f.pod, Message: clip(strings.TrimSpace(string(f.errText)), 1024)}
}

// Read reads from the pod's port; at the end it returns the remote error
// of the connection, if any, instead of io.EOF.
func (c *portConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if errors.Is(err, io.EOF) {
		c.mu.Lock()
		if c.err != nil {
			err = c.err
		}
		c.mu.Unlock()
	}
	return n, err
}

// Write writes to the pod's port; once the connection ended, it returns
// the remote error of the connection, if any.
func (c *portConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err != nil {
		if rerr := c.remoteErr(); rerr != nil {
			err = rerr
		}
	}
	return n, err
}

// Close closes the connection (and its WebSocket stream).
func (c *portConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return c.Conn.Close()
}

// SetDeadline sets the read and write deadlines, as net.Conn's does. Once
// the pod's side has ended the connection, reads and writes return at once
// (the data left, then the end or the remote error), so a deadline is moot
// and setting one is not an error; after Close it is.
func (c *portConn) SetDeadline(t time.Time) error { return c.deadline(c.Conn.SetDeadline(t)) }

// SetReadDeadline sets the read deadline (see SetDeadline).
func (c *portConn) SetReadDeadline(t time.Time) error {
	return c.deadline(c.Conn.SetReadDeadline(t))
}

// SetWriteDeadline sets the write deadline (see SetDeadline).
func (c *portConn) SetWriteDeadline(t time.Time) error {
	return c.deadline(c.Conn.SetWriteDeadline(t))
}

func (c *portConn) deadline(err error) error {
	if errors.Is(err, io.ErrClosedPipe) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.closed {
			return nil
		}
	}
	return err
}

// remoteErr returns the remote error of the connection, once it ended.
func (c *portConn) remoteErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// LocalAddr returns the address of the pod port too: the connection has
// no local socket.
func (c *portConn) LocalAddr() net.Addr { return c.addr }

// RemoteAddr returns the pod and port.
func (c *portConn) RemoteAddr() net.Addr { return c.addr }

// PortMapping maps a local port to a port of the pod.
type PortMapping struct {
	Local  uint16 // 0 picks a free port
	Remote uint16
}

// ForwardOptions are the options of Forward.
type ForwardOptions struct {
	// Address to listen on; "" means 127.0.0.1.
	Address string
	// Ports to forward, at least one.
	Ports []PortMapping
	// OnError, when not nil, is called (from any goroutine) with the
	// error of each forwarded connection that failed: a *RemoteError when
	// the pod's side could not be reached.
	OnError func(local net.Addr, err error)
}

// Forwarder forwards local TCP ports to ports of a pod, like kubectl
// port-forward: each accepted connection opens a connection to the pod's
// port (see Dialer). It runs until Close or the end of the ctx given to
// Forward.
type Forwarder struct {
	listeners []net.Listener
	cancel    context.CancelFunc
	done      chan struct{}
	wg        sync.WaitGroup
}

// Forward listens on the local ports of opts and forwards each connection
// to the named pod's matching port; Addrs returns the bound addresses.
// Nothing is requested from the server until a connection arrives.
func Forward[S sdk.WithPod](ctx context.Context, pods *sdk.PodView[S], name string, opts ForwardOptions) (*Forwarder, error) {
	if len(opts.Ports) == 0 {
		return nil, &sdk.Error{Op: "port-forward", Err: errors.New("no ports")}
	}
	for _, p := range opts.Ports {
		if p.Remote == 0 {
			return nil, &sdk.Error{Op: "port-forward", Err: errors.New("remote port 0")}
		}
	}
	if _, err := podTarget("port-forward", pods, name, "portforward", nil); err != nil {
		return nil, err
	}
	d := NewDialer(pods, name)
	host := opts.Address
	if host == "" {
		host = "127.0.0.1"
	}
	fctx, cancel := context.WithCancel(ctx)
	f := &Forwarder{cancel: cancel, done: make(chan struct{})}
	var lc net.ListenConfig
	for _, p := range opts.Ports {
		l, err := lc.Listen(fctx, "tcp", net.JoinHostPort(host, strconv.Itoa(int(p.Local))))
		if err != nil {
			cancel()
			f.closeListeners()
			return nil, &sdk.Error{Op: "port-forward", Err: fmt.Errorf("listen for pod port %d: %w", p.Remote, err)}
		}
		f.listeners = append(f.listeners, l)
	}
	for i, l := range f.listeners {
		f.wg.Add(1)
		go f.serve(fctx, l, d, opts.Ports[i].Remote, opts.OnError)
	}
	go func() {
		<-fctx.Done()
		f.closeListeners()
		f.wg.Wait()
		close(f.done)
	}()
	return f, nil
}

// Addrs returns the local addresses, in the order of ForwardOptions.Ports.
func (f *Forwarder) Addrs() []net.Addr {
	out := make([]net.Addr, len(f.listeners))
	for i, l := range f.listeners {
		out[i] = l.Addr()
	}
	return out
}

// Done is closed when the forwarder has stopped (Close, or the end of the
// ctx given to Forward) and its connections are closed.
func (f *Forwarder) Done() <-chan struct{} { return f.done }

// Close stops listening, closes the forwarded connections and waits for
// them to end.
func (f *Forwarder) Close() error {
	f.cancel()
	<-f.done
	return nil
}

func (f *Forwarder) closeListeners() {
	for _, l := range f.listeners {
		l.Close()
	}
}

func (f *Forwarder) serve(ctx context.Context, l net.Listener, d *Dialer, port uint16, onError func(net.Addr, error)) {
	defer f.wg.Done()
	for {
		local, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// A transient accept failure (too many open files): wait a little.
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			err := forwardConn(ctx, local, d, port)
			if err != nil && onError != nil && ctx.Err() == nil {
				onError(l.Addr(), err)
			}
		}()
	}
}

// forwardConn copies between a local connection and a new connection to
// the pod's port until either side ends or ctx ends.
func forwardConn(ctx context.Context, local net.Conn, d *Dialer, port uint16) error {
	defer local.Close()
	remote, err := d.DialPort(ctx, port)
	if err != nil {
		return err
	}
	defer remote.Close()
	stop := context.AfterFunc(ctx, func() {
		local.Close()
		remote.Close()
	})
	defer stop()
	done := make(chan struct{})
	go func() {
		io.Copy(remote, local)
		// The local client finished sending; the protocol cannot half-close,
		// so the pod's answer is still read until it ends.
		close(done)
	}()
	_, err = io.Copy(local, remote)
	local.Close()
	remote.Close()
	<-done
	if err != nil && ctx.Err() == nil {
		return err
	}
	return remote.(*portConn).remoteErr()
}
