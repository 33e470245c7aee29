package dev.ampwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ComparisonKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerdictsTest {
    /** An energy comparison of 2 runs against 2, -92.1 %, neither significant nor equivalent (a review's numbers). */
    private static Comparison.Builder undecided() {
        return Comparison.newBuilder().setKinds(List.of(ComparisonKind.PRECISION_VS_FP32)).setMetric("energy_joules").setUnit("J")
                .setConfiguration("amp-bf16|64").setConfigurationLabel("amp-bf16 bs=64").setReference("fp32|64")
                .setReferenceLabel("fp32 bs=64").setN(2).setNReference(2).setMeanDifference(-920.7).setMeanDifferenceRatio(-0.921)
                .setSignificant(false).setTostP(0.62).setEquivalent(false).setEquivalenceMargin(49.99).setPowerDifference(49.99)
                .setRunsNeededPerGroup(286);
    }

    /** The runs needed are for the margin, not the difference seen: a review read them as what a -92 % effect needs. */
    @Test
    void theRunsNeededSayWhichDifferenceTheyAreFor() {
        assertThat(Verdicts.energy(undecided().build(), 0.05, 0.05)).isEqualTo("-92.1 %, neither a significant difference nor "
                + "equivalent within +-5 % (TOST p = 0.620; 286 runs per configuration would detect a difference as small as "
                + "49.99 J (the margin) with 80 % power)");
        assertThat(Verdicts.energy(undecided().setPowerDifference(100.0).build(), 0.05, 0.05))
                .contains("would detect a difference as small as 100 J with 80 % power");
    }
}
