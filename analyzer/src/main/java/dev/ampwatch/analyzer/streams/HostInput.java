package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.time.Instant;

/** A record on its way to a host's attribution: a training event or a power sample. */
public sealed interface HostInput permits HostInput.Event, HostInput.Sample {
    /** A string field as messages show it: a poison record can carry megabytes in one. */
    static String clip(String s) {
        return s == null || s.length() <= 80 ? s : s.substring(0, 80) + "... (" + s.length() + " characters)";
    }

    Instant eventTime();

    String host();

    /** What it is, for messages: kind, host, device or run, time. */
    String describe();

    /** A record without a value (a tombstone): nothing to attribute. */
    boolean isEmpty();

    record Event(TrainingEvent event) implements HostInput {
        @Override
        public Instant eventTime() {
            return event.getEventTime();
        }

        @Override
        public String host() {
            return event.getHost();
        }

        @Override
        public boolean isEmpty() {
            return event == null;
        }

        @Override
        public String describe() {
            return "event " + event.getKind() + " run=" + HostInput.clip(event.getRunId()) + " host=" + HostInput.clip(event.getHost())
                    + " at " + event.getEventTime();
        }
    }

    /**
     * @param encoded the record's bytes as they came from the topic (null: made from {@code sample} when
     *     needed): a sample waiting in the grace buffer is stored, and a rejected one dead-lettered, as it
     *     came, without encoding it again
     */
    record Sample(PowerSample sample, byte[] encoded) implements HostInput {
        public Sample(PowerSample sample) {
            this(sample, null);
        }

        /** The sample as it came, or encoded now. */
        public byte[] bytes() {
            return encoded != null ? encoded : AmpwatchSerdes.powerSample().encode(sample);
        }

        @Override
        public Instant eventTime() {
            return sample.getEventTime();
        }

        @Override
        public String host() {
            return sample.getHost();
        }

        @Override
        public boolean isEmpty() {
            return sample == null;
        }

        @Override
        public String describe() {
            return "sample host=" + HostInput.clip(sample.getHost()) + " " + sample.getComponent() + "/"
                    + HostInput.clip(sample.getDevice()) + " at " + sample.getEventTime();
        }
    }
}
