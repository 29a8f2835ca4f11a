package transport

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// modulePath is the SDK's module, looked up in the build information to
// report its version in the User-Agent.
const modulePath = "github.com/kube-for-go/kube"

// sdkVersion returns the SDK module version of the running binary, or
// "devel" when it is not known (tests, a replaced module).
var sdkVersion = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if bi.Main.Path == modulePath && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == modulePath && d.Version != "" && d.Version != "(devel)" {
			return d.Version
		}
	}
	return "devel"
})

// DefaultUserAgent returns the User-Agent sent when Config.UserAgent is
// empty: "kube-for-go/<version> (<GOOS>/<GOARCH>)".
func DefaultUserAgent() string {
	return "kube-for-go/" + sdkVersion() + " (" + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

// RoundTripper validates the Config, reads the files it references, and
// builds the layered round tripper. From the outside in:
//
//  1. User-Agent and impersonation headers;
//  2. retries (see [RetryPolicy]) and request logging;
//  3. authentication: bearer token, token file, basic or exec plugin, with
//     credential renewal after 401;
//  4. the client-side rate limiter, per attempt;
//  5. the response header timeout;
//  6. an *http.Transport with TLS, HTTP/2 and its ping health checks (or
//     Config.Base).
//
// Credentials and impersonation headers are added only to requests for the
// origin (scheme, host and port) of Config.Server, so a redirect to another
// host never carries them, whatever the http.Client does. The result is
// safe for concurrent use and never modifies a caller's request.
//
// Every configuration error is a *[ConfigError].
func (c *Config) RoundTripper() (http.RoundTripper, error) {
	rt, _, err := c.build()
	return rt, err
}

// HTTPClient returns an http.Client using [Config.RoundTripper]. It has no
// overall timeout, which would cut watches and log streams; use request
// contexts. It does not follow redirects to another origin: the 3xx
// response is returned instead, so a request body never goes to a host
// other than Config.Server.
func (c *Config) HTTPClient() (*http.Client, error) {
	rt, origin, err := c.build()
	if err != nil {
		return nil, err
	}
	return &http.Client{
		Transport: rt,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if originOf(req.URL) != origin {
				return http.ErrUseLastResponse
			}
			if len(via) >= 10 {
				return errors.New("transport: stopped after 10 redirects")
			}
			return nil
		},
	}, nil
}

func (c *Config) build() (http.RoundTripper, string, error) {
	if err := c.Validate(); err != nil {
		return nil, "", err
	}
	server, _ := url.Parse(c.Server)
	origin := originOf(server)
	warn := c.Logger
	if warn == nil {
		warn = slog.Default()
	}

	var caData []byte
	var static *certSource
	var tlsCfg *tls.Config
	if server.Scheme == "https" {
		var err error
		if tlsCfg, caData, static, err = c.tlsConfig(); err != nil {
			return nil, "", err
		}
		if c.TLS.Insecure {
			warn.Warn("transport: TLS verification of the API server is turned off (insecure); the connection can be intercepted", "server", c.Server)
		}
	} else if hasCredentials(c) && !isLoopback(server.Hostname()) {
		warn.Warn("transport: credentials are sent over plain HTTP to a non-loopback server", "server", c.Server)
	}

	var base http.RoundTripper
	var closeIdle func()
	if c.Base != nil {
		base = c.Base
		closeIdle = func() {
			if ci, ok := c.Base.(interface{ CloseIdleConnections() }); ok {
				ci.CloseIdleConnections()
			}
		}
	} else {
		t, err := c.httpTransport(tlsCfg)
		if err != nil {
			return nil, "", err
		}
		base, closeIdle = t, t.CloseIdleConnections
	}

	var exec *execProvider
	if c.Exec != nil {
		cluster := &execCluster{
			Server:                   c.Server,
			TLSServerName:            c.TLS.ServerName,
			InsecureSkipTLSVerify:    c.TLS.Insecure,
			CertificateAuthorityData: caData,
			Config:                   c.Exec.ClusterConfig,
		}
		if u := c.proxyURL(); u != nil {
			cluster.ProxyURL = u.String() // the plugin may need the proxy's credentials too
		}
		exec = newExecProvider(*c.Exec, cluster, closeIdle)
	}
	if tlsCfg != nil && (static != nil || exec != nil) {
		tlsCfg.GetClientCertificate = func(info *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if exec != nil {
				cred, err := exec.get(info.Context())
				if err != nil {
					return nil, err
				}
				if cred.cert != nil {
					return cred.cert, nil
				}
			}
			if static != nil {
				return static.get(warn), nil
			}
			return &tls.Certificate{}, nil
		}
	}

	var rt http.RoundTripper = &tlsErrRT{next: base}
	if d := orDefault(c.Timeouts.ResponseHeader, DefaultResponseHeaderTimeout); d > 0 {
		rt = &timeoutRT{next: rt, d: d}
	}
	if qps, burst := c.qpsBurst(); qps > 0 {
		rt = &rateLimitRT{next: rt, limiter: newLimiter(qps, burst)}
	}
	var auth authorizer
	switch {
	case exec != nil:
		auth = execAuth{exec}
	case c.BearerTokenFile != "":
		a := &tokenFileAuth{path: c.BearerTokenFile, logger: warn}
		a.mu.Lock()
		err := a.readLocked()
		a.mu.Unlock()
		if err != nil {
			return nil, "", err
		}
		auth = a
	case !c.BearerToken.IsZero():
		auth = staticAuth{NewSecret("Bearer " + c.BearerToken.Reveal())}
	case c.Username != "":
		auth = basicAuth(c.Username, c.Password)
	}
	if auth != nil {
		rt = &authRT{next: rt, origin: origin, auth: auth}
	}
	if p := c.Retry.withDefaults(); p.MaxAttempts > 1 || c.Logger != nil {
		rt = &retryRT{next: rt, policy: p, logger: c.Logger}
	}
	ua := c.UserAgent
	if ua == "" {
		ua = DefaultUserAgent()
	}
	rt = &headerRT{next: rt, origin: origin, userAgent: ua, imp: c.Impersonate}
	return rt, origin, nil
}

