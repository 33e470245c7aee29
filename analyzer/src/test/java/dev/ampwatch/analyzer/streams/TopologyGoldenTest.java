package dev.ampwatch.analyzer.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The topology's shape is a contract: its internal topic and store names are what a running deployment
 * has on its brokers. A change here needs a migration note; then regenerate the golden file with
 * {@code -Dampwatch.golden.update=true}.
 */
class TopologyGoldenTest {
    static final Path GOLDEN = Path.of("src", "test", "resources", "golden", "topology.txt");

    @Test
    void topologyMatchesTheGoldenDescription() throws IOException {
        String actual = AnalyzerTopology.buildTopology(AnalyzerConfig.defaults(), AnalyzerListener.NONE).describe().toString();
        if (Boolean.getBoolean("ampwatch.golden.update")) {
            Files.createDirectories(GOLDEN.getParent());
            Files.writeString(GOLDEN, actual, StandardCharsets.UTF_8);
        }
        assertThat(actual)
                .as("topology changed; if on purpose, rerun with -Dampwatch.golden.update=true and note the migration")
                .isEqualTo(Files.readString(GOLDEN, StandardCharsets.UTF_8));
    }
}
