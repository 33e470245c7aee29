package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.host.HostId;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Readings and events the analyzer refuses to attribute, with the reason naming what was wrong. The
 * message is only built for a record that fails: this runs on every record.
 */
final class InputValidator {
    /** No single device draws this much; a larger value is a unit mistake (mW sent as W) or garbage. */
    static final double MAX_DEVICE_WATTS = 20_000;

    /** Host ids already found valid: a fleet has a bounded set, and checking each record's costs a scan. */
    private static final int MAX_KNOWN_HOSTS = 100_000;

    private final Duration maxFutureSkew;
    private final java.util.Set<String> knownHosts = new java.util.HashSet<>();

    InputValidator(Duration maxFutureSkew) {
        this.maxFutureSkew = maxFutureSkew;
    }

    Optional<String> check(PowerSample s, Instant now) {
        Double w = s.getPowerWatts();
        if (w == null && s.getEnergyUj() == null) {
            return fail(s, "neither power_watts nor energy_uj is set");
        }
        if (w != null && (w.isNaN() || w.isInfinite() || w < 0)) {
            return fail(s, "power_watts=" + w + " is not a finite non-negative number");
        }
        if (w != null && w > MAX_DEVICE_WATTS) {
            return fail(s, "power_watts=" + w + " exceeds " + MAX_DEVICE_WATTS + " W (milliwatts sent as watts?)");
        }
        if (s.getEnergyUj() != null && s.getEnergyUj() < 0) {
            return fail(s, "energy_uj=" + s.getEnergyUj() + " is negative");
        }
        // what replay refuses in a file, refused on the topic too (a review sent them straight to Kafka)
        Long range = s.getEnergyRangeUj();
        if (range != null && range <= 0) {
            return fail(s, "energy_range_uj=" + range + " is not positive");
        }
        if (range != null && s.getEnergyUj() != null && s.getEnergyUj() >= range) {
            return fail(s, "energy_uj=" + s.getEnergyUj() + " is at or above energy_range_uj=" + range + " (a counter wraps below it)");
        }
        if (s.getPowerWindowMs() != null && s.getPowerWindowMs() <= 0) {
            return fail(s, "power_window_ms=" + s.getPowerWindowMs() + " is not positive");
        }
        if (s.getDevice().isBlank()) {
            return fail(s, "device is blank: a reading must name its device (gpu0, package-0, ...)");
        }
        Optional<String> host = hostProblem(s.getHost());
        if (host.isPresent()) {
            return fail(s, host.get());
        }
        if (s.getEventTime().isAfter(now.plus(maxFutureSkew))) {
            return fail(s, future(now));
        }
        if (s.getEventTime().isBefore(EARLIEST)) {
            return fail(s, past());
        }
        return Optional.empty();
    }

    Optional<String> check(TrainingEvent e, Instant now) {
        Optional<String> host = hostProblem(e.getHost());
        if (host.isPresent()) {
            return fail(e, host.get());
        }
        boolean marker = e.getKind() == EventKind.PROGRESS || e.getKind() == EventKind.STREAM_END;
        if (e.getKind() == EventKind.UNKNOWN) {
            return fail(e, "kind is not one this analyzer knows (a newer producer?)");
        }
        if (e.getRunId().isBlank() && !marker) {
            return fail(e, "run_id is blank");
        }
        if (e.getKind() == EventKind.STREAM_END && !e.getRunId().isEmpty()) {
            return fail(e, "STREAM_END is host-wide: its run_id must be empty");
        }
        if (e.getEventTime().isAfter(now.plus(maxFutureSkew))) {
            return fail(e, future(now));
        }
        if (e.getEventTime().isBefore(EARLIEST)) {
            return fail(e, past());
        }
        return Optional.empty();
    }

    private Optional<String> hostProblem(String host) {
        if (knownHosts.contains(host)) {
            return Optional.empty();
        }
        Optional<String> problem = HostId.problem(host);
        if (problem.isEmpty() && knownHosts.size() < MAX_KNOWN_HOSTS) {
            knownHosts.add(host);
        }
        return problem;
    }

    /** No power reading or training event of interest is older; earlier means an unset clock or a unit slip. */
    static final Instant EARLIEST = dev.ampwatch.schema.time.EventTimes.EARLIEST;

    private static String past() {
        return "event time is before " + EARLIEST + " (a clock that was not set, or seconds sent where microseconds belong?)";
    }

    private String future(Instant now) {
        return "event time is more than " + maxFutureSkew + " ahead of the analyzer clock (" + now + "; --max-future-skew)";
    }

    private static Optional<String> fail(PowerSample s, String why) {
        return Optional.of(new HostInput.Sample(s).describe() + ": " + why);
    }

    private static Optional<String> fail(TrainingEvent e, String why) {
        return Optional.of(new HostInput.Event(e).describe() + ": " + why);
    }
}
