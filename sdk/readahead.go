package sdk

import (
	"context"
	"io"
)

// A list body is also read ahead of its decoding: a goroutine reads the
// socket (and inflates a compressed body) while the decoding goroutine
// validates what was read before, so that the system calls, the kernel's
// copy and gzip overlap with the scan. The goroutine reads straight into
// the buffers the decoder keeps (see chunks.more): the bytes an item is
// made of are copied once, by the kernel, from the socket to where the
// item points. Each buffer starts with aheadHeadroom bytes that are never
// read into, where the decoder puts the start of a value that runs on from
// the buffer before, so that the value is contiguous without copying the
// new buffer's bytes.

const (
	aheadMaxRead  = 64 << 10 // the most one read asks for
	aheadRegions  = 4        // reads in flight between the two goroutines
	aheadHeadroom = 16 << 10 // room for a value carried over from the buffer before
	aheadBuffer   = aheadHeadroom + chunkSize
)

// aheadReader is an io.Reader over a body read by its own goroutine.
type aheadReader struct {
	filled chan aheadRead
	done   chan struct{}
	ctx    context.Context
	stop   context.CancelFunc
	cur    aheadRead
	off    int // where Read goes on in cur
}

// aheadRead is one read: the bytes back[from:to], which the reading
// goroutine never writes again, and its error. A region with from ==
// aheadHeadroom is the first of its buffer: back[:from] was never handed
// out, so whoever takes the region may write there.
type aheadRead struct {
	back     []byte
	from, to int
	err      error
}

// newAheadReader starts reading r. Reading ends at r's first error or
// when ctx ends; r's reads must end when ctx ends (a request's body does).
// Close stops the goroutine and waits for it.
func newAheadReader(ctx context.Context, r io.Reader) *aheadReader {
	ctx, cancel := context.WithCancel(ctx)
	a := &aheadReader{
		filled: make(chan aheadRead, aheadRegions),
		done:   make(chan struct{}),
		ctx:    ctx,
		stop:   cancel,
	}
	go a.run(ctx, r)
	return a
}

func (a *aheadReader) run(ctx context.Context, r io.Reader) {
	defer close(a.done)
	var back []byte
	off := 0
	for {
		if off == len(back) {
			// Zeroing a new buffer (and faulting its pages in) happens
			// here rather than on the decoding goroutine, the busier one.
			back, off = make([]byte, aheadBuffer), aheadHeadroom
		}
		n, err := r.Read(back[off:min(off+aheadMaxRead, len(back))])
		select {
		case a.filled <- aheadRead{back: back, from: off, to: off + n, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
		off += n
	}
}

// wait makes cur the next region once the current one is consumed,
// waiting for it; false when there is none: cur's error was seen, or the
// goroutine stopped (Close, or ctx ended) with nothing more read.
func (a *aheadReader) wait() bool {
	if a.cur.from+a.off < a.cur.to {
		return true
	}
	if a.cur.err != nil {
		return false
	}
	a.off = 0
	select {
	case a.cur = <-a.filled:
	case <-a.done:
		select {
		case a.cur = <-a.filled:
		default:
			a.cur = aheadRead{err: a.ctx.Err()}
		}
	}
	return true
}

// next returns all that is left of the current region, or else the next
// region read, waiting for it (see aheadRead), with the read's error: the
// caller may keep the bytes. Past the region with an error, it returns
// that error alone.
func (a *aheadReader) next() aheadRead {
	if !a.wait() {
		return aheadRead{err: a.cur.err}
	}
	r := a.cur
	r.from += a.off
	a.off = a.cur.to - a.cur.from
	return r
}

// Read implements io.Reader: it copies what the goroutine read, waiting
// for it when nothing is left.
func (a *aheadReader) Read(p []byte) (int, error) {
	if !a.wait() {
		return 0, a.cur.err
	}
	n := copy(p, a.cur.back[a.cur.from+a.off:a.cur.to])
	a.off += n
	if a.cur.from+a.off == a.cur.to {
		return n, a.cur.err
	}
	return n, nil
}

// buffered reports whether a Read would return at once, with data
// already read.
func (a *aheadReader) buffered() bool { return a.cur.from+a.off < a.cur.to || len(a.filled) > 0 }

// Close stops the reading goroutine and waits for it to end. It does not
// close the body.
func (a *aheadReader) Close() error {
	a.stop()
	<-a.done
	return nil
}

// closers closes each in order: a body, then the aheadReader reading it
// (closing the body first ends a read in progress).
type closers []io.Closer

func (cs closers) Close() error {
	var first error
	for _, c := range cs {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
