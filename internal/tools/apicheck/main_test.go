package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// edit changes one file of a copy of testdata/base: it replaces old by new,
// creates the file with new when old is empty, or deletes the file (or
// directory) when remove is set.
type edit struct {
	file, old, new string
	remove         bool
}

// fixture copies testdata/base to a temporary directory, applies the edits
// and returns the directory.
func fixture(t *testing.T, edits ...edit) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("testdata", "base")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	require.NoError(t, err)
	for _, e := range edits {
		p := filepath.Join(dir, filepath.FromSlash(e.file))
		switch {
		case e.remove:
			require.NoError(t, os.RemoveAll(p))
		case e.old == "":
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(e.new), 0o644))
		default:
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			require.Contains(t, string(data), e.old, "edit of %s: text to replace not found", e.file)
			require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(data), e.old, e.new, 1)), 0o644))
		}
	}
	return dir
}

// runCmd runs the command with args and returns its exit status, stdout and
// stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

var (
	baseOnce sync.Once
	baseDir  string
	baseErr  string
)

// baseBaseline writes the baseline of testdata/base once per test binary and
// returns its directory.
func baseBaseline(t *testing.T) string {
	t.Helper()
	baseOnce.Do(func() {
		dir, err := os.MkdirTemp("", "apicheck-baseline-")
		if err != nil {
			baseErr = err.Error()
			return
		}
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"-write", "-root", filepath.Join("testdata", "base"), "-dir", dir}, &stdout, &stderr); code != exitOK {
			baseErr = stderr.String()
			return
		}
		baseDir = dir
	})
	require.Empty(t, baseErr, "writing the base baseline failed")
	return baseDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if baseDir != "" {
		os.RemoveAll(baseDir)
	}
	os.Exit(code)
}

func TestCheck(t *testing.T) {
	base := baseBaseline(t)
	breakLine := "FAIL: incompatible API change; update the baseline with `make api-baseline` in the same commit if the break is deliberate\n"
	incompatible := "apicheck: incompatible API changes against the baseline in " + base + ":\n"
	const (
		compatible = "apicheck: compatible API changes:\n"
		stale      = "apicheck: API listings that do not match the code:\n"
		outOfDate  = "note: baseline out of date: run make api-baseline\n"
		matches    = "apicheck: the API of 3 packages matches the baseline\n"
	)
	tests := []struct {
		name     string
		reason   string
		edits    []edit
		wantCode int
		wantOut  string
	}{
		{
			name:     "unchanged",
			reason:   "the code the baseline was written from passes without a note",
			wantCode: exitOK,
			wantOut:  matches,
		},
		{
			name:     "removed function",
			reason:   "removing an exported function breaks callers",
			edits:    []edit{{file: "fixture.go", old: "func Gone() {}\n"}},
			wantCode: exitIncompatible,
			wantOut:  incompatible + "  Gone: removed\n" + stale + "  fixture.txt (differs)\n" + breakLine,
		},
		{
			name:     "added function",
			reason:   "an addition is compatible: it passes, with a note that the baseline is out of date",
			edits:    []edit{{file: "fixture.go", old: "func Gone() {}\n", new: "func Gone() {}\n\n// Added is new.\nfunc Added() {}\n"}},
			wantCode: exitOK,
			wantOut:  compatible + "  Added: added\n" + stale + "  fixture.txt (differs)\n" + outOfDate,
		},
		{
			name:     "removed package",
			reason:   "removing an API package breaks its importers",
			edits:    []edit{{file: "gone", remove: true}},
			wantCode: exitIncompatible,
			wantOut:  incompatible + "  package example.com/fixture/gone: removed\n" + stale + "  gone.txt (no such package)\n" + breakLine,
		},
		{
			name:     "added package",
			reason:   "a new API package is compatible, and its listing is missing from the baseline",
			edits:    []edit{{file: "added/added.go", new: "// Package added is new.\npackage added\n\n// A is new.\nfunc A() {}\n"}},
			wantCode: exitOK,
			wantOut:  compatible + "  package example.com/fixture/added: added\n" + stale + "  added.txt (missing)\n" + outOfDate,
		},
		{
			name:   "changes outside the API",
			reason: "internal and main packages, examples/, unexported fields and methods are not API",
			edits: []edit{
				{file: "internal/in/in.go", old: "func I() {}\n"},
				{file: "cmd/tool/main.go", old: "func Exported() {}\n"},
				{file: "examples/ex/ex.go", old: "func E() {}\n"},
				{file: "fixture.go", old: "\tb int\n", new: "\tb, c int\n"},
				{file: "fixture.go", old: "func (T) unexported() {}\n"},
			},
			wantCode: exitOK,
			wantOut:  matches,
		},
		{
			name:     "renamed parameter",
			reason:   "parameter names are not API for apidiff, but the listing shows them: a note, not a failure",
			edits:    []edit{{file: "fixture.go", old: "func Keep(n int) int { return n }", new: "func Keep(count int) int { return count }"}},
			wantCode: exitOK,
			wantOut:  stale + "  fixture.txt (differs)\n" + outOfDate,
		},
		{
			name:     "changed constant",
			reason:   "a constant's value is API",
			edits:    []edit{{file: "fixture.go", old: "const C = 1", new: "const C = 2"}},
			wantCode: exitIncompatible,
			wantOut:  incompatible + "  C: value changed from 1 to 2\n" + stale + "  fixture.txt (differs)\n" + breakLine,
		},
		{
			name:     "changed field type",
			reason:   "changing an exported field's type breaks its users",
			edits:    []edit{{file: "fixture.go", old: "A int `json:\"a\"`", new: "A string `json:\"a\"`"}},
			wantCode: exitIncompatible,
			wantOut:  incompatible + "  T.A: changed from int to string\n" + stale + "  fixture.txt (differs)\n" + breakLine,
		},
		{
			name:     "method added to an interface",
			reason:   "a new interface method breaks every implementation outside the package",
			edits:    []edit{{file: "fixture.go", old: "type I interface{ Do() error }", new: "type I interface {\n\tDo() error\n\tClose() error\n}"}},
			wantCode: exitIncompatible,
			wantOut:  incompatible + "  I.Close: added\n" + stale + "  fixture.txt (differs)\n" + breakLine,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := fixture(t, tt.edits...)
			code, stdout, stderr := runCmd(t, "-root", dir, "-dir", base)
			assert.Equal(t, tt.wantOut, stdout, tt.reason)
			assert.Empty(t, stderr, tt.reason)
			assert.Equal(t, tt.wantCode, code, tt.reason)
		})
	}
}

