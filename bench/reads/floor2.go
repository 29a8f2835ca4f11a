package reads

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kube-for-go/kube/internal/jsonscan"
)

// More floor readers: the SDK's own validating scanner, a byte count
// (touching every byte once, the least any reader of JSON can do), and
// the compressed transfer with and without inflating.

// Sink keeps the byte counts of the counting floors observable, so that
// the compiler cannot drop the counting.
var Sink int

// FloorJSONScan reads every page into a reused buffer and validates it
// with internal/jsonscan.Valid, the validating scanner the SDK's decoders
// use (8 bytes at a time where it can): the fastest validating scan we
// have.
func FloorJSONScan(ctx context.Context, hc *http.Client, base string, pageSize int) (int64, error) {
	var buf bytes.Buffer
	return pages(ctx, hc, base, pageSize, "application/json", func(body io.Reader) (string, int64, error) {
		buf.Reset()
		n, err := buf.ReadFrom(body)
		if err != nil {
			return "", n, err
		}
		if _, err := jsonscan.Valid(buf.Bytes()); err != nil {
			return "", n, fmt.Errorf("floor: %w", err)
		}
		return continueOf(buf.Bytes()[:min(buf.Len(), 512)]), n, nil
	})
}

// FloorByteCount reads every page into a reused buffer and counts its
// '"' bytes with bytes.Count (vectorised, memchr-style): every byte is
// touched once and nothing is validated.
func FloorByteCount(ctx context.Context, hc *http.Client, base string, pageSize int) (int64, error) {
	var buf bytes.Buffer
	return pages(ctx, hc, base, pageSize, "application/json", func(body io.Reader) (string, int64, error) {
		buf.Reset()
		n, err := buf.ReadFrom(body)
		Sink += bytes.Count(buf.Bytes(), []byte{'"'})
		return continueOf(buf.Bytes()[:min(buf.Len(), 512)]), n, err
	})
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// errNotGzip is returned by the gzip floors when the server answered a
// page uncompressed although the request asked for gzip.
var errNotGzip = errors.New("floor: the page came uncompressed")

// gzipPages is pages with "Accept-Encoding: gzip" set by hand, so that
// net/http hands over the compressed body as it came; each receives it and
// returns the continue token. The byte count is of the compressed bytes.
func gzipPages(ctx context.Context, hc *http.Client, base string, pageSize int, accept string, each func(body io.Reader) (string, error)) (int64, error) {
	q := url.Values{"limit": {strconv.Itoa(pageSize)}}
	var total int64
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/pods?"+q.Encode(), nil)
		if err != nil {
			return total, err
		}
		req.Header.Set("Accept", accept)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := hc.Do(req)
		if err != nil {
			return total, err
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return total, fmt.Errorf("floor: HTTP %d", resp.StatusCode)
			}
			return total, errNotGzip
		}
		cr := &countingReader{r: resp.Body}
		cont, err := each(cr)
		resp.Body.Close()
		total += cr.n
		if err != nil {
			return total, err
		}
		if cont == "" {
			return total, nil
		}
		q.Set("continue", cont)
	}
}

// FloorGzipTransfer reads every compressed page into a reused buffer and
// inflates only its first 512 bytes, to find the continue token: the cost
// of moving the compressed bytes.
func FloorGzipTransfer(ctx context.Context, hc *http.Client, base string, pageSize int, accept string) (int64, error) {
	var buf bytes.Buffer
	var zr gzip.Reader
	head := make([]byte, 512)
	return gzipPages(ctx, hc, base, pageSize, accept, func(body io.Reader) (string, error) {
		buf.Reset()
		if _, err := buf.ReadFrom(body); err != nil {
			return "", err
		}
		if err := zr.Reset(bytes.NewReader(buf.Bytes())); err != nil {
			return "", err
		}
		n, err := io.ReadFull(&zr, head)
		if err != nil && err != io.ErrUnexpectedEOF {
			return "", err
		}
		return continueOf(head[:n]), nil
	})
}

// FloorGzipInflate reads every compressed page and inflates it into a
// reused buffer (compress/gzip): transfer plus inflating, the least a
// client that asks for gzip pays before reading a byte of JSON. With scan,
// the inflated page is also validated with jsonscan.Valid.
func FloorGzipInflate(ctx context.Context, hc *http.Client, base string, pageSize int, accept string, scan bool) (int64, error) {
	var buf bytes.Buffer
	var zr gzip.Reader
	return gzipPages(ctx, hc, base, pageSize, accept, func(body io.Reader) (string, error) {
		if err := zr.Reset(bufio.NewReaderSize(body, 32<<10)); err != nil {
			return "", err
		}
		buf.Reset()
		if _, err := buf.ReadFrom(&zr); err != nil {
			return "", err
		}
		if scan {
			if _, err := jsonscan.Valid(buf.Bytes()); err != nil {
				return "", fmt.Errorf("floor: %w", err)
			}
		}
		return continueOf(buf.Bytes()[:min(buf.Len(), 512)]), nil
	})
}

// watchLines opens a JSON watch and hands each of n events (one line, in a
// buffer reused across events) to each.
func watchLines(ctx context.Context, hc *http.Client, base string, n int, each func(line []byte) error) (int64, error) {
	resp, err := get(ctx, hc, base, url.Values{"watch": {"true"}}, "application/json")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	cr := &countingReader{r: resp.Body}
	br := bufio.NewReaderSize(cr, 64<<10)
	var long []byte
	for i := 0; i < n; i++ {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil {
			return cr.n, fmt.Errorf("floor: event %d: %w", i, err)
		}
		if err := each(line); err != nil {
			return cr.n, fmt.Errorf("floor: event %d: %w", i, err)
		}
	}
	return cr.n, nil
}

// FloorWatchJSONScan validates each of n watch events with jsonscan.Valid.
func FloorWatchJSONScan(ctx context.Context, hc *http.Client, base string, n int) (int64, error) {
	return watchLines(ctx, hc, base, n, func(line []byte) error {
		_, err := jsonscan.Valid(line)
		return err
	})
}

// FloorWatchByteCount reads the whole watch stream through a reused 32 KiB
// buffer and counts its '"' bytes with bytes.Count.
func FloorWatchByteCount(ctx context.Context, hc *http.Client, base string) (int64, error) {
	resp, err := get(ctx, hc, base, url.Values{"watch": {"true"}}, "application/json")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	buf := make([]byte, 32<<10)
	var total int64
	for {
		n, err := resp.Body.Read(buf)
		total += int64(n)
		Sink += bytes.Count(buf[:n], []byte{'"'})
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
