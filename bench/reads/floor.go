package reads

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// The floor readers fetch the same pages (limit and continue) as the SDK
// and client-go, over the same HTTP connection pool, and do the least work
// possible with the bytes. They return the number of body bytes read.

func get(ctx context.Context, hc *http.Client, base string, q url.Values, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/pods?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("floor: HTTP %d", resp.StatusCode)
	}
	return resp, nil
}

// tokenPrefix starts every continue token of the fixture server (base64 of
// `{"v":"`), in JSON and in protobuf alike.
var tokenPrefix = []byte("eyJ2Ijoi")

// continueOf finds the continue token in a list body's leading metadata
// by a substring search, without parsing (floor readers only).
func continueOf(head []byte) string {
	i := bytes.Index(head, tokenPrefix)
	if i < 0 {
		return ""
	}
	rest := head[i:]
	j := bytes.IndexFunc(rest, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	})
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// pages fetches every page and hands each body to each, which returns the
// continue token.
func pages(ctx context.Context, hc *http.Client, base string, pageSize int, accept string, each func(body io.Reader) (string, int64, error)) (int64, error) {
	q := url.Values{"limit": {strconv.Itoa(pageSize)}}
	var total int64
	for {
		resp, err := get(ctx, hc, base, q, accept)
		if err != nil {
			return total, err
		}
		cont, n, err := each(resp.Body)
		resp.Body.Close()
		total += n
		if err != nil {
			return total, err
		}
		if cont == "" {
			return total, nil
		}
		q.Set("continue", cont)
	}
}

// FloorTransfer reads every page into a reused buffer and does nothing
// else (the token is found by a substring search): the cost of moving
// the bytes through HTTP.
func FloorTransfer(ctx context.Context, hc *http.Client, base string, pageSize int, accept string) (int64, error) {
	var buf bytes.Buffer
	return pages(ctx, hc, base, pageSize, accept, func(body io.Reader) (string, int64, error) {
		buf.Reset()
		n, err := buf.ReadFrom(body)
		head := buf.Bytes()[:min(buf.Len(), 512)]
		return continueOf(head), n, err
	})
}

// FloorValid reads every page into a reused buffer and validates it with
// encoding/json.Valid.
func FloorValid(ctx context.Context, hc *http.Client, base string, pageSize int) (int64, error) {
	var buf bytes.Buffer
	return pages(ctx, hc, base, pageSize, "application/json", func(body io.Reader) (string, int64, error) {
		buf.Reset()
		n, err := buf.ReadFrom(body)
		if err != nil {
			return "", n, err
		}
		if !json.Valid(buf.Bytes()) {
			return "", n, fmt.Errorf("floor: invalid JSON")
		}
		return continueOf(buf.Bytes()[:min(buf.Len(), 512)]), n, nil
	})
}

// FloorScan streams every page through a jsontext.Decoder that validates
// the syntax and skips every value, reading only the list metadata: the
// same streaming structure as the SDK's list decoder, minus the decoding
// of items.
//
// With strict, the decoder also rejects duplicate object member names
// (jsontext's default, which the SDK's decoders use); without, it checks
// the syntax only.
func FloorScan(ctx context.Context, hc *http.Client, base string, pageSize int, strict bool) (int64, error) {
	return pages(ctx, hc, base, pageSize, "application/json", func(body io.Reader) (string, int64, error) {
		dec := jsontext.NewDecoder(body, jsontext.AllowDuplicateNames(!strict))
		cont := ""
		if _, err := dec.ReadToken(); err != nil {
			return "", 0, err
		}
		for dec.PeekKind() != '}' {
			name, err := dec.ReadToken()
			if err != nil {
				return "", dec.InputOffset(), err
			}
			if name.String() == "metadata" {
				v, err := dec.ReadValue()
				if err != nil {
					return "", dec.InputOffset(), err
				}
				cont = continueOf(v)
				continue
			}
			if err := dec.SkipValue(); err != nil {
				return "", dec.InputOffset(), err
			}
		}
		if _, err := dec.ReadToken(); err != nil {
			return "", dec.InputOffset(), err
		}
		return cont, dec.InputOffset(), nil
	})
}

// FloorWatchScan opens a JSON watch and validates the syntax of n events
// with a jsontext.Decoder, skipping each.
func FloorWatchScan(ctx context.Context, hc *http.Client, base string, n int) (int64, error) {
	resp, err := get(ctx, hc, base, url.Values{"watch": {"true"}}, "application/json")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	dec := jsontext.NewDecoder(resp.Body, jsontext.AllowDuplicateNames(true))
	for i := 0; i < n; i++ {
		if err := dec.SkipValue(); err != nil {
			return dec.InputOffset(), fmt.Errorf("floor: event %d: %w", i, err)
		}
	}
	return dec.InputOffset(), nil
}

// FloorWatchTransfer opens a watch and reads the whole stream (the fixture
// server ends it after the last event) into io.Discard.
func FloorWatchTransfer(ctx context.Context, hc *http.Client, base string, accept string) (int64, error) {
	resp, err := get(ctx, hc, base, url.Values{"watch": {"true"}}, accept)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(io.Discard, resp.Body)
}
