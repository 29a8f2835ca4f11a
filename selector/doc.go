// Package selector parses, builds, validates and matches Kubernetes label and
// field selectors, without depending on apimachinery.
//
//	package main
//
//	import (
//		"fmt"
//
//		"github.com/kube-for-go/kube/selector"
//	)
//
//	func main() {
//		sel, err := selector.Parse("tier in (web, api), !canary")
//		if err != nil {
//			panic(err) // a *selector.SyntaxError or *selector.ValidationError
//		}
//		fmt.Println(sel)                                           // !canary,tier in (api,web)
//		fmt.Println(sel.Matches(map[string]string{"tier": "web"})) // true
//
//		built := selector.And(selector.Label("app").Equals("shop"), selector.Label("tier").Exists())
//		fmt.Println(built, built.Err()) // app=shop,tier <nil>
//	}
//
// # Label selectors
//
// Parse reads the labelSelector syntax of the API (its doc comment gives the
// grammar) and validates keys, values and operators as the API server does.
// Selectors can also be built: Label starts a Requirement, And and
// Selector.Add combine them, and Set.AsSelector turns a label map into
// equality requirements. Built requirements are validated too; to keep
// building nestable they carry any error, which Selector.Err reports, so
// check Err before using a built selector.
//
// Everything (the zero Selector) matches every object and has the text "".
// Nothing matches no object; no query can express it, so a caller holding a
// selector for which IsNothing reports true must not send a request and
// should return an empty result itself. Its String is "<nothing>", which the
// API server rejects, so a forgotten check fails loudly instead of listing
// every object.
//
// Selector.String writes exactly what apimachinery's labels package writes
// for the same text or the same builder calls: requirements sorted by key as
// it sorts them, no spaces, "==" kept where it was written, values of "in"
// and "notin" sorted and de-duplicated. Parse(s.String()) always gives a
// selector Equal to s; Equal ignores the order of requirements and the
// spelling of "=". Selector.Matches checks a label map client-side, for
// caches and watches.
//
// # Field selectors
//
// ParseFields reads the fieldSelector syntax ("=", "==", "!=", values escaped
// with \ before \ , and =), Field and Fields build field selectors, and
// FieldSelector.Matches checks flattened fields (such as "status.phase").
// FieldSelector.String, too, equals apimachinery's: terms in the order
// apimachinery gives them, "==" written as "=", values escaped.
// The API server supports only a few fields per resource: SupportedFields
// lists them and FieldSelector.ValidateFor rejects any other field before a
// request is made, with a message that lists the supported ones.
//
// # Filters
//
// Functions that take a selector take a LabelFilter or a FieldFilter, which
// every form implements: Expr and FieldExpr (text, parsed when used), Set
// and Fields (maps), Requirement and FieldRequirement (one condition), and
// Selector and FieldSelector themselves. SelectLabels and SelectFields
// return the selector or the error of its first invalid part. An empty Set,
// Fields, Expr or FieldExpr is an error matching ErrInvalid, because it
// would match every object, which is rarely meant: pass Everything or
// EverythingFields for that. On error the selector returned is Nothing, so
// an ignored error selects no object rather than all of them.
//
// # Errors
//
// Every parse error is a *SyntaxError (the text breaks the grammar) or a
// *ValidationError (a key, value, field or operator breaks a rule); both carry
// the input, the byte offset, what was found and what was expected, and match
// ErrSyntax or ErrInvalid with errors.Is. Both parsers run in time linear in
// the input (plus sorting the requirements) and never panic; fuzz tests check
// that String output parses back to an equal selector.
package selector
