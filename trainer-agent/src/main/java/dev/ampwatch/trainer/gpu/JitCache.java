package dev.ampwatch.trainer.gpu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The driver's cache of JIT-compiled PTX ({@code CUDA_CACHE_PATH}, by default {@code ~/.nv/ComputeCache};
 * {@code CUDA_CACHE_DISABLE=1} turns it off). Where the driver cannot write it, as in a container with a read-only
 * home, every start JIT-compiles the kernels again: seconds before the first step, charged to the first run. This
 * says so before it happens. Stateless.
 */
final class JitCache {
    private JitCache() {}

    /** The directory the driver caches in, from the environment and the home directory. */
    static Path directory(Map<String, String> env, String userHome) {
        String path = env.get("CUDA_CACHE_PATH");
        return path != null && !path.isBlank() ? Path.of(path) : Path.of(userHome, ".nv", "ComputeCache");
    }

    /** Why the cache will not be used (disabled, or not writable), or null when the driver can write it. */
    static String problem(Map<String, String> env, String userHome) {
        if ("1".equals(env.get("CUDA_CACHE_DISABLE"))) {
            return "the driver's JIT cache is disabled (CUDA_CACHE_DISABLE=1): every start JIT-compiles the PTX kernels";
        }
        Path dir = directory(env, userHome);
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent(); // the driver creates what is missing below the nearest existing directory
        }
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
            return "the driver cannot write its JIT cache at " + dir + ": every start JIT-compiles the PTX kernels (seconds, "
                    + "charged to the first run); set CUDA_CACHE_PATH to a writable directory";
        }
        return null;
    }
}
