package dev.ampwatch.analyzer.timeline;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;

/**
 * A record waiting in a host's {@link GraceBuffer}. Ordered by event time, training events before
 * samples at the same instant (a sample at a run's start belongs to the run), then by arrival on the
 * host; the order therefore depends on what each input delivered, never on how the two interleaved.
 * The encoded form is made only when the record is still buffered at a commit, and only once.
 */
public final class Buffered implements Comparable<Buffered> {
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
        return c != 0 ? c : Long.compare(seq, o.seq);
    }
}
