package transport

import (
	"fmt"
	"io"
	"os"
)

// MaxFileSize bounds every file the package reads: kubeconfig files, token
// files, certificate authorities, client certificates and keys, and the
// in-cluster namespace file. A larger file is a *[ConfigError]; real ones
// are a few kilobytes.
const MaxFileSize = 4 << 20

// readFile reads at most MaxFileSize bytes of path.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("file %s is larger than %d bytes (MaxFileSize)", path, MaxFileSize)
	}
	return b, nil
}
