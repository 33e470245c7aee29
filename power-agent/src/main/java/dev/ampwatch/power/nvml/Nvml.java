package dev.ampwatch.power.nvml;

import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_ERROR_FUNCTION_NOT_FOUND;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_SUCCESS;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.ampwatch.power.PowerSourceException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * A loaded NVML library with checked calls: every method returns the value or throws an {@link
 * NvmlException} naming the function, the device and {@code nvmlErrorString}; a function the
 * library lacks is reported as {@code NVML_ERROR_FUNCTION_NOT_FOUND}. Unsigned C values come back
 * as non-negative {@code long}s. Thread-safe (NVML is).
 *
 * <h2>How the library is found</h2>
 * {@link #load(String)} hands the name to JNA's {@link Native#load(String, Class)}:
 * <ul>
 *   <li>a plain name ({@code "nvidia-ml"}, the default) becomes {@code libnvidia-ml.so}, searched
 *       in {@code jna.library.path}, then by the system loader ({@code LD_LIBRARY_PATH}, the
 *       {@code ld.so} cache), then in the system library directories, where JNA also accepts a
 *       versioned file such as {@code libnvidia-ml.so.1} when the unversioned link (which only
 *       the driver's development package installs) is missing. For the default name, {@link
 *       #SONAME} is tried as well, which the dynamic loader resolves like any {@code DT_NEEDED}
 *       entry;
 *   <li>a name with a {@code /} is a file path, loaded as it is.
 * </ul>
 */
public final class Nvml {

    /** The default library name: JNA maps it to {@code libnvidia-ml.so}. */
    public static final String DEFAULT_LIBRARY = "nvidia-ml";
    /** The soname the NVIDIA driver installs. */
    public static final String SONAME = "libnvidia-ml.so.1";

    static final String NOT_FOUND_REASON = SONAME + " not found: no NVIDIA driver on this host "
            + "(install the driver, or set " + NvmlSource.LIBRARY + " to its path)";

    private final NvmlLibrary lib;
    private final String library;

    private Nvml(NvmlLibrary lib, String library) {
        this.lib = lib;
        this.library = library;
    }

    /**
     * Loads NVML (see the class comment for how {@code library} is resolved).
     *
     * @throws PowerSourceException when it cannot be loaded; the message is a reason for the user
     */
    public static Nvml load(String library) throws PowerSourceException {
        Objects.requireNonNull(library, "library");
        String name = library.strip();
        if (name.isEmpty() || name.equals(DEFAULT_LIBRARY)) {
            try {
                return new Nvml(Native.load(DEFAULT_LIBRARY, NvmlLibrary.class), DEFAULT_LIBRARY);
            } catch (UnsatisfiedLinkError first) {
                try {
                    return new Nvml(Native.load(SONAME, NvmlLibrary.class), SONAME);
                } catch (UnsatisfiedLinkError e) {
                    throw new PowerSourceException(missing(e) ? NOT_FOUND_REASON
                            : SONAME + " could not be loaded: " + firstLine(e), e);
                } catch (LinkageError | RuntimeException e) {
                    throw jnaFailure(e);
                }
            } catch (LinkageError | RuntimeException e) {
                throw jnaFailure(e);
            }
        }
        if (name.contains("/") && !exists(name)) {
            throw new PowerSourceException("NVML library " + name + " not found (" + NvmlSource.LIBRARY
                    + " names a file that does not exist)");
        }
        if (name.contains("/") && Files.isDirectory(Path.of(name))) {
            throw new PowerSourceException("NVML library " + name + " is a directory (" + NvmlSource.LIBRARY
                    + " names the library file, e.g. /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1)");
        }
        try {
            return new Nvml(Native.load(name, NvmlLibrary.class), name);
        } catch (UnsatisfiedLinkError e) {
            if (name.contains("/")) { // the file exists: JNA's last word is its resource-path search, the loader's is suppressed
                throw new PowerSourceException("NVML library " + name + " exists but could not be loaded (" + NvmlSource.LIBRARY
                        + "): " + loaderCause(e), e);
            }
            throw new PowerSourceException("NVML library " + name + (missing(e) ? " not found" : " could "
                    + "not be loaded") + " (" + NvmlSource.LIBRARY + "): " + firstLine(e), e);
        } catch (LinkageError | RuntimeException e) {
            throw jnaFailure(e);
        }
    }

    private static boolean exists(String path) {
        try {
            return Files.exists(Path.of(path));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** The dynamic loader's own reason (an invalid ELF header, a wrong architecture) among JNA's attempts, else JNA's. */
    private static String loaderCause(UnsatisfiedLinkError e) {
        for (Throwable t : e.getSuppressed()) {
            String m = String.valueOf(t.getMessage());
            if (!m.contains("resource path")) {
                return m.lines().findFirst().orElse(m);
            }
        }
        return firstLine(e);
    }

    private static boolean missing(UnsatisfiedLinkError e) {
        String msg = String.valueOf(e.getMessage());
        return msg.contains("No such file") || msg.contains("not found");
    }

    private static String firstLine(Throwable e) {
        String msg = String.valueOf(e.getMessage()).strip();
        // JNA lists every attempt, one per line; the dlopen error of the last is the useful part.
        String[] lines = msg.split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank() && !lines[i].startsWith("Unable to load library")) {
                return lines[i].strip();
            }
        }
        return lines[0];
    }

    private static PowerSourceException jnaFailure(Throwable e) {
        return new PowerSourceException("NVML could not be loaded through JNA: " + e, e);
    }

    /** The name or path the library was loaded under. */
    public String library() {
        return library;
    }

    public void init() throws NvmlException {
        call("nvmlInit_v2", null, lib::nvmlInit_v2);
    }

    public void shutdown() throws NvmlException {
        call("nvmlShutdown", null, lib::nvmlShutdown);
    }

    public int deviceCount() throws NvmlException {
        IntByReference count = new IntByReference();
        call("nvmlDeviceGetCount_v2", null, () -> lib.nvmlDeviceGetCount_v2(count));
        return count.getValue();
    }

    public Pointer handle(int index, String device) throws NvmlException {
        PointerByReference handle = new PointerByReference();
        call("nvmlDeviceGetHandleByIndex_v2", device, () -> lib.nvmlDeviceGetHandleByIndex_v2(index, handle));
        return handle.getValue();
    }

    public String name(Pointer handle, String device) throws NvmlException {
        byte[] buf = new byte[NvmlLibrary.NVML_DEVICE_NAME_V2_BUFFER_SIZE];
        call("nvmlDeviceGetName", device, () -> lib.nvmlDeviceGetName(handle, buf, buf.length));
        return Native.toString(buf, StandardCharsets.UTF_8);
    }

    public String uuid(Pointer handle, String device) throws NvmlException {
        byte[] buf = new byte[NvmlLibrary.NVML_DEVICE_UUID_V2_BUFFER_SIZE];
        call("nvmlDeviceGetUUID", device, () -> lib.nvmlDeviceGetUUID(handle, buf, buf.length));
        return Native.toString(buf, StandardCharsets.UTF_8);
    }

    /** {@code nvmlDeviceArchitecture_t} ({@code NVML_DEVICE_ARCH_*}; UNKNOWN is {@code -1}). */
    public int architecture(Pointer handle, String device) throws NvmlException {
        IntByReference arch = new IntByReference();
        call("nvmlDeviceGetArchitecture", device, () -> lib.nvmlDeviceGetArchitecture(handle, arch));
        return arch.getValue();
    }

    /** nvmlDeviceGetPowerUsage in milliwatts. */
    public long powerUsageMw(Pointer handle, String device) throws NvmlException {
        IntByReference mw = new IntByReference();
        call("nvmlDeviceGetPowerUsage", device, () -> lib.nvmlDeviceGetPowerUsage(handle, mw));
        return Integer.toUnsignedLong(mw.getValue());
    }

    /**
     * nvmlDeviceGetTotalEnergyConsumption in millijoules (an unsigned 64-bit counter; a value
     * above {@link Long#MAX_VALUE} mJ, 292 million years at 1 kW, is reported as an error).
     */
    public long totalEnergyMj(Pointer handle, String device) throws NvmlException {
        return totalEnergyMj(handle, device, new LongByReference());
    }

    /** {@link #totalEnergyMj(Pointer, String)} into a caller's reusable buffer (a sampler's, every tick). */
    long totalEnergyMj(Pointer handle, String device, LongByReference mj) throws NvmlException {
        String function = "nvmlDeviceGetTotalEnergyConsumption";
        call(function, device, () -> lib.nvmlDeviceGetTotalEnergyConsumption(handle, mj));
        if (mj.getValue() < 0) {
            throw new NvmlException(function, device, NvmlLibrary.NVML_ERROR_UNKNOWN,
                    "implausible counter " + Long.toUnsignedString(mj.getValue()) + " mJ");
        }
        return mj.getValue();
    }

    /**
     * nvmlDeviceGetFieldValues for the fields of {@code values} (scope 0, the GPU), into it. The
     * call itself failing throws; each value carries its own {@code nvmlReturn}.
     */
    void fieldValues(Pointer handle, String device, FieldValues values) throws NvmlException {
        Pointer buffer = values.prepare();
        call("nvmlDeviceGetFieldValues", device,
                () -> lib.nvmlDeviceGetFieldValues(handle, values.count(), buffer));
    }

    public NvmlLibrary.Utilization utilization(Pointer handle, String device) throws NvmlException {
        return utilization(handle, device, new NvmlLibrary.Utilization());
    }

    /** Into a caller's reusable structure (allocating one costs more than the call). */
    NvmlLibrary.Utilization utilization(Pointer handle, String device, NvmlLibrary.Utilization u)
            throws NvmlException {
        call("nvmlDeviceGetUtilizationRates", device, () -> lib.nvmlDeviceGetUtilizationRates(handle, u));
        return u;
    }

    public NvmlLibrary.Memory memory(Pointer handle, String device) throws NvmlException {
        return memory(handle, device, new NvmlLibrary.Memory());
    }

    /** Into a caller's reusable structure. */
    NvmlLibrary.Memory memory(Pointer handle, String device, NvmlLibrary.Memory m) throws NvmlException {
        call("nvmlDeviceGetMemoryInfo", device, () -> lib.nvmlDeviceGetMemoryInfo(handle, m));
        return m;
    }

    /** GPU die temperature in °C. */
    public long temperatureC(Pointer handle, String device) throws NvmlException {
        IntByReference t = new IntByReference();
        call("nvmlDeviceGetTemperature", device,
                () -> lib.nvmlDeviceGetTemperature(handle, NvmlLibrary.NVML_TEMPERATURE_GPU, t));
        return Integer.toUnsignedLong(t.getValue());
    }

    /** Current SM clock in MHz. */
    public long smClockMhz(Pointer handle, String device) throws NvmlException {
        IntByReference mhz = new IntByReference();
        call("nvmlDeviceGetClockInfo", device,
                () -> lib.nvmlDeviceGetClockInfo(handle, NvmlLibrary.NVML_CLOCK_SM, mhz));
        return Integer.toUnsignedLong(mhz.getValue());
    }

    /** {@code nvmlErrorString}, or a fallback when the library cannot say. */
    public String errorString(int code) {
        try {
            String s = lib.nvmlErrorString(code);
            return s == null || s.isBlank() ? "unknown error" : s;
        } catch (LinkageError e) {
            return "unknown error";
        }
    }

    private void call(String function, String device, IntSupplier nativeCall) throws NvmlException {
        int rc;
        try {
            rc = nativeCall.getAsInt();
        } catch (UnsatisfiedLinkError e) {
            throw new NvmlException(function, device, NVML_ERROR_FUNCTION_NOT_FOUND,
                    "function not found in " + library);
        }
        if (rc != NVML_SUCCESS) {
            throw new NvmlException(function, device, rc, errorString(rc));
        }
    }
}
