package dev.ampwatch.cli.report;

import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ComparisonKind;
import dev.ampwatch.schema.ExperimentStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Each mixed precision configuration against fp32 at the same settings, in plain words with the numbers:
 * its average power (difference, ratio, interval, Holm-adjusted Welch p) and its energy (significant
 * difference, equivalence within the margin, or neither, with the runs a decision would need). Used by the
 * demo's and the sweep's last lines and the report's summary.
 */
public final class Verdicts {
    private Verdicts() {}

    /** The verdicts under a line saying what they rest on: the demo's and the sweep's last lines. */
    public static void print(java.io.PrintStream out, ExperimentStats stats) {
        var settings = stats.getSettings();
        out.printf("%nlower precisions vs fp32 at the same settings (Welch's t with Holm, %s %% intervals; energy: TOST within +-%s %%):%n",
                confidence(settings == null ? 0.05 : settings.getAlpha()),
                Numbers.sig(100 * (settings == null ? 0.05 : settings.getEquivalenceMarginRatio())));
        List<String> verdicts = of(stats);
        if (verdicts.isEmpty()) {
            out.println("  none: no mixed precision ran next to fp32");
        }
        verdicts.forEach(v -> out.println("  " + v));
    }

    public static List<String> of(ExperimentStats stats) {
        double alpha = stats.getSettings() == null ? 0.05 : stats.getSettings().getAlpha();
        double margin = stats.getSettings() == null ? 0.05 : stats.getSettings().getEquivalenceMarginRatio();
        List<String> out = new ArrayList<>();
        for (Comparison power : stats.getComparisons()) {
            if (!power.getMetric().equals("average_power_watts") || !power.getKinds().contains(ComparisonKind.PRECISION_VS_FP32)) {
                continue;
            }
            Comparison energy = stats.getComparisons().stream().filter(c -> c.getMetric().equals("energy_joules")
                    && c.getConfiguration().equals(power.getConfiguration()) && c.getReference().equals(power.getReference()))
                    .findFirst().orElse(null);
            out.add(power.getConfigurationLabel() + " vs " + power.getReferenceLabel() + ": " + power(power, alpha)
                    + "; energy: " + (energy == null ? "not compared" : energy(energy, alpha, margin)));
        }
        return out;
    }

    static String power(Comparison c, double alpha) {
        if (c.getMeanDifference() == null) {
            return "power not compared (" + String.join("; ", c.getReasons()) + ")";
        }
        double d = c.getMeanDifference();
        StringBuilder b = new StringBuilder("draws ").append(Numbers.fixed(Math.abs(d), 1)).append(" W ")
                .append(d < 0 ? "less" : "more");
        List<String> inside = new ArrayList<>();
        if (c.getMeanDifferenceRatio() != null) {
            inside.add(Numbers.signed(100 * c.getMeanDifferenceRatio(), 1) + " %");
        }
        if (c.getCiLow() != null) {
            inside.add(confidence(alpha) + " % CI " + Numbers.fixed(c.getCiLow(), 1) + " to " + Numbers.fixed(c.getCiHigh(), 1) + " W");
        }
        if (!inside.isEmpty()) {
            b.append(" (").append(String.join(", ", inside)).append(')');
        }
        if (c.getWelchPHolm() != null) {
            b.append(", ").append(c.getSignificant() ? "significant" : "not significant").append(" after Holm (")
                    .append(Numbers.pEquals(c.getWelchPHolm())).append(')');
        } else if (!c.getReasons().isEmpty()) {
            b.append(", untested: ").append(String.join("; ", c.getReasons()));
        }
        return b.toString();
    }

    static String energy(Comparison c, double alpha, double margin) {
        String within = "within +-" + Numbers.sig(100 * margin) + " %";
        if (c.getMeanDifference() == null) {
            return "not compared (" + String.join("; ", c.getReasons()) + ")";
        }
        String ratio = c.getMeanDifferenceRatio() == null ? Numbers.signed(c.getMeanDifference(), 1) + " J"
                : Numbers.signed(100 * c.getMeanDifferenceRatio(), 1) + " %";
        if (c.getSignificant()) {
            String amount = c.getMeanDifferenceRatio() == null ? Numbers.fixed(Math.abs(c.getMeanDifference()), 1) + " J"
                    : Numbers.fixed(Math.abs(100 * c.getMeanDifferenceRatio()), 1) + " %";
            return "uses " + amount + (c.getMeanDifference() < 0 ? " less" : " more") + ", significant after Holm ("
                    + Numbers.pEquals(c.getWelchPHolm()) + ")";
        }
        if (Boolean.TRUE.equals(c.getEquivalent())) {
            return "equivalent " + within + " (" + ratio + ", TOST " + Numbers.pEquals(c.getTostP()) + ")";
        }
        if (c.getTostP() == null) {
            return ratio + ", untested (" + String.join("; ", c.getReasons()) + ")";
        }
        return ratio + ", neither a significant difference nor equivalent " + within + " (TOST " + Numbers.pEquals(c.getTostP())
                + (c.getRunsNeededPerGroup() == null || c.getPowerDifference() == null ? "" : "; "
                + c.getRunsNeededPerGroup() + " runs per configuration would detect a difference as small as "
                + (Math.abs(c.getPowerDifference()) >= 100 ? Numbers.fixed(c.getPowerDifference(), 0) : Numbers.sig(c.getPowerDifference()))
                + " J" + (isMargin(c) ? " (the margin)" : "") + " with 80 % power") + ")";
    }

    /**
     * Whether the power analysis is for the equivalence margin (its default), not the difference seen: a review read "286
     * runs would detect 49.99 J" next to a -92 % difference as the runs needed to confirm that difference.
     */
    private static boolean isMargin(Comparison c) {
        return c.getEquivalenceMargin() != null
                && Math.abs(Math.abs(c.getPowerDifference()) - Math.abs(c.getEquivalenceMargin())) <= 1e-9 * Math.abs(c.getEquivalenceMargin());
    }

    public static String confidence(double alpha) {
        return Numbers.sig(100 * (1 - alpha)).replace(".0", "").toLowerCase(Locale.ROOT);
    }
}
