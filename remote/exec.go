package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/kube-for-go/kube/sdk"
)

// Streams are the standard streams of a command (Exec) or of a running
// container (Attach).
type Streams struct {
	// Stdin, when not nil, is copied to the command's standard input; its
	// end closes that input (with ProtocolV5; with ProtocolV4 the input
	// cannot be closed). Exec does not wait for a Read in progress when the
	// command ends: like os/exec with a non-*os.File reader, the goroutine
	// copying Stdin returns when that Read does.
	Stdin io.Reader
	// Stdout and Stderr receive the command's output; nil discards it.
	// With TTY, the terminal merges both into Stdout and Stderr is unused.
	Stdout io.Writer
	Stderr io.Writer
	// TTY runs the command on a terminal.
	TTY bool
	// Resize, with TTY, delivers terminal sizes to apply, the first one
	// as soon as the stream opens; a closed channel stops resizing.
	Resize <-chan TerminalSize
}

// ExecOptions are the options of Exec.
type ExecOptions struct {
	Streams
	// Command and its arguments; it is run directly, without a shell.
	Command []string
	// Container to run it in; "" is the pod's only container.
	Container string
}

// AttachOptions are the options of Attach.
type AttachOptions struct {
	Streams
	// Container to attach to; "" is the pod's only container.
	Container string
}

// statusGrace bounds the wait for the server to close the stream once the
// command's status arrived.
const statusGrace = 5 * time.Second

// Exec runs a command in a container of the named pod, with the streams of
// opts, and returns when it has finished: nil when it exited with status
// 0, an *ExitError with its exit code when it exited with another, or the
// error of the stream (see the package doc). Ending ctx ends the stream
// (the command may keep running in the container).
//
// pods must be bound to the pod's namespace (In); Exec takes only a pod
// view, so calling it for another kind does not compile.
func Exec[S sdk.WithPod](ctx context.Context, pods *sdk.PodView[S], name string, opts ExecOptions) error {
	if len(opts.Command) == 0 {
		return &sdk.Error{Op: "exec", Err: errors.New("no command")}
	}
	q := streamQuery(opts.Container, opts.Streams)
	for _, a := range opts.Command {
		q.Add("command", a)
	}
	t, err := podTarget("exec", pods, name, "exec", q)
	if err != nil {
		return err
	}
	return t.run(ctx, opts.Streams)
}

// Attach attaches the streams of opts to the main process of a running
// container of the named pod and returns when the container's process
// ends (nil, or an *ExitError) or ctx ends (an error wrapping ctx.Err()).
// Output comes from the time of the attach on.
func Attach[S sdk.WithPod](ctx context.Context, pods *sdk.PodView[S], name string, opts AttachOptions) error {
	t, err := podTarget("attach", pods, name, "attach", streamQuery(opts.Container, opts.Streams))
	if err != nil {
		return err
	}
	return t.run(ctx, opts.Streams)
}

func streamQuery(container string, s Streams) url.Values {
	q := url.Values{}
	if container != "" {
		q.Set("container", container)
	}
	if s.Stdin != nil {
		q.Set("stdin", "true")
	}
	// Output is always asked for: the server wants at least one stream,
	// and what is not wanted is discarded.
	q.Set("stdout", "true")
	if s.TTY {
		q.Set("tty", "true")
	} else {
		q.Set("stderr", "true")
	}
	return q
}

// run opens the stream and copies the streams until the server ends it.
func (t *target) run(ctx context.Context, s Streams) error {
	conn, err := t.dial(ctx, []string{ProtocolV5, ProtocolV4})
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sess := &session{op: t.op, pod: t.pod, conn: conn, v5: conn.Subprotocol() == ProtocolV5}
	var wg sync.WaitGroup
	if s.Stdin != nil {
		// Not waited for: a Read of s.Stdin cannot be interrupted.
		go sess.copyStdin(rctx, s.Stdin)
	}
	if s.TTY && s.Resize != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess.resize(rctx, s.Resize)
		}()
	}
	err = sess.read(rctx, ctx, s.Stdout, s.Stderr)
	cancel()
	conn.CloseNow()
	wg.Wait()
	return err
}

