package testutil

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The embedded go.mod and go.sum of the tools modules must be byte for byte
// the ones of internal/testutil/tools: a pin changed in one place only
// would build different binaries from the source tree and from a user's
// module cache.
func TestEmbeddedToolsModules(t *testing.T) {
	files, err := toolsModFiles()
	require.NoError(t, err)
	require.Len(t, files, 2*len(toolsModules))
	for name, embedded := range files {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("tools", filepath.FromSlash(name)))
			require.NoError(t, err)
			assert.True(t, bytes.Equal(src, embedded),
				"toolsmod/ differs from tools/%s: copy it (cp tools/%s toolsmod/%s)", name, name,
				strings.Replace(name, "/go.", ".", 1))
		})
	}
	// Every tools module directory is embedded.
	dirs, err := os.ReadDir("tools")
	require.NoError(t, err)
	var names []string
	for _, d := range dirs {
		if d.IsDir() {
			names = append(names, d.Name())
		}
	}
	assert.ElementsMatch(t, toolsModules, names)
}

func TestWriteToolsModules(t *testing.T) {
	base := t.TempDir()
	dir, err := writeToolsModules(base)
	require.NoError(t, err)
	assert.Equal(t, base, filepath.Dir(dir), "written under base")
	files, err := toolsModFiles()
	require.NoError(t, err)
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		require.NoError(t, err, name)
		assert.True(t, bytes.Equal(want, got), name)
	}

	// A second call finds the same directory and leaves equal files alone;
	// a damaged file is rewritten.
	kube := filepath.Join(dir, "kube", "go.mod")
	before, err := os.Stat(kube)
	require.NoError(t, err)
	broken := filepath.Join(dir, "etcd", "go.sum")
	require.NoError(t, os.WriteFile(broken, []byte("damaged"), 0o644))
	again, err := writeToolsModules(base)
	require.NoError(t, err)
	assert.Equal(t, dir, again)
	after, err := os.Stat(kube)
	require.NoError(t, err)
	assert.True(t, os.SameFile(before, after), "an equal file is not rewritten")
	got, err := os.ReadFile(broken)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(files["etcd/go.sum"], got), "a damaged file is rewritten")
	left, err := filepath.Glob(filepath.Join(dir, "*", ".go.*.tmp"))
	require.NoError(t, err)
	assert.Empty(t, left, "no temporary file is left behind")
}

func TestToolsDir(t *testing.T) {
	tests := []struct {
		reason   string
		toolsEnv string
		want     func(cache string) string
	}{
		{
			reason:   "KUBE_GO_TOOLS_DIR overrides the embedded copies",
			toolsEnv: "/somewhere/tools",
			want:     func(string) string { return "/somewhere/tools" },
		},
		{
			reason: "without it the embedded copies are written under the cache",
			want:   func(cache string) string { return filepath.Join(cache, "toolsmod") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			cache := t.TempDir()
			t.Setenv("KUBE_GO_CACHE", cache)
			t.Setenv("KUBE_GO_TOOLS_DIR", tt.toolsEnv)
			dir, err := ToolsDir()
			require.NoError(t, err)
			if tt.toolsEnv != "" {
				assert.Equal(t, tt.want(cache), dir)
				return
			}
			assert.Equal(t, tt.want(cache), filepath.Dir(dir))
			assert.FileExists(t, filepath.Join(dir, "kube", "go.mod"))
		})
	}
}

func TestProgressReportsWhileBuilding(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		log := &lockedWriter{w: &buf}
		stop := progress(log, "kube-apiserver", 30*time.Second)
		time.Sleep(95 * time.Second)
		took := stop()
		assert.Equal(t, 95*time.Second, took)
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		assert.Equal(t, []string{
			"testutil: still building kube-apiserver (30s so far)",
			"testutil: still building kube-apiserver (1m0s so far)",
			"testutil: still building kube-apiserver (1m30s so far)",
		}, lines)
		// Nothing is written after stop.
		time.Sleep(time.Minute)
		assert.Len(t, strings.Split(strings.TrimSpace(buf.String()), "\n"), 3)
	})
}
