package main

import (
	"context"
	"errors"
	"fmt"
	"go/types"
	"os"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// module is the API of one module: its path and its API packages, sorted by
// import path.
type module struct {
	Path     string
	Packages []*types.Package
}

// loadModule type-checks the packages of the module rooted at dir (its ./...)
// and keeps those that are API: importable (not main), not internal and not
// under one of the exclude paths (module-relative, e.g. "examples").
func loadModule(ctx context.Context, dir string, exclude []string) (*module, error) {
	cfg := &packages.Config{
		Context: ctx,
		Dir:     dir,
		Mode:    packages.NeedName | packages.NeedTypes | packages.NeedModule,
		Env:     append(os.Environ(), "GOWORK=off"),
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, fmt.Errorf("load the packages of %s: %w", dir, err)
	}
	var errs []error
	modPath := ""
	for _, p := range pkgs {
		for _, e := range p.Errors {
			errs = append(errs, fmt.Errorf("%s: %w", p.PkgPath, e))
		}
		if p.Module != nil && p.Module.Main && modPath == "" {
			modPath = p.Module.Path
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("packages of %s do not type-check: %w", dir, errors.Join(errs...))
	}
	if modPath == "" {
		return nil, fmt.Errorf("no packages of a main module found in %s", dir)
	}
	m := &module{Path: modPath}
	for _, p := range pkgs {
		if p.Module == nil || p.Module.Path != modPath || p.Name == "main" {
			continue
		}
		rel := relPath(modPath, p.PkgPath)
		if isInternal(rel) || excluded(rel, exclude) {
			continue
		}
		m.Packages = append(m.Packages, p.Types)
	}
	slices.SortFunc(m.Packages, func(a, b *types.Package) int { return strings.Compare(a.Path(), b.Path()) })
	return m, nil
}

// relPath returns pkgPath relative to the module path: "" for the module's
// root package, "sdk" for modPath+"/sdk".
func relPath(modPath, pkgPath string) string {
	if pkgPath == modPath {
		return ""
	}
	return strings.TrimPrefix(pkgPath, modPath+"/")
}

// isInternal reports whether the module-relative package path rel lies under
// an internal directory, which other modules cannot import.
func isInternal(rel string) bool {
	return rel == "internal" || strings.HasPrefix(rel, "internal/") ||
		strings.HasSuffix(rel, "/internal") || strings.Contains(rel, "/internal/")
}

// excluded reports whether rel is one of the exclude paths or below one.
func excluded(rel string, exclude []string) bool {
	for _, e := range exclude {
		if rel == e || strings.HasPrefix(rel, e+"/") {
			return true
		}
	}
	return false
}
