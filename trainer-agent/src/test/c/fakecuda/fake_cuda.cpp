// A fake libcuda.so.1: the CUDA driver API calls the GPU backend makes (through JCuda's libJCudaDriver, which links
// against libcuda.so.1), answered on the host CPU, so that the GPU tests run where there is no GPU. Built by
// trainer-agent/pom.xml into target/fake-cuda/libcuda.so.1 and put on LD_LIBRARY_PATH by the surefire execution that
// runs the GPU tests against it.
//
// - One device (FAKE_CUDA_DEVICES: 0 for none), compute capability FAKE_CUDA_CC (default 9.0), driver version
//   FAKE_CUDA_DRIVER (default 13000). The file FAKE_CUDA_CONFIG names, when it exists, overrides them with lines
//   devices=N, cc=M.m, driver=V, read at every query: a test writes it to play an old driver or an older GPU.
// - Modules: the PTX text is read for its .version, .target and .entry names; an entry this fake cannot run, a
//   target above the device or an ISA above the driver is refused as the driver refuses it, with a JIT log.
// - Kernels: the CUDA C sources themselves, compiled for the host (kernels.cpp, cuda_host.h), run synchronously
//   at launch, or recorded into a graph while a stream captures.
// - Memory: every allocation sits between two inaccessible pages, with canary bytes in the alignment slack before
//   and after it, checked after every launch: a kernel that writes past its buffer is a fault,
//   CUDA_ERROR_ILLEGAL_ADDRESS (what, where and by how much on stderr); one that reads far past it crashes.
// - A kernel's fault is reported as a GPU reports it, asynchronously: its launch succeeds and the next synchronizing
//   call (a copy, a memset, cuCtxSynchronize, the next launch) returns the error. Unlike a GPU's, the context is usable
//   again once the error was returned (tests go on in the same process).
// - Shared memory as the capability has it (per SM and the most a block may opt in to); a launch asking for more than
//   48 KB of dynamic shared memory is refused unless cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES) allowed it,
//   as the driver refuses it. A block's dynamic shared memory reads NaN bytes until written.
// - Stream capture as the driver enforces it: a copy, memset, synchronize or legacy-stream launch from the capturing
//   thread fails with CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED and invalidates the capture.
// Everything else of the driver API is absent: a call to it fails to resolve, loudly.
#include <cuda.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kernels.h"

