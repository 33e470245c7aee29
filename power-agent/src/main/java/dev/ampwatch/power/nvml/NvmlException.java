package dev.ampwatch.power.nvml;

import dev.ampwatch.power.PowerSourceException;
import java.util.Optional;

/**
 * An NVML call returned an error: names the function, the device (when the call was about one)
 * and NVML's own description ({@code nvmlErrorString}), e.g. {@code
 * "nvmlDeviceGetPowerUsage(gpu1) failed: GPU is lost (NVML error 15)"}.
 */
public final class NvmlException extends PowerSourceException {
    private static final long serialVersionUID = 1L;

    private final String function;
    private final String device;
    private final int returnCode;

    public NvmlException(String function, String device, int returnCode, String errorString) {
        super(function + (device == null ? "" : "(" + device + ")") + " failed: " + errorString
                + " (NVML error " + returnCode + ")");
        this.function = function;
        this.device = device;
        this.returnCode = returnCode;
    }

    /** The NVML function that failed, e.g. {@code "nvmlInit_v2"}. */
    public String function() {
        return function;
    }

    /** The device id ({@code "gpu0"}) the call was about, if any. */
    public Optional<String> device() {
        return Optional.ofNullable(device);
    }

    /** The {@code nvmlReturn_t}. */
    public int returnCode() {
        return returnCode;
    }

    /**
     * True when asking again is pointless: the device does not support the call ({@code
     * NVML_ERROR_NOT_SUPPORTED}) or the driver does not have the function ({@code
     * NVML_ERROR_FUNCTION_NOT_FOUND}).
     */
    public boolean unsupported() {
        return returnCode == NvmlLibrary.NVML_ERROR_NOT_SUPPORTED
                || returnCode == NvmlLibrary.NVML_ERROR_FUNCTION_NOT_FOUND;
    }
}
