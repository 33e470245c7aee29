package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.RunEnergy;
import java.util.Locale;

/** What the attribution step emits: run energy, or a record it had to set aside with the reason. */
public sealed interface AnalyzerOutput permits AnalyzerOutput.Energy, AnalyzerOutput.DeadLetter {

    /** Why a record was set aside; its lower-case name is the {@code ampwatch.dlq.kind} header. */
    enum DeadLetterKind {
        /** Not decodable as the topic's record type. */
        DESERIALIZATION,
        /** Decodable but impossible (no reading, negative power, blank host, ...). */
        INVALID,
        /** Its Kafka key is not its host: it is on a partition whose task never sees the host's other input. */
        WRONG_KEY,
        /** A sample more than the grace behind its host's samples, or before what was attributed. */
        LATE,
        /** A second reading of a device at a time already applied. */
        DUPLICATE,
        /**
         * A sample stamped more than {@code --max-time-jump} ahead of its host's samples that the host's next samples did
         * not follow (a clock glitch): never attributed.
         */
        TIME_JUMP,
        /** Run energy larger than the broker or the producer accept: sent without its epochs, whole here. */
        TOO_LARGE;

        public String header() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    record Energy(RunEnergy runEnergy) implements AnalyzerOutput {}

    /**
     * @param sourceTopic where the record came from
     * @param value the record's bytes (single-object encoded as published, or re-encoded)
     * @param kind why, in one word
     * @param reason why, naming the field and value
     */
    record DeadLetter(String sourceTopic, byte[] value, DeadLetterKind kind, String reason) implements AnalyzerOutput {}
}
