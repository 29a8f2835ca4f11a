package transport

import (
	"fmt"
	"log/slog"
	"strconv"
)

// Secret holds a credential: a bearer token, a password, a private key, a
// proxy password or the value of an exec plugin's environment variable. It
// exists so that a credential cannot be printed, logged or encoded by
// accident, whichever way the value holding it is shown:
//
//   - fmt prints REDACTED for every verb (%v %+v %#v %s %q %x %d …; %T shows
//     the type and %p an address), and nothing for an empty Secret;
//   - encoding/json and every encoder using encoding.TextMarshaler (YAML,
//     XML) write "REDACTED";
//   - log/slog logs REDACTED, also inside groups;
//   - printing by reflection, which fmt does for unexported struct fields
//     (it cannot call their methods) and for values it reports with a bad
//     verb such as %p, shows only the address of the content, because a
//     Secret's only field is a pointer.
//
// [Secret.Reveal] returns the content. The zero value is an empty Secret.
// A Secret is immutable, cheap to copy and safe for concurrent use; copies
// share the content. Two Secrets with the same content are equal for
// reflect.DeepEqual but not for ==.
type Secret struct {
	p *string
}

// NewSecret returns a Secret holding s. NewSecret("") is the empty Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{p: &s}
}

// Reveal returns the content of the Secret, "" when it is empty. Call it
// only where the credential is used, never to print it.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether the Secret is empty.
func (s Secret) IsZero() bool { return s.p == nil || *s.p == "" }

// shown is what every printed form of s shows.
func (s Secret) shown() string {
	if s.IsZero() {
		return ""
	}
	return redacted
}

// String returns REDACTED, or "" for an empty Secret.
func (s Secret) String() string { return s.shown() }

// GoString serves %#v: the quoted form of [Secret.String].
func (s Secret) GoString() string { return strconv.Quote(s.shown()) }

// Format implements fmt.Formatter so that every verb prints REDACTED.
func (s Secret) Format(f fmt.State, verb rune) { formatRedacted(f, verb, s.shown(), s.GoString()) }

// MarshalJSON encodes the Secret as the JSON string "REDACTED" ("" when
// empty). It is not a serialization: the content cannot be read back.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.shown())), nil }

// MarshalText returns REDACTED ("" when empty), for encoders using
// encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.shown()), nil }

// LogValue implements slog.LogValuer: REDACTED, or "" when empty.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.shown()) }

// formatRedacted writes a redacted description for any verb: %#v gets
// goSyntax; every other verb formats plain, a string that holds no secret,
// as fmt formats strings (so %d shows %!d(string=…), %x its hex digits).
func formatRedacted(f fmt.State, verb rune, plain, goSyntax string) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, goSyntax)
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain)
}
