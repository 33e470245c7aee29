package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JitCacheTest {
    @Test
    void aWritableCacheOrOneThatCanBeCreatedIsFine(@TempDir Path home) {
        assertThat(JitCache.directory(Map.of(), home.toString())).isEqualTo(home.resolve(".nv").resolve("ComputeCache"));
        assertThat(JitCache.problem(Map.of(), home.toString())).isNull(); // ~/.nv does not exist yet: the driver creates it
        assertThat(JitCache.problem(Map.of("CUDA_CACHE_PATH", home.resolve("cache").toString()), "/nonexistent")).isNull();
    }

    @Test
    void aDisabledOrReadOnlyCacheIsNamed(@TempDir Path home) throws Exception {
        assertThat(JitCache.problem(Map.of("CUDA_CACHE_DISABLE", "1"), home.toString())).contains("CUDA_CACHE_DISABLE=1");
        Path readOnly = Files.createDirectory(home.resolve("ro"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Path cache = readOnly.resolve("cache");
            String problem = JitCache.problem(Map.of("CUDA_CACHE_PATH", cache.toString()), home.toString());
            if (Files.isWritable(readOnly)) { // root may write anyway: then the driver can too
                assertThat(problem).isNull();
            } else {
                assertThat(problem).contains("cannot write its JIT cache at " + cache).contains("set CUDA_CACHE_PATH");
            }
            Path file = Files.writeString(home.resolve("a-file"), "x");
            assertThat(JitCache.problem(Map.of("CUDA_CACHE_PATH", file.resolve("cache").toString()), home.toString()))
                    .as("below a file: no directory can be made there, even by root").contains("cannot write its JIT cache");
        } finally {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
