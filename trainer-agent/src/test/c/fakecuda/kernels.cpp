// The kernels of src/main/cuda compiled for the host (cuda_host.h), a table of them by name, and the launcher that
// runs a grid of them: block after block; within a block, thread after thread, or, for kernels that synchronize
// (__syncthreads, warp-collective mma), every thread as a fiber switched at its barriers, warp by warp (runFibers).
#include "cuda_host.h"

#define AMPWATCH_HOST_KERNELS 1
#include "../../../main/cuda/elementwise.cu"
#include "../../../main/cuda/gemm_sm75.cu"
#include "../../../main/cuda/gemm_sm80.cu"
#include "../../../main/cuda/gemm_mma.cu"
#include "../../../main/cuda/int8.cu"
#define INT8_MMA 1
#include "../../../main/cuda/int8.cu"
#include "../../../main/cuda/fp8.cu"

#include "kernels.h"

#include <sys/mman.h>
#include <numeric>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// one launch runs at a time (launchLock), so the thread indices and __shared__ arrays are plain globals: thread-local
// ones cost a __tls_get_addr call per access in a shared library
uint3 threadIdx;
uint3 blockIdx;
dim3 blockDim;
dim3 gridDim;

namespace {
alignas(16) unsigned char dynamicSmem[FAKE_CUDA_MAX_DYNAMIC_SMEM];
unsigned dynamicSmemBytes = 0;
} // namespace
unsigned char *fake_cuda_dynamic_smem() { return dynamicSmem; }
unsigned fake_cuda_dynamic_smem_size() { return dynamicSmemBytes; }

