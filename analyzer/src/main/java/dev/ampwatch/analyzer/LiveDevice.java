package dev.ampwatch.analyzer;

/**
 * What the analyzer has attributed on one device of a host so far, for live metrics.
 *
 * @param component the component (GPU, CPU_PACKAGE, DRAM, WALL, ...)
 * @param device the device id
 * @param powerWatts mean power of the latest attributed stretch; NaN before the first one
 * @param energyJoules energy attributed on the device since the analyzer first saw it (all of it: runs and idle)
 * @param runEnergyJoules of it, the energy attributed to runs
 * @param idlePowerWatts the idle baseline (mean power while no run used the device); NaN until enough idle time was seen
 * @param energyUntilSeconds the event time (epoch seconds) up to which {@code energyJoules} is integrated: the device's
 *     latest reading, which the host's attributed time may be past; NaN when not known (then the attributed time)
 */
public record LiveDevice(String component, String device, double powerWatts, double energyJoules, double runEnergyJoules,
                         double idlePowerWatts, double energyUntilSeconds) {
    /** A device whose energy is integrated up to its host's attributed time. */
    public LiveDevice(String component, String device, double powerWatts, double energyJoules, double runEnergyJoules,
                      double idlePowerWatts) {
        this(component, device, powerWatts, energyJoules, runEnergyJoules, idlePowerWatts, Double.NaN);
    }
}
