package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chunkyReader returns data in reads of random sizes, with empty reads
// among them, then err.
type chunkyReader struct {
	data []byte
	rng  *rand.Rand
	err  error
}

func (c *chunkyReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, c.err
	}
	if c.rng.IntN(5) == 0 {
		return 0, nil
	}
	n := min(len(p), len(c.data), 1+c.rng.IntN(3*aheadBlock/2))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func TestAheadReaderDeliversEverythingInOrder(t *testing.T) {
	data := make([]byte, 10*aheadBlock+123)
	for i := range data {
		data[i] = byte(i * 7)
	}
	tests := []struct {
		reason string
		src    func() io.Reader
		want   []byte
		err    error
	}{
		{"a body read in one go", func() io.Reader { return bytes.NewReader(data) }, data, io.EOF},
		{"an empty body", func() io.Reader { return bytes.NewReader(nil) }, nil, io.EOF},
		{"reads of random sizes, some empty", func() io.Reader {
			return &chunkyReader{data: data, rng: rand.New(rand.NewPCG(1, 2)), err: io.EOF}
		}, data, io.EOF},
		{"one byte at a time", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data[:5000])) }, data[:5000], io.EOF},
		{"a read error after data comes after the data", func() io.Reader {
			return &chunkyReader{data: data[:300000], rng: rand.New(rand.NewPCG(3, 4)), err: io.ErrUnexpectedEOF}
		}, data[:300000], io.ErrUnexpectedEOF},
		{"data returned with the error", func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data[:70000])) }, data[:70000], io.EOF},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			a := newAheadReader(t.Context(), tc.src())
			defer a.Close()
			var got []byte
			buf := make([]byte, 10000)
			var err error
			for {
				var n int
				n, err = a.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					break
				}
			}
			assert.Equal(t, len(tc.want), len(got), "every byte, once")
			assert.True(t, bytes.Equal(tc.want, got), "in order")
			assert.ErrorIs(t, err, tc.err)
			n, err2 := a.Read(buf)
			assert.Zero(t, n)
			assert.ErrorIs(t, err2, tc.err, "the error stays")
		})
	}
}

func TestAheadReaderIsAReader(t *testing.T) {
	data := bytes.Repeat([]byte("kube-for-go "), 20000)
	a := newAheadReader(t.Context(), bytes.NewReader(data))
	defer a.Close()
	require.NoError(t, iotest.TestReader(a, data))
}

// blockingBody blocks every read until it is closed, as a response body
// waiting for the network does.
type blockingBody struct{ closed chan struct{} }

func (b blockingBody) Read([]byte) (int, error) {
	<-b.closed
	return 0, errors.New("read on closed body")
}

func TestAheadReaderCloseEndsTheGoroutine(t *testing.T) {
	body := blockingBody{closed: make(chan struct{})}
	a := newAheadReader(t.Context(), body)
	assert.False(t, a.buffered())
	closed := make(chan struct{})
	go func() {
		close(body.closed) // the caller closes the body first, as readPages does
		a.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after the body was closed")
	}
	select {
	case <-a.done:
	default:
		t.Fatal("the reading goroutine outlived Close")
	}
	_, err := a.Read(make([]byte, 10))
	assert.Error(t, err, "a read after Close fails")
}

func TestAheadReaderStopsWithCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	// A reader that always has data: only ctx stops the goroutine.
	a := newAheadReader(ctx, iotest.HalfReader(infinite{}))
	buf := make([]byte, 100)
	_, err := a.Read(buf)
	require.NoError(t, err)
	cancel()
	done := make(chan struct{})
	go func() { a.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the goroutine did not stop with ctx")
	}
	for {
		if _, err = a.Read(buf); err != nil {
			break
		}
	}
	assert.ErrorIs(t, err, context.Canceled, "after the blocks read before the end, ctx's error")
}

type infinite struct{}

func (infinite) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// TestAheadReaderMakesBuffers: the reading goroutine keeps a new decoder
// buffer ready (made off the decoding goroutine), and newBuffer always
// returns a buffer of chunkSize, ready or not.
func TestAheadReaderMakesBuffers(t *testing.T) {
	a := newAheadReader(t.Context(), strings.NewReader("0123456789"))
	defer a.Close()
	p := make([]byte, 4)
	n, err := a.Read(p)
	require.NoError(t, err)
	require.Equal(t, "0123", string(p[:n]))
	select {
	case b := <-a.spare:
		assert.Len(t, b, chunkSize, "a ready buffer")
		a.spare <- b
	case <-time.After(10 * time.Second):
		t.Fatal("no buffer made after a read")
	}
	for range 3 {
		b := a.newBuffer()
		require.Len(t, b, chunkSize)
		b[0], b[chunkSize-1] = 1, 1 // its own memory
	}
	assert.Len(t, flushingReader{r: strings.NewReader("")}.newBuffer(), chunkSize, "without an aheadReader, a new one")
}

