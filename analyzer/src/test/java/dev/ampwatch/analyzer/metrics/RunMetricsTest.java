package dev.ampwatch.analyzer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.TestClock;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.ComponentEnergy;
import dev.ampwatch.schema.DataQuality;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import dev.ampwatch.schema.SourceType;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finished runs leave /metrics within the retention even when no other run energy ever arrives. */
class RunMetricsTest {
    final TestClock clock = new TestClock(Instant.parse("2026-11-30T00:00:00Z"));
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final RunMetrics metrics = new RunMetrics(registry, Duration.ofMinutes(2), clock);

    @Test
    void tenThousandFinishedRunsRetireWithinTheRetentionWithNoNewInput() {
        for (int i = 0; i < 10_000; i++) {
            metrics.onRunEnergy(run("run-" + i, "host-" + i % 1000));
        }
        assertThat(registry.find("ampwatch.run.energy").meters()).hasSize(10_000);
        clock.advance(Duration.ofMinutes(2));
        metrics.retireExpired(); // what a scrape does
        assertThat(registry.find("ampwatch.run.energy").meters()).hasSize(10_000); // not yet past the retention
        clock.advance(Duration.ofSeconds(2));
        metrics.retireExpired();
        assertThat(registry.find("ampwatch.run.energy").meters()).isEmpty();
        assertThat(registry.scrape()).doesNotContain("ampwatch_run_");
    }

    private static RunEnergy run(String runId, String host) {
        return RunEnergy.newBuilder().setRunId(runId).setExperimentId("exp").setHost(host).setStatus(RunStatus.COMPLETED)
                .setIsFinal(true).setConfig(null).setStartTime(Instant.EPOCH).setEndTime(Instant.ofEpochSecond(10))
                .setAttributedUntil(Instant.ofEpochSecond(10)).setDurationSeconds(10).setEnergyJoules(1000)
                .setNetEnergyJoules(600).setAveragePowerWatts(100).setPeakPowerWatts(120).setJoulesPerSample(0.05)
                .setCo2eGrams(0.1).setCarbonIntensityGPerKwh(400).setAttributionRule("even-split")
                .setComponents(List.of(ComponentEnergy.newBuilder().setComponent(Component.GPU).setDevice("gpu0")
                        .setSource(SourceType.NVML).setMethod("counter").setEnergyJoules(1000).setNetEnergyJoules(600)
                        .setCoveredSeconds(10).setSamples(100).build()))
                .setEpochs(List.of())
                .setQuality(DataQuality.newBuilder().setEstimated(false).setGaps(0).setGapSeconds(0).setLateSamples(0).build())
                .build();
    }
}
