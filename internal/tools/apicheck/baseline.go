package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/tools/go/gcexportdata"
)

// Files of the baseline. Each API package has <stem>.export (export data)
// and <stem>.txt (its listing), where the stem is the module-relative package
// path, or the module's last path element for the root package.
const (
	exportExt     = ".export"
	listingExt    = ".txt"
	exportMagic   = "apicheck export data v1"
	listingPrefix = "# API of package "
	// maxFileSize bounds every read of a baseline file.
	maxFileSize = 64 << 20
)

// errNoBaseline is returned (wrapped) by readBaseline when the directory has
// no baseline in it.
var errNoBaseline = errors.New("no API baseline")

// baseline is the committed API: the module rebuilt from export data, and the
// committed listings by slash-separated file name relative to the baseline
// directory.
type baseline struct {
	Module   *module
	Listings map[string]string
}

var majorSuffix = regexp.MustCompile(`^v[0-9]+$`)

// stem names the baseline files of the package pkgPath of module modPath.
func stem(modPath, pkgPath string) string {
	if rel := relPath(modPath, pkgPath); rel != "" {
		return rel
	}
	base := path.Base(modPath)
	if majorSuffix.MatchString(base) && path.Dir(modPath) != "." {
		base = path.Base(path.Dir(modPath))
	}
	return base
}

// currentListings returns the listing file names and contents of m, keyed
// like baseline.Listings. Two packages that would share a file name are an
// error.
func currentListings(m *module) (map[string]string, error) {
	out := make(map[string]string, len(m.Packages))
	for _, p := range m.Packages {
		name := stem(m.Path, p.Path()) + listingExt
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("packages %s and another one of %s share the baseline file name %s", p.Path(), m.Path, name)
		}
		out[name] = listing(p)
	}
	return out, nil
}

// writeBaseline replaces the baseline in dir with the API of m. Files of an
// earlier baseline that m no longer has are removed; other files in dir (a
// README) are left alone.
func writeBaseline(dir string, m *module) error {
	listings, err := currentListings(m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create the baseline directory: %w", err)
	}
	old, err := generatedFiles(dir)
	if err != nil {
		return err
	}
	for _, name := range old {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			return fmt.Errorf("remove the old baseline file: %w", err)
		}
	}
	for _, p := range m.Packages {
		s := stem(m.Path, p.Path())
		data, err := encodeExport(m.Path, p)
		if err != nil {
			return err
		}
		if err := writeFile(dir, s+exportExt, data); err != nil {
			return err
		}
		if err := writeFile(dir, s+listingExt, []byte(listings[s+listingExt])); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(dir, name string, data []byte) error {
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("create the baseline directory: %w", err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("write the baseline: %w", err)
	}
	return nil
}

// generatedFiles lists, by slash-separated name relative to dir, the files
// under dir that apicheck wrote: export data and listings, recognised by their
// first line.
func generatedFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := filepath.Ext(p)
		if d.IsDir() || (ext != exportExt && ext != listingExt) {
			return nil
		}
		first, err := firstLine(p)
		if err != nil {
			return err
		}
		if (ext == exportExt && first == exportMagic) || (ext == listingExt && strings.HasPrefix(first, listingPrefix)) {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("list the baseline files in %s: %w", dir, err)
	}
	slices.Sort(out)
	return out, nil
}

func firstLine(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimSuffix(line, "\n"), nil
}

// readBaseline reads the baseline written by writeBaseline.
func readBaseline(dir string) (*baseline, error) {
	names, err := generatedFiles(dir)
	if err != nil {
		return nil, err
	}
	b := &baseline{Module: &module{}, Listings: map[string]string{}}
	for _, name := range names {
		data, err := readFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		if path.Ext(name) == listingExt {
			b.Listings[name] = string(data)
			continue
		}
		modPath, pkg, err := decodeExport(data)
		if err != nil {
			return nil, fmt.Errorf("baseline file %s: %w", name, err)
		}
		if b.Module.Path != "" && b.Module.Path != modPath {
			return nil, fmt.Errorf("baseline file %s: module %s, but other files are of module %s", name, modPath, b.Module.Path)
		}
		b.Module.Path = modPath
		b.Module.Packages = append(b.Module.Packages, pkg)
	}
	if len(b.Module.Packages) == 0 {
		return nil, fmt.Errorf("%w in %s", errNoBaseline, dir)
	}
	slices.SortFunc(b.Module.Packages, func(x, y *types.Package) int { return strings.Compare(x.Path(), y.Path()) })
	return b, nil
}

// readFile reads at most maxFileSize bytes of the file p.
func readFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("read the baseline: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read the baseline: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("baseline file %s is larger than %d bytes", p, maxFileSize)
	}
	return data, nil
}

// encodeExport returns the export data of pkg after a header naming the
// module and the package (export data does not record its own path) and the
// SHA-256 of the export data. No source positions are written, so the
// baseline does not depend on where the repository is checked out.
func encodeExport(modPath string, pkg *types.Package) ([]byte, error) {
	var body bytes.Buffer
	if err := gcexportdata.Write(&body, nil, pkg); err != nil {
		return nil, fmt.Errorf("encode the export data of %s: %w", pkg.Path(), err)
	}
	sum := sha256.Sum256(body.Bytes())
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%s\nmodule %s\npackage %s\nsha256 %s\n", exportMagic, modPath, pkg.Path(), hex.EncodeToString(sum[:]))
	buf.Write(body.Bytes())
	return buf.Bytes(), nil
}

// decodeExport reads data written by encodeExport. Malformed data is an
// error, never a panic.
//
// The export data is handed to gcexportdata only when its checksum matches:
// that reader trusts its input (crafted data can make it recurse until the
// stack overflows, which no recover catches), so only bytes that apicheck
// wrote reach it. A baseline is committed source, as trusted as the code.
func decodeExport(data []byte) (modPath string, pkg *types.Package, err error) {
	if len(data) > maxFileSize {
		return "", nil, fmt.Errorf("export data larger than %d bytes", maxFileSize)
	}
	header := make([]string, 4)
	rest := data
	for i := range header {
		line, after, ok := bytes.Cut(rest, []byte("\n"))
		if !ok {
			return "", nil, errors.New("export data header is truncated")
		}
		header[i], rest = string(line), after
	}
	if header[0] != exportMagic {
		return "", nil, fmt.Errorf("export data does not start with %q", exportMagic)
	}
	modPath, ok1 := strings.CutPrefix(header[1], "module ")
	pkgPath, ok2 := strings.CutPrefix(header[2], "package ")
	if !ok1 || !ok2 || modPath == "" || pkgPath == "" {
		return "", nil, errors.New("export data header lacks the module or package path")
	}
	sum := sha256.Sum256(rest)
	if want, ok := strings.CutPrefix(header[3], "sha256 "); !ok || want != hex.EncodeToString(sum[:]) {
		return "", nil, fmt.Errorf("export data of %s does not match its checksum (a damaged or hand-edited baseline)", pkgPath)
	}
	defer func() {
		if r := recover(); r != nil {
			pkg, err = nil, fmt.Errorf("export data of %s is malformed: %v", pkgPath, r)
		}
	}()
	pkg, err = gcexportdata.Read(bytes.NewReader(rest), token.NewFileSet(), map[string]*types.Package{}, pkgPath)
	if err != nil {
		return "", nil, fmt.Errorf("export data of %s is malformed: %w", pkgPath, err)
	}
	return modPath, pkg, nil
}
