package dev.ampwatch.cli;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Instant;
import java.util.List;

/** Records of one test rig, host {@code rig} with one GPU {@code gpu0}, at whole seconds after a start time. */
final class RigRecords {
    private RigRecords() {}

    static TrainingEvent event(String experiment, Instant t0, String runId, int second, EventKind kind, RunConfig config) {
        return TrainingEvent.newBuilder().setRunId(runId).setExperimentId(experiment).setHost("rig").setDevices(List.of("gpu0"))
                .setEventTime(t0.plusSeconds(second)).setKind(kind).setConfig(config).build();
    }

    static PowerSample gpuSample(Instant t0, int second, double watts) {
        return PowerSample.newBuilder().setHost("rig").setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                .setEventTime(t0.plusSeconds(second)).setPowerWatts(watts).build();
    }
}
