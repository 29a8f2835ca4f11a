package sdk

import (
	"bytes"
	"errors"
	"strings"

	"github.com/kube-for-go/kube/watch"
)

var _ watch.FieldDropper[*Item[FromStatus]] = viewSource[FromStatus]{}

// DropFields implements watch.FieldDropper (watch.StoreOptions.DropFields):
// the item decoded again from its JSON without the members at paths, each
// a top-level member ("spec") or a member of a top-level object
// ("metadata.managedFields"); paths of another form are ignored. It
// returns the item itself when it has none of them, or when its JSON
// repeats a top-level object whose members it would drop (the decoder
// merges repeated objects), or if the result does not decode. The result
// is spliced from the original's bytes into one allocation of its exact
// size; the members kept are copied byte for byte, so the item reads as
// the original for everything kept, and as an object the server sent
// without the dropped members for the rest (e.g. kinds.PodSpecOf of an
// item without spec gives an empty PodSpec: its accessors report an
// *UnavailableError, its lists are empty).
func (s viewSource[S]) DropFields(obj *Item[S], paths []string) *Item[S] {
	if obj == nil || obj.itemData == nil {
		return obj
	}
	out, ok := dropFields(obj.raw, paths)
	if !ok {
		return obj
	}
	it, err := decodeLazy(s.v.client, s.v.kind, out)
	if err != nil {
		return obj
	}
	return it
}

// piece is a part of the output of dropFields: raw[start:end], or the
// byte lit when lit is not 0.
type piece struct {
	start, end int
	lit        byte
}

// dropFields returns a copy of an object's JSON without the members at
// paths (see viewSource.DropFields; every occurrence of a repeated name
// goes), and false when raw is not a valid object, has no such member, or
// repeats a top-level member whose members it would drop. The members
// kept are copied byte for byte, into one allocation of the output's
// exact size.
func dropFields(raw []byte, paths []string) ([]byte, bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false
	}
	// pieces of the output between raw[:i] and the rest after the
	// object: the object's members, each as one piece or, for an object
	// whose members go, as its name and the pieces of its members.
	var small [96]piece // enough for a pod without a heap allocation
	pcs := small[:0]
	dropped := false
	var edits [4][]byte
	edited := edits[:0] // names of the top-level objects edited inside
	member := func(name []byte, esc bool, v int) (int, error) {
		nameStart := cap(raw) - cap(name) // name is raw[nameStart:...]
		if matchTop(name, esc, paths) {
			dropped = true
			return scanValueIn(raw, v, true, 1)
		}
		if len(pcs) > 0 {
			pcs = append(pcs, piece{lit: ','})
		}
		if raw[v] != '{' || !matchInner(name, esc, paths) {
			end, err := scanValueIn(raw, v, true, 1)
			pcs = append(pcs, piece{start: nameStart, end: end})
			return end, err
		}
		for _, e := range edited {
			if sameName(e, name) {
				return 0, errRepeated
			}
		}
		edited = append(edited, name)
		pcs = append(pcs, piece{start: nameStart, end: v}, piece{lit: '{'})
		first := len(pcs)
		end, err := scanMembers(raw, v, true, func(inner []byte, iesc bool, iv int) (int, error) {
			end, err := scanValueIn(raw, iv, true, 2)
			if err != nil {
				return end, err
			}
			if matchPath(name, esc, inner, iesc, paths) {
				dropped = true
				return end, nil
			}
			if len(pcs) > first {
				pcs = append(pcs, piece{lit: ','})
			}
			pcs = append(pcs, piece{start: cap(raw) - cap(inner), end: end})
			return end, nil
		})
		pcs = append(pcs, piece{lit: '}'})
		return end, err
	}
	end, err := scanMembers(raw, i, true, member)
	if err != nil || !dropped || skipSpace(raw, end) != len(raw) {
		return nil, false
	}
	n := i + 2 + len(raw) - end
	for _, p := range pcs {
		if p.lit != 0 {
			n++
		} else {
			n += p.end - p.start
		}
	}
	out := make([]byte, 0, n)
	out = append(out, raw[:i+1]...)
	for _, p := range pcs {
		if p.lit != 0 {
			out = append(out, p.lit)
		} else {
			out = append(out, raw[p.start:p.end]...)
		}
	}
	out = append(out, '}')
	out = append(out, raw[end:]...)
	return out, true
}

// errRepeated stops dropFields at a repeated top-level object it edits.
var errRepeated = errors.New("a repeated object whose members are dropped")

// sameName reports whether two validated member names (quotes included)
// are the same name.
func sameName(a, b []byte) bool {
	if string(a) == string(b) {
		return true
	}
	if !bytes.ContainsRune(a, '\\') && !bytes.ContainsRune(b, '\\') {
		return false
	}
	ua, _ := unquoteJSON(a)
	ub, _ := unquoteJSON(b)
	return string(ua) == string(ub)
}

// matchTop reports whether a path is the top-level member name.
func matchTop(name []byte, esc bool, paths []string) bool {
	for _, p := range paths {
		if !strings.Contains(p, ".") && p != "" && nameIs(name, esc, p) {
			return true
		}
	}
	return false
}

// matchInner reports whether a path is a member of the top-level member
// name.
func matchInner(name []byte, esc bool, paths []string) bool {
	for _, p := range paths {
		if top, rest, ok := innerPath(p); ok && rest != "" && nameIs(name, esc, top) {
			return true
		}
	}
	return false
}

// matchPath reports whether a path is top.inner.
func matchPath(top []byte, tesc bool, inner []byte, iesc bool, paths []string) bool {
	for _, p := range paths {
		if t, r, ok := innerPath(p); ok && nameIs(top, tesc, t) && nameIs(inner, iesc, r) {
			return true
		}
	}
	return false
}

// innerPath splits a path "top.inner" (no other dot, both not empty).
func innerPath(p string) (top, inner string, ok bool) {
	top, inner, ok = strings.Cut(p, ".")
	if !ok || top == "" || inner == "" || strings.Contains(inner, ".") {
		return "", "", false
	}
	return top, inner, true
}
