package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.power.PowerAgentConfig;
import dev.ampwatch.power.metrics.AgentStats;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** An agent that delivered nothing of what it read says so and exits non-zero (issue 11). */
class PowerAgentExitTest {
    @Test
    void nothingDeliveredIsExitThreeAnythingDeliveredOrNothingReadIsZero() {
        PowerAgentConfig config = PowerAgentConfig.defaults();
        AgentStats stats = new AgentStats();
        assertThat(PowerAgentCommand.exitCode(stats, config)).as("nothing read").isZero();
        stats.source("nvml").read(8, Instant.now());
        stats.source("nvml").sendFailed();
        assertThat(PowerAgentCommand.exitCode(stats, config)).as("read, none delivered").isEqualTo(3);
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(PowerAgentCommand.exitCode(stats, config, "10.0.0.7:9092")).isEqualTo(3);
        } finally {
            System.setErr(err);
        }
        assertThat(said.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("check the broker address (10.0.0.7:9092)");
        stats.source("rapl").read(4, Instant.now());
        stats.source("rapl").published();
        assertThat(PowerAgentCommand.exitCode(stats, config)).as("some delivered").isZero();
    }
}
