//go:build !amd64

package jsonscan

// stopWords sets out[k], for each k < len(out), to the stop bits of the
// 64 bytes b[64k:64k+64]: bit j is set when the byte is '"', '\\' or a
// control character. b must hold 64*len(out) bytes.
func stopWords(b []byte, out []uint64) { stopWordsGo(b, out) }

// stopKernels are the implementations this machine can run, for tests.
func stopKernels() map[string]func(b []byte, out []uint64) {
	return map[string]func(b []byte, out []uint64){"go": stopWordsGo}
}

// haveStructWords reports whether structWords runs as vector code, which
// makes the block skip of containers worth it.
var haveStructWords = false

// structWords is structWordsGo.
func structWords(b []byte, out []uint64) { structWordsGo(b, out) }
