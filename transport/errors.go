package transport

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strconv"
	"strings"
)

// ErrNotInCluster reports that the process does not run inside a Kubernetes
// pod: KUBERNETES_SERVICE_HOST or KUBERNETES_SERVICE_PORT is not set. [Auto]
// treats it as "try the next source".
var ErrNotInCluster = errors.New("transport: not running in a cluster (KUBERNETES_SERVICE_HOST/PORT not set)")

// ErrNoKubeconfig reports that no kubeconfig file exists: $KUBECONFIG names
// only missing files, or it is unset and ~/.kube/config does not exist. [Auto]
// treats it as "try the next source".
var ErrNoKubeconfig = errors.New("transport: no kubeconfig file found")

// ErrExecNotFound reports that an exec credential plugin's command could not
// be found. The [ExecError] carrying it includes the plugin's install hint in
// its message.
var ErrExecNotFound = errors.New("command not found")

// ErrExecFailed reports that an exec credential plugin could not be started
// or exited with a non-zero status.
var ErrExecFailed = errors.New("plugin failed")

// ErrExecOutput reports that an exec credential plugin printed something that
// is not a usable ExecCredential (wrong apiVersion, no token or certificate,
// malformed JSON).
var ErrExecOutput = errors.New("invalid plugin output")

// ErrExecOutputTooLarge reports that an exec credential plugin printed more
// than [ExecOutputLimit] bytes. The [ExecError] carrying it also matches
// [ErrExecOutput].
var ErrExecOutputTooLarge = errors.New("plugin output too large")

// ErrExecNotInteractive reports that an exec credential plugin configured
// with interactiveMode Always was run while standard input is not a terminal.
var ErrExecNotInteractive = errors.New("plugin needs an interactive terminal but standard input is not a terminal")

// ConfigError reports an invalid setting: a malformed kubeconfig file, a
// reference to a missing or unreadable file, or an inconsistent [Config].
// The message names the file and the field but never a secret value.
type ConfigError struct {
	// File is the kubeconfig (or other configuration) file holding the
	// setting, or "" for a Config built in code.
	File string
	// Line is the 1-based line of Field in File, or 0 when unknown.
	Line int
	// Field names the setting, such as "users[name=alice].user.exec.command"
	// for a kubeconfig file or "TLS.CAFile" for a Config.
	Field string
	// Err describes what is wrong with it.
	Err error
}

// Error implements the error interface.
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("transport: invalid configuration")
	if e.File != "" {
		b.WriteString(" in ")
		b.WriteString(strconv.Quote(e.File))
		if e.Line > 0 {
			b.WriteString(" line ")
			b.WriteString(strconv.Itoa(e.Line))
		}
	}
	if e.Field != "" {
		b.WriteString(", field ")
		b.WriteString(e.Field)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ConfigError) Unwrap() error { return e.Err }

// ExecError reports a failure of an exec credential plugin. Err wraps one of
// [ErrExecNotFound], [ErrExecFailed], [ErrExecOutput] (and
// [ErrExecOutputTooLarge]) or [ErrExecNotInteractive], so callers can use
// errors.Is; a plugin stopped because the request context ended also
// matches the context's error (context.DeadlineExceeded or
// context.Canceled). Nothing the plugin printed, on standard output or
// standard error, is ever part of the message, because it carries
// credentials.
type ExecError struct {
	// Command is the plugin command as configured.
	Command string
	// InstallHint is the configured help text for installing the plugin.
	// It is part of the message when the command is missing.
	InstallHint string
	// Err describes the failure.
	Err error
}

// Error implements the error interface.
func (e *ExecError) Error() string {
	msg := "transport: exec credential plugin " + strconv.Quote(e.Command) + ": " + e.Err.Error()
	if e.InstallHint != "" && errors.Is(e.Err, ErrExecNotFound) {
		msg += "\n\n" + e.InstallHint
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *ExecError) Unwrap() error { return e.Err }

// TLSError reports that the API server's certificate could not be verified:
// usually the wrong certificate authority, or a server name that does not
// match the certificate. It wraps the crypto/tls or crypto/x509 error.
type TLSError struct {
	// Server is the host:port that was contacted.
	Server string
	// Err is the verification error.
	Err error
}

// Error implements the error interface.
func (e *TLSError) Error() string {
	return "transport: TLS verification of the API server " + e.Server +
		" failed (check the certificate authority, TLS.CAData/CAFile or the kubeconfig certificate-authority, and TLS.ServerName): " +
		e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *TLSError) Unwrap() error { return e.Err }

// isTLSVerificationError reports whether err is a server certificate
// verification failure.
func isTLSVerificationError(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}
