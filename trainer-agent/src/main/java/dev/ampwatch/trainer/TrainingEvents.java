package dev.ampwatch.trainer;

import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Builds the TrainingEvent records of one run, stamping each with the injected clock truncated to
 * microseconds (the precision of {@code timestamp-micros}, so a record survives a round trip
 * through Avro unchanged). Not thread-safe; used by the training thread.
 */
final class TrainingEvents {
    private final String runId;
    private final String experimentId;
    private final String host;
    private final List<String> devices;
    private final InstantSource clock;

    TrainingEvents(TrainingOptions options, List<String> devices, InstantSource clock) {
        this(options.runId(), options.experimentId(), options.host(), devices, clock);
    }

    TrainingEvents(String runId, String experimentId, String host, List<String> devices, InstantSource clock) {
        this.runId = runId;
        this.experimentId = experimentId;
        this.host = host;
        this.devices = List.copyOf(devices);
        this.clock = clock;
    }

    /** The clock's current instant at event precision. */
    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    TrainingEvent runStarted(Instant at, RunConfig config) {
        return base(at, EventKind.RUN_STARTED).setConfig(config).build();
    }

    TrainingEvent epochStarted(Instant at, int epoch) {
        return base(at, EventKind.EPOCH_STARTED).setEpoch(epoch).build();
    }

    TrainingEvent epochCompleted(Instant at, int epoch, EpochMetrics metrics) {
        return base(at, EventKind.EPOCH_COMPLETED).setEpoch(epoch).setMetrics(metrics).build();
    }

    TrainingEvent runCompleted(Instant at) {
        return base(at, EventKind.RUN_COMPLETED).build();
    }

    TrainingEvent runFailed(Instant at, String reason) {
        return base(at, EventKind.RUN_FAILED).setFailureReason(reason).build();
    }

    private TrainingEvent.Builder base(Instant at, EventKind kind) {
        return TrainingEvent.newBuilder()
                .setRunId(runId)
                .setExperimentId(experimentId)
                .setHost(host)
                .setDevices(devices)
                .setEventTime(at)
                .setKind(kind);
    }
}
