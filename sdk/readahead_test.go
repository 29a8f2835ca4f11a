package sdk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
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
