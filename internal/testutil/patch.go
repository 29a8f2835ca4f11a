package testutil

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// sourcePatch is a change the harness makes to a pinned module's source
// before building a binary from it: Old must occur exactly once in File
// (a path inside the module) and is replaced by New; when Old is empty,
// File must not exist and is created with New. A patch that no longer
// applies fails the build instead of building something else.
type sourcePatch struct {
	File, Old, New string
	Why            string // the behaviour of the real component it restores
}

// kwokPatches make kwok v0.7.0 behave like a kubelet where the SDK's tests
// depend on it. Neither is fixed upstream (kwok v0.8.0 has the same code).
var kwokPatches = []sourcePatch{
	{
		Why: "a command that exits non-zero is reported with the NonZeroExitCode status carrying its exit code " +
			"(the streaming server looks for a k8s.io/utils/exec ExitError; kwok returns a wrapped os/exec error, " +
			"which the apiserver reports as an InternalError)",
		File: "pkg/kwok/server/debugging_exec.go",
		Old:  "return s.execInContainer(ctx, cmd, in, out, errOut)",
		New:  "return kubeForGoExitCode(s.execInContainer(ctx, cmd, in, out, errOut))",
	},
	{
		Why:  "the same for a command run with a TTY",
		File: "pkg/kwok/server/debugging_exec.go",
		Old:  "return s.execInContainerWithTTY(ctx, cmd, in, out, resize)",
		New:  "return kubeForGoExitCode(s.execInContainerWithTTY(ctx, cmd, in, out, resize))",
	},
	{
		Why:  "the function the two patches above call",
		File: "pkg/kwok/server/zz_kube_for_go_exit_code.go",
		New: `package server

import (
	"errors"
	osexec "os/exec"

	utilexec "k8s.io/utils/exec"
)

// kubeForGoExitCode turns the exit of a command into the error type the
// streaming server reports as the NonZeroExitCode status.
func kubeForGoExitCode(err error) error {
	var exit *osexec.ExitError
	if errors.As(err, &exit) && exit.Exited() {
		return utilexec.CodeExitError{Err: err, Code: exit.ExitCode()}
	}
	return err
}
`,
	},
	{
		Why: "the command's standard input is closed when the client's stdin stream ends " +
			"(kwok never closed the pipe, so a command reading stdin to its end, like cat or tar, never ended)",
		File: "pkg/utils/exec/exec.go",
		Old:  "_, _ = io.Copy(inPipe, opt.In)",
		New:  "_, _ = io.Copy(inPipe, opt.In)\n\t\t\t\t_ = inPipe.Close()",
	},
}

// patchKey identifies a list of patches, for the name of the binary built
// with them (so a changed patch builds a new binary).
func patchKey(patches []sourcePatch) string {
	h := sha256.New()
	for _, p := range patches {
		fmt.Fprintf(h, "%q %q %q\n", p.File, p.Old, p.New)
	}
	return hex.EncodeToString(h.Sum(nil))[:8]
}

// applyPatches applies patches to the module source tree in dir.
func applyPatches(dir string, patches []sourcePatch) error {
	for _, p := range patches {
		path := filepath.Join(dir, filepath.FromSlash(p.File))
		if p.Old == "" {
			if _, err := os.Stat(path); err == nil {
				return fmt.Errorf("testutil: patch creates %s, which exists", p.File)
			}
			if err := os.WriteFile(path, []byte(p.New), 0o644); err != nil {
				return err
			}
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("testutil: patch %s: %w", p.File, err)
		}
		if n := strings.Count(string(data), p.Old); n != 1 {
			return fmt.Errorf("testutil: patch %s: %q occurs %d times, not once: the patch no longer applies", p.File, p.Old, n)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(data), p.Old, p.New, 1)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// copyTree copies the regular files and directories under src to dst,
// writable by the owner (the module cache is read-only).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		}
		return nil
	})
}

// patchedBuildDir prepares, under work, a copy of the source of module
// (as the tools module in toolsModDir pins it) with patches applied, and a
// copy of the tools module that replaces module with it; it returns the
// directory to run `go build` in.
func patchedBuildDir(ctx context.Context, toolsModDir, module, work string, patches []sourcePatch) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", module)
	cmd.Dir = toolsModDir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("testutil: locate %s: %w", module, err)
	}
	if err := os.RemoveAll(work); err != nil {
		return "", err
	}
	src := filepath.Join(work, "src")
	if err := copyTree(strings.TrimSpace(string(out)), src); err != nil {
		return "", fmt.Errorf("testutil: copy %s: %w", module, err)
	}
	if err := applyPatches(src, patches); err != nil {
		return "", err
	}
	mod := filepath.Join(work, "mod")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		return "", err
	}
	gomod, err := os.ReadFile(filepath.Join(toolsModDir, "go.mod"))
	if err != nil {
		return "", err
	}
	gomod = append(gomod, []byte("\nreplace "+module+" => ../src\n")...)
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), gomod, 0o644); err != nil {
		return "", err
	}
	gosum, err := os.ReadFile(filepath.Join(toolsModDir, "go.sum"))
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(mod, "go.sum"), gosum, 0o644); err != nil {
		return "", err
	}
	return mod, nil
}
