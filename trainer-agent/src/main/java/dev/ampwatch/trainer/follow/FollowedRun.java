package dev.ampwatch.trainer.follow;

import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.trainer.json.JsonFieldException;
import dev.ampwatch.trainer.json.TrainingEventJson;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link TrainerLines} keeps of one run it has read: whether it started and ended, what its events share
 * (experiment, host, devices), and its epochs, which follow one another. Not thread-safe.
 */
final class FollowedRun {
    private final String runId;
    private final Map<Integer, Instant> epochStarts = new HashMap<>();
    private final Set<Integer> completedEpochs = new HashSet<>();
    /** The epoch started and not completed; null when none. */
    private Integer openEpoch;
    /** The highest epoch started or completed; 0 before the first. */
    private int lastEpoch;
    boolean started;
    boolean ended;
    String experimentId;
    String host;
    List<String> devices;

    FollowedRun(String runId, FollowDefaults defaults) {
        this.runId = runId;
        this.experimentId = defaults.experimentId();
        this.host = defaults.host();
        this.devices = defaults.devices();
    }

    /** An event of this run at {@code at}, with what its events share. */
    TrainingEvent.Builder event(Instant at, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId(runId).setExperimentId(experimentId).setHost(host).setDevices(devices)
                .setEventTime(at).setKind(kind);
    }

    /**
     * Checks that an epoch line follows the run's earlier ones (nothing is changed): epochs are numbered in the order
     * they run, each completed once, and an epoch_completed ends the open epoch. An epoch_started while another epoch
     * is open (its epoch_completed was lost or refused) is accepted: the open epoch is closed at the new one's start by
     * the EPOCH_COMPLETED returned, with loss NaN and 0 samples (unknown), so the epochs published never overlap.
     *
     * @return the open epoch's closing event; null when there is none to close
     */
    TrainingEvent checkEpoch(EventKind kind, int epoch, Instant at) {
        Integer open = openEpoch;
        if (kind == EventKind.EPOCH_COMPLETED) {
            if (completedEpochs.contains(epoch)) {
                throw new JsonFieldException("epoch", "epoch " + epoch + " has already completed");
            }
            if (open != null && open != epoch) {
                throw openEpochNotEnded(open, epoch);
            }
            if (open == null && epoch <= lastEpoch) {
                throw outOfOrder(epoch);
            }
            Instant start = open == null ? null : epochStarts.get(epoch);
            if (start != null && at.isBefore(start)) {
                throw TrainingEventJson.beforeItsStart(epoch, at, start);
            }
            return null;
        }
        if (completedEpochs.contains(epoch)) {
            throw new JsonFieldException("epoch", "epoch " + epoch + " has already completed; epochs are numbered in the order they run");
        }
        if (open != null && open == epoch) {
            throw new JsonFieldException("epoch", "epoch " + epoch + " has already started");
        }
        if (epoch <= lastEpoch) {
            throw outOfOrder(epoch);
        }
        if (open == null) {
            return null;
        }
        Instant start = epochStarts.get(open);
        if (at.isBefore(start)) {
            throw new JsonFieldException("event_time", at + " is before the open epoch " + open + "'s epoch_started at " + start);
        }
        long ms = Duration.between(start, at).toMillis();
        return event(at, EventKind.EPOCH_COMPLETED).setEpoch(open).setMetrics(EpochMetrics.newBuilder()
                .setLoss(Double.NaN).setSamples(0).setSamplesPerSecond(0).setDurationMs(ms).build()).build();
    }

    /**
     * When epoch {@code epoch} started, for its epoch_completed line, if its epoch_started was read; checked before the
     * line's metrics are read, so that an epoch completed twice or out of turn is refused as such first.
     */
    Instant startOfCompleted(int epoch) {
        if (completedEpochs.contains(epoch)) {
            throw new JsonFieldException("epoch", "epoch " + epoch + " has already completed");
        }
        if (openEpoch != null && openEpoch != epoch) {
            throw openEpochNotEnded(openEpoch, epoch);
        }
        return openEpoch == null || openEpoch != epoch ? null : epochStarts.get(epoch);
    }

    void epochStarted(int epoch, Instant at) {
        epochStarts.put(epoch, at);
        openEpoch = epoch;
        lastEpoch = Math.max(lastEpoch, epoch);
    }

    /** Epoch {@code epoch} completed: by its own line, or closed by the next one's start ({@link #checkEpoch}). */
    void epochCompleted(int epoch) {
        completedEpochs.add(epoch);
        if (openEpoch != null && openEpoch == epoch) {
            openEpoch = null;
        }
        lastEpoch = Math.max(lastEpoch, epoch);
    }

    private JsonFieldException outOfOrder(int epoch) {
        return new JsonFieldException("epoch", "epoch " + epoch + " comes after epoch " + lastEpoch
                + "; epochs are numbered in the order they run");
    }

    private static JsonFieldException openEpochNotEnded(int open, int epoch) {
        return new JsonFieldException("epoch", "epoch " + open + " is open (its epoch_started was read); an epoch_completed "
                + "of epoch " + epoch + " cannot end it");
    }
}
