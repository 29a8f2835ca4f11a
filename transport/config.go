package transport

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults used when the corresponding [Config] field is zero.
const (
	// DefaultProxyURL is where "kubectl proxy" listens unless told otherwise.
	DefaultProxyURL = "http://localhost:8001"
	// DefaultQPS is the sustained request rate of the client-side limiter.
	DefaultQPS = 50
	// DefaultBurst is the number of requests the limiter lets through at once.
	DefaultBurst = 100
	// NoRateLimit, assigned to Config.QPS, turns client-side rate limiting off.
	NoRateLimit = -1
)

// Config is everything needed to reach one Kubernetes API server. Build one
// with [Proxy], [LoadKubeconfig], [InCluster] or [Auto], or fill it in
// directly; then call [Config.RoundTripper] or [Config.HTTPClient].
//
// The zero value of every field except Server means "the documented
// default". A Config is plain data: it is validated by [Config.Validate] and
// when the round tripper is built, not when fields are assigned.
//
// Every credential is a [Secret], so no way of showing a Config reveals one:
// fmt with any verb, encoding/json, log/slog, and printing by reflection as
// fmt does when the Config sits in an unexported field of another struct.
type Config struct {
	// Server is the base URL of the API server, such as
	// "https://host:6443" or "http://localhost:8001" for kubectl proxy.
	Server string

	// TLS holds the certificate authority, the client certificate and the
	// server verification settings.
	TLS TLSConfig

	// BearerToken is sent as "Authorization: Bearer <token>".
	BearerToken Secret
	// BearerTokenFile names a file holding the bearer token. It is re-read
	// every minute and after a 401 response, because bound service-account
	// tokens rotate. When set it takes precedence over BearerToken.
	BearerTokenFile string
	// Username and Password enable HTTP basic authentication.
	Username string
	// Password is the basic authentication password.
	Password Secret
	// Exec runs a client.authentication.k8s.io credential plugin.
	Exec *ExecConfig

	// Impersonate makes requests act as another user.
	Impersonate Impersonation

	// ProxyURL is an http, https or socks5 proxy for every request, such as
	// "http://proxy:3128". When empty the proxy comes from the environment
	// (HTTPS_PROXY, NO_PROXY, …). It must not hold credentials: put them in
	// ProxyUsername and ProxyPassword ([LoadKubeconfig] splits a kubeconfig's
	// proxy-url that holds them).
	ProxyURL string
	// ProxyUsername authenticates to the proxy, with ProxyPassword.
	ProxyUsername string
	// ProxyPassword is the proxy password.
	ProxyPassword Secret

	// Namespace is the default namespace: from the kubeconfig context or the
	// in-cluster namespace file. It is "" when none was configured; the
	// transport itself does not use it.
	Namespace string

	// QPS is the sustained rate of the client-side token bucket; 0 means
	// DefaultQPS and a negative value (NoRateLimit) turns limiting off.
	// Requests marked with [Streaming] are never limited.
	QPS float64
	// Burst is the bucket size; 0 means DefaultBurst.
	Burst int

	// Retry says how failed requests are retried.
	Retry RetryPolicy

	// Timeouts bounds connection set-up and waiting for response headers.
	// No timeout ever applies to reading a response body.
	Timeouts Timeouts

	// Logger, when set, receives one record per request at slog.LevelDebug
	// (method, path, status, duration, retries), one per retry at
	// slog.LevelInfo, and warnings at slog.LevelWarn. Nil means no request
	// logging; configuration warnings then go to slog.Default.
	Logger *slog.Logger

	// UserAgent is sent with every request that has none. The default is
	// "kube-for-go/<version> (<GOOS>/<GOARCH>)".
	UserAgent string

	// DisableCompression stops the transport from asking for gzip-compressed
	// responses (Go's *http.Transport otherwise sends "Accept-Encoding: gzip"
	// and inflates the answer transparently; the API server compresses large
	// responses, such as list pages, when asked). Turning compression off
	// moves about ten times more bytes but saves the client the CPU time of
	// inflating them, which can be faster where the link is fast and the
	// server has CPU to spare (loopback, a client next to the API server);
	// keep it on across slow or metered links. Measure before turning it
	// off: the server's work changes too (bench/ reports both ways). It is
	// client-go's rest.Config.DisableCompression. It does not apply to
	// Base, which then decides for itself.
	DisableCompression bool

	// Base, when set, replaces the standard library *http.Transport at the
	// bottom of the stack (for tests, or a custom dialer). TLS, ProxyURL,
	// Timeouts.Dial and Timeouts.TLSHandshake and client certificates from
	// exec plugins are then the responsibility of Base.
	Base http.RoundTripper
}

