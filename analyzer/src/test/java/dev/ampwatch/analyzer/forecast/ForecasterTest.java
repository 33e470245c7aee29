package dev.ampwatch.analyzer.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.EpochEnergy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The forecast's bookkeeping on hand-made epochs: what it rests on and what it refuses. */
class ForecasterTest {
    final Forecaster forecaster = new Forecaster(ForecastSettings.DEFAULTS);

    /** Epochs of 10 s at 100 J each, 1 s gaps of 5 J between them, after 20 J of set-up. */
    static List<EpochEnergy> epochs(int n) {
        List<EpochEnergy> out = new ArrayList<>();
        long t = 2;
        for (int e = 1; e <= n; e++) {
            out.add(EpochEnergy.newBuilder().setEpoch(e).setStartTime(Instant.ofEpochSecond(t)).setEndTime(Instant.ofEpochSecond(t + 10))
                    .setEnergyJoules(100).setNetEnergyJoules(80).setBeforeEnergyJoules(e == 1 ? 20 : 5).build());
            t += 11;
        }
        return out;
    }

    @Test
    void identicalEpochsForecastExactlyWithAZeroWidthIntervalAndHalfAGapAfterTheLast() {
        Forecaster.Result r = forecaster.latest(epochs(3), 3, 10, 0, 400);
        // spent: 20 + 3 x 100 + 2 x 5 = 330; 7 more epochs with the gap before each: 7 x 105; the tail: 0..5 J
        assertThat(r.forecast().getEnergyJoules()).isCloseTo(330 + 7 * 105 + 2.5, within(1e-9));
        assertThat(r.forecast().getEnergyLowJoules()).isCloseTo(330 + 7 * 105, within(1e-9));
        assertThat(r.forecast().getEnergyHighJoules()).isCloseTo(330 + 7 * 105 + 5, within(1e-9));
        assertThat(r.forecast().getEndTime()).isEqualTo(Instant.ofEpochSecond(2 + 10 * 11 - 1));
        // net: the idle power seen in the epochs, (100 - 80) J / 10 s = 2 W, over the whole forecast duration
        assertThat(r.forecast().getNetEnergyJoules()).isCloseTo(r.forecast().getEnergyJoules() - 2 * (2 + 10 * 11 - 1), within(1e-9));
        assertThat(r.forecast().getNotes()).as("said to be no 95 % interval").anyMatch(n -> n.startsWith("the 3 epochs used cost the same "
                + "to the joule: there is no variation to build the prediction interval from, so it has no width and is no 95 % interval"));
    }

    /**
     * Net's low bound, like gross', is never below what is spent: epochs whose power is idle's (net 0, the ESTIMATE
     * source on a busy machine) and a wide gross interval gave a net interval reaching thousands of joules below zero.
     */
    @Test
    void netsLowBoundIsNotBelowTheNetSpent() {
        List<EpochEnergy> noisy = new ArrayList<>();
        long t = 0;
        double[] joules = {100, 400, 150, 380};
        for (int e = 1; e <= 4; e++) { // 10 s epochs at 10-40 W, all of it idle power but 1 J an epoch
            noisy.add(EpochEnergy.newBuilder().setEpoch(e).setStartTime(Instant.ofEpochSecond(t)).setEndTime(Instant.ofEpochSecond(t + 10))
                    .setEnergyJoules(joules[e - 1]).setNetEnergyJoules(1).setBeforeEnergyJoules(0).build());
            t += 10;
        }
        var f = forecaster.latest(noisy, 4, 40, 0, 400).forecast();
        double spent = 100 + 400 + 150 + 380;
        double idleWatts = (spent - 4) / 40;
        double netSpent = spent - idleWatts * 40; // 4 J
        assertThat(f.getEnergyLowJoules()).as("gross' low is what was spent").isCloseTo(spent, within(1e-6));
        assertThat(f.getNetEnergyLowJoules()).isCloseTo(netSpent, within(1e-6));
        assertThat(f.getNetEnergyLowJoules()).isLessThanOrEqualTo(f.getNetEnergyJoules());
        assertThat(f.getNetEnergyHighJoules()).isGreaterThanOrEqualTo(f.getNetEnergyJoules());
        // the epochs ran back to back: the forecast says it has nothing to forecast the run's last moments from (a review)
        assertThat(f.getNotes()).anyMatch(n -> n.startsWith("the epochs ran back to back: what the run does after its last epoch"));
        assertThat(forecaster.latest(epochs(3), 3, 10, 0, 400).forecast().getNotes())
                .noneMatch(n -> n.startsWith("the epochs ran back to back"));
    }

    @Test
    void anEpochCutShortByTheRunsFailureIsNotUsed() {
        List<EpochEnergy> e = epochs(4);
        long cut = e.get(3).getEndTime().getEpochSecond() * 1_000_000;
        e.set(3, EpochEnergy.newBuilder(e.get(3)).setEnergyJoules(3).build()); // stopped a moment after it began
        assertThat(forecaster.latest(e, 4, 10, 0, 400, cut).forecast().getAfterEpoch()).isEqualTo(3);
        assertThat(forecaster.latest(e, 4, 10, 0, 400, null).forecast().getAfterEpoch()).isEqualTo(4);
    }

    @Test
    void withheldWithTheReason() {
        assertThat(forecaster.latest(epochs(3), 3, null, 0, 400).withheld()).isEqualTo("the run's configuration names no planned epoch count");
        assertThat(forecaster.latest(epochs(3), 1, 10, 0, 400).withheld())
                .isEqualTo("needs 2 complete epochs before the last planned one, has 1");
        assertThat(forecaster.latest(epochs(3), 3, 2, 0, 400).withheld())
                .as("epoch 2 of 2 is the last: the forecast rests on epochs before it").isEqualTo("needs 2 complete epochs before the last planned one, has 1");
    }
}
