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

// ---- mma.sync.m16n8k32 (8-bit inputs) ------------------------------------------------------------------------
namespace {
struct WarpExchange {
    unsigned a[32][4];
    unsigned b[32][2];
    float cf[32][4];
    int ci[32][4];
};
WarpExchange exchange[32]; // by warp of the block

unsigned char byteOf(unsigned word, int i) { return (unsigned char) (word >> (8 * i)); }

// A (16 x 32) and B (32 x 8, B[k][n]) of the warp, from its lanes' registers
void gather(const WarpExchange &x, unsigned char A[16][32], unsigned char B[32][8]) {
    for (int lane = 0; lane < 32; lane++) {
        int g = lane / 4, t = lane % 4;
        for (int i = 0; i < 4; i++) {
            A[g][4 * t + i] = byteOf(x.a[lane][0], i);
            A[g + 8][4 * t + i] = byteOf(x.a[lane][1], i);
            A[g][16 + 4 * t + i] = byteOf(x.a[lane][2], i);
            A[g + 8][16 + 4 * t + i] = byteOf(x.a[lane][3], i);
            B[4 * t + i][g] = byteOf(x.b[lane][0], i);
            B[16 + 4 * t + i][g] = byteOf(x.b[lane][1], i);
        }
    }
}

template <typename T, typename Product>
void mma8(T c[4], const unsigned a[4], const unsigned b[2], T (WarpExchange::*cs)[32][4], Product product) {
    WarpExchange &x = exchange[threadIdx.x / 32];
    int lane = threadIdx.x % 32;
    std::memcpy(x.a[lane], a, sizeof x.a[lane]);
    std::memcpy(x.b[lane], b, sizeof x.b[lane]);
    std::memcpy((x.*cs)[lane], c, sizeof(T) * 4);
    fake_cuda_syncwarp();
    unsigned char A[16][32], B[32][8];
    gather(x, A, B);
    int g = lane / 4, t = lane % 4;
    const int rows[4] = {g, g, g + 8, g + 8};
    const int cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
    for (int i = 0; i < 4; i++) {
        T s = c[i];
        for (int k = 0; k < 32; k++) s += product(A[rows[i]][k], B[k][cols[i]]);
        c[i] = s;
    }
    fake_cuda_syncwarp(); // every lane has read the exchange before the warp's next mma overwrites it
}

float e4m3(unsigned char v) {
    __nv_fp8_e4m3 f;
    f.__x = v;
    return (float) f;
}
} // namespace

void fake_cuda_mma_m16n8k32_s8(int c[4], const unsigned a[4], const unsigned b[2]) {
    mma8<int>(c, a, b, &WarpExchange::ci,
              [](unsigned char p, unsigned char q) { return (int) (signed char) p * (int) (signed char) q; });
}

void fake_cuda_mma_m16n8k32_e4m3(float c[4], const unsigned a[4], const unsigned b[2]) {
    mma8<float>(c, a, b, &WarpExchange::cf, [](unsigned char p, unsigned char q) { return e4m3(p) * e4m3(q); });
}

// ---- mma.sync.m16n8k16, ldmatrix, cp.async (gemm_mma16.cuh) -------------------------------------------------
namespace {
// One warp-collective ldmatrix or mma of a warp: its lanes' operands, and the results the first lane past the barrier
// computes for all. A lane is at most one collective ahead of the others (each has a barrier), so two exchanges per
// warp, used by the collectives' parity, need no second barrier: a lane writing collective n + 2's operands into
// collective n's exchange has passed n + 1's barrier, so every lane has read n's results.
struct Exchange16 {
    unsigned long long op; // the collective this exchange holds (per-lane count, from 0 at the block's start)
    bool done;             // d holds its results
    unsigned a[32][4];
    unsigned b[32][2];
    float c[32][4];
    float d[32][4];
    const unsigned char *row[32];
};
Exchange16 exchange16[32][2];          // by warp of the block and the collective's parity
unsigned long long collectives[1024]; // by thread of the block: its warp-collective ldmatrix and mma so far

// this lane's exchange for its next collective
Exchange16 &nextExchange() {
    unsigned long long n = collectives[threadIdx.x]++;
    Exchange16 &x = exchange16[threadIdx.x / 32][n & 1];
    if (x.op != n) { // the first lane of the warp here
        x.op = n;
        x.done = false;
    }
    return x;
}

// every FP16 value as a float (the host's conversion is a software routine, and an mma decodes 384 values)
const std::vector<float> &halfTable() {
    static const std::vector<float> table = [] {
        std::vector<float> t(65536);
        for (unsigned i = 0; i < 65536; i++) {
            __half_raw r;
            r.x = (unsigned short) i;
            t[i] = (float) __half(r);
        }
        return t;
    }();
    return table;
}

float half16(unsigned bits, bool bf16) {
    return bf16 ? __uint_as_float(bits << 16) : halfTable()[bits];
}
float low16(unsigned word, bool bf16) { return half16(word & 0xffffu, bf16); }
float high16(unsigned word, bool bf16) { return half16(word >> 16, bf16); }

// the copies a thread has issued and not yet waited for, oldest first, each with its group: the committed groups are
// the ones before `open`
struct Copy {
    unsigned char *dst;
    unsigned long long group;
    unsigned char data[16];
};
struct ThreadCopies {
    std::vector<Copy> pending; // cleared, not freed, between blocks
    unsigned long long open = 0;
};
ThreadCopies copies[1024]; // by thread of the block
} // namespace

bool fake_cuda_mma16_broken = false;

