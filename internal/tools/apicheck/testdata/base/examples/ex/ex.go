// Package ex is under examples/: not API.
package ex

// E is not API.
func E() {}
