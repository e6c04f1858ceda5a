//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 fused kernel of kernel_amd64.go. Register use:
//   Y0–Y7   partial sums of the block's 64 neurons (8 per register)
//   Y8, Y9  temporaries
//   Y10     the value of a valued row (broadcast)
//   Y12     decay, Y13 bias, Y14 threshold (broadcast)
// Y15 is left alone (Go's internal ABI keeps zero there).
// Every lane does exactly the portable kernel's float32 operations in the
// same order (separate VMULPS and VADDPS, no FMA), so results are
// bit-identical.

// ACC8 adds the 64 weights of one row (at R11) to the sums Y0–Y7; VACC adds
// value·weight for 8 of them.
#define ACC8 \
	VADDPS 0(R11), Y0, Y0; \
	VADDPS 32(R11), Y1, Y1; \
	VADDPS 64(R11), Y2, Y2; \
	VADDPS 96(R11), Y3, Y3; \
	VADDPS 128(R11), Y4, Y4; \
	VADDPS 160(R11), Y5, Y5; \
	VADDPS 192(R11), Y6, Y6; \
	VADDPS 224(R11), Y7, Y7

#define VACC(off, acc) \
	VMULPS off(R11), Y10, Y8; \
	VADDPS Y8, acc, acc

// LIF updates the 8 membranes at off(DI) with sums acc and ORs their spike
// bits, shifted left by shift, into AX:
//   x = decay·u + (acc + bias); spike = x > th; u = spike ? 0 : x
#define LIF(acc, off, shift) \
	VMULPS off(DI), Y12, Y8; \
	VADDPS Y13, acc, acc; \
	VADDPS acc, Y8, Y8; \
	VCMPPS $0x1e, Y14, Y8, Y9; \
	VANDNPS Y8, Y9, Y8; \
	VMOVUPS Y8, off(DI); \
	VMOVMSKPS Y9, R12; \
	SHLQ $shift, R12; \
	ORQ R12, AX

// LOADP broadcasts the LIF constants of *lifParams at R8.
#define LOADP \
	VBROADCASTSS 0(R8), Y12; \
	VBROADCASTSS 4(R8), Y13; \
	VBROADCASTSS 8(R8), Y14

// func step64(w *float32, offs []int32, vals []float32, u *[64]float32, p *lifParams) uint64
TEXT ·step64(SB), NOSPLIT, $0-80
	MOVQ w+0(FP), SI
	MOVQ offs_base+8(FP), BX
	MOVQ offs_len+16(FP), CX
	MOVQ vals_base+32(FP), DX
	MOVQ vals_len+40(FP), R10
	MOVQ u+56(FP), DI
	MOVQ p+64(FP), R8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ R9, R9

valued64:
	CMPQ R9, R10
	JGE  binary64
	MOVLQSX (BX)(R9*4), R11
	LEAQ (SI)(R11*4), R11
	VBROADCASTSS (DX)(R9*4), Y10
	VACC(0, Y0)
	VACC(32, Y1)
	VACC(64, Y2)
	VACC(96, Y3)
	VACC(128, Y4)
	VACC(160, Y5)
	VACC(192, Y6)
	VACC(224, Y7)
	INCQ R9
	JMP  valued64

binary64:
	CMPQ R9, CX
	JGE  lif64
	MOVLQSX (BX)(R9*4), R11
	LEAQ (SI)(R11*4), R11
	ACC8
	INCQ R9
	JMP  binary64

lif64:
	LOADP
	XORQ AX, AX
	LIF(Y0, 0, 0)
	LIF(Y1, 32, 8)
	LIF(Y2, 64, 16)
	LIF(Y3, 96, 24)
	LIF(Y4, 128, 32)
	LIF(Y5, 160, 40)
	LIF(Y6, 192, 48)
	LIF(Y7, 224, 56)
	VZEROUPPER
	MOVQ AX, ret+72(FP)
	RET

// func step8(w *float32, offs []int32, vals []float32, u *[8]float32, p *lifParams) uint64
TEXT ·step8(SB), NOSPLIT, $0-80
	MOVQ w+0(FP), SI
	MOVQ offs_base+8(FP), BX
	MOVQ offs_len+16(FP), CX
	MOVQ vals_base+32(FP), DX
	MOVQ vals_len+40(FP), R10
	MOVQ u+56(FP), DI
	MOVQ p+64(FP), R8
	VXORPS Y0, Y0, Y0
	XORQ R9, R9

valued8:
	CMPQ R9, R10
	JGE  binary8
	MOVLQSX (BX)(R9*4), R11
	LEAQ (SI)(R11*4), R11
	VBROADCASTSS (DX)(R9*4), Y10
	VACC(0, Y0)
	INCQ R9
	JMP  valued8

binary8:
	CMPQ R9, CX
	JGE  lif8
	MOVLQSX (BX)(R9*4), R11
	VADDPS (SI)(R11*4), Y0, Y0
	INCQ R9
	JMP  binary8

lif8:
	LOADP
	XORQ AX, AX
	LIF(Y0, 0, 0)
	VZEROUPPER
	MOVQ AX, ret+72(FP)
	RET

// func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv0() (eax uint32)
TEXT ·xgetbv0(SB), NOSPLIT, $0-4
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	RET
