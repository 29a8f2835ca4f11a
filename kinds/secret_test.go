package kinds_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	stdjson "encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kinds"
)

// secretValues are the decoded values of testdata/secret.json.
var secretValues = map[string][]byte{
	"username": []byte("admin"),
	"password": []byte("s3cr3t-p@ssw0rd"),
	"binary":   []byte("line1\nline2\x00\xff"),
	"empty":    {},
}

// leaks returns the forms of a secret value that must never be printed:
// the value itself, its base64 and its hex encodings.
func leaks(v []byte) []string {
	if len(v) == 0 {
		return nil
	}
	return []string{string(v), base64.StdEncoding.EncodeToString(v), hex.EncodeToString(v), fmt.Sprintf("%X", v), fmt.Sprintf("%q", v)}
}

func TestSecretRedaction(t *testing.T) {
	sec := load[kinds.SecretStatus](t, kinds.SecretKind, "secret.json")
	st := sec.Status()
	data := st.Data()
	require.Len(t, data, len(secretValues))

	var slogText, slogJSON bytes.Buffer
	textLog := slog.New(slog.NewTextHandler(&slogText, nil))
	jsonLog := slog.New(slog.NewJSONHandler(&slogJSON, nil))
	textLog.Info("secret", "item", sec, "status", st, "data", data, "password", data["password"])
	jsonLog.Info("secret", "item", sec, "status", st, "data", data, "password", data["password"])

	type holder struct {
		Status kinds.SecretStatus
		Value  kinds.SecretValue
		Values []kinds.SecretValue
	}
	// fmt cannot call methods on unexported fields: a SecretStatus there
	// must still not print its values. (An sdk.Item in an unexported field
	// prints its raw bytes as numbers: Raw is the raw object by design.)
	type hidden struct {
		status kinds.SecretStatus
	}
	subjects := map[string]any{
		"item":            sec,
		"*item":           *sec,
		"hidden":          hidden{status: st},
		"status":          st,
		"&status":         &st,
		"data":            data,
		"password":        data["password"],
		"&password":       new(data["password"]),
		"binary":          data["binary"],
		"struct of them":  holder{st, data["username"], []kinds.SecretValue{data["password"], data["binary"]}},
		"[]any of them":   []any{sec, st, data},
		"map to pointers": map[string]*kinds.SecretValue{"p": new(data["password"])},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"}

	type output struct{ what, text string }
	var outs []output
	for name, v := range subjects {
		for _, verb := range verbs {
			outs = append(outs, output{name + " " + verb, fmt.Sprintf(verb, v)})
		}
		outs = append(outs, output{name + " Sprint", fmt.Sprint(v)}, output{name + " Sprintln", fmt.Sprintln(v)})
		j, err := stdjson.Marshal(v)
		require.NoError(t, err, name)
		outs = append(outs, output{name + " json.Marshal", string(j)})
	}
	outs = append(outs, output{"slog text", slogText.String()}, output{"slog json", slogJSON.String()})

	for _, o := range outs {
		for key, v := range secretValues {
			for _, leak := range leaks(v) {
				assert.NotContains(t, o.text, leak, "%s leaks %s (as %q)", o.what, key, leak)
			}
		}
	}

	// What the printed forms do show.
	want := []struct {
		got, want string
		reason    string
	}{
		{fmt.Sprintf("%v", sec), "Secret shop/db-credentials (version 206900)", "an item prints kind, name and version"},
		{fmt.Sprintf("%#v", sec), "Secret shop/db-credentials (version 206900)", "GoString too"},
		{fmt.Sprintf("%v", st), "Secret(type=Opaque, keys=[binary empty password username])", "status prints type and sorted keys"},
		{fmt.Sprintf("%x", st), "Secret(type=Opaque, keys=[binary empty password username])", "every verb prints the same"},
		{fmt.Sprintf("%v", data["password"]), "<redacted 15 bytes>", "a value prints its length only"},
		{fmt.Sprintf("%#v", data["binary"]), "<redacted 13 bytes>", "GoString of a value"},
		{fmt.Sprintf("%v", data["empty"]), "<redacted 0 bytes>", "an empty value"},
		{mustJSON(t, data), `{"binary":"\u003credacted 13 bytes\u003e","empty":"\u003credacted 0 bytes\u003e","password":"\u003credacted 15 bytes\u003e","username":"\u003credacted 5 bytes\u003e"}`, "JSON of Data shows keys and lengths (encoding/json escapes < and >)"},
	}
	for _, w := range want {
		assert.Equal(t, w.want, w.got, w.reason)
	}
	assert.Contains(t, slogJSON.String(), `"password":"<redacted 15 bytes>"`)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := stdjson.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestSecretData(t *testing.T) {
	tests := []struct {
		file   string
		typ    kinds.SecretType // "" = unavailable
		data   map[string][]byte
		reason string
	}{
		{"secret.json", kinds.SecretOpaque, secretValues, "Opaque secret: text, binary with NUL and 0xff, and an empty value"},
		{"secret_tls.json", kinds.SecretTLS, map[string][]byte{
			"tls.crt": []byte("-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"),
			"tls.key": []byte("-----BEGIN PRIVATE KEY-----\nMIGHfake\n-----END PRIVATE KEY-----\n"),
		}, "TLS secret with PEM values"},
		{"secret_nodata.json", "", map[string][]byte{}, "no type, no data: type unavailable, data empty"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			sec := load[kinds.SecretStatus](t, kinds.SecretKind, tc.file)
			s := sec.Status()
			typ, err := s.Type()
			if tc.typ == "" {
				requireUnavailable(t, err, "Secret", "type", tc.reason)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.typ, typ, tc.reason)
			}
			assert.Equal(t, map[string]any{}, sec.Spec(), "a Secret has no spec")

			data := s.Data()
			require.Len(t, data, len(tc.data), tc.reason)
			var keys []string
			for k, want := range tc.data {
				keys = append(keys, k)
				v, ok := data[k]
				require.True(t, ok, "%s: no key %s", tc.reason, k)
				assert.Equal(t, want, v.Bytes(), "%s: Data()[%s]", tc.reason, k)
				assert.Equal(t, len(want), v.Len())
				got, err := s.Get(k)
				require.NoError(t, err, "%s: Get(%s)", tc.reason, k)
				assert.Equal(t, want, got, "%s: Get(%s)", tc.reason, k)
			}
			slices.Sort(keys)
			if len(keys) == 0 {
				assert.Empty(t, s.Keys())
			} else {
				assert.Equal(t, keys, s.Keys(), "Keys are sorted")
			}
			got, err := s.Get("missing")
			requireUnavailable(t, err, "Secret", "data[missing]", tc.reason)
			assert.Nil(t, got)

			// Copies: changing what the accessors return changes nothing.
			for k, v := range data {
				b := v.Bytes()
				if len(b) > 0 {
					b[0] ^= 0xff
					assert.Equal(t, tc.data[k], data[k].Bytes(), "Bytes returns a copy")
					g, err := s.Get(k)
					require.NoError(t, err)
					g[0] ^= 0xff
					again, err := s.Get(k)
					require.NoError(t, err)
					assert.Equal(t, tc.data[k], again, "Get returns a copy")
				}
				delete(data, k)
			}
			assert.Len(t, s.Data(), len(tc.data), "Data returns a new map")
		})
	}
}
