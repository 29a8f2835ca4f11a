#include "textflag.h"

// STOPS16 sets reg to the stop bits of the 16 bytes at off(SI): '"' (X0),
// '\\' (X1) and bytes below 0x20 (min with 0x1f (X6) leaves them as they
// are).
#define STOPS16(off, reg) \
	MOVOU off(SI), X2; \
	MOVOU X2, X3; \
	PCMPEQB X0, X3; \
	MOVOU X2, X4; \
	PCMPEQB X1, X4; \
	POR X4, X3; \
	MOVOU X2, X5; \
	PMINUB X6, X5; \
	PCMPEQB X2, X5; \
	POR X5, X3; \
	PMOVMSKB X3, reg

// STOPS32 sets reg to the stop bits of the 32 bytes at off(SI), as
// STOPS16 with AVX2 (constants in Y0, Y1, Y6).
#define STOPS32(off, reg) \
	VMOVDQU off(SI), Y2; \
	VPCMPEQB Y0, Y2, Y3; \
	VPCMPEQB Y1, Y2, Y4; \
	VPMINUB Y6, Y2, Y5; \
	VPCMPEQB Y2, Y5, Y5; \
	VPOR Y4, Y3, Y3; \
	VPOR Y5, Y3, Y3; \
	VPMOVMSKB Y3, reg

// func stopsSSE2(p *byte, n int, out *uint64)
// For each of the n 64-byte blocks at p, out[k] gets bit j set when byte
// j of block k is '"', '\\' or below 0x20.
TEXT ·stopsSSE2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ out+16(FP), DI
	MOVL $0x22222222, AX
	MOVQ AX, X0
	PSHUFL $0, X0, X0
	MOVL $0x5c5c5c5c, AX
	MOVQ AX, X1
	PSHUFL $0, X1, X1
	MOVL $0x1f1f1f1f, AX
	MOVQ AX, X6
	PSHUFL $0, X6, X6
	TESTQ CX, CX
	JEQ done
loop:
	STOPS16(0, AX)

	STOPS16(16, BX)
	SHLQ $16, BX
	ORQ BX, AX

	STOPS16(32, BX)
	SHLQ $32, BX
	ORQ BX, AX

	STOPS16(48, BX)
	SHLQ $48, BX
	ORQ BX, AX

	MOVQ AX, 0(DI)
	ADDQ $64, SI
	ADDQ $8, DI
	DECQ CX
	JNE loop
done:
	RET

// func stopsAVX2(p *byte, n int, out *uint64)
TEXT ·stopsAVX2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ out+16(FP), DI
	MOVL $0x22, AX
	MOVQ AX, X0
	VPBROADCASTB X0, Y0
	MOVL $0x5c, AX
	MOVQ AX, X1
	VPBROADCASTB X1, Y1
	MOVL $0x1f, AX
	MOVQ AX, X6
	VPBROADCASTB X6, Y6
	TESTQ CX, CX
	JEQ avxdone
avxloop:
	STOPS32(0, AX)

	STOPS32(32, BX)
	SHLQ $32, BX
	ORQ BX, AX

	MOVQ AX, 0(DI)
	ADDQ $64, SI
	ADDQ $8, DI
	DECQ CX
	JNE avxloop
	VZEROUPPER
avxdone:
	RET

// func cpuAVX2() bool
TEXT ·cpuAVX2(SB), NOSPLIT, $0-1
	MOVB $0, ret+0(FP)
	// Leaf 1: ECX bit 27 OSXSAVE, bit 28 AVX.
	MOVL $1, AX
	XORL CX, CX
	CPUID
	MOVL CX, R8
	ANDL $0x18000000, R8
	CMPL R8, $0x18000000
	JNE no
	// The OS saves XMM and YMM state.
	XORL CX, CX
	XGETBV
	ANDL $6, AX
	CMPL AX, $6
	JNE no
	// Leaf 7: EBX bit 5 AVX2.
	MOVL $7, AX
	XORL CX, CX
	CPUID
	BTL $5, BX
	JCC no
	MOVB $1, ret+0(FP)
no:
	RET

// func structAVX2(p *byte, n int, out *uint64)
// For each of the n 64-byte blocks at p, out[4k..4k+3] get the bits of
// '"', '\\', '{' or '[', and '}' or ']'.
TEXT ·structAVX2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ out+16(FP), DI
	MOVL $0x22, AX
	MOVQ AX, X0
	VPBROADCASTB X0, Y0
	MOVL $0x5c, AX
	MOVQ AX, X1
	VPBROADCASTB X1, Y1
	MOVL $0x5b, AX // '['; '{' is '[' | 0x20
	MOVQ AX, X6
	VPBROADCASTB X6, Y6
	MOVL $0x5d, AX // ']'; '}' is ']' | 0x20
	MOVQ AX, X7
	VPBROADCASTB X7, Y7
	MOVL $0x20, AX
	MOVQ AX, X8
	VPBROADCASTB X8, Y8
	TESTQ CX, CX
	JEQ sdone
sloop:
	VMOVDQU 0(SI), Y2
	VPCMPEQB Y0, Y2, Y3
	VPMOVMSKB Y3, AX
	VPCMPEQB Y1, Y2, Y3
	VPMOVMSKB Y3, BX
	VPANDN Y2, Y8, Y4 // the byte without bit 0x20: '{' and '[' alike, '}' and ']' alike
	VPCMPEQB Y6, Y4, Y3
	VPMOVMSKB Y3, R8
	VPCMPEQB Y7, Y4, Y3
	VPMOVMSKB Y3, R9

	VMOVDQU 32(SI), Y2
	VPCMPEQB Y0, Y2, Y3
	VPMOVMSKB Y3, R10
	SHLQ $32, R10
	ORQ R10, AX
	VPCMPEQB Y1, Y2, Y3
	VPMOVMSKB Y3, R10
	SHLQ $32, R10
	ORQ R10, BX
	VPANDN Y2, Y8, Y4
	VPCMPEQB Y6, Y4, Y3
	VPMOVMSKB Y3, R10
	SHLQ $32, R10
	ORQ R10, R8
	VPCMPEQB Y7, Y4, Y3
	VPMOVMSKB Y3, R10
	SHLQ $32, R10
	ORQ R10, R9

	MOVQ AX, 0(DI)
	MOVQ BX, 8(DI)
	MOVQ R8, 16(DI)
	MOVQ R9, 24(DI)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNE sloop
	VZEROUPPER
sdone:
	RET
