// Package transport connects to a Kubernetes API server. It turns a [Config]
// — from a kubeconfig file, a pod's service account, or a kubectl proxy URL —
// into an [http.RoundTripper] that authenticates, rate-limits, retries and
// logs, so that the rest of the SDK sends plain HTTP requests.
//
//	cfg, err := transport.Auto() // in-cluster, else kubeconfig, else kubectl proxy
//	if err != nil {
//		log.Fatal(err)
//	}
//	client, err := cfg.HTTPClient()
//	if err != nil {
//		log.Fatal(err) // a *transport.ConfigError naming the file and field
//	}
//	resp, err := client.Get(cfg.Server + "/version")
//
// # Sources
//
// [Proxy] reaches a "kubectl proxy", which adds the credentials itself.
// [LoadKubeconfig] reads kubeconfig files (merging $KUBECONFIG like kubectl)
// including client certificates, tokens, impersonation and exec credential
// plugins (client.authentication.k8s.io v1 and v1beta1). [InCluster] uses the
// service account mounted into a pod. [Auto] tries them in turn.
//
// # Behaviour
//
// TLS verification is on unless TLSConfig.Insecure is set, which logs a
// warning. Connections use HTTP/2 where the server offers it, with ping
// health checks that detect dead connections under long watches. Timeouts
// cover dialling, the TLS handshake and waiting for response headers, never
// reading a body: requests marked with [Streaming] (watches, log streams)
// run until their context ends. A client-side token bucket limits the
// request rate (DefaultQPS, DefaultBurst) and [RetryPolicy] retries requests
// that are safe to repeat.
//
// # Secrets
//
// Every credential a Config holds (bearer token, password, private key,
// proxy password, exec plugin environment values) is a [Secret], which
// prints, encodes and logs as REDACTED whatever the verb, the encoder or the
// nesting, also by reflection from an unexported field. Errors never quote a
// credential, a kubeconfig's source text or anything an exec plugin printed.
// Credentials are attached only to requests for the origin of
// Config.Server, so a redirect to another host, however it is followed,
// does not carry them.
//
// # Limits
//
// Files are read up to [MaxFileSize] and exec plugin output up to
// [ExecOutputLimit]. A non-interactive exec plugin runs in its own process
// group, which is killed when the request context ends or after two
// minutes; requests waiting for a plugin run give up when their own context
// ends. auth-provider plugins (gcp, azure, oidc) are not supported; use
// their exec plugin replacements. Exec plugins are run with the standard library only,
// so "is standard input a terminal" is approximated (see
// ExecConfig.InteractiveMode). Protocol upgrades (exec, attach, port-forward)
// need HTTP/1.1, which this round tripper does not force.
package transport
