package dev.ampwatch.cli;

import dev.ampwatch.schema.EpochEnergy;
import dev.ampwatch.schema.ForecastCheck;
import dev.ampwatch.schema.RunEnergy;
import java.io.PrintStream;
import java.util.List;

/** Prints runs side by side, and each mixed-precision run against the FP32 baseline. */
final class ResultTable {
    private ResultTable() {}

    private static boolean comparable(RunEnergy r) {
        return r.getStatus() == dev.ampwatch.schema.RunStatus.COMPLETED && !r.getQuality().getUnmeasured();
    }

    static void print(PrintStream out, List<RunEnergy> runs) {
        out.printf("%n%-10s %-36s %9s %11s %11s %9s %9s %10s %9s %8s%n", "precision", "run", "time [s]", "energy [J]",
                "net [J]", "avg [W]", "peak [W]", "mJ/sample", "CO2e [g]", "test acc|rmse");
        for (RunEnergy r : runs) {
            out.printf("%-10s %-36s %9.2f %11.1f %11.1f %9.1f %9.1f %10.3f %9.4f %8s%n", precision(r), r.getRunId(),
                    r.getDurationSeconds(), r.getEnergyJoules(), r.getNetEnergyJoules(), r.getAveragePowerWatts(),
                    r.getPeakPowerWatts(), r.getJoulesPerSample() == null ? Double.NaN : 1000 * r.getJoulesPerSample(),
                    r.getCo2eGrams(), accuracy(r));
        }
        RunEnergy baseline = runs.stream().filter(r -> "fp32".equals(precision(r))).findFirst().orElse(null);
        boolean onePerPrecision = runs.stream().map(ResultTable::precision).distinct().count() == runs.size();
        // with repeats, the statistics' verdicts compare them; an unmeasured baseline has no ratio to give
        // only completed, measured runs compare: a run that failed after one of three epochs is no precision's cost
        // (a review's sweep printed "energy x3.093" against such an fp32 run)
        if (baseline != null && onePerPrecision && comparable(baseline)) {
            for (RunEnergy r : runs) {
                if (r != baseline && comparable(r)) {
                    out.printf("%-10s vs fp32: energy x%.3f, time x%.3f, average power %+.1f W%n", precision(r),
                            r.getEnergyJoules() / baseline.getEnergyJoules(),
                            r.getDurationSeconds() / baseline.getDurationSeconds(),
                            r.getAveragePowerWatts() - baseline.getAveragePowerWatts());
                }
            }
        }
        boolean estimated = runs.stream().anyMatch(r -> r.getQuality().getEstimated());
        int gaps = runs.stream().mapToInt(r -> r.getQuality().getGaps()).sum();
        long late = runs.stream().mapToLong(r -> r.getQuality().getLateSamples()).sum();
        if (estimated) {
            out.println("note: some power came from the ESTIMATE source (no hardware sensor found): totals are modelled, not measured.");
        }
        if (gaps > 0 || late > 0) {
            out.printf("note: %d gap(s) and %d late record(s) in these runs; see the quality field of each run.%n", gaps, late);
        }
        for (RunEnergy r : runs) {
            if (r.getQuality().getUnmeasured()) {
                out.printf("note: run %s: no power reading of host %s fell in it (is a power-agent running for the host, under"
                        + " that name?): its 0 J is not a measurement.%n", r.getRunId(), r.getHost());
            }
            if (!r.getQuality().getUnmeasured() && !r.getQuality().getMissingDevices().isEmpty()) {
                out.printf("note: run %s: no reading of its device(s) %s fell in it: its energy leaves them out (does the "
                        + "power-agent of %s report them under these ids? `ampwatch power-agent --list-sources`)%n", r.getRunId(),
                        String.join(", ", r.getQuality().getMissingDevices().stream().map(Object::toString).toList()), r.getHost());
            }
            noteFewReadings(out, r);
            if (!r.getQuality().getNoIdleBaseline().isEmpty()) {
                out.printf("note: run %s: no idle baseline yet for %s (less than --min-idle of idle seen before it): its net is "
                        + "its gross there, and the statistics leave it out of net energy.%n", r.getRunId(),
                        String.join(", ", r.getQuality().getNoIdleBaseline()));
            }
            if (r.getQuality().getBoundariesMoved()) {
                out.printf("note: run %s: %d training event(s) arrived after their time was attributed and were applied "
                        + "%.3f s later in total; its boundaries moved, its totals are not exact.%n", r.getRunId(),
                        r.getQuality().getLateEvents(), r.getQuality().getBoundaryShiftSeconds());
            }
        }
        noteNegativeNet(out, runs, estimated);
        printForecasts(out, runs);
        out.println("net = energy above each device's idle baseline; shared components split evenly between concurrent runs.");
    }

