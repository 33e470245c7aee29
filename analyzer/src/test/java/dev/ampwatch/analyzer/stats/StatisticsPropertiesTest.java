package dev.ampwatch.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.ExperimentStats;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;

class StatisticsPropertiesTest {

    @Property
    void holmNeverLowersAPValueNeverPassesOneAndKeepsTheirOrder(
            @ForAll @Size(min = 1, max = 20) List<@DoubleRange(min = 0, max = 1) Double> raw) {
        double[] p = raw.stream().mapToDouble(Double::doubleValue).toArray();
        double[] adjusted = Holm.adjust(p);
        for (int i = 0; i < p.length; i++) {
            assertThat(adjusted[i]).isBetween(p[i], 1.0);
            for (int j = 0; j < p.length; j++) {
                if (p[i] <= p[j]) {
                    assertThat(adjusted[i]).isLessThanOrEqualTo(adjusted[j]);
                }
            }
        }
    }

    /** Schuirmann: TOST at alpha rejects exactly when the (1 - 2 alpha) interval lies inside the margins. */
    @Property
    void tostDeclaresEquivalenceExactlyWhenTheNinetyPercentIntervalIsInsideTheMargin(
            @ForAll("samples") double[] a, @ForAll("samples") double[] b,
            @ForAll @DoubleRange(min = 0.01, max = 20) double margin) {
        Welch w = Welch.of(new Sample(a), new Sample(b));
        if (w == null) {
            return;
        }
        double[] ci = w.interval(0.90);
        boolean inside = ci[0] > -margin && ci[1] < margin;
        double p = w.tostP(margin);
        if (Math.abs(p - 0.05) > 1e-9) { // at the boundary rounding decides
            assertThat(p < 0.05).as("tost p %s, 90%% interval [%s, %s], margin %s", p, ci[0], ci[1], margin)
                    .isEqualTo(inside);
        }
    }

    @Property
    void anExperimentOfAnyRunsHasNoNaNAnywhere(@ForAll("samples") double[] fp32, @ForAll("samples") double[] amp,
                                               @ForAll("samples") double[] fp32Small, @ForAll boolean benchmark) {
        ExperimentStats stats = ExperimentStatistics.compute(new Runs().add("fp32", 128, 256, benchmark, fp32)
                .add("amp-fp16", 128, amp).add("fp32", 32, fp32Small).add("amp-fp16", 32, amp).experiment());
        assertThat(NoNaN.in(stats)).isEmpty();
        assertThat(stats.getComparisons()).allSatisfy(c -> {
            if (c.getWelchP() == null || c.getMannWhitneyP() == null) {
                assertThat(c.getReasons()).isNotEmpty();
            }
        });
    }

    /** 0 to 6 runs, often tied: values from a handful of levels. */
    @Provide
    Arbitrary<double[]> samples() {
        return Arbitraries.of(100.0, 101.0, 101.0, 103.5, 120.0).array(double[].class).ofMinSize(0).ofMaxSize(6);
    }
}