namespace {

enum Mode { PLAIN, FIBERS };

struct Kernel {
    const char *name;
    void (*invoke)(void **params);
    std::vector<size_t> sizes;
    Mode mode;
};

template <typename... A, size_t... I> void apply(void (*f)(A...), void **p, std::index_sequence<I...>) {
    f(*reinterpret_cast<std::decay_t<A> *>(p[I])...);
}
template <typename... A> constexpr size_t arity(void (*)(A...)) { return sizeof...(A); }
template <auto F> void invoke(void **p) { apply(F, p, std::make_index_sequence<arity(F)>{}); }
template <typename... A> std::vector<size_t> sizes(void (*)(A...)) { return {sizeof(std::decay_t<A>)...}; }

#define PLAIN_KERNEL(f) Kernel{#f, invoke<f>, sizes(f), PLAIN}
#define FIBER_KERNEL(f) Kernel{#f, invoke<f>, sizes(f), FIBERS}

const std::vector<Kernel> &kernels() {
    static const std::vector<Kernel> table = {
        PLAIN_KERNEL(convert_f32_f16), PLAIN_KERNEL(convert_f32_bf16), PLAIN_KERNEL(round_f32_tf32),
        PLAIN_KERNEL(bias_add), PLAIN_KERNEL(relu_forward), PLAIN_KERNEL(relu_backward), PLAIN_KERNEL(bias_grad),
        PLAIN_KERNEL(bias_grad_partial), PLAIN_KERNEL(im2col), PLAIN_KERNEL(col2im), PLAIN_KERNEL(sum_slices), PLAIN_KERNEL(softmax_xent), PLAIN_KERNEL(mse),
        PLAIN_KERNEL(flag_nonfinite), PLAIN_KERNEL(argmax_rows), PLAIN_KERNEL(sgd_momentum), PLAIN_KERNEL(adam),
        FIBER_KERNEL(gemm_fp32_nn), FIBER_KERNEL(gemm_fp32_tn), FIBER_KERNEL(gemm_fp32_nt),
        FIBER_KERNEL(gemm_fp32_simt128_nn), FIBER_KERNEL(gemm_fp32_simt128_tn), FIBER_KERNEL(gemm_fp32_simt128_nt),
        FIBER_KERNEL(gemm_f16_nn), FIBER_KERNEL(gemm_f16_tn), FIBER_KERNEL(gemm_f16_nt),
        FIBER_KERNEL(gemm_bf16_nn), FIBER_KERNEL(gemm_bf16_tn), FIBER_KERNEL(gemm_bf16_nt),
        FIBER_KERNEL(gemm_tf32_nn), FIBER_KERNEL(gemm_tf32_tn), FIBER_KERNEL(gemm_tf32_nt),
        FIBER_KERNEL(gemm_f16_mma64_nn), FIBER_KERNEL(gemm_f16_mma64_tn), FIBER_KERNEL(gemm_f16_mma64_nt),
        FIBER_KERNEL(gemm_f16_mma128_nn), FIBER_KERNEL(gemm_f16_mma128_tn), FIBER_KERNEL(gemm_f16_mma128_nt),
        FIBER_KERNEL(gemm_bf16_mma64_nn), FIBER_KERNEL(gemm_bf16_mma64_tn), FIBER_KERNEL(gemm_bf16_mma64_nt),
        FIBER_KERNEL(gemm_bf16_mma128_nn), FIBER_KERNEL(gemm_bf16_mma128_tn), FIBER_KERNEL(gemm_bf16_mma128_nt),
        FIBER_KERNEL(gemm_f16_mma128w4_nn), FIBER_KERNEL(gemm_f16_mma128w4_tn), FIBER_KERNEL(gemm_f16_mma128w4_nt),
        FIBER_KERNEL(gemm_bf16_mma128w4_nn), FIBER_KERNEL(gemm_bf16_mma128w4_tn), FIBER_KERNEL(gemm_bf16_mma128w4_nt),
        FIBER_KERNEL(gemm_tf32_mma64_nn), FIBER_KERNEL(gemm_tf32_mma64_tn), FIBER_KERNEL(gemm_tf32_mma64_nt),
        FIBER_KERNEL(gemm_tf32_mma128_nn), FIBER_KERNEL(gemm_tf32_mma128_tn), FIBER_KERNEL(gemm_tf32_mma128_nt),
        FIBER_KERNEL(gemm_tf32_mma128w4_nn), FIBER_KERNEL(gemm_tf32_mma128w4_tn), FIBER_KERNEL(gemm_tf32_mma128w4_nt),
        PLAIN_KERNEL(quantize_s8), FIBER_KERNEL(gemm_s8_dp4a), PLAIN_KERNEL(dequant_bias_act), FIBER_KERNEL(gemm_s4_dp4a),
        FIBER_KERNEL(gemm_s8_mma),
        PLAIN_KERNEL(quantize_e4m3), FIBER_KERNEL(gemm_e4m3_mma), PLAIN_KERNEL(dequant_f32_bias_act),
    };
    return table;
}

// ---- fibers ------------------------------------------------------------------------------------------------------
// A fiber switch saves the callee-saved registers, the SSE and x87 control words and the stack pointer, and loads
// another's: no system call (ucontext's swapcontext makes one per switch, which a GEMM of a large batch does
// millions of times). x86-64 System V only; elsewhere ucontext.

enum State { READY, AT_BLOCK_BARRIER, AT_WARP_BARRIER, DONE };

// Generous, and mapped lazily: a signal the JVM handles (SIGTERM, SIGQUIT) may arrive while a fiber runs, and its
// handler then runs on the fiber's stack. An inaccessible page below each stack turns an overflow into a clean fault.
constexpr size_t STACK_BYTES = 256 * 1024;

// A fiber's stack: STACK_BYTES above an inaccessible guard page, committed as it is touched.
class Stack {
  public:
    Stack() {
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        bytes_ = STACK_BYTES + page;
        void *m = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) {
            std::fprintf(stderr, "fake libcuda: cannot map a fiber stack\n");
            std::abort();
        }
        mprotect(m, page, PROT_NONE);
        base_ = static_cast<char *>(m);
        data_ = base_ + page;
    }
    Stack(Stack &&o) noexcept : base_(o.base_), data_(o.data_), bytes_(o.bytes_) { o.base_ = nullptr; }
    Stack(const Stack &) = delete;
    Stack &operator=(const Stack &) = delete;
    ~Stack() {
        if (base_ != nullptr) munmap(base_, bytes_);
    }
    char *data() { return data_; }
    size_t size() const { return STACK_BYTES; }

  private:
    char *base_;
    char *data_;
    size_t bytes_;
};

struct Block;
Block *running = nullptr; // the block whose fibers run on this OS thread, null outside FIBERS launches
void fiberMain();

} // namespace

