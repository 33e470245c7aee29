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
        stats.source("rapl").read(4, Instant.now());
        stats.source("rapl").published();
        assertThat(PowerAgentCommand.exitCode(stats, config)).as("some delivered").isZero();
    }
}
