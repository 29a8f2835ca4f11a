package remote

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type entry struct {
	name     string
	typ      byte
	body     string
	linkname string
}

func archive(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.linkname}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		require.NoError(t, tw.WriteHeader(hdr))
		if e.typ == tar.TypeReg {
			_, err := tw.Write([]byte(e.body))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

func TestExtractTar(t *testing.T) {
	tests := []struct {
		name, reason string
		entries      []entry
		setup        func(t *testing.T, dst, outside string)
		max          int64
		wantErr      error
		want         map[string]string // files under dst
	}{
		{name: "files and dirs", reason: "regular files and directories are extracted",
			entries: []entry{{name: "d/", typ: tar.TypeDir}, {name: "d/a.txt", typ: tar.TypeReg, body: "A"}, {name: "d/sub/b.txt", typ: tar.TypeReg, body: "BB"}},
			want:    map[string]string{"d/a.txt": "A", "d/sub/b.txt": "BB"}},
		{name: "dot dot", reason: "a name leaving the destination is refused",
			entries: []entry{{name: "../evil.txt", typ: tar.TypeReg, body: "x"}}, wantErr: ErrUnsafePath},
		{name: "dot dot inside", reason: "a name that climbs out through a subdirectory is refused",
			entries: []entry{{name: "d/../../evil.txt", typ: tar.TypeReg, body: "x"}}, wantErr: ErrUnsafePath},
		{name: "absolute", reason: "an absolute name is refused",
			entries: []entry{{name: "/tmp/evil.txt", typ: tar.TypeReg, body: "x"}}, wantErr: ErrUnsafePath},
		{name: "symlink entry then file", reason: "links are not extracted, so a file through one lands nowhere outside",
			entries: []entry{{name: "link", typ: tar.TypeSymlink, linkname: "/"}, {name: "link/evil.txt", typ: tar.TypeReg, body: "x"}},
			want:    map[string]string{"link/evil.txt": "x"}},
		{name: "existing symlink", reason: "a symbolic link already in the destination does not lead out of it",
			setup: func(t *testing.T, dst, outside string) {
				require.NoError(t, os.Symlink(outside, filepath.Join(dst, "out")))
			},
			entries: []entry{{name: "out/evil.txt", typ: tar.TypeReg, body: "x"}}, wantErr: ErrUnsafePath},
		{name: "too large", reason: "files beyond the bound stop the copy", max: 3,
			entries: []entry{{name: "a", typ: tar.TypeReg, body: "12"}, {name: "b", typ: tar.TypeReg, body: "34"}}, wantErr: ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst, outside := t.TempDir(), t.TempDir()
			if tt.setup != nil {
				tt.setup(t, dst, outside)
			}
			root, err := os.OpenRoot(dst)
			require.NoError(t, err)
			defer root.Close()
			max := tt.max
			if max == 0 {
				max = 1 << 20
			}
			err = extractTar(bytes.NewReader(archive(t, tt.entries...)), root, max)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr, tt.reason)
			} else {
				require.NoError(t, err, tt.reason)
			}
			left, _ := os.ReadDir(outside)
			assert.Empty(t, left, "nothing is written outside the destination")
			_, err = os.Stat(filepath.Join(filepath.Dir(dst), "evil.txt"))
			assert.True(t, errors.Is(err, os.ErrNotExist))
			for p, body := range tt.want {
				data, err := os.ReadFile(filepath.Join(dst, p))
				require.NoError(t, err, tt.reason)
				assert.Equal(t, body, string(data))
			}
		})
	}
}

func TestWriteTarRoundTrip(t *testing.T) {
	src := filepath.Join(t.TempDir(), "tree")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "a.txt"), []byte("A"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "sub", "b.txt"), []byte(strings.Repeat("b", 100000)), 0o600))
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(src, "link")))
	var buf bytes.Buffer
	require.NoError(t, writeTar(&buf, src))
	dst := t.TempDir()
	root, err := os.OpenRoot(dst)
	require.NoError(t, err)
	defer root.Close()
	require.NoError(t, extractTar(&buf, root, 1<<20))
	data, err := os.ReadFile(filepath.Join(dst, "tree", "sub", "b.txt"))
	require.NoError(t, err)
	assert.Len(t, data, 100000)
	_, err = os.Lstat(filepath.Join(dst, "tree", "link"))
	assert.True(t, errors.Is(err, os.ErrNotExist), "links are not copied")
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"a", "a/b", "../x", "/abs", "a/../../b", "./a", "a\\..\\b", "", ".", "a/./b/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		clean, err := safeName(name)
		if err != nil {
			if !errors.Is(err, ErrUnsafePath) {
				t.Fatalf("error %v does not match ErrUnsafePath", err)
			}
			return
		}
		if !filepath.IsLocal(filepath.FromSlash(clean)) {
			t.Fatalf("%q accepted as %q, which is not local", name, clean)
		}
		joined := filepath.Join("/dst", filepath.FromSlash(clean))
		if joined != "/dst" && !strings.HasPrefix(joined, "/dst/") {
			t.Fatalf("%q leads to %q", name, joined)
		}
	})
}
