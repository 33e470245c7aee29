package dev.ampwatch.trainer.gpu;

import java.util.Locale;

/**
 * Loads JCuda's driver-API binding (libJCudaDriver, which JCuda extracts from its natives jar) once
 * per JVM and turns a failure into a reason a user can act on. The binding links against
 * {@code libcuda.so.1}, the NVIDIA driver's library; without a driver the load fails with an
 * {@link UnsatisfiedLinkError}, which is caught here: CPU-only machines lose nothing.
 *
 * <p>Thread-safe.
 */
final class NativeLoad {
    /** The reason given when the driver library is missing. */
    static final String NO_LIBCUDA = "libcuda.so.1 not found (no NVIDIA driver installed)";

    private static String failure;
    private static boolean tried;

    private NativeLoad() {}

    /** Null when the binding is loaded, else why not. Only the first call tries to load. */
    static synchronized String failure() {
        if (!tried) {
            tried = true;
            try {
                jcuda.driver.JCudaDriver.setExceptionsEnabled(false); // runs JCudaDriver's static initializer
            } catch (LinkageError | SecurityException e) {
                failure = classify(e);
            }
        }
        return failure;
    }

    /** The reason for a failed load of the binding, from the error JCuda's loader threw. */
    static String classify(Throwable error) {
        String text = messages(error);
        if (text.contains("libcuda.so")) {
            return NO_LIBCUDA;
        }
        if (text.contains("nvcuda.dll")) {
            return "nvcuda.dll not found (no NVIDIA driver installed)";
        }
        if (text.contains("Could not initialize class")) {
            return "JCuda's driver binding failed to load earlier in this JVM";
        }
        String detail = specificLine(text);
        return "JCuda's driver binding could not be loaded (" + System.getProperty("os.name", "?").toLowerCase(Locale.ROOT)
                + "/" + System.getProperty("os.arch", "?") + "): " + detail;
    }

    private static String messages(Throwable error) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause()) {
            b.append(t).append('\n');
        }
        return b.toString();
    }

    /** The line of JCuda's multi-line message that says what the dynamic linker missed. */
    private static String specificLine(String text) {
        for (String line : text.split("\n")) {
            if (line.contains("cannot open shared object") || line.contains("undefined symbol")
                    || line.contains("wrong ELF class")) {
                return line.trim();
            }
        }
        String first = text.split("\n", 2)[0].trim();
        return first.isEmpty() ? "unknown error" : first;
    }
}
