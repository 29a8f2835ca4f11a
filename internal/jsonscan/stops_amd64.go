package jsonscan

import "unsafe"

//go:noescape
func stopsSSE2(p *byte, n int, out *uint64)

//go:noescape
func stopsAVX2(p *byte, n int, out *uint64)

func cpuAVX2() bool

var haveAVX2 = cpuAVX2()

// stopWords sets out[k], for each k < len(out), to the stop bits of the
// 64 bytes b[64k:64k+64]: bit j is set when the byte is '"', '\\' or a
// control character. b must hold 64*len(out) bytes.
func stopWords(b []byte, out []uint64) {
	if len(out) == 0 {
		return
	}
	_ = b[64*len(out)-1]
	if haveAVX2 {
		stopsAVX2(unsafe.SliceData(b), len(out), unsafe.SliceData(out))
		return
	}
	stopsSSE2(unsafe.SliceData(b), len(out), unsafe.SliceData(out))
}

// stopKernels are the implementations this machine can run, for tests.
func stopKernels() map[string]func(b []byte, out []uint64) {
	k := map[string]func(b []byte, out []uint64){
		"sse2": func(b []byte, out []uint64) {
			if len(out) > 0 {
				stopsSSE2(unsafe.SliceData(b), len(out), unsafe.SliceData(out))
			}
		},
	}
	if haveAVX2 {
		k["avx2"] = func(b []byte, out []uint64) {
			if len(out) > 0 {
				stopsAVX2(unsafe.SliceData(b), len(out), unsafe.SliceData(out))
			}
		}
	}
	return k
}

//go:noescape
func structAVX2(p *byte, n int, out *uint64)

// haveStructWords reports whether structWords runs as vector code, which
// makes the block skip of containers worth it.
var haveStructWords = haveAVX2

// structWords sets out[4k:4k+4], for each 64-byte block k of b, to its
// bits of '"', '\\', '{' or '[', and '}' or ']' (see structWordsGo). b
// must hold 64*len(out)/4 bytes.
func structWords(b []byte, out []uint64) {
	n := len(out) / 4
	if n == 0 {
		return
	}
	_ = b[64*n-1]
	if haveAVX2 {
		structAVX2(unsafe.SliceData(b), n, unsafe.SliceData(out))
		return
	}
	structWordsGo(b, out)
}
