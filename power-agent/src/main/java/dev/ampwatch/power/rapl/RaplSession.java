package dev.ampwatch.power.rapl;

import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.sampling.RateLimitedLog;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open RAPL source: each read publishes the raw {@code energy_uj} counter of every zone, with
 * {@code energy_range_uj = max_energy_range_uj + 1}. The analyzer integrates: the energy between
 * two readings is {@code e1 - e0}, plus the range when the counter went backwards. The counter
 * runs from 0 to {@code max_energy_range_uj} inclusive and then wraps to 0, so the wrap step is
 * max + 1 (strictly, max + one energy unit of about 15 to 61 µJ, as the kernel scales a 32-bit
 * count of units to µJ; the difference is at most one unit per wrap, which takes minutes to
 * hours).
 *
 * <p>A zone whose {@code max_energy_range_uj} cannot be read (or is not a positive number) is
 * not published, rather than published without a range that the analyzer would need at the
 * next wrap; this is logged once per zone, and the range is tried again at each read. A counter
 * read that fails, or is above the range, drops that zone's sample for this read (logged at most
 * once a minute per zone); when every zone fails the read throws. Not thread-safe: the sampler
 * never overlaps reads of one session.
 */
public final class RaplSession implements PowerSession {

    private static final Logger log = LoggerFactory.getLogger(RaplSession.class);
    private static final long UNKNOWN = -1;

    private final List<RaplZone> zones;
    private final SysfsReader reader;
    private final long[] maxEnergyUj;
    private final Set<String> rangeWarned = new HashSet<>();
    private final RateLimitedLog readWarnings;

    RaplSession(List<RaplZone> zones, SysfsReader reader, InstantSource clock) {
        this.zones = List.copyOf(zones);
        this.reader = Objects.requireNonNull(reader, "reader");
        this.readWarnings = new RateLimitedLog(log, Duration.ofMinutes(1), clock);
        this.maxEnergyUj = new long[this.zones.size()];
        for (int i = 0; i < maxEnergyUj.length; i++) {
            maxEnergyUj[i] = readRange(i);
        }
    }

    /** The zones read, in sysfs order, with their nesting. */
    public List<RaplZone> zones() {
        return zones;
    }

    @Override
    public List<PowerReading> read(Instant readTime) throws PowerSourceException {
        List<PowerReading> readings = new ArrayList<>(zones.size());
        String firstFailure = null;
        for (int i = 0; i < zones.size(); i++) {
            RaplZone zone = zones.get(i);
            if (maxEnergyUj[i] == UNKNOWN) {
                maxEnergyUj[i] = readRange(i);
                if (maxEnergyUj[i] == UNKNOWN) {
                    continue; // dropped: a counter without its wrap value cannot be integrated safely
                }
            }
            long max = maxEnergyUj[i];
            long energy;
            try {
                energy = PowercapTree.readLong(reader, zone.energyFile());
            } catch (IOException | RuntimeException e) {
                String reason = PowercapTree.describe(zone.energyFile(), e);
                firstFailure = firstFailure == null ? reason : firstFailure;
                readWarnings.warn(zone.zoneId(), null, "rapl: {} not sampled: {}", zone.device(), reason);
                continue;
            }
            if (energy > max) {
                String reason = zone.energyFile() + " reads " + energy + ", above max_energy_range_uj " + max;
                firstFailure = firstFailure == null ? reason : firstFailure;
                readWarnings.warn(zone.zoneId(), null, "rapl: {} not sampled: {}", zone.device(), reason);
                continue;
            }
            readings.add(PowerReading.energy(zone.component(), zone.device(), readTime, energy,
                    OptionalLong.of(max + 1)));
        }
        if (readings.isEmpty() && firstFailure != null) {
            throw new PowerSourceException("no RAPL counter could be read: " + firstFailure);
        }
        return readings;
    }

    /** {@code max_energy_range_uj} of zone {@code i}, or {@link #UNKNOWN} (warned once per zone). */
    private long readRange(int i) {
        RaplZone zone = zones.get(i);
        long[] max = new long[1];
        String reason = range(reader, zone, max);
        if (reason == null) {
            return max[0];
        }
        if (rangeWarned.add(zone.zoneId())) {
            log.warn("rapl: {} is not published until its wraparound range can be read: {}",
                    zone.device(), reason);
        }
        return UNKNOWN;
    }

    /** Why {@code zone}'s wraparound range cannot be used now, or null when it can. */
    static String rangeProblem(SysfsReader reader, RaplZone zone) {
        return range(reader, zone, new long[1]);
    }

    /** Reads {@code zone}'s {@code max_energy_range_uj} into {@code max[0]}: null, or why it is not usable. */
    private static String range(SysfsReader reader, RaplZone zone, long[] max) {
        try {
            max[0] = PowercapTree.readLong(reader, zone.rangeFile());
            if (max[0] > 0 && max[0] < Long.MAX_VALUE) {
                return null;
            }
            return zone.rangeFile() + " reads " + max[0] + ", not a usable range";
        } catch (IOException | RuntimeException e) {
            return PowercapTree.describe(zone.rangeFile(), e);
        }
    }

    /** Nothing to release: every read opens and closes its files. */
    @Override
    public void close() {}
}
