package dev.ampwatch.analyzer.accuracy;

import static dev.ampwatch.analyzer.accuracy.TopologyHarness.us;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.GroupSummary;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Final runs flow into their experiment's statistics on ampwatch.experiment-stats. */
class ExperimentStatsTopologyTest {

    @Test
    void finishedRunsOfAnExperimentAreSummarizedByPrecisionAndTested() {
        try (TopologyHarness h = new TopologyHarness("experiment-stats")) {
            fourRuns(h);

            List<ExperimentStats> all = h.experimentStats();
            assertFourRuns(all);
        }
    }

    /**
     * The streams engine: an exclusion (ampwatch exclude) and a tombstone on run-energy (a run deleted by hand) each take
     * their run out of the statistics, listed with why; a record on run-exclusions that does not decode stops nothing.
     */
    @Test
    void excludedAndDeletedRunsLeaveTheStatistics() {
        try (TopologyHarness h = new TopologyHarness("experiment-stats-excluded")) {
            fourRuns(h);
            ExperimentStats before = last(h.experimentStats());
            assertThat(before.getGroups()).extracting(g -> g.getGroup() + "=" + g.getRuns()).containsExactly("amp-bf16=2", "fp32=2");
            h.excludeRaw("run-0", new byte[] {1, 2, 3}, 1_000); // set aside (ExperimentStatsIT sees the dead letter), nothing stops
            h.exclude("run-0", true, "fan failure", 2_000);
            ExperimentStats excluded = last(h.experimentStats());
            assertThat(excluded.getGroups()).extracting(g -> g.getGroup() + "=" + g.getRuns()).containsExactly("amp-bf16=2", "fp32=1");
            assertThat(excluded.getExcludedRuns()).extracting(e -> e.getRunId() + ": " + e.getReason()).containsExactly("run-0: fan failure");
            assertThat(excluded.getComputedAt()).isEqualTo(before.getComputedAt());
            h.deleteRun("run-1", 3_000);
            ExperimentStats deleted = last(h.experimentStats());
            assertThat(deleted.getGroups()).extracting(g -> g.getGroup() + "=" + g.getRuns()).containsExactly("amp-bf16=1", "fp32=1");
            assertThat(deleted.getExcludedRuns()).extracting(e -> e.getRunId()).containsExactly("run-0", "run-1");
            h.exclude("run-0", false, "it was another rig's fan", 4_000);
            assertThat(last(h.experimentStats()).getGroups()).extracting(g -> g.getGroup() + "=" + g.getRuns())
                    .containsExactly("amp-bf16=1", "fp32=2");
        }
    }

    private static ExperimentStats last(List<ExperimentStats> all) {
        assertThat(all).isNotEmpty();
        return all.get(all.size() - 1);
    }

    /** Four runs one after another, 10 s each: fp32 at 100 and 110 W, amp-bf16 at 80 and 84 W. */
    private static void fourRuns(TopologyHarness h) {
        double[] watts = {100, 80, 110, 84};
        String[] precision = {"fp32", "amp-bf16", "fp32", "amp-bf16"};
        for (int r = 0; r < 4; r++) {
            long start = us(20.0 * r);
            h.startWithPrecision("run-" + r, start, precision[r]);
            for (int s = 0; s <= 19; s++) {
                h.power(Component.CPU_PACKAGE, "package-0", start + us(s), s < 10 ? watts[r] : 5);
                if (s == 10) {
                    h.complete("run-" + r, start + us(10));
                }
            }
        }
        for (int s = 80; s <= 95; s++) {
            h.power(Component.CPU_PACKAGE, "package-0", us(s), 5);
        }
    }

    private static void assertFourRuns(List<ExperimentStats> all) {
        assertThat(all).isNotEmpty();
        ExperimentStats last = all.get(all.size() - 1);
        assertThat(last.getExperimentId()).isEqualTo("exp");
        assertThat(last.getGroups()).extracting(GroupSummary::getGroup).containsExactly("amp-bf16", "fp32");
        assertThat(last.getGroups()).allSatisfy(g -> assertThat(g.getRuns()).isEqualTo(2));
        GroupSummary fp32 = last.getGroups().get(1);
        // each run: 9 s at its power, then the ramp to 5 W over the last second
        assertThat(fp32.getMeanEnergyJoules()).isCloseTo((100 * 9 + 52.5 + 110 * 9 + 57.5) / 2, within(1e-6));
        assertThat(last.getTests()).extracting(t -> t.getName() + ":" + t.getMetric())
                .contains("welch-t:energy_joules", "anova:energy_joules", "welch-t:average_power_watts");
        // the configuration travels from RUN_STARTED through the final record into the comparison
        assertThat(last.getComparisons()).filteredOn(c -> c.getMetric().equals("average_power_watts"))
                .singleElement().satisfies(c -> {
                    assertThat(c.getConfigurationLabel()).isEqualTo("amp-bf16");
                    assertThat(c.getReferenceLabel()).isEqualTo("fp32");
                    assertThat(c.getMeanDifference()).isNegative();
                });
    }
}
