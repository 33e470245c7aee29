package dev.ampwatch.power.wattmeter;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Exact unit conversions of meter energy totals to the microjoules of {@code energy_uj}. Works on
 * decimals, so a total a meter prints as {@code 6.532} Wh becomes exactly 23 515 200 000 µJ rather
 * than whatever the nearest double times 3.6e9 rounds to.
 */
final class Energy {

    static final BigDecimal UJ_PER_WH = new BigDecimal("3600000000");
    static final BigDecimal UJ_PER_KWH = new BigDecimal("3600000000000");
    static final BigDecimal UJ_PER_J = new BigDecimal("1000000");

    private Energy() {}

    static long whToUj(BigDecimal wh) {
        return toUj(wh, UJ_PER_WH);
    }

    static long kwhToUj(BigDecimal kwh) {
        return toUj(kwh, UJ_PER_KWH);
    }

    static long joulesToUj(BigDecimal joules) {
        return toUj(joules, UJ_PER_J);
    }

    /** {@code value × factor}, rounded half-up to whole µJ; rejects negatives and overflow. */
    static long toUj(BigDecimal value, BigDecimal factor) {
        if (value.signum() < 0) {
            throw new IllegalArgumentException("negative energy total " + value.toPlainString());
        }
        try {
            return value.multiply(factor).setScale(0, RoundingMode.HALF_UP).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("energy total " + value.toPlainString() + " is out of range", e);
        }
    }

    /** A decimal from meter text such as {@code "6.532"}; {@link NumberFormatException} if not one. */
    static BigDecimal decimal(String text) {
        BigDecimal d = new BigDecimal(text.strip());
        return d;
    }
}