func TestListing(t *testing.T) {
	base := baseBaseline(t)
	got, err := os.ReadFile(filepath.Join(base, "fixture.txt"))
	require.NoError(t, err)
	want := `# API of package fixture (example.com/fixture), generated by apicheck -write (make api-baseline); do not edit.
type Alias = sub.S
type Box[V any] struct
field Box.Value V
method (Box[V]) Get() V
const C untyped int = 1
func Gone()
type I interface{Do() error}
func Keep(n int) int
type T struct
field T.A int ` + "`json:\"a\"`" + `
embedded T.S sub.S
method (T) Hello() string
method (T) M() string
method (*T) P() int
var V sub.S
`
	assert.Equal(t, want, string(got), "exported objects in name order, fields in declaration order, promoted methods included, unexported ones left out")

	entries, err := os.ReadDir(base)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"fixture.export", "fixture.txt", "gone.export", "gone.txt", "sub.export", "sub.txt"}, names,
		"one export file and one listing per API package; the root package is named after the module's last element")
}

func TestWriteIsDeterministicAndLocationIndependent(t *testing.T) {
	read := func(dir string) map[string][]byte {
		files := map[string][]byte{}
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			files[e.Name()] = data
		}
		return files
	}
	// Two checkouts in different places must give the same bytes.
	root1, root2 := fixture(t), fixture(t)
	out1, out2 := t.TempDir(), t.TempDir()
	code, _, stderr := runCmd(t, "-write", "-root", root1, "-dir", out1)
	require.Equal(t, exitOK, code, stderr)
	code, _, stderr = runCmd(t, "-write", "-root", root2, "-dir", out2)
	require.Equal(t, exitOK, code, stderr)
	a, b := read(out1), read(out2)
	assert.Equal(t, a, b, "the baseline depends only on the code")
	for name, data := range a {
		assert.NotContains(t, string(data), root1, "%s records where the module was checked out", name)
	}
}

