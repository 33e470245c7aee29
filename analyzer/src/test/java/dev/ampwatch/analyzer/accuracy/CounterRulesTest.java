package dev.ampwatch.analyzer.accuracy;

import static dev.ampwatch.analyzer.accuracy.EnergyRulesTest.EXACT;
import static dev.ampwatch.analyzer.accuracy.EnergyRulesTest.component;
import static dev.ampwatch.analyzer.accuracy.TopologyHarness.us;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.RunEnergy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rules of docs/energy.md for energy counters (wraps, resets, glitches) and for gaps between readings, one per
 * test, through the real topology, with exact expected joules ({@link EnergyRulesTest} has the sharing, nesting and
 * window rules).
 */
class CounterRulesTest {
    TopologyHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void aRaplCounterThatWrapsIsIntegratedExactlyThroughTheWrap() {
        h = new TopologyHarness("wrap");
        long range = 262_143_328_850L; // RAPL max_energy_range_uj + 1
        h.start("r", 0);
        // 5 J per second; the counter wraps between 1 s and 2 s
        long[] counter = {range - 8_000_000, range - 3_000_000, 2_000_000, 7_000_000, 12_000_000};
        for (int s = 0; s < counter.length; s++) {
            h.counter(Component.CPU_PACKAGE, "package-0", us(s), counter[s], range);
        }
        h.complete("r", us(4));
        for (int s = 5; s <= 9; s++) {
            h.counter(Component.CPU_PACKAGE, "package-0", us(s), counter[4] + 5_000_000L * (s - 4), range);
        }
        RunEnergy r = h.finalOf("r");
        assertThat(r.getEnergyJoules()).isCloseTo(20.0, within(EXACT));
        assertThat(component(r, Component.CPU_PACKAGE, "package-0").getMethod()).isEqualTo("counter");
        assertThat(r.getQuality().getCounterResets()).isZero();
    }

    /**
     * A ranged counter that restarts from 0 far below the top of its range (a driver reload, a VM moved) is a reset, not
     * a wrap: taken for a wrap it added the rest of the range, 257 kJ in 100 ms (a review of the power-agent).
     */
    @Test
    void aRangedCounterThatRestartsFarBelowItsTopIsAResetNotAWrap() {
        h = new TopologyHarness("ranged-reset");
        h.start("r", 0);
        long range = 262_143_328_850L; // RAPL max_energy_range_uj + 1
        long[] counter = {5_400_000_000L, 5_410_000_000L, 5_000_000L, 15_000_000L};
        for (int s = 0; s < counter.length; s++) {
            h.counter(Component.CPU_PACKAGE, "package-0", us(s), counter[s], range);
        }
        h.complete("r", us(3));
        for (int s = 4; s <= 8; s++) {
            h.counter(Component.CPU_PACKAGE, "package-0", us(s), 15_000_000L + 10_000_000L * (s - 3), range);
        }
        RunEnergy r = h.finalOf("r");
        assertThat(r.getEnergyJoules()).isCloseTo(20.0, within(EXACT)); // [0,1] and [2,3]; [1,2] is the reset
        assertThat(r.getQuality().getCounterResets()).isEqualTo(1);
        assertThat(r.getPeakPowerWatts()).isLessThan(100);
    }

    /**
     * A plug that rebooted (its total back to 0) says its watts on both sides of the reset: that interval is integrated
     * by them, and the reset still counted (a review saw a 100 W second lost: 2100.4 J of 2200).
     */
    @Test
    void aResetBetweenReadingsThatAlsoHavePowerIsIntegratedByThePower() {
        h = new TopologyHarness("reset-with-power");
        h.start("r", 0);
        long[] counter = {1_000_000_000L, 1_100_000_000L, 0L, 100_000_000L};
        for (int s = 0; s < counter.length; s++) {
            h.pipe(TopologyHarness.sample(Component.WALL, "wall", us(s)).setEnergyUj(counter[s]).setPowerWatts(100.0)
                    .setPowerKind(dev.ampwatch.schema.PowerKind.INSTANT).build());
        }
        h.complete("r", us(3));
        for (int s = 4; s <= 8; s++) {
            h.pipe(TopologyHarness.sample(Component.WALL, "wall", us(s)).setEnergyUj(100_000_000L * (s - 2)).setPowerWatts(100.0)
                    .setPowerKind(dev.ampwatch.schema.PowerKind.INSTANT).build());
        }
        RunEnergy r = h.finalOf("r");
        assertThat(r.getEnergyJoules()).isCloseTo(300.0, within(EXACT)); // two counter seconds and the reset second by power
        assertThat(r.getQuality().getCounterResets()).isEqualTo(1);
    }

