package selector

import "strings"

// Limits the API server enforces on label keys and values.
const (
	// MaxLabelNameLength is the maximum length of a label value and of the
	// name part of a label key.
	MaxLabelNameLength = 63
	// MaxLabelPrefixLength is the maximum length of the DNS subdomain prefix
	// of a label key.
	MaxLabelPrefixLength = 253
)

const (
	nameRule = "must consist of alphanumeric characters, '-', '_' or '.', " +
		"and must start and end with an alphanumeric character (e.g. 'MyName', 'my.name', '123-abc')"
	prefixRule = "must be a lowercase RFC 1123 subdomain: lowercase alphanumeric characters, '-' or '.', " +
		"with each dot-separated part starting and ending with an alphanumeric character (e.g. 'example.com')"
)

// checkLabelKey returns "" when key is a valid qualified name, or a
// description of the first rule it breaks, in the order the API server checks.
func checkLabelKey(key string) string {
	name := key
	if prefix, rest, hasPrefix := strings.Cut(key, "/"); hasPrefix {
		name = rest
		if strings.Contains(name, "/") {
			return "a label key is a name with an optional DNS subdomain prefix and a single '/' (e.g. 'example.com/MyName')"
		}
		switch {
		case prefix == "":
			return "the prefix part before '/' must be non-empty"
		case len(prefix) > MaxLabelPrefixLength:
			return "the prefix part must be no more than 253 characters"
		case !isDNSSubdomain(prefix):
			return "the prefix part " + prefixRule
		}
	}
	switch {
	case name == "":
		return "the name part must be non-empty"
	case len(name) > MaxLabelNameLength:
		return "the name part must be no more than 63 characters"
	case !isQualifiedNamePart(name):
		return "the name part " + nameRule
	}
	return ""
}

// checkLabelValue returns "" when value is a valid label value, or a
// description of the rule it breaks.
func checkLabelValue(value string) string {
	switch {
	case len(value) > MaxLabelNameLength:
		return "a label value must be no more than 63 characters"
	case value != "" && !isQualifiedNamePart(value):
		return "a label value must be empty or " + nameRule
	}
	return ""
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isQualifiedNamePart reports whether s matches ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9].
func isQualifiedNamePart(s string) bool {
	if s == "" || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// isDNSSubdomain reports whether s matches the RFC 1123 subdomain pattern
// [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)* (the length
// is checked by the caller).
func isDNSSubdomain(s string) bool {
	for part := range strings.SplitSeq(s, ".") {
		if part == "" || !isLowerAlnum(part[0]) || !isLowerAlnum(part[len(part)-1]) {
			return false
		}
		for i := 1; i < len(part)-1; i++ {
			if c := part[i]; !isLowerAlnum(c) && c != '-' {
				return false
			}
		}
	}
	return true
}

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }
