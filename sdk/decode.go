package sdk

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// listMeta is the metadata of a list answer.
type listMeta struct {
	ResourceVersion    string `json:"resourceVersion"`
	Continue           string `json:"continue"`
	RemainingItemCount *int64 `json:"remainingItemCount"`
}

// decodeList reads a list body item by item as it arrives: each element of
// "items" is handed to each as its own JSON (a fresh copy the callee may
// keep) before the next one is read, so memory stays at one item plus the
// decoder's buffer whatever the length of the list. It returns the list's
// metadata. each returning false stops decoding (errStopped).
func decodeList(r io.Reader, path string, each func(raw []byte) bool) (listMeta, error) {
	var meta listMeta
	dec := jsontext.NewDecoder(r)
	fail := func(reason string, err error) (listMeta, error) {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			reason = "truncated list body"
		}
		return meta, &DecodeError{Path: path, Offset: dec.InputOffset(), Reason: reason, Err: err}
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return fail("invalid list body", err)
	}
	if tok.Kind() != '{' {
		return fail("list body is not a JSON object", nil)
	}
	sawItems := false
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return fail("invalid list body", err)
		}
		switch name.String() {
		case "metadata":
			v, err := dec.ReadValue()
			if err != nil {
				return fail("invalid list metadata", err)
			}
			if err := json.Unmarshal(v, &meta); err != nil {
				return fail("invalid list metadata", err)
			}
		case "items":
			sawItems = true
			if dec.PeekKind() == 'n' {
				if _, err := dec.ReadToken(); err != nil {
					return fail("invalid items", err)
				}
				continue
			}
			if _, err := dec.ReadToken(); err != nil {
				return fail("invalid items", err)
			}
			for dec.PeekKind() != ']' {
				v, err := dec.ReadValue()
				if err != nil {
					return fail("invalid list item", err)
				}
				if len(v) == 0 || v[0] != '{' {
					return fail("list item is not a JSON object", nil)
				}
				if !each(slices.Clone([]byte(v))) {
					return meta, errStopped
				}
			}
			if _, err := dec.ReadToken(); err != nil {
				return fail("invalid items", err)
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return fail("invalid list body", err)
			}
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return fail("invalid list body", err)
	}
	if !sawItems {
		return fail("list body has no items member", nil)
	}
	return meta, nil
}

var errStopped = errors.New("stopped")

// decodeObjectKind reads apiVersion and kind of a JSON object.
func decodeObjectKind(raw []byte) (apiVersion, kind string, err error) {
	var tm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(raw, &tm); err != nil {
		return "", "", err
	}
	return tm.APIVersion, tm.Kind, nil
}

// trimJSON is used in messages: the first bytes of a body.
func trimJSON(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 80 {
		return fmt.Sprintf("%s...", b[:80])
	}
	return string(b)
}
