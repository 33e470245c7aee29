package dev.ampwatch.analyzer.accuracy;

import dev.ampwatch.analyzer.accuracy.ReferenceIntegrator.RunResult;
import dev.ampwatch.analyzer.accuracy.ReferenceIntegrator.RunSpec;
import dev.ampwatch.schema.ComponentEnergy;
import dev.ampwatch.schema.RunEnergy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * The analyzer, driven through its real topology with records delivered in random order within the
 * grace, gives the same gross energy per run, per component and per epoch as an independent offline
 * integration of all readings ({@link ReferenceIntegrator}), to a relative error of 1e-9.
 */
class AttributionPropertyTest {
    static final double RELATIVE = 1e-9;
    static final double ABSOLUTE = 1e-9; // joules; floor for values near zero

    @Property(tries = 120, seed = "20261123", shrinking = ShrinkingMode.BOUNDED)
    void totalsEqualAnOfflineReferenceWhateverTheDeliveryOrderWithinTheGrace(
            @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long seed,
            @ForAll @IntRange(min = 1, max = 3) int runs,
            @ForAll @IntRange(min = 1, max = 3) int devices,
            @ForAll @IntRange(min = 0, max = 1_999) int jitterMs,
            @ForAll boolean withGaps) {
        Scenario scenario = new Scenario(seed, runs, devices, jitterMs * 1000L, withGaps);
        classify(scenario);
        check(scenario);
    }

    /** What the tries covered, reported by jqwik after the property. */
    private static void classify(Scenario s) {
        s.modes.forEach(m -> Statistics.label("device modes").collect(m));
        boolean overlap = false;
        for (RunSpec a : s.runs) {
            for (RunSpec b : s.runs) {
                overlap |= a != b && a.startUs() < b.endUs() && b.startUs() < a.endUs();
            }
        }
        Statistics.label("concurrent runs").collect(overlap);
        long maxGapUs = TopologyHarness.MAX_GAP.toNanos() / 1000;
        boolean gapInRun = false;
        boolean silentAcrossEnd = false;
        for (var d : s.devices) {
            for (int i = 1; i < d.readings().size(); i++) {
                long t0 = d.readings().get(i - 1).tUs();
                long t1 = d.readings().get(i).tUs();
                for (RunSpec r : s.runs) {
                    if (t1 - t0 > maxGapUs && t0 < r.endUs() && t1 > r.startUs() && r.mayUse(d)) {
                        gapInRun = true;
                        silentAcrossEnd |= t0 < r.endUs() && t1 > r.endUs() + maxGapUs;
                    }
                }
            }
        }
        Statistics.label("gap inside a run").collect(gapInRun);
        Statistics.label("device silent past end + max gap").collect(silentAcrossEnd);
    }

    static void check(Scenario scenario) {
        Map<String, RunResult> expected = new ReferenceIntegrator(TopologyHarness.MAX_GAP.toNanos() / 1000)
                .integrate(scenario.devices, scenario.runs);
        Map<String, RunEnergy> actual;
        try (TopologyHarness harness = new TopologyHarness("property")) {
            for (Scenario.Delivery d : scenario.deliveries) {
                if (d.sample() != null) {
                    harness.pipe(d.sample());
                } else {
                    harness.pipe(d.event());
                }
            }
            actual = harness.finals();
            List<String> problems = compare(scenario, expected, actual);
            var dead = harness.deadLetters();
            if (!dead.isEmpty()) {
                problems.add("dead letters were written: nothing should be late or invalid: " + dead);
            }
            if (!problems.isEmpty()) {
                throw new AssertionError(String.join("\n", problems) + "\n" + scenario);
            }
        }
    }

    static List<String> compare(Scenario scenario, Map<String, RunResult> expected, Map<String, RunEnergy> actual) {
        List<String> problems = new ArrayList<>();
        for (RunSpec run : scenario.runs) {
            RunEnergy got = actual.get(run.id());
            RunResult want = expected.get(run.id());
            if (got == null) {
                problems.add(run.id() + ": no final record");
                continue;
            }
            if (TopologyHarness.at(run.startUs()).compareTo(got.getStartTime()) != 0
                    || got.getEndTime() == null || TopologyHarness.at(run.endUs()).compareTo(got.getEndTime()) != 0) {
                problems.add(run.id() + ": interval " + got.getStartTime() + ".." + got.getEndTime());
            }
            close(problems, run.id() + " total", got.getEnergyJoules(), want.total());
            Map<String, Double> gotByDevice = new TreeMap<>();
            for (ComponentEnergy c : got.getComponents()) {
                gotByDevice.put(c.getComponent().name() + "/" + c.getDevice(), c.getEnergyJoules());
            }
            if (!gotByDevice.keySet().equals(new TreeMap<>(want.joulesByDevice).keySet())) {
                problems.add(run.id() + ": components " + gotByDevice.keySet() + ", reference " + want.joulesByDevice.keySet());
            } else {
                gotByDevice.forEach((k, v) -> close(problems, run.id() + " " + k, v, want.joulesByDevice.get(k)));
            }
            if (got.getEpochs().size() != run.epochs().size()) {
                problems.add(run.id() + ": " + got.getEpochs().size() + " epochs, expected " + run.epochs().size());
            } else {
                for (int e = 0; e < run.epochs().size(); e++) {
                    close(problems, run.id() + " epoch " + (e + 1), got.getEpochs().get(e).getEnergyJoules(), want.epochTotal(e));
                }
            }
            if (got.getQuality().getGaps() != want.gaps) {
                problems.add(run.id() + ": gaps " + got.getQuality().getGaps() + ", reference " + want.gaps);
            }
            close(problems, run.id() + " gap_seconds", got.getQuality().getGapSeconds(), want.gapSeconds);
            if (got.getQuality().getCounterResets() != want.counterResets) {
                problems.add(run.id() + ": counter_resets " + got.getQuality().getCounterResets() + ", reference " + want.counterResets);
            }
        }
        if (actual.size() != scenario.runs.size()) {
            problems.add("final records for " + actual.keySet());
        }
        return problems;
    }

    private static void close(List<String> problems, String what, double got, double want) {
        double tolerance = Math.max(ABSOLUTE, RELATIVE * Math.max(Math.abs(got), Math.abs(want)));
        if (!(Math.abs(got - want) <= tolerance)) {
            problems.add(String.format("%s: analyzer %.12f J, reference %.12f J (diff %.3g)", what, got, want, got - want));
        }
    }
}