namespace {

constexpr unsigned char CANARY = 0xA5;
constexpr size_t ALIGN = 256;

int envInt(const char *name, int fallback) {
    const char *v = std::getenv(name);
    return v == nullptr || *v == 0 ? fallback : std::atoi(v);
}

// key's value in the FAKE_CUDA_CONFIG file ("key=value" lines), else the environment variable's, else ""
std::string setting(const char *key, const char *env) {
    const char *path = std::getenv("FAKE_CUDA_CONFIG");
    if (path != nullptr && *path != 0) {
        if (FILE *f = std::fopen(path, "r")) {
            char line[128];
            std::string found;
            while (std::fgets(line, sizeof line, f) != nullptr) {
                std::string l(line);
                while (!l.empty() && (l.back() == '\n' || l.back() == '\r' || l.back() == ' ')) l.pop_back();
                if (l.rfind(std::string(key) + "=", 0) == 0) found = l.substr(std::strlen(key) + 1);
            }
            std::fclose(f);
            if (!found.empty()) return found;
        }
    }
    const char *v = std::getenv(env);
    return v == nullptr ? "" : v;
}

int settingInt(const char *key, const char *env, int fallback) {
    std::string v = setting(key, env);
    return v.empty() ? fallback : std::atoi(v.c_str());
}

int devices() { return settingInt("devices", "FAKE_CUDA_DEVICES", 1); }
int driverVersion() { return settingInt("driver", "FAKE_CUDA_DRIVER", 13000); }
void capability(int *major, int *minor) {
    std::string v = setting("cc", "FAKE_CUDA_CC");
    if (v.empty() || std::sscanf(v.c_str(), "%d.%d", major, minor) != 2) {
        *major = 9;
        *minor = 0;
    }
}

void say(const std::string &what) { std::fprintf(stderr, "fake libcuda: %s\n", what.c_str()); }

// shared memory of the emulated GPU, in bytes: per SM, and the most one block may opt in to (the CUDA C
// Programming Guide's table of compute capabilities); a block gets 48 KB of dynamic shared memory without opting in
int sharedPerSm() {
    int major, minor;
    capability(&major, &minor);
    if (major == 9) return 233472;                           // Hopper: 228 KB
    if (major == 8 && (minor == 0 || minor == 7)) return 167936; // A100, Orin: 164 KB
    if (major >= 8) return 102400;                           // sm_86, sm_89, sm_120: 100 KB
    return 65536;                                            // Turing: 64 KB
}
int sharedOptinPerBlock() { return sharedPerSm() == 65536 ? 65536 : sharedPerSm() - 1024; }
constexpr unsigned DEFAULT_DYNAMIC_SMEM = 49152;

// ---- memory --------------------------------------------------------------------------------------------------------

struct Allocation {
    char *mapping;
    size_t mappingBytes;
    char *data;
    size_t size;
    char *regionStart; // after the leading guard page
    char *regionEnd;   // the trailing guard page
    long id;
};

std::mutex memoryLock;
std::map<uintptr_t, Allocation> allocations; // by data address
long allocationsMade = 0;

size_t page() { return (size_t) sysconf(_SC_PAGESIZE); }

const Allocation *find(uintptr_t address, size_t bytes) {
    auto it = allocations.upper_bound(address);
    if (it == allocations.begin()) return nullptr;
    --it;
    const Allocation &a = it->second;
    uintptr_t start = (uintptr_t) a.data;
    return address >= start && address + bytes <= start + a.size ? &a : nullptr;
}

std::string describe(uintptr_t address, size_t bytes) {
    char text[160];
    std::snprintf(text, sizeof text, "0x%lx..+%zu", (unsigned long) address, bytes);
    return text;
}

// what a kernel wrote outside its allocations' bounds, "" when nothing
std::string checkCanaries() {
    for (auto &entry : allocations) {
        const Allocation &a = entry.second;
        for (char *p = a.regionStart; p < a.data; p++)
            if ((unsigned char) *p != CANARY)
                return "a write " + std::to_string(a.data - p) + " bytes before allocation #" + std::to_string(a.id) + " ("
                       + std::to_string(a.size) + " bytes)";
        for (char *p = a.data + a.size; p < a.regionEnd; p++)
            if ((unsigned char) *p != CANARY)
                return "a write " + std::to_string(p - (a.data + a.size)) + " bytes past the end of allocation #"
                       + std::to_string(a.id) + " (" + std::to_string(a.size) + " bytes)";
    }
    return "";
}

void repairCanaries() {
    for (auto &entry : allocations) {
        const Allocation &a = entry.second;
        std::memset(a.regionStart, CANARY, a.data - a.regionStart);
        std::memset(a.data + a.size, CANARY, a.regionEnd - (a.data + a.size));
    }
}

// ---- modules, streams, graphs ---------------------------------------------------------------------------------

struct Module {
    std::map<std::string, const void *> kernels;
};

struct Launch {
    const void *kernel;
    unsigned grid[3];
    unsigned block[3];
    unsigned sharedBytes;
    std::vector<std::vector<char>> params;
};

std::mutex attributeLock;
std::map<const void *, int> maxDynamicShared; // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, by kernel

struct Graph {
    std::vector<Launch> launches;
};

struct Stream {
    bool capturing = false;
    bool invalidated = false;
    Graph *graph = nullptr;
};

thread_local Stream *capturingOnThisThread = nullptr;
std::atomic<int> pendingFault{CUDA_SUCCESS}; // a launched kernel's fault, returned by the next synchronizing call

// the pending fault, once
CUresult takeFault() { return (CUresult) pendingFault.exchange(CUDA_SUCCESS); }
int contextToken = 0;

// a sync call while this thread captures: refused, and the capture invalidated, as the driver does
bool refusedByCapture(const char *call) {
    if (capturingOnThisThread == nullptr) return false;
    say(std::string(call) + " while a stream captures on this thread: CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED");
    capturingOnThisThread->invalidated = true;
    return true;
}

// FAKE_CUDA_PROFILE=1: seconds and launches per kernel, printed to stderr at exit
struct Profile {
    std::mutex lock;
    std::map<std::string, std::pair<double, long>> kernels;
    bool on = envInt("FAKE_CUDA_PROFILE", 0) != 0;
    ~Profile() {
        if (!on) return;
        for (auto &k : kernels)
            std::fprintf(stderr, "fake libcuda profile: %-22s %9.3f s %8ld launches\n", k.first.c_str(), k.second.first, k.second.second);
    }
} profile;

CUresult run(const Launch &l, void **params) {
    auto start = std::chrono::steady_clock::now();
    std::string error = fake_kernel_run(l.kernel, l.grid[0], l.grid[1], l.grid[2], l.block[0], l.block[1], l.block[2],
                                        l.sharedBytes, params);
    const char *name = fake_kernel_name(l.kernel);
    if (profile.on) {
        std::lock_guard<std::mutex> guard(profile.lock);
        auto &k = profile.kernels[name];
        k.first += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        k.second++;
    }
    if (!error.empty()) {
        say(std::string("kernel ") + name + ": " + error);
        return CUDA_ERROR_LAUNCH_FAILED;
    }
    std::lock_guard<std::mutex> guard(memoryLock);
    std::string overrun = checkCanaries();
    if (!overrun.empty()) {
        say(std::string("kernel ") + name + " (grid " + std::to_string(l.grid[0]) + "x" + std::to_string(l.grid[1])
            + ", block " + std::to_string(l.block[0]) + "): " + overrun + ": CUDA_ERROR_ILLEGAL_ADDRESS");
        repairCanaries();
        return CUDA_ERROR_ILLEGAL_ADDRESS;
    }
    return CUDA_SUCCESS;
}

CUresult replay(const Launch &l) {
    std::vector<void *> params;
    for (const std::vector<char> &p : l.params) params.push_back((void *) p.data());
    return run(l, params.data());
}

// ---- PTX -----------------------------------------------------------------------------------------------------------

std::string token(const std::string &ptx, const std::string &directive) {
    size_t at = ptx.find(directive);
    if (at == std::string::npos) return "";
    size_t start = at + directive.size();
    while (start < ptx.size() && (ptx[start] == ' ' || ptx[start] == '\t')) start++;
    size_t end = start;
    while (end < ptx.size() && ptx[end] != '\n' && ptx[end] != ' ' && ptx[end] != ',' && ptx[end] != '\r') end++;
    return ptx.substr(start, end - start);
}

int cudaForIsa(const std::string &isa) {
    int major = 0, minor = 0;
    if (std::sscanf(isa.c_str(), "%d.%d", &major, &minor) != 2) return -1;
    if (major == 7) return 11000 + 10 * minor;
    if (major == 8) return minor <= 5 ? 12000 + 10 * minor : 12010 + 10 * minor;
    if (major == 9) return 13000 + 10 * minor;
    return 99999;
}

void writeLog(char *log, size_t size, const std::string &text) {
    if (log == nullptr || size == 0) return;
    std::snprintf(log, size, "%s", text.c_str());
}

CUresult loadModule(CUmodule *module, const void *image, char *log, size_t logSize) {
    if (module == nullptr || image == nullptr) return CUDA_ERROR_INVALID_VALUE;
    std::string ptx(static_cast<const char *>(image));
    std::string isa = token(ptx, ".version");
    int needed = cudaForIsa(isa);
    if (needed < 0) {
        writeLog(log, logSize, "ptxas fatal: no .version directive");
        return CUDA_ERROR_INVALID_PTX;
    }
    if (needed > driverVersion()) return CUDA_ERROR_UNSUPPORTED_PTX_VERSION;
    // mma16=broken plays a GPU whose mma.m16n8k16 and m16n8k8 do not take B's registers as the kernels lay them out
    fake_cuda_mma16_broken = setting("mma16", "FAKE_CUDA_MMA16") == "broken";
    std::string target = token(ptx, ".target");
    int major, minor, sm = 0;
    capability(&major, &minor);
    if (target.rfind("sm_", 0) == 0) sm = std::atoi(target.c_str() + 3);
    if (sm > major * 10 + minor) {
        writeLog(log, logSize, "ptxas fatal: SM version specified by .target (" + target + ") is higher than this device's");
        return CUDA_ERROR_NO_BINARY_FOR_GPU;
    }
    Module *m = new Module();
    for (size_t at = ptx.find(".entry "); at != std::string::npos; at = ptx.find(".entry ", at + 1)) {
        size_t start = at + 7;
        size_t end = ptx.find('(', start);
        std::string name = ptx.substr(start, end - start);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\n')) name.pop_back();
        const void *k = fake_kernel_find(name.c_str());
        if (k == nullptr) {
            writeLog(log, logSize, "fake libcuda: kernel " + name + " is not emulated (add it to trainer-agent/src/test/c/fakecuda/kernels.cpp)");
            delete m;
            return CUDA_ERROR_INVALID_PTX;
        }
        m->kernels[name] = k;
    }
    *module = reinterpret_cast<CUmodule>(m);
    return CUDA_SUCCESS;
}

} // namespace

