//go:build !unix

package transport

import "os/exec"

// ownProcessGroup leaves cmd as it is: without Unix process groups, the
// cancellation of its context kills the plugin only.
func ownProcessGroup(*exec.Cmd) {}

// killProcessGroup does nothing without Unix process groups.
func killProcessGroup(*exec.Cmd) error { return nil }
