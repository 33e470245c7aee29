package dev.ampwatch.trainer;

import dev.ampwatch.schema.TrainingEvent;
import java.util.List;

/**
 * Receives the events of a training run in order: RUN_STARTED, then EPOCH_STARTED and
 * EPOCH_COMPLETED per epoch, then RUN_COMPLETED or RUN_FAILED (RUN_FAILED may also come without a
 * RUN_STARTED when the run fails while loading its data).
 *
 * <p>Called on the training thread; a slow listener slows training. An exception thrown by the
 * listener fails the run (so a broken publisher is noticed), except while delivering RUN_FAILED.
 */
@FunctionalInterface
public interface TrainingListener {
    void onEvent(TrainingEvent event);

    /** A listener that ignores every event. */
    static TrainingListener none() {
        return event -> {};
    }

    /** Delivers each event to every listener in order; the first exception stops delivery. */
    static TrainingListener all(List<? extends TrainingListener> listeners) {
        List<TrainingListener> copy = List.copyOf(listeners);
        return event -> copy.forEach(l -> l.onEvent(event));
    }
}
