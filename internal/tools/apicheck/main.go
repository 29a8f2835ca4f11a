// Command apicheck keeps the exported API of a Go module deliberate: it
// compares the API of the module's importable packages with a baseline
// committed under api/, and fails on an incompatible change.
//
//	apicheck -root .          # check: exit 1 on an incompatible change
//	apicheck -root . -write   # regenerate the baseline (make api-baseline)
//
// The baseline holds, for every package, its export data (<name>.export, read
// back with golang.org/x/tools/go/gcexportdata and compared with
// golang.org/x/exp/apidiff) and a sorted listing of its exported objects
// (<name>.txt, one line each) so that a reviewer sees every API change in the
// diff. Packages under internal/, main packages and the -exclude prefixes
// (examples/ by default) are not API and are left out; nested modules are
// never part of the module's ./... and so are left out too.
//
// In check mode an incompatible change (a removed or changed object, or a
// removed package) is printed and the command exits 1; a compatible change
// (an addition) or a listing that no longer matches is printed as a note and
// the command exits 0. Exit status 2 means the check could not run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Exit statuses of the command.
const (
	exitOK           = 0
	exitIncompatible = 1
	exitError        = 2
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command without the process around it: it parses args, does the
// work, writes to stdout and stderr and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("apicheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	write := fs.Bool("write", false, "regenerate the baseline instead of checking against it")
	root := fs.String("root", ".", "root directory of the module whose API is guarded")
	dir := fs.String("dir", "", "baseline directory (default <root>/api)")
	exclude := fs.String("exclude", "examples", "comma-separated module-relative package paths whose packages (and their subpackages) are not API")
	timeout := fs.Duration("timeout", 5*time.Minute, "bound on loading and type-checking the packages")
	if err := fs.Parse(args); err != nil {
		return exitError
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "apicheck: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return exitError
	}
	rootDir, err := filepath.Abs(*root)
	if err != nil {
		fmt.Fprintf(stderr, "apicheck: %v\n", err)
		return exitError
	}
	baseDir := *dir
	if baseDir == "" {
		baseDir = filepath.Join(rootDir, "api")
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	cur, err := loadModule(ctx, rootDir, splitList(*exclude))
	if err != nil {
		fmt.Fprintf(stderr, "apicheck: %v\n", err)
		return exitError
	}

	if *write {
		if err := writeBaseline(baseDir, cur); err != nil {
			fmt.Fprintf(stderr, "apicheck: %v\n", err)
			return exitError
		}
		fmt.Fprintf(stdout, "apicheck: wrote the API baseline of %d packages of %s to %s\n", len(cur.Packages), cur.Path, baseDir)
		return exitOK
	}

	base, err := readBaseline(baseDir)
	if err != nil {
		fmt.Fprintf(stderr, "apicheck: %v\n", err)
		if errors.Is(err, errNoBaseline) {
			fmt.Fprintln(stderr, "apicheck: create it with `make api-baseline` and commit it")
		}
		return exitError
	}
	res, err := compare(base, cur)
	if err != nil {
		fmt.Fprintf(stderr, "apicheck: %v\n", err)
		return exitError
	}
	res.print(stdout, baseDir)
	if len(res.Incompatible) > 0 {
		return exitIncompatible
	}
	return exitOK
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.Trim(strings.TrimSpace(p), "/"); p != "" {
			out = append(out, p)
		}
	}
	return out
}
