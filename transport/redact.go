package transport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
)

// redacted replaces every secret in printed or logged configuration.
const redacted = "REDACTED"

// field is one printable field of a redacted view; value is already safe.
type field struct {
	name  string
	value any
}

func printFields(typeName string, goSyntax bool, fields []field) string {
	var b strings.Builder
	b.WriteString(typeName)
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			if goSyntax {
				b.WriteString(", ")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(f.name)
		b.WriteByte(':')
		if goSyntax {
			fmt.Fprintf(&b, "%#v", f.value)
		} else {
			fmt.Fprintf(&b, "%v", f.value)
		}
	}
	b.WriteByte('}')
	return b.String()
}

func jsonFields(fields []field) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(f.name))
		b.WriteByte(':')
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func logFields(fields []field) slog.Value {
	attrs := make([]slog.Attr, len(fields))
	for i, f := range fields {
		attrs[i] = slog.Any(f.name, f.value)
	}
	return slog.GroupValue(attrs...)
}

// redactURL hides the password of a URL's user information; a string that
// does not parse is hidden entirely, since it could be anything.
func redactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL, " + redacted + ")"
	}
	if u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword {
			u.User = url.UserPassword(u.User.Username(), redacted)
		} else {
			u.User = url.User(redacted) // a lone user name may be a token
		}
	}
	return u.String()
}

func byteCount(b []byte) string { return strconv.Itoa(len(b)) + " bytes" }

func (c Config) fields() []field {
	var fs []field
	add := func(name string, v any) { fs = append(fs, field{name, v}) }
	add("Server", redactURL(c.Server))
	if len(c.TLS.fields()) > 0 {
		add("TLS", c.TLS)
	}
	if !c.BearerToken.IsZero() {
		add("BearerToken", redacted)
	}
	if c.BearerTokenFile != "" {
		add("BearerTokenFile", c.BearerTokenFile)
	}
	if c.Username != "" {
		add("Username", c.Username)
	}
	if !c.Password.IsZero() {
		add("Password", redacted)
	}
	if c.Exec != nil {
		add("Exec", *c.Exec)
	}
	if !c.Impersonate.IsZero() {
		add("Impersonate", c.Impersonate)
	}
	if c.ProxyURL != "" {
		add("ProxyURL", redactURL(c.ProxyURL))
	}
	if c.ProxyUsername != "" {
		add("ProxyUsername", c.ProxyUsername)
	}
	if !c.ProxyPassword.IsZero() {
		add("ProxyPassword", redacted)
	}
	if c.Namespace != "" {
		add("Namespace", c.Namespace)
	}
	if c.QPS != 0 {
		add("QPS", c.QPS)
	}
	if c.Burst != 0 {
		add("Burst", c.Burst)
	}
	if c.Retry != (RetryPolicy{}) {
		add("Retry", c.Retry)
	}
	if c.Timeouts != (Timeouts{}) {
		add("Timeouts", c.Timeouts)
	}
	if c.Logger != nil {
		add("Logger", "set")
	}
	if c.UserAgent != "" {
		add("UserAgent", c.UserAgent)
	}
	if c.Base != nil {
		add("Base", fmt.Sprintf("%T", c.Base))
	}
	return fs
}

// String describes the Config with every secret (token, password, private
// key, exec environment, proxy password) replaced by REDACTED and only the
// fields that are set.
func (c Config) String() string { return printFields("transport.Config", false, c.fields()) }

// GoString serves %#v like [Config.String]: secrets are REDACTED.
func (c Config) GoString() string { return printFields("transport.Config", true, c.fields()) }

// Format implements fmt.Formatter: every verb prints [Config.String] (%#v
// prints [Config.GoString]), so no verb shows a secret.
func (c Config) Format(f fmt.State, verb rune) { formatRedacted(f, verb, c.String(), c.GoString()) }

// MarshalJSON encodes the description of [Config.String] as a JSON object,
// secrets REDACTED. It is a description for logs, not a serialization: there
// is no way back.
func (c Config) MarshalJSON() ([]byte, error) { return jsonFields(c.fields()) }

// LogValue implements slog.LogValuer with secrets REDACTED.
func (c Config) LogValue() slog.Value { return logFields(c.fields()) }

func (t TLSConfig) fields() []field {
	var fs []field
	add := func(name string, v any) { fs = append(fs, field{name, v}) }
	if len(t.CAData) > 0 {
		add("CAData", byteCount(t.CAData))
	}
	if t.CAFile != "" {
		add("CAFile", t.CAFile)
	}
	if len(t.CertData) > 0 {
		add("CertData", byteCount(t.CertData))
	}
	if t.CertFile != "" {
		add("CertFile", t.CertFile)
	}
	if !t.KeyData.IsZero() {
		add("KeyData", redacted)
	}
	if t.KeyFile != "" {
		add("KeyFile", t.KeyFile)
	}
	if t.ServerName != "" {
		add("ServerName", t.ServerName)
	}
	if t.Insecure {
		add("Insecure", true)
	}
	return fs
}

// String describes the TLS settings with the private key REDACTED and
// certificate data shown by size.
func (t TLSConfig) String() string { return printFields("transport.TLSConfig", false, t.fields()) }

// GoString serves %#v like [TLSConfig.String].
func (t TLSConfig) GoString() string { return printFields("transport.TLSConfig", true, t.fields()) }

// Format implements fmt.Formatter: every verb prints [TLSConfig.String]
// (%#v prints [TLSConfig.GoString]).
func (t TLSConfig) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, t.String(), t.GoString())
}

// MarshalJSON encodes the description of [TLSConfig.String] as a JSON
// object, the private key REDACTED.
func (t TLSConfig) MarshalJSON() ([]byte, error) { return jsonFields(t.fields()) }

// LogValue implements slog.LogValuer with the private key REDACTED.
func (t TLSConfig) LogValue() slog.Value { return logFields(t.fields()) }

func (e ExecConfig) fields() []field {
	fs := []field{{"APIVersion", e.APIVersion}, {"Command", e.Command}}
	add := func(name string, v any) { fs = append(fs, field{name, v}) }
	if len(e.Args) > 0 {
		add("Args", e.Args)
	}
	if len(e.Env) > 0 {
		names := make([]string, len(e.Env))
		for i, v := range e.Env {
			names[i] = v.Name + "=" + redacted
		}
		add("Env", names)
	}
	if e.InteractiveMode != "" {
		add("InteractiveMode", string(e.InteractiveMode))
	}
	if e.ProvideClusterInfo {
		add("ProvideClusterInfo", true)
	}
	if e.InstallHint != "" {
		add("InstallHint", "set")
	}
	return fs
}

// String describes the plugin with environment values REDACTED.
func (e ExecConfig) String() string { return printFields("transport.ExecConfig", false, e.fields()) }

// GoString serves %#v like [ExecConfig.String].
func (e ExecConfig) GoString() string { return printFields("transport.ExecConfig", true, e.fields()) }

// Format implements fmt.Formatter: every verb prints [ExecConfig.String]
// (%#v prints [ExecConfig.GoString]).
func (e ExecConfig) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, e.String(), e.GoString())
}

// MarshalJSON encodes the description of [ExecConfig.String] as a JSON
// object, environment values REDACTED.
func (e ExecConfig) MarshalJSON() ([]byte, error) { return jsonFields(e.fields()) }

// LogValue implements slog.LogValuer with environment values REDACTED.
func (e ExecConfig) LogValue() slog.Value { return logFields(e.fields()) }