// session is one open exec or attach stream.
type session struct {
	op, pod string
	conn    *websocket.Conn
	v5      bool
}

func (s *session) copyStdin(ctx context.Context, r io.Reader) {
	buf := make([]byte, 32<<10)
	buf[0] = chStdin
	for {
		n, err := r.Read(buf[1:])
		if n > 0 {
			if werr := s.conn.Write(ctx, websocket.MessageBinary, buf[:1+n]); werr != nil {
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) && s.v5 {
				s.conn.Write(ctx, websocket.MessageBinary, []byte{chClose, chStdin})
			}
			return
		}
	}
}

func (s *session) resize(ctx context.Context, sizes <-chan TerminalSize) {
	for {
		select {
		case <-ctx.Done():
			return
		case sz, ok := <-sizes:
			if !ok {
				return
			}
			if s.conn.Write(ctx, websocket.MessageBinary, resizeMessage(sz)) != nil {
				return
			}
		}
	}
}

// read copies the output channels until the server closes the stream, and
// returns the command's result.
func (s *session) read(rctx, ctx context.Context, stdout, stderr io.Writer) error {
	f := &execFrames{op: s.op, pod: s.pod, stdout: stdout, stderr: stderr}
	var grace *time.Timer
	defer func() {
		if grace != nil {
			grace.Stop()
		}
	}()
	for {
		_, data, err := s.conn.Read(rctx)
		if err != nil {
			switch {
			case f.gotStatus:
				// The result is known: how the stream ends does not matter.
				return f.result
			case ctx.Err() != nil:
				return &StreamError{Op: s.op, Pod: s.pod, Err: ctx.Err()}
			case websocket.CloseStatus(err) == websocket.StatusNormalClosure:
				// Closed without a Status: the v4 and v5 servers send
				// none for a success.
				return nil
			}
			return &StreamError{Op: s.op, Pod: s.pod, Err: fmt.Errorf("connection lost: %w", err)}
		}
		had := f.gotStatus
		if err := f.handle(data); err != nil {
			return err
		}
		if f.gotStatus && !had {
			// The server closes the stream next; do not wait for it long.
			conn := s.conn
			grace = time.AfterFunc(statusGrace, func() { conn.CloseNow() })
		}
	}
}

// execFrames decodes the messages of an exec or attach stream.
type execFrames struct {
	op, pod        string
	stdout, stderr io.Writer // nil discards
	result         error     // the command's result, once gotStatus
	gotStatus      bool
}

// handle dispatches one message; a non-nil error ends the stream.
func (f *execFrames) handle(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	ch, payload := data[0], data[1:]
	switch ch {
	case chStdout, chStderr:
		w := f.stdout
		if ch == chStderr {
			w = f.stderr
		}
		if f.gotStatus || len(payload) == 0 || w == nil {
			return nil
		}
		if _, err := w.Write(payload); err != nil {
			return &StreamError{Op: f.op, Pod: f.pod, Err: fmt.Errorf("write %s: %w", channelName(ch), err)}
		}
	case chError:
		if len(payload) == 0 {
			return nil
		}
		if f.gotStatus {
			return &StreamError{Op: f.op, Pod: f.pod, Err: fmt.Errorf("%w: a second status on the error channel", ErrProtocol)}
		}
		res := decodeStatus(f.op, f.pod, payload)
		if se, ok := res.(*StreamError); ok {
			return se
		}
		f.result, f.gotStatus = res, true
	default:
		return &StreamError{Op: f.op, Pod: f.pod, Err: fmt.Errorf("%w: message on unknown channel %d", ErrProtocol, ch)}
	}
	return nil
}

func channelName(ch byte) string {
	switch ch {
	case chStdout:
		return "stdout"
	case chStderr:
		return "stderr"
	}
	return "channel " + strconv.Itoa(int(ch))
}
