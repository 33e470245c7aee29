package dev.ampwatch.power.nvml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.power.Availability;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An nvml.library that exists but is no loadable library says so, with the loader's reason: a review got "not found in
 * resource path (ampwatch.jar)" with the path's leading '/' cut off, for a text file and for a directory.
 */
class NvmlLibraryPathTest {
    @TempDir
    Path tmp;

    @Test
    void aFileThatIsNoLibraryIsSaidToExistWithTheLoadersReason() throws Exception {
        Path text = Files.writeString(tmp.resolve("notalib.so"), "not a shared library\n");
        Availability a = new NvmlSource(text.toString()).availability();
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).startsWith("NVML library " + text + " exists but could not be loaded (nvml.library): ")
                .doesNotContain("resource path");
    }

    @Test
    void aDirectoryIsSaidToBeOne() {
        Availability a = new NvmlSource(tmp.toString()).availability();
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).startsWith("NVML library " + tmp + " is a directory (nvml.library names the library file");
    }
}
