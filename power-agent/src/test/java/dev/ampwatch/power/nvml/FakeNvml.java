package dev.ampwatch.power.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fake libnvidia-ml.so.1 built from {@code src/test/c/fake_nvml.c} by the test build (see
 * power-agent/pom.xml), and its test hooks. Tests using it are skipped when it was not built (no
 * gcc).
 */
final class FakeNvml {

    /** The test hooks the fake exports besides NVML. */
    interface Hooks extends Library {
        int fake_nvml_configure(String path);

        int fake_nvml_init_count();

        int fake_nvml_shutdown_count();

        int fake_nvml_refcount();

        long fake_nvml_call_count(String function);
    }

    private final Path library;
    private final Hooks hooks;
    private final Path scriptDir;

    private FakeNvml(Path library, Path scriptDir) {
        this.library = library;
        this.hooks = Native.load(library.toString(), Hooks.class);
        this.scriptDir = scriptDir;
    }

    /** The current fake (or the legacy build, without field values, architecture and energy). */
    static FakeNvml load(boolean legacy, Path scriptDir) {
        Path lib = built(legacy);
        assumeTrue(Files.isRegularFile(lib), "the fake NVML library was not built (" + lib
                + " is missing: is gcc installed? it is compiled by power-agent/pom.xml in "
                + "process-test-classes); skipping the NVML binding tests");
        return new FakeNvml(lib, scriptDir);
    }

    static Path built(boolean legacy) {
        Path base = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        return base.resolve("target").resolve(legacy ? "fake-nvml-legacy" : "fake-nvml")
                .resolve("libnvidia-ml.so.1");
    }

    /** Absolute path, for {@code nvml.library}. */
    String path() {
        return library.toString();
    }

    /** Loads a script (key=value lines, see fake_nvml.c) and resets every counter of the fake. */
    FakeNvml script(String... lines) {
        try {
            Path file = Files.createTempFile(scriptDir, "fake-nvml", ".conf");
            Files.writeString(file, String.join("\n", lines) + "\n");
            assertThat(hooks.fake_nvml_configure(file.toString())).as("script accepted").isZero();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int initCount() {
        return hooks.fake_nvml_init_count();
    }

    int shutdownCount() {
        return hooks.fake_nvml_shutdown_count();
    }

    /** nvmlInit_v2 calls not yet matched by nvmlShutdown. */
    int refcount() {
        return hooks.fake_nvml_refcount();
    }

    long calls(String function) {
        return hooks.fake_nvml_call_count(function);
    }
}
