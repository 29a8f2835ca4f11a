// Package kubefake is an in-memory Kubernetes API server for tests, with
// scriptable fault injection. It serves the real API over httptest (or in
// process, without sockets), so the whole client stack is exercised:
//
//	srv := kubefake.MustNew(t, kubefake.Options{Objects: []any{manifestYAML}})
//	cluster := srv.Client() // a *kube.Cluster wired to the server
//	srv.Fail(kubefake.Match{Verb: "list", Resource: "pods"}, 2, 503, time.Second)
//	// ... code under test uses cluster; its retries see two 503s ...
//
// It holds objects of any kind: the common built-in kinds are registered
// (DefaultResources) and Register adds custom ones; creating a
// CustomResourceDefinition registers its kinds too.
package kubefake
