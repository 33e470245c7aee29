package dev.ampwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.ComponentEnergy;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportPlotsTest {
    /**
     * A constant 70 W read once a second: a running total's energy has the readings that arrived, so totals every 0.5 s
     * go up in lumps of 70 J, and the final record comes right after the last total. Power over windows of four readings
     * stays near 70 W; between neighbouring totals it read 0 and 140 W, and a final record 20 us after the last total
     * plotted 36,408 W in a review's demo report (2026-12-02).
     */
    @Test
    void powerOverTimeIsOverWindowsOfSeveralReadingsNotBetweenNeighbouringTotals() {
        Instant start = ReportFixture.T0;
        RunEnergy run = RunEnergy.newBuilder(ReportFixture.run("lumpy", "fp32", 32, 70, start, 30, true, false))
                .setEnergyJoules(2100).setAttributedUntil(start.plusSeconds(30))
                .setComponents(List.of(ComponentEnergy.newBuilder().setComponent(Component.CPU_PACKAGE).setDevice("cpu")
                        .setSource(SourceType.ESTIMATE).setMethod("trapezoid").setEnergyJoules(2100).setNetEnergyJoules(0)
                        .setCoveredSeconds(30).setSamples(31).build()))
                .build();
        List<RunEnergy> totals = new ArrayList<>();
        for (int half = 1; half < 60; half++) {
            totals.add(RunEnergy.newBuilder(run).setIsFinal(false).setAttributedUntil(start.plusMillis(500L * half))
                    .setEnergyJoules(70.0 * (half / 2)).build());
        }
        totals.add(RunEnergy.newBuilder(run).setIsFinal(false).setAttributedUntil(start.plusSeconds(30).minusNanos(20_000))
                .setEnergyJoules(70.0 * 29 + 69.3).build());

        assertThat(ReportPlots.window(run)).isEqualTo(4.0);
        List<double[]> points = ReportPlots.fromTotals(run, totals);
        assertThat(points).hasSizeGreaterThanOrEqualTo(6);
        assertThat(points).allSatisfy(p -> assertThat(p[1]).isBetween(60.0, 80.0));
    }
}
