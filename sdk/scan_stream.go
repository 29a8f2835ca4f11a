package sdk

import (
	"errors"
	"fmt"
	"io"

	"github.com/kube-for-go/kube/internal/jsonscan"
)

// chunkSize is the size of the buffers a list or watch body is read into.
const chunkSize = 128 << 10

// chunks reads a body into buffers that are never written again once an
// item was taken from them: the raw bytes of items are views into them
// (no copy), so an item stays valid however long it is kept. When the
// current buffer is full, the unfinished value is copied into a new one;
// the old buffer lives on only as long as items point into it.
type chunks struct {
	r    io.Reader
	buf  []byte // the bytes read into the current buffer
	pos  int    // where scanning goes on in buf
	base int64  // the absolute offset of buf[0] in the body
	eof  bool
	err  error // the read error, if a read failed (not io.EOF)
	max  int64 // bound of one value
	zero int   // consecutive reads that returned nothing
}

func newChunks(r io.Reader, max int64) *chunks {
	if max <= 0 {
		max = DefaultMaxObjectBytes
	}
	return &chunks{r: r, max: max}
}

// offset is the absolute offset of buf[i].
func (c *chunks) offset(i int) int64 { return c.base + int64(i) }

// errBodyEnd is the end of the body, from more.
var errBodyEnd = errors.New("end of body")

// more reads more input, keeping buf[keep:] (the value being scanned). It
// returns errBodyEnd at the end of the body, the read error if a
// read failed, and ErrTooLarge when the kept value exceeds the bound.
func (c *chunks) more(keep int) error {
	if c.err != nil {
		return c.err
	}
	if c.eof {
		return errBodyEnd
	}
	if len(c.buf) == cap(c.buf) {
		tail := c.buf[keep:]
		if int64(len(tail)) > c.max {
			c.err = fmt.Errorf("%w: one object exceeds %d bytes", ErrTooLarge, c.max)
			return c.err
		}
		var nb []byte
		if nr, ok := c.r.(interface{ newBuffer() []byte }); ok && 2*len(tail) <= chunkSize {
			nb = nr.newBuffer()[:len(tail)]
		} else {
			nb = make([]byte, len(tail), max(chunkSize, 2*len(tail)))
		}
		copy(nb, tail)
		c.base += int64(keep)
		c.pos -= keep
		c.buf = nb
	}
	n, err := c.r.Read(c.buf[len(c.buf):cap(c.buf)])
	c.buf = c.buf[:len(c.buf)+n]
	switch {
	case err == io.EOF:
		c.eof = true
	case err != nil:
		c.err = err
		if n == 0 {
			return err
		}
	case n == 0:
		if c.zero++; c.zero > 100 {
			c.err = io.ErrNoProgress
			return c.err
		}
	default:
		c.zero = 0
	}
	return nil
}

// peek returns the next byte that is not white space, reading as needed;
// at the end of the body it returns io.ErrUnexpectedEOF (or io.EOF when
// eofOK and nothing but white space was left).
func (c *chunks) peek(eofOK bool) (byte, error) {
	for {
		c.pos = skipSpace(c.buf, c.pos)
		if c.pos < len(c.buf) {
			return c.buf[c.pos], nil
		}
		if err := c.more(c.pos); err != nil {
			if err == errBodyEnd {
				if eofOK {
					return 0, io.EOF
				}
				return 0, jsonscan.Truncated
			}
			return 0, err
		}
	}
}

// expect consumes the byte ch after white space.
func (c *chunks) expect(ch byte, what string) error {
	got, err := c.peek(false)
	if err != nil {
		return err
	}
	if got != ch {
		return badChar(c.buf, c.pos, what)
	}
	c.pos++
	return nil
}

// scan runs f on the input from c.pos, reading more and running it again
// while it reports errShort. It returns where the value starts and ends in
// c.buf, or where the error is. The value's bytes stay in c.buf until the
// next scan.
func (c *chunks) scan(f func(b []byte, i int, final bool) (int, error)) (start, end int, err error) {
	for {
		end, err = f(c.buf, c.pos, c.eof)
		if err != errShort {
			return c.pos, end, err
		}
		if rerr := c.more(c.pos); rerr != nil {
			if rerr == errBodyEnd {
				// Final now: f reports the truncation itself.
				continue
			}
			return c.pos, len(c.buf), rerr
		}
	}
}

// value scans one JSON value nested in outer containers.
func (c *chunks) value(outer int) (start, end int, err error) {
	return c.scan(func(b []byte, i int, final bool) (int, error) { return scanValueIn(b, i, final, outer) })
}

// name scans a member name and the ':' after it, leaves c.pos at the
// member's value, and returns the name (quotes included) and whether it
// has escapes.
func (c *chunks) name(what string) ([]byte, bool, error) {
	ch, err := c.peek(false)
	if err != nil {
		return nil, false, err
	}
	if ch != '"' {
		return nil, false, badChar(c.buf, c.pos, what)
	}
	var esc bool
	s, e, err := c.scan(func(b []byte, i int, final bool) (int, error) {
		var end int
		var err error
		end, esc, err = scanString(b, i, final)
		return end, err
	})
	if err != nil {
		c.pos = e
		return nil, false, err
	}
	c.pos = e
	// A view: buffers are never written again below what was read, so the
	// name stays valid even if the ':' comes in a new buffer.
	name := c.buf[s:e:e]
	if err := c.expect(':', "after object member name (expecting ':')"); err != nil {
		return nil, false, err
	}
	if _, err := c.peek(false); err != nil {
		return nil, false, err
	}
	return name, esc, nil
}

// errAt is the *DecodeError of err at c.pos.
func (c *chunks) errAt(path, reason string, err error) *DecodeError {
	if errors.Is(err, io.ErrUnexpectedEOF) && c.err == nil {
		var se *scanError
		if !errors.As(err, &se) {
			err = jsonscan.Truncated
		}
	}
	return &DecodeError{Path: path, Offset: c.offset(c.pos), Reason: reason, Err: err}
}
