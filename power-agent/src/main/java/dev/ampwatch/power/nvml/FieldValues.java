package dev.ampwatch.power.nvml;

import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_VALUE_TYPE_DOUBLE;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_VALUE_TYPE_SIGNED_LONG_LONG;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_VALUE_TYPE_UNSIGNED_INT;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_VALUE_TYPE_UNSIGNED_LONG;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_VALUE_TYPE_UNSIGNED_LONG_LONG;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * A reusable native array of {@code nvmlFieldValue_t} for {@code nvmlDeviceGetFieldValues}, read by
 * offset: a sampler asks for the same fields every tick, so the buffer is allocated once and no
 * JNA {@code Structure} is marshalled by reflection on each call (that cost the agent a sampler
 * thread's worth of CPU, docs/benchmarks.md). Layout of {@code nvml.h} on LP64 (Linux x86-64 and
 * aarch64): 40 bytes per value, {@code fieldId} at 0, {@code scopeId} at 4, {@code timestamp} at
 * 8, {@code latencyUsec} at 16, {@code valueType} at 24, {@code nvmlReturn} at 28, the 8-byte
 * {@code nvmlValue_t} union at 32. Not thread-safe.
 */
final class FieldValues {
    /** {@code sizeof(nvmlFieldValue_t)}. */
    static final int SIZE = 40;
    private static final int VALUE_TYPE = 24;
    private static final int RETURN = 28;
    private static final int VALUE = 32;

    private final int[] fieldIds;
    private final Memory memory;

    FieldValues(int... fieldIds) {
        this.fieldIds = fieldIds.clone();
        this.memory = new Memory((long) SIZE * fieldIds.length);
    }

    int count() {
        return fieldIds.length;
    }

    /** The buffer with every value cleared and its field id and scope (0, the GPU) set: ready for a call. */
    Pointer prepare() {
        memory.clear();
        for (int i = 0; i < fieldIds.length; i++) {
            memory.setInt((long) SIZE * i, fieldIds[i]);
        }
        return memory;
    }

    /** The {@code nvmlReturn_t} of value {@code i}. */
    int nvmlReturn(int i) {
        return memory.getInt((long) SIZE * i + RETURN);
    }

    /** Value {@code i} as a number, by its {@code valueType}; NaN for a type this binding does not know. */
    double asDouble(int i) {
        long at = (long) SIZE * i + VALUE;
        return switch (memory.getInt((long) SIZE * i + VALUE_TYPE)) {
            case NVML_VALUE_TYPE_DOUBLE -> memory.getDouble(at);
            case NVML_VALUE_TYPE_UNSIGNED_INT -> Integer.toUnsignedLong(memory.getInt(at));
            // unsigned long is 8 bytes on LP64
            case NVML_VALUE_TYPE_UNSIGNED_LONG, NVML_VALUE_TYPE_UNSIGNED_LONG_LONG -> unsigned(memory.getLong(at));
            case NVML_VALUE_TYPE_SIGNED_LONG_LONG -> memory.getLong(at);
            default -> Double.NaN;
        };
    }

    private static double unsigned(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }
}
