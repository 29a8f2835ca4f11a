package testutil

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCRILine(t *testing.T) {
	tests := []struct {
		name    string
		line    LogLine
		want    string
		wantErr string
		reason  string
	}{
		{"stdout", LogLine{Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Text: "hello world"},
			"2026-01-02T03:04:05.000000006Z stdout F hello world\n", "",
			"RFC 3339 with nanoseconds, the stream, F for a full line, the text"},
		{"stderr", LogLine{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Stderr: true, Text: "oops"},
			"2026-01-02T03:04:05Z stderr F oops\n", "", "stderr lines name their stream"},
		{"utc", LogLine{Time: time.Date(2026, 1, 2, 5, 4, 5, 0, time.FixedZone("x", 2*3600)), Text: "a"},
			"2026-01-02T03:04:05Z stdout F a\n", "", "times are written in UTC"},
		{"empty", LogLine{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
			"2026-01-02T03:04:05Z stdout F \n", "", "an empty line is a line"},
		{"newline", LogLine{Text: "a\nb"}, "", "must not contain a line break", "one LogLine is one line"},
		{"carriage return", LogLine{Text: "a\rb"}, "", "must not contain a line break", "CR would break the CRI format too"},
	}
	for _, tt := range tests {
		got, err := criLine(tt.line)
		if tt.wantErr != "" {
			require.Error(t, err, tt.reason)
			assert.Contains(t, err.Error(), tt.wantErr, tt.reason)
			continue
		}
		require.NoError(t, err, tt.reason)
		assert.Equal(t, tt.want, got, tt.reason)
	}

	before := time.Now()
	got, err := criLine(LogLine{Text: "now"})
	require.NoError(t, err)
	stamp, err := time.Parse(time.RFC3339Nano, strings.Fields(got)[0])
	require.NoError(t, err)
	assert.False(t, stamp.Before(before.Truncate(time.Nanosecond).Add(-time.Millisecond)), "the zero Time means now")
}

func TestLines(t *testing.T) {
	tests := []struct {
		in     string
		want   []string
		reason string
	}{
		{"a\nb", []string{"a", "b"}, "one LogLine per line"},
		{"a\nb\n", []string{"a", "b"}, "a final line break ends the last line, it does not add one"},
		{"a\n\nb", []string{"a", "", "b"}, "empty lines in between stay"},
		{"", []string{""}, "an empty text is one empty line"},
	}
	for _, tt := range tests {
		var got []string
		for _, l := range Lines(tt.in) {
			assert.False(t, l.Stderr, tt.reason)
			assert.True(t, l.Time.IsZero(), "stamped when written")
			got = append(got, l.Text)
		}
		assert.Equal(t, tt.want, got, tt.reason)
	}
}

func TestKubeletConfig(t *testing.T) {
	dir := t.TempDir()
	docs, err := kubeletConfig(dir)
	require.NoError(t, err)
	kinds := map[string]map[string]any{}
	for _, d := range docs {
		var obj map[string]any
		require.NoError(t, json.Unmarshal([]byte(d), &obj), "each document is JSON, hence YAML")
		assert.Equal(t, "kwok.x-k8s.io/v1alpha1", obj["apiVersion"])
		kinds[obj["kind"].(string)] = obj["spec"].(map[string]any)
	}
	require.Len(t, kinds, 4, "one cluster-wide object per kind")
	kdir := filepath.Join(dir, "kubelet")

	logs := kinds["ClusterLogs"]["logs"].([]any)[0].(map[string]any)
	assert.Equal(t, filepath.Join(kdir, "default.log"), logs["logsFile"])
	data, err := os.ReadFile(logs["logsFile"].(string))
	require.NoError(t, err)
	assert.Equal(t, "2000-01-01T00:00:00Z stdout F "+DefaultLogLine+"\n", string(data), "every container logs the default line")
	attach := kinds["ClusterAttach"]["attaches"].([]any)[0].(map[string]any)
	assert.FileExists(t, attach["logsFile"].(string))

	local := kinds["ClusterExec"]["execs"].([]any)[0].(map[string]any)["local"].(map[string]any)
	assert.Equal(t, filepath.Join(kdir, "exec"), local["workDir"])
	assert.DirExists(t, local["workDir"].(string))

	fwd := kinds["ClusterPortForward"]["forwards"].([]any)[0].(map[string]any)
	assert.Equal(t, []any{float64(EchoPort)}, fwd["ports"])
	assert.Equal(t, []any{"cat"}, fwd["command"])

	// The configuration file puts these between the KwokConfiguration and
	// the stages.
	out := filepath.Join(dir, "kwok.yaml")
	require.NoError(t, writeKwokConfig(out, nil, docs...))
	written, err := os.ReadFile(out)
	require.NoError(t, err)
	parts := strings.Split(string(written), "---\n")
	require.Len(t, parts, 5)
	assert.Contains(t, parts[0], "enableCRDs: [Logs, Attach, PortForward]")
	for i, d := range docs {
		assert.Equal(t, d+"\n", parts[i+1])
	}
}

func TestForwardedPort(t *testing.T) {
	tests := []struct {
		out     string
		want    int
		wantErr string
		reason  string
	}{
		{"Forwarding from 127.0.0.1:41234 -> 80\nForwarding from [::1]:41234 -> 80\n", 41234, "", "the IPv4 line names the port"},
		{"Handling connection for 1\nForwarding from 127.0.0.1:8080 -> 7\n", 8080, "", "other lines are skipped"},
		{"error: unable to listen on any of the requested ports\n", 0, "exited before forwarding", "kubectl failed"},
		{"", 0, "exited before forwarding", "no output at all"},
		{"Forwarding from [::1]:41234 -> 80\n", 0, "exited before forwarding", "only loopback IPv4 is asked for"},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		got, err := forwardedPort(ctx, strings.NewReader(tt.out))
		cancel()
		if tt.wantErr != "" {
			require.Error(t, err, tt.reason)
			assert.Contains(t, err.Error(), tt.wantErr, tt.reason)
			continue
		}
		require.NoError(t, err, tt.reason)
		assert.Equal(t, tt.want, got, tt.reason)
	}

	// A kubectl that says nothing and does not exit: the context bounds the wait.
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := forwardedPort(ctx, r)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func FuzzForwardedPort(f *testing.F) {
	f.Add("Forwarding from 127.0.0.1:41234 -> 80\n")
	f.Add("Forwarding from 127.0.0.1:99999999999999999999 -> 80\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, out string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		port, err := forwardedPort(ctx, strings.NewReader(out))
		if err == nil {
			assert.Contains(t, out, "Forwarding from 127.0.0.1:", "a port only from a Forwarding line")
			assert.GreaterOrEqual(t, port, 0)
		}
	})
}

func TestApplyPatches(t *testing.T) {
	tests := []struct {
		name    string
		patches []sourcePatch
		want    map[string]string
		wantErr string
		reason  string
	}{
		{"replace", []sourcePatch{{File: "a/x.go", Old: "return f()", New: "return g(f())"}},
			map[string]string{"a/x.go": "package a\nfunc h() { return g(f()) }\n"}, "", "the one occurrence is replaced"},
		{"create", []sourcePatch{{File: "a/new.go", New: "package a\n"}},
			map[string]string{"a/new.go": "package a\n", "a/x.go": "package a\nfunc h() { return f() }\n"}, "", "an empty Old creates the file"},
		{"gone", []sourcePatch{{File: "a/x.go", Old: "return nothing()", New: "x"}},
			nil, "occurs 0 times", "a patch whose code changed upstream fails"},
		{"twice", []sourcePatch{{File: "a/x.go", Old: "f", New: "b"}},
			nil, "occurs 2 times", "an ambiguous patch fails"},
		{"create existing", []sourcePatch{{File: "a/x.go", New: "package a\n"}},
			nil, "which exists", "creating never overwrites"},
		{"missing file", []sourcePatch{{File: "a/y.go", Old: "x", New: "y"}},
			nil, "a/y.go", "a missing file fails"},
	}
	for _, tt := range tests {
		src := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(src, "a"), 0o555))
		require.NoError(t, os.Chmod(filepath.Join(src, "a"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(src, "a", "x.go"), []byte("package a\nfunc h() { return f() }\n"), 0o444))
		dir := filepath.Join(t.TempDir(), "copy")
		require.NoError(t, copyTree(src, dir), "a read-only tree is copied writable")
		err := applyPatches(dir, tt.patches)
		if tt.wantErr != "" {
			require.Error(t, err, tt.reason)
			assert.Contains(t, err.Error(), tt.wantErr, tt.reason)
			continue
		}
		require.NoError(t, err, tt.reason)
		for f, want := range tt.want {
			got, err := os.ReadFile(filepath.Join(dir, f))
			require.NoError(t, err, tt.reason)
			assert.Equal(t, want, string(got), tt.reason)
		}
	}
}

func TestPatchKey(t *testing.T) {
	a := []sourcePatch{{File: "f", Old: "o", New: "n"}}
	b := []sourcePatch{{File: "f", Old: "o", New: "n2"}}
	assert.Equal(t, patchKey(a), patchKey([]sourcePatch{{File: "f", Old: "o", New: "n", Why: "other words"}}), "the explanation does not change the build")
	assert.NotEqual(t, patchKey(a), patchKey(b), "a changed patch builds a new binary")
	assert.Len(t, patchKey(kwokPatches), 8)
	assert.True(t, strings.HasPrefix(kwokBinary, "kwok-patched-"))
}