#if defined(__x86_64__)
extern "C" void fake_cuda_fiber_switch(void **save, void *load);
asm(R"(
    .text
    .globl fake_cuda_fiber_switch
    .hidden fake_cuda_fiber_switch
    .type fake_cuda_fiber_switch,@function
fake_cuda_fiber_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size fake_cuda_fiber_switch, .-fake_cuda_fiber_switch
)");

namespace {
struct Context {
    void *sp = nullptr;
    void start(Stack &stack, void (*entry)()) {
        uintptr_t top = ((uintptr_t) stack.data() + stack.size()) & ~(uintptr_t) 15;
        void **s = reinterpret_cast<void **>(top);
        *--s = nullptr;                         // entry's return address: it never returns
        *--s = reinterpret_cast<void *>(entry); // where the first switch "returns" to
        for (int i = 0; i < 6; i++) *--s = nullptr; // rbp rbx r12 r13 r14 r15
        uint32_t control[2];
        asm volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(control[0]), "=m"(control[1]));
        std::memcpy(--s, control, 8);
        sp = s;
    }
    static void swap(Context &from, Context &to) { fake_cuda_fiber_switch(&from.sp, to.sp); }
};
} // namespace
#else
#include <ucontext.h>
namespace {
struct Context {
    ucontext_t context;
    void start(Stack &stack, void (*entry)()) {
        getcontext(&context);
        context.uc_stack.ss_sp = stack.data();
        context.uc_stack.ss_size = stack.size();
        context.uc_link = nullptr;
        makecontext(&context, entry, 0);
    }
    static void swap(Context &from, Context &to) { swapcontext(&from.context, &to.context); }
};
} // namespace
#endif

namespace {

struct Fiber {
    Context context;
    Stack stack;
    State state = READY;
};

struct Block {
    std::vector<Fiber> fibers;
    Context scheduler;
    int current = -1;
    const Kernel *kernel = nullptr;
    void **params = nullptr;
};

void fiberMain() {
    Block *b = running;
    b->kernel->invoke(b->params);
    b->fibers[b->current].state = DONE;
    Context::swap(b->fibers[b->current].context, b->scheduler);
}

void yield(State state) {
    Block *b = running;
    if (b == nullptr) {
        std::fprintf(stderr, "fake libcuda: a barrier outside a synchronizing kernel\n");
        std::abort();
    }
    b->fibers[b->current].state = state;
    Context::swap(b->fibers[b->current].context, b->scheduler);
}

void setThread(unsigned t) { threadIdx = uint3{t, 0, 0}; }

// Runs one block's threads as fibers until all are done; an error message when they cannot all get there.
std::string runFibers(Block &b, unsigned threads) {
    if (b.fibers.size() < threads) b.fibers.resize(threads);
    for (unsigned t = 0; t < threads; t++) {
        Fiber &f = b.fibers[t];
        f.state = READY;
        f.context.start(f.stack, fiberMain);
    }
    // Warp by warp: a warp runs (its warp barriers opening as its lanes reach them) until every lane waits at the
    // block barrier or has returned, then the next warp; the order reverses at every block barrier. So one warp gets
    // a whole phase ahead of the others, first and then last, as a GPU may schedule it: a kernel that reads shared
    // memory another warp writes without a __syncthreads between, or refills a buffer another warp still reads,
    // reads the wrong values here too instead of passing because the threads went in lockstep.
    const unsigned warps = (threads + 31) / 32;
    for (unsigned long long phase = 0;; phase++) {
        bool ran = false;
        for (unsigned i = 0; i < warps; i++) {
            const unsigned w = phase % 2 == 0 ? i : warps - 1 - i;
            const unsigned first = w * 32, lanes = std::min(32u, threads - first);
            for (;;) {
                for (unsigned t = first; t < first + lanes; t++) {
                    if (b.fibers[t].state != READY) continue;
                    b.current = (int) t;
                    setThread(t);
                    Context::swap(b.scheduler, b.fibers[t].context);
                    ran = true;
                }
                unsigned at = 0; // a warp barrier opens when every lane of the warp is at it
                for (unsigned t = first; t < first + lanes; t++) at += b.fibers[t].state == AT_WARP_BARRIER;
                if (at != lanes) break;
                for (unsigned t = first; t < first + lanes; t++) b.fibers[t].state = READY;
            }
        }
        unsigned done = 0, atBlock = 0;
        for (unsigned t = 0; t < threads; t++) {
            done += b.fibers[t].state == DONE;
            atBlock += b.fibers[t].state == AT_BLOCK_BARRIER;
        }
        if (done == threads) return "";
        if (atBlock > 0 && atBlock + done == threads) {
            if (done > 0) return "__syncthreads() reached by " + std::to_string(atBlock) + " of " + std::to_string(threads)
                                 + " threads of a block, the others had returned (undefined on a GPU)";
            for (unsigned t = 0; t < threads; t++) b.fibers[t].state = READY;
            continue;
        }
        if (!ran) return "threads of a block wait at different barriers (a deadlock on a GPU)";
    }
}

} // namespace

