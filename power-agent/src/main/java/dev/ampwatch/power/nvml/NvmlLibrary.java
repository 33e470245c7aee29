package dev.ampwatch.power.nvml;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The JNA interface mapping of the NVML functions ampwatch calls, with the enum values, buffer
 * sizes and struct layouts of NVIDIA's {@code nvml.h}. Every function returns an {@code
 * nvmlReturn_t}; {@link Nvml} turns codes other than {@link #NVML_SUCCESS} into {@link
 * NvmlException}s. C {@code unsigned int} is a Java {@code int} and {@code unsigned long long} a
 * {@code long}: read them with {@link Integer#toUnsignedLong} / {@link Long#toUnsignedString}.
 *
 * <p>JNA binds a function when it is first called, so a driver older than a function (e.g. no
 * {@code nvmlDeviceGetFieldValues}) fails only that call, with an {@link UnsatisfiedLinkError}
 * that {@link Nvml} reports as {@link #NVML_ERROR_FUNCTION_NOT_FOUND}.
 *
 * <p>Public only because JNA's proxies and structures need it; use {@link Nvml} instead.
 */
public interface NvmlLibrary extends Library {

    // nvmlReturn_t (nvml.h)
    int NVML_SUCCESS = 0;
    int NVML_ERROR_UNINITIALIZED = 1;
    int NVML_ERROR_INVALID_ARGUMENT = 2;
    int NVML_ERROR_NOT_SUPPORTED = 3;
    int NVML_ERROR_NO_PERMISSION = 4;
    int NVML_ERROR_DRIVER_NOT_LOADED = 9;
    int NVML_ERROR_LIBRARY_NOT_FOUND = 12;
    int NVML_ERROR_FUNCTION_NOT_FOUND = 13;
    int NVML_ERROR_GPU_IS_LOST = 15;
    int NVML_ERROR_UNKNOWN = 999;

    /** NVML_DEVICE_NAME_V2_BUFFER_SIZE: large enough for nvmlDeviceGetName. */
    int NVML_DEVICE_NAME_V2_BUFFER_SIZE = 96;
    /** NVML_DEVICE_UUID_V2_BUFFER_SIZE: large enough for nvmlDeviceGetUUID. */
    int NVML_DEVICE_UUID_V2_BUFFER_SIZE = 96;

    /** nvmlTemperatureSensors_t: the GPU die. */
    int NVML_TEMPERATURE_GPU = 0;
    /** nvmlClockType_t: the SM clock domain. */
    int NVML_CLOCK_SM = 1;

    /** Field id: GPU power averaged over 1 s, in mW (Ampere, except GA100, and newer). */
    int NVML_FI_DEV_POWER_AVERAGE = 185;
    /** Field id: current GPU power in mW, supported on all architectures (with a new driver). */
    int NVML_FI_DEV_POWER_INSTANT = 186;

    // nvmlValueType_t
    int NVML_VALUE_TYPE_DOUBLE = 0;
    int NVML_VALUE_TYPE_UNSIGNED_INT = 1;
    int NVML_VALUE_TYPE_UNSIGNED_LONG = 2;
    int NVML_VALUE_TYPE_UNSIGNED_LONG_LONG = 3;
    int NVML_VALUE_TYPE_SIGNED_LONG_LONG = 4;

    // nvmlDeviceArchitecture_t
    int NVML_DEVICE_ARCH_KEPLER = 2;
    int NVML_DEVICE_ARCH_MAXWELL = 3;
    int NVML_DEVICE_ARCH_PASCAL = 4;
    int NVML_DEVICE_ARCH_VOLTA = 5;
    int NVML_DEVICE_ARCH_TURING = 6;
    int NVML_DEVICE_ARCH_AMPERE = 7;
    int NVML_DEVICE_ARCH_ADA = 8;
    int NVML_DEVICE_ARCH_HOPPER = 9;
    int NVML_DEVICE_ARCH_BLACKWELL = 10;
    /** 0xffffffff: "anything else, presumably something newer". */
    int NVML_DEVICE_ARCH_UNKNOWN = 0xffffffff;

    int nvmlInit_v2();

    int nvmlShutdown();

    /** {@code const char* nvmlErrorString(nvmlReturn_t)}: a static string, never freed. */
    String nvmlErrorString(int result);

    int nvmlDeviceGetCount_v2(IntByReference deviceCount);

    int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

    int nvmlDeviceGetName(Pointer device, byte[] name, int length);

    int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length);

    int nvmlDeviceGetArchitecture(Pointer device, IntByReference arch);

    /** Power in mW. */
    int nvmlDeviceGetPowerUsage(Pointer device, IntByReference power);

    /** Energy in mJ since the driver was last reloaded (Volta and newer). */
    int nvmlDeviceGetTotalEnergyConsumption(Pointer device, LongByReference energy);

    /** {@code values}: {@code valuesCount} contiguous {@code nvmlFieldValue_t}s (see {@link FieldValues}). */
    int nvmlDeviceGetFieldValues(Pointer device, int valuesCount, Pointer values);

    int nvmlDeviceGetUtilizationRates(Pointer device, Utilization utilization);

    int nvmlDeviceGetMemoryInfo(Pointer device, Memory memory);

    int nvmlDeviceGetTemperature(Pointer device, int sensorType, IntByReference temp);

    int nvmlDeviceGetClockInfo(Pointer device, int type, IntByReference clock);

    /** {@code nvmlUtilization_t}: percent of the last sample period (1/6 s to 1 s). */
    @Structure.FieldOrder({"gpu", "memory"})
    class Utilization extends Structure {
        public int gpu;
        public int memory;
    }

    /** {@code nvmlMemory_t}: frame buffer memory in bytes. */
    @Structure.FieldOrder({"total", "free", "used"})
    class Memory extends Structure {
        public long total;
        public long free;
        public long used;
    }

}
