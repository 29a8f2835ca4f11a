// Package remote runs commands in pods (Exec), attaches to their running
// containers (Attach) and forwards their ports (Dial, Forward), over the
// WebSocket protocols of the Kubernetes API server: v5.channel.k8s.io
// (falling back to v4.channel.k8s.io) for exec and attach, and the
// v4.channel.k8s.io port-forward protocol (one data and one error channel
// per port). CopyTo and CopyFrom copy files like kubectl cp (tar over
// exec).
//
// Every function takes a pod view (*sdk.PodView, e.g. kube.Cluster.Pods
// bound with In) and goes through its client's HTTP transport, so the
// authentication, TLS, proxy and impersonation settings are those of every
// other request. Calling them with the view of another kind does not
// compile.
//
// The package lives apart from package kube and sdk so that a program that
// only lists or watches objects does not link a WebSocket implementation.
//
// Errors: a command that ran and exited with a non-zero status is an
// *ExitError (its Code); a failure the server reported on the stream (the
// container is gone, the command could not start) a *RemoteError; a
// refused handshake an *sdk.APIError (ErrNotFound, ErrForbidden, ...), or
// a *ProxyRejectedError when kubectl proxy refused an exec or attach path;
// a broken connection or malformed frames a *StreamError. A cancelled ctx
// closes the stream and its error wraps ctx.Err().
package remote
