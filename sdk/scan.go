package sdk

import "github.com/kube-for-go/kube/internal/jsonscan"

// The scanner itself is package jsonscan; these are the names the SDK's
// decoders use. scanObject below records the members an item decodes.

const maxScanDepth = jsonscan.MaxDepth

var errShort = jsonscan.ErrShort

type scanError = jsonscan.Error

func badChar(b []byte, i int, what string) error { return jsonscan.BadChar(b, i, what) }
func skipSpace(b []byte, i int) int              { return jsonscan.SkipSpace(b, i) }
func scanString(b []byte, i int, final bool) (int, bool, error) {
	return jsonscan.String(b, i, final)
}
func scanValueIn(b []byte, i int, final bool, outer int) (int, error) {
	return jsonscan.ValueIn(b, i, final, outer)
}
func validJSON(b []byte) (int, error)                { return jsonscan.Valid(b) }
func nameIs(name []byte, esc bool, want string) bool { return jsonscan.NameIs(name, esc, want) }
func scanMembers(b []byte, i int, final bool, member func(name []byte, esc bool, v int) (int, error)) (int, error) {
	return jsonscan.Members(b, i, final, member)
}
func unquoteJSON(s []byte) ([]byte, error) { return jsonscan.Unquote(s) }

// span is the position of a value in a buffer: b[start:end]. The zero
// span (end 0) is an absent value.
type span struct{ start, end int }

func (s span) ok() bool           { return s.end > 0 }
func (s span) of(b []byte) []byte { return b[s.start:s.end] }

// shifted is s relative to offset d.
func (s span) shifted(d int) span {
	if !s.ok() {
		return s
	}
	return span{s.start - d, s.end - d}
}

// objIndex is what one scan of an object records for the item decoder:
// the spans of the members it decodes eagerly or lazily. A name repeated
// keeps its last value, as the decoder does; a repeated metadata or
// status is flagged, so that the lazy decoders merge them as a decode of
// the whole object would.
type objIndex struct {
	kind, metadata, status        span
	name, namespace, uid, rv, dts span // members of metadata
	labels                        span // metadata.labels (Labels reads only it)
	dupMeta, dupStatus, dupLabels bool
}

// rebase makes the spans relative to offset d (the object's start).
func (x *objIndex) rebase(d int) {
	for _, s := range []*span{&x.kind, &x.metadata, &x.status, &x.name, &x.namespace, &x.uid, &x.rv, &x.dts, &x.labels} {
		*s = s.shifted(d)
	}
}

// scanObject validates the object at b[i] == '{' as scanValue does and
// records into x the spans of kind, metadata (and its name, namespace,
// uid, resourceVersion, deletionTimestamp) and status.
func scanObject(b []byte, i int, final bool, x *objIndex, outer int) (int, error) {
	if outer+1 > maxScanDepth {
		return i, jsonscan.DepthError(b, i)
	}
	return scanMembers(b, i, final, func(name []byte, esc bool, v int) (int, error) {
		switch {
		case nameIs(name, esc, "metadata"):
			if x.metadata.ok() {
				x.dupMeta = true
			}
			var end int
			var err error
			if b[v] == '{' && outer+2 <= maxScanDepth {
				end, err = scanMembers(b, v, final, func(name []byte, esc bool, v int) (int, error) {
					var dst *span
					switch {
					case nameIs(name, esc, "name"):
						dst = &x.name
					case nameIs(name, esc, "namespace"):
						dst = &x.namespace
					case nameIs(name, esc, "uid"):
						dst = &x.uid
					case nameIs(name, esc, "resourceVersion"):
						dst = &x.rv
					case nameIs(name, esc, "deletionTimestamp"):
						dst = &x.dts
					case nameIs(name, esc, "labels"):
						dst = &x.labels
						x.dupLabels = x.labels.ok()
					}
					end, err := scanValueIn(b, v, final, outer+2)
					if err == nil && dst != nil {
						*dst = span{v, end}
					}
					return end, err
				})
			} else {
				end, err = scanValueIn(b, v, final, outer+1)
			}
			if err == nil {
				x.metadata = span{v, end}
			}
			return end, err
		case nameIs(name, esc, "status"):
			if x.status.ok() {
				x.dupStatus = true
			}
			end, err := scanValueIn(b, v, final, outer+1)
			if err == nil {
				x.status = span{v, end}
			}
			return end, err
		case nameIs(name, esc, "kind"):
			end, err := scanValueIn(b, v, final, outer+1)
			if err == nil {
				x.kind = span{v, end}
			}
			return end, err
		}
		return scanValueIn(b, v, final, outer+1)
	})
}