func TestWriteReplacesOnlyGeneratedFiles(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runCmd(t, "-write", "-root", fixture(t), "-dir", out)
	require.Equal(t, exitOK, code, stderr)
	require.NoError(t, os.WriteFile(filepath.Join(out, "README.md"), []byte("how to update\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(out, "notes.txt"), []byte("hand-written notes\n"), 0o644))

	code, _, stderr = runCmd(t, "-write", "-root", fixture(t, edit{file: "gone", remove: true}), "-dir", out)
	require.Equal(t, exitOK, code, stderr)

	_, err := os.Stat(filepath.Join(out, "gone.export"))
	assert.ErrorIs(t, err, fs.ErrNotExist, "the removed package's export data is deleted")
	_, err = os.Stat(filepath.Join(out, "gone.txt"))
	assert.ErrorIs(t, err, fs.ErrNotExist, "the removed package's listing is deleted")
	readme, err := os.ReadFile(filepath.Join(out, "README.md"))
	require.NoError(t, err)
	assert.Equal(t, "how to update\n", string(readme), "other files are left alone")
	notes, err := os.ReadFile(filepath.Join(out, "notes.txt"))
	require.NoError(t, err)
	assert.Equal(t, "hand-written notes\n", string(notes), "a .txt file apicheck did not write is left alone")

	// The new baseline accepts the code it was written from.
	code, stdout, stderr := runCmd(t, "-root", fixture(t, edit{file: "gone", remove: true}), "-dir", out)
	assert.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "apicheck: the API of 2 packages matches the baseline\n", stdout)
}

func TestRunErrors(t *testing.T) {
	empty := t.TempDir()
	broken := fixture(t, edit{file: "fixture.go", old: "func Gone() {}", new: "func Gone() { undefined() }"})
	badBaseline := t.TempDir()
	body := []byte("not export data")
	sum := sha256.Sum256(body)
	bad := append([]byte(exportMagic+"\nmodule example.com/fixture\npackage example.com/fixture\nsha256 "+hex.EncodeToString(sum[:])+"\n"), body...)
	require.NoError(t, os.WriteFile(filepath.Join(badBaseline, "fixture.export"), bad, 0o644))
	edited := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(edited, "fixture.export"), append(bad, '!'), 0o644))

	tests := []struct {
		name       string
		reason     string
		args       []string
		wantStderr []string
	}{
		{
			name:       "no baseline",
			reason:     "a check without a baseline cannot pass, and says how to make one",
			args:       []string{"-root", fixture(t), "-dir", empty},
			wantStderr: []string{"no API baseline in " + empty, "make api-baseline"},
		},
		{
			name:       "code does not compile",
			reason:     "a package that does not type-check is an error naming it, not an empty API",
			args:       []string{"-root", broken, "-dir", empty},
			wantStderr: []string{"example.com/fixture", "undefined"},
		},
		{
			name:       "malformed baseline",
			reason:     "unreadable export data is an error naming the file",
			args:       []string{"-root", fixture(t), "-dir", badBaseline},
			wantStderr: []string{"baseline file fixture.export", "malformed"},
		},
		{
			name:       "hand-edited baseline",
			reason:     "export data that no longer matches its checksum is refused before it is decoded",
			args:       []string{"-root", fixture(t), "-dir", edited},
			wantStderr: []string{"baseline file fixture.export", "does not match its checksum"},
		},
		{
			name:       "stray argument",
			reason:     "arguments other than flags are a usage error",
			args:       []string{"./..."},
			wantStderr: []string{`unexpected arguments ["./..."]`},
		},
		{
			name:       "unknown flag",
			reason:     "an unknown flag is a usage error",
			args:       []string{"-update"},
			wantStderr: []string{"flag provided but not defined: -update"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tt.args...)
			assert.Equal(t, exitError, code, tt.reason)
			assert.Empty(t, stdout, tt.reason)
			for _, want := range tt.wantStderr {
				assert.Contains(t, stderr, want, tt.reason)
			}
		})
	}
}

func TestPathRules(t *testing.T) {
	tests := []struct {
		rel          string
		reason       string
		wantInternal bool
		wantExcluded bool
	}{
		{rel: "", reason: "the module's root package is API"},
		{rel: "sdk", reason: "a plain package is API"},
		{rel: "internal", reason: "internal itself is not importable", wantInternal: true},
		{rel: "internal/testutil", reason: "packages under internal/ are not importable", wantInternal: true},
		{rel: "sdk/internal/x", reason: "nested internal directories count too", wantInternal: true},
		{rel: "sdk/internal", reason: "a trailing internal element counts", wantInternal: true},
		{rel: "internalize", reason: "a name that only starts with internal is API"},
		{rel: "examples", reason: "the excluded path itself", wantExcluded: true},
		{rel: "examples/pods", reason: "below an excluded path", wantExcluded: true},
		{rel: "examplesx", reason: "a sibling that shares the prefix is not excluded"},
	}
	exclude := splitList(" examples/ ,,")
	require.Equal(t, []string{"examples"}, exclude, "splitList trims spaces and slashes and drops empty items")
	for _, tt := range tests {
		assert.Equal(t, tt.wantInternal, isInternal(tt.rel), "%q: %s", tt.rel, tt.reason)
		assert.Equal(t, tt.wantExcluded, excluded(tt.rel, exclude), "%q: %s", tt.rel, tt.reason)
	}
}

func TestStem(t *testing.T) {
	tests := []struct {
		mod, pkg, want, reason string
	}{
		{"github.com/kube-for-go/kube", "github.com/kube-for-go/kube", "kube", "the root package takes the module's last element"},
		{"github.com/kube-for-go/kube", "github.com/kube-for-go/kube/sdk", "sdk", "a package takes its module-relative path"},
		{"github.com/kube-for-go/kube", "github.com/kube-for-go/kube/a/b", "a/b", "a nested package keeps its directories"},
		{"example.com/kube/v2", "example.com/kube/v2", "kube", "a major-version suffix is skipped"},
		{"v2", "v2", "v2", "a module path that is only a major version keeps it"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, stem(tt.mod, tt.pkg), tt.reason)
	}
}