    /**
     * One glitched reading of 0 in a counter of ~100 kJ: the drop is a reset, and so is the step back up (100 kJ in 1 s,
     * no device draws 100 kW). A review got 101,570 J for a 900 J run: the step back up was counted as energy.
     * 10 W throughout: [0,1], [3,4] and [4,5] integrated (30 J), [1,2] and [2,3] the two resets.
     */
    @Test
    void aGlitchedReadingOfZeroIsTwoResetsNotAHundredKilojoules() {
        h = new TopologyHarness("glitch");
        h.start("r", 0);
        long base = 100_000_000_000L; // 100 kJ
        long[] counter = {base, base + 10_000_000L, 0L, base + 30_000_000L, base + 40_000_000L, base + 50_000_000L};
        for (int s = 0; s < counter.length; s++) {
            h.counter(Component.CPU_PACKAGE, "package-0", us(s), counter[s], null);
        }
        h.complete("r", us(5));
        for (int s = 6; s <= 10; s++) {
            h.counter(Component.CPU_PACKAGE, "package-0", us(s), base + 10_000_000L * s, null);
        }
        RunEnergy r = h.finalOf("r");
        assertThat(r.getEnergyJoules()).isCloseTo(30.0, within(EXACT));
        assertThat(r.getQuality().getCounterResets()).isEqualTo(2);
        assertThat(r.getPeakPowerWatts()).isLessThan(100);
    }

    /**
     * A source replaced on a rig (the estimate's "cpu" by RAPL's "package-0" at 30 s) is no gap in a run that starts a
     * minute later, nor is a one-off device read once (a "fan" at 5 s) in a run more than 10 minutes later; in between,
     * with nothing of its component replacing it, the fan is a gap (it may be a sensor that died). A review saw every later
     * run report its whole duration as gaps, its joules exact. A device that stops during a run is a gap as before.
     */
    @Test
    void aDeviceGoneBeforeARunStartedIsNoGapInIt() {
        h = new TopologyHarness("retired");
        h.power(Component.OTHER, "fan", us(5), 3.0);
        for (int s = 0; s <= 30; s++) {
            h.power(Component.CPU_PACKAGE, "cpu", us(s), 40.0);
        }
        for (int s = 30; s <= 760; s++) {
            h.power(Component.CPU_PACKAGE, "package-0", us(s), 50.0);
            if (s == 60 || s == 700) {
                h.start(s == 60 ? "r" : "late", us(s));
            } else if (s == 80 || s == 720) {
                h.complete(s == 80 ? "r" : "late", us(s));
            }
        }
        RunEnergy r = h.finalOf("r");
        assertThat(r.getEnergyJoules()).isCloseTo(50.0 * 20, within(EXACT));
        assertThat(r.getQuality().getGaps()).as("the fan, silent for less than 10 minutes: maybe a dead sensor").isEqualTo(1);
        assertThat(r.getQuality().getGapSeconds()).isCloseTo(20.0, within(EXACT));
        RunEnergy late = h.finalOf("late");
        assertThat(late.getEnergyJoules()).isCloseTo(50.0 * 20, within(EXACT));
        assertThat(late.getQuality().getGaps()).isZero();
    }

    @Test
    void aCounterThatGoesBackwardsWithoutARangeIsAResetCountedAndNotIntegrated() {
        h = new TopologyHarness("reset");
        h.start("r", 0);
        long[] counter = {1_000_000_000L, 1_010_000_000L, 5_000_000L, 15_000_000L};
        for (int s = 0; s < counter.length; s++) {
            h.counter(Component.CPU_PACKAGE, "package-0", us(s), counter[s], null);
        }
        h.complete("r", us(3));
        for (int s = 4; s <= 8; s++) {
            h.counter(Component.CPU_PACKAGE, "package-0", us(s), 15_000_000L + 10_000_000L * (s - 3), null);
        }
        RunEnergy r = h.finalOf("r");
        assertThat(r.getEnergyJoules()).isCloseTo(20.0, within(EXACT)); // [0,1] and [2,3]; [1,2] is the reset
        assertThat(r.getQuality().getCounterResets()).isEqualTo(1);
    }

    @Test
    void anIntervalLongerThanTheMaximumGapIsCountedAndNotIntegrated() {
        h = new TopologyHarness("gap");
        h.start("r", us(1));
        for (int s = 0; s <= 4; s++) {
            h.power(Component.CPU_PACKAGE, "package-0", us(s), 100);
        }
        for (int s = 16; s <= 30; s++) { // 4 s .. 16 s: 12 s without a reading, max gap 10 s
            h.power(Component.CPU_PACKAGE, "package-0", us(s), 100);
            if (s == 20) {
                h.complete("r", us(20));
            }
        }
        RunEnergy r = h.finalOf("r");
        assertThat(r.getEnergyJoules()).isCloseTo(300.0 + 400.0, within(EXACT));
        assertThat(r.getQuality().getGaps()).isEqualTo(1);
        assertThat(r.getQuality().getGapSeconds()).isCloseTo(12.0, within(EXACT));
        assertThat(component(r, Component.CPU_PACKAGE, "package-0").getCoveredSeconds()).isCloseTo(7.0, within(EXACT));
    }

    @Test
    void anIntervalOfExactlyTheMaximumGapIsStillIntegrated() {
        h = new TopologyHarness("gap-edge");
        h.start("r", 0);
        h.power(Component.CPU_PACKAGE, "package-0", 0, 100);
        h.power(Component.CPU_PACKAGE, "package-0", us(10), 200);
        h.complete("r", us(10));
        h.powerEachSecond(Component.CPU_PACKAGE, "package-0", 11, 15, 200);
        RunEnergy r = h.finalOf("r");
        assertThat(r.getEnergyJoules()).isCloseTo(1500.0, within(EXACT));
        assertThat(r.getQuality().getGaps()).isZero();
    }
}
