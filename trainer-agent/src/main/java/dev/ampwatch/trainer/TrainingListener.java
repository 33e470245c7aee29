package dev.ampwatch.trainer;

import dev.ampwatch.schema.TrainingEvent;
import java.time.InstantSource;
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

    /**
     * The clock to stamp this listener's events with, made from the job's own. The job reads it on the
     * thread that then delivers the events, in the order it stamped them. A listener that promises
     * progress on its own (the Kafka publisher's heartbeats) wraps it: an event is stamped some time
     * before it arrives, and a promise made in between must not cover it. The default is {@code clock}.
     */
    default InstantSource stampClock(InstantSource clock) {
        return clock;
    }

    /** A listener that ignores every event. */
    static TrainingListener none() {
        return event -> {};
    }

    /** Delivers each event to every listener in order; the first exception stops delivery. */
    static TrainingListener all(List<? extends TrainingListener> listeners) {
        List<TrainingListener> copy = List.copyOf(listeners);
        return new TrainingListener() {
            @Override
            public void onEvent(TrainingEvent event) {
                copy.forEach(l -> l.onEvent(event));
            }

            @Override
            public InstantSource stampClock(InstantSource clock) {
                InstantSource stamped = clock;
                for (TrainingListener l : copy) {
                    stamped = l.stampClock(stamped); // every listener sees each stamp before its event
                }
                return stamped;
            }
        };
    }
}
