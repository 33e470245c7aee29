package dev.ampwatch.trainer.gpu;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD8;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;

/**
 * One CUDA device through the driver API only (JCuda's {@code jcuda.driver}, which needs nothing but
 * {@code libcuda.so.1}): its primary context, the PTX modules loaded into it (the driver JIT-compiles
 * them for this GPU), and thin helpers for memory and launches that turn error codes into
 * {@link GpuException}s naming the call.
 *
 * <p>Every public entry point of the backend calls {@link #makeCurrent()} first, so a model may be
 * driven from a thread other than the one that opened the device. Not thread-safe otherwise: the
 * training loop drives a device from one thread at a time.
 */
final class CudaDevice implements AutoCloseable {
    /** Not among JCuda 12.6's CUresult constants. */
    private static final int CUDA_ERROR_INSUFFICIENT_DRIVER = 35;
    /**
     * Synchronize after every launch and name the kernel that failed ({@code -Dampwatch.gpu.debugSync=true} or
     * {@code AMPWATCH_GPU_DEBUG_SYNC=1}, read when the device is opened): a kernel fault otherwise surfaces at the next
     * copy, without its name. Slow; for finding a failing kernel.
     */
    private final boolean debugSync = Boolean.getBoolean("ampwatch.gpu.debugSync")
            || "1".equals(System.getenv("AMPWATCH_GPU_DEBUG_SYNC"));
    final int ordinal;
    final String name;
    final ComputeCapability capability;
    /** The driver's CUDA version as cuDriverGetVersion reports it, e.g. 13000. */
    final int driverVersion;
    private final CUdevice device;
    private final CUcontext context;
    private final List<CUmodule> modules = new ArrayList<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    /** The dynamic shared memory a kernel is launched with (the mma.sync GEMMs' pipeline stages: MmaStages); else 0. */
    private final Map<String, Integer> dynamicShared = new HashMap<>();
    private final Map<PtxModule, String> missing = new java.util.EnumMap<>(PtxModule.class);
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CudaDevice.class);
    private static final java.util.concurrent.atomic.AtomicBoolean CACHE_WARNED = new java.util.concurrent.atomic.AtomicBoolean();
    private KernelLaunch.GemmFamily gemmFamily = KernelLaunch.GemmFamily.WMMA; // FP16 / BF16 / TF32 GEMMs: gemmFamily()
    private boolean closed;
    /** Where {@link #launch} queues: null, the legacy default stream; a capturing stream while {@link StepGraphs} records. */
    private jcuda.driver.CUstream launchStream;

    private CudaDevice(int ordinal, String name, ComputeCapability capability, int driverVersion, CUdevice device,
            CUcontext context) {
        this.ordinal = ordinal;
        this.name = name;
        this.capability = capability;
        this.driverVersion = driverVersion;
        this.device = device;
        this.context = context;
    }

    /**
     * Opens device {@code ordinal} and loads every PTX module its compute capability can run.
     *
     * @throws GpuUnavailableException with the reason when the binding, the driver, the device or the
     *     kernels are not there or do not load
     */
    static CudaDevice open(int ordinal) throws GpuUnavailableException {
        String loadFailure = NativeLoad.failure();
        if (loadFailure != null) {
            throw new GpuUnavailableException(loadFailure);
        }
        int init = cuInit(0);
        if (init == CUresult.CUDA_ERROR_NO_DEVICE) {
            throw new GpuUnavailableException("no CUDA device (the NVIDIA driver is installed but cuInit found no GPU)");
        }
        if (init == CUresult.CUDA_ERROR_STUB_LIBRARY) {
            throw new GpuUnavailableException("libcuda.so.1 is the CUDA toolkit's stub library, not an NVIDIA driver"
                    + " (CUDA_ERROR_STUB_LIBRARY): remove the toolkit's stubs directory from the library path");
        }
        if (init == CUDA_ERROR_INSUFFICIENT_DRIVER) {
            throw new GpuUnavailableException("cuInit failed: CUDA_ERROR_INSUFFICIENT_DRIVER (the NVIDIA driver is older"
                    + " than the CUDA 12.6 API JCuda binds)");
        }
        if (init != CUresult.CUDA_SUCCESS) {
            throw new GpuUnavailableException("cuInit failed: " + CUresult.stringFor(init));
        }
        int[] count = {0};
        require(cuDeviceGetCount(count), "cuDeviceGetCount");
        if (count[0] == 0) {
            throw new GpuUnavailableException("no CUDA device");
        }
        if (ordinal < 0 || ordinal >= count[0]) {
            throw new GpuUnavailableException("gpu" + ordinal + " does not exist (" + count[0] + " CUDA device"
                    + (count[0] == 1 ? "" : "s") + ": gpu0" + (count[0] > 1 ? "..gpu" + (count[0] - 1) : "") + ")");
        }
        CUdevice device = new CUdevice();
        require(cuDeviceGet(device, ordinal), "cuDeviceGet");
        byte[] nameBytes = new byte[256];
        require(cuDeviceGetName(nameBytes, nameBytes.length, device), "cuDeviceGetName");
        String name = cString(nameBytes);
        int[] major = {0};
        int[] minor = {0};
        require(cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
                "cuDeviceGetAttribute");
        require(cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
                "cuDeviceGetAttribute");
        ComputeCapability cc = new ComputeCapability(major[0], minor[0]);
        int[] version = {0};
        require(cuDriverGetVersion(version), "cuDriverGetVersion");
        if (!PtxModule.allPresent()) {
            throw new GpuUnavailableException(PtxModule.MISSING);
        }
        if (cc.compareTo(ComputeCapability.BASELINE) < 0) {
            throw new GpuUnavailableException(name + " is " + cc + "; the kernels need " + ComputeCapability.BASELINE
                    + " or newer (the oldest target CUDA 13's nvcc builds)");
        }
        CUcontext context = new CUcontext();
        require(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        CudaDevice d = new CudaDevice(ordinal, name, cc, version[0], device, context);
        try {
            d.makeCurrent();
            for (PtxModule m : PtxModule.values()) {
                if (cc.compareTo(m.target()) < 0) {
                    d.missing.put(m, m.fileName() + " needs " + m.target() + " or newer; " + name + " is " + cc);
                } else if (m.optional()) {
                    try {
                        d.load(m);
                    } catch (GpuUnavailableException | RuntimeException e) { // e.g. an R535 driver and the FP8 module's ISA 8.4
                        d.missing.put(m, e.getMessage());
                        LOG.warn("{}: {} not loaded, the rest works: {}", name, m.fileName(), e.getMessage());
                    }
                } else {
                    d.load(m);
                }
            }
            MmaStages.configure(d, d.missing);
            d.gemmFamily = GemmSelfCheck.choose(d, d.missing);
        } catch (GpuUnavailableException | RuntimeException e) {
            d.close();
            throw e;
        }
        String cache = JitCache.problem(System.getenv(), System.getProperty("user.home"));
        if (cache != null && CACHE_WARNED.compareAndSet(false, true)) {
            LOG.warn("{}: {}", name, cache);
        }
        return d;
    }

    private void load(PtxModule m) throws GpuUnavailableException {
        Optional<String> text = m.text();
        if (text.isEmpty()) {
            throw new GpuUnavailableException(PtxModule.MISSING);
        }
        String tooOld = DriverSupport.driverTooOld(m.fileName(), PtxModule.isaVersion(text.get()), driverVersion);
        if (tooOld != null) {
            throw new GpuUnavailableException(tooOld);
        }
        CUmodule module = JitLoad.module(m.fileName(), text.get(), driverVersion);
        modules.add(module);
        for (String kernel : m.kernels()) {
            CUfunction f = new CUfunction();
            int r = cuModuleGetFunction(f, module, kernel);
            if (r != CUresult.CUDA_SUCCESS) {
                throw new GpuUnavailableException(m.fileName() + " has no kernel " + kernel + ": " + CUresult.stringFor(r));
            }
            functions.put(kernel, f);
        }
    }

    /** The kernels FP16, BF16 and TF32 GEMMs run on here: {@link KernelLaunch.GemmFamily#MMA} or the WMMA ones. */
    KernelLaunch.GemmFamily gemmFamily() {
        return gemmFamily;
    }

    /** Makes this device's context current on the calling thread. */
    void makeCurrent() {
        check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    boolean hasKernel(String kernel) {
        return functions.containsKey(kernel);
    }

    /** Why {@code module} is not loaded on this device, or null when it is. */
    String missing(PtxModule module) {
        return missing.get(module);
    }

    /** Allocates {@code bytes} of device memory, zero-filled; a 0-byte request gives a null pointer. */
    CUdeviceptr alloc(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        if (bytes == 0) {
            return p;
        }
        int r = cuMemAlloc(p, bytes);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new GpuException("cuMemAlloc(" + bytes + " bytes) on " + name + " failed: " + CUresult.stringFor(r));
        }
        check(cuMemsetD8(p, (byte) 0, bytes), "cuMemsetD8");
        return p;
    }

    void free(CUdeviceptr p) {
        if (p != null && !isNull(p)) {
            cuMemFree(p); // nothing to do about a failure while releasing
        }
    }

    void zero(CUdeviceptr p, long bytes) {
        check(cuMemsetD8(p, (byte) 0, bytes), "cuMemsetD8");
    }

    void upload(CUdeviceptr dst, float[] src, int count) {
        check(cuMemcpyHtoD(dst, Pointer.to(src), 4L * count), "cuMemcpyHtoD");
    }

    void upload(CUdeviceptr dst, int[] src, int count) {
        check(cuMemcpyHtoD(dst, Pointer.to(src), 4L * count), "cuMemcpyHtoD");
    }

    void upload(CUdeviceptr dst, byte[] src, int count) {
        check(cuMemcpyHtoD(dst, Pointer.to(src), count), "cuMemcpyHtoD");
    }

    void upload(CUdeviceptr dst, short[] src, int count) {
        check(cuMemcpyHtoD(dst, Pointer.to(src), 2L * count), "cuMemcpyHtoD");
    }

    void download(float[] dst, CUdeviceptr src, int count) {
        check(cuMemcpyDtoH(Pointer.to(dst), src, 4L * count), "cuMemcpyDtoH");
    }

    void download(int[] dst, CUdeviceptr src, int count) {
        check(cuMemcpyDtoH(Pointer.to(dst), src, 4L * count), "cuMemcpyDtoH");
    }

    void download(double[] dst, CUdeviceptr src, int count) {
        check(cuMemcpyDtoH(Pointer.to(dst), src, 8L * count), "cuMemcpyDtoH");
    }

    void download(short[] dst, CUdeviceptr src, int count) {
        check(cuMemcpyDtoH(Pointer.to(dst), src, 2L * count), "cuMemcpyDtoH");
    }

    /** Sends the following launches to {@code stream} (a graph being recorded), or back to the default stream (null). */
    void launchOn(jcuda.driver.CUstream stream) {
        launchStream = stream;
    }

    /**
     * Queues {@code launch} on the default stream (or the stream a graph is being recorded on). Arguments: {@link CUdeviceptr} (a null one passes
     * NULL), {@link Integer}, {@link Float}, in the kernel's parameter order.
     */
    void launch(KernelLaunch launch, Object... args) {
        launchWithShared(launch, dynamicShared.getOrDefault(launch.kernel(), 0), args);
    }

    /** {@link #launch} with that many bytes of dynamic shared memory, whatever the kernel's setting (tests). */
    void launchWithShared(KernelLaunch launch, int sharedBytes, Object... args) {
        CUfunction f = functions.get(launch.kernel());
        if (f == null) {
            throw new GpuException("kernel " + launch.kernel() + " is not loaded on " + name + " (" + capability + ")");
        }
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof CUdeviceptr p) {
                params[i] = Pointer.to(p);
            } else if (a instanceof Integer v) {
                params[i] = Pointer.to(new int[] {v});
            } else if (a instanceof Float v) {
                params[i] = Pointer.to(new float[] {v});
            } else {
                throw new IllegalArgumentException("kernel argument " + i + " of " + launch.kernel() + ": " + a);
            }
        }
        check(cuLaunchKernel(f, launch.gridX(), launch.gridY(), launch.gridZ(), launch.block(), 1, 1, sharedBytes, launchStream, Pointer.to(params),
                null), "cuLaunchKernel(" + launch.kernel() + ")");
        if (debugSync && launchStream == null) { // a recorded launch runs later, with its graph
            int r = cuCtxSynchronize();
            if (r != CUresult.CUDA_SUCCESS) {
                throw new GpuException("kernel " + launch.kernel() + " (grid " + launch.gridX() + "x" + launch.gridY() + "x" + launch.gridZ() + ", block "
                        + launch.block() + ") failed on " + name + ": " + CUresult.stringFor(r) + " (found by ampwatch.gpu.debugSync)");
            }
        }
    }

    /** An attribute of the device (cuDeviceGetAttribute), e.g. its shared memory per SM. */
    int attribute(int attribute) throws GpuUnavailableException {
        int[] value = {0};
        require(cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute(" + attribute + ")");
        return value[0];
    }

    /**
     * Launches {@code kernel} with that much dynamic shared memory from now on, allowing it up to {@code maxBytes}
     * (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, which a kernel needs past 48 KB).
     */
    void setDynamicShared(String kernel, int bytes, int maxBytes) throws GpuUnavailableException {
        CUfunction f = functions.get(kernel);
        if (f == null) {
            throw new GpuUnavailableException("kernel " + kernel + " is not loaded on " + name);
        }
        if (maxBytes > 48 * 1024) {
            require(jcuda.driver.JCudaDriver.cuFuncSetAttribute(f,
                    jcuda.driver.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, maxBytes),
                    "cuFuncSetAttribute(" + kernel + ", MAX_DYNAMIC_SHARED_SIZE_BYTES, " + maxBytes + ")");
        }
        dynamicShared.put(kernel, bytes);
    }

    /** The dynamic shared memory {@code kernel} is launched with: 0 unless {@link #setDynamicShared} said. */
    int dynamicShared(String kernel) {
        return dynamicShared.getOrDefault(kernel, 0);
    }

    /** Waits until every queued launch and copy is done; reports asynchronous kernel errors. */
    void synchronize() {
        check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cuCtxSetCurrent(context);
        for (CUmodule m : modules) {
            cuModuleUnload(m);
        }
        modules.clear();
        functions.clear();
        cuDevicePrimaryCtxRelease(device);
    }

    private void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new GpuException(call + " on " + name + " failed: " + CUresult.stringFor(result));
        }
    }

    private static void require(int result, String call) throws GpuUnavailableException {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new GpuUnavailableException(call + " failed: " + CUresult.stringFor(result));
        }
    }

    private static boolean isNull(CUdeviceptr p) {
        return p.equals(new CUdeviceptr());
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8).trim();
    }
}