void fake_cuda_syncthreads() { yield(AT_BLOCK_BARRIER); }
void fake_cuda_syncwarp() { yield(AT_WARP_BARRIER); }

// ---- the interface to fake_cuda.cpp ----------------------------------------------------------------------------

const void *fake_kernel_find(const char *name) {
    for (const Kernel &k : kernels())
        if (std::strcmp(k.name, name) == 0) return &k;
    return nullptr;
}

const char *fake_kernel_name(const void *kernel) { return static_cast<const Kernel *>(kernel)->name; }

int fake_kernel_param_count(const void *kernel) { return (int) static_cast<const Kernel *>(kernel)->sizes.size(); }

size_t fake_kernel_param_size(const void *kernel, int i) { return static_cast<const Kernel *>(kernel)->sizes[i]; }

// A stride near 0.618 n (the golden ratio spreads neighbours apart) that is coprime with n: i -> i * stride mod n
// then visits every index once, neighbours far apart.
static unsigned long long coprimeStride(unsigned long long n) {
    if (n <= 2) return 1;
    unsigned long long s = (unsigned long long) (n * 0.6180339887) | 1;
    while (std::gcd(s, n) != 1) s += 2;
    return s % n;
}

std::string fake_kernel_run(const void *kernel, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                            unsigned bz, unsigned sharedBytes, void **params) {
    static std::mutex launchLock; // JVM threads may launch at once; the emulation runs one grid at a time
    std::lock_guard<std::mutex> guard(launchLock);
    const Kernel &k = *static_cast<const Kernel *>(kernel);
    if (by != 1 || bz != 1) return "only blocks of x threads are emulated";
    if (bx > 1024) return "more than 1024 threads per block";
    if (sharedBytes > FAKE_CUDA_MAX_DYNAMIC_SMEM) return std::to_string(sharedBytes) + " bytes of dynamic shared memory";
    dynamicSmemBytes = sharedBytes;
    gridDim = dim3(gx, gy, gz);
    blockDim = dim3(bx, 1, 1);
    static Block block;
    // Blocks run one at a time, but not in index order: a GPU promises no order, so a kernel whose result depends on
    // it (a block reading what another writes in the same launch) must not pass here by luck. The order is a fixed
    // permutation (a stride coprime with the count), so a failure repeats; PLAIN kernels' threads are permuted alike.
    const unsigned long long blocks = (unsigned long long) gx * gy * gz;
    const unsigned long long blockStride = coprimeStride(blocks);
    const unsigned long long threadStride = coprimeStride(bx);
    for (unsigned long long i = 0; i < blocks; i++) {
        const unsigned long long b = (i * blockStride + blocks / 2) % blocks;
        const unsigned x = (unsigned) (b % gx), y = (unsigned) (b / gx % gy), z = (unsigned) (b / gx / gy);
        blockIdx = uint3{x, y, z};
        if (k.mode == PLAIN) {
            for (unsigned t = 0; t < bx; t++) {
                setThread((unsigned) ((t * threadStride + bx / 2) % bx));
                k.invoke(params);
            }
            continue;
        }
        fake_cuda_warp_ops_reset(bx); // a block starts with no copy in flight and no collective done
        std::memset(dynamicSmem, 0xff, sharedBytes);
        block.kernel = &k;
        block.params = params;
        running = &block;
        std::string error = runFibers(block, bx);
        running = nullptr;
        if (!error.empty()) return error + " (block " + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(z) + ")";
    }
    return "";
}