    /** Inference runs: energy per 1,000 inferences, throughput by event time, batch latency, accuracy. */
    static void printInference(PrintStream out, List<RunEnergy> runs) {
        if (runs.isEmpty()) {
            return;
        }
        out.printf("%n%-10s %-36s %7s %11s %11s %9s %13s %9s %9s %8s%n", "inference", "run", "passes", "inferences", "energy [J]",
                "J/1000", "inferences/s", "p50 [ms]", "p99 [ms]", "test acc|rmse");
        for (RunEnergy r : runs) {
            long inferences = r.getEpochs().stream().mapToLong(e -> e.getSamples() == null ? 0 : e.getSamples()).sum();
            out.printf("%-10s %-36s %7d %11d %11.1f %9.3f %13.0f %9.3f %9.3f %8s%n", precision(r), r.getRunId(), r.getEpochs().size(),
                    inferences, r.getEnergyJoules(), r.getJoulesPerSample() == null ? Double.NaN : 1000 * r.getJoulesPerSample(),
                    r.getSamplesPerSecond() == null ? Double.NaN : r.getSamplesPerSecond(),
                    r.getLatencyP50Ms() == null ? Double.NaN : r.getLatencyP50Ms(),
                    r.getLatencyP99Ms() == null ? Double.NaN : r.getLatencyP99Ms(), accuracy(r));
        }
        java.util.Map<String, List<RunEnergy>> byPrecision = new java.util.LinkedHashMap<>();
        runs.stream().sorted(java.util.Comparator.comparing(r -> dev.ampwatch.trainer.InferenceJob.PRECISIONS.indexOf(precision(r))))
                .forEach(r -> byPrecision.computeIfAbsent(precision(r), k -> new java.util.ArrayList<>()).add(r));
        if (byPrecision.size() > 1 || runs.size() > 1) { // the means per precision, as the report's Inference section
            out.printf("%-10s %-36s %7s %11s %11s %9s %13s %9s %9s%n", "mean", "(runs)", "", "", "", "J/1000", "inferences/s",
                    "p50 [ms]", "p99 [ms]");
            byPrecision.forEach((precision, of) -> out.printf("%-10s %-36s %7s %11s %11s %9.3f %13.0f %9.3f %9.3f%n", precision,
                    "(" + of.size() + ")", "", "", "", 1000 * mean(of, RunEnergy::getJoulesPerSample),
                    mean(of, RunEnergy::getSamplesPerSecond), mean(of, RunEnergy::getLatencyP50Ms), mean(of, RunEnergy::getLatencyP99Ms)));
        }
        runs.forEach(r -> noteFewReadings(out, r)); // inference runs are often the short ones (a review: 6 of 8 at 0.1 s)
        out.println("J/1000 = gross energy per 1,000 inferences; latency = time of one batch (median over the passes).");
    }

    /**
     * Runs whose net energy is below 0: their devices drew less than the idle baseline learned between runs, so the host
     * was busier between runs than during them (a review's demo beside a Maven build: 6 of 9 runs, down to -35.4 J, and
     * the table said nothing).
     */
    private static void noteNegativeNet(PrintStream out, List<RunEnergy> runs, boolean estimated) {
        List<RunEnergy> negative = runs.stream().filter(r -> !r.getQuality().getUnmeasured() && r.getQuality().getNoIdleBaseline().isEmpty()
                && r.getNetEnergyJoules() < 0).toList();
        if (negative.isEmpty()) {
            return;
        }
        RunEnergy lowest = negative.stream().min(java.util.Comparator.comparingDouble(RunEnergy::getNetEnergyJoules)).orElseThrow();
        out.printf("note: %d run(s) drew less than their devices' idle baseline (net below 0; lowest %.1f J, run %s): the host "
                + "was busier between the runs than during them (another process%s); their net energy is no measure of the "
                + "training, compare their gross energy.%n", negative.size(), lowest.getNetEnergyJoules(), lowest.getRunId(),
                estimated ? ", which the ESTIMATE source counts with the whole host's CPU load" : "");
    }

