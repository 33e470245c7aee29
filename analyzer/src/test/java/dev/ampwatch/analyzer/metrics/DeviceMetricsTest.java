package dev.ampwatch.analyzer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.LiveDevice;
import dev.ampwatch.analyzer.TestClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceMetricsTest {
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final TestClock clock = new TestClock(Instant.parse("2026-11-30T00:00:00Z"));
    /** The clock's start in microseconds: attributed times near it are live. */
    static final long NOW_US = Instant.parse("2026-11-30T00:00:00Z").toEpochMilli() * 1000;
    final DeviceMetrics metrics = new DeviceMetrics(registry, Duration.ofMinutes(10), clock);

    @Test
    void seriesPerDeviceWithUnitsAndAnIdleBaselineOnlyOnceThereIsOne() {
        metrics.update("rig", 5_000_000, List.of(new LiveDevice("GPU", "gpu0", 250.0, 1000.0, 600.0, Double.NaN)));
        String scrape = registry.scrape();
        assertThat(scrape).contains("ampwatch_device_power_watts{component=\"GPU\",device=\"gpu0\",host=\"rig\"} 250.0")
                .contains("ampwatch_device_energy_joules_total{component=\"GPU\",device=\"gpu0\",host=\"rig\"} 1000.0")
                .contains("ampwatch_device_run_energy_joules_total{component=\"GPU\",device=\"gpu0\",host=\"rig\"} 600.0")
                .contains("ampwatch_host_attributed_until_timestamp_seconds{host=\"rig\"} 5.0")
                .doesNotContain("ampwatch_device_idle_power_watts"); // no NaN series before a baseline exists
        metrics.update("rig", 6_000_000, List.of(new LiveDevice("GPU", "gpu0", 240.0, 1240.0, 600.0, 80.0)));
        assertThat(registry.scrape()).contains("ampwatch_device_idle_power_watts{component=\"GPU\",device=\"gpu0\",host=\"rig\"} 80.0");
    }

    /**
     * The live power is the mean over the last 5 s of attributed time: a counter that steps every 100 ms read every
     * 50 ms gives intervals of 0 W and 200 W for a steady 100 W (an operator review saw the gauge alternate 0 and 202 W).
     */
    @Test
    void theLivePowerIsTheMeanOverTheLastFiveSecondsNotTheLatestInterval() {
        double joules = 0;
        for (int i = 1; i <= 200; i++) { // 10 s of 50 ms intervals
            double watts = i % 2 == 0 ? 200.0 : 0.0;
            joules += watts * 0.05;
            metrics.update("rig", NOW_US + i * 50_000L, List.of(new LiveDevice("GPU", "gpu0", watts, joules, 0.0, Double.NaN)));
        }
        assertThat(registry.scrape()).contains("ampwatch_device_power_watts{component=\"GPU\",device=\"gpu0\",host=\"rig\"} 100.0");
        // a change of draw shows within the window: 5 s at 300 W
        for (int i = 201; i <= 300; i++) {
            joules += 300 * 0.05;
            metrics.update("rig", NOW_US + i * 50_000L, List.of(new LiveDevice("GPU", "gpu0", 300.0, joules, 0.0, Double.NaN)));
        }
        assertThat(registry.scrape()).contains("ampwatch_device_power_watts{component=\"GPU\",device=\"gpu0\",host=\"rig\"} 300.0");
    }

    /** A host with records waiting reads received above attributed; one whose every record is attributed, not above. */
    @Test
    void theReceivedTimeSaysWhetherAHostsRecordsWaitOrItWentQuiet() {
        metrics.update("rig", 5_000_000, List.of());
        assertThat(registry.scrape()).doesNotContain("ampwatch_host_received_until_timestamp_seconds");
        metrics.received("rig", 7_000_000);
        assertThat(registry.scrape()).contains("ampwatch_host_received_until_timestamp_seconds{host=\"rig\"} 7.0");
        metrics.update("rig", 7_000_001, List.of()); // the quiet flush: everything attributed
        metrics.received("rig", 7_000_000);
        assertThat(registry.scrape()).contains("ampwatch_host_received_until_timestamp_seconds{host=\"rig\"} 7.0")
                .contains("ampwatch_host_attributed_until_timestamp_seconds{host=\"rig\"} 7.000001");
    }

    @Test
    void aValueReportedAgainLowerAfterARestartDoesNotMakeTheCounterDip() {
        metrics.update("rig", 9_000_000, List.of(new LiveDevice("GPU", "gpu0", 250.0, 1000.0, 600.0, Double.NaN)));
        // redone from the committed state after a crash: lower for a while, then past the last value
        metrics.update("rig", 8_000_000, List.of(new LiveDevice("GPU", "gpu0", 250.0, 900.0, 500.0, Double.NaN)));
        assertThat(registry.scrape()).contains("ampwatch_device_energy_joules_total{component=\"GPU\",device=\"gpu0\",host=\"rig\"} 1000.0")
                .contains("ampwatch_host_attributed_until_timestamp_seconds{host=\"rig\"} 9.0");
        metrics.update("rig", 10_000_000, List.of(new LiveDevice("GPU", "gpu0", 250.0, 1250.0, 750.0, Double.NaN)));
        assertThat(registry.scrape()).contains("ampwatch_device_energy_joules_total{component=\"GPU\",device=\"gpu0\",host=\"rig\"} 1250.0");
    }

    @Test
    void aDeviceTheHostNoLongerReportsLosesItsSeriesAndTheHostSaysWhenItLastReported() {
        metrics.update("rig", NOW_US + 5_000_000, List.of(new LiveDevice("CPU_PACKAGE", "cpu", 22.7, 100.0, 0.0, Double.NaN)));
        clock.advance(Duration.ofSeconds(30));
        metrics.update("rig", NOW_US + 35_000_000, List.of(new LiveDevice("CPU_PACKAGE", "package-0", 9.5, 50.0, 0.0, Double.NaN)));
        assertThat(registry.scrape()).contains("ampwatch_device_power_watts{component=\"CPU_PACKAGE\",device=\"package-0\",host=\"rig\"} 9.5")
                .doesNotContain("device=\"cpu\"")
                .contains("ampwatch_host_reported_timestamp_seconds{host=\"rig\"} 1.79599683E9"); // 2026-11-30T00:00:30Z
    }

    @Test
    void aHostSilentForTheRetentionLosesItsSeries() {
        metrics.update("rig", 5_000_000, List.of(new LiveDevice("GPU", "gpu0", 250.0, 1000.0, 600.0, 80.0)));
        clock.advance(Duration.ofMinutes(10));
        metrics.retire();
        assertThat(registry.scrape()).contains("host=\"rig\"");
        clock.advance(Duration.ofSeconds(1));
        metrics.retire();
        assertThat(registry.scrape()).doesNotContain("host=\"rig\"");
    }

    /**
     * The reported time says when the attributed time last moved: the first figure this instance gets of a host (after a
     * start, a restore or a partition moving here: the stored time) does not set it, nor does one that did not move
     * (an operator review, 2026-12-02: long-silent hosts counted as live on the fleet panels after every rebalance).
     */
    @Test
    void theReportedTimeWaitsForTheAttributedTimeToMove() {
        metrics.update("rig", NOW_US + 5_000_000, List.of(new LiveDevice("GPU", "gpu0", 250.0, 1000.0, 600.0, 80.0)));
        assertThat(registry.scrape()).contains("ampwatch_host_attributed_until_timestamp_seconds{host=\"rig\"} 1.795996805E9")
                .doesNotContain("ampwatch_host_reported_timestamp_seconds");
        clock.advance(Duration.ofSeconds(10));
        metrics.update("rig", NOW_US + 5_000_000, List.of(new LiveDevice("GPU", "gpu0", 250.0, 1000.0, 600.0, 80.0)));
        assertThat(registry.scrape()).doesNotContain("ampwatch_host_reported_timestamp_seconds");
        clock.advance(Duration.ofSeconds(10));
        metrics.update("rig", NOW_US + 6_000_000, List.of(new LiveDevice("GPU", "gpu0", 250.0, 1250.0, 600.0, 80.0)));
        assertThat(registry.scrape()).contains("ampwatch_host_reported_timestamp_seconds{host=\"rig\"} 1.79599682E9"); // 00:00:20Z
        clock.advance(Duration.ofSeconds(10));
        metrics.update("rig", NOW_US + 6_000_000, List.of(new LiveDevice("GPU", "gpu0", 250.0, 1250.0, 600.0, 80.0)));
        assertThat(registry.scrape()).contains("ampwatch_host_reported_timestamp_seconds{host=\"rig\"} 1.79599682E9");
    }

    /**
     * A replayed trace from last week moves the attributed time, but its watts are not the host's power now: no reported
     * time (the fleet's live-power panels counted them for 2 minutes: a review). Readings of now then set it.
     */
    @Test
    void aReplayOfOldReadingsDoesNotCountAsReporting() {
        long weekAgoUs = NOW_US - Duration.ofDays(7).toNanos() / 1000;
        metrics.update("rig", weekAgoUs, List.of(new LiveDevice("GPU", "gpu0", 50.5, 1000.0, 600.0, 80.0)));
        metrics.update("rig", weekAgoUs + 1_000_000, List.of(new LiveDevice("GPU", "gpu0", 50.5, 1050.5, 600.0, 80.0)));
        assertThat(registry.scrape()).contains("ampwatch_device_power_watts{component=\"GPU\",device=\"gpu0\",host=\"rig\"} 50.5")
                .doesNotContain("ampwatch_host_reported_timestamp_seconds");
        metrics.update("rig", NOW_US - 9 * 60_000_000L, List.of(new LiveDevice("GPU", "gpu0", 60.0, 1100.0, 600.0, 80.0)));
        assertThat(registry.scrape()).contains("ampwatch_host_reported_timestamp_seconds{host=\"rig\"} 1.7959968E9");
    }

    /**
     * A sum over a host's devices counts each joule once: a CPU inside a wall meter is marked out of the host's total
     * (a review: a fleet panel showed 174 W for a host whose wall read 100 W); without the wall it counts.
     */
    @Test
    void devicesInsideAWallMeterAreMarkedOutOfTheHostsTotal() {
        metrics.update("rig", 5_000_000, List.of(new LiveDevice("WALL", "wall", 100.0, 1000.0, 0.0, Double.NaN),
                new LiveDevice("CPU_PACKAGE", "cpu", 65.0, 650.0, 0.0, Double.NaN)));
        assertThat(registry.scrape()).contains("ampwatch_device_counted_in_host{component=\"WALL\",device=\"wall\",host=\"rig\"} 1.0")
                .contains("ampwatch_device_counted_in_host{component=\"CPU_PACKAGE\",device=\"cpu\",host=\"rig\"} 0.0");
        metrics.update("rig", 6_000_000, List.of(new LiveDevice("CPU_PACKAGE", "cpu", 65.0, 715.0, 0.0, Double.NaN)));
        assertThat(registry.scrape()).contains("ampwatch_device_counted_in_host{component=\"CPU_PACKAGE\",device=\"cpu\",host=\"rig\"} 1.0");
    }

    /** A host whose partition moved away loses all its series at once; when it comes back they are registered anew. */
    @Test
    void aRemovedHostLosesItsSeriesAndComesBackFresh() {
        metrics.update("rig", 5_000_000, List.of(new LiveDevice("GPU", "gpu0", 250.0, 1000.0, 600.0, 80.0)));
        metrics.update("rig", 6_000_000, List.of(new LiveDevice("GPU", "gpu0", 250.0, 1100.0, 600.0, 80.0)));
        metrics.update("other", 6_000_000, List.of(new LiveDevice("GPU", "gpu0", 250.0, 1100.0, 600.0, 80.0)));
        metrics.removeHosts("rig"::equals);
        assertThat(registry.scrape()).doesNotContain("host=\"rig\"").contains("host=\"other\"");
        assertThat(metrics.hosts()).containsExactly("other");
        metrics.update("rig", 9_000_000, List.of(new LiveDevice("GPU", "gpu0", 250.0, 1400.0, 700.0, 80.0)));
        assertThat(registry.scrape()).contains("ampwatch_device_energy_joules_total{component=\"GPU\",device=\"gpu0\",host=\"rig\"} 1400.0")
                .contains("ampwatch_host_attributed_until_timestamp_seconds{host=\"rig\"} 9.0")
                .doesNotContain("ampwatch_host_reported_timestamp_seconds{host=\"rig\"}");
    }
}
