// The emulated kernels (kernels.cpp) as the fake driver (fake_cuda.cpp) sees them.
#pragma once
#include <cstddef>
#include <string>

// the kernel of that entry-point name, or null when it is not emulated
const void *fake_kernel_find(const char *name);
const char *fake_kernel_name(const void *kernel);
int fake_kernel_param_count(const void *kernel);
size_t fake_kernel_param_size(const void *kernel, int i);
// runs the grid to completion on the calling thread; "" or what went wrong
std::string fake_kernel_run(const void *kernel, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                            unsigned bz, unsigned sharedBytes, void **params);
// the most dynamic shared memory a block may have (the largest opt-in of the emulated GPUs: sm_90's 227 KB)
constexpr unsigned FAKE_CUDA_MAX_DYNAMIC_SMEM = 232448;
// set by the module load from the fake's settings (mma16=broken): the emulated mma.m16n8k16 and m16n8k8 swap B's two registers,
// as a GPU would whose fragment layout differed from the one the kernels assume (FakeCudaTest: the self-check)
extern bool fake_cuda_mma16_broken;
// resets the warp-collective emulation (warp_ops.cpp) for a block of that many threads: no copy in flight, no
// collective done
void fake_cuda_warp_ops_reset(unsigned threads);
