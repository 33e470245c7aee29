package dev.ampwatch.bench.throughput;

import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.TrainingEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * One training run's events as a trainer sends them: RUN_STARTED and the first EPOCH_STARTED, epoch
 * boundaries, RUN_COMPLETED, and a run-level PROGRESS heartbeat every second while the run is open,
 * stamped with the time it is sent. A run without an end (the latency step) heartbeats forever.
 * Not thread-safe.
 */
final class SimulatedRun {
    static final int EPOCHS = 10;
    static final long HEARTBEAT_US = 1_000_000;
    private static final String[] PRECISIONS = {"fp32", "tf32", "amp-fp16", "amp-bf16"};

    final String runId;
    final long startUs;
    final long endUs; // Long.MAX_VALUE: never ends
    private final TrainingEvent.Builder template;
    private final Deque<TrainingEvent> lifecycle = new ArrayDeque<>();
    private long nextHeartbeatUs;

    SimulatedRun(String runId, String host, String experiment, int index, long startUs, long endUs, long heartbeatPhaseUs) {
        this.runId = runId;
        this.startUs = startUs;
        this.endUs = endUs;
        this.template = TrainingEvent.newBuilder().setRunId(runId).setExperimentId(experiment).setHost(host)
                .setDevices(List.copyOf(Fleet.GPU_DEVICES)).setEventTime(Fleet.instant(startUs)).setKind(EventKind.PROGRESS);
        this.nextHeartbeatUs = startUs + heartbeatPhaseUs;
        lifecycle.add(event(EventKind.RUN_STARTED, startUs, null).setConfig(config(index)).build());
        lifecycle.add(event(EventKind.EPOCH_STARTED, startUs, 1).build());
        if (endUs != Long.MAX_VALUE) {
            for (int k = 1; k <= EPOCHS; k++) {
                long boundary = k == EPOCHS ? endUs : Fleet.alignToTick(startUs + (endUs - startUs) * k / EPOCHS);
                lifecycle.add(event(EventKind.EPOCH_COMPLETED, boundary, k).setMetrics(metrics(k, boundary - startUs)).build());
                if (k < EPOCHS) {
                    lifecycle.add(event(EventKind.EPOCH_STARTED, boundary, k + 1).build());
                }
            }
            lifecycle.add(event(EventKind.RUN_COMPLETED, endUs, null).build());
        }
    }

    /** Whether the interval (fromUs, toUs] lies inside the run. */
    boolean covers(long fromUs, long toUs) {
        return fromUs >= startUs && toUs <= endUs;
    }

    /** The events due by {@code nowUs}, in order: lifecycle events up to it, then a heartbeat if one is due. */
    List<TrainingEvent> due(long nowUs) {
        List<TrainingEvent> out = new ArrayList<>();
        while (!lifecycle.isEmpty() && Fleet.micros(lifecycle.peek().getEventTime()) <= nowUs) {
            out.add(lifecycle.poll());
        }
        if (nowUs >= nextHeartbeatUs && nowUs < endUs) {
            out.add(event(EventKind.PROGRESS, nowUs, null).build());
            nextHeartbeatUs += HEARTBEAT_US * ((nowUs - nextHeartbeatUs) / HEARTBEAT_US + 1);
        }
        return out;
    }

    private TrainingEvent.Builder event(EventKind kind, long timeUs, Integer epoch) {
        return TrainingEvent.newBuilder(template).setKind(kind).setEventTime(Fleet.instant(timeUs)).setEpoch(epoch);
    }

    private static RunConfig config(int index) {
        return RunConfig.newBuilder().setPrecision(PRECISIONS[index % PRECISIONS.length]).setBatchSize(256)
                .setHiddenUnits(List.of(1024, 512)).setEpochs(EPOCHS).setLearningRate(0.01).setOptimizer("adam")
                .setDataset("synthetic").setDatasetSynthetic(true).setTrainSamples(60_000).setParameterCount(1_332_746)
                .setDeviceName("simulated 4-GPU host").setBackend("benchmark").build();
    }

    private static EpochMetrics metrics(int epoch, long elapsedUs) {
        return EpochMetrics.newBuilder().setLoss(1.0 / epoch).setTrainAccuracy(0.8).setTestAccuracy(0.79)
                .setSamples(60_000).setSamplesPerSecond(60_000 * 1e6 * epoch / Math.max(1, elapsedUs))
                .setDurationMs(elapsedUs / 1000 / epoch).build();
    }
}