func hasCredentials(c *Config) bool {
	return !c.BearerToken.IsZero() || c.BearerTokenFile != "" || !c.Password.IsZero() || c.Exec != nil || !c.ProxyPassword.IsZero()
}

// tlsConfig reads the certificate authority and the client certificate.
// caData is the PEM authority bundle, for exec plugins' cluster info.
func (c *Config) tlsConfig() (cfg *tls.Config, caData []byte, static *certSource, err error) {
	t := c.TLS
	cfg = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.Insecure}
	caData = t.CAData
	field := "TLS.CAData"
	var file string
	if len(caData) == 0 && t.CAFile != "" {
		field, file = "TLS.CAFile", t.CAFile
		if caData, err = readFile(t.CAFile); err != nil {
			return nil, nil, nil, &ConfigError{File: file, Field: field, Err: err}
		}
	}
	if len(caData) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caData) {
			return nil, nil, nil, &ConfigError{File: file, Field: field, Err: errors.New("no PEM certificate found")}
		}
		cfg.RootCAs = pool
	}
	if len(t.CertData) > 0 || t.CertFile != "" {
		static = &certSource{certFile: t.CertFile, keyFile: t.KeyFile}
		if len(t.CertData) > 0 {
			static.certFile = ""
		}
		if !t.KeyData.IsZero() {
			static.keyFile = ""
		}
		static.certData, static.keyData = t.CertData, []byte(t.KeyData.Reveal())
		if err := static.load(); err != nil {
			return nil, nil, nil, err
		}
	}
	return cfg, caData, static, nil
}

// certSource holds the client certificate, re-reading its files when their
// size or modification time changes, so rotated certificates are picked up
// on the next TLS handshake.
type certSource struct {
	certFile, keyFile string
	certData, keyData []byte

	mu    sync.Mutex
	cert  *tls.Certificate
	stamp [2]fileStamp
}

type fileStamp struct {
	size int64
	mod  time.Time
}

func stampOf(path string) fileStamp {
	if path == "" {
		return fileStamp{}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{size: -1}
	}
	return fileStamp{fi.Size(), fi.ModTime()}
}

// load reads the certificate and key; errors name the field and the file,
// never the key material.
func (s *certSource) load() error {
	certPEM, keyPEM := s.certData, s.keyData
	var err error
	if s.certFile != "" {
		if certPEM, err = readFile(s.certFile); err != nil {
			return &ConfigError{File: s.certFile, Field: "TLS.CertFile", Err: err}
		}
	}
	if s.keyFile != "" {
		if keyPEM, err = readFile(s.keyFile); err != nil {
			return &ConfigError{File: s.keyFile, Field: "TLS.KeyFile", Err: err}
		}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return &ConfigError{File: s.certFile, Field: "TLS.CertData/TLS.KeyData", Err: errors.New("the client certificate and private key are not a valid PEM pair")}
	}
	s.mu.Lock()
	s.cert = &cert
	s.stamp = [2]fileStamp{stampOf(s.certFile), stampOf(s.keyFile)}
	s.mu.Unlock()
	return nil
}

// get returns the current certificate, reloading changed files; when a
// reload fails the previous certificate is kept and a warning logged.
func (s *certSource) get(warn *slog.Logger) *tls.Certificate {
	if s.certFile != "" || s.keyFile != "" {
		s.mu.Lock()
		changed := s.stamp != [2]fileStamp{stampOf(s.certFile), stampOf(s.keyFile)}
		s.mu.Unlock()
		if changed {
			if err := s.load(); err != nil {
				warn.Warn("transport: cannot reload the client certificate; keeping the previous one", "error", err)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cert
}

func (c *Config) httpTransport(tlsCfg *tls.Config) (*http.Transport, error) {
	proxy := http.ProxyFromEnvironment
	if c.ProxyURL != "" {
		u := c.proxyURL()
		if u == nil {
			return nil, &ConfigError{Field: "ProxyURL", Err: fmt.Errorf("not a URL")}
		}
		proxy = http.ProxyURL(u)
	}
	dialer := &net.Dialer{
		Timeout:   orDefault(c.Timeouts.Dial, DefaultDialTimeout),
		KeepAlive: 30 * time.Second,
	}
	return &http.Transport{
		Proxy:                 proxy,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   orDefault(c.Timeouts.TLSHandshake, DefaultTLSHandshakeTimeout),
		ForceAttemptHTTP2:     true,
		HTTP2:                 &http.HTTP2Config{SendPingTimeout: http2SendPingTimeout, PingTimeout: http2PingTimeout},
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   25,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    c.DisableCompression,
	}, nil
}

// proxyURL returns ProxyURL with the proxy credentials, nil when ProxyURL is
// empty or invalid.
func (c *Config) proxyURL() *url.URL {
	if c.ProxyURL == "" {
		return nil
	}
	u, err := url.Parse(c.ProxyURL)
	if err != nil {
		return nil
	}
	switch {
	case !c.ProxyPassword.IsZero():
		u.User = url.UserPassword(c.ProxyUsername, c.ProxyPassword.Reveal())
	case c.ProxyUsername != "":
		u.User = url.User(c.ProxyUsername)
	}
	return u
}
