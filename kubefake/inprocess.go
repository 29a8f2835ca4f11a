package kubefake

import (
	"io"
	"net/http"
	"sync"
)

// RoundTripper returns a transport that serves requests in process,
// without sockets: the handler runs in a goroutine of the caller's and
// the response body streams through a pipe. It works inside
// testing/synctest bubbles when the Server was created in the bubble too
// (use Options.InProcess there). It is safe for concurrent use.
func (s *Server) RoundTripper() http.RoundTripper { return roundTripper{s} }

type roundTripper struct{ s *Server }

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	pr, pw := io.Pipe()
	w := &pipeWriter{header: http.Header{}, body: pw, ready: make(chan struct{})}
	in := req.Clone(req.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	finished := make(chan struct{})
	rt.s.wg.Add(2)
	go func() {
		defer rt.s.wg.Done()
		defer func() {
			w.WriteHeader(http.StatusOK) // no-op if written
			select {
			case <-req.Context().Done(): // an abandoned body fails like a cut connection
				_ = pw.CloseWithError(req.Context().Err())
			case <-rt.s.done:
				_ = pw.CloseWithError(io.ErrUnexpectedEOF)
			default:
				_ = pw.Close()
			}
			close(finished)
		}()
		rt.s.ServeHTTP(w, in)
	}()
	go func() {
		// a handler blocked writing to an abandoned body is released
		defer rt.s.wg.Done()
		select {
		case <-finished:
		case <-req.Context().Done():
			_ = pw.CloseWithError(req.Context().Err())
		case <-rt.s.done:
			_ = pw.CloseWithError(errClosed)
		}
	}()
	select {
	case <-w.ready:
	case <-req.Context().Done():
		_ = pr.CloseWithError(req.Context().Err())
		return nil, req.Context().Err()
	}
	resp := &http.Response{
		Status:     http.StatusText(w.code),
		StatusCode: w.code,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        w.sent,
		Body:          &pipeBody{pr: pr},
		ContentLength: -1,
		Request:       req,
	}
	if req.Method == http.MethodHead {
		resp.Body = http.NoBody
	}
	return resp, nil
}

// pipeBody closes the read end so that a handler writing to an abandoned
// response stops.
type pipeBody struct{ pr *io.PipeReader }

func (b *pipeBody) Read(p []byte) (int, error) { return b.pr.Read(p) }
func (b *pipeBody) Close() error               { return b.pr.CloseWithError(io.ErrClosedPipe) }

// pipeWriter is an http.ResponseWriter writing into a pipe.
type pipeWriter struct {
	header http.Header
	sent   http.Header
	code   int
	body   *io.PipeWriter
	once   sync.Once
	ready  chan struct{}
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) WriteHeader(code int) {
	w.once.Do(func() {
		w.code = code
		w.sent = w.header.Clone()
		w.sent.Del("Transfer-Encoding")
		close(w.ready)
	})
}

func (w *pipeWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

// Flush is a no-op: every Write reaches the reader at once.
func (w *pipeWriter) Flush() {}
