package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.energy.RunTracker;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class RunIdCheckTest {
    /** The check refuses an id exactly as long as the analyzer does. */
    @Test
    void theCheckRemembersAnIdAsLongAsTheAnalyzer() {
        assertThat(RunIdCheck.REMEMBERED).isEqualTo(Duration.of(RunTracker.FINALIZED_MEMORY_US, ChronoUnit.MICROS));
    }
}