// pieces is a body whose reads return what is sent on its channel, one
// piece per read, and io.EOF once it is closed.
type pieces chan []byte

func (p pieces) Read(b []byte) (int, error) {
	piece, ok := <-p
	if !ok {
		return 0, io.EOF
	}
	return copy(b, piece), nil
}

// TestAheadReaderMakesBlocksAsNeeded: a body that arrives no faster than
// it is read (a watch's events one at a time) uses a few blocks, not
// aheadBlocks; one that arrives faster makes every block and then waits,
// so what is read ahead stays bounded.
func TestAheadReaderMakesBlocksAsNeeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		body := make(pieces)
		a := newAheadReader(t.Context(), body)
		buf := make([]byte, 100)
		for i := range 50 {
			body <- []byte(fmt.Sprintf("event %02d\n", i))
			n, err := a.Read(buf)
			require.NoError(t, err)
			require.Equal(t, fmt.Sprintf("event %02d\n", i), string(buf[:n]))
		}
		close(body)
		_, err := a.Read(buf)
		require.ErrorIs(t, err, io.EOF)
		a.Close()
		assert.LessOrEqual(t, a.made, 3, "read in step: the blocks read are reused")
		assert.GreaterOrEqual(t, a.made, 2, "the goroutine reads the next piece into another block while the last one is read")
	})
	synctest.Test(t, func(t *testing.T) {
		a := newAheadReader(t.Context(), infinite{})
		synctest.Wait() // nothing is read: the goroutine is as far ahead as it may go
		assert.Equal(t, aheadBlocks, a.made, "a fast body makes every block")
		assert.Len(t, a.filled, aheadBlocks, "and then waits for one to be read")
		buf := make([]byte, aheadBlock)
		n, err := a.Read(buf)
		require.NoError(t, err)
		require.Equal(t, aheadBlock, n)
		_, err = a.Read(buf[:1]) // the first block goes back, the second is being read
		require.NoError(t, err)
		synctest.Wait()
		assert.Equal(t, aheadBlocks, a.made, "no block beyond the bound")
		assert.Len(t, a.filled, aheadBlocks-1, "the block given back was read into: every block but the one being read is full")
		a.Close()
	})
}

// fill is a body of endless bytes of one value.
type fill byte

func (f fill) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(f)
	}
	return len(p), nil
}

// TestAheadReaderGivesItsBlocksBack: Close puts the blocks no Read holds,
// and the new decoder buffer made ahead and never used, into their pools,
// so that the next page of a list (a new aheadReader) reuses them instead
// of making new ones.
func TestAheadReaderGivesItsBlocksBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const mark = 0xa7 // no other test's body is made of it
		a := newAheadReader(t.Context(), fill(mark))
		buf := make([]byte, 10)
		_, err := a.Read(buf) // one block is being read: it stays with Read
		require.NoError(t, err)
		synctest.Wait()
		require.Equal(t, aheadBlocks, a.made)
		require.Len(t, a.spare, 1, "a new buffer was made ahead")
		a.Close()
		assert.Empty(t, a.filled, "the blocks read ahead went to the pool")
		assert.Empty(t, a.free, "the blocks given back went to the pool")
		assert.Empty(t, a.spare, "the unused new buffer went to the pool")

		// The pool may drop a block (it does at random under the race
		// detector) and other tests' blocks may be in it: at least one of
		// the aheadBlocks-1 blocks given back must come out again, whole.
		ours := 0
		for range 4 * aheadBlocks {
			b := newBlock()
			require.Len(t, b, aheadBlock)
			if b[0] == mark && b[aheadBlock-1] == mark {
				ours++
			}
		}
		assert.Positive(t, ours, "a block of the closed reader is reused")
		assert.LessOrEqual(t, ours, aheadBlocks-1, "the block Read held at Close is not pooled")

		// A pooled decoder buffer was never written: still zero.
		for range 4 {
			c := newChunk()
			require.Len(t, c, chunkSize)
			require.Equal(t, -1, bytes.IndexFunc(c, func(r rune) bool { return r != 0 }), "a new decoder buffer is zero")
		}
	})
}