void fake_cuda_mma_m16n8k16(float c[4], const unsigned a[4], const unsigned b[2], bool bf16) {
    Exchange16 &x = nextExchange();
    int lane = threadIdx.x % 32;
    std::memcpy(x.a[lane], a, sizeof x.a[lane]);
    x.b[lane][0] = b[fake_cuda_mma16_broken ? 1 : 0];
    x.b[lane][1] = b[fake_cuda_mma16_broken ? 0 : 1];
    std::memcpy(x.c[lane], c, sizeof x.c[lane]);
    fake_cuda_syncwarp();
    if (!x.done) { // the first lane past the barrier multiplies for the whole warp
        float A[16][16], Bt[8][16]; // Bt[n][k] = B[k][n]
        for (int l = 0; l < 32; l++) {
            int g = l / 4, t = l % 4;
            // register r holds values 2t (low half) and 2t + 1 (high half)
            A[g][2 * t] = low16(x.a[l][0], bf16), A[g][2 * t + 1] = high16(x.a[l][0], bf16);
            A[g + 8][2 * t] = low16(x.a[l][1], bf16), A[g + 8][2 * t + 1] = high16(x.a[l][1], bf16);
            A[g][8 + 2 * t] = low16(x.a[l][2], bf16), A[g][9 + 2 * t] = high16(x.a[l][2], bf16);
            A[g + 8][8 + 2 * t] = low16(x.a[l][3], bf16), A[g + 8][9 + 2 * t] = high16(x.a[l][3], bf16);
            Bt[g][2 * t] = low16(x.b[l][0], bf16), Bt[g][2 * t + 1] = high16(x.b[l][0], bf16);
            Bt[g][8 + 2 * t] = low16(x.b[l][1], bf16), Bt[g][9 + 2 * t] = high16(x.b[l][1], bf16);
        }
        for (int l = 0; l < 32; l++) {
            int g = l / 4, t = l % 4;
            const int rows[4] = {g, g, g + 8, g + 8};
            const int cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
            for (int i = 0; i < 4; i++) {
                float s = x.c[l][i];
                for (int k = 0; k < 16; k++) s += A[rows[i]][k] * Bt[cols[i]][k]; // exact products: 11- or 8-bit significands
                x.d[l][i] = s;
            }
        }
        x.done = true;
    }
    std::memcpy(c, x.d[lane], sizeof x.d[lane]);
}

void fake_cuda_ldmatrix_x4(unsigned r[4], const void *row, bool trans) {
    Exchange16 &x = nextExchange();
    int lane = threadIdx.x % 32;
    x.row[lane] = static_cast<const unsigned char *>(row);
    fake_cuda_syncwarp();
    int g = lane / 4, t = lane % 4;
    for (int j = 0; j < 4; j++) {
        unsigned short lo, hi;
        if (trans) { // rows 2t and 2t + 1 of matrix j, value g of each
            std::memcpy(&lo, x.row[8 * j + 2 * t] + 2 * g, 2);
            std::memcpy(&hi, x.row[8 * j + 2 * t + 1] + 2 * g, 2);
        } else { // row g of matrix j, values 2t and 2t + 1
            std::memcpy(&lo, x.row[8 * j + g] + 4 * t, 2);
            std::memcpy(&hi, x.row[8 * j + g] + 4 * t + 2, 2);
        }
        r[j] = (unsigned) lo | (unsigned) hi << 16;
    }
}

void fake_cuda_cp_async16(void *smem, const void *gmem, int bytes) {
    if (bytes < 0 || bytes > 16) {
        std::fprintf(stderr, "fake libcuda: cp.async of 16 bytes with a source size of %d\n", bytes);
        std::abort();
    }
    if (((unsigned long long) smem | (unsigned long long) gmem) % 16 != 0) {
        std::fprintf(stderr, "fake libcuda: cp.async of 16 bytes from %p to %p: both must be 16-byte aligned\n", gmem, smem);
        std::abort();
    }
    ThreadCopies &t = copies[threadIdx.x];
    t.pending.emplace_back();
    Copy &c = t.pending.back();
    c.dst = static_cast<unsigned char *>(smem);
    c.group = t.open;
    std::memset(c.data, 0, sizeof c.data);
    std::memcpy(c.data, gmem, (size_t) bytes);
    std::memset(c.dst, 0xff, sizeof c.data); // NaN until a wait covers it
}

void fake_cuda_cp_async_commit() { copies[threadIdx.x].open++; }

void fake_cuda_cp_async_wait(int pending) {
    ThreadCopies &t = copies[threadIdx.x];
    // groups before `open - pending` have landed
    unsigned long long landed = t.open > (unsigned long long) pending ? t.open - (unsigned long long) pending : 0;
    size_t i = 0;
    for (; i < t.pending.size() && t.pending[i].group < landed; i++)
        std::memcpy(t.pending[i].dst, t.pending[i].data, sizeof t.pending[i].data);
    t.pending.erase(t.pending.begin(), t.pending.begin() + (long) i);
}

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
                            unsigned bz, void **params) {
    static std::mutex launchLock; // JVM threads may launch at once; the emulation runs one grid at a time
    std::lock_guard<std::mutex> guard(launchLock);
    const Kernel &k = *static_cast<const Kernel *>(kernel);
    if (by != 1 || bz != 1) return "only blocks of x threads are emulated";
    if (bx > 1024) return "more than 1024 threads per block";
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
        for (unsigned t = 0; t < bx; t++) { // a block starts with no copy in flight and no collective done
            copies[t].pending.clear();
            copies[t].open = 0;
            collectives[t] = 0;
        }
        for (auto &warp : exchange16)
            for (Exchange16 &x : warp) x.op = ~0ull;
        block.kernel = &k;
        block.params = params;
        running = &block;
        std::string error = runFibers(block, bx);
        running = nullptr;
        if (!error.empty()) return error + " (block " + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(z) + ")";
    }
    return "";
}
