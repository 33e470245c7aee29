package dev.ampwatch.analyzer.stats;

import dev.ampwatch.schema.Comparison;
import java.util.ArrayList;
import java.util.List;

/**
 * Every statistic of a configuration against its reference on one response variable, and the Holm
 * adjustment over the experiment's comparisons of that variable: one family per response variable and
 * test (all Welch p-values of average_power_watts, all Mann-Whitney p-values of it, ...). A number that
 * cannot be computed is left null and the comparison says why; nothing is NaN.
 */
final class Comparisons {
    static final String ZERO_VARIANCE = "zero variance in both groups: Welch's t, the intervals, TOST, Hedges' g"
            + " and the power analysis are undefined";

    private Comparisons() {}

    static List<Comparison> of(Metric metric, List<Pairs.Pair> pairs, StatisticsSettings settings) {
        List<Comparison.Builder> built = new ArrayList<>();
        for (Pairs.Pair pair : pairs) {
            built.add(compare(metric, pair, settings));
        }
        adjust(built, true, settings.alpha());
        adjust(built, false, settings.alpha());
        return built.stream().map(Comparison.Builder::build).toList();
    }

    private static Comparison.Builder compare(Metric metric, Pairs.Pair pair, StatisticsSettings s) {
        Configuration c = pair.configuration();
        Configuration ref = pair.reference();
        Sample a = c.sample(metric);
        Sample r = ref.sample(metric);
        List<String> reasons = new ArrayList<>();
        Comparison.Builder b = Comparison.newBuilder().setKinds(List.copyOf(pair.kinds())).setMetric(metric.id())
                .setUnit(metric.unit()).setConfiguration(c.key()).setConfigurationLabel(c.label())
                .setReference(ref.key()).setReferenceLabel(ref.label()).setN(a.n()).setNReference(r.n())
                .setReasons(reasons);
        if (a.n() > 0) {
            b.setMean(a.mean());
        }
        if (r.n() > 0) {
            b.setMeanReference(r.mean());
        }
        tooFew(c, a, reasons);
        tooFew(ref, r, reasons);
        if (!reasons.isEmpty()) {
            return b;
        }
        double refMean = r.mean();
        double difference = a.mean() - refMean;
        b.setMeanDifference(difference);
        boolean ratios = refMean != 0;
        if (ratios) {
            b.setMeanDifferenceRatio(difference / refMean);
        } else {
            reasons.add("the reference mean is 0: no ratios, no equivalence margin, no power analysis");
        }
        MannWhitney mw = MannWhitney.test(a.values(), r.values());
        b.setMannWhitneyU(mw.u()).setMannWhitneyP(mw.p()).setMannWhitneyMethod(mw.exact() ? "exact" : "normal-approximation");
        if (mw.allTied()) {
            reasons.add("every run of both groups has the same value: the rank test has no information (p = 1)");
        }
        Welch welch = Welch.of(a, r);
        if (welch == null) {
            reasons.add(ZERO_VARIANCE);
            // the margin is defined (a fraction of the reference mean) even where TOST is not (a review, 2026-12-02)
            return ratios ? b.setEquivalenceMargin(s.equivalenceMarginRatio() * Math.abs(refMean)) : b;
        }
        double[] ci = welch.interval(1 - s.alpha());
        b.setWelchT(welch.t()).setWelchDf(welch.df()).setWelchP(welch.p()).setCiLow(ci[0]).setCiHigh(ci[1]);
        HedgesG g = HedgesG.of(a, r, 1 - s.alpha());
        b.setHedgesG(g.g()).setHedgesGCiLow(g.low()).setHedgesGCiHigh(g.high());
        if (!ratios) {
            return b;
        }
        b.setCiLowRatio(ci[0] / refMean).setCiHighRatio(ci[1] / refMean);
        double margin = s.equivalenceMarginRatio() * Math.abs(refMean);
        double tost = welch.tostP(margin);
        b.setEquivalenceMargin(margin).setTostP(tost).setEquivalent(tost < s.alpha());
        double target = s.powerRatio() * Math.abs(refMean);
        double sd = Math.sqrt(Sample.pooledVariance(a, r));
        b.setPowerDifference(target).setPowerAtRuns(TTestPower.power(a.n(), r.n(), target, sd, s.alpha()));
        int needed = TTestPower.runsNeeded(target, sd, s.alpha(), s.powerTarget());
        if (needed < 0) {
            reasons.add("more than " + TTestPower.MAX_RUNS + " runs per group would be needed to detect "
                    + target + " " + metric.unit());
        } else {
            b.setRunsNeededPerGroup(needed);
        }
        return b;
    }

    private static void tooFew(Configuration c, Sample sample, List<String> reasons) {
        if (sample.n() < 2) {
            reasons.add("too few runs in " + c.label() + ": " + sample.n() + " (needs 2)");
        }
    }

    /** Holm over the comparisons that have the p-value; {@code welch} picks the family. */
    private static void adjust(List<Comparison.Builder> comparisons, boolean welch, double alpha) {
        List<Comparison.Builder> family = comparisons.stream()
                .filter(c -> (welch ? c.getWelchP() : c.getMannWhitneyP()) != null).toList();
        double[] p = family.stream().mapToDouble(c -> welch ? c.getWelchP() : c.getMannWhitneyP()).toArray();
        double[] adjusted = Holm.adjust(p);
        for (int i = 0; i < family.size(); i++) {
            if (welch) {
                family.get(i).setWelchPHolm(adjusted[i]).setSignificant(adjusted[i] < alpha);
            } else {
                family.get(i).setMannWhitneyPHolm(adjusted[i]);
            }
        }
    }
}
