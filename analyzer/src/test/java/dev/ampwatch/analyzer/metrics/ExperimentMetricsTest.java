package dev.ampwatch.analyzer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.GroupSummary;
import dev.ampwatch.schema.SignificanceTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExperimentMetricsTest {
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void groupsAndTestsBecomeGaugesThatFollowTheLatestStatistics() {
        ExperimentMetrics metrics = new ExperimentMetrics(registry, 10);
        metrics.update(stats("e1", 0.2));
        metrics.update(stats("e1", 0.01));

        assertThat(registry.get("ampwatch.experiment.test.p.value").tag("experiment_id", "e1")
                .tag("groups", "amp-fp16,fp32").gauge().value()).isEqualTo(0.01);
        assertThat(registry.get("ampwatch.experiment.group.power.mean").tag("group", "amp-fp16").gauge().value())
                .isEqualTo(112.0);
        assertThat(registry.find("ampwatch.experiment.test.p.value").gauges()).hasSize(1);
    }

    @Test
    void keepsOnlyTheMostRecentExperiments() {
        ExperimentMetrics metrics = new ExperimentMetrics(registry, 2);
        metrics.update(stats("a", 0.5));
        metrics.update(stats("b", 0.5));
        metrics.update(stats("c", 0.5));

        assertThat(registry.find("ampwatch.experiment.test.p.value").gauges())
                .extracting(g -> g.getId().getTag("experiment_id")).containsExactlyInAnyOrder("b", "c");
    }

    private static ExperimentStats stats(String id, double p) {
        return ExperimentStats.newBuilder().setExperimentId(id).setComputedAt(Instant.EPOCH)
                .setGroups(List.of(group("amp-fp16", 112), group("fp32", 100)))
                .setTests(List.of(SignificanceTest.newBuilder().setName("welch-t").setMetric("average_power_watts")
                        .setGroups(List.of("amp-fp16", "fp32")).setStatistic(3.1).setPValue(p)
                        .setSignificant(p < 0.05).setAlpha(0.05).build()))
                .build();
    }

    private static GroupSummary group(String name, double watts) {
        return GroupSummary.newBuilder().setGroup(name).setRuns(3).setMeanEnergyJoules(watts * 10)
                .setStddevEnergyJoules(1.0).setMeanPowerWatts(watts).setMeanDurationSeconds(10).build();
    }
}
