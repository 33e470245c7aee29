package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.cli.report.ReportFixture;
import dev.ampwatch.schema.DataQuality;
import dev.ampwatch.schema.RunEnergy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's table of training runs: what it says besides the numbers. */
class ResultTableTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    /**
     * A run during which no power reading of its host arrived (quality.unmeasured) is named, with what to check, and
     * is no baseline for ratios: its 0 J is not a measurement (a user review found it shown as one).
     */
    @Test
    void anUnmeasuredRunIsNamedAndGivesNoRatios() {
        RunEnergy measured = ReportFixture.run("amp", "amp-bf16", 128, 60, T0, 40, true, true);
        RunEnergy fp32 = ReportFixture.run("base", "fp32", 128, 60, T0, 40, true, true);
        RunEnergy unmeasured = RunEnergy.newBuilder(fp32).setEnergyJoules(0).setNetEnergyJoules(0).setAveragePowerWatts(0)
                .setQuality(DataQuality.newBuilder(fp32.getQuality()).setUnmeasured(true).build()).build();

        String text = print(List.of(unmeasured, measured));
        assertThat(text).contains("note: run base: no power reading of host rig fell in it (is a power-agent running for the"
                + " host, under that name?): its 0 J is not a measurement.").doesNotContain("vs fp32");
        assertThat(print(List.of(fp32, measured))).contains("amp-bf16   vs fp32: energy x1.000").doesNotContain("no power reading");
    }

    /** A review: a sweep printed "amp-bf16 vs fp32: energy x3.093" against an fp32 run killed after 1 of 3 epochs. */
    @Test
    void aFailedRunGivesNoRatios() {
        RunEnergy amp = ReportFixture.run("amp", "amp-bf16", 128, 60, T0, 40, true, true);
        RunEnergy failedFp32 = ReportFixture.run("base", "fp32", 128, 60, T0, 13, false, true);
        assertThat(print(List.of(failedFp32, amp))).doesNotContain("vs fp32");
        RunEnergy fp32 = ReportFixture.run("base", "fp32", 128, 60, T0, 40, true, true);
        RunEnergy failedAmp = ReportFixture.run("amp", "amp-bf16", 128, 60, T0, 13, false, true);
        assertThat(print(List.of(fp32, failedAmp))).doesNotContain("vs fp32");
    }

    /** A run shorter than the sampling interval has one reading a device: said, so its peak is not read as one. */
    @Test
    void aRunWithOneReadingADeviceSaysSo() {
        RunEnergy run = ReportFixture.run("short", "fp32", 128, 60, T0, 40, true, true);
        dev.ampwatch.schema.ComponentEnergy one = dev.ampwatch.schema.ComponentEnergy.newBuilder()
                .setComponent(dev.ampwatch.schema.Component.CPU_PACKAGE).setDevice("package-0")
                .setSource(dev.ampwatch.schema.SourceType.RAPL).setMethod("counter").setEnergyJoules(5).setNetEnergyJoules(1)
                .setCoveredSeconds(0.14).setSamples(1).build();
        RunEnergy shortRun = RunEnergy.newBuilder(run).setDurationSeconds(0.14).setComponents(List.of(one)).build();
        assertThat(print(List.of(shortRun))).contains("note: run short: at most one reading of each device fell in its 0.14 s");
        RunEnergy longRun = RunEnergy.newBuilder(run).setComponents(List.of(dev.ampwatch.schema.ComponentEnergy.newBuilder(one)
                .setSamples(40).build())).build();
        assertThat(print(List.of(longRun))).doesNotContain("at most one reading");
        // the inference table says it too: inference runs are often the short ones (a review: 6 of 8 runs at 0.1 s)
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ResultTable.printInference(new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of(shortRun));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("note: run short: at most one reading of each device fell in its 0.14 s");
    }

    /** A run before its host's idle baseline says its net is its gross (a review, 2026-12-02). */
    @Test
    void aRunWithoutAnIdleBaselineSaysItsNetIsItsGross() {
        RunEnergy run = ReportFixture.run("first", "fp32", 128, 60, T0, 40, true, true);
        RunEnergy first = RunEnergy.newBuilder(run).setQuality(DataQuality.newBuilder(run.getQuality())
                .setNoIdleBaseline(List.of("CPU_PACKAGE/cpu")).build()).build();
        assertThat(print(List.of(first))).contains("note: run first: no idle baseline yet for CPU_PACKAGE/cpu");
        assertThat(print(List.of(run))).doesNotContain("no idle baseline");
    }

    /** Net energy below 0 is said once, with the lowest run (a review's demo beside a build: 6 of 9 runs, unflagged). */
    @Test
    void runsBelowTheIdleBaselineAreSaidToBe() {
        RunEnergy run = ReportFixture.run("busy", "fp32", 128, 60, T0, 40, true, true);
        RunEnergy a = RunEnergy.newBuilder(run).setNetEnergyJoules(-35.4).build();
        RunEnergy b = RunEnergy.newBuilder(run).setRunId("busy-2").setNetEnergyJoules(-2.5).build();
        RunEnergy noBaseline = RunEnergy.newBuilder(run).setRunId("first").setNetEnergyJoules(-1).setQuality(DataQuality
                .newBuilder(run.getQuality()).setNoIdleBaseline(List.of("CPU_PACKAGE/cpu")).build()).build();
        assertThat(print(List.of(a, b, noBaseline, run))).contains("note: 2 run(s) drew less than their devices' idle baseline "
                + "(net below 0; lowest -35.4 J, run busy)");
        assertThat(print(List.of(run, noBaseline))).doesNotContain("idle baseline (net below 0");
    }

    /** A device the run names without a reading in it (cuda:0 for gpu0, a review): said, with where to look. */
    @Test
    void aRunWithAnUnmeasuredDeviceSaysWhich() {
        RunEnergy run = ReportFixture.run("gpu-run", "fp32", 128, 60, T0, 40, true, true);
        RunEnergy named = RunEnergy.newBuilder(run).setQuality(dev.ampwatch.schema.DataQuality.newBuilder(run.getQuality())
                .setMissingDevices(List.of("cuda:0")).build()).build();
        assertThat(print(List.of(named))).contains("note: run gpu-run: no reading of its device(s) cuda:0 fell in it");
        assertThat(print(List.of(run))).doesNotContain("no reading of its device");
    }

    private static String print(List<RunEnergy> runs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ResultTable.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), runs);
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