// TLSConfig holds the TLS settings of a [Config]. For each pair, the Data
// field takes precedence over the File field. Files are read when the round
// tripper is built; client certificate files are re-read when they change.
type TLSConfig struct {
	// CAData holds PEM certificates of the authorities trusted to sign the
	// server certificate. With neither CAData nor CAFile the system roots are
	// used.
	CAData []byte
	// CAFile names a PEM file of trusted certificate authorities.
	CAFile string
	// CertData is the PEM client certificate.
	CertData []byte
	// CertFile names a PEM client certificate file.
	CertFile string
	// KeyData is the PEM private key of the client certificate.
	KeyData Secret
	// KeyFile names the PEM private key file of the client certificate.
	KeyFile string
	// ServerName overrides the name checked against the server certificate.
	ServerName string
	// Insecure turns server certificate verification off. It cannot be
	// combined with CAData or CAFile, and a warning is logged when it is used.
	Insecure bool
}

// Impersonation makes every request act as another user, through the
// Impersonate-* headers. The authenticated user needs the "impersonate" verb.
type Impersonation struct {
	// UserName is the user to act as. It is required when any other field is
	// set.
	UserName string
	// UID is the UID of the user to act as.
	UID string
	// Groups are the groups to act as.
	Groups []string
	// Extra holds additional user attributes.
	Extra map[string][]string
}

// IsZero reports whether no impersonation is configured.
func (i Impersonation) IsZero() bool {
	return i.UserName == "" && i.UID == "" && len(i.Groups) == 0 && len(i.Extra) == 0
}

// Defaults of [RetryPolicy].
const (
	DefaultRetryMaxAttempts = 4
	DefaultRetryBaseDelay   = 250 * time.Millisecond
	DefaultRetryMaxDelay    = 10 * time.Second
)

// RetryPolicy says how failed requests are retried. Its zero value means
// DefaultRetryMaxAttempts attempts with an exponential backoff from
// DefaultRetryBaseDelay capped at DefaultRetryMaxDelay; MaxAttempts 1 turns
// retries off.
//
// Requests are retried on 429 Too Many Requests, 503 Service Unavailable,
// 504 Gateway Timeout, reset connections and dial failures, as long as the
// body can be replayed (no body, or http.Request.GetBody set). GET, HEAD and
// OPTIONS are retried on all of these; other methods, which may change
// state, only on 429 (rejected before processing) and dial failures (never
// reached the server). A Retry-After header in seconds (or an HTTP date) is
// honoured exactly; when it asks for more than MaxDelay, or more than the
// request context allows, the response is returned to the caller instead.
// Otherwise retry n waits d = min(MaxDelay, BaseDelay·2ⁿ⁻¹) with a jitter
// of 0.5: the delay d becomes a random value in [d·(1−0.5), d].
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, including the first.
	MaxAttempts int
	// BaseDelay is the backoff before the first retry.
	BaseDelay time.Duration
	// MaxDelay caps the backoff and the accepted Retry-After.
	MaxDelay time.Duration
}

// Defaults of [Timeouts].
const (
	DefaultDialTimeout           = 30 * time.Second
	DefaultTLSHandshakeTimeout   = 10 * time.Second
	DefaultResponseHeaderTimeout = 2 * time.Minute
	// HTTP/2 health checks: a ping is sent after this long without frames,
	// and the connection is closed when the ping is not answered in time.
	http2SendPingTimeout = 30 * time.Second
	http2PingTimeout     = 15 * time.Second
)

// Timeouts bounds the phases of a request before its response body. Zero
// fields mean the defaults, negative fields mean no limit. Reading a
// response body is never timed out by the transport: use the request
// context. Dead connections are found by HTTP/2 ping health checks.
type Timeouts struct {
	// Dial bounds opening a TCP connection (DefaultDialTimeout).
	Dial time.Duration
	// TLSHandshake bounds the TLS handshake (DefaultTLSHandshakeTimeout).
	TLSHandshake time.Duration
	// ResponseHeader bounds the wait for response headers after the request
	// was sent (DefaultResponseHeaderTimeout, above the API server's own
	// 60 s request timeout). It does not apply to requests marked with
	// [Streaming] or to protocol upgrades.
	ResponseHeader time.Duration
}

// sleep waits for d, or until ctx is done, in which case it returns
// ctx.Err().
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type streamingKey struct{}

// Streaming marks a request context as a long-running stream, such as a
// watch or following a container log. Such requests are exempt from
// client-side rate limiting and from the response header timeout, and the
// transport never cuts them: only ctx does.
func Streaming(ctx context.Context) context.Context {
	return context.WithValue(ctx, streamingKey{}, true)
}

// IsStreaming reports whether ctx was marked by [Streaming].
func IsStreaming(ctx context.Context) bool {
	v, _ := ctx.Value(streamingKey{}).(bool)
	return v
}

// Proxy returns a Config for an API server reached through "kubectl proxy"
// at url, which carries no credentials of its own. Proxy("") uses
// DefaultProxyURL.
func Proxy(url string) *Config {
	if url == "" {
		url = DefaultProxyURL
	}
	return &Config{Server: url}
}

