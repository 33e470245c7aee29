package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.schema.RegressionCheck;
import dev.ampwatch.schema.RegressionKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Regression detection for alerting: has a reduced or mixed precision configuration got worse lately?
 * Its completed runs, ordered by end time, are split into the latest (the newest min(3, n/2)) and the
 * earlier ones; the latest are tested against the earlier (did it change?) and against every fp32 run at
 * the same settings (does it still save?), and the earlier against fp32 (did it save before?). A window of
 * three keeps one slow run from deciding, and n/2 keeps both sides at two runs or more. The comparisons
 * of {@link Comparisons} pool every run of a configuration, so a change after a driver or framework
 * upgrade shows there only once it outweighs the history; here it shows after a few runs.
 * Holm adjusts within one check kind and metric. Stateless.
 */
final class Regressions {
    /** The most runs that count as "latest". */
    static final int LATEST_RUNS = 3;
    /** The variables the alerts look at: watts and joules. */
    static final List<Metric> METRICS = List.of(Metric.AVERAGE_POWER, Metric.ENERGY);

    private Regressions() {}

    static List<RegressionCheck> of(Configurations configurations, List<Metric> present, StatisticsSettings settings) {
        List<RegressionCheck> out = new ArrayList<>();
        for (Metric m : METRICS) {
            if (!present.contains(m)) {
                continue;
            }
            List<RegressionCheck.Builder> built = new ArrayList<>();
            for (Configuration c : configurations.all()) {
                Configuration twin = c.precision().equals(Configurations.FP32) ? null : configurations.fp32Twin(c);
                if (twin != null) {
                    built.addAll(checks(m, c, twin, settings.alpha()));
                }
            }
            for (RegressionKind kind : RegressionKind.values()) {
                adjust(built.stream().filter(b -> b.getCheck() == kind).toList(), settings.alpha());
            }
            built.forEach(b -> out.add(b.build()));
        }
        return out;
    }

    private static List<RegressionCheck.Builder> checks(Metric m, Configuration c, Configuration twin, double alpha) {
        List<Double> ordered = c.completed().stream()
                .sorted(Comparator.comparingLong(FinishedRun::getEndUs).thenComparing(FinishedRun::getRunId))
                .map(m::of).filter(v -> v != null).toList();
        int latest = Math.min(LATEST_RUNS, ordered.size() / 2);
        Sample earlierRuns = sample(ordered.subList(0, ordered.size() - latest));
        Sample latestRuns = sample(ordered.subList(ordered.size() - latest, ordered.size()));
        String tooFew = ordered.size() < 4 ? "needs 4 completed runs of " + c.label() + " (2 latest, 2 earlier): "
                + ordered.size() : null;
        Sample fp32 = twin.sample(m);
        return List.of(
                check(RegressionKind.LATEST_VS_EARLIER, m, c, c.key(), c.label() + " (earlier runs)", latestRuns, earlierRuns, tooFew, alpha),
                check(RegressionKind.LATEST_VS_FP32, m, c, twin.key(), twin.label(), latestRuns, fp32, tooFew, alpha),
                check(RegressionKind.EARLIER_VS_FP32, m, c, twin.key(), twin.label(), earlierRuns, fp32, tooFew, alpha));
    }

    private static RegressionCheck.Builder check(RegressionKind kind, Metric m, Configuration c, String reference,
                                                 String referenceLabel, Sample a, Sample r, String tooFew, double alpha) {
        List<String> reasons = new ArrayList<>();
        RegressionCheck.Builder b = RegressionCheck.newBuilder().setCheck(kind).setMetric(m.id()).setUnit(m.unit())
                .setConfiguration(c.key()).setConfigurationLabel(c.label()).setReference(reference)
                .setReferenceLabel(referenceLabel).setN(a.n()).setNReference(r.n()).setReasons(reasons);
        if (a.n() > 0) {
            b.setMean(a.mean());
        }
        if (r.n() > 0) {
            b.setMeanReference(r.mean());
        }
        if (tooFew != null) {
            reasons.add(tooFew);
            return b;
        }
        if (r.n() < 2) {
            reasons.add("too few runs in " + referenceLabel + ": " + r.n() + " (needs 2)");
            return b;
        }
        b.setMeanDifference(a.mean() - r.mean());
        if (r.mean() != 0) {
            b.setMeanDifferenceRatio((a.mean() - r.mean()) / r.mean());
        } else {
            reasons.add("the reference mean is 0: no ratio");
        }
        Welch welch = Welch.of(a, r);
        if (welch == null) {
            reasons.add("zero variance in both groups: Welch's t and the interval are undefined");
            return b;
        }
        double[] ci = welch.interval(1 - alpha);
        return b.setWelchP(welch.p()).setCiLow(ci[0]).setCiHigh(ci[1]);
    }

    private static Sample sample(List<Double> values) {
        return new Sample(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static void adjust(List<RegressionCheck.Builder> family, double alpha) {
        List<RegressionCheck.Builder> tested = family.stream().filter(b -> b.getWelchP() != null).toList();
        double[] adjusted = Holm.adjust(tested.stream().mapToDouble(RegressionCheck.Builder::getWelchP).toArray());
        for (int i = 0; i < tested.size(); i++) {
            tested.get(i).setWelchPHolm(adjusted[i]).setSignificant(adjusted[i] < alpha);
        }
    }
}
