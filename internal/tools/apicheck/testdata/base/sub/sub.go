// Package sub is a second API package of the fixture module.
package sub

// S is embedded by fixture.T.
type S struct{ Name string }

// Hello is promoted through fixture.T.
func (S) Hello() string { return "hello" }