    /** A run shorter than the sampling interval: a review took its peak (= its average) for a measurement. */
    private static void noteFewReadings(PrintStream out, RunEnergy r) {
        if (!r.getQuality().getUnmeasured() && !r.getComponents().isEmpty()
                && r.getComponents().stream().allMatch(c -> c.getSamples() <= 1)) {
            out.printf("note: run %s: at most one reading of each device fell in its %.2f s (shorter than the sampling "
                    + "interval): its energy and its peak are interpolated from the readings around it (its peak equals its average); "
                    + "sample faster (power-agent --interval) for runs this short.%n", r.getRunId(), r.getDurationSeconds());
        }
    }

    /** The mean of the runs' known values; NaN when none is known. */
    private static double mean(List<RunEnergy> runs, java.util.function.Function<RunEnergy, Double> value) {
        return runs.stream().map(value).filter(java.util.Objects::nonNull).mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Each run's first forecast against what it cost (docs/forecasts.md), or why there was none. */
    static void printForecasts(PrintStream out, List<RunEnergy> runs) {
        boolean any = false;
        for (RunEnergy r : runs) {
            if (r.getForecastChecks().isEmpty()) {
                continue;
            }
            if (!any) {
                out.printf("%nforecast of each run's total from its first epochs (95 %% prediction interval), against what it cost:%n");
                any = true;
            }
            ForecastCheck c = r.getForecastChecks().get(0);
            out.printf("  %-36s after epoch %d of %d: %.1f J [%.1f, %.1f] (%s) -> %.1f J: error %+.1f %%, %s%n", r.getRunId(),
                    c.getAfterEpoch(), r.getConfig().getEpochs(), c.getEnergyJoules(), c.getEnergyLowJoules(),
                    c.getEnergyHighJoules(), c.getModel(), r.getEnergyJoules(), 100 * c.getErrorRatio(),
                    c.getInsideInterval() ? "inside" : "OUTSIDE the interval");
            if (r.getForecastChecks().size() > 1) {
                StringBuilder later = new StringBuilder();
                for (ForecastCheck l : r.getForecastChecks().subList(1, r.getForecastChecks().size())) {
                    later.append(String.format(" %d: %+.1f %%%s%s", l.getAfterEpoch(), 100 * l.getErrorRatio(),
                            l.getModel().equals("steady") ? "" : " " + l.getModel(), l.getInsideInterval() ? "" : " (outside)"));
                }
                out.printf("  %-36s later forecasts, error after epoch%s%n", "", later);
            }
        }
        if (!any) {
            runs.stream().filter(r -> r.getForecastWithheld() != null).findFirst().ifPresent(r ->
                    out.println("note: no forecasts: " + r.getForecastWithheld() + " (a run needs 3 or more planned epochs, --epochs)"));
        }
    }

    private static String precision(RunEnergy r) {
        return r.getConfig() == null ? "?" : r.getConfig().getPrecision();
    }

    /** What an epoch or pass achieved: test accuracy ("84.12%"), a regression's "rmse 1.234", or "n/a". */
    static String quality(dev.ampwatch.schema.EpochMetrics m) {
        if (m == null) {
            return "";
        }
        if (m.getTestRmse() != null) {
            return String.format(java.util.Locale.ROOT, "rmse %.4g", m.getTestRmse());
        }
        return m.getTestAccuracy() == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.2f%%", 100 * m.getTestAccuracy());
    }

    private static String accuracy(RunEnergy r) {
        List<EpochEnergy> epochs = r.getEpochs();
        EpochEnergy last = epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
        if (last != null && last.getTestRmse() != null) {
            return String.format(java.util.Locale.ROOT, "rmse %.4g", last.getTestRmse()); // a regression
        }
        if (last == null || last.getTestAccuracy() == null) {
            return "n/a";
        }
        return String.format("%.2f%%", 100 * last.getTestAccuracy());
    }
}
