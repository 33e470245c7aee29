package dev.ampwatch.replay;

import dev.ampwatch.schema.EventKind;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The records in the order replay sends them: sorted by event time, with host-wide progress markers
 * interleaved, optionally shifted so the earliest record is now.
 *
 * <p>Replay is the only source of a replayed host's training events, so it vouches for them: the
 * analyzer holds a host's attribution until its training-events progress passes, which a fast
 * replay would otherwise outrun (docs/replay.md). Markers cost at most one per record plus two per
 * host: a host gets one only at a boundary after it had records, never for an idle interval.
 */
public final class ReplayStream {
    private ReplayStream() {}

    /** Sorted, with markers every {@code interval} of event time, shifted to {@code now} unless it is null. */
    public static List<ReplayRecord> plan(List<ReplayRecord> records, Duration interval, Instant now) {
        return shifted(withMarkers(ordered(records), interval), now);
    }

    /**
     * What of a planned stream the broker or the analyzer would refuse ({@link dev.ampwatch.schema.time.EventTimes}):
     * an event time before 2000, or more than an hour after {@code now}. One message per record (its origin first),
     * at most {@code limit}, then a count; a trace that {@code --shift-to-now} pushed past the hour gets one message
     * saying why. Markers are left out: they follow their records.
     */
    public static List<String> outOfRange(List<ReplayRecord> planned, Instant now, boolean shifted, int limit) {
        List<String> out = new ArrayList<>();
        int count = 0;
        Instant first = null;
        Instant last = null;
        for (ReplayRecord r : planned) {
            if (r.marker()) {
                continue;
            }
            Instant t = r.eventTime();
            first = first == null || t.isBefore(first) ? t : first;
            last = last == null || t.isAfter(last) ? t : last;
            String why = outOfRange(t, now);
            if (why != null && !shifted) {
                if (count++ < limit) {
                    out.add(r.origin() + ": " + why);
                }
            } else if (why != null) {
                count++;
            }
        }
        if (shifted && count > 0) {
            return List.of("--shift-to-now moves the earliest record to now, and this trace spans "
                    + Duration.between(first, last).truncatedTo(ChronoUnit.SECONDS).toString().substring(2).toLowerCase(java.util.Locale.ROOT)
                    + ": its last " + count + " records would be more than 1 h in the future, which the broker and the analyzer"
                    + " refuse; replay it in parts of under an hour, or without --shift-to-now (with a fresh --topic-prefix)");
        }
        if (count > limit) {
            out.add("... and " + (count - limit) + " more");
        }
        return out;
    }

    /** Why the broker or the analyzer would refuse event time {@code t} at {@code now}; null if neither would. */
    public static String outOfRange(Instant t, Instant now) {
        if (t.isBefore(dev.ampwatch.schema.time.EventTimes.EARLIEST)) {
            return "event time " + t + " is before 2000-01-01, which the analyzer refuses (a timestamp in the wrong unit?)";
        }
        if (t.isAfter(now.plus(dev.ampwatch.schema.time.EventTimes.MAX_FUTURE_SKEW))) {
            return "event time " + t + " is more than 1 h after now (" + now.truncatedTo(ChronoUnit.SECONDS)
                    + "): the broker refuses it (log.message.timestamp.after.max.ms) and the analyzer too (--max-future-skew)";
        }
        return null;
    }

    /** Sorted by event time; stable, so records with equal times keep file order. */
    static List<ReplayRecord> ordered(List<ReplayRecord> records) {
        List<ReplayRecord> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparing(ReplayRecord::eventTime));
        return sorted;
    }

    /**
     * Every time moved by one offset so that the first is {@code now} (to the microsecond, the
     * schemas' resolution); markers move with the records, so what they promise stays true.
     */
    static List<ReplayRecord> shifted(List<ReplayRecord> stream, Instant now) {
        if (now == null || stream.isEmpty()) {
            return stream;
        }
        Duration offset = Duration.between(stream.get(0).eventTime(), now.truncatedTo(ChronoUnit.MICROS));
        return stream.stream().map(r -> r.shiftedBy(offset)).toList();
    }

    /** Hosts with a training event in {@code records} (markers included): the hosts replay vouches for. */
    private static Set<String> hostsWithEvents(List<ReplayRecord> records) {
        Set<String> hosts = new HashSet<>();
        records.stream().filter(r -> r.event() != null).forEach(r -> hosts.add(r.host()));
        return hosts;
    }

    /** Hosts of power samples in {@code records} with no training event there: replay vouches for none of them. */
    public static java.util.SortedSet<String> hostsWithoutEvents(List<ReplayRecord> records) {
        Set<String> withEvents = hostsWithEvents(records);
        java.util.SortedSet<String> powerOnly = new java.util.TreeSet<>();
        records.stream().filter(r -> r.sample() != null && !withEvents.contains(r.host())).forEach(r -> powerOnly.add(r.host()));
        return powerOnly;
    }

    /**
     * Adds, to records sorted by event time, for each host whose training events are among them (replay then being the
     * only source of that host's events), a {@code PROGRESS} for each such host that had records since
     * its last one whenever the time passes a multiple of {@code interval} (since the epoch), placed
     * before the first record after that boundary; and after the last record, per host, a final
     * {@code PROGRESS} at its last record time (where no marker covers it yet) and a
     * {@code STREAM_END}. When the time jumps over several boundaries the marker takes the latest:
     * the same number of markers, and the furthest promise that is still true.
     */
    static List<ReplayRecord> withMarkers(List<ReplayRecord> sorted, Duration interval) {
        long step = micros(interval);
        if (step <= 0) {
            throw new IllegalArgumentException("progress interval must be positive: " + interval);
        }
        List<ReplayRecord> out = new ArrayList<>(sorted.size() + sorted.size() / 8 + 16);
        Map<String, Instant> lastRecord = new LinkedHashMap<>(); // first-appearance order, for a stable end
        Map<String, Instant> lastProgress = new HashMap<>();
        Set<String> pending = new LinkedHashSet<>(); // hosts with records since their last PROGRESS
        // only hosts whose training events this replay sends: for a host of power samples alone the events come from
        // another producer (a later replay, a live trainer), and a marker would promise that there are none (a review:
        // a power-only replay then an events-only one gave every run 0 J)
        Set<String> vouched = hostsWithEvents(sorted);
        long previous = Long.MIN_VALUE;
        for (ReplayRecord r : sorted) {
            long t = micros(r.eventTime());
            if (!pending.isEmpty()) {
                long boundary = Math.floorDiv(t - 1, step) * step; // the latest boundary before t
                if (boundary >= previous) { // every record at or before it is out, none after it yet
                    Instant at = instant(boundary);
                    for (String host : pending) {
                        out.add(ReplayRecord.marker(EventKind.PROGRESS, host, at));
                        lastProgress.put(host, at);
                    }
                    pending.clear();
                }
            }
            out.add(r);
            previous = t;
            if (!vouched.contains(r.host())) {
                continue;
            }
            pending.add(r.host());
            lastRecord.put(r.host(), r.eventTime());
        }
        for (Map.Entry<String, Instant> e : lastRecord.entrySet()) {
            String host = e.getKey();
            Instant end = e.getValue();
            if (pending.contains(host)) {
                out.add(ReplayRecord.marker(EventKind.PROGRESS, host, end));
            } else if (lastProgress.get(host).isAfter(end)) {
                end = lastProgress.get(host); // a boundary after its last record: never step back
            }
            out.add(ReplayRecord.marker(EventKind.STREAM_END, host, end));
        }
        return out;
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1_000;
    }

    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
}