// Validate checks the Config without reading any file. [Config.RoundTripper]
// calls it, then reads and checks the referenced files. Every error is a
// *[ConfigError].
func (c *Config) Validate() error {
	bad := func(field string, format string, args ...any) error {
		return &ConfigError{Field: field, Err: fmt.Errorf(format, args...)}
	}
	if c.Server == "" {
		return bad("Server", "no API server URL")
	}
	u, err := url.Parse(c.Server)
	if err != nil {
		return bad("Server", "not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return bad("Server", "scheme %q is not http or https", u.Scheme)
	}
	if u.User != nil {
		return bad("Server", "credentials in the URL are not supported; use Username and Password")
	}
	if u.Host == "" {
		return bad("Server", "no host in the URL")
	}
	if c.ProxyURL != "" {
		p, err := url.Parse(c.ProxyURL)
		if err != nil {
			return bad("ProxyURL", "not a URL")
		}
		switch p.Scheme {
		case "http", "https", "socks5":
		default:
			return bad("ProxyURL", "scheme %q is not http, https or socks5", p.Scheme)
		}
		if p.Host == "" {
			return bad("ProxyURL", "no host")
		}
		if p.User != nil {
			return bad("ProxyURL", "credentials in the proxy URL are not supported; use ProxyUsername and ProxyPassword")
		}
	}
	if !c.ProxyPassword.IsZero() && c.ProxyUsername == "" {
		return bad("ProxyUsername", "a proxy password needs a proxy user name")
	}
	if c.ProxyUsername != "" && c.ProxyURL == "" {
		return bad("ProxyURL", "proxy credentials need a ProxyURL")
	}
	if c.Namespace != "" && !isDNSLabel(c.Namespace) {
		return bad("Namespace", "not a valid namespace name: %s", dnsLabelRule)
	}
	t := c.TLS
	if t.Insecure && (len(t.CAData) > 0 || t.CAFile != "") {
		return bad("TLS.Insecure", "cannot be combined with a certificate authority (TLS.CAData or TLS.CAFile)")
	}
	hasCert := len(t.CertData) > 0 || t.CertFile != ""
	hasKey := !t.KeyData.IsZero() || t.KeyFile != ""
	if hasCert != hasKey {
		if hasCert {
			return bad("TLS.KeyData", "a client certificate needs a private key (TLS.KeyData or TLS.KeyFile)")
		}
		return bad("TLS.CertData", "a private key needs a client certificate (TLS.CertData or TLS.CertFile)")
	}
	hasBearer := !c.BearerToken.IsZero() || c.BearerTokenFile != ""
	hasBasic := c.Username != "" || !c.Password.IsZero()
	switch {
	case hasBearer && hasBasic:
		return bad("Username", "basic authentication cannot be combined with a bearer token")
	case c.Exec != nil && hasBearer:
		return bad("Exec", "an exec plugin cannot be combined with a bearer token")
	case c.Exec != nil && hasBasic:
		return bad("Exec", "an exec plugin cannot be combined with basic authentication")
	}
	if hasBasic && c.Username == "" {
		return bad("Username", "a password needs a user name")
	}
	if c.Exec != nil {
		if err := c.Exec.validate(); err != nil {
			return err
		}
	}
	im := c.Impersonate
	if !im.IsZero() && im.UserName == "" {
		return bad("Impersonate.UserName", "impersonating a UID, groups or extra attributes needs a user name")
	}
	for k := range im.Extra {
		if k == "" {
			return bad("Impersonate.Extra", "empty key")
		}
	}
	if math.IsNaN(c.QPS) || math.IsInf(c.QPS, 0) {
		return bad("QPS", "must be a finite number")
	}
	if c.Burst < 0 {
		return bad("Burst", "must not be negative")
	}
	if c.Retry.MaxAttempts < 0 || c.Retry.BaseDelay < 0 || c.Retry.MaxDelay < 0 {
		return bad("Retry", "must not be negative")
	}
	if strings.ContainsAny(c.UserAgent, "\r\n") {
		return bad("UserAgent", "contains a line break")
	}
	return nil
}

// qpsBurst returns the effective limiter settings; qps <= 0 means off.
func (c *Config) qpsBurst() (float64, int) {
	qps, burst := c.QPS, c.Burst
	if qps < 0 {
		return 0, 0
	}
	if qps == 0 {
		qps = DefaultQPS
	}
	if burst == 0 {
		burst = DefaultBurst
	}
	return qps, burst
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultRetryMaxAttempts
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = DefaultRetryBaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = DefaultRetryMaxDelay
	}
	if p.BaseDelay > p.MaxDelay {
		p.BaseDelay = p.MaxDelay
	}
	return p
}

func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// dnsLabelRule says what isDNSLabel accepts, for error messages.
const dnsLabelRule = "a DNS-1123 label (at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit)"

// isDNSLabel reports whether s is a DNS-1123 label, the form of a namespace
// name.
func isDNSLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

// isLoopback reports whether host (without port) is a loopback name or address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
