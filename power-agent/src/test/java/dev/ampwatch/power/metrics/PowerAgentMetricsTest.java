package dev.ampwatch.power.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.power.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PowerAgentMetricsTest {
    private final FakeClock clock = new FakeClock(Instant.parse("2026-12-02T12:00:00Z"));

    /** A RAPL zone whose counter stops being readable ages on its own while the source's other zones keep it fresh. */
    @Test
    void aDeviceThatStopsBeingReadAgesWhileItsSourceStaysFresh() {
        AgentStats stats = new AgentStats();
        SourceStats rapl = stats.source("rapl");
        rapl.deviceRead("package-0", clock.instant()); // read before the meters are bound: registered at binding
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        new PowerAgentMetrics(stats, List.of("rapl"), clock).bindTo(meters);
        rapl.deviceRead("package-0/dram", clock.instant());

        for (int i = 0; i < 30; i++) {
            Instant t = clock.advance(Duration.ofSeconds(1));
            rapl.read(1, t);
            rapl.deviceRead("package-0", t);
        }
        assertThat(age(meters, "rapl", "package-0")).isZero();
        assertThat(age(meters, "rapl", "package-0/dram")).isEqualTo(30.0);
        assertThat(meters.get("ampwatch.power.sample.age").tag("source", "rapl").gauge().value()).isZero();
    }

    private static double age(SimpleMeterRegistry meters, String source, String device) {
        return meters.get("ampwatch.power.device.sample.age").tag("source", source).tag("device", device).gauge().value();
    }
}
