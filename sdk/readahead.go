package sdk

import (
	"context"
	"io"
	"sync"
)

// A list body is also read ahead of its decoding: a goroutine reads the
// socket (and inflates a compressed body) into a few reused blocks while
// the decoding goroutine validates what was read before, so that the
// system calls, the kernel's copy and gzip overlap with the scan. The
// blocks are copied into the decoder's buffers, so they are reused and
// cost no allocation. A block is made only when every block made before
// is in use, so a watch whose events come one at a time holds two or
// three, and only a body that arrives faster than it is decoded makes
// them all. The blocks, and a new decoder buffer made ahead but never
// used, go to a pool when the reader is closed, so that the pages of a
// list and the reconnections of a watch reuse them instead of making
// garbage at every page (which, with eight blocks, was about a sixth of a
// page's allocation and came in bursts at the start of each page).

const (
	aheadBlock = 64 << 10 // the size of a block: at most one read
	// aheadBlocks is the most blocks in flight between the two
	// goroutines. Up to a point, the further the reader may run ahead,
	// the fewer times the two goroutines wait for each other: on two
	// cores a list read 10-15 % faster with 8 blocks than with 4, a
	// watch 20 %, and no faster with 16.
	aheadBlocks = 8
)

// blockPool holds blocks of closed aheadReaders; chunkPool holds decoder
// buffers made ahead and never handed to a decoder (still zero). Both hold
// pointers to arrays, so that Put does not allocate. A buffer handed to a
// decoder never goes back to a pool: items are views of it.
var blockPool, chunkPool sync.Pool

// newBlock returns a block from the pool, or a new one.
func newBlock() []byte {
	if b, ok := blockPool.Get().(*[aheadBlock]byte); ok {
		return b[:]
	}
	return make([]byte, aheadBlock)
}

// newChunk returns a never used decoder buffer from the pool, or a new one.
func newChunk() []byte {
	if b, ok := chunkPool.Get().(*[chunkSize]byte); ok {
		return b[:]
	}
	return make([]byte, chunkSize)
}

// aheadReader is an io.Reader over a body read by its own goroutine.
type aheadReader struct {
	filled chan aheadRead
	free   chan []byte
	spare  chan []byte // a new chunkSize buffer for the decoder (see newBuffer)
	done   chan struct{}
	ctx    context.Context
	stop   context.CancelFunc
	cur    aheadRead
	off    int
	made   int // blocks made so far (by the reading goroutine), only when all are in use
}

type aheadRead struct {
	b   []byte
	err error
}

// newAheadReader starts reading r. Reading ends at r's first error or
// when ctx ends; r's reads must end when ctx ends (a request's body does).
// Close stops the goroutine and waits for it.
func newAheadReader(ctx context.Context, r io.Reader) *aheadReader {
	ctx, cancel := context.WithCancel(ctx)
	a := &aheadReader{
		filled: make(chan aheadRead, aheadBlocks),
		free:   make(chan []byte, aheadBlocks),
		spare:  make(chan []byte, 1),
		done:   make(chan struct{}),
		ctx:    ctx,
		stop:   cancel,
	}
	go a.run(ctx, r)
	return a
}

func (a *aheadReader) run(ctx context.Context, r io.Reader) {
	defer close(a.done)
	for ctx.Err() == nil {
		var b []byte
		select {
		case b = <-a.free:
		default:
			if a.made < aheadBlocks {
				a.made++
				b = newBlock()
				break
			}
			select {
			case b = <-a.free:
			case <-ctx.Done():
				return
			}
		}
		n, err := r.Read(b[:cap(b)])
		select {
		case a.filled <- aheadRead{b[:n], err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
		if len(a.spare) == 0 {
			// Zeroing a new buffer (and faulting its pages in) happens
			// here rather than on the decoding goroutine, the busier one.
			a.spare <- newChunk()
		}
	}
}

// newBuffer returns a new buffer of chunkSize bytes for the decoder,
// made by the reading goroutine when one is ready, else here.
func (a *aheadReader) newBuffer() []byte {
	select {
	case b := <-a.spare:
		return b
	default:
		return newChunk()
	}
}

// Read implements io.Reader: it copies what the goroutine read, waiting
// for it when nothing is left.
func (a *aheadReader) Read(p []byte) (int, error) {
	for a.off >= len(a.cur.b) {
		if a.cur.err != nil {
			return 0, a.cur.err
		}
		if a.cur.b != nil {
			a.free <- a.cur.b[:0] // never blocks: a block goes back where it came from
		}
		a.cur = aheadRead{}
		select {
		case a.cur = <-a.filled:
		case <-a.done:
			select {
			case a.cur = <-a.filled:
			default:
				// Stopped (Close, or ctx ended) with nothing read.
				return 0, a.ctx.Err()
			}
		}
		a.off = 0
		if len(a.cur.b) == 0 && a.cur.err == nil {
			a.free <- a.cur.b // an empty read: the block goes back
			a.cur.b = nil
		}
	}
	n := copy(p, a.cur.b[a.off:])
	a.off += n
	return n, nil
}

// buffered reports whether a Read would return at once, with data
// already read.
func (a *aheadReader) buffered() bool { return a.off < len(a.cur.b) || len(a.filled) > 0 }

// Close stops the reading goroutine and waits for it to end. It does not
// close the body. The blocks no Read holds, and an unused new buffer, go
// back to their pools: a Read after Close (a watch's decoding goroutine
// may be in one) finds nothing more to read and returns ctx's error.
func (a *aheadReader) Close() error {
	a.stop()
	<-a.done
	for {
		select {
		case b := <-a.free:
			blockPool.Put((*[aheadBlock]byte)(b[:aheadBlock]))
		case r := <-a.filled:
			blockPool.Put((*[aheadBlock]byte)(r.b[:aheadBlock]))
		case b := <-a.spare:
			chunkPool.Put((*[chunkSize]byte)(b))
		default:
			return nil
		}
	}
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
