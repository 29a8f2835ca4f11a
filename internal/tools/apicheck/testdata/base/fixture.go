// Package fixture is the base version of a module whose API apicheck guards
// in its tests; each test case edits a copy of it.
package fixture

import "example.com/fixture/sub"

// C is a constant whose value is API.
const C = 1

// Keep stays in every version.
func Keep(n int) int { return n }

// Gone is removed by one test case.
func Gone() {}

// T has exported and unexported fields and methods.
type T struct {
	A int `json:"a"`
	sub.S
	b int
}

// M is a method with a value receiver.
func (T) M() string { return "" }

// P is a method with a pointer receiver.
func (t *T) P() int { return t.b }

func (T) unexported() {}

// Box is a generic type.
type Box[V any] struct{ Value V }

// Get returns the value.
func (b Box[V]) Get() V { return b.Value }

// I is an interface.
type I interface{ Do() error }

// Alias is an alias.
type Alias = sub.S

// V is a variable.
var V = sub.S{}
