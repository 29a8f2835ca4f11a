// Package conformance holds differential tests that compare package selector
// with apimachinery's labels and fields packages (k8s.io/apimachinery
// v0.34.4). It is a separate module so that the SDK never depends on
// apimachinery; it has no non-test code besides this comment.
package conformance
