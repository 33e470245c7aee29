// The FP16, BF16 and TF32 GEMMs on the tensor cores through mma.sync (m16n8k16, m16n8k8), cp.async and ldmatrix
// (gemm_mma16.cuh), built as PTX compute_80 into gemm_mma.ptx: an optional module. Where it does not load, or its self-check at open
// fails (GemmSelfCheck), or -Dampwatch.gpu.gemm=wmma says so, the WMMA GEMMs of gemm_sm75.cu / gemm_sm80.cu run.
// Tiles of 64 and 128; KernelLaunch#gemm picks one by the GEMM's shape.
#include "gemm_mma16.cuh"

MMA16_GEMM_ENTRIES(gemm_f16, __half)
MMA16_GEMM_ENTRIES(gemm_bf16, __nv_bfloat16)
MMA16_GEMM_ENTRIES(gemm_tf32, float)
