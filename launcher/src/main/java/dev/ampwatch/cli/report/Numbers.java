package dev.ampwatch.cli.report;

import java.util.Locale;

/** How numbers read in the report, the CSV and the demo's verdicts: fixed locale, no NaN, no sentinel. */
public final class Numbers {
    private Numbers() {}

    /** {@code digits} after the point, or an empty string for a missing value. */
    public static String fixed(Double v, int digits) {
        return v == null || !Double.isFinite(v) ? "" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    /** Signed, e.g. +3.1 or -0.4. */
    public static String signed(Double v, int digits) {
        return v == null || !Double.isFinite(v) ? "" : String.format(Locale.ROOT, "%+." + digits + "f", v);
    }

    /** A p-value: three decimals, or "< 0.001". */
    public static String p(Double p) {
        if (p == null || !Double.isFinite(p)) {
            return "";
        }
        return p < 0.001 ? "< 0.001" : String.format(Locale.ROOT, "%.3f", p);
    }

    /** "p = 0.003" or "p < 0.001". */
    public static String pEquals(Double p) {
        String s = p(p);
        return s.startsWith("<") ? "p " + s : "p = " + s;
    }

    /** Four significant digits, for sums of squares and other wide-ranging values. */
    public static String sig(Double v) {
        if (v == null || !Double.isFinite(v)) {
            return "";
        }
        if (v != 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
    }

    /** Exact text for the CSV: Java's shortest round-trip form. */
    public static String exact(Double v) {
        return v == null || !Double.isFinite(v) ? "" : Double.toString(v);
    }
}
