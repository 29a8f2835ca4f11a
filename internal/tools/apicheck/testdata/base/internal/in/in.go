// Package in is internal: not API.
package in

// I is not API.
func I() {}
