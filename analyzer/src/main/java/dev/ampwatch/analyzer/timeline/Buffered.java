package dev.ampwatch.analyzer.timeline;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.util.Comparator;

/**
 * A record waiting in a host's {@link GraceBuffer}. Ordered by event time, training events before
 * samples at the same instant (a sample at a run's start belongs to the run); events then by kind (starts,
 * epochs, ends: {@link #rank}) and by arrival on the host, samples by device and value ({@link #compareReadings});
 * the order therefore depends on what
 * each input delivered, never on how the two interleaved.
 * The encoded form is made only when the record is still buffered at a commit, and only once.
 */
public final class Buffered implements Comparable<Buffered> {
    private static final Comparator<Long> LONGS = Comparator.nullsFirst(Comparator.naturalOrder());
    private static final Comparator<Double> DOUBLES = Comparator.nullsFirst(Comparator.naturalOrder());
    private static final Comparator<Integer> INTS = Comparator.nullsFirst(Comparator.naturalOrder());

    private final long timeUs;
    private final long seq;
    private final long movedUs;
    private final PowerSample sample;
    private final TrainingEvent event;
    private final boolean late;
    private byte[] payload;

    private Buffered(long timeUs, long seq, long movedUs, PowerSample sample, TrainingEvent event, byte[] payload) {
        this(timeUs, seq, movedUs, sample, event, payload, false);
    }

    private Buffered(long timeUs, long seq, long movedUs, PowerSample sample, TrainingEvent event, byte[] payload,
                     boolean late) {
        this.late = late;
        this.timeUs = timeUs;
        this.seq = seq;
        this.movedUs = movedUs;
        this.sample = sample;
        this.event = event;
        this.payload = payload;
    }

    public static Buffered sample(long timeUs, long seq, PowerSample sample) {
        return sample(timeUs, seq, sample, null);
    }

    /** @param encoded the sample single-object encoded, as it came (null: encoded when first needed) */
    public static Buffered sample(long timeUs, long seq, PowerSample sample, byte[] encoded) {
        return new Buffered(timeUs, seq, 0, sample, null, encoded);
    }

    /** A sample refused as late, kept only to be counted, in order, on the runs it fell in. */
    public static Buffered lateSample(long timeUs, long seq, PowerSample sample, byte[] encoded) {
        return new Buffered(timeUs, seq, 0, sample, null, encoded, true);
    }

    /** @param movedUs how far a late event was moved forward to {@code timeUs} (0 if on time) */
    public static Buffered event(long timeUs, long seq, long movedUs, TrainingEvent event) {
        return new Buffered(timeUs, seq, movedUs, null, event, null);
    }

    /** From its stored form (see {@link #payload()}). */
    public static Buffered decode(long timeUs, boolean isEvent, boolean late, long seq, long movedUs, byte[] payload) {
        return isEvent
                ? new Buffered(timeUs, seq, movedUs, null, AmpwatchSerdes.trainingEvent().decode(payload), payload)
                : new Buffered(timeUs, seq, 0, AmpwatchSerdes.powerSample().decode(payload), null, payload, late);
    }

    /** A late sample's mark (see {@link #lateSample}). */
    public boolean isLate() {
        return late;
    }

    public long timeUs() {
        return timeUs;
    }

    public long seq() {
        return seq;
    }

    public long movedUs() {
        return movedUs;
    }

    public boolean isEvent() {
        return event != null;
    }

    /** The sample; null for an event. */
    public PowerSample sample() {
        return sample;
    }

    /** The training event; null for a sample. */
    public TrainingEvent event() {
        return event;
    }

    /** Single-object encoded, computed on first use. */
    public byte[] payload() {
        if (payload == null) {
            payload = event != null ? AmpwatchSerdes.trainingEvent().encode(event) : AmpwatchSerdes.powerSample().encode(sample);
        }
        return payload;
    }

    @Override
    public int compareTo(Buffered o) {
        int c = Long.compare(timeUs, o.timeUs);
        if (c != 0) {
            return c;
        }
        c = Boolean.compare(!isEvent(), !o.isEvent());
        if (c == 0 && event == null) {
            c = compareReadings(sample, o.sample);
        } else if (c == 0) {
            c = Integer.compare(rank(event), rank(o.event));
        }
        return c != 0 ? c : Long.compare(seq, o.seq);
    }

    /**
     * Events at the same instant: starts, then epochs (and anything else), then ends. A run's events are in order on
     * their partition, but a run's start and its first epoch, or its last epoch and its end, are often stamped alike,
     * and an epoch event of a run that is not open (yet, or any more) is refused (RunTracker): so the order at one
     * instant does not rest on arrival.
     */
    private static int rank(TrainingEvent e) {
        return switch (e.getKind()) {
            case RUN_STARTED -> 0;
            case RUN_COMPLETED, RUN_FAILED -> 2;
            default -> 1;
        };
    }

    /**
     * Readings at the same instant, by device and then by value: the order no longer depends on how
     * producers interleaved (several agents of one host, a retried batch). Of two conflicting readings of
     * one device at one time the same one is applied whatever arrived first, and the other is a duplicate;
     * and a run's peak power, summed over devices reading by reading, does not depend on arrival either.
     */
    static int compareReadings(PowerSample a, PowerSample b) {
        // the component and device differ in the common case (several devices read at one instant)
        int c = Integer.compare(a.getComponent().ordinal(), b.getComponent().ordinal());
        if (c == 0) {
            c = a.getDevice().compareTo(b.getDevice());
        }
        if (c == 0) {
            c = LONGS.compare(a.getEnergyUj(), b.getEnergyUj());
        }
        if (c == 0) {
            c = DOUBLES.compare(a.getPowerWatts(), b.getPowerWatts());
        }
        if (c == 0) {
            c = LONGS.compare(a.getEnergyRangeUj(), b.getEnergyRangeUj());
        }
        if (c == 0) {
            c = Integer.compare(a.getPowerKind().ordinal(), b.getPowerKind().ordinal());
        }
        if (c == 0) {
            c = INTS.compare(a.getPowerWindowMs(), b.getPowerWindowMs());
        }
        if (c == 0) {
            c = Integer.compare(a.getSource().ordinal(), b.getSource().ordinal());
        }
        return c;
    }
}
