package dev.ampwatch.trainer.kafka;

import dev.ampwatch.schema.EventKind;

/** A training event could not be written to Kafka. Names the topic and run so logs say where. */
public final class PublishException extends RuntimeException {
    public PublishException(String topic, String runId, EventKind kind, Throwable cause) {
        super("cannot publish " + kind + " of run " + runId + " to topic " + topic + ": " + cause.getMessage(), cause);
    }

    /** Events were not published (a broker still down when the publisher closed); {@code cause} may be null. */
    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
