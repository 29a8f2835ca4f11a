package remote

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/kube-for-go/kube/sdk"
)

// DefaultCopyMaxBytes bounds what CopyFrom extracts when
// CopyOptions.MaxBytes is 0.
const DefaultCopyMaxBytes = 1 << 30

// maxTrailing bounds what CopyFrom reads after the end of the archive.
const maxTrailing = 1 << 20

// ErrUnsafePath is matched by the error of CopyFrom when the archive the
// container sent names a path outside the destination (an absolute path,
// "..", or a way through a symbolic link): nothing is written there.
var ErrUnsafePath = errors.New("remote: archive entry outside the destination")

// ErrTooLarge is matched by the error of CopyFrom when the files exceed
// CopyOptions.MaxBytes.
var ErrTooLarge = errors.New("remote: copy exceeds its size bound")

// CopyOptions are the options of CopyTo and CopyFrom.
type CopyOptions struct {
	// Container to copy to or from; "" is the pod's only container.
	Container string
	// MaxBytes bounds the bytes of the files CopyFrom writes; 0 means
	// DefaultCopyMaxBytes.
	MaxBytes int64
}

// CopyTo copies the local file or directory src into the directory dst of
// a container of the named pod (dst/<base of src>), like kubectl cp: a tar
// archive streamed to `tar -xmf - -C dst` run in the container, which must
// have tar. Regular files and directories are copied; symbolic links and
// special files are skipped. The end of the archive reaches tar with the
// v5 protocol's close of standard input (Kubernetes 1.30 and later).
func CopyTo[S sdk.WithPod](ctx context.Context, pods *sdk.PodView[S], name, src, dst string, opts CopyOptions) error {
	if dst == "" {
		return &sdk.Error{Op: "copy to pod", Err: errors.New("empty destination")}
	}
	info, err := os.Stat(src)
	if err != nil {
		return &sdk.Error{Op: "copy to pod", Err: err}
	}
	if !info.IsDir() && !info.Mode().IsRegular() {
		return &sdk.Error{Op: "copy to pod", Err: fmt.Errorf("%s is not a regular file or a directory", src)}
	}
	pr, pw := io.Pipe()
	var wg sync.WaitGroup
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		werr = writeTar(pw, src)
		pw.CloseWithError(werr)
	}()
	var stderr limitedBuffer
	err = Exec(ctx, pods, name, ExecOptions{
		Command:   []string{"tar", "-xmf", "-", "-C", dst},
		Container: opts.Container,
		Streams:   Streams{Stdin: pr, Stderr: &stderr},
	})
	pr.CloseWithError(errors.New("remote: copy ended"))
	wg.Wait()
	if werr != nil {
		return &sdk.Error{Op: "copy to pod", Err: fmt.Errorf("read %s: %w", src, werr)}
	}
	return copyError("copy to pod", err, &stderr)
}

// copyError adds what tar wrote on stderr to the error of its command.
func copyError(op string, err error, stderr *limitedBuffer) error {
	if err == nil {
		return nil
	}
	if msg := strings.TrimSpace(stderr.String()); msg != "" {
		return &sdk.Error{Op: op, Err: fmt.Errorf("%w (tar: %s)", err, msg)}
	}
	return err
}

