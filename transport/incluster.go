package transport

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
)

// Standard locations of the service account files mounted into a pod.
const (
	InClusterTokenFile     = "/var/run/secrets/kubernetes.io/serviceaccount/token"
	InClusterCAFile        = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
	InClusterNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
)

// InClusterOptions overrides where [InClusterFrom] looks. Zero fields mean
// the standard locations and environment variables.
type InClusterOptions struct {
	// TokenFile is the service account token (InClusterTokenFile).
	TokenFile string
	// CAFile is the cluster's certificate authority (InClusterCAFile).
	CAFile string
	// NamespaceFile holds the pod's namespace (InClusterNamespaceFile). A
	// missing file leaves Config.Namespace empty.
	NamespaceFile string
	// Host is the API server host ($KUBERNETES_SERVICE_HOST).
	Host string
	// Port is the API server port ($KUBERNETES_SERVICE_PORT).
	Port string
}

// InCluster returns the Config of a process running in a pod: the API server
// from $KUBERNETES_SERVICE_HOST and $KUBERNETES_SERVICE_PORT, authenticated
// by the pod's service account token, which is re-read as it rotates. It
// returns an error matching [ErrNotInCluster] outside a pod.
func InCluster() (*Config, error) { return InClusterFrom(InClusterOptions{}) }

// InClusterFrom is [InCluster] with the file locations and the server
// address overridable, for tests and unusual mounts.
func InClusterFrom(opts InClusterOptions) (*Config, error) {
	def := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	host := def(opts.Host, os.Getenv("KUBERNETES_SERVICE_HOST"))
	port := def(opts.Port, os.Getenv("KUBERNETES_SERVICE_PORT"))
	if host == "" || port == "" {
		return nil, ErrNotInCluster
	}
	tokenFile := def(opts.TokenFile, InClusterTokenFile)
	caFile := def(opts.CAFile, InClusterCAFile)
	nsFile := def(opts.NamespaceFile, InClusterNamespaceFile)

	if _, err := os.Stat(tokenFile); err != nil {
		return nil, &ConfigError{File: tokenFile, Field: "BearerTokenFile", Err: err}
	}
	if _, err := os.Stat(caFile); err != nil {
		return nil, &ConfigError{File: caFile, Field: "TLS.CAFile", Err: err}
	}
	cfg := &Config{
		Server:          "https://" + net.JoinHostPort(host, port),
		TLS:             TLSConfig{CAFile: caFile},
		BearerTokenFile: tokenFile,
	}
	ns, err := readFile(nsFile)
	switch {
	case err == nil:
		cfg.Namespace = strings.TrimSpace(string(ns))
		if cfg.Namespace != "" && !isDNSLabel(cfg.Namespace) {
			return nil, &ConfigError{File: nsFile, Field: "Namespace", Err: fmt.Errorf("not a valid namespace name: %s", dnsLabelRule)}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, &ConfigError{File: nsFile, Field: "Namespace", Err: err}
	}
	return cfg, nil
}

// Auto finds the API server the way most programs want: inside a pod it uses
// [InCluster]; otherwise the kubeconfig ($KUBECONFIG or ~/.kube/config, see
// [LoadKubeconfig]); and when there is none, [Proxy] at DefaultProxyURL.
// Errors other than "not there" (a malformed kubeconfig, an unreadable
// token) are returned, not skipped.
func Auto() (*Config, error) {
	cfg, err := InCluster()
	if !errors.Is(err, ErrNotInCluster) {
		return cfg, err
	}
	cfg, err = LoadKubeconfig(KubeconfigOptions{})
	if !errors.Is(err, ErrNoKubeconfig) {
		return cfg, err
	}
	return Proxy(""), nil
}
