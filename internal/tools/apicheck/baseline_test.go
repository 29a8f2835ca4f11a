package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkSource type-checks one file of source as the package at path.
func checkSource(t testing.TB, path, src string) *types.Package {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	require.NoError(t, err)
	pkg, err := new(types.Config).Check(path, fset, []*ast.File{f}, nil)
	require.NoError(t, err)
	return pkg
}

const sampleSource = `package sample

const C = "c"

type T[P any] struct{ F P }

func (t T[P]) Get() P { return t.F }

func New() *T[int] { return nil }
`

func TestEncodeDecodeExport(t *testing.T) {
	pkg := checkSource(t, "example.com/m/sample", sampleSource)
	data, err := encodeExport("example.com/m", pkg)
	require.NoError(t, err)

	mod, got, err := decodeExport(data)
	require.NoError(t, err)
	assert.Equal(t, "example.com/m", mod, "the module path comes from the header")
	assert.Equal(t, "example.com/m/sample", got.Path(), "the package path comes from the header")
	assert.Equal(t, listing(pkg), listing(got), "the decoded package has the same API as the encoded one")
}

// withSum returns a header for example.com/m/sample and body, with body's
// checksum, followed by body.
func withSum(body []byte) []byte {
	sum := sha256.Sum256(body)
	return append([]byte(exportMagic+"\nmodule example.com/m\npackage example.com/m/sample\nsha256 "+hex.EncodeToString(sum[:])+"\n"), body...)
}

func TestDecodeExportErrors(t *testing.T) {
	valid, err := encodeExport("example.com/m", checkSource(t, "example.com/m/sample", sampleSource))
	require.NoError(t, err)
	_, _, err = decodeExport(valid)
	require.NoError(t, err, "the input every case below spoils")
	lines := bytes.SplitAfterN(valid, []byte("\n"), 5)
	header, body := bytes.Join(lines[:4], nil), lines[4]
	// Export data that sends the x/tools reader into unbounded recursion (a
	// fatal stack overflow, found by FuzzDecodeExport).
	crafted := []byte("i\x04&B2001X\x03a.0111010200X0000001000007000000C0\x190!\x00\"\x02\n\x00\x01\x01%\x01(F\x00\x00\x01\x00\x02-\t\x05\x02\aple.6\x00\x02\t\x11\x02\n\x00\x01A%U\x00\x0169\x01\x00\v\x00\x00\x0fD\x00\x01\x00\x02AP\x00\x00\x1fP\x00\x00\x1f\x01\x02\x19\x00\x05 \x00\"\x0f\x03)\x11>\x05:")

	tests := []struct {
		name    string
		reason  string
		data    []byte
		wantErr string
	}{
		{"empty", "no header at all", nil, "header is truncated"},
		{"no checksum line", "the header ends before the checksum", []byte(exportMagic + "\nmodule example.com/m\npackage example.com/m/sample\n"), "header is truncated"},
		{"wrong magic", "a file that apicheck did not write", append([]byte("something else\n"), bytes.Join(lines[1:], nil)...), "does not start with"},
		{"no module", "the module line lacks its keyword", bytes.Replace(valid, []byte("module example.com/m\n"), []byte("example.com/m\n"), 1), "lacks the module or package path"},
		{"empty package", "the package path is empty", bytes.Replace(valid, []byte("package example.com/m/sample\n"), []byte("package \n"), 1), "lacks the module or package path"},
		{"no checksum keyword", "a bare hash is not the checksum line", bytes.Replace(valid, []byte("sha256 "), nil, 1), "does not match its checksum"},
		{"truncated body", "export data cut in half no longer matches its checksum", append(bytes.Clone(header), body[:len(body)/2]...), "does not match its checksum"},
		{"crafted body", "data that would crash the reader never reaches it without the right checksum", append(bytes.Clone(header), crafted...), "does not match its checksum"},
		{"no export data", "an empty body with its checksum", withSum(nil), "export data of example.com/m/sample is malformed"},
		{"garbage body", "bytes with a valid checksum that are not export data", withSum([]byte("i\x00\xff\xff\xff\xff\xff\xff")), "export data of example.com/m/sample is malformed"},
		{"truncated body with checksum", "export data cut in half, checksum recomputed", withSum(body[:len(body)/2]), "export data of example.com/m/sample is malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mod, pkg, err := decodeExport(tt.data)
			require.Error(t, err, tt.reason)
			assert.Contains(t, err.Error(), tt.wantErr, tt.reason)
			assert.Empty(t, mod, tt.reason)
			assert.Nil(t, pkg, tt.reason)
		})
	}
}

// FuzzDecodeExport checks that no input makes decoding, or listing what was
// decoded, panic.
func FuzzDecodeExport(f *testing.F) {
	valid, err := encodeExport("example.com/m", checkSource(f, "example.com/m/sample", sampleSource))
	require.NoError(f, err)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(withSum(nil))
	f.Add(withSum([]byte("i")))
	f.Fuzz(func(t *testing.T, data []byte) {
		mod, pkg, err := decodeExport(data)
		if err != nil {
			assert.Nil(t, pkg)
			return
		}
		require.NotNil(t, pkg)
		assert.NotEmpty(t, mod)
		_ = listing(pkg)
	})
}