// writeTar writes src (a file, or a directory and what is under it) to w
// as a tar archive whose names start with the base name of src.
func writeTar(w io.Writer, src string) error {
	tw := tar.NewWriter(w)
	parent := filepath.Dir(filepath.Clean(src))
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return nil // links and special files are not copied
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(parent, p)
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uname, hdr.Gname = "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.CopyN(tw, f, info.Size()); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// CopyFrom copies the file or directory src of a container of the named
// pod into the local directory dst (dst/<base of src>), like kubectl cp:
// `tar cf - -C <dir of src> <base of src>` runs in the container, which
// must have tar, and the archive is extracted under dst, which must
// exist. Regular files and directories are extracted; symbolic links and
// special files are skipped. An entry naming a path outside dst stops the
// copy with an error matching ErrUnsafePath; files beyond
// CopyOptions.MaxBytes with one matching ErrTooLarge.
func CopyFrom[S sdk.WithPod](ctx context.Context, pods *sdk.PodView[S], name, src, dst string, opts CopyOptions) error {
	clean := path.Clean(src)
	base := path.Base(clean)
	if src == "" || base == "/" || base == "." || base == ".." {
		return &sdk.Error{Op: "copy from pod", Err: fmt.Errorf("source %q names no file or directory", src)}
	}
	root, err := os.OpenRoot(dst)
	if err != nil {
		return &sdk.Error{Op: "copy from pod", Err: err}
	}
	defer root.Close()
	max := opts.MaxBytes
	if max <= 0 {
		max = DefaultCopyMaxBytes
	}
	pr, pw := io.Pipe()
	var wg sync.WaitGroup
	var xerr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		xerr = extractTar(pr, root, max)
		if xerr == nil {
			// tar pads the archive to a whole record after its end.
			if n, _ := io.CopyN(io.Discard, pr, maxTrailing+1); n > maxTrailing {
				xerr = fmt.Errorf("%w: more than %d bytes after the end of the archive", ErrTooLarge, maxTrailing)
			}
		}
		// Stop the command's output if extraction stopped early.
		pr.CloseWithError(errors.New("remote: extraction stopped"))
	}()
	var stderr limitedBuffer
	err = Exec(ctx, pods, name, ExecOptions{
		Command:   []string{"tar", "cf", "-", "-C", path.Dir(clean), base},
		Container: opts.Container,
		Streams:   Streams{Stdout: pw, Stderr: &stderr},
	})
	pw.CloseWithError(err)
	wg.Wait()
	if xerr != nil && !(err != nil && errors.Is(xerr, err)) {
		return &sdk.Error{Op: "copy from pod", Err: xerr}
	}
	return copyError("copy from pod", err, &stderr)
}

// safeName returns the cleaned, relative, slash-separated form of an
// archive entry's name, or an error matching ErrUnsafePath for one that
// would leave the destination.
func safeName(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, "\\\x00") || path.IsAbs(name) || filepath.IsAbs(name) || filepath.VolumeName(name) != "" {
		return "", fmt.Errorf("%w: %q", ErrUnsafePath, clip(name, 256))
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") || !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", fmt.Errorf("%w: %q", ErrUnsafePath, clip(name, 256))
	}
	return clean, nil
}

// extractTar writes the regular files and directories of the archive under
// root (which refuses paths leaving it, symbolic links included), at most
// max bytes of files.
func extractTar(r io.Reader, root *os.Root, max int64) error {
	tr := tar.NewReader(r)
	var total int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read archive: %w", err)
		}
		name, err := safeName(hdr.Name)
		if err != nil {
			return err
		}
		local := filepath.FromSlash(name)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := root.MkdirAll(local, 0o755); err != nil {
				return unsafeOr(err)
			}
		case tar.TypeReg:
			if dir := filepath.Dir(local); dir != "." {
				if err := root.MkdirAll(dir, 0o755); err != nil {
					return unsafeOr(err)
				}
			}
			if hdr.Size < 0 || total+hdr.Size > max {
				return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
			}
			f, err := root.OpenFile(local, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fs.FileMode(hdr.Mode)&0o777)
			if err != nil {
				return unsafeOr(err)
			}
			n, err := io.Copy(f, io.LimitReader(tr, hdr.Size))
			total += n
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("write %s: %w", name, err)
			}
		default:
			// Links and special files are not extracted.
		}
	}
}

// unsafeOr marks os.Root's refusal of a path that escapes it.
func unsafeOr(err error) error {
	if strings.Contains(err.Error(), "path escapes from parent") {
		return fmt.Errorf("%w: %w", ErrUnsafePath, err)
	}
	return err
}

// limitedBuffer keeps the first 4 KiB written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := 4096 - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
