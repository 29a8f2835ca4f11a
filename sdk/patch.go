package sdk

import (
	"context"
	stdjson "encoding/json"
	"fmt"
	"strings"
)

// Pointer builds an RFC 6901 JSON pointer from unescaped path segments,
// escaping "~" as "~0" and "/" as "~1" in each:
//
//	Pointer("metadata", "labels", "app.kubernetes.io/name")
//	// "/metadata/labels/app.kubernetes.io~1name"
//
// Pointer() is "", the whole document. Array indexes are segments too
// ("0", or "-" for the end of an array in an add).
func Pointer(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(s))
	}
	return b.String()
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// validPointer reports whether p is an RFC 6901 JSON pointer: empty, or
// "/"-separated segments in which "~" is only followed by "0" or "1".
func validPointer(p string) error {
	if p == "" {
		return nil
	}
	if p[0] != '/' {
		return fmt.Errorf("JSON pointer %q does not start with '/' (build it with Pointer)", p)
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '~' && (i+1 == len(p) || p[i+1] != '0' && p[i+1] != '1') {
			return fmt.Errorf("JSON pointer %q has a '~' not followed by 0 or 1 (build it with Pointer)", p)
		}
	}
	return nil
}

// JSONPatchOp is one operation of an RFC 6902 JSON patch. Build them with
// the methods of JSONPatchOps.
type JSONPatchOp struct {
	Op    string // add, remove, replace, move, copy or test
	Path  string // JSON pointer of the target
	From  string // JSON pointer of the source (move and copy)
	Value any    // the value (add, replace and test); nil is JSON null
}

// MarshalJSON writes the operation with exactly the members its op takes.
func (o JSONPatchOp) MarshalJSON() ([]byte, error) {
	switch o.Op {
	case "add", "replace", "test":
		return stdjson.Marshal(struct {
			Op    string `json:"op"`
			Path  string `json:"path"`
			Value any    `json:"value"`
		}{o.Op, o.Path, o.Value})
	case "move", "copy":
		return stdjson.Marshal(struct {
			Op   string `json:"op"`
			From string `json:"from"`
			Path string `json:"path"`
		}{o.Op, o.From, o.Path})
	}
	return stdjson.Marshal(struct {
		Op   string `json:"op"`
		Path string `json:"path"`
	}{o.Op, o.Path})
}

// JSONPatchOps is an RFC 6902 JSON patch, sent with the JSONPatch type. Its
// methods append one operation and return the longer patch, so a patch
// reads as a chain:
//
//	ops := sdk.JSONPatchOps{}.
//		Test(sdk.Pointer("spec", "replicas"), 1).
//		Replace(sdk.Pointer("spec", "replicas"), 3).
//		Add(sdk.Pointer("metadata", "labels", "app.kubernetes.io/name"), "web")
//
// Paths are JSON pointers: build them with Pointer, which escapes "~" and
// "/" inside a segment. A failed test operation makes the whole patch fail
// (the server answers 422, matched by ErrInvalid), which gives a patch
// optimistic concurrency on the fields it tests.
type JSONPatchOps []JSONPatchOp

func (ops JSONPatchOps) with(op JSONPatchOp) JSONPatchOps {
	out := make(JSONPatchOps, len(ops), len(ops)+1)
	copy(out, ops)
	return append(out, op)
}

// Add adds value at path: a new member of an object, an element inserted
// into an array (index, or "-" for the end), or a replaced member.
func (ops JSONPatchOps) Add(path string, value any) JSONPatchOps {
	return ops.with(JSONPatchOp{Op: "add", Path: path, Value: value})
}

// Remove removes the value at path, which must exist.
func (ops JSONPatchOps) Remove(path string) JSONPatchOps {
	return ops.with(JSONPatchOp{Op: "remove", Path: path})
}

// Replace replaces the value at path, which must exist.
func (ops JSONPatchOps) Replace(path string, value any) JSONPatchOps {
	return ops.with(JSONPatchOp{Op: "replace", Path: path, Value: value})
}

// Move moves the value at from to path.
func (ops JSONPatchOps) Move(from, path string) JSONPatchOps {
	return ops.with(JSONPatchOp{Op: "move", From: from, Path: path})
}

// Copy copies the value at from to path.
func (ops JSONPatchOps) Copy(from, path string) JSONPatchOps {
	return ops.with(JSONPatchOp{Op: "copy", From: from, Path: path})
}

// Test checks that the value at path equals value; if not, the whole patch
// fails and nothing is changed.
func (ops JSONPatchOps) Test(path string, value any) JSONPatchOps {
	return ops.with(JSONPatchOp{Op: "test", Path: path, Value: value})
}

// Validate checks every operation: a known op and well-formed pointers.
// Patch calls it before sending.
func (ops JSONPatchOps) Validate() error {
	if len(ops) == 0 {
		return fmt.Errorf("empty JSON patch")
	}
	for i, o := range ops {
		switch o.Op {
		case "add", "remove", "replace", "test":
		case "move", "copy":
			if err := validPointer(o.From); err != nil {
				return fmt.Errorf("operation %d (%s): from: %w", i, o.Op, err)
			}
		default:
			return fmt.Errorf("operation %d: unknown op %q", i, o.Op)
		}
		if err := validPointer(o.Path); err != nil {
			return fmt.Errorf("operation %d (%s): %w", i, o.Op, err)
		}
	}
	return nil
}

// Patch patches the object this snapshot is of (see View.Patch) and
// returns the new snapshot.
func (it *Item[S]) Patch(ctx context.Context, typ PatchType, patch any, opts PatchOptions) (*Item[S], error) {
	return it.view().Patch(ctx, it.meta.Name, typ, patch, opts)
}