extern "C" {

CUresult cuInit(unsigned int) { return devices() > 0 ? CUDA_SUCCESS : CUDA_ERROR_NO_DEVICE; }

CUresult cuDriverGetVersion(int *version) {
    *version = driverVersion();
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int *count) {
    *count = devices();
    return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice *device, int ordinal) {
    if (ordinal < 0 || ordinal >= devices()) return CUDA_ERROR_INVALID_DEVICE;
    *device = ordinal;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char *name, int len, CUdevice) {
    std::snprintf(name, len, "ampwatch fake CUDA device (kernels emulated on the CPU)");
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int *value, CUdevice_attribute attribute, CUdevice) {
    int major, minor;
    capability(&major, &minor);
    switch (attribute) {
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *value = major; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *value = minor; break;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *value = 1; break;
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *value = 1024; break;
    case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *value = 32; break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR: *value = sharedPerSm(); break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *value = sharedOptinPerBlock(); break;
    default: *value = 0;
    }
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice device) {
    if (device < 0 || device >= devices()) return CUDA_ERROR_INVALID_DEVICE;
    *context = reinterpret_cast<CUcontext>(&contextToken);
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease_v2(CUdevice) { return CUDA_SUCCESS; }

CUresult cuCtxSetCurrent(CUcontext context) {
    return context == nullptr || context == reinterpret_cast<CUcontext>(&contextToken) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
}

CUresult cuCtxSynchronize() {
    if (refusedByCapture("cuCtxSynchronize")) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    return takeFault();
}

CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned int numOptions, CUjit_option *options,
                            void **optionValues) {
    char *log = nullptr;
    size_t logSize = 0;
    for (unsigned i = 0; i < numOptions; i++) {
        if (options[i] == CU_JIT_ERROR_LOG_BUFFER) log = static_cast<char *>(optionValues[i]);
        if (options[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES) logSize = (size_t) (uintptr_t) optionValues[i];
    }
    return loadModule(module, image, log, logSize);
}

CUresult cuModuleLoadData(CUmodule *module, const void *image) { return loadModule(module, image, nullptr, 0); }

CUresult cuModuleGetFunction(CUfunction *function, CUmodule module, const char *name) {
    Module *m = reinterpret_cast<Module *>(module);
    auto it = m->kernels.find(name);
    if (it == m->kernels.end()) return CUDA_ERROR_NOT_FOUND;
    *function = reinterpret_cast<CUfunction>(const_cast<void *>(it->second));
    return CUDA_SUCCESS;
}

CUresult cuFuncSetAttribute(CUfunction function, CUfunction_attribute attribute, int value) {
    if (function == nullptr) return CUDA_ERROR_INVALID_HANDLE;
    if (attribute != CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) return CUDA_ERROR_NOT_SUPPORTED;
    if (value < 0 || value > sharedOptinPerBlock()) {
        say(std::string("kernel ") + fake_kernel_name(function) + ": CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES "
            + std::to_string(value) + ", more than a block may opt in to (" + std::to_string(sharedOptinPerBlock()) + ")");
        return CUDA_ERROR_INVALID_VALUE;
    }
    std::lock_guard<std::mutex> guard(attributeLock);
    maxDynamicShared[reinterpret_cast<const void *>(function)] = value;
    return CUDA_SUCCESS;
}

CUresult cuModuleUnload(CUmodule module) {
    delete reinterpret_cast<Module *>(module);
    return CUDA_SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t bytes) {
    if (bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    size_t p = page();
    size_t aligned = (bytes + ALIGN - 1) / ALIGN * ALIGN;
    size_t region = (aligned + ALIGN + p - 1) / p * p; // at least ALIGN bytes of leading slack
    size_t mappingBytes = region + 2 * p;
    void *mapping = mmap(nullptr, mappingBytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapping == MAP_FAILED) return CUDA_ERROR_OUT_OF_MEMORY;
    char *regionStart = static_cast<char *>(mapping) + p;
    if (mprotect(regionStart, region, PROT_READ | PROT_WRITE) != 0) {
        munmap(mapping, mappingBytes);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    Allocation a{static_cast<char *>(mapping), mappingBytes, regionStart + region - aligned, bytes, regionStart,
                 regionStart + region, 0};
    std::memset(regionStart, CANARY, region);
    std::memset(a.data, 0xff, bytes); // uninitialised, as on a GPU: NaN as floats
    std::lock_guard<std::mutex> guard(memoryLock);
    a.id = ++allocationsMade;
    allocations[(uintptr_t) a.data] = a;
    *pointer = (CUdeviceptr) (uintptr_t) a.data;
    return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(CUdeviceptr pointer) {
    std::lock_guard<std::mutex> guard(memoryLock);
    auto it = allocations.find((uintptr_t) pointer);
    if (it == allocations.end()) return CUDA_ERROR_INVALID_VALUE;
    munmap(it->second.mapping, it->second.mappingBytes);
    allocations.erase(it);
    return CUDA_SUCCESS;
}

static CUresult checkedRange(CUdeviceptr pointer, size_t bytes, const char *call) {
    std::lock_guard<std::mutex> guard(memoryLock);
    if (find((uintptr_t) pointer, bytes) == nullptr) {
        say(std::string(call) + ": " + describe((uintptr_t) pointer, bytes) + " is not inside one allocation");
        return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t bytes) {
    if (refusedByCapture("cuMemcpyHtoD")) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    if (CUresult fault = takeFault()) return fault;
    CUresult r = checkedRange(dst, bytes, "cuMemcpyHtoD");
    if (r == CUDA_SUCCESS) std::memcpy((void *) (uintptr_t) dst, src, bytes);
    return r;
}

CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t bytes) {
    if (refusedByCapture("cuMemcpyDtoH")) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    if (CUresult fault = takeFault()) return fault;
    CUresult r = checkedRange(src, bytes, "cuMemcpyDtoH");
    if (r == CUDA_SUCCESS) std::memcpy(dst, (const void *) (uintptr_t) src, bytes);
    return r;
}

CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char value, size_t bytes) {
    if (refusedByCapture("cuMemsetD8")) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    if (CUresult fault = takeFault()) return fault;
    CUresult r = checkedRange(dst, bytes, "cuMemsetD8");
    if (r == CUDA_SUCCESS) std::memset((void *) (uintptr_t) dst, value, bytes);
    return r;
}

CUresult cuLaunchKernel(CUfunction function, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
                        unsigned int by, unsigned int bz, unsigned int sharedBytes, CUstream stream, void **params,
                        void **extra) {
    if (function == nullptr) return CUDA_ERROR_INVALID_HANDLE;
    if (extra != nullptr) return CUDA_ERROR_NOT_SUPPORTED;
    const void *kernel = reinterpret_cast<const void *>(function);
    if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || gy > 65535 || gz > 65535) {
        say(std::string("kernel ") + fake_kernel_name(kernel) + ": invalid grid or block");
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (sharedBytes > DEFAULT_DYNAMIC_SMEM) { // more than 48 KB only up to what the kernel's attribute allows
        std::lock_guard<std::mutex> guard(attributeLock);
        auto it = maxDynamicShared.find(kernel);
        if (it == maxDynamicShared.end() || (unsigned) it->second < sharedBytes) {
            say(std::string("kernel ") + fake_kernel_name(kernel) + ": " + std::to_string(sharedBytes)
                + " bytes of dynamic shared memory, more than its CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES ("
                + std::to_string(it == maxDynamicShared.end() ? (int) DEFAULT_DYNAMIC_SMEM : it->second) + ")");
            return CUDA_ERROR_INVALID_VALUE;
        }
    }
    Launch l{kernel, {gx, gy, gz}, {bx, by, bz}, sharedBytes, {}};
    int n = fake_kernel_param_count(kernel);
    for (int i = 0; i < n; i++) {
        size_t size = fake_kernel_param_size(kernel, i);
        const char *value = static_cast<const char *>(params[i]);
        l.params.emplace_back(value, value + size);
        if (size == 8) { // every 8-byte parameter of these kernels is a device pointer: null or inside an allocation
            uintptr_t address;
            std::memcpy(&address, value, 8);
            std::lock_guard<std::mutex> guard(memoryLock);
            if (address != 0 && find(address, 1) == nullptr) {
                say(std::string("kernel ") + fake_kernel_name(kernel) + ": argument " + std::to_string(i) + " ("
                    + describe(address, 0) + ") is not device memory");
                return CUDA_ERROR_INVALID_VALUE;
            }
        }
    }
    Stream *s = reinterpret_cast<Stream *>(stream);
    if (s != nullptr && s->capturing) {
        s->graph->launches.push_back(l);
        return CUDA_SUCCESS;
    }
    if (s == nullptr && refusedByCapture("a launch on the legacy default stream")) return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
    if (CUresult fault = takeFault()) return fault; // an earlier kernel's
    CUresult r = replay(l);
    if (r != CUDA_SUCCESS) pendingFault = r; // reported by the next synchronizing call, as a GPU does
    return CUDA_SUCCESS;
}

CUresult cuStreamCreate(CUstream *stream, unsigned int) {
    *stream = reinterpret_cast<CUstream>(new Stream());
    return CUDA_SUCCESS;
}

CUresult cuStreamDestroy_v2(CUstream stream) {
    delete reinterpret_cast<Stream *>(stream);
    return CUDA_SUCCESS;
}

CUresult cuStreamBeginCapture_v2(CUstream stream, CUstreamCaptureMode) {
    Stream *s = reinterpret_cast<Stream *>(stream);
    if (s == nullptr) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED; // the legacy stream cannot capture
    if (s->capturing) return CUDA_ERROR_ILLEGAL_STATE;
    s->capturing = true;
    s->invalidated = false;
    s->graph = new Graph();
    capturingOnThisThread = s;
    return CUDA_SUCCESS;
}

CUresult cuStreamEndCapture(CUstream stream, CUgraph *graph) {
    Stream *s = reinterpret_cast<Stream *>(stream);
    if (s == nullptr || !s->capturing) return CUDA_ERROR_ILLEGAL_STATE;
    s->capturing = false;
    capturingOnThisThread = nullptr;
    if (s->invalidated) {
        delete s->graph;
        s->graph = nullptr;
        return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
    }
    *graph = reinterpret_cast<CUgraph>(s->graph);
    s->graph = nullptr;
    return CUDA_SUCCESS;
}

CUresult cuGraphInstantiateWithFlags(CUgraphExec *exec, CUgraph graph, unsigned long long) {
    *exec = reinterpret_cast<CUgraphExec>(new Graph(*reinterpret_cast<Graph *>(graph)));
    return CUDA_SUCCESS;
}

CUresult cuGraphDestroy(CUgraph graph) {
    delete reinterpret_cast<Graph *>(graph);
    return CUDA_SUCCESS;
}

CUresult cuGraphExecDestroy(CUgraphExec exec) {
    delete reinterpret_cast<Graph *>(exec);
    return CUDA_SUCCESS;
}

CUresult cuGraphLaunch(CUgraphExec exec, CUstream) {
    if (refusedByCapture("cuGraphLaunch")) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    if (CUresult fault = takeFault()) return fault;
    for (const Launch &l : reinterpret_cast<Graph *>(exec)->launches) {
        CUresult r = replay(l);
        if (r != CUDA_SUCCESS) {
            pendingFault = r;
            break;
        }
    }
    return CUDA_SUCCESS;
}

} // extern "C"
